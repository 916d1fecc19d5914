//! `lmms fix`'s verification: the arguments and config that say what to
//! check, and the summary lines of what was checked and dropped. `lmms plan
//! --simulate` takes the same flags and builds its input here too, so the
//! tree it measures is the one `lmms fix` writes.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use lmms_fix::pipeline::Report;
use lmms_fix::verify::VerifyInput;

use crate::context::Ctx;

#[derive(Debug, Clone, clap::Args)]
pub struct VerifyArgs {
    /// Verify with this test command too (run before and after, in the shadow
    /// copy; default: config `test`).
    #[arg(long, value_name = "CMD")]
    pub test: Option<String>,
    /// Verify that these events (as for `lmms usage --events`) replay the same.
    #[arg(long, value_name = "PATH")]
    pub events: Option<PathBuf>,
    /// Write the rewrite without verifying it in a shadow copy first.
    #[arg(long, conflicts_with_all = ["test", "events"])]
    pub no_verify: bool,
}

/// A test suite gets this long, before and after, per run.
const TEST_TIMEOUT: Duration = Duration::from_secs(1800);

/// What to verify with, from the flags and config; `None` is `--no-verify`.
pub fn input(args: &VerifyArgs, ctx: &Ctx, target: lmms_fix::Target) -> anyhow::Result<Option<VerifyInput>> {
    if args.no_verify {
        return Ok(None);
    }
    let cfg = &ctx.project.config;
    let entry = cfg.entry.as_deref().and_then(lmms_config::parse_entry).map(|(m, f)| format!("{m}:{f}"));
    let events = match &args.events {
        Some(p) => lmms_usage::replay::load_events(&ctx.cwd.join(p))?,
        None => Vec::new(),
    };
    if !events.is_empty() && entry.is_none() {
        anyhow::bail!("--events needs an entry: set `entry = \"module:function\"` under [tool.lmms]");
    }
    let (python, python_error) = if target == lmms_fix::Target::Py315 {
        // The interpreter lmms finds is rarely 3.15+: `lazy import` would fail there as a syntax error.
        (None, Some("`--target-version py315` writes `lazy import`, which only Python 3.15+ parses".to_string()))
    } else if entry.is_some() {
        match super::profile::interpreter(None, ctx) {
            Ok(i) => (Some(i.path), None),
            Err(e) => (None, Some(format!("no interpreter: {e}"))),
        }
    } else {
        (None, None)
    };
    Ok(Some(VerifyInput {
        python,
        python_error,
        entry,
        events,
        test: args.test.clone().or_else(|| cfg.test.clone()),
        env: ctx.env(),
        start_timeout: crate::context::start_timeout(None, cfg)?,
        test_timeout: TEST_TIMEOUT,
    }))
}

pub fn render(out: &mut dyn Write, r: &Report) -> anyhow::Result<()> {
    let Some(v) = &r.verification else {
        writeln!(out, "not verified (--no-verify)")?;
        return Ok(());
    };
    let ran: Vec<&str> = v.checks.iter().filter(|c| c.status != "skipped").map(|c| c.name).collect();
    if ran.is_empty() {
        return Ok(());
    }
    let dropped = v.dropped.len();
    write!(out, "verified in a shadow copy ({})", ran.join(", "))?;
    if dropped > 0 {
        write!(out, ": {dropped} rewrite{} dropped", if dropped == 1 { "" } else { "s" })?;
    }
    writeln!(out)?;
    Ok(())
}
