//! `lmms bench`: INIT and first-invocation latency of the working tree,
//! measured in fresh interpreters, interleaved against a baseline (a saved
//! `.lmms/baseline.json` or a git revision checked out in a temporary
//! worktree), with a CI gate.
//!
//! Every process — the interpreter and git alike — is started through the
//! [`Runner`], so the whole measurement replays under `ScriptedRunner`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use lmms_profile::runner::{ProcessRunner, RunOutput, RunSpec, Runner};
use lmms_stats::{improvement_pct, paired_ratio, Summary};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;

pub const BENCH_SCHEMA: &str = "lmms.bench/1";
pub const BASELINE_SCHEMA: &str = "lmms.baseline/1";

/// Runs as `python -c <this> MODULE ATTR EVENT_FILE ROOT...`. Imports only
/// `sys` before the entry so nothing the app needs is pre-loaded; the event
/// is read after INIT is stamped and before the handler clock starts.
const BENCH_BOOTSTRAP: &str = r#"
import sys


class _LambdaContext:
    function_name = "lmms-bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    invoked_function_arn = "arn:aws:lambda:local:000000000000:function:lmms-bench"
    log_group_name = "/aws/lambda/lmms-bench"
    log_stream_name = "lmms-bench"

    def get_remaining_time_in_millis(self):
        return 900000


def _lmms_bench():
    entry, attr, event_path = sys.argv[1:4]
    roots = sys.argv[4:]
    del sys.argv[1:]
    sys.path[0:0] = roots
    try:
        __import__(entry)
        handler = getattr(sys.modules[entry], attr)
    except BaseException:
        import traceback
        traceback.print_exc()
        sys.stderr.write("\n@@lmms-bench@@ import-error\n")
        sys.stderr.flush()
        sys.exit(3)
    import time
    ready_ns = time.monotonic_ns()
    import resource
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first_ns = -1
    if event_path:
        import json
        with open(event_path, "rb") as f:
            event = json.load(f)
        context = _LambdaContext()
        try:
            t0 = time.monotonic_ns()
            handler(event, context)
            first_ns = time.monotonic_ns() - t0
        except BaseException:
            import traceback
            traceback.print_exc()
            sys.stderr.write("\n@@lmms-bench@@ handler-error\n")
            sys.stderr.flush()
            sys.exit(5)
    sys.stderr.write("\n@@lmms-bench@@ ready %d %d %d\n" % (ready_ns, rss_kb, first_ns))
    sys.stderr.flush()
    sys.stdout.flush()
    import os
    os._exit(0)


_lmms_bench()
"#;

const MARK: &str = "@@lmms-bench@@ ";

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
    #[arg(long, value_name = "PCT")]
    pub fail_under: Option<f64>,
    /// Exit 1 if INIT or any event type's cold start (INIT + first
    /// invocation) got slower by more than PCT percent.
    #[arg(long, value_name = "PCT")]
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

/// One tree to measure.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Directory the interpreter runs in (the project root in that tree).
    pub cwd: PathBuf,
    pub src_roots: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub python: PathBuf,
    pub module: String,
    pub handler: String,
    /// (event type, file).
    pub events: Vec<(String, PathBuf)>,
    pub runs: u32,
    pub timeout: Duration,
    /// One unrecorded start per variant first, so both trees have their
    /// bytecode caches written and their files in the page cache — a fresh
    /// git worktree would otherwise pay compilation in its first run only.
    pub warmup: bool,
    /// The function's environment (a template's `Environment.Variables`).
    pub env: Vec<(String, String)>,
}

/// Raw samples of one variant, in run order (pairable by index).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    pub init_ms: Vec<f64>,
    pub rss_mb: Vec<f64>,
    /// Event type → first-invocation latency per run.
    pub first_invocation_ms: BTreeMap<String, Vec<f64>>,
    /// Event type → INIT + first invocation of the same start: what a cold
    /// request of that type waits for.
    #[serde(default)]
    pub cold_start_ms: BTreeMap<String, Vec<f64>>,
}

/// `.lmms/baseline.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineDoc {
    pub schema: String,
    pub entry: String,
    pub python: String,
    pub runs: u32,
    pub saved_at: String,
    pub init_ms: Summary,
    pub samples: Samples,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// `init`, `first:<event type>`, `rss`.
    pub name: String,
    pub unit: &'static str,
    pub baseline: Option<Summary>,
    pub current: Summary,
    /// Median of per-pair `current / baseline` ratios.
    pub ratio: Option<f64>,
    /// Positive = faster (smaller).
    pub improvement_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gate {
    pub fail_under: Option<f64>,
    pub max_regression: Option<f64>,
    pub passed: bool,
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchDoc {
    pub schema: &'static str,
    pub entry: String,
    pub python: String,
    pub runs: u32,
    /// `none`, `saved` or `git`.
    pub baseline_kind: &'static str,
    /// The saved file or the revision.
    pub baseline_source: Option<String>,
    /// Whether the samples were taken interleaved (git) or at another time (saved).
    pub interleaved: bool,
    pub metrics: Vec<Metric>,
    pub gate: Gate,
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Run(#[from] lmms_profile::runner::RunError),
    #[error("{what}: importing `{module}` failed:\n{stderr}")]
    Import { what: String, module: String, stderr: String },
    #[error("{what}: the handler raised on event `{event}`:\n{stderr}")]
    Handler { what: String, event: String, stderr: String },
    #[error("{what}: timed out after {seconds:.0} s")]
    Timeout { what: String, seconds: f64 },
    #[error("{what}: the interpreter exited with {status:?} before reporting:\n{stderr}")]
    Crashed { what: String, status: Option<i32>, stderr: String },
}

fn tail(text: &str, n: usize) -> String {
    let v: Vec<&str> = text.lines().collect();
    v[v.len().saturating_sub(n)..].join("\n")
}

/// One start: (init ms, rss MB, first-invocation ms if an event ran).
fn start_once(
    runner: &dyn Runner,
    setup: &Setup,
    variant: &Variant,
    label: &str,
    event: Option<&(String, PathBuf)>,
) -> Result<(f64, f64, Option<f64>), BenchError> {
    let spec = RunSpec::new(&setup.python)
        .envs(setup.env.iter().cloned())
        .timeout(setup.timeout)
        .cwd(&variant.cwd)
        .arg("-c")
        .arg(BENCH_BOOTSTRAP)
        .arg(&setup.module)
        .arg(&setup.handler)
        .arg(event.map_or(std::ffi::OsString::new(), |e| e.1.clone().into_os_string()))
        .args(variant.src_roots.iter().map(|p| p.as_os_str().to_owned()));
    let out: RunOutput = runner.run(&spec)?;
    let what = match event {
        Some((name, _)) => format!("{label} ({name})"),
        None => label.to_string(),
    };
    let stderr = out.stderr_text();
    if out.timed_out {
        return Err(BenchError::Timeout { what, seconds: setup.timeout.as_secs_f64() });
    }
    if stderr.contains(&format!("{MARK}import-error")) {
        return Err(BenchError::Import { what, module: setup.module.clone(), stderr: tail(&stderr, 20) });
    }
    if stderr.contains(&format!("{MARK}handler-error")) {
        let event = event.map(|e| e.0.clone()).unwrap_or_default();
        return Err(BenchError::Handler { what, event, stderr: tail(&stderr, 20) });
    }
    let Some(ready) = stderr.lines().find_map(|l| l.strip_prefix(&format!("{MARK}ready "))) else {
        return Err(BenchError::Crashed { what, status: out.status, stderr: tail(&stderr, 20) });
    };
    let nums: Vec<i64> = ready.split_whitespace().filter_map(|s| s.parse().ok()).collect();
    let [ready_ns, rss_kb, first_ns] = nums[..] else {
        return Err(BenchError::Crashed { what, status: out.status, stderr: tail(&stderr, 20) });
    };
    let init_ms = (ready_ns as u64).saturating_sub(out.spawned_at_ns) as f64 / 1e6;
    let first = (first_ns >= 0).then(|| first_ns as f64 / 1e6);
    Ok((init_ms, rss_kb as f64 / 1024.0, first))
}

/// Measure the variants interleaved: every run starts each variant once per
/// event type, alternating which goes first so order effects cancel.
pub fn measure(
    runner: &dyn Runner,
    setup: &Setup,
    variants: &[(&str, &Variant)],
    mut progress: impl FnMut(u32, u32),
) -> Result<Vec<Samples>, BenchError> {
    let mut samples = vec![Samples::default(); variants.len()];
    let events: Vec<Option<&(String, PathBuf)>> =
        if setup.events.is_empty() { vec![None] } else { setup.events.iter().map(Some).collect() };
    if setup.warmup {
        for (label, variant) in variants {
            start_once(runner, setup, variant, label, events[0])?;
        }
    }
    for run in 0..setup.runs {
        progress(run + 1, setup.runs);
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if run % 2 == 1 {
            order.reverse();
        }
        // INIT of one start per variant per run keeps INIT pairs aligned
        // with runs; the other event starts add first-invocation samples.
        for (k, ev) in events.iter().enumerate() {
            for &v in &order {
                let (label, variant) = variants[v];
                let (init, rss, first) = start_once(runner, setup, variant, label, *ev)?;
                let s = &mut samples[v];
                if k == 0 {
                    s.init_ms.push(init);
                    s.rss_mb.push(rss);
                }
                if let (Some((name, _)), Some(ms)) = (ev, first) {
                    s.first_invocation_ms.entry(name.clone()).or_default().push(ms);
                    s.cold_start_ms.entry(name.clone()).or_default().push(init + ms);
                }
            }
        }
    }
    Ok(samples)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn metric(name: String, unit: &'static str, base: Option<&[f64]>, cur: &[f64]) -> Option<Metric> {
    let current = Summary::of(cur)?.rounded(2);
    let baseline = base.and_then(Summary::of).map(|s| s.rounded(2));
    let ratio = base.and_then(|b| paired_ratio(b, cur)).map(|r| round(r, 3));
    let improvement = baseline.and_then(|b| improvement_pct(b.median, current.median)).map(|p| round(p, 1));
    Some(Metric { name, unit, baseline, current, ratio, improvement_pct: improvement })
}

/// Compare current samples with a baseline and apply the gate.
pub fn compare(
    current: &Samples,
    baseline: Option<&Samples>,
    fail_under: Option<f64>,
    max_regression: Option<f64>,
) -> (Vec<Metric>, Gate) {
    let mut metrics = Vec::new();
    metrics.extend(metric("init".into(), "ms", baseline.map(|b| b.init_ms.as_slice()), &current.init_ms));
    for (ev, cur) in &current.first_invocation_ms {
        let base = baseline.and_then(|b| b.first_invocation_ms.get(ev)).map(Vec::as_slice);
        metrics.extend(metric(format!("first:{ev}"), "ms", base, cur));
    }
    for (ev, cur) in &current.cold_start_ms {
        let base = baseline.and_then(|b| b.cold_start_ms.get(ev)).map(Vec::as_slice);
        metrics.extend(metric(format!("cold:{ev}"), "ms", base, cur));
    }
    metrics.extend(metric("rss".into(), "MB", baseline.map(|b| b.rss_mb.as_slice()), &current.rss_mb));

    let mut failures = Vec::new();
    if let Some(min) = fail_under {
        match metrics.first().and_then(|m| m.improvement_pct) {
            Some(p) if p >= min => {}
            Some(p) => failures.push(format!("INIT improved {p:.1}%, less than the required {min}%")),
            None => failures.push("INIT improvement unknown (no baseline to compare with)".into()),
        }
    }
    if let Some(max) = max_regression {
        // A deferred import moves cost from INIT into the first request that
        // needs it: that first invocation is *meant* to get slower. What must
        // not regress is INIT and each event type's whole cold start.
        for m in metrics.iter().filter(|m| m.name == "init" || m.name.starts_with("cold:")) {
            if let Some(p) = m.improvement_pct {
                if -p > max {
                    failures.push(format!("{} regressed {:.1}%, more than the allowed {max}%", m.name, -p));
                }
            }
        }
    }
    let gate = Gate { fail_under, max_regression, passed: failures.is_empty(), failures };
    (metrics, gate)
}

/// Event types from files and directories, sorted, named by file stem.
fn collect_events(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot list events in {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            if files.is_empty() {
                bail!("no *.json events in {}", p.display());
            }
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            bail!("event path {} does not exist", p.display());
        }
    }
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    for f in out {
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let f = std::fs::canonicalize(&f).unwrap_or(f);
        if !named.iter().any(|(n, _)| *n == name) {
            named.push((name, f));
        }
    }
    Ok(named)
}

/// A `git worktree` of the baseline revision, removed again on drop.
struct Worktree<'r> {
    runner: &'r dyn Runner,
    toplevel: PathBuf,
    dir: PathBuf,
}

fn git(runner: &dyn Runner, dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let spec = RunSpec::new("git").arg("-C").arg(dir).args(args.iter().copied()).timeout(Duration::from_secs(120));
    let out = runner.run(&spec).context("cannot run git (is it installed?)")?;
    if !out.success() {
        bail!("git {} failed: {}", args.join(" "), out.stderr_text().trim());
    }
    Ok(out.stdout_text().trim().to_string())
}

impl<'r> Worktree<'r> {
    fn add(runner: &'r dyn Runner, project_root: &Path, rev: &str) -> anyhow::Result<(Worktree<'r>, PathBuf)> {
        let toplevel = PathBuf::from(
            git(runner, project_root, &["rev-parse", "--show-toplevel"])
                .context("--against needs the project to be inside a git repository")?,
        );
        let root = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
        let rel = root.strip_prefix(&toplevel).unwrap_or(Path::new("")).to_path_buf();
        let dir = std::env::temp_dir().join(format!("lmms-bench-{}-{}", std::process::id(), sanitize(rev)));
        let dir_s = dir.to_string_lossy().into_owned();
        git(runner, &toplevel, &["worktree", "add", "--detach", "--quiet", &dir_s, rev])
            .with_context(|| format!("cannot check out {rev}"))?;
        let wt = Worktree { runner, toplevel, dir };
        let project = wt.dir.join(rel);
        Ok((wt, project))
    }
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        // Best effort: a leftover worktree is visible in `git worktree list`.
        let _ = git(self.runner, &self.toplevel, &["worktree", "remove", "--force", &dir]);
    }
}

fn sanitize(rev: &str) -> String {
    rev.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(40).collect()
}

fn variant_for(project_root: &Path, src: &[PathBuf]) -> Variant {
    let cwd = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
    let src_roots = src.iter().map(|p| cwd.join(p)).map(|p| std::fs::canonicalize(&p).unwrap_or(p)).collect();
    Variant { cwd, src_roots }
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let project = &ctx.project;
    let cfg = &project.config;
    let entry = match args.entry.as_deref().or(cfg.entry.as_deref()) {
        Some(e) => e.to_string(),
        None => bail!("no entry point: pass `lmms bench module:function` or set `entry` under [tool.lmms]"),
    };
    let Some((module, handler)) = lmms_config::parse_entry(&entry) else {
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
    let events = collect_events(&event_paths)?;
    let interp = super::profile::interpreter(args.python.as_deref(), ctx)?;
    let setup = Setup {
        python: interp.path.clone(),
        module: module.to_string(),
        handler: handler.to_string(),
        events,
        runs,
        timeout,
        warmup: true,
        env: ctx.env(),
    };
    let current = variant_for(&project.root, &cfg.src);
    let runner = ProcessRunner;
    let show_progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = |i: u32, n: u32| {
        if show_progress {
            eprint!("\rlmms: bench run {i}/{n}");
            if i == n {
                eprint!("\r\x1b[2K");
            }
        }
    };
    let baseline_file = match &args.baseline {
        Some(p) => ctx.cwd.join(p),
        None => project.artifact_dir().join("baseline.json"),
    };

    let (samples, baseline, kind, source, interleaved) = if let Some(rev) = &args.against {
        let (wt, base_root) = Worktree::add(&runner, &project.root, rev)?;
        let base = variant_for(&base_root, &cfg.src);
        let mut s = measure(&runner, &setup, &[("baseline", &base), ("current", &current)], progress)?;
        drop(wt);
        let cur = s.pop().expect("two variants");
        let b = s.pop().expect("two variants");
        (cur, Some(b), "git", Some(rev.clone()), true)
    } else {
        let mut s = measure(&runner, &setup, &[("current", &current)], progress)?;
        let cur = s.pop().expect("one variant");
        if args.save_baseline {
            let doc = BaselineDoc {
                schema: BASELINE_SCHEMA.into(),
                entry: entry.clone(),
                python: interp.path.display().to_string(),
                runs,
                saved_at: super::profile::now_rfc3339(),
                init_ms: Summary::of(&cur.init_ms).unwrap_or_default().rounded(2),
                samples: cur.clone(),
            };
            let json = serde_json::to_string_pretty(&doc)? + "\n";
            if let Some(parent) = baseline_file.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            lmms_fix::write_atomic(&baseline_file, json.as_bytes())?;
            eprintln!("lmms: saved baseline to {}", baseline_file.display());
            (cur, None, "none", None, false)
        } else if baseline_file.is_file() {
            let text = std::fs::read_to_string(&baseline_file)?;
            let doc: BaselineDoc = serde_json::from_str(&text)
                .with_context(|| format!("{} is not an lmms baseline", baseline_file.display()))?;
            if doc.schema != BASELINE_SCHEMA {
                bail!("{}: schema {:?}, expected {BASELINE_SCHEMA:?}", baseline_file.display(), doc.schema);
            }
            if doc.entry != entry {
                bail!("{} was saved for entry {:?}, not {:?}", baseline_file.display(), doc.entry, entry);
            }
            (cur, Some(doc.samples), "saved", Some(baseline_file.display().to_string()), false)
        } else {
            (cur, None, "none", None, false)
        }
    };
    if baseline.is_none() && !args.save_baseline && (args.fail_under.is_some() || args.max_regression.is_some()) {
        bail!("--fail-under/--max-regression need a baseline: run `lmms bench --save-baseline` first or pass --against REV");
    }
    let (metrics, gate) = compare(&samples, baseline.as_ref(), args.fail_under, args.max_regression);
    let doc = BenchDoc {
        schema: BENCH_SCHEMA,
        entry,
        python: interp.path.display().to_string(),
        runs,
        baseline_kind: kind,
        baseline_source: source,
        interleaved,
        metrics,
        gate,
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Text => render_text(&mut out, &doc)?,
        Format::Github => render_github(&mut out, &doc)?,
    }
    Ok(if doc.gate.passed { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn fmt_s(s: &Summary, unit: &str) -> String {
    format!("{:.1} {unit} ± {:.1}", s.median, s.mad)
}

pub fn render_text(out: &mut dyn Write, doc: &BenchDoc) -> std::io::Result<()> {
    let against = match (doc.baseline_kind, &doc.baseline_source) {
        ("git", Some(r)) => format!("against {r} (interleaved)"),
        ("saved", Some(f)) => format!("against saved baseline {f}"),
        _ => "no baseline".to_string(),
    };
    writeln!(out, "lmms bench {} — {} runs, {against}", doc.entry, doc.runs)?;
    writeln!(out, "{:<22} {:>20} {:>20} {:>8} {:>9}", "metric", "baseline", "current", "ratio", "change")?;
    for m in &doc.metrics {
        let base = m.baseline.as_ref().map_or("—".to_string(), |b| fmt_s(b, m.unit));
        let ratio = m.ratio.map_or("—".to_string(), |r| format!("{r:.3}"));
        let change = m.improvement_pct.map_or("—".to_string(), |p| format!("{:+.1}%", -p));
        writeln!(out, "{:<22} {:>20} {:>20} {:>8} {:>9}", m.name, base, fmt_s(&m.current, m.unit), ratio, change)?;
    }
    if let Some(p) = doc.metrics.first().and_then(|m| m.improvement_pct) {
        writeln!(out, "INIT {} {:.1}%", if p >= 0.0 { "improved" } else { "regressed" }, p.abs())?;
    }
    for f in &doc.gate.failures {
        writeln!(out, "FAIL: {f}")?;
    }
    if (doc.gate.fail_under.is_some() || doc.gate.max_regression.is_some()) && doc.gate.passed {
        writeln!(out, "gate passed")?;
    }
    Ok(())
}

pub fn render_github(out: &mut dyn Write, doc: &BenchDoc) -> std::io::Result<()> {
    for m in &doc.metrics {
        if let (Some(b), Some(p)) = (&m.baseline, m.improvement_pct) {
            writeln!(
                out,
                "::notice title=lmms bench {}::{:.1} {u} → {:.1} {u} ({:+.1}%)",
                m.name,
                b.median,
                m.current.median,
                -p,
                u = m.unit
            )?;
        } else {
            writeln!(out, "::notice title=lmms bench {}::{:.1} {}", m.name, m.current.median, m.unit)?;
        }
    }
    for f in &doc.gate.failures {
        writeln!(out, "::error title=lmms bench gate::{f}")?;
    }
    writeln!(out, "| metric | baseline | current | ratio | change |")?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for m in &doc.metrics {
        let base = m.baseline.as_ref().map_or("—".to_string(), |b| format!("{:.1} {}", b.median, m.unit));
        let ratio = m.ratio.map_or("—".to_string(), |r| format!("{r:.3}"));
        let change = m.improvement_pct.map_or("—".to_string(), |p| format!("{:+.1}%", -p));
        writeln!(out, "| {} | {base} | {:.1} {} | {ratio} | {change} |", m.name, m.current.median, m.unit)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_profile::runner::ScriptedRunner;

    fn ready(spawned_at_ns: u64, init_ms: f64, rss_kb: u64, first_ms: Option<f64>) -> RunOutput {
        let ready_ns = spawned_at_ns + (init_ms * 1e6) as u64;
        let first = first_ms.map_or(-1, |m| (m * 1e6) as i64);
        RunOutput {
            status: Some(0),
            stderr: format!("noise\n{MARK}ready {ready_ns} {rss_kb} {first}\n").into_bytes(),
            spawned_at_ns,
            ..Default::default()
        }
    }

    fn setup(events: &[&str], runs: u32) -> Setup {
        Setup {
            python: "python3".into(),
            module: "app".into(),
            handler: "handler".into(),
            events: events.iter().map(|e| (e.to_string(), PathBuf::from(format!("/ev/{e}.json")))).collect(),
            runs,
            timeout: Duration::from_secs(5),
            warmup: false,
            env: Vec::new(),
        }
    }

    fn variant(dir: &str) -> Variant {
        Variant { cwd: dir.into(), src_roots: vec![dir.into()] }
    }

    #[test]
    fn interleaves_variants_and_alternates_their_order() {
        // run 1: base, cur; run 2: cur, base — INIT 100 vs 40 ms.
        let r = ScriptedRunner::new([
            ready(1_000, 100.0, 51_200, None),
            ready(2_000, 40.0, 20_480, None),
            ready(3_000, 42.0, 20_480, None),
            ready(4_000, 110.0, 51_200, None),
        ]);
        let (b, c) = (variant("/base"), variant("/cur"));
        let s = measure(&r, &setup(&[], 2), &[("baseline", &b), ("current", &c)], |_, _| {}).unwrap();
        assert_eq!(s[0].init_ms, vec![100.0, 110.0]);
        assert_eq!(s[1].init_ms, vec![40.0, 42.0]);
        assert_eq!(s[0].rss_mb, vec![50.0, 50.0]);
        let cwds: Vec<PathBuf> = r.seen.borrow().iter().map(|x| x.cwd.clone().unwrap()).collect();
        assert_eq!(cwds, vec![PathBuf::from("/base"), "/cur".into(), "/cur".into(), "/base".into()]);
    }

    #[test]
    fn warmup_starts_each_variant_once_without_recording_it() {
        let r = ScriptedRunner::new([
            ready(0, 900.0, 1024, None),
            ready(0, 800.0, 1024, None),
            ready(0, 100.0, 1024, None),
            ready(0, 40.0, 1024, None),
        ]);
        let (b, c) = (variant("/base"), variant("/cur"));
        let setup = Setup { warmup: true, ..setup(&[], 1) };
        let s = measure(&r, &setup, &[("baseline", &b), ("current", &c)], |_, _| {}).unwrap();
        assert_eq!(s[0].init_ms, vec![100.0]);
        assert_eq!(s[1].init_ms, vec![40.0]);
    }

    #[test]
    fn every_event_type_gets_a_fresh_start_and_a_first_invocation_sample() {
        let r = ScriptedRunner::new([ready(0, 50.0, 1024, Some(3.0)), ready(0, 52.0, 1024, Some(200.0))]);
        let c = variant("/cur");
        let s = measure(&r, &setup(&["ping", "report"], 1), &[("current", &c)], |_, _| {}).unwrap();
        assert_eq!(s[0].init_ms, vec![50.0], "INIT is taken once per run");
        assert_eq!(s[0].first_invocation_ms["ping"], vec![3.0]);
        assert_eq!(s[0].first_invocation_ms["report"], vec![200.0]);
        assert_eq!(s[0].cold_start_ms["report"], vec![252.0]);
        let args: Vec<String> = r.seen.borrow()[1].args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args[2..5], ["app", "handler", "/ev/report.json"]);
    }

    #[test]
    fn comparison_reports_paired_ratio_and_improvement() {
        let base = Samples { init_ms: vec![100.0, 200.0, 300.0], rss_mb: vec![50.0; 3], ..Default::default() };
        let cur = Samples { init_ms: vec![40.0, 80.0, 120.0], rss_mb: vec![20.0; 3], ..Default::default() };
        let (m, gate) = compare(&cur, Some(&base), Some(40.0), Some(10.0));
        assert_eq!(m[0].name, "init");
        assert_eq!(m[0].ratio, Some(0.4));
        assert_eq!(m[0].improvement_pct, Some(60.0));
        assert_eq!(m.last().unwrap().name, "rss");
        assert!(gate.passed, "{:?}", gate.failures);
    }

    #[test]
    fn gate_fails_under_the_required_improvement_and_on_regression() {
        let mut base = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        base.first_invocation_ms.insert("report".into(), vec![10.0; 3]);
        base.cold_start_ms.insert("report".into(), vec![110.0; 3]);
        let mut cur = Samples { init_ms: vec![80.0; 3], ..Default::default() };
        cur.first_invocation_ms.insert("report".into(), vec![60.0; 3]);
        cur.cold_start_ms.insert("report".into(), vec![140.0; 3]);
        let (_, gate) = compare(&cur, Some(&base), Some(40.0), Some(10.0));
        assert!(!gate.passed);
        assert_eq!(gate.failures.len(), 2, "{:?}", gate.failures);
        assert!(gate.failures[0].contains("INIT improved 20.0%"));
        assert!(gate.failures[1].contains("cold:report regressed 27.3%"), "{:?}", gate.failures);
    }

    #[test]
    fn a_slower_first_invocation_alone_is_the_intended_trade_not_a_regression() {
        let mut base = Samples { init_ms: vec![1000.0; 3], ..Default::default() };
        base.first_invocation_ms.insert("report".into(), vec![5.0; 3]);
        base.cold_start_ms.insert("report".into(), vec![1005.0; 3]);
        let mut cur = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        cur.first_invocation_ms.insert("report".into(), vec![700.0; 3]);
        cur.cold_start_ms.insert("report".into(), vec![800.0; 3]);
        let (_, gate) = compare(&cur, Some(&base), None, Some(10.0));
        assert!(gate.passed, "{:?}", gate.failures);
    }

    #[test]
    fn fail_under_without_a_baseline_fails() {
        let cur = Samples { init_ms: vec![80.0], ..Default::default() };
        let (_, gate) = compare(&cur, None, Some(40.0), None);
        assert!(!gate.passed);
    }

    #[test]
    fn import_errors_and_handler_errors_are_reported_with_their_traceback() {
        let fail = |marker: &str| RunOutput {
            status: Some(3),
            stderr: format!("Traceback ...\nModuleNotFoundError: No module named 'x'\n{MARK}{marker}\n").into_bytes(),
            ..Default::default()
        };
        let c = variant("/cur");
        let r = ScriptedRunner::new([fail("import-error")]);
        let err = measure(&r, &setup(&[], 1), &[("current", &c)], |_, _| {}).unwrap_err();
        assert!(matches!(err, BenchError::Import { .. }));
        assert!(err.to_string().contains("No module named 'x'"));
        let r = ScriptedRunner::new([fail("handler-error")]);
        let err = measure(&r, &setup(&["ping"], 1), &[("current", &c)], |_, _| {}).unwrap_err();
        assert!(err.to_string().contains("raised on event `ping`"), "{err}");
    }

    #[test]
    fn a_crash_without_the_ready_marker_is_an_error() {
        let r = ScriptedRunner::new([RunOutput { status: None, ..Default::default() }]);
        let c = variant("/cur");
        assert!(matches!(
            measure(&r, &setup(&[], 1), &[("current", &c)], |_, _| {}),
            Err(BenchError::Crashed { .. })
        ));
    }

    #[test]
    fn github_format_emits_notices_errors_and_a_table() {
        let base = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        let cur = Samples { init_ms: vec![90.0; 3], ..Default::default() };
        let (metrics, gate) = compare(&cur, Some(&base), Some(40.0), None);
        let doc = BenchDoc {
            schema: BENCH_SCHEMA,
            entry: "app:handler".into(),
            python: "python3".into(),
            runs: 3,
            baseline_kind: "git",
            baseline_source: Some("HEAD~1".into()),
            interleaved: true,
            metrics,
            gate,
        };
        let mut buf = Vec::new();
        render_github(&mut buf, &doc).unwrap();
        let text = String::from_utf8(buf).unwrap();
        insta::assert_snapshot!(text);
    }
}
