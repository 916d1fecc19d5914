//! One voice on `examples/heavy_app` with its real packages: after
//! `profile → usage → plan → fix`, `lmms check` repeats the plan. LMM001 and
//! LMM002 follow the plan's row for each statement, so an import the plan
//! keeps on INIT (websocket, cheap at the margin; pydantic, pinned by a
//! class base; boto3 and requests, pinned by clients built at import in a
//! plain plan) is not reported, while without a plan the same rules judge
//! by the profile's figures as before.
//!
//! Needs the app's virtualenv (`scripts/heavy-venv.sh` → `.venv-heavy`), so
//! ignored by default; `--include-ignored` without the venv fails.

use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{heavy_app_copy, lmms_ok as ok, lmms_output};

/// `lmms check --format json`: its exit code and `(code, path, module)` per
/// finding.
fn check(app: &Path) -> (Option<i32>, Vec<(String, String, String)>) {
    let out = lmms_output(app, &["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("check's JSON: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
    let findings = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            (s("code"), s("path"), s("module"))
        })
        .collect();
    (out.status.code(), findings)
}

fn codes(findings: &[(String, String, String)]) -> BTreeSet<&str> {
    findings.iter().map(|(c, _, _)| c.as_str()).collect()
}

fn profile_and_usage(app: &Path) {
    ok(app, &["profile", "--runs", "5"]);
    ok(app, &["usage", "--events", "events/"]);
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn without_a_plan_check_judges_by_the_profile_and_after_plan_and_fix_it_repeats_the_plan() {
    let dir = heavy_app_copy();
    let app = dir.path();
    profile_and_usage(app);

    let (code, before) = check(app);
    assert_eq!(code, Some(1), "{before:#?}");
    // Without a plan: the profile's figures, as before the plan existed.
    let has = |f: &[(String, String, String)], c: &str, p: &str, m: &str| f.iter().any(|x| (x.0.as_str(), x.1.as_str(), x.2.as_str()) == (c, p, m));
    assert!(has(&before, "LMM001", "lambda_function.py", "boto3"), "{before:#?}");
    assert!(has(&before, "LMM001", "features/models.py", "pydantic"), "{before:#?}");
    assert!(has(&before, "LMM002", "lambda_function.py", "features.models"), "{before:#?}");

    ok(app, &["plan"]);
    let fixed = ok(app, &["fix"]);
    assert!(fixed.contains("moved "), "the plan moved nothing:\n{fixed}");
    let (_, after) = check(app);
    // A plain plan keeps boto3 and requests on INIT for their module-level
    // clients: what is left is LMM005 on those clients, the advice that
    // `--unsafe-fixes` carries out. Nothing the plan keeps is LMM001/002.
    assert_eq!(codes(&after), BTreeSet::from(["LMM005"]), "{after:#?}\n{fixed}");

    // The same project with its plan set aside is judged as before again.
    std::fs::rename(app.join(".lmms/plan.json"), app.join("plan.json.aside")).unwrap();
    let (_, alone) = check(app);
    assert!(has(&alone, "LMM001", "lambda_function.py", "boto3"), "{alone:#?}");
    assert!(has(&alone, "LMM002", "lambda_function.py", "features.models"), "{alone:#?}");
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn check_passes_after_plan_and_fix_with_unsafe_fixes() {
    let dir = heavy_app_copy();
    let app = dir.path();
    profile_and_usage(app);
    ok(app, &["plan", "--unsafe-fixes"]);
    let fixed = ok(app, &["fix", "--unsafe-fixes"]);
    let (code, after) = check(app);
    assert_eq!(code, Some(0), "check contradicts plan and fix:\n{after:#?}\n{fixed}");
}
