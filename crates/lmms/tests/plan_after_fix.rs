//! `lmms plan` plans the code `lmms fix` will write, measured for real: the
//! fixture `fixtures/plan/after_fix/` is profiled and its events replayed
//! with `python3` (its `site/` libraries sleep at import, so every cost is
//! well away from a threshold), then planned with and without
//! `--unsafe-fixes`. It has a config built at import and read by every
//! request, a module-level session used by 20%, a five-name from-import of
//! feature modules, a from-import naming a submodule that wraps the handler,
//! and a second import of a module the entry already keeps.

mod common;

use std::path::Path;
use std::process::Command;

use insta_cmd::get_cargo_bin;

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    // Relative: the interpreters run in the project root.
    c.current_dir(dir).env("NO_COLOR", "1").env("PYTHONPATH", "site").env_remove("VIRTUAL_ENV");
    c
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = lmms(dir).args(args).output().unwrap();
    assert!(out.status.success(), "lmms {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The fixture with a real profile and a real replay in `.lmms/`.
fn measured() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/after_fix");
    common::copy_app(&fixture, dir.path());
    run(dir.path(), &["usage", "--events", "events.jsonl", "--python", "python3"]);
    run(dir.path(), &["profile", "--runs", "3", "--python", "python3"]);
    dir
}

/// Timings and dates vary from run to run; decisions must not.
const MASKS: [(&str, &str); 4] = [
    (r"\d[\d,]*(\.\d+)? ?ms", "[MS]"),
    (r"\d\.\d× better", "[N]× better"),
    (r"needed in \d+% of containers", "needed in [N]% of containers"),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[DATE]"),
];

/// What a reader of the plan acts on, row by row.
fn rows(dir: &Path, args: &[&str]) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(&run(dir, args)).unwrap();
    let rows: Vec<serde_json::Value> = doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            serde_json::json!({
                "at": format!("{}:{}", r["path"].as_str().unwrap(), r["line"]),
                "module": r["module"],
                "usage": r["usage"],
                "tier": r["tier"],
                "strategy": r["strategy"],
                "pinned": r["pinned"],
                "value": r["value"],
                "loaded_by": r["loaded_by"],
                "reason": r["reason"],
            })
        })
        .collect();
    serde_json::json!({ "unsafe_fixes": doc["unsafe_fixes"], "hot_set": doc["hot_set"], "imports": rows })
}

#[test]
fn the_plan_describes_the_code_after_the_fix_with_and_without_unsafe_fixes() {
    let dir = measured();
    let p = dir.path();
    let usage: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join(".lmms/usage.json")).unwrap()).unwrap();
    // Each name of the from-import has its own figure; the statement's is any of them.
    let names = usage["imports"].as_array().unwrap().iter().find(|i| i["module"] == "features").unwrap();
    let figure = |name: &str| names["names"].as_array().unwrap().iter().find(|n| n["name"] == name).unwrap()["usage"].clone();
    assert_eq!((figure("alexa"), figure("s3_export"), names["usage"].clone()), (0.4.into(), 0.1.into(), 1.0.into()));
    // The decorator's module runs on every request: not cancelled out by its package.
    let validation = usage["imports"].as_array().unwrap().iter().find(|i| i["module"] == "powertools.validation").unwrap();
    assert_eq!(validation["names"][0]["usage"], 1.0);

    let safe = rows(p, &["plan", "--format", "json"]);
    let unsafe_fixes = rows(p, &["plan", "--unsafe-fixes", "--format", "json"]);
    insta::with_settings!({ filters => MASKS.to_vec() }, {
        insta::assert_json_snapshot!("after_fix_plan_rows_safe", safe);
        insta::assert_json_snapshot!("after_fix_plan_rows_unsafe", unsafe_fixes);
        insta::assert_snapshot!("after_fix_plan_text_safe", run(p, &["plan"]));
        insta::assert_snapshot!("after_fix_plan_text_unsafe", run(p, &["plan", "--unsafe-fixes"]));
    });
}
