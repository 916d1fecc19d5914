//! `lmms bench` end to end with the real `python3`: saved baselines, git
//! revisions through a temporary worktree, the CI gate and its formats.
//! An app whose import sleeps 600 ms makes the expected direction certain, even
//! on a loaded machine where a bare interpreter start takes 300 ms.

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
    std::fs::write(p.join("slow.py"), "import time\ntime.sleep(0.6)\nVALUE = 1\n").unwrap();
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
    assert!(saved["init_ms"]["median"].as_f64().unwrap() >= 600.0);

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
    assert!(first["current"]["median"].as_f64().unwrap() >= 600.0, "{first}");
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
    // The user's frames only: neither the bootstrap's frame nor its marker.
    assert!(err.contains("in handle\n    raise ValueError('bad event')"), "{err}");
    assert!(!err.contains("_lmms_bench") && !err.contains("@@lmms-bench@@"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn an_entry_that_fails_to_import_shows_only_the_users_frames() {
    let dir = app("import slow\nraise RuntimeError('no config')\n");
    let out = lmms(dir.path()).args(["bench", "--runs", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("importing `app` failed") && err.contains("RuntimeError: no config"), "{err}");
    assert!(err.contains("app.py\", line 2, in <module>"), "{err}");
    assert!(!err.contains("_lmms_bench") && !err.contains("@@lmms-bench@@"), "{err}");
}

/// A hand-written baseline: what must survive every refused run byte for byte.
const SAVED: &str = r#"{"schema": "lmms.baseline/1", "entry": "app:handle", "python": "python3", "runs": 1,
 "saved_at": "2026-11-22T00:00:00Z", "init_ms": {"median": 300.0, "mad": 0.0, "min": 300.0, "max": 300.0},
 "samples": {"init_ms": [300.0], "rss_mb": [10.0], "first_invocation_ms": {}}}
"#;

fn with_saved_baseline(handler: &str) -> tempfile::TempDir {
    let dir = app(handler);
    std::fs::create_dir(dir.path().join(".lmms")).unwrap();
    std::fs::write(dir.path().join(".lmms/baseline.json"), SAVED).unwrap();
    dir
}

#[test]
fn gate_limits_that_cannot_gate_are_usage_errors_naming_the_flag() {
    let dir = with_saved_baseline(FAST);
    let mut seen = String::new();
    for args in [
        &["--max-regression", "nan"][..],
        &["--max-regression", "inf"],
        &["--max-regression", "-5"],
        &["--fail-under", "nan"],
        &["--fail-under", "-inf"],
        &["--fail-under", "150"],
        &["--save-baseline", "--fail-under", "NaN"],
    ] {
        let out = lmms(dir.path()).arg("bench").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("gate passed") && !err.contains("panicked"), "{err}");
        assert!(out.stdout.is_empty(), "nothing measured or reported for {args:?}");
        seen += &format!("$ lmms bench {}\n{}\n", args.join(" "), err.lines().next().unwrap_or_default());
    }
    insta::assert_snapshot!(seen);
    let kept = std::fs::read_to_string(dir.path().join(".lmms/baseline.json")).unwrap();
    assert_eq!(kept, SAVED, "a refused run never touches the saved baseline");
}

#[test]
fn an_interpreter_that_is_not_python_is_named_without_debug_text() {
    let dir = with_saved_baseline(FAST);
    for args in [&["bench", "--python", "/bin/true", "--runs", "1"][..], &["bench", "--python", "/bin/true", "--save-baseline"]] {
        let out = lmms(dir.path()).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("/bin/true exited with status 0 without reporting a measurement"), "{err}");
        assert!(err.contains("is it a Python interpreter?") && err.contains("--python"), "{err}");
        assert!(!err.contains("Some(") && !err.contains("panicked"), "{err}");
    }
    let kept = std::fs::read_to_string(dir.path().join(".lmms/baseline.json")).unwrap();
    assert_eq!(kept, SAVED, "a failed --save-baseline keeps the previous baseline");
}

/// Linux: whether `pid` still runs (a zombie waiting for a reaper does not).
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|stat| stat.rsplit(") ").next().is_some_and(|rest| !rest.starts_with('Z')))
}

/// Fault injection: a signal in the middle of `bench --against HEAD`, while
/// an interpreter is importing inside the temporary worktree.
fn interrupt_against(signal: &str, code: i32) {
    let dir = app(SLOW);
    let pids = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    // Every start records its pid, then imports for 2 s: the signal lands
    // while one is running.
    let slow = "import os, time\nopen(os.path.join(os.environ['LMMS_TEST_PIDS'], str(os.getpid())), 'w').close()\n\
                time.sleep(2)\nVALUE = 1\n";
    std::fs::write(dir.path().join("slow.py"), slow).unwrap();
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "slow"]);
    std::fs::write(dir.path().join("app.py"), FAST).unwrap();
    let child = lmms(dir.path())
        .args(["bench", "--against", "HEAD", "--runs", "50"])
        .env("TMPDIR", tmp.path())
        .env("LMMS_TEST_PIDS", pids.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::fs::read_dir(pids.path()).unwrap().count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no interpreter started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let worktrees = ProcessRunner.run(&RunSpec::new("git").arg("-C").arg(dir.path()).args(["worktree", "list"])).unwrap();
    assert_eq!(worktrees.stdout_text().lines().count(), 2, "the baseline worktree exists while measuring");
    let kill = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains("interrupted; removed the temporary worktree"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));

    let list = ProcessRunner.run(&RunSpec::new("git").arg("-C").arg(dir.path()).args(["worktree", "list"])).unwrap();
    assert_eq!(list.stdout_text().lines().count(), 1, "worktree left registered: {}", list.stdout_text());
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("lmms-bench-"))
        .collect();
    assert!(left.is_empty(), "temporary worktree directory left behind: {left:?}");
    for pid in std::fs::read_dir(pids.path()).unwrap() {
        let pid = pid.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!alive(&pid), "interpreter {pid} still running after the interrupt");
    }
}

#[test]
fn sigint_during_against_leaves_no_worktree_and_exits_130() {
    interrupt_against("INT", 130);
}

#[test]
fn sigterm_during_against_leaves_no_worktree_and_exits_143() {
    interrupt_against("TERM", 143);
}
