//! `lmms bench` end to end with the real `python3`: saved baselines, git
//! revisions through a temporary worktree, the CI gate and its formats.
//! An app whose import sleeps 300 ms makes the expected direction certain.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use insta_cmd::get_cargo_bin;
use lmms_profile::runner::{ProcessRunner, RunSpec, Runner};

const SLOW: &str = "import slow\n\n\ndef handle(event, context):\n    return {'ok': slow.VALUE}\n";
const FAST: &str = "def handle(event, context):\n    import slow\n    return {'ok': slow.VALUE}\n";

fn app(handler: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("lmms.toml"), "entry = \"app:handle\"\n").unwrap();
    std::fs::write(p.join("slow.py"), "import time\ntime.sleep(0.3)\nVALUE = 1\n").unwrap();
    std::fs::write(p.join("app.py"), handler).unwrap();
    std::fs::create_dir(p.join("events")).unwrap();
    std::fs::write(p.join("events/ping.json"), "{\"type\": \"ping\"}\n").unwrap();
    dir
}

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir).env("NO_COLOR", "1").env_remove("VIRTUAL_ENV");
    c
}

fn git(dir: &Path, args: &[&str]) {
    let spec = RunSpec::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.email=t@example.invalid", "-c", "user.name=t"])
        .args(args.iter().copied())
        .timeout(Duration::from_secs(60));
    let out = ProcessRunner.run(&spec).unwrap();
    assert!(out.success(), "git {args:?}: {}", out.stderr_text());
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn metric<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["metrics"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap()
}

#[test]
fn saved_baseline_then_a_faster_tree_passes_the_gate() {
    let dir = app(SLOW);
    let out = lmms(dir.path()).args(["bench", "--save-baseline", "--runs", "3", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".lmms/baseline.json")).unwrap()).unwrap();
    assert_eq!(saved["schema"], "lmms.baseline/1");
    assert_eq!(saved["samples"]["init_ms"].as_array().unwrap().len(), 3);
    assert!(saved["init_ms"]["median"].as_f64().unwrap() >= 300.0);

    std::fs::write(dir.path().join("app.py"), FAST).unwrap();
    let out = lmms(dir.path()).args(["bench", "--runs", "3", "--fail-under", "40", "--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc = json(&out);
    assert_eq!(doc["schema"], "lmms.bench/1");
    assert_eq!(doc["baseline_kind"], "saved");
    let init = metric(&doc, "init");
    assert!(init["improvement_pct"].as_f64().unwrap() > 40.0, "{init}");
    assert!(init["ratio"].as_f64().unwrap() < 0.6, "{init}");
    // The sleep moved into the first invocation of `ping`.
    let first = metric(&doc, "first:ping");
    assert!(first["current"]["median"].as_f64().unwrap() >= 300.0, "{first}");
    assert!(doc["gate"]["passed"].as_bool().unwrap());
}

#[test]
fn against_a_git_revision_measures_both_trees_interleaved_and_cleans_up() {
    let dir = app(SLOW);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "slow"]);
    std::fs::write(dir.path().join("app.py"), FAST).unwrap();
    let out = lmms(dir.path())
        .args(["bench", "--against", "HEAD", "--runs", "3", "--fail-under", "40", "--format", "text"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("against HEAD (interleaved)"), "{text}");
    assert!(text.contains("INIT improved"), "{text}");
    assert!(text.contains("gate passed"), "{text}");
    let list = ProcessRunner.run(&RunSpec::new("git").arg("-C").arg(dir.path()).args(["worktree", "list"])).unwrap();
    assert_eq!(list.stdout_text().lines().count(), 1, "temporary worktree left behind: {}", list.stdout_text());
}

#[test]
fn a_slower_tree_fails_the_regression_gate_with_github_annotations() {
    let dir = app(FAST);
    let out = lmms(dir.path()).args(["bench", "--save-baseline", "--runs", "3"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.path().join("app.py"), SLOW).unwrap();
    let out = lmms(dir.path())
        .args(["bench", "--runs", "3", "--max-regression", "10", "--format", "github"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("::error title=lmms bench gate::init regressed"), "{text}");
    assert!(text.contains("| init |"), "{text}");
}

#[test]
fn gate_without_a_baseline_is_a_usage_error() {
    let dir = app(FAST);
    let out = lmms(dir.path()).args(["bench", "--runs", "1", "--fail-under", "40"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("need a baseline"));
}

#[test]
fn a_handler_that_raises_is_reported_with_its_traceback() {
    let dir = app("def handle(event, context):\n    raise ValueError('bad event')\n");
    let out = lmms(dir.path()).args(["bench", "--runs", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("raised on event `ping`") && err.contains("ValueError: bad event"), "{err}");
}
