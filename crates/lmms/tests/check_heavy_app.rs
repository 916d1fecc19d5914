//! Must-show: on examples/heavy_app, after a real `lmms profile`, LMM001
//! fires on the module-level boto3/pandas/requests imports (handler and
//! feature modules) and never on json/os/time/logging. Needs the real
//! packages: ignored unless run with `--include-ignored`, and then it fails
//! when `.venv-heavy` (scripts/heavy-venv.sh) is missing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::get_cargo_bin;

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".lmms", ".pytest_cache", "__pycache__"]
            .iter()
            .any(|n| name == *n)
        {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn lmm001_fires_on_heavy_imports_and_never_on_cheap_stdlib() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = repo.join(".venv-heavy/bin/python");
    assert!(python.exists(), "{} missing: run scripts/heavy-venv.sh", python.display());
    let app = tempfile::tempdir().unwrap();
    copy_tree(&repo.join("examples/heavy_app"), app.path());
    let lmms = get_cargo_bin("lmms");
    let profile = Command::new(&lmms)
        .current_dir(app.path())
        .args(["profile", "--runs", "5", "--python"])
        .arg(&python)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        profile.status.success(),
        "profile failed: {}",
        String::from_utf8_lossy(&profile.stderr)
    );

    let out = Command::new(&lmms)
        .current_dir(app.path())
        .args(["check", "--format", "json", "--select", "LMM001"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "lmms.check/1");
    let fired: BTreeSet<(String, u64, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["module"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    eprintln!("LMM001 fired on: {fired:#?}");
    for expected in [
        ("lambda_function.py", 12, "boto3"),
        ("lambda_function.py", 13, "pandas"),
        ("lambda_function.py", 14, "requests"),
        ("features/report.py", 2, "pandas"),
    ] {
        let key = (expected.0.to_string(), expected.1, expected.2.to_string());
        assert!(
            fired.contains(&key),
            "LMM001 missing on {expected:?}; fired: {fired:#?}"
        );
    }
    for cheap in ["json", "os", "time", "logging"] {
        assert!(
            !fired.iter().any(|(_, _, m)| m == cheap),
            "LMM001 fired on {cheap}: {fired:#?}"
        );
    }
    // Anything else it fires on must be a measured heavy third-party module.
    for (_, _, m) in &fired {
        assert!(
            [
                "boto3",
                "pandas",
                "requests",
                "pydantic",
                "websocket",
                "jmespath"
            ]
            .contains(&m.as_str()),
            "unexpected {m}"
        );
    }
}
