//! `lmms plan --simulate` verifies the shadow rewrite as `lmms fix` does, with
//! the same flags, so the tree it measures is the one `fix` writes: a rewrite
//! that breaks a check is dropped there too, and the predicted INIT keeps
//! that file's cost. Real `python3`; the two slow modules sleep at import so
//! which of them the measured tree still loads shows through machine noise.

mod common;

use std::path::Path;

use common::lmms_output;

const SLOW: &str = "import time\n\ntime.sleep(0.4)\nVALUE = 1\n";
const HELPERS: &str = "import slow_b\n\n\ndef greet():\n    return slow_b.VALUE\n";
const REGISTRY: &str = "import slow_a\n\n\ndef get():\n    return slow_a.VALUE\n";
/// The plugin is named in `plugin.json` and looked up with `getattr` at
/// import, so no static reader index sees `registry.slow_a` read; an event
/// can ask for an attribute by name the same way.
const APP: &str = r#"import importlib
import json
import pathlib

import helpers
import registry

SPEC = json.loads((pathlib.Path(__file__).parent / "plugin.json").read_text())
PLUGIN = None
if SPEC["plugin"]:
    module, name = SPEC["plugin"].split(":")
    PLUGIN = getattr(importlib.import_module(module), name)


def handler(event, context):
    has = hasattr(importlib.import_module(event["module"]), event["name"])
    return {"greeting": helpers.greet(), "has": has, "registry": registry.get()}
"#;

/// The app, profiled; `plugin` goes into `plugin.json`.
fn app(plugin: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let files = [
        ("pyproject.toml", "[tool.lmms]\nentry = \"app:handler\"\npython = \"python3\"\n".to_string()),
        ("app.py", APP.to_string()),
        ("helpers.py", HELPERS.to_string()),
        ("registry.py", REGISTRY.to_string()),
        ("slow_a.py", SLOW.to_string()),
        ("slow_b.py", SLOW.to_string()),
        ("plugin.json", format!("{{\"plugin\": \"{plugin}\"}}\n")),
        ("events.jsonl", "{\"module\": \"registry\", \"name\": \"slow_a\"}\n".to_string()),
    ];
    for (name, text) in files {
        std::fs::write(d.join(name), text).unwrap();
    }
    ok(d, &["profile", "--runs", "2"]);
    dir
}

fn ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = lmms_output(dir, args);
    assert!(out.status.success(), "lmms {args:?}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn simulate(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", "--simulate", "--runs", "5", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_slice(&ok(dir, &args)).unwrap()
}

/// Today's and the predicted INIT medians, and what today's tree saves.
fn saved_ms(doc: &serde_json::Value) -> f64 {
    let sim = &doc["simulation"];
    sim["current_init_ms"]["median"].as_f64().unwrap() - sim["predicted_init_ms"]["median"].as_f64().unwrap()
}

fn planned_moves(doc: &serde_json::Value) -> Vec<String> {
    let rows = doc["imports"].as_array().unwrap();
    rows.iter()
        .filter(|r| r["strategy"] == "function-level" && r["current"] == "module-level")
        .map(|r| format!("{} {}", r["path"].as_str().unwrap(), r["module"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_rewrite_the_entry_import_check_drops_is_reported_and_not_in_the_predicted_init() {
    let dir = app("registry:slow_a");
    let doc = simulate(dir.path(), &[]);
    assert_eq!(planned_moves(&doc), ["helpers.py slow_b", "registry.py slow_a"], "both sleeps are planned off INIT");
    let v = &doc["simulation"]["verification"];
    assert_eq!(v["checks"][0]["name"], "import");
    assert_eq!(v["checks"][0]["status"], "failed", "{v}");
    let dropped = v["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 1, "{v}");
    assert_eq!(dropped[0]["path"], "registry.py");
    assert_eq!(dropped[0]["check"], "import");
    assert!(dropped[0]["reason"].as_str().unwrap().contains("has no attribute 'slow_a'"), "{v}");
    // Only slow_b's 400 ms leaves INIT: the measured tree is the one without registry.py's rewrite.
    let saved = saved_ms(&doc);
    assert!((200.0..600.0).contains(&saved), "saved {saved} ms, expected one sleep of 400 ms");

    let out = lmms_output(dir.path(), &["plan", "--simulate", "--runs", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("verified as `lmms fix` does (import)"), "{text}");
    assert!(text.contains("dropped the rewrite of registry.py: it breaks the import check: "), "{text}");

    // Unverified, the tree `lmms fix --no-verify` writes does not even start.
    let out = lmms_output(dir.path(), &["plan", "--simulate", "--runs", "1", "--no-verify"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("measuring the fixed tree's INIT") && err.contains("has no attribute 'slow_a'"), "{err}");
}

#[test]
fn events_drop_a_rewrite_that_changes_a_response_only_when_given() {
    let dir = app("");
    let plain = simulate(dir.path(), &[]);
    assert_eq!(plain["simulation"]["verification"]["dropped"], serde_json::json!([]), "the entry imports either way");
    let saved = saved_ms(&plain);
    assert!(saved > 600.0, "both sleeps leave INIT without --events: saved {saved} ms");

    let doc = simulate(dir.path(), &["--events", "events.jsonl"]);
    let v = &doc["simulation"]["verification"];
    let checks: Vec<(&str, &str)> =
        v["checks"].as_array().unwrap().iter().map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap())).collect();
    assert_eq!(checks, [("import", "passed"), ("events", "failed"), ("tests", "skipped")], "{v}");
    assert_eq!(v["dropped"][0]["path"], "registry.py", "{v}");
    assert_eq!(v["dropped"][0]["check"], "events", "{v}");
    let saved = saved_ms(&doc);
    assert!((200.0..600.0).contains(&saved), "saved {saved} ms, expected one sleep of 400 ms");
}

#[test]
fn verification_flags_without_simulate_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.lmms]\nentry = \"app:handler\"\n").unwrap();
    let out = lmms_output(dir.path(), &["plan", "--test", "true"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("add --simulate"), "{err}");
    let out = lmms_output(dir.path(), &["plan", "--simulate", "--no-verify", "--test", "true"]);
    assert_eq!(out.status.code(), Some(2), "--no-verify conflicts with --test as for fix");
}
