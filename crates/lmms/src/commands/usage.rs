//! `lmms usage`: how often each import is used per request (DEC-02/03).
//!
//! Three modes: `--events` replays recorded events locally (exact),
//! `--logs` reads production logs (REPORT lines and tracker lines), and
//! `--insights-query` prints the CloudWatch query that counts tracker lines
//! fleet-wide. Replay and logs both write `.lmms/usage.json`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use lmms_usage::logs;
use lmms_usage::project;
use lmms_usage::replay::{self, PySetup, ReplayOptions};
use lmms_usage::tracker;
use lmms_usage::{ImportUsage, ModuleUsage, Source, UsageDoc, USAGE_SCHEMA};

use crate::context::Ctx;

use super::Format;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["events", "logs", "insights_query"])))]
pub struct Args {
    /// Replay recorded events: a JSON-lines file, a JSON array, or a directory of *.json.
    #[arg(long, value_name = "FILE|DIR")]
    pub events: Option<PathBuf>,
    /// Read Lambda logs: plain text, `aws logs filter-log-events` JSON, or a Logs Insights export (CSV/JSON).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// Print the CloudWatch Logs Insights query that aggregates tracker lines.
    #[arg(long)]
    pub insights_query: bool,
    /// `module:function` of the handler (default: `entry` from config).
    #[arg(long)]
    pub entry: Option<String>,
    /// Interpreter to replay with (default: config, $VIRTUAL_ENV, .venv, python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Seconds one event may run before it counts as an error.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = crate::context::parse_timeout)]
    pub timeout: Duration,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    if args.insights_query {
        return insights(ctx);
    }
    let doc = if let Some(events) = &args.events { by_replay(&args, events, ctx)? } else { by_logs(&args.logs, ctx)? };
    let dir = ctx.project.artifact_dir();
    let doc = merge_with_previous(doc, &dir, ctx);
    let written =
        lmms_usage::doc::write_atomic(&doc, &dir).with_context(|| format!("cannot write the usage artifact in {}", dir.display()))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", doc.to_json_pretty())?,
        Format::Text => {
            write!(out, "{}", lmms_usage::doc::render_text(&doc, &ctx.theme))?;
            if !ctx.quiet {
                writeln!(out, "\nwrote {}", written.display())?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Replay measures usage, REPORT lines measure cold starts: running one
/// after the other must not make the artifact forget what the other found.
/// Usage from a replay survives a logs run without tracker lines, and a
/// measured cold-start ratio survives a replay.
fn merge_with_previous(mut doc: UsageDoc, dir: &std::path::Path, ctx: &Ctx) -> UsageDoc {
    let Ok(text) = std::fs::read_to_string(dir.join("usage.json")) else { return doc };
    let Ok(prev) = UsageDoc::from_json(&text) else { return doc };
    if doc.source == Source::Replay && doc.cold_start_ratio.is_none() && prev.cold_start_ratio.is_some() {
        doc.cold_start_ratio = prev.cold_start_ratio;
        doc.logs = prev.logs;
        ctx.note("kept the cold start ratio measured from logs in usage.json");
    }
    let no_tracker = doc.logs.as_ref().is_some_and(|l| l.sampled == 0);
    if doc.source == Source::Logs && no_tracker && prev.source == Source::Replay && !prev.imports.is_empty() {
        doc.requests = prev.requests;
        doc.errors = prev.errors;
        doc.imports = prev.imports;
        doc.modules = prev.modules;
        doc.values = prev.values;
        doc.source = Source::Replay;
        ctx.note("kept the replayed usage in usage.json; the logs added the cold start ratio");
    }
    doc
}

fn by_replay(args: &Args, events_path: &std::path::Path, ctx: &Ctx) -> anyhow::Result<UsageDoc> {
    let cfg = &ctx.project.config;
    let entry = match args.entry.as_deref().or(cfg.entry.as_deref()) {
        Some(e) => e.to_string(),
        None => bail!(
            "no entry point: pass `--entry module:function` or set `entry = \"module:function\"` under [tool.lmms]"
        ),
    };
    let Some(entry) = lmms_config::parse_entry(&entry).map(|(m, f)| format!("{m}:{f}")) else {
        bail!("entry {entry:?} must look like \"module:function\" (e.g. lambda_function:lambda_handler)");
    };
    let per_event = args.timeout;
    let measure_timeout = crate::context::start_timeout(None, cfg)?;
    let events = replay::load_events(&ctx.cwd.join(events_path))?;
    let interp = super::profile::interpreter(args.python.as_deref(), ctx)?;
    let opts = ReplayOptions {
        root: ctx.project.root.clone(),
        py: PySetup {
            python: interp.path.clone(),
            src_roots: ctx.project.src_roots(),
            cwd: ctx.project.root.clone(),
            env: ctx.env(),
        },
        entry,
        exclude: cfg.exclude.clone(),
        per_event_timeout: per_event,
        measure_timeout,
        loaded_by_name: replay::modules_loaded_by_name(&ctx.project.artifact_dir()),
    };
    ctx.reporter.detail(1, || {
        let (n, entry, python) = (events.len(), &opts.entry, interp.path.display());
        format!("replaying {n} events through {entry} with {python} (from {})", interp.source)
    });
    let report = replay::usage_by_replay(&ctx.runner(), &opts, &events, &ctx.reporter)?;
    for w in &report.warnings {
        ctx.warn(w);
    }
    if let Some(first) = report.failures.first() {
        let (n, of) = (report.failures.len(), report.doc.requests);
        ctx.warn(format!("{n} of {of} events raised (counted in `errors`); the first, {}:\n{}", first.name, first.traceback));
    }
    Ok(report.doc)
}

fn by_logs(files: &[PathBuf], ctx: &Ctx) -> anyhow::Result<UsageDoc> {
    let mut entries = Vec::new();
    for f in files {
        let path = ctx.cwd.join(f);
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let parsed = logs::parse_input(&String::from_utf8_lossy(&bytes));
        let counts = |r: &logs::Record| {
            matches!(r, logs::Record::Report(_) | logs::Record::Tracker(_) | logs::Record::TrackerTotals { .. })
        };
        if let Some(first) = parsed.malformed.first() {
            let n = parsed.malformed.len();
            let what = format!("{n} platform line(s) whose numbers cannot be read, e.g. {first:?}");
            if !parsed.entries.iter().any(|e| counts(&e.record)) {
                bail!("{}: no valid REPORT line and no tracker line; {what}", path.display());
            }
            ctx.warn(format!("{}: skipped {what}", path.display()));
        }
        entries.extend(parsed.entries);
    }
    let stats = logs::aggregate(&entries);
    if stats.invocations == 0 && stats.sampled == 0 {
        bail!("no REPORT lines and no tracker lines in {} file(s): is this a Lambda log group's output?", files.len());
    }
    let frac = |n: u64| if stats.sampled == 0 { 0.0 } else { n as f64 / stats.sampled as f64 };
    // Tracker lines name top-level packages; each import statement gets its
    // package's sampled usage.
    let imports: Vec<ImportUsage> = if stats.sampled == 0 {
        Vec::new()
    } else {
        let sources = project_sources(ctx);
        sources
            .statements
            .iter()
            .map(|st| {
                let top = st.module.split('.').next().unwrap_or_default();
                let n = stats.module_counts.get(top).copied().unwrap_or(0);
                ImportUsage {
                    path: st.path.clone(),
                    line: st.line,
                    module: st.module.clone(),
                    usage: frac(n),
                    requests_using: n,
                    names: Vec::new(),
                    id: st.id.clone(),
                }
            })
            .collect()
    };
    let mut modules: Vec<ModuleUsage> =
        stats.module_counts.iter().map(|(name, n)| ModuleUsage { name: name.clone(), usage: frac(*n) }).collect();
    modules.sort_by(|a, b| b.usage.total_cmp(&a.usage).then_with(|| a.name.cmp(&b.name)));
    Ok(UsageDoc {
        schema: USAGE_SCHEMA.into(),
        requests: if stats.sampled > 0 { stats.sampled } else { stats.invocations },
        errors: stats.failed,
        imports,
        modules,
        cold_start_ratio: stats.cold_start_ratio,
        source: Source::Logs,
        logs: Some(stats),
        values: Vec::new(),
    })
}

/// The project's import statements, limited to what the entry imports when
/// an entry is configured.
fn project_sources(ctx: &Ctx) -> project::Sources {
    let mut sources = project::load(&ctx.project.root, &ctx.project.src_roots(), &ctx.project.config.exclude);
    if let Some((module, _)) = ctx.project.config.entry.as_deref().and_then(lmms_config::parse_entry) {
        sources.retain_reachable(&module);
    }
    sources
}

fn insights(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let sources = project_sources(ctx);
    let packages: BTreeSet<String> = tracker::top_level(sources.statements.iter().map(|s| s.module.as_str()));
    if packages.is_empty() {
        bail!("no import statements found under {}; run in the function's project", ctx.project.root.display());
    }
    let mut out = std::io::stdout().lock();
    write!(out, "{}", tracker::insights_query(&packages))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
