//! `lmms plan` end to end on recorded measurements.
//!
//! The fixture `fixtures/plan/heavy/` is a copy of `examples/heavy_app`
//! (plus a pandas dispatch table in `features/report.py`) with its real
//! profile and usage, recorded with `.venv-heavy` (`{VENV}` in the fixture): the profile
//! is trimmed to modules of ≥2 ms self time, each dropped module's time
//! folded into its nearest kept ancestor, so every subtree keeps its total.
//! Recorded data makes the numbers in these snapshots exact and stable.

mod common;
mod plan_support;

use std::path::Path;

use plan_support::{app, lmms};

fn plan_json(dir: &Path) -> serde_json::Value {
    let out = lmms(dir)
        .args(["plan", "--unsafe-fixes", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn row<'a>(doc: &'a serde_json::Value, path: &str, module: &str) -> &'a serde_json::Value {
    doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"] == path && i["module"] == module)
        .unwrap_or_else(|| panic!("no row for {module} in {path}"))
}

#[test]
fn heavy_libraries_go_function_level_and_cheap_ones_stay() {
    let dir = app(true);
    let doc = plan_json(dir.path());
    assert_eq!(doc["schema"], "lmms.plan/1");
    assert_eq!(doc["policy"], "lmms");
    for (path, m) in [
        ("lambda_function.py", "boto3"),
        ("lambda_function.py", "pandas"),
        ("lambda_function.py", "requests"),
        ("features/report.py", "pandas"),
        ("features/models.py", "pydantic"),
    ] {
        assert_eq!(
            row(&doc, path, m)["strategy"],
            "function-level",
            "{m} in {path}"
        );
    }
    for m in ["json", "os", "time", "logging"] {
        let r = row(&doc, "lambda_function.py", m);
        assert_eq!(r["strategy"], "module-level", "{m}");
        assert!(r["tier"].as_u64().unwrap() <= 2, "{m}");
    }
    let hot: Vec<&str> = doc["hot_set"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for heavy in ["boto3", "pandas", "requests", "pydantic"] {
        assert!(!hot.contains(&heavy), "{heavy} in hot set {hot:?}");
    }
    assert!(
        doc["predicted_init_ms"].is_null(),
        "only --simulate measures a prediction"
    );
    for k in ["median", "mad", "min", "max"] {
        assert!(doc["current_init_ms"][k].is_number());
    }
    // The artifact is the JSON the command printed.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".lmms/plan.json")).unwrap())
            .unwrap();
    assert_eq!(written, doc);
}

#[test]
fn module_level_client_and_dispatch_table_block_with_their_cost() {
    let dir = app(true);
    let doc = plan_json(dir.path());
    let boto3 = row(&doc, "lambda_function.py", "boto3");
    let client = boto3["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "module-level-call")
        .unwrap();
    assert_eq!(client["line"], 25);
    assert!(client["code"]
        .as_str()
        .unwrap()
        .starts_with("S3 = boto3.client("));
    assert_eq!(client["cost_ms"], boto3["import_ms"]);
    assert!(client["cost_ms"].as_f64().unwrap() > 100.0);

    let pandas = row(&doc, "features/report.py", "pandas");
    let table: Vec<&serde_json::Value> = pandas["blocked_by"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == "value")
        .collect();
    assert_eq!(
        table.len(),
        1,
        "pd.read_csv and pd.read_json in READERS: one blocker per line"
    );
    assert!(table[0]["code"]
        .as_str()
        .unwrap()
        .starts_with("READERS = {"));
    assert!(table[0]["cost_ms"].as_f64().unwrap() > 100.0);

    // A class base cannot be made lazy: pydantic is pinned to models.py,
    // so importing features.models costs what pydantic costs.
    let models = row(&doc, "lambda_function.py", "features.models");
    assert_eq!(models["strategy"], "function-level");
    assert!(
        models["import_ms"].as_f64().unwrap()
            >= row(&doc, "features/models.py", "pydantic")["import_ms"]
                .as_f64()
                .unwrap()
    );
}

/// Plain `lmms plan` plans what plain `lmms fix` writes: the module-level
/// client and the pandas dispatch table stay, so their imports stay on INIT,
/// and the entry's own `import pandas` saves nothing while report.py keeps it.
#[test]
fn without_unsafe_fixes_values_built_at_import_keep_their_imports_on_init() {
    let dir = app(true);
    let out = lmms(dir.path()).args(["plan", "--format", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["unsafe_fixes"], false);
    let boto3 = row(&doc, "lambda_function.py", "boto3");
    assert_eq!((&boto3["strategy"], &boto3["pinned"]), (&"module-level".into(), &true.into()));
    let reason = boto3["reason"].as_str().unwrap();
    assert!(reason.starts_with("stays on INIT: `S3 = boto3.client("), "{reason}");
    assert!(reason.contains("--unsafe-fixes"), "{reason}");
    let table = row(&doc, "features/report.py", "pandas");
    assert_eq!(table["strategy"], "module-level");
    // So importing features.report costs pandas too, and it is deferred whole.
    let report = row(&doc, "lambda_function.py", "features.report");
    assert_eq!(report["strategy"], "function-level");
    assert!(report["import_ms"].as_f64().unwrap() >= table["import_ms"].as_f64().unwrap());
    let hot: Vec<&str> = doc["hot_set"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(hot.contains(&"boto3") && !hot.contains(&"pandas"), "{hot:?}");
    assert!(doc["estimated_init_ms"].as_f64() > plan_json(dir.path())["estimated_init_ms"].as_f64());
}

#[test]
fn plan_text_report() {
    let dir = app(true);
    snap!(dir.path(), lmms(dir.path()).args(["plan", "--unsafe-fixes"]));
}

#[test]
fn the_default_report_lists_only_what_changes_and_explain_shows_everything() {
    let dir = app(true);
    let text = |args: &[&str]| {
        let out = lmms(dir.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let brief = text(&["plan", "--unsafe-fixes"]);
    // One line per moving import: no reasons, no model comparison, no T1 rows.
    assert!(!brief.contains("models differ"), "{brief}");
    assert!(!brief.contains("(DEC-01, T"), "{brief}");
    assert!(!brief.lines().any(|l| l.contains("  T1  ")), "{brief}");
    assert!(brief.contains("lambda_function.py:12"), "{brief}");
    // Nothing cites a document the user has not read.
    assert!(!brief.contains("seeds"), "{brief}");
    let explained = text(&["plan", "--unsafe-fixes", "--explain"]);
    assert!(explained.contains("models differ"), "{explained}");
    assert!(!explained.contains("seeds"), "{explained}");
    assert_eq!(text(&["plan", "--unsafe-fixes", "-v"]), explained);
    snap!(dir.path(), lmms(dir.path()).args(["plan", "--unsafe-fixes", "--explain"]));
}

#[test]
fn quiet_prints_the_plan_without_the_line_about_the_artifact() {
    let dir = app(true);
    let text = |args: &[&str]| String::from_utf8(lmms(dir.path()).args(args).output().unwrap().stdout).unwrap();
    let normal = text(&["plan"]);
    let quiet = text(&["-q", "plan"]);
    assert_eq!(format!("{quiet}wrote .lmms/plan.json\n"), normal);
    snap!(dir.path(), lmms(dir.path()).args(["-q", "plan"]));
}

#[test]
fn the_plan_is_coloured_by_the_one_policy_and_plain_otherwise() {
    let dir = app(true);
    let text = |env: &[(&str, &str)]| {
        let mut c = lmms(dir.path());
        c.env_remove("NO_COLOR").env_remove("FORCE_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        String::from_utf8(c.args(["plan", "--explain"]).output().unwrap().stdout).unwrap()
    };
    let coloured = text(&[("FORCE_COLOR", "1")]);
    assert!(coloured.contains("\x1b[1mPlan for\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[33mfunction-level\x1b[0m"), "{coloured}");
    let plain = text(&[]);
    assert!(!plain.contains('\x1b'));
    assert_eq!(text(&[("NO_COLOR", "1")]), plain);
    // The colours are escapes around the same text.
    assert_eq!(strip_ansi(&coloured), plain);
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn plan_json_document() {
    let dir = app(true);
    snap!(
        dir.path(),
        lmms(dir.path()).args(["plan", "--unsafe-fixes", "--format", "json"])
    );
}

#[test]
fn without_usage_the_plan_says_so_and_grants_no_exception() {
    let dir = app(false);
    let doc = plan_json(dir.path());
    assert_eq!(doc["usage"], "unknown");
    // requests measures 33 ms: without usage it gets no tier and cannot be
    // hot path, so it goes function-level.
    let requests = row(&doc, "lambda_function.py", "requests");
    assert!(requests["usage"].is_null());
    assert_eq!(requests["strategy"], "function-level");
    assert!(requests["tier"].is_null());
    assert!(doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("no .lmms/usage.json")));
    snap!(dir.path(), lmms(dir.path()).args(["plan", "--unsafe-fixes"]));
}

#[test]
fn cost_policy_follows_the_seeds_formula_and_shows_the_table() {
    let dir = app(true);
    let cfg = dir.path().join("pyproject.toml");
    std::fs::write(
        &cfg,
        "[tool.lmms]\nentry = \"lambda_function:lambda_handler\"\npolicy = \"cost\"\n",
    )
    .unwrap();
    let doc = plan_json(dir.path());
    assert_eq!(doc["policy"], "cost");
    // requests: 20% > the 10% cold-start ratio → the formula says module level.
    let r = row(&doc, "lambda_function.py", "requests");
    assert_eq!(r["strategy"], "module-level");
    assert!(r["reason"]
        .as_str()
        .unwrap()
        .contains("DEC-02's cost formula"));
    assert!(r["disagreement"]
        .as_str()
        .unwrap()
        .contains("DEC-01 table: function-level"));
    // The output says where the seeds' formula departs from its own prose and from CPython.
    assert!(doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("import time cancels out")));
    // pandas: 2% < 10% → function level under every model.
    assert_eq!(
        row(&doc, "lambda_function.py", "pandas")["strategy"],
        "function-level"
    );
}

#[test]
fn snapstart_keeps_used_heavy_imports_at_module_level() {
    let dir = app(true);
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.lmms]\nentry = \"lambda_function:lambda_handler\"\nsnapstart = true\n",
    )
    .unwrap();
    let doc = plan_json(dir.path());
    let boto3 = row(&doc, "lambda_function.py", "boto3");
    assert_eq!(boto3["strategy"], "module-level");
    assert!(boto3["reason"].as_str().unwrap().contains("snapshot"));
}

#[test]
fn measured_cold_start_ratio_sets_requests_per_container() {
    let dir = app(true);
    let p = dir.path().join(".lmms/usage.json");
    let mut u: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    u["cold_start_ratio"] = 0.5.into();
    std::fs::write(&p, u.to_string()).unwrap();
    let doc = plan_json(dir.path());
    assert_eq!(doc["containers"]["source"], "measured");
    assert_eq!(doc["containers"]["requests_per_container"], 2.0);
}

#[test]
fn missing_profile_is_a_usage_error_that_names_the_fix() {
    let dir = app(false);
    std::fs::remove_file(dir.path().join(".lmms/profile.json")).unwrap();
    snap!(dir.path(), lmms(dir.path()).args(["plan"]));
    assert!(!dir.path().join(".lmms/plan.json").exists());
}

#[test]
fn corrupt_usage_is_reported_not_ignored() {
    let dir = app(true);
    std::fs::write(
        dir.path().join(".lmms/usage.json"),
        "{\"schema\": \"lmms.usage/9\"}",
    )
    .unwrap();
    let out = lmms(dir.path()).args(["plan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lmms.usage/9"));
}

#[test]
fn unreadable_and_broken_sources_are_reported_and_skipped() {
    let dir = app(true);
    // A syntax error keeps what the parser recovered; non-UTF-8 skips the file.
    std::fs::write(
        dir.path().join("features/query.py"),
        "import jmespath\n\ndef handle(event:\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("features/stream.py"),
        b"import websocket\n# \xff\xfe\n",
    )
    .unwrap();
    let out = lmms(dir.path())
        .args(["plan", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("features/query.py:4:") && stderr.contains("syntax error"),
        "{stderr}"
    );
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        row(&doc, "features/query.py", "jmespath")["strategy"],
        "module-level"
    );
    assert!(doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["path"] != "features/stream.py"));
}
