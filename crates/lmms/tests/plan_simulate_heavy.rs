//! The fast estimate of `lmms plan` checked against `lmms plan --simulate`
//! (the plan applied by `lmms fix` in a shadow copy and measured) on
//! `examples/heavy_app`, from one profile and one usage measurement.
//!
//! Needs the app's virtualenv (`scripts/heavy-venv.sh` → `.venv-heavy`), so
//! it is ignored by default.

use std::path::Path;

use insta_cmd::get_cargo_bin;

mod common;
use common::heavy_app_copy;

/// How far the estimate's predicted share of today's INIT may be from the
/// simulation's, in percentage points of today's INIT. Both series measure
/// today's INIT too, so comparing shares cancels the machine's drift between
/// them. What is left: the estimate subtracts profile-tree costs measured
/// with `-X importtime` (which inflates them), and the simulated INIT after
/// the fix is a small figure (~5% of today's) whose noise on a loaded machine
/// is a few ms; ten points of today's INIT cover both with room, and still
/// fail an estimator that misses a whole library (boto3 alone is >30 points).
const TOLERANCE_POINTS: f64 = 10.0;

fn lmms(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(get_cargo_bin("lmms"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("VIRTUAL_ENV")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "lmms {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `predicted / current` of a plan's `prediction`, and its series.
fn share(plan: &serde_json::Value) -> (f64, String) {
    let p = &plan["prediction"];
    let share = p["predicted_init_ms"].as_f64().unwrap() / p["current_init_ms"].as_f64().unwrap();
    (share, p["series"].as_str().unwrap().to_string())
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn heavy_app_fast_estimate_is_within_ten_points_of_the_simulated_fix() {
    let dir = heavy_app_copy();
    let app = dir.path();

    lmms(app, &["profile", "--runs", "5", "--format", "json"]);
    lmms(app, &["usage", "--events", "events/recorded.jsonl", "--format", "json"]);
    let simulated = lmms(app, &["plan", "--simulate", "--unsafe-fixes", "--runs", "5", "--format", "json"]);
    let estimated = lmms(app, &["plan", "--unsafe-fixes", "--format", "json"]);
    assert_eq!(simulated["hot_set"], estimated["hot_set"], "one profile, one plan");
    let (sim, series) = share(&simulated);
    assert_eq!(series, "simulate");
    let (est, series) = share(&estimated);
    assert_eq!(series, "profile");
    let points = 100.0 * (est - sim).abs();
    eprintln!("estimate {:.1}% of today's INIT, simulate {:.1}%: {points:.1} points apart", 100.0 * est, 100.0 * sim);
    assert!(
        points <= TOLERANCE_POINTS,
        "the estimate predicts {:.1}% of today's INIT, the simulated fix measures {:.1}%\nestimate notes: {}\nsimulate notes: {}",
        100.0 * est,
        100.0 * sim,
        estimated["notes"],
        simulated["notes"]
    );
}
