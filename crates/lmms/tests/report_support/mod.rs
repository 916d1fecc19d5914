//! The recorded artifacts `lmms report` tests draw from.
//!
//! `fixtures/report/heavy_app/` holds the `.lmms/` documents of one pass of
//! the loop over a copy of `examples/heavy_app` with the heavy venv: `lmms
//! profile`, `lmms usage --events events/recorded.jsonl`, `lmms plan`, and,
//! after `lmms fix --unsafe-fixes`, `lmms bench --against HEAD --format json`
//! saved as `bench.json`. Machine paths are replaced by `{venv}`, `{python}`
//! and `{app}`.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Every recorded artifact.
pub const ARTIFACTS: &[&str] = &["profile.json", "plan.json", "usage.json", "bench.json"];

/// A project directory whose `.lmms/` holds the named recorded artifacts.
pub fn project_with(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let lmms = dir.path().join(".lmms");
    std::fs::create_dir_all(&lmms).unwrap();
    let fixtures = crate::common::repo_root().join("crates/lmms/tests/fixtures/report/heavy_app");
    for f in files {
        std::fs::copy(fixtures.join(f), lmms.join(f)).unwrap();
    }
    dir
}

/// `lmms -C DIR report ARGS...`.
pub fn report(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lmms")).arg("-C").arg(dir).arg("report").args(args).output().unwrap()
}
