//! `lmms runtime`: write the stdlib-only production usage tracker.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use lmms_usage::doc::write_file_atomic;
use lmms_usage::tracker::{TRACKER_FILE, TRACKER_PY};

use crate::context::Ctx;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where to write the module (default: `lmms_tracker.py` in the first source root).
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Print the module to stdout instead of writing a file.
    #[arg(long, conflicts_with = "output")]
    pub stdout: bool,
    /// Overwrite an existing file that differs.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.stdout {
        out.write_all(TRACKER_PY.as_bytes())?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let target = match &args.output {
        Some(p) => ctx.cwd.join(p),
        None => {
            let root = ctx.project.src_roots().into_iter().next().unwrap_or_else(|| ctx.project.root.clone());
            root.join(TRACKER_FILE)
        }
    };
    match std::fs::read_to_string(&target) {
        Ok(existing) if existing == TRACKER_PY => {
            writeln!(out, "{} is up to date", target.display())?;
            return Ok(ExitCode::SUCCESS);
        }
        Ok(_) if !args.force => {
            bail!("{} exists and differs from this version's tracker; pass --force to overwrite it", target.display())
        }
        _ => {}
    }
    write_file_atomic(&target, TRACKER_PY.as_bytes())?;
    let module = target.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "lmms_tracker".into());
    writeln!(out, "wrote {}", target.display())?;
    writeln!(out)?;
    writeln!(out, "Decorate the handler:")?;
    writeln!(out)?;
    writeln!(out, "    from {module} import track")?;
    writeln!(out)?;
    writeln!(
        out,
        "    @track                 # samples 1% of invocations; LMMS_USAGE_SAMPLE_RATE or @track(rate=0.05)"
    )?;
    writeln!(out, "    def lambda_handler(event, context): ...")?;
    writeln!(out)?;
    writeln!(out, "Then aggregate: `lmms usage --logs <exported logs>` or `lmms usage --insights-query`.")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
