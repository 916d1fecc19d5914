//! Must-show: 1,000 recorded events on examples/heavy_app (real boto3,
//! requests, pandas, websocket-client, jmespath, pydantic, all imported at
//! module level) give every import's usage exact to the event.
//!
//! The same for examples/heavy_app_optimized, whose handler reaches json,
//! logging, os and time through `from fast_path import *`.
//!
//! Needs the venv `scripts/heavy-venv.sh` builds (`.venv-heavy`), so the
//! tests are ignored by default; `--include-ignored` without the venv fails.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::copy_app;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// `lmms usage` on a copy of `examples/<app>` with the heavy venv, as
/// `path:line module` → requests using it.
fn replay_example(app: &str) -> Vec<(String, u64)> {
    let python = repo().join(".venv-heavy/bin/python");
    assert!(python.exists(), "{} missing: run scripts/heavy-venv.sh", python.display());
    let dir = tempfile::tempdir().unwrap();
    copy_app(&repo().join("examples").join(app), dir.path());
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
    for i in v["imports"].as_array().unwrap() {
        let n = i["requests_using"].as_f64().unwrap();
        assert_eq!(i["usage"].as_f64().unwrap(), n / 1000.0);
    }
    v["imports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    format!("{}:{} {}", i["path"].as_str().unwrap(), i["line"], i["module"].as_str().unwrap()),
                    i["requests_using"].as_u64().unwrap(),
                )
            })
            .collect()
}

fn owned(want: &[(&str, u64)]) -> Vec<(String, u64)> {
    want.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn heavy_app_usage_is_exact_to_the_event() {
    let got = replay_example("heavy_app");
    let want = [
        ("features/models.py:2 pydantic", 70),
        ("features/query.py:2 jmespath", 120),
        ("features/report.py:2 pandas", 20),
        ("features/stream.py:2 websocket", 40),
        // Referenced by lambda_handler, which runs on every request.
        ("lambda_function.py:7 json", 1000),
        // `logger` is built at import time, but `logger.info` in the handler
        // calls into logging on every request (botocore loading logging too
        // does not hide that).
        ("lambda_function.py:8 logging", 1000),
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
    assert_eq!(got, owned(&want));
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn heavy_app_optimized_usage_sees_through_the_fast_path_star_import() {
    let got = replay_example("heavy_app_optimized");
    let want = [
        // Bound by `from fast_path import *` (fast_path's `__all__`) and used
        // by lambda_handler on every request; time.perf_counter is C code
        // that only the name reveals.
        ("fast_path.py:16 json", 1000),
        ("fast_path.py:17 logging", 1000),
        ("fast_path.py:18 os", 1000),
        ("fast_path.py:19 time", 1000),
        ("features/models.py:2 pydantic", 70),
        ("features/query.py:6 jmespath", 120),
        ("features/report.py:6 pandas", 20),
        ("features/stream.py:6 websocket", 40),
        // The star statement binds those four names itself.
        ("lambda_function.py:12 fast_path", 1000),
        ("lambda_function.py:14 features", 180),
        // Deferred into the functions that use them.
        ("lambda_function.py:29 boto3", 70),
        ("lambda_function.py:44 requests", 200),
        ("lambda_function.py:53 requests", 200),
        ("lambda_function.py:62 features.models", 70),
        // The `validate` dispatch entry: no recorded event of that type.
        ("lambda_function.py:83 features.models", 0),
    ];
    assert_eq!(got, owned(&want));
}
