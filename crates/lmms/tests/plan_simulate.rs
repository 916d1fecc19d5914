//! `lmms plan --simulate` with the real `python3`: measurements vary by
//! machine, so these tests check invariants, not numbers.

mod common;
mod plan_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// Every file of the project outside `.lmms/`, by content.
fn project_files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".lmms") {
                continue;
            }
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.insert(p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn simulate_measures_the_tree_fix_writes_and_leaves_the_project_untouched() {
    let dir = stdlib_app();
    let out = lmms(dir.path()).args(["profile", "--runs", "2"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let before = project_files(dir.path());
    // The shadow copies go to TMPDIR: a private one shows what is left behind.
    let tmp = tempfile::tempdir().unwrap();
    let out = lmms(dir.path())
        .env("TMPDIR", tmp.path())
        .args(["plan", "--simulate", "--runs", "2", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sim = &doc["simulation"];
    assert_eq!(sim["runs"], 2);
    assert_eq!(doc["predicted_init_ms"], sim["predicted_init_ms"]);
    for k in ["median", "mad", "min", "max"] {
        assert!(sim["current_init_ms"][k].as_f64().unwrap() > 0.0);
        assert!(sim["predicted_init_ms"][k].as_f64().unwrap() > 0.0);
    }
    assert_eq!(sim["target_pct"], 40.0);
    assert_eq!(doc["prediction"]["series"], "simulate");
    assert_eq!(doc["prediction"]["predicted_init_ms"], sim["predicted_init_ms"]["median"]);
    // What fix rewrote (moves depend on the measured costs) is what was measured.
    let notes = doc["notes"].as_array().unwrap();
    assert!(
        notes.iter().any(|n| n.as_str().unwrap().contains("--simulate measured the tree `lmms fix` writes for this plan (")),
        "{notes:?}"
    );
    assert_eq!(project_files(dir.path()), before, "every project file is byte-identical, none added");
    assert!(entries(tmp.path()).is_empty(), "left behind: {:?}", entries(tmp.path()));
    // The text report states the comparison against the seeds' target.
    let out = lmms(dir.path()).env("TMPDIR", tmp.path()).args(["plan", "--simulate", "--runs", "1"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("simulated INIT (1 interleaved runs each, fresh processes): today"), "{text}");
    assert!(text.contains("40% target"), "{text}");
    assert!(text.contains("(planned = the tree `lmms fix` writes for this plan, rewritten in a shadow copy)"), "{text}");
}

#[test]
fn a_failed_simulation_leaves_the_project_untouched_and_no_copy_behind() {
    let dir = stdlib_app();
    let out = lmms(dir.path()).args(["profile", "--runs", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The entry breaks after the profile: every start of today's tree fails.
    let entry = dir.path().join("lambda_function.py");
    let broken = std::fs::read_to_string(&entry).unwrap() + "\nraise RuntimeError('broken since the profile')\n";
    std::fs::write(&entry, broken).unwrap();
    let before = project_files(dir.path());
    let tmp = tempfile::tempdir().unwrap();
    let out = lmms(dir.path()).env("TMPDIR", tmp.path()).args(["plan", "--simulate", "--runs", "1"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("measuring today's INIT with"), "{err}");
    assert!(err.contains("broken since the profile"), "{err}");
    let shown = dir.path().canonicalize().unwrap().join("lambda_function.py");
    assert!(err.contains(&format!("File \"{}\", line", shown.display())), "the user's file, not the copy's: {err}");
    assert_eq!(project_files(dir.path()), before, "every project file is byte-identical, none added");
    assert!(entries(tmp.path()).is_empty(), "left behind: {:?}", entries(tmp.path()));
    assert!(!dir.path().join(".lmms/plan.json").exists(), "nothing half-written");
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
