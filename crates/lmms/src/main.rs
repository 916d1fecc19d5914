//! The `lmms` command line: argument parsing, colours and exit codes live
//! here and nowhere else. Each subcommand's module turns validated
//! arguments into library calls and renders the result.

use std::io::Write;
use std::process::ExitCode;

use commands::functions::Need;
use clap::{CommandFactory, Parser, Subcommand};

mod commands;
mod context;
mod progress;

/// The parser allocates and frees millions of small AST nodes across
/// threads; mimalloc does that markedly faster than glibc's allocator (ruff
/// ships a non-system allocator for the same reason; measured on `lmms check`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Make Python programs start fast by managing their imports (LMMS).
#[derive(Debug, Parser)]
#[command(
    name = "lmms",
    version,
    about,
    propagate_version = true,
    after_help = "DEC-01…DEC-04 are the LMMS decisions, explained in docs/lmms.md of the lmms repository."
)]
struct Cli {
    #[command(flatten)]
    global: context::GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure every import of an entry point in fresh interpreters (DEC-03).
    Profile(commands::profile::Args),
    /// Lint imports on the hot path (DEC-01, DEC-04).
    Check(commands::check::Args),
    /// Print the documentation of a rule, e.g. `lmms rule LMM001`.
    Rule(commands::rule::Args),
    /// Measure how often each import is used per request (DEC-02/03).
    Usage(commands::usage::Args),
    /// Write the stdlib-only production usage tracker module.
    Runtime(commands::runtime::Args),
    /// Classify every import and decide module- or function-level (DEC-01/02).
    Plan(commands::plan::Args),
    /// Generate or enforce fast_path.py (DEC-04).
    #[command(name = "fast-path", subcommand)]
    FastPath(commands::fast_path::FastPathCommand),
    /// Apply the plan: move cold imports into the functions that use them.
    Fix(commands::fix::Args),
    /// Measure INIT before/after against a baseline, as a CI gate.
    Bench(commands::bench::Args),
    /// Draw the artifacts: a self-contained HTML report, or speedscope / collapsed stacks.
    Report(commands::report::Args),
    /// List the Python functions of a SAM, Serverless or CDK template.
    Functions(commands::functions::Args),
    /// Print a shell completion script, e.g. `source <(lmms completions bash)`.
    Completions(commands::completions::CompletionsArgs),
    /// Print the man page (roff), e.g. `lmms man > ~/.local/share/man/man1/lmms.1`.
    Man(commands::completions::ManArgs),
    /// Print the JSON Schema of an artifact, e.g. `lmms schema profile`.
    Schema(commands::schema::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are successes; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    let g = cli.global;
    let result = match cli.command {
        Command::Profile(a) => in_project(g, Need::One, |ctx| commands::profile::run(a, ctx)),
        Command::Check(a) => in_project(g, Need::Any, |ctx| commands::check::run(a, ctx)),
        // `lmms rule` documents the tool; it reads no configuration.
        Command::Rule(a) => in_project(g, Need::Nothing, |ctx| commands::rule::run(a, ctx)),
        Command::Usage(a) => in_project(g, Need::One, |ctx| commands::usage::run(a, ctx)),
        Command::Runtime(a) => in_project(g, Need::One, |ctx| commands::runtime::run(a, ctx)),
        Command::Plan(a) => in_project(g, Need::One, |ctx| commands::plan::run(a, ctx)),
        Command::FastPath(a) => in_project(g, Need::One, |ctx| commands::fast_path::run(a, ctx)),
        Command::Fix(a) => in_project(g, Need::One, |ctx| commands::fix::run(a, ctx)),
        Command::Bench(a) => in_project(g, Need::One, |ctx| commands::bench::run(a, ctx)),
        Command::Report(a) => in_project(g, Need::One, |ctx| commands::report::run(a, ctx)),
        Command::Functions(a) => in_project(g, Need::List, |ctx| commands::functions::run(a, ctx)),
        // Generated from the parser alone: no project, so no config to trip on.
        Command::Completions(a) => commands::completions::completions(a, Cli::command()),
        Command::Man(a) => commands::completions::man(a, Cli::command()),
        // Needs no project: the schemas are the same everywhere.
        Command::Schema(a) => commands::schema::run(a),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if context::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "lmms: error: {err}");
            for cause in err.chain().skip(1) {
                let _ = writeln!(stderr, "  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

/// Runs a subcommand that works on a project: discovers its config first.
fn in_project(
    g: context::GlobalArgs,
    need: Need,
    run: impl FnOnce(&context::Ctx) -> anyhow::Result<ExitCode>,
) -> anyhow::Result<ExitCode> {
    run(&context::Ctx::new(g, need)?)
}
