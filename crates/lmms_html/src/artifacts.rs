//! The documents a report is drawn from, read from `.lmms/`: the profile
//! (required), the plan, usage, saved baseline and bench results when present.
//! A document that is present but unreadable is an error, never skipped.

use std::path::{Path, PathBuf};

use lmms_plan::usage::{UsageDoc, USAGE_SCHEMA};
use lmms_plan::{PlanDoc, PLAN_SCHEMA};
use lmms_profile::doc::{ProfileDoc, PROFILE_SCHEMA};
use lmms_stats::Summary;
use serde::Deserialize;

pub const BASELINE_SCHEMA: &str = "lmms.baseline/1";
pub const BENCH_SCHEMA: &str = "lmms.bench/1";

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no profile at {}: run `lmms profile` first", path.display())]
    MissingProfile { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not an lmms {kind} document: {message}", path.display())]
    Parse { path: PathBuf, kind: &'static str, message: String },
    #[error("{} has schema {found:?}, expected {expected:?}", path.display())]
    Schema { path: PathBuf, found: String, expected: &'static str },
    #[error("no bench results at {}: save them with `lmms bench --format json > {}`", path.display(), path.display())]
    MissingBench { path: PathBuf },
}

/// `.lmms/baseline.json` (`lmms bench --save-baseline`): the fields shown.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Baseline {
    pub schema: String,
    pub entry: String,
    pub runs: u32,
    #[serde(default)]
    pub saved_at: String,
    pub init_ms: Summary,
}

/// `lmms bench --format json` (`lmms.bench/1`), saved by the user: the
/// fields shown.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Bench {
    pub schema: String,
    pub entry: String,
    pub runs: u32,
    pub baseline_kind: String,
    pub baseline_source: Option<String>,
    #[serde(default)]
    pub interleaved: bool,
    pub metrics: Vec<BenchMetric>,
    pub gate: Option<BenchGate>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BenchMetric {
    pub name: String,
    pub unit: String,
    pub baseline: Option<Summary>,
    pub current: Summary,
    pub ratio: Option<f64>,
    pub improvement_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BenchGate {
    pub passed: bool,
    #[serde(default)]
    pub failures: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Artifacts {
    pub profile: ProfileDoc,
    pub plan: Option<PlanDoc>,
    pub usage: Option<UsageDoc>,
    pub baseline: Option<Baseline>,
    pub bench: Option<Bench>,
}

/// Read the artifacts in `dir`. `bench_file` names saved bench results
/// explicitly (then it must exist); by default `dir/bench.json` is used when
/// present.
pub fn load(dir: &Path, bench_file: Option<&Path>) -> Result<Artifacts, LoadError> {
    let profile_path = dir.join("profile.json");
    let Some(text) = read_optional(&profile_path)? else {
        return Err(LoadError::MissingProfile { path: profile_path });
    };
    let profile: ProfileDoc = parse_doc(&profile_path, &text, "profile", PROFILE_SCHEMA)?;
    let plan: Option<PlanDoc> = parse_optional(&dir.join("plan.json"), "plan", PLAN_SCHEMA)?;
    let usage: Option<UsageDoc> = parse_optional(&dir.join("usage.json"), "usage", USAGE_SCHEMA)?;
    let baseline: Option<Baseline> = parse_optional(&dir.join("baseline.json"), "baseline", BASELINE_SCHEMA)?;
    let bench: Option<Bench> = match bench_file {
        Some(path) => match parse_optional(path, "bench", BENCH_SCHEMA)? {
            Some(b) => Some(b),
            None => return Err(LoadError::MissingBench { path: path.to_path_buf() }),
        },
        None => parse_optional(&dir.join("bench.json"), "bench", BENCH_SCHEMA)?,
    };
    Ok(Artifacts { profile, plan, usage, baseline, bench })
}

fn read_optional(path: &Path) -> Result<Option<String>, LoadError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LoadError::Read { path: path.to_path_buf(), source }),
    }
}

fn parse_optional<T: serde::de::DeserializeOwned>(
    path: &Path,
    kind: &'static str,
    expected: &'static str,
) -> Result<Option<T>, LoadError> {
    match read_optional(path)? {
        None => Ok(None),
        Some(text) => parse_doc(path, &text, kind, expected).map(Some),
    }
}

/// The schema is checked first, so a future `/2` document is reported as
/// such rather than as whichever field changed.
fn parse_doc<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
    kind: &'static str,
    expected: &'static str,
) -> Result<T, LoadError> {
    #[derive(Deserialize)]
    struct Versioned {
        schema: String,
    }
    let parse_error =
        |e: serde_json::Error| LoadError::Parse { path: path.to_path_buf(), kind, message: e.to_string() };
    let Versioned { schema } = serde_json::from_str(text).map_err(parse_error)?;
    if schema != expected {
        return Err(LoadError::Schema { path: path.to_path_buf(), found: schema, expected });
    }
    serde_json::from_str(text).map_err(parse_error)
}
