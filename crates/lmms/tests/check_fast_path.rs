//! `lmms check` runs DEC-04's fast-path rules (LMM101–LMM108) beside its
//! own when the project has a `fast_path.py`, on the recorded heavy_app
//! fixture (profile and usage in `.lmms/`, dated today).

mod common;
mod plan_support;

use std::path::Path;

use plan_support::{app_planned as app, filters, fixture_dir, lmms};

/// `snap!` plus the stale profile's age, which grows by a day every day.
macro_rules! snap_aged {
    ($dir:expr, $cmd:expr) => {{
        let mut f = filters($dir);
        f.push((r"\d+ days ago".into(), "[N] days ago".into()));
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({ filters => f }, { insta_cmd::assert_cmd_snapshot!($cmd) });
    }};
}

fn generate(dir: &Path) {
    let out = lmms(dir).args(["fast-path", "generate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The entry takes its stdlib hot path from fast_path, as `lmms fix` leaves it.
fn entry_uses_fast_path(dir: &Path) {
    let p = dir.join("lambda_function.py");
    let src = std::fs::read_to_string(&p).unwrap();
    let src = src.replace(
        "import json\nimport logging\nimport os\nimport time\n",
        "from fast_path import *\n",
    );
    assert!(src.contains("from fast_path import *"));
    std::fs::write(&p, src).unwrap();
}

fn twenty_one_imports(dir: &Path) {
    std::fs::copy(
        fixture_dir().join("../fast_path_21.py"),
        dir.join("fast_path.py"),
    )
    .unwrap();
    entry_uses_fast_path(dir);
}

fn json_codes(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<(String, String)>) {
    let out = lmms(dir)
        .arg("check")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "lmms.check/1");
    let diags = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                format!("{}:{}", d["path"].as_str().unwrap(), d["line"]),
            )
        })
        .collect();
    (out.status.code(), diags)
}

#[test]
fn a_generated_fast_path_is_clean_for_the_fast_path_rules() {
    let dir = app(true);
    generate(dir.path());
    entry_uses_fast_path(dir.path());
    snap_aged!(
        dir.path(),
        lmms(dir.path()).args(["check", "--select", "LMM1"])
    );
    // The default selection runs them too; other rules may still fire on
    // the feature modules, but no LMM1xx does.
    let (_, diags) = json_codes(dir.path(), &[]);
    assert!(
        !diags.iter().any(|(c, _)| c.starts_with("LMM1")),
        "{diags:?}"
    );
}

#[test]
fn twenty_one_imports_including_pandas_fail_each_limit_by_name() {
    let dir = app(true);
    twenty_one_imports(dir.path());
    snap_aged!(
        dir.path(),
        lmms(dir.path()).args(["check", "--select", "LMM1"])
    );
    snap_aged!(
        dir.path(),
        lmms(dir.path()).args(["check", "--select", "LMM1", "--format", "json"])
    );
    let (code, diags) = json_codes(dir.path(), &[]);
    assert_eq!(code, Some(1));
    for rule in [
        "LMM101", "LMM102", "LMM103", "LMM104", "LMM105", "LMM106", "LMM107", "LMM108",
    ] {
        assert!(
            diags.iter().any(|(c, _)| c == rule),
            "{rule} missing from the default run: {diags:?}"
        );
    }
}

#[test]
fn the_entry_boundary_is_reported_once_under_lmm108() {
    let dir = app(true);
    generate(dir.path());
    // Without `from fast_path import *`: json, logging, os and time are
    // imported directly, each reported once, never also as LMM006.
    let (code, diags) = json_codes(dir.path(), &["--select", "LMM006,LMM108"]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = diags.iter().map(|(_, at)| at.as_str()).collect();
    assert!(diags.iter().all(|(c, _)| c == "LMM108"), "{diags:?}");
    let mut unique = lines.clone();
    unique.dedup();
    assert_eq!(unique, lines, "one diagnostic per statement");
    assert_eq!(lines.len(), 4, "{diags:?}");
    // The retired code still ignores its successor.
    let (code, diags) = json_codes(dir.path(), &["--select", "LMM1", "--ignore", "LMM006"]);
    assert_eq!((code, diags), (Some(0), vec![]));
}

#[test]
fn noqa_per_file_ignores_statistics_and_sarif_cover_fast_path_rules() {
    let dir = app(true);
    twenty_one_imports(dir.path());
    // noqa on the import line silences that line only.
    let p = dir.path().join("fast_path.py");
    let src = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        src.replace(
            "import pandas  # 100 ms",
            "import pandas  # noqa: LMM107 — 100 ms",
        ),
    )
    .unwrap();
    let (_, diags) = json_codes(dir.path(), &["--select", "LMM107"]);
    assert!(!diags.is_empty());
    assert!(
        !diags.iter().any(|(_, at)| at == "fast_path.py:13"),
        "{diags:?}"
    );
    snap_aged!(
        dir.path(),
        lmms(dir.path()).args(["check", "--select", "LMM1", "--statistics"])
    );
    let out = lmms(dir.path())
        .args(["check", "--select", "LMM101", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "LMM101");
    let index = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "LMM101");
    assert_eq!(rules[index]["name"], "fast-path-too-many-imports");
    assert!(rules[index]["fullDescription"]["text"]
        .as_str()
        .unwrap()
        .contains("## What it does"));
    // per-file-ignores in the project's config reach fast_path.py too.
    let cfg = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        format!("{text}\n[tool.lmms.per-file-ignores]\n\"fast_path.py\" = [\"LMM1\"]\n"),
    )
    .unwrap();
    let (_, diags) = json_codes(dir.path(), &["--select", "LMM1"]);
    assert!(
        diags
            .iter()
            .all(|(_, at)| at.starts_with("lambda_function.py")),
        "{diags:?}"
    );
}

#[test]
fn no_fast_path_means_no_fast_path_rules() {
    let dir = app(true);
    let (code, diags) = json_codes(dir.path(), &["--select", "LMM1"]);
    assert_eq!((code, diags), (Some(0), vec![]));
}

#[test]
fn checking_one_file_reports_only_that_files_fast_path_findings() {
    let dir = app(true);
    twenty_one_imports(dir.path());
    let (code, diags) = json_codes(dir.path(), &["lambda_function.py", "--select", "LMM1"]);
    assert_eq!(code, Some(1));
    let at: Vec<&str> = diags.iter().map(|(_, at)| at.as_str()).collect();
    assert_eq!(
        at,
        [
            "lambda_function.py:9",
            "lambda_function.py:10",
            "lambda_function.py:11"
        ]
    );
    assert!(diags.iter().all(|(c, _)| c == "LMM108"));
}

#[test]
fn an_unreadable_fast_path_is_lmm901_not_a_crash() {
    let dir = app(true);
    std::fs::write(dir.path().join("fast_path.py"), b"import json  # caf\xe9\n").unwrap();
    let out = lmms(dir.path())
        .args(["check", "--select", "LMM1,LMM901", "--format", "concise"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("fast_path.py:1:1: LMM901"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("fast-path rules not run"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
