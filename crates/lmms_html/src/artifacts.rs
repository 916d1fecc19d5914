//! The documents a report is drawn from, read from `.lmms/` through their
//! one types (`lmms_schema`): the profile (required), the plan, usage, the
//! saved baseline and bench results when present. A document that is
//! present but unreadable is an error, never skipped.

use std::path::{Path, PathBuf};

use lmms_schema::bench::{BaselineDoc, BenchDoc};
use lmms_schema::{PlanDoc, ProfileDoc, UsageDoc};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no profile at {}: run `lmms profile` first", path.display())]
    MissingProfile { path: PathBuf },
    #[error(transparent)]
    Read(#[from] lmms_schema::ReadError),
    #[error("no bench results at {}: save them with `lmms bench --format json > {}`", path.display(), path.display())]
    MissingBench { path: PathBuf },
}

#[derive(Debug, Clone)]
pub struct Artifacts {
    pub profile: ProfileDoc,
    pub plan: Option<PlanDoc>,
    pub usage: Option<UsageDoc>,
    pub baseline: Option<BaselineDoc>,
    pub bench: Option<BenchDoc>,
}

/// Read the artifacts in `dir`. `bench_file` names saved bench results
/// explicitly (then it must exist); by default `dir/bench.json` is used when
/// present.
pub fn load(dir: &Path, bench_file: Option<&Path>) -> Result<Artifacts, LoadError> {
    let profile_path = dir.join("profile.json");
    let Some(profile) = lmms_schema::read_optional(&profile_path)? else {
        return Err(LoadError::MissingProfile { path: profile_path });
    };
    let plan = lmms_schema::read_optional(&dir.join("plan.json"))?;
    let usage = lmms_schema::read_optional(&dir.join("usage.json"))?;
    let baseline = lmms_schema::read_optional(&dir.join("baseline.json"))?;
    let bench = match bench_file {
        Some(path) => match lmms_schema::read_optional(path)? {
            Some(b) => Some(b),
            None => return Err(LoadError::MissingBench { path: path.to_path_buf() }),
        },
        None => lmms_schema::read_optional(&dir.join("bench.json"))?,
    };
    Ok(Artifacts { profile, plan, usage, baseline, bench })
}
