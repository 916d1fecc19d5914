//! `lmms report`: the `.lmms/` artifacts as one self-contained HTML page, or
//! the import tree for existing flame-graph viewers (speedscope, collapsed
//! stacks).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _};

use crate::context::Ctx;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    /// One self-contained page: icicle, INIT vs floor, plan, bench.
    Html,
    /// speedscope's JSON file format (a sampled profile of the import stacks).
    Speedscope,
    /// Brendan Gregg's collapsed stacks, `a;b;c <microseconds of self time>`.
    Collapsed,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["html", "format"])))]
pub struct Args {
    /// Write the HTML report to FILE (same as `--format html -o FILE`).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["format", "output"])]
    pub html: Option<PathBuf>,
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE instead of stdout (atomically).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Saved `lmms bench --format json` results [default: .lmms/bench.json if present].
    #[arg(long, value_name = "FILE")]
    pub bench: Option<PathBuf>,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let (format, output) = match (args.html, args.format) {
        (Some(file), _) => (lmms_html::Format::Html, Some(file)),
        (None, Some(f)) => (
            match f {
                Format::Html => lmms_html::Format::Html,
                Format::Speedscope => lmms_html::Format::Speedscope,
                Format::Collapsed => lmms_html::Format::Collapsed,
            },
            args.output,
        ),
        (None, None) => bail!("pass --html FILE or --format html|speedscope|collapsed"),
    };
    let bench = args.bench.map(|b| ctx.cwd.join(b));
    let text = lmms_html::report(&ctx.project.artifact_dir(), bench.as_deref(), format)?;
    match output {
        Some(file) => {
            let file = ctx.cwd.join(file);
            lmms_config::write_atomic(&file, text.as_bytes())
                .with_context(|| format!("cannot write {}", file.display()))?;
            ctx.info(format_args!("wrote {}", file.display()));
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
