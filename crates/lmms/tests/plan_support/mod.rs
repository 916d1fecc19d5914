//! Shared by the plan and fast-path tests: a private copy of the recorded
//! heavy_app fixture with its `.lmms/` artifacts in place.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::get_cargo_bin;

use crate::common::{copy_dir_except, regex_escape};

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/heavy")
}

/// Today's date as `YYYY-MM-DD`, so the fixture's profile is never stale.
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    lmms_stats::date::rfc3339_utc(secs)[..10].to_string()
}

/// A private copy of the fixture app with `.lmms/profile.json` (and, when
/// asked, `.lmms/usage.json`) in place.
pub fn app(with_usage: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir_except(&fixture_dir(), dir.path(), &|name| name.ends_with(".in"));
    let root = dir.path().canonicalize().unwrap();
    let lmms = root.join(".lmms");
    std::fs::create_dir_all(&lmms).unwrap();
    let profile = std::fs::read_to_string(fixture_dir().join("profile.json.in")).unwrap();
    // Third-party `file`s were recorded under the heavy venv; where it lives
    // is this checkout's business, so the fixture holds a placeholder.
    let venv = crate::common::repo_root().join(".venv-heavy");
    let profile = profile.replace("{ROOT}", &root.display().to_string()).replace("{VENV}", &venv.display().to_string());
    let mut doc: serde_json::Value = serde_json::from_str(&profile).unwrap();
    doc["profiled_at"] = format!("{}T12:00:00Z", today()).into();
    std::fs::write(
        lmms.join("profile.json"),
        serde_json::to_string(&doc).unwrap(),
    )
    .unwrap();
    if with_usage {
        std::fs::copy(fixture_dir().join("usage.json.in"), lmms.join("usage.json")).unwrap();
    }
    dir
}

/// [`app`] with `.lmms/plan.json` from `lmms plan --unsafe-fixes`: the plan
/// of the code `lmms fix --unsafe-fixes` writes, which the fast-path tests
/// take as the entry's future (a plain plan keeps boto3 and requests eager
/// for their module-level client and session).
pub fn app_planned(with_usage: bool) -> tempfile::TempDir {
    let dir = app(with_usage);
    let out = lmms(dir.path()).args(["plan", "--unsafe-fixes", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

pub fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("VIRTUAL_ENV");
    c
}

pub fn filters(dir: &Path) -> Vec<(String, String)> {
    vec![
        (
            regex_escape(&dir.canonicalize().unwrap().display().to_string()),
            "[APP]".into(),
        ),
        (r"\d{4}-\d{2}-\d{2}T12:00:00Z".into(), "[DATE]".into()),
        (
            r"Last profiled: \d{4}-\d{2}-\d{2}".into(),
            "Last profiled: [DATE]".into(),
        ),
        // A fixed old profile date is "N days ago" relative to today.
        (r"last profiled \d+ days ago".into(), "last profiled [N] days ago".into()),
    ]
}

#[macro_export]
macro_rules! snap {
    ($dir:expr, $cmd:expr) => {{
        let f = $crate::plan_support::filters($dir);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({ filters => f }, { insta_cmd::assert_cmd_snapshot!($cmd) });
    }};
}
