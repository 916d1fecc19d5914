//! `lmms bench`'s engine: INIT and first-invocation latency of a project,
//! measured in fresh interpreters, interleaved against a baseline (a saved
//! `.lmms/baseline.json` or a git revision checked out in a temporary
//! worktree), with a CI gate.
//!
//! Split the way hyperfine splits its benchmark:
//! - [`executor`]: one start of the bench bootstrap (`python/bootstrap.py`)
//!   through the [`Runner`] — every process, the interpreter and git alike,
//!   is started through it, so a whole bench replays under `ScriptedRunner`;
//! - [`scheduler`]: warm-up and the interleaved A/B order;
//! - [`comparison`]: paired ratios, improvement, the gate and its limits;
//! - [`worktree`]: the `--against REV` tree and its cleanup on interrupt;
//! - [`events`]: event files and directories, one event type per file;
//! - [`doc`]: `lmms.baseline/1` and `lmms.bench/1` (`lmms_schema`'s), and
//!   [`baseline`], reading a saved one for an entry and writing one;
//! - [`export`]: text, JSON and GitHub renderers.
//!
//! [`run`] is the one call the binary makes.

use std::path::PathBuf;

use lmms_profile::runner::{RunError, Runner};
use lmms_stats::Summary;

pub mod baseline;
pub mod comparison;
pub mod events;
pub mod executor;
pub mod export;
pub mod scheduler;
pub mod worktree;

/// `lmms.baseline/1` and `lmms.bench/1`, defined in `lmms_schema`; reading
/// a baseline for an entry and writing one are [`baseline`]'s.
pub mod doc {
    pub use lmms_schema::bench::*;
}

pub use doc::{BaselineDoc, BaselineKind, BenchDoc, Samples, BASELINE_SCHEMA, BENCH_SCHEMA};
pub use scheduler::{Setup, Variant};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("{what}: importing `{module}` failed:\n{stderr}")]
    Import { what: String, module: String, stderr: String },
    #[error("{what}: the handler raised on event `{event}`:\n{stderr}")]
    Handler { what: String, event: String, stderr: String },
    #[error("{what}: timed out after {seconds:.0} s")]
    Timeout { what: String, seconds: f64 },
    #[error(
        "{what}: {} {status} without reporting a measurement (is it a Python interpreter? choose one with --python){}",
        .python.display(),
        output(.stderr)
    )]
    Crashed { what: String, python: PathBuf, status: String, stderr: String },
    #[error(transparent)]
    ReadBaseline(lmms_schema::ReadError),
    #[error("{} was saved for entry {saved:?}, not {entry:?}", .path.display())]
    BaselineEntry { path: PathBuf, saved: String, entry: String },
    #[error("cannot write {}", .path.display())]
    WriteBaseline { path: PathBuf, source: std::io::Error },
    #[error(
        "--fail-under/--max-regression need a baseline: run `lmms bench --save-baseline` first or pass --against REV"
    )]
    NeedsBaseline,
    #[error("cannot run git (is it installed?)")]
    GitMissing { source: RunError },
    #[error("git {args} failed: {stderr}")]
    Git { args: String, stderr: String },
    #[error("--against needs the project to be inside a git repository")]
    NotARepository { source: Box<BenchError> },
    #[error("cannot check out {rev}")]
    Checkout { rev: String, source: Box<BenchError> },
    #[error("event path {} does not exist", .path.display())]
    NoEventPath { path: PathBuf },
    #[error("cannot list events in {}", .path.display())]
    ListEvents { path: PathBuf, source: std::io::Error },
    #[error("no *.json events in {}", .path.display())]
    NoEvents { path: PathBuf },
}

fn output(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        format!(":\n{stderr}")
    }
}

/// What the current tree is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// A git revision, measured interleaved in a temporary worktree.
    Git(String),
    /// Measure the current tree and save it here.
    Save(PathBuf),
    /// Compare with this saved baseline when the file exists.
    Saved(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Request {
    /// `module:function`, as written in baselines and reports.
    pub entry: String,
    pub setup: Setup,
    /// The project root in the working tree.
    pub project_root: PathBuf,
    /// Source roots relative to the project root (the same in every tree).
    pub src: Vec<PathBuf>,
    pub baseline: Baseline,
    pub fail_under: Option<f64>,
    pub max_regression: Option<f64>,
    /// RFC 3339 time a saved baseline is stamped with.
    pub saved_at: String,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub doc: BenchDoc,
    /// Where `Baseline::Save` wrote the measurement.
    pub saved_baseline: Option<PathBuf>,
}

/// Measure, compare, gate: the whole `lmms bench`. `progress` hears one
/// step, one unit per run.
pub fn run(runner: &dyn Runner, req: &Request, progress: &dyn lmms_profile::progress::Progress) -> Result<Outcome, BenchError> {
    let gated = req.fail_under.is_some() || req.max_regression.is_some();
    let current = Variant::of(&req.project_root, &req.src);
    let python = req.setup.python.display().to_string();
    let mut saved_baseline = None;
    let (samples, baseline, kind, source) = match &req.baseline {
        Baseline::Git(rev) => {
            let wt = worktree::Worktree::add(runner, &req.project_root, rev)?;
            let base = Variant::of(wt.project(), &req.src);
            let both = scheduler::measure(runner, &req.setup, &[("baseline", &base), ("current", &current)], progress)?;
            drop(wt);
            let [b, cur]: [Samples; 2] = both.try_into().expect("one sample set per variant");
            (cur, Some(b), BaselineKind::Git, Some(rev.clone()))
        }
        Baseline::Save(path) => {
            let cur = measure_one(runner, req, &current, progress)?;
            let doc = BaselineDoc {
                schema: BASELINE_SCHEMA.into(),
                entry: req.entry.clone(),
                python: python.clone(),
                runs: req.setup.runs,
                saved_at: req.saved_at.clone(),
                init_ms: Summary::of(&cur.init_ms).unwrap_or_default().rounded(2),
                samples: cur.clone(),
            };
            baseline::write(&doc, path)?;
            saved_baseline = Some(path.clone());
            (cur, None, BaselineKind::None, None)
        }
        Baseline::Saved(path) if path.is_file() => {
            // Read first: a broken baseline fails before minutes of measuring.
            let saved = baseline::read(path, &req.entry)?;
            let cur = measure_one(runner, req, &current, progress)?;
            (cur, Some(saved.samples), BaselineKind::Saved, Some(path.display().to_string()))
        }
        Baseline::Saved(_) if gated => return Err(BenchError::NeedsBaseline),
        Baseline::Saved(_) => (measure_one(runner, req, &current, progress)?, None, BaselineKind::None, None),
    };
    let (metrics, gate) = comparison::compare(&samples, baseline.as_ref(), req.fail_under, req.max_regression);
    let doc = BenchDoc {
        schema: BENCH_SCHEMA.into(),
        entry: req.entry.clone(),
        python,
        runs: req.setup.runs,
        baseline_kind: kind,
        baseline_source: source,
        interleaved: kind == BaselineKind::Git,
        metrics,
        gate,
    };
    Ok(Outcome { doc, saved_baseline })
}

fn measure_one(
    runner: &dyn Runner,
    req: &Request,
    current: &Variant,
    progress: &dyn lmms_profile::progress::Progress,
) -> Result<Samples, BenchError> {
    let mut s = scheduler::measure(runner, &req.setup, &[("current", current)], progress)?;
    Ok(s.pop().expect("one sample set per variant"))
}
