//! `lmms runtime`: the tracker module it writes, and what that module does
//! inside a real interpreter.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use insta_cmd::assert_cmd_snapshot;
use lmms_profile::runner::{ProcessRunner, RunSpec, Runner};

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lmms"));
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lmms.toml"), "entry = \"app:handler\"\nsrc = [\"src\"]\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    dir
}

#[test]
fn writes_the_tracker_into_the_first_source_root() {
    let dir = project();
    insta::with_settings!({filters => vec![(r"wrote .*lmms_tracker\.py", "wrote [TMP]/src/lmms_tracker.py")]}, {
        assert_cmd_snapshot!(lmms(dir.path()).arg("runtime"));
    });
    let written = std::fs::read(dir.path().join("src/lmms_tracker.py")).unwrap();
    let printed = lmms(dir.path()).args(["runtime", "--stdout"]).output().unwrap();
    assert_eq!(written, printed.stdout);
    let again = lmms(dir.path()).arg("runtime").output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("is up to date"));
}

#[test]
fn a_different_existing_file_is_kept_unless_forced() {
    let dir = project();
    let target = dir.path().join("src/lmms_tracker.py");
    std::fs::write(&target, "# my own tracker\n").unwrap();
    let out = lmms(dir.path()).arg("runtime").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --force"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# my own tracker\n");
    assert!(lmms(dir.path()).args(["runtime", "--force"]).output().unwrap().status.success());
    assert!(std::fs::read_to_string(&target).unwrap().contains("def track("));
}

const APP: &str = r#"
import json
import sys

from lmms_tracker import track


def helper(event):
    return json.dumps(event)


@track(rate=float(sys.argv[1]))
def handler(event, context):
    import fractions  # a lazy import: its module code and re.compile calls are import-time work

    return helper(event)


for i in range(5):
    handler({"i": i}, None)
"#;

fn run_app(dir: &Path, rate: &str) -> String {
    let out = ProcessRunner
        .run(&RunSpec::new("python3").args(["app.py", rate]).cwd(dir.join("src")).timeout(Duration::from_secs(60)))
        .unwrap();
    assert!(out.success(), "{}", out.stderr_text());
    out.stdout_text()
}

#[test]
fn sampled_invocations_print_one_line_each_and_unsampled_print_nothing() {
    let dir = project();
    assert!(lmms(dir.path()).arg("runtime").output().unwrap().status.success());
    std::fs::write(dir.path().join("src/app.py"), APP).unwrap();

    assert_eq!(run_app(dir.path(), "0"), "", "rate 0 must never print");

    let sampled = run_app(dir.path(), "1");
    let lines: Vec<serde_json::Value> = sampled.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["cold"], 1);
    assert!(lines[1..].iter().all(|l| l["cold"] == 0));
    for l in &lines {
        assert_eq!(l["lmms_usage"], 1);
        let m = l["m"].as_object().unwrap();
        assert!(m.contains_key("json"), "{l}");
        assert!(!m.contains_key("lmms_tracker"), "the tracker must not count itself: {l}");
        assert!(!m.contains_key("fractions") && !m.contains_key("re"), "import-time code counted: {l}");
    }

    // The lines aggregate through `lmms usage --logs`.
    std::fs::write(dir.path().join("app.log"), &sampled).unwrap();
    let out = lmms(dir.path()).args(["usage", "--logs", "app.log", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"], 5);
    let json_usage = v["modules"].as_array().unwrap().iter().find(|m| m["name"] == "json").unwrap();
    assert_eq!(json_usage["usage"].as_f64(), Some(1.0));
}
