//! `lmms bench`: arguments → [`lmms_bench::run`] → render → exit code. The
//! engine (executor, scheduler, comparison, worktrees, renderers) lives in
//! `lmms_bench`; this module adds the interrupt handler that keeps a Ctrl-C
//! from leaving a git worktree behind.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use lmms_bench::{comparison, export, Baseline, Request, Setup};
use lmms_profile::runner::ProcessRunner;

use crate::context::Ctx;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// GitHub Actions workflow commands (`::error`, `::notice`) plus a table.
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `module:function` of the handler (default: `entry` from config).
    pub entry: Option<String>,
    /// Event files or directories of `*.json` (default: `events/` if present).
    /// Each file is one event type; its first invocation is timed.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub events: Vec<PathBuf>,
    /// Fresh starts per variant and event type.
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Measure the working tree and save it as `.lmms/baseline.json`.
    #[arg(long, conflicts_with = "against")]
    pub save_baseline: bool,
    /// Compare against this saved baseline (default: `.lmms/baseline.json`).
    #[arg(long, value_name = "FILE", conflicts_with = "against")]
    pub baseline: Option<PathBuf>,
    /// Compare against a git revision, checked out in a temporary worktree
    /// and measured interleaved with the working tree.
    #[arg(long, value_name = "REV")]
    pub against: Option<String>,
    /// Exit 1 unless INIT improved by at least PCT percent.
    #[arg(long, value_name = "PCT", value_parser = parse_fail_under, allow_hyphen_values = true)]
    pub fail_under: Option<f64>,
    /// Exit 1 if INIT or any event type's cold start (INIT + first
    /// invocation) got slower by more than PCT percent.
    #[arg(long, value_name = "PCT", value_parser = parse_max_regression, allow_hyphen_values = true)]
    pub max_regression: Option<f64>,
    /// Seconds before a start is killed.
    #[arg(long, value_name = "SECONDS", value_parser = crate::context::parse_timeout)]
    pub timeout: Option<Duration>,
    /// Interpreter to measure (default: config, $VIRTUAL_ENV, .venv, python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

fn percent(s: &str) -> Result<f64, String> {
    s.trim().parse().map_err(|_| format!("{s:?} is not a number of percent"))
}

/// clap parsers: a NaN limit would switch the CI gate off without a word.
fn parse_fail_under(s: &str) -> Result<f64, String> {
    comparison::fail_under_limit(percent(s)?).map_err(|e| e.to_string())
}

fn parse_max_regression(s: &str) -> Result<f64, String> {
    comparison::max_regression_limit(percent(s)?).map_err(|e| e.to_string())
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let project = &ctx.project;
    let cfg = &project.config;
    let entry = match args.entry.as_deref().or(cfg.entry.as_deref()) {
        Some(e) => e.to_string(),
        None => bail!("no entry point: pass `lmms bench module:function` or set `entry` under [tool.lmms]"),
    };
    let Some((module, handler)) = lmms_config::parse_entry(&entry).map(|(m, h)| (m.to_string(), h.to_string()))
    else {
        bail!("entry {entry:?} must look like \"module:function\"");
    };
    let entry = format!("{module}:{handler}");
    let runs = args.runs.or(cfg.runs).unwrap_or(10);
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let timeout = crate::context::start_timeout(args.timeout, cfg)?;
    let event_paths: Vec<PathBuf> = if args.events.is_empty() {
        let d = project.root.join("events");
        if d.is_dir() {
            vec![d]
        } else {
            Vec::new()
        }
    } else {
        args.events.iter().map(|p| ctx.cwd.join(p)).collect()
    };
    let events = lmms_bench::events::collect(&event_paths)?;
    let interp = super::profile::interpreter(args.python.as_deref(), ctx)?;
    let baseline_file = match &args.baseline {
        Some(p) => ctx.cwd.join(p),
        None => project.artifact_dir().join("baseline.json"),
    };
    let baseline = match (&args.against, args.save_baseline) {
        (Some(rev), _) => Baseline::Git(rev.clone()),
        (None, true) => Baseline::Save(baseline_file),
        (None, false) => Baseline::Saved(baseline_file),
    };
    let req = Request {
        entry,
        setup: Setup {
            python: interp.path.clone(),
            module,
            handler,
            events,
            runs,
            timeout,
            warmup: true,
            env: ctx.env(),
        },
        project_root: project.root.clone(),
        src: cfg.src.clone(),
        baseline,
        fail_under: args.fail_under,
        max_regression: args.max_regression,
        saved_at: super::profile::now_rfc3339(),
    };
    exit_on_interrupt()?;
    let outcome = lmms_bench::run(&ctx.runner(), &req, &ctx.reporter)?;
    if let Some(path) = &outcome.saved_baseline {
        ctx.info(format!("saved baseline to {}", path.display()));
    }
    let format = match args.format {
        Format::Text => export::Format::Text,
        Format::Json => export::Format::Json,
        Format::Github => export::Format::Github,
    };
    let mut out = std::io::stdout().lock();
    export::render(&mut out, format, &outcome.doc, &ctx.theme)?;
    Ok(if outcome.doc.gate.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// On SIGINT or SIGTERM: hold the worktree registry (waiting for a checkout
/// in progress), kill the interpreter being measured, remove the `--against`
/// worktree, and exit 130 or 143 as a shell reports the signal. Holding the
/// registry until exit keeps the interrupted main thread from removing it
/// twice or reporting a half-finished run.
fn exit_on_interrupt() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let mut registry = lmms_bench::worktree::lock();
            lmms_profile::runner::kill_running();
            let removed = registry.remove_all(&ProcessRunner);
            // A start the main thread began after the first kill.
            lmms_profile::runner::kill_running();
            if removed > 0 {
                eprintln!("\nlmms: interrupted; removed the temporary worktree");
            } else {
                eprintln!("\nlmms: interrupted");
            }
            std::process::exit(128 + sig);
        }
    });
    Ok(())
}
