//! What `lmms plan --unsafe-fixes` says per row is what `lmms fix
//! --unsafe-fixes` then does (issue 11, one voice): `pkg.heavy` is held on
//! INIT by `pkg/api.py`'s import, whose `register` the entry reads as a
//! decorator at import, so deferring `pkg/service.py`'s import of the same
//! module saves nothing. The plan keeps both rows at module level, naming
//! the holder; fix moves nothing; `lmms check` has nothing to say. With the
//! real `python3`.

mod common;
use common::{copy_app, lmms_ok as ok, lmms_output};

#[test]
fn a_module_a_second_eager_importer_holds_is_planned_module_level_and_fix_moves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    copy_app(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan_held"), app);
    ok(app, &["profile", "--runs", "3"]);
    let plan: serde_json::Value =
        serde_json::from_str(&ok(app, &["plan", "--unsafe-fixes", "--format", "json"])).unwrap();
    let rows = plan["imports"].as_array().unwrap();
    let row = |path: &str| rows.iter().find(|r| r["path"] == path).cloned().unwrap_or_else(|| panic!("no row for {path}"));
    let (api, service) = (row("pkg/api.py"), row("pkg/service.py"));
    assert_eq!(api["strategy"], "module-level", "{api:#}");
    let why = api["reason"].as_str().unwrap();
    assert!(why.starts_with("stays on INIT: `register` is read by handler.py:4 (`api.register`) at import"), "{why}");
    assert_eq!(service["strategy"], "module-level", "{service:#}");
    assert_eq!(service["import_ms"], 0.0, "{service:#}");
    let why = service["reason"].as_str().unwrap();
    assert!(why.contains("pkg.heavy stays loaded by `from pkg.heavy import register` at pkg/api.py:2"), "{why}");
    assert!(plan["hot_set"].as_array().unwrap().iter().any(|m| m == "pkg.heavy"), "{:#}", plan["hot_set"]);

    let fixed = ok(app, &["fix", "--unsafe-fixes"]);
    assert!(fixed.contains("moved 0 imports in 0 files"), "{fixed}");
    assert!(!std::fs::read_to_string(app.join("pkg/service.py")).unwrap().contains("# lazy"), "{fixed}");
    let check = lmms_output(app, &["check"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
}
