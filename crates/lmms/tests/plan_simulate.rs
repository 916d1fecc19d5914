//! `lmms plan --simulate` with the real `python3`: measurements vary by
//! machine, so these tests check invariants, not numbers.

mod common;
mod plan_support;

use std::path::Path;

use plan_support::lmms;

fn stdlib_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/stdlib_app");
    let copy = |rel: &str| {
        let to = dir.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from.join(rel), to).unwrap();
    };
    for f in [
        "pyproject.toml",
        "lambda_function.py",
        "features/__init__.py",
        "features/archive.py",
    ] {
        copy(f);
    }
    std::fs::create_dir_all(dir.path().join(".lmms")).unwrap();
    std::fs::copy(
        from.join("usage.json.in"),
        dir.path().join(".lmms/usage.json"),
    )
    .unwrap();
    dir
}

#[test]
fn simulate_measures_the_eager_set_and_cleans_up() {
    let dir = stdlib_app();
    let out = lmms(dir.path())
        .args(["profile", "--runs", "2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lmms(dir.path())
        .args(["plan", "--simulate", "--runs", "2", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sim = &doc["simulation"];
    assert_eq!(sim["runs"], 2);
    assert_eq!(doc["predicted_init_ms"], sim["predicted_init_ms"]);
    for k in ["median", "mad", "min", "max"] {
        assert!(sim["current_init_ms"][k].as_f64().unwrap() > 0.0);
        assert!(sim["predicted_init_ms"][k].as_f64().unwrap() > 0.0);
    }
    assert_eq!(sim["target_pct"], 40.0);
    // Every eager module is a module-level decision, and nothing eager is deferred.
    let imports = doc["imports"].as_array().unwrap();
    for m in doc["hot_set"].as_array().unwrap() {
        assert!(
            imports
                .iter()
                .any(|i| &i["module"] == m && i["strategy"] == "module-level"),
            "{m}"
        );
    }
    // The generated hot-set module is scaffolding and must not survive.
    let left: Vec<_> = std::fs::read_dir(dir.path().join(".lmms"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("simulate"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // The text report states the comparison against the seeds' target.
    let out = lmms(dir.path())
        .args(["plan", "--simulate", "--runs", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("simulated INIT (1 interleaved runs each, fresh processes): today"),
        "{text}"
    );
    assert!(text.contains("40% target"), "{text}");
}

#[test]
fn simulate_reports_a_broken_interpreter_clearly() {
    let dir = stdlib_app();
    let out = lmms(dir.path())
        .args(["profile", "--runs", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = lmms(dir.path())
        .args(["plan", "--simulate", "--python", "/nonexistent/python3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/python3"));
    assert!(
        !dir.path().join(".lmms/plan.json").exists(),
        "nothing half-written"
    );
}
