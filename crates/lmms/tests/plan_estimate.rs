//! The fast estimate (`lmms plan` without `--simulate`) predicts the code
//! `lmms fix` writes, checked against a real fix with the real `python3`:
//! the fixture `fixtures/plan/after_fix/` (its `site/` libraries sleep at
//! import, so the costs that move hold up on a busy machine) is planned with
//! `--unsafe-fixes`, fixed the same way, and then
//! - the modules the estimate takes off INIT are exactly the ones the fixed
//!   tree's profile no longer loads;
//! - the time the estimate takes off today's INIT (both from the profile's
//!   series) is within 10% (or, on a busy machine, the bench's own MAD) of
//!   what `lmms bench --against HEAD` measures between today's tree and the
//!   fixed one, interleaved;
//! - and on `fixtures/plan/executed_edges/`, what a library's own dynamic
//!   import or a function run at import keeps loaded stays on INIT.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn lmms(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_lmms"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("PYTHONPATH", "site")
        .env_remove("VIRTUAL_ENV")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "lmms {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("lmms {args:?}: {e}"))
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=lmms", "-c", "user.email=lmms@localhost", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn modules(profile: &serde_json::Value) -> BTreeSet<String> {
    profile["modules"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap().to_string()).collect()
}

#[test]
fn the_fast_estimate_takes_off_init_what_the_fixed_tree_no_longer_loads() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    common::copy_app(&common::repo_root().join("crates/lmms/tests/fixtures/plan/after_fix"), app);
    std::fs::write(app.join(".gitignore"), ".lmms/\n__pycache__/\n").unwrap();
    git(app, &["init", "-q"]);
    git(app, &["add", "-A"]);
    git(app, &["commit", "-q", "-m", "today"]);
    lmms(app, &["usage", "--events", "events.jsonl", "--python", "python3", "--format", "json"]);
    let today = lmms(app, &["profile", "--runs", "5", "--python", "python3", "--format", "json"]);
    let plan = lmms(app, &["plan", "--unsafe-fixes", "--format", "json"]);
    let fixed = lmms(app, &["fix", "--unsafe-fixes", "--format", "json"]);
    assert!(fixed["summary"]["moved"].as_u64().unwrap() > 0, "nothing moved: {fixed}");

    let after = lmms(app, &["profile", "--runs", "3", "--python", "python3", "--format", "json"]);
    let gone: BTreeSet<String> = modules(&today).difference(&modules(&after)).cloned().collect();
    let off: BTreeSet<String> =
        plan["off_init"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    assert!(off.contains("bigexport") && off.contains("httplib"), "{off:?}");
    assert_eq!(off, gone, "the estimate's modules off INIT vs the fixed tree's profile");

    // The time the fix takes off INIT, predicted and measured: the part of
    // INIT the fix changes. (The ratios themselves move with the machine's
    // load between the two series: what stays is mostly start-up CPU here.)
    let bench = lmms(app, &["bench", "--against", "HEAD", "--runs", "10", "--python", "python3", "--format", "json"]);
    let init = bench["metrics"].as_array().unwrap().iter().find(|m| m["name"] == "init").unwrap();
    let (today_ms, after_ms) = (&init["baseline"], &init["current"]);
    let measured = today_ms["median"].as_f64().unwrap() - after_ms["median"].as_f64().unwrap();
    // On a busy machine the bench's own spread can exceed 10%: the saving
    // must then be within it (the sleeps this fixture moves are 200 ms).
    let noise = today_ms["mad"].as_f64().unwrap() + after_ms["mad"].as_f64().unwrap();
    let p = &plan["prediction"];
    assert_eq!(p["series"], "profile");
    let predicted = p["current_init_ms"].as_f64().unwrap() - p["predicted_init_ms"].as_f64().unwrap();
    let tolerance = (0.10 * measured).max(noise);
    assert!(
        (predicted - measured).abs() <= tolerance,
        "saved: predicted {predicted:.1} ms vs measured {measured:.1} ms (tolerance {tolerance:.1} ms)"
    );
}

/// `fixtures/plan/executed_edges/`: the construct no file's statements and
/// no first-importer tree show. `backend`'s module body builds an object
/// whose constructor runs `__import__("slowyaml")`, a module the project's
/// `schema`, imported first, also imports (for a function that never runs
/// at INIT), so the tree shows it under `schema` only; and the
/// entry calls `SCHEMA.load()` at import, the one function reading
/// `slowref`, so `import slowref` moved there would still run at INIT (the
/// plan keeps it). Only `coldlib` really leaves.
#[test]
fn the_estimate_keeps_on_init_what_a_librarys_dynamic_import_or_a_function_run_at_import_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    common::copy_app(&common::repo_root().join("crates/lmms/tests/fixtures/plan/executed_edges"), app);
    std::fs::write(app.join(".gitignore"), ".lmms/\n__pycache__/\n").unwrap();
    git(app, &["init", "-q"]);
    git(app, &["add", "-A"]);
    git(app, &["commit", "-q", "-m", "today"]);
    lmms(app, &["usage", "--events", "events.jsonl", "--python", "python3", "--format", "json"]);
    let today = lmms(app, &["profile", "--runs", "3", "--python", "python3", "--format", "json"]);
    let module = |name: &str| today["modules"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap().clone();
    // The tree shows slowyaml under schema only; the executed edges show
    // backend's function too (a hit on a loaded module), run while backend
    // was being imported.
    assert_eq!(module("slowyaml")["imported_by"], "schema");
    let importers = module("slowyaml")["importers"].as_array().unwrap().clone();
    assert!(
        importers.iter().any(|i| i["module"] == "backend" && i["function"] == "Backend.__init__" && i["during"] == "backend"),
        "{importers:?}"
    );
    let ran = today["functions_at_init"].as_array().unwrap();
    assert!(ran.iter().any(|f| f["module"] == "schema" && f["function"] == "Schema.load"), "{ran:?}");

    let plan = lmms(app, &["plan", "--unsafe-fixes", "--format", "json"]);
    let off: BTreeSet<String> =
        plan["off_init"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect();
    assert_eq!(off, BTreeSet::from(["coldlib".to_string()]), "the estimate's modules off INIT");
    // Deferring schema's `import slowyaml` saves nothing: the plan keeps it.
    let row = plan["imports"].as_array().unwrap().iter().find(|r| r["module"] == "slowyaml").unwrap();
    assert_eq!((&row["strategy"], &row["loaded_by"]), (&serde_json::json!("module-level"), &serde_json::json!("backend")));

    // The move into `Schema.load` would still run at INIT: the plan keeps
    // it, saying where it would go, so fix has nothing to take back.
    let row = plan["imports"].as_array().unwrap().iter().find(|r| r["module"] == "slowref").unwrap();
    assert_eq!(row["strategy"], "module-level", "{row}");
    assert!(row["reason"].as_str().unwrap().contains("`Schema.load`, which runs at import"), "{row}");

    let fixed = lmms(app, &["fix", "--unsafe-fixes", "--format", "json"]);
    let files = fixed["files"].as_array().unwrap();
    let moved: Vec<&str> = files
        .iter()
        .flat_map(|f| f["moves"].as_array().into_iter().flatten())
        .map(|m| m["module"].as_str().unwrap())
        .collect();
    let taken_back: Vec<&str> = files
        .iter()
        .flat_map(|f| f["skips"].as_array().into_iter().flatten())
        .filter(|s| s["reason"] == "module-stays-loaded")
        .map(|s| s["module"].as_str().unwrap())
        .collect();
    assert!(!moved.contains(&"slowref") && taken_back.is_empty(), "plan and fix agree on slowref: {fixed}");
    let after = lmms(app, &["profile", "--runs", "1", "--python", "python3", "--format", "json"]);
    let gone: BTreeSet<String> = modules(&today).difference(&modules(&after)).cloned().collect();
    assert_eq!(off, gone, "the estimate's modules off INIT vs the fixed tree's profile");
}
