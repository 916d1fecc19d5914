//! `lmms profile` end to end with the real `python3`: the report, the
//! artifact, and every way the user's input can be wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

mod common;
use common::{copy_app, regex_escape, repo_root};

/// A private copy of the stdlib-only example app.
fn example_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&repo_root().join("examples/lambda_app"), dir.path());
    dir
}

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir).env("NO_COLOR", "1").env_remove("VIRTUAL_ENV");
    c
}

fn filters(dir: &Path) -> Vec<(String, String)> {
    let d = regex_escape(&dir.canonicalize().unwrap().display().to_string());
    vec![
        (d, "[APP]".into()),
        (r"(/[\w.\-]+)+/python3?(\.\d+)?".into(), "[PYTHON]".into()),
        (r"Python \d+\.\d+\.\d+".into(), "Python [VERSION]".into()),
        (r"Thread 0x[0-9a-f]+".into(), "Thread [ID]".into()),
        (r"Timeout \([0-9:.]+\)".into(), "Timeout ([T])".into()),
        (r#"File "<frozen [^"]+>", line \d+"#.into(), r#"File "<frozen>", line [N]"#.into()),
    ]
}

macro_rules! snap {
    ($dir:expr, $cmd:expr) => {{
        let f = filters($dir);
        let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        insta::with_settings!({ filters => f }, { assert_cmd_snapshot!($cmd) });
    }};
}

#[test]
fn profiles_the_example_app_and_writes_the_artifact() {
    let app = example_app();
    let out = lmms(app.path()).args(["profile", "--runs", "2", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "lmms.profile/1");
    assert_eq!(doc["entry"], "lambda_function:lambda_handler");
    assert_eq!(doc["runs"], 2);
    for key in ["init_ms", "floor_ms", "rss_mb"] {
        for stat in ["median", "mad", "min", "max"] {
            assert!(doc[key][stat].is_number(), "{key}.{stat}");
        }
    }
    assert!(doc["init_ms"]["median"].as_f64().unwrap() > doc["floor_ms"]["median"].as_f64().unwrap());
    let modules = doc["modules"].as_array().unwrap();
    let find = |n: &str| modules.iter().find(|m| m["name"] == n).unwrap_or_else(|| panic!("{n} missing"));
    let urllib = find("urllib.request");
    assert_eq!(urllib["origin"], "stdlib");
    assert_eq!(urllib["imported_by"], "features.fetch");
    assert_eq!(urllib["chain"], serde_json::json!(["lambda_function", "features.fetch", "urllib.request"]));
    assert_eq!(find("lambda_function")["origin"], "project");
    assert_eq!(find("features.fetch")["origin"], "project");
    assert!(find("lambda_function")["cumulative_ms"]["median"].as_f64().unwrap() >= urllib["cumulative_ms"]["median"].as_f64().unwrap());
    let written = std::fs::read(app.path().join(".lmms/profile.json")).unwrap();
    assert_eq!(written, out.stdout, "stdout JSON and the artifact differ");
}

#[test]
fn text_report_names_the_heavy_stdlib_imports() {
    let app = example_app();
    let out = lmms(app.path()).args(["profile", "--runs", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Import tree"), "{text}");
    assert!(text.contains("chain: lambda_function → features.fetch → urllib.request"), "{text}");
    assert!(!text.contains('\x1b'), "colour without a terminal");
}

#[test]
fn an_entry_that_raises_shows_the_python_traceback() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "import json\nraise ValueError('boom at import')\n").unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["profile", "app:handler", "--runs", "1"]));
    assert!(!dir.path().join(".lmms/profile.json").exists(), "half a profile written");
}

#[test]
fn a_missing_handler_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "HANDLER = 1\n").unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["profile", "app:HANDLER", "--runs", "1"]));
    snap!(dir.path(), lmms(dir.path()).args(["profile", "app:missing", "--runs", "1"]));
}

#[test]
fn a_hanging_import_is_killed_and_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("slow.py"), "import time\nwhile True:\n    time.sleep(0.05)\n").unwrap();
    let started = std::time::Instant::now();
    snap!(dir.path(), lmms(dir.path()).args(["profile", "slow:h", "--runs", "3", "--timeout", "2"]));
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn an_unknown_config_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.lmms]\nentry = \"app:h\"\nrunz = 3\n").unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["profile"]));
}

#[test]
fn a_missing_interpreter_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["profile", "app:h", "--python", "/nonexistent/bin/python3"]));
}

#[test]
fn no_entry_anywhere_explains_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["profile"]));
}

#[test]
fn version_and_help_succeed() {
    let out = Command::new(get_cargo_bin("lmms")).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("lmms "));
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    use std::process::Stdio;
    let app = example_app();
    let mut child = lmms(app.path())
        .args(["profile", "--runs", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The heavy example's venv (`scripts/heavy-venv.sh`): tests using it are
/// ignored by default and fail under `--include-ignored` when it is missing.
fn heavy_python() -> PathBuf {
    let py = repo_root().join(".venv-heavy/bin/python");
    assert!(py.exists(), "{} missing: run scripts/heavy-venv.sh", py.display());
    py
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn real_packages_numpy_is_loaded_through_pandas() {
    let py = heavy_python();
    let dir = tempfile::tempdir().unwrap();
    copy_app(&repo_root().join("examples/heavy_app"), dir.path());
    let out = lmms(dir.path())
        .args(["profile", "--runs", "2", "--format", "json", "--python"])
        .arg(&py)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let modules = doc["modules"].as_array().unwrap();
    let find = |n: &str| modules.iter().find(|m| m["name"] == n).unwrap_or_else(|| panic!("{n} missing"));
    let chain: Vec<&str> = find("numpy")["chain"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(chain.first(), Some(&"lambda_function"));
    assert!(chain.contains(&"pandas"), "numpy not loaded through pandas: {chain:?}");
    for pkg in ["boto3", "pandas", "requests", "pydantic", "websocket", "numpy"] {
        assert_eq!(find(pkg)["origin"], "third-party", "{pkg}");
    }
    assert_eq!(find("features.models")["origin"], "project");
    assert_eq!(find("json")["origin"], "stdlib");
    // The module-level boto3.client call is the entry's own time, not an import's.
    assert!(find("lambda_function")["self_ms"]["median"].as_f64().unwrap() > 20.0);
}

#[test]
fn a_bare_config_interpreter_name_is_looked_up_on_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "def handler(event, context):\n    return 1\n").unwrap();
    std::fs::write(dir.path().join("lmms.toml"), "entry = \"app:handler\"\npython = \"python3\"\n").unwrap();
    let out = lmms(dir.path()).args(["profile", "--runs", "1", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn profiling_without_a_bytecode_cache_warns_once_naming_the_variable() {
    let app = example_app();
    let run = |set: bool| {
        let mut c = lmms(app.path());
        if set {
            c.env("PYTHONDONTWRITEBYTECODE", "1");
        } else {
            c.env_remove("PYTHONDONTWRITEBYTECODE");
        }
        let out = c.args(["profile", "--runs", "1", "--format", "json"]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stderr).unwrap()
    };
    let warned = run(true);
    assert_eq!(warned.matches("PYTHONDONTWRITEBYTECODE is set").count(), 1, "{warned}");
    let f = filters(app.path());
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    insta::with_settings!({ filters => f }, { insta::assert_snapshot!(warned) });
    assert!(!run(false).contains("PYTHONDONTWRITEBYTECODE"), "no warning when Python writes its cache");
}
