//! `lmms usage`: logs, Insights query and replay, through the built binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

mod common;
use common::copy_app;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/usage")
}

fn lmms() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lmms"));
    c.env("NO_COLOR", "1").env_remove("VIRTUAL_ENV");
    c
}

/// The fixture app copied to a temp dir, so `.lmms/` lands outside the repo.
fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&fixtures().join("app"), dir.path());
    dir
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn report_log_with_37_cold_starts_in_500_gives_ratio_0_074() {
    let dir = tempfile::tempdir().unwrap();
    let log = fixtures().join("logs/report_37_of_500.log");
    let out = lmms().current_dir(dir.path()).args(["usage", "--format", "json", "--logs"]).arg(&log).output().unwrap();
    let v = json_of(&out);
    assert_eq!(v["schema"], "lmms.usage/1");
    assert_eq!(v["source"], "logs");
    assert_eq!(v["cold_start_ratio"].as_f64(), Some(0.074));
    assert_eq!(v["requests"], 500);
    assert_eq!(v["logs"]["cold_starts"], 37);
    // The artifact is written as well.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".lmms/usage.json")).unwrap()).unwrap();
    assert_eq!(written, v);
}

#[test]
fn report_log_text_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("logs/report_37_of_500.log"), dir.path().join("report.log")).unwrap();
    insta::with_settings!({filters => vec![(r"wrote .*usage\.json", "wrote [TMP]/.lmms/usage.json")]}, {
        assert_cmd_snapshot!(lmms().current_dir(dir.path()).args(["usage", "--logs", "report.log"]));
    });
}

#[test]
fn filter_log_events_json_with_tracker_lines() {
    let dir = app();
    std::fs::copy(fixtures().join("logs/filter_log_events.json"), dir.path().join("events.json")).unwrap();
    insta::with_settings!({filters => vec![(r"wrote .*usage\.json", "wrote [TMP]/.lmms/usage.json")]}, {
        assert_cmd_snapshot!("tracker_logs_text", lmms().current_dir(dir.path()).args(["usage", "--logs", "events.json"]));
    });
    let out =
        lmms().current_dir(dir.path()).args(["usage", "--format", "json", "--logs", "events.json"]).output().unwrap();
    let v = json_of(&out);
    assert_eq!(v["requests"], 6);
    assert_eq!(v["logs"]["invocations"], 20);
    assert_eq!(v["logs"]["requests_per_container"].as_f64(), Some(10.0));
    insta::assert_json_snapshot!(v);
}

#[test]
fn insights_query_names_the_projects_packages() {
    let dir = app();
    assert_cmd_snapshot!(lmms().current_dir(dir.path()).args(["usage", "--insights-query"]));
}

#[test]
fn logs_without_lambda_lines_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.log"), "hello\nworld\n").unwrap();
    let out = lmms().current_dir(dir.path()).args(["usage", "--logs", "x.log"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no REPORT lines and no tracker lines"));
    assert!(!dir.path().join(".lmms/usage.json").exists(), "nothing half-written");
}

fn replay_cmd(dir: &Path) -> Command {
    let mut c = lmms();
    c.current_dir(dir)
        // Relative: the replay runs in the project root; keeps snapshots path-free.
        .env("PYTHONPATH", "site")
        .args(["usage", "--events", "events.jsonl", "--timeout", "0.5", "--python", "python3"]);
    c
}

#[test]
fn replay_attributes_exclusive_closures_and_counts_errors() {
    let dir = app();
    let v = json_of(&replay_cmd(dir.path()).args(["--format", "json"]).output().unwrap());
    assert_eq!(v["requests"], 10);
    assert_eq!(v["errors"], 2, "one exception and one timeout");
    let got: Vec<(String, u64, u64)> = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                format!("{}:{}", i["path"].as_str().unwrap(), i["module"].as_str().unwrap()),
                i["line"].as_u64().unwrap(),
                i["requests_using"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("src/handler.py:json", 2, 10),
        ("src/handler.py:time", 3, 10),
        // a-events only: sharedlib also runs on b-events but belongs to neither library.
        ("src/handler.py:fastlib", 5, 3),
        // Its import hook runs during the lazy `import lazylib`: import machinery, not use.
        ("src/handler.py:hooklib", 6, 0),
        // Referenced only at import time here, used through helpers.run_b and privlib.
        ("src/handler.py:slowlib", 7, 2),
        ("src/handler.py:helpers", 9, 2),
        // A function-level import: counted when its function runs.
        ("src/handler.py:lazylib", 16, 3),
        // Never referenced in this file: closure use still counts.
        ("src/helpers.py:fastlib", 1, 3),
        // Its code also runs on a-events, but it is shared between fastlib and
        // slowlib, so only project references count: Mixer.mix on b-events.
        ("src/helpers.py:sharedlib", 2, 2),
        ("src/helpers.py:slowlib", 3, 2),
    ];
    let want: Vec<(String, u64, u64)> = want.iter().map(|(a, b, c)| (a.to_string(), *b, *c)).collect();
    assert_eq!(got, want);
}

#[test]
fn replay_json_and_text_snapshots() {
    let dir = app();
    // The warning about failed events carries the traceback's absolute paths.
    let real = common::regex_escape(&std::fs::canonicalize(dir.path()).unwrap().to_string_lossy());
    let given = common::regex_escape(&dir.path().to_string_lossy());
    insta::with_settings!({filters => vec![(real.as_str(), "[APP]"), (given.as_str(), "[APP]")]}, {
        assert_cmd_snapshot!("replay_json", replay_cmd(dir.path()).args(["--format", "json"]));
    });
    insta::with_settings!({filters => vec![
        (r"wrote .*usage\.json", "wrote [TMP]/.lmms/usage.json"),
        (real.as_str(), "[APP]"),
        (given.as_str(), "[APP]"),
    ]}, {
        assert_cmd_snapshot!("replay_text", replay_cmd(dir.path()));
    });
}

fn imports_used(v: &serde_json::Value) -> Vec<(String, u64)> {
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

fn star_app_usage(python: &Path) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&fixtures().join("star_app"), dir.path());
    json_of(
        &lmms()
            .current_dir(dir.path())
            .env("PYTHONPATH", "site")
            .args(["usage", "--events", "events.jsonl", "--format", "json", "--python"])
            .arg(python)
            .output()
            .unwrap(),
    )
}

#[test]
fn star_imports_of_project_modules_and_shared_stdlib_imports_are_attributed() {
    let v = star_app_usage(Path::new("python3"));
    assert_eq!(v["requests"], 10);
    assert_eq!(v["errors"], 0);
    let want = [
        // Reached through tools' own `from base import *`: calc events.
        ("src/base.py:1 math", 2),
        // `json.dumps` through the handler's star import: net and dump events.
        ("src/fast_path.py:1 json", 3),
        // Not in fast_path's `__all__`, so the star import never binds it.
        ("src/fast_path.py:2 os", 0),
        // A C module: only the star-imported name tells that timed events use it.
        ("src/fast_path.py:3 time", 2),
        // The star statements bind those names too: json or time, calc.
        ("src/handler.py:2 fast_path", 5),
        ("src/handler.py:3 tools", 2),
        // logger.info runs logging's code on every logged event, although
        // netlib loads logging as well.
        ("src/handler.py:4 logging", 6),
        // Net events only: logging calls into multiprocessing (which netlib
        // loads) on every logged event, and stdlib plumbing is nobody's.
        ("src/handler.py:6 netlib", 2),
        ("src/tools.py:1 base", 2),
        ("src/tools.py:2 statistics", 2),
        // Private: `import *` does not export `_textwrap`.
        ("src/tools.py:3 textwrap", 0),
    ];
    let want: Vec<(String, u64)> = want.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(imports_used(&v), want);
    // Direct calls are seen through sys.monitoring from 3.12 and a profile
    // hook before; the answer must not differ.
    for py in other_pythons() {
        assert_eq!(star_app_usage(&py), v, "{}", py.display());
    }
}

#[test]
fn replay_with_a_broken_entry_fails_cleanly() {
    let dir = app();
    let out = replay_cmd(dir.path()).args(["--entry", "nosuchmodule:handle"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("importing the entry `nosuchmodule:handle` failed"), "{err}");
    assert!(!dir.path().join(".lmms/usage.json").exists());
}

#[test]
fn replay_of_malformed_events_names_the_line() {
    let dir = app();
    std::fs::write(dir.path().join("events.jsonl"), "{\"kind\": \"a\", \"n\": 1}\n{oops\n").unwrap();
    let out = replay_cmd(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2: not JSON"));
}

#[test]
fn replay_reads_a_directory_of_json_events() {
    let dir = app();
    let ev = dir.path().join("events");
    std::fs::create_dir(&ev).unwrap();
    std::fs::write(ev.join("a.json"), "{\"kind\": \"a\", \"n\": 1}").unwrap();
    std::fs::write(ev.join("ping.json"), "{\"kind\": \"ping\"}").unwrap();
    std::fs::write(ev.join("notes.txt"), "not an event").unwrap();
    let v = json_of(
        &lmms()
            .current_dir(dir.path())
            .env("PYTHONPATH", dir.path().join("site"))
            .args(["usage", "--events", "events", "--python", "python3", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["requests"], 2);
    let fastlib = v["modules"].as_array().unwrap().iter().find(|m| m["name"] == "fastlib").unwrap();
    assert_eq!(fastlib["usage"].as_f64(), Some(0.5));
}

/// Real interpreters other than `python3`, found without shims: the replay
/// hooks differ (sys.monitoring from 3.12, sys.setprofile before; no
/// co_qualname before 3.11), the results must not.
fn other_pythons() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let roots = [
        std::env::var_os("PYENV_ROOT").map(PathBuf::from),
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")),
    ];
    for root in roots.into_iter().flatten() {
        let Ok(rd) = std::fs::read_dir(root.join("versions")) else { continue };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let p = e.path().join("bin/python");
            if ["3.8", "3.9", "3.10", "3.12", "3.13", "3.14"].iter().any(|v| name.starts_with(&format!("{v}.")))
                && p.exists()
            {
                found.push(p);
            }
        }
    }
    found.sort();
    found.dedup();
    found
}

#[test]
#[ignore = "needs pyenv interpreters 3.8-3.14 besides python3 ($PYENV_ROOT/versions)"]
fn replay_gives_the_same_usage_on_every_interpreter() {
    let pythons = other_pythons();
    assert!(!pythons.is_empty(), "no interpreters 3.8-3.14 under $PYENV_ROOT/versions or ~/.pyenv/versions");
    let dir = app();
    let reference = json_of(&replay_cmd(dir.path()).args(["--format", "json"]).output().unwrap());
    for py in pythons {
        let mut c = lmms();
        c.current_dir(dir.path())
            .env("PYTHONPATH", "site")
            .args(["usage", "--events", "events.jsonl", "--timeout", "0.5", "--format", "json", "--python"])
            .arg(&py);
        assert_eq!(json_of(&c.output().unwrap()), reference, "{}", py.display());
    }
}

#[test]
fn replay_then_report_logs_keeps_both_usage_and_cold_start_ratio() {
    let dir = app();
    std::fs::copy(fixtures().join("logs/report_37_of_500.log"), dir.path().join("report.log")).unwrap();
    assert!(replay_cmd(dir.path()).output().unwrap().status.success());
    let out = lmms().current_dir(dir.path()).args(["usage", "--logs", "report.log"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("kept the replayed usage"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".lmms/usage.json")).unwrap()).unwrap();
    assert_eq!(v["source"], "replay");
    assert_eq!(v["requests"], 10);
    assert_eq!(v["cold_start_ratio"].as_f64(), Some(0.074));
    assert_eq!(v["imports"].as_array().unwrap().len(), 10);
    // And a later replay keeps the measured ratio.
    assert!(replay_cmd(dir.path()).output().unwrap().status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".lmms/usage.json")).unwrap()).unwrap();
    assert_eq!(v["cold_start_ratio"].as_f64(), Some(0.074));
}
