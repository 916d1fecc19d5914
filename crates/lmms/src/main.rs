//! The `lmms` command line: argument parsing, colours and exit codes live
//! here and nowhere else. Each subcommand's module turns validated
//! arguments into library calls and renders the result.

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod context;

/// The parser allocates and frees millions of small AST nodes across
/// threads; mimalloc does that markedly faster than glibc's allocator (ruff
/// ships a non-system allocator for the same reason; measured on `lmms check`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Make Python programs start fast by managing their imports (LMMS).
#[derive(Debug, Parser)]
#[command(name = "lmms", version, about, propagate_version = true)]
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
    let need = match cli.command {
        Command::Functions(_) => commands::functions::Need::List,
        Command::Check(_) | Command::Rule(_) => commands::functions::Need::Any,
        _ => commands::functions::Need::One,
    };
    let result = match cli.command {
        // Needs no project: the schemas are the same everywhere.
        Command::Schema(a) => commands::schema::run(a),
        command => context::Ctx::new(cli.global, need).and_then(|ctx| run(command, &ctx)),
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

/// Every subcommand that works on a project.
fn run(command: Command, ctx: &context::Ctx) -> anyhow::Result<ExitCode> {
    match command {
        Command::Profile(a) => commands::profile::run(a, ctx),
        Command::Check(a) => commands::check::run(a, ctx),
        Command::Rule(a) => commands::rule::run(a, ctx),
        Command::Usage(a) => commands::usage::run(a, ctx),
        Command::Runtime(a) => commands::runtime::run(a, ctx),
        Command::Plan(a) => commands::plan::run(a, ctx),
        Command::FastPath(a) => commands::fast_path::run(a, ctx),
        Command::Fix(a) => commands::fix::run(a, ctx),
        Command::Bench(a) => commands::bench::run(a, ctx),
        Command::Report(a) => commands::report::run(a, ctx),
        Command::Functions(a) => commands::functions::run(a, ctx),
        Command::Schema(a) => commands::schema::run(a),
    }
}
