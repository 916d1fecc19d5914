//! `lmms usage` and the readers of its inputs fail loudly: a replay where
//! handlers raise shows the user's traceback, logs that say nothing valid
//! are an error naming the file, an impossible profile is rejected naming
//! the field, and none of these overwrites the artifact a good run left.

use std::path::Path;
use std::process::Output;

mod common;
use common::lmms_output as lmms;

const EARLIER: &str = "{\"earlier\": true}\n";


/// An app whose handler raises on events with `"fail": true`, and the
/// usage.json of an earlier good run.
fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "import json\n\n\ndef lookup(event):\n    return event[\"missing\"]\n\n\n\
         def handler(event, context):\n    if event.get(\"fail\"):\n        return lookup(event)\n    return json.dumps(event)\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("lmms.toml"), "entry = \"app:handler\"\n").unwrap();
    std::fs::create_dir(dir.path().join(".lmms")).unwrap();
    std::fs::write(dir.path().join(".lmms/usage.json"), EARLIER).unwrap();
    dir
}

fn stderr_of(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for leak in ["panicked", "Some(", "Os {"] {
        assert!(!stderr.contains(leak), "Rust internals in: {stderr}");
    }
    stderr
}

fn usage_json(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".lmms/usage.json")).unwrap()
}

#[test]
fn a_replay_where_every_event_raises_fails_with_the_first_user_traceback() {
    let dir = app();
    std::fs::write(dir.path().join("events.json"), "[{\"fail\": true}, {\"fail\": true}]").unwrap();
    let out = lmms(dir.path(), &["usage", "--events", "events.json"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("every one of the 2 events raised"), "{stderr}");
    assert!(stderr.contains("events.json[0]"), "{stderr}");
    assert!(stderr.contains("Traceback (most recent call last):"), "{stderr}");
    assert!(stderr.contains("in handler") && stderr.contains("in lookup") && stderr.contains("KeyError: 'missing'"));
    assert!(!stderr.contains("<string>"), "lmms' own frames leaked: {stderr}");
    assert_eq!(usage_json(dir.path()), EARLIER, "a failed replay must not overwrite usage.json");
}

#[test]
fn a_replay_where_some_events_raise_counts_them_and_shows_one_traceback() {
    let dir = app();
    std::fs::write(dir.path().join("events.json"), "[{\"fail\": true}, {\"ok\": 1}, {\"ok\": 2}]").unwrap();
    let out = lmms(dir.path(), &["usage", "--events", "events.json", "--format", "json"]);
    let stderr = stderr_of(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("1 of 3 events raised"), "{stderr}");
    assert_eq!(stderr.matches("Traceback (most recent call last):").count(), 1, "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["requests"].as_u64(), v["errors"].as_u64()), (Some(3), Some(1)));
}

#[test]
fn logs_with_unreadable_report_lines_are_an_error_naming_the_file() {
    let dir = app();
    std::fs::write(dir.path().join("garbage.log"), "REPORT RequestId: a1\tDuration: x ms\tBilled Duration: 1 ms\n")
        .unwrap();
    let out = lmms(dir.path(), &["usage", "--logs", "garbage.log"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("garbage.log: no valid REPORT line"), "{stderr}");
    assert!(stderr.contains("Duration: x ms"), "{stderr}");
    assert_eq!(usage_json(dir.path()), EARLIER);
}

#[test]
fn an_impossible_profile_is_rejected_naming_the_file_and_field() {
    let dir = app();
    let good = r#"{"schema":"lmms.profile/1","entry":"app:handler","python":{"executable":"p","version":"3.12.0"},
        "runs":3,"init_ms":{"median":50.0,"mad":1.0,"min":49.0,"max":52.0},
        "floor_ms":{"median":10.0,"mad":0.5,"min":9.0,"max":11.0},"rss_mb":{"median":9.0,"mad":0.0,"min":9.0,"max":9.0},
        "module_count":1,"modules":[{"name":"app","origin":"project","file":null,
        "self_ms":{"median":1.0,"mad":0.0,"min":1.0,"max":1.0},
        "cumulative_ms":{"median":2.0,"mad":0.0,"min":2.0,"max":2.0},"imported_by":null,"chain":["app"]}]}"#;
    for (bad, field) in [
        (good.replace("lmms.profile/1", "lmms.profile/7"), "`schema` is \"lmms.profile/7\""),
        (good.replace(r#""init_ms":{"median":50.0"#, r#""init_ms":{"median":-50.0"#), "`init_ms.median` is -50"),
    ] {
        std::fs::write(dir.path().join(".lmms/profile.json"), &bad).unwrap();
        for cmd in [&["plan"][..], &["check"]] {
            let out = lmms(dir.path(), cmd);
            let stderr = stderr_of(&out);
            assert_eq!(out.status.code(), Some(2), "{cmd:?}: {stderr}");
            assert!(stderr.contains("profile.json") && stderr.contains(field), "{cmd:?}: {stderr}");
        }
        assert_eq!(std::fs::read_to_string(dir.path().join(".lmms/profile.json")).unwrap(), bad);
        assert!(!dir.path().join(".lmms/plan.json").exists());
    }
}
