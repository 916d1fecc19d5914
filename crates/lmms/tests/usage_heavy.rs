//! Must-show: 1,000 recorded events on examples/heavy_app (real boto3,
//! requests, pandas, websocket-client, jmespath, pydantic, all imported at
//! module level) give every import's usage exact to the event.
//!
//! Needs the venv `scripts/heavy-venv.sh` builds (`.venv-heavy`); without it
//! the test prints why and passes vacuously.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "__pycache__" || name == ".lmms" || name == ".pytest_cache" {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn heavy_app_usage_is_exact_to_the_event() {
    let python = repo().join(".venv-heavy/bin/python");
    if !python.exists() {
        eprintln!("skipped: {} is missing (run scripts/heavy-venv.sh)", python.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("examples/heavy_app"), dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_lmms"))
        .current_dir(dir.path())
        .env_remove("VIRTUAL_ENV")
        .args(["usage", "--events", "events/recorded.jsonl", "--format", "json", "--python"])
        .arg(&python)
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 1000);
    assert_eq!(v["errors"], 0);
    let got: Vec<(String, u64)> = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                format!("{}:{} {}", i["path"].as_str().unwrap(), i["line"], i["module"].as_str().unwrap()),
                i["requests_using"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("features/models.py:2 pydantic", 70),
        ("features/query.py:2 jmespath", 120),
        ("features/report.py:2 pandas", 20),
        ("features/stream.py:2 websocket", 40),
        // Referenced by lambda_handler, which runs on every request.
        ("lambda_function.py:7 json", 1000),
        // Used only at import time (getLogger at module level).
        ("lambda_function.py:8 logging", 0),
        ("lambda_function.py:9 os", 1000),
        ("lambda_function.py:10 time", 1000),
        // S3 is built at import time; presigning runs botocore on store events only.
        ("lambda_function.py:12 boto3", 70),
        // Only an annotation here; pandas code runs on report events.
        ("lambda_function.py:13 pandas", 20),
        ("lambda_function.py:14 requests", 200),
        // query 120 + stream 40 + report 20.
        ("lambda_function.py:16 features", 180),
        ("lambda_function.py:17 features.models", 70),
    ];
    let want: Vec<(String, u64)> = want.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(got, want);
    for i in v["imports"].as_array().unwrap() {
        let n = i["requests_using"].as_f64().unwrap();
        assert_eq!(i["usage"].as_f64().unwrap(), n / 1000.0);
    }
}
