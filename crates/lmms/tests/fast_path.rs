//! `lmms fast-path generate|check` on the recorded heavy_app fixture.

mod common;
mod plan_support;

use std::path::Path;

use plan_support::{app_planned as app, filters, fixture_dir, lmms};

fn generate(dir: &Path) -> String {
    let out = lmms(dir).args(["fast-path", "generate"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.join("fast_path.py")).unwrap()
}

/// What `lmms fix` (or the user) does after generating: the entry takes its
/// hot-path libraries from fast_path.
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

fn codes(stdout: &[u8]) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    assert_eq!(doc["schema"], "lmms.fast-path-check/1");
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn snapshot_text(name: &str, dir: &Path, text: &str) {
    let f = filters(dir);
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    insta::with_settings!({ filters => f }, { insta::assert_snapshot!(name, text) });
}

#[test]
fn generated_file_follows_the_dec04_template() {
    let dir = app(true);
    let text = generate(dir.path());
    snapshot_text("generated_fast_path", dir.path(), &text);
    for heavy in ["pandas", "boto3", "requests", "pydantic"] {
        assert!(
            !text.contains(&format!("import {heavy}")),
            "{heavy} on the fast path"
        );
    }
    assert!(text.contains("Cold start target: <2000 ms"));
    // json costs its own 8.3 ms: `collections`, which the profile charges
    // to it, stays loaded by pydantic (features.models stays eager), so it
    // is a lightweight import, not a hot-path exception.
    let json_line = text.lines().find(|l| l.starts_with("import json")).unwrap();
    assert!(json_line.contains("8.3 ms, 100% of requests"), "{json_line}");
    assert!(!json_line.contains("hot path"), "{json_line}");
}

#[test]
fn generated_fast_path_passes_check_once_the_entry_uses_it() {
    let dir = app(true);
    generate(dir.path());
    entry_uses_fast_path(dir.path());
    snap!(dir.path(), lmms(dir.path()).args(["fast-path", "check"]));
}

#[test]
fn entry_that_bypasses_fast_path_fails_lmm108() {
    let dir = app(true);
    generate(dir.path());
    let out = lmms(dir.path())
        .args(["fast-path", "check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&out.stdout);
    assert_eq!(
        c,
        vec!["LMM108"; 4],
        "json, logging, os, time imported directly"
    );
}

#[test]
fn twenty_one_imports_including_pandas_fail_every_limit_by_name() {
    let dir = app(true);
    std::fs::copy(
        fixture_dir().join("../fast_path_21.py"),
        dir.path().join("fast_path.py"),
    )
    .unwrap();
    entry_uses_fast_path(dir.path());
    let out = lmms(dir.path())
        .args(["fast-path", "check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&out.stdout);
    for code in [
        "LMM101", "LMM102", "LMM103", "LMM104", "LMM105", "LMM106", "LMM107",
    ] {
        assert!(c.iter().any(|x| x == code), "{code} missing from {c:?}");
    }
    snap!(dir.path(), lmms(dir.path()).args(["fast-path", "check"]));
    snap!(
        dir.path(),
        lmms(dir.path()).args(["fast-path", "check", "--format", "json"])
    );
}

#[test]
fn regenerating_keeps_user_helpers_and_comments_and_is_stable() {
    let dir = app(true);
    let first = generate(dir.path());
    let p = dir.path().join("fast_path.py");
    let edited = first.replace(
        "\n# Export all",
        "\n# Team note: keep the region lookup here, it is hot.\nREGION = os.environ.get(\"AWS_REGION\", \"local\")\n\n\ndef region():\n    return REGION\n\n# Export all",
    );
    std::fs::write(&p, &edited).unwrap();
    let second = generate(dir.path());
    assert!(second.contains("# Team note: keep the region lookup here, it is hot."));
    assert!(second.contains("def region():\n    return REGION"));
    assert_eq!(second.matches("__all__ = [").count(), 1);
    assert_eq!(second.matches("import json").count(), 1);
    let third = generate(dir.path());
    assert_eq!(second, third, "regeneration is idempotent");
}

#[test]
fn hand_written_file_without_markers_is_adopted() {
    let dir = app(true);
    std::fs::write(
        dir.path().join("fast_path.py"),
        "# fast_path.py\n\"\"\"Old header.\"\"\"\nimport json  # 1ms\nimport pandas  # oops\n\n\ndef helper():\n    return json.dumps({})\n\n__all__ = ['json', 'pandas', 'helper']\n",
    )
    .unwrap();
    let text = generate(dir.path());
    assert!(
        text.starts_with("# fast_path.py\n\"\"\"\nFast Path:"),
        "{text}"
    );
    assert!(!text.contains("import pandas"));
    assert!(!text.contains("Old header"));
    assert!(text.contains("def helper():"));
    assert!(text.contains("\"helper\""), "user names in __all__ survive");
}

#[test]
fn missing_fast_path_is_a_violation() {
    let dir = app(true);
    let out = lmms(dir.path())
        .args(["fast-path", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lmms fast-path generate"));
}

#[test]
fn static_limits_still_apply_without_a_profile() {
    let dir = app(false);
    std::fs::remove_file(dir.path().join(".lmms/profile.json")).unwrap();
    std::fs::copy(
        fixture_dir().join("../fast_path_21.py"),
        dir.path().join("fast_path.py"),
    )
    .unwrap();
    let out = lmms(dir.path())
        .args(["fast-path", "check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&out.stdout);
    assert!(
        c.contains(&"LMM101".to_string()) && c.contains(&"LMM103".to_string()),
        "{c:?}"
    );
    assert!(
        !c.contains(&"LMM102".to_string()),
        "no total without measurements"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("measured limits"));
}
