//! Modules loaded by name (`importlib.import_module`, `__import__`) with the
//! real `python3`: the profile gives them a row under the project module that
//! asked for them, the plan plans their files like any other, and `fix`
//! moves their imports. `fixtures/dynamic/` loads two plugins by name, each
//! importing a slow stand-in library from `vendor/site-packages` (a sleep,
//! so the costs are far from every threshold).

use std::path::Path;

mod common;
use common::{copy_app, lmms_output};

fn run_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = lmms_output(dir, args);
    assert!(out.status.success(), "lmms {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dynamic"), dir.path());
    dir
}

fn module<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["modules"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("{name} not profiled"))
}

#[test]
fn modules_loaded_by_name_are_profiled_under_the_project_module_that_asked() {
    let app = fixture();
    let doc = run_json(app.path(), &["profile", "--runs", "2", "--format", "json"]);
    let ai = module(&doc, "plugins.ai");
    assert_eq!(ai["dynamic"], "importlib.import_module");
    assert_eq!(ai["imported_by"], "app");
    assert_eq!(ai["origin"], "project");
    assert!(ai["cumulative_ms"]["median"].as_f64().unwrap() >= 50.0, "{ai}");
    assert_eq!(module(&doc, "heavy_model")["chain"], serde_json::json!(["app", "plugins.ai", "heavy_model"]));
    // Loaded by a function of plugins.registry while app was importing.
    let extra = module(&doc, "plugins.extra");
    assert_eq!(extra["imported_by"], "plugins.registry");
    assert_eq!(extra["chain"], serde_json::json!(["app", "plugins.registry", "plugins.extra"]));
    assert_eq!(module(&doc, "heavy_report")["chain"], serde_json::json!(["app", "plugins.registry", "plugins.extra", "heavy_report"]));
    let legacy = module(&doc, "plugins.legacy");
    assert_eq!((&legacy["dynamic"], &legacy["imported_by"]), (&"__import__".into(), &"app".into()));
    // Import statements are not dynamic, and the bootstrap's own imports
    // after the entry are not the entry's.
    assert!(module(&doc, "json").get("dynamic").is_none());
    assert!(doc["modules"].as_array().unwrap().iter().all(|m| m["name"] != "resource"));
}

#[test]
fn a_plugin_loaded_by_name_is_planned_charged_and_fixed_like_any_file() {
    let app = fixture();
    run_json(app.path(), &["profile", "--runs", "2", "--format", "json"]);
    let out = lmms_output(app.path(), &["usage", "--events", "events/mix.jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan = run_json(app.path(), &["plan", "--format", "json"]);
    let rows = plan["imports"].as_array().unwrap();
    let row = |path: &str, module: &str| {
        rows.iter().find(|r| r["path"] == path && r["module"] == module).unwrap_or_else(|| panic!("no row {path} {module}"))
    };
    let ai = row("plugins/ai.py", "heavy_model");
    assert_eq!(ai["strategy"], "function-level", "{ai}");
    assert!(ai["import_ms"].as_f64().unwrap() >= 50.0, "{ai}");
    assert!((ai["usage"].as_f64().unwrap() - 0.1).abs() < 1e-9, "2 of 20 requests ask the model: {ai}");
    assert_eq!(row("plugins/extra.py", "heavy_report")["strategy"], "function-level");
    // The caller pays for its own code only, not for what the plugin imports.
    for r in rows.iter().filter(|r| r["path"] == "app.py" || r["path"] == "plugins/registry.py") {
        assert!(r["import_ms"].as_f64().unwrap_or(0.0) < 20.0, "charged to the caller: {r}");
    }

    let out = lmms_output(app.path(), &["fix"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let ai = std::fs::read_to_string(app.path().join("plugins/ai.py")).unwrap();
    assert!(ai.starts_with("\n\ndef answer(event):\n    import heavy_model  # lazy: "), "{ai}");
    let again = lmms_output(app.path(), &["fix", "--diff"]);
    assert_eq!(again.status.code(), Some(0), "a second fix changes nothing: {}", String::from_utf8_lossy(&again.stdout));
    let check = lmms_output(app.path(), &["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let lazy: Vec<_> = doc["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "LMM003").collect();
    assert!(lazy.is_empty(), "check contradicts fix: {lazy:?}");
}
