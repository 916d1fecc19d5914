//! `lmms fix` end to end: plan-driven and ad hoc rewrites, `--diff`,
//! `--unsafe-fixes`, py315, JSON output, and what is never written.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

mod common;
use common::{copy_app, regex_escape};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix")
}

/// A private copy of the fixture app, with the plan in `.lmms/`.
fn app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&fixtures().join("app"), dir.path());
    std::fs::create_dir_all(dir.path().join(".lmms")).unwrap();
    std::fs::copy(fixtures().join("plan.json"), dir.path().join(".lmms/plan.json")).unwrap();
    dir
}

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn snapshot_tree(dir: &Path) -> Vec<(String, String)> {
    ["handler.py", "pkg/tools.py", "pkg/broken.py"].iter().map(|f| (f.to_string(), read(dir, f))).collect()
}

#[test]
fn diff_shows_the_plan_without_writing_and_exits_1() {
    let dir = app();
    let before = snapshot_tree(dir.path());
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--diff"]));
    assert_eq!(snapshot_tree(dir.path()), before, "--diff wrote files");
}

#[test]
fn force_color_colours_the_diff_like_git_and_no_color_keeps_it_byte_identical() {
    let dir = app();
    let run = |env: &[(&str, &str)]| {
        let mut c = lmms(dir.path());
        c.env_remove("NO_COLOR").env_remove("FORCE_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            c.env(k, v);
        }
        String::from_utf8(c.args(["fix", "--diff"]).output().unwrap().stdout).unwrap()
    };
    let coloured = run(&[("FORCE_COLOR", "1")]);
    for want in ["\x1b[1m--- a/handler.py\x1b[0m\n", "\x1b[1m+++ b/handler.py\x1b[0m\n", "\x1b[36m@@ -1,7 +1,6 @@\x1b[0m\n"] {
        assert!(coloured.contains(want), "{want:?} missing: {coloured}");
    }
    assert!(coloured.contains("\x1b[31m-import csv\x1b[0m\n"), "{coloured}");
    assert!(coloured.contains("\x1b[32m+    import csv  # lazy"), "{coloured}");
    assert!(coloured.contains("\n import json\n"), "context lines stay plain: {coloured}");
    let plain = run(&[("NO_COLOR", "1")]);
    assert!(!plain.contains('\x1b'));
    // Without a terminal (these tests' stdout) nothing is coloured either.
    assert_eq!(run(&[]), plain);
}

#[test]
fn quiet_keeps_the_diff_and_the_result_lines() {
    let dir = app();
    assert_cmd_snapshot!(lmms(dir.path()).args(["-q", "fix", "--diff"]));
}

#[test]
fn applying_the_plan_writes_once_and_a_second_run_changes_nothing() {
    let dir = app();
    let out = lmms(dir.path()).arg("fix").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let handler = read(dir.path(), "handler.py");
    assert!(handler.contains("    import csv  # lazy: 142 ms, used by 7% of requests (T4)\n"), "{handler}");
    // json is only reachable with --unsafe-fixes (CLIENT is built at import).
    assert!(handler.starts_with("\"\"\"A handler whose cold imports move into the functions that use them.\"\"\"\nimport json\n"));
    assert!(lmms_python::parse_module(&handler).syntax_errors.is_empty());
    assert_eq!(read(dir.path(), "pkg/broken.py"), read(&fixtures().join("app"), "pkg/broken.py"));

    let after_first = snapshot_tree(dir.path());
    assert_cmd_snapshot!("second_run", lmms(dir.path()).arg("fix"));
    assert_eq!(snapshot_tree(dir.path()), after_first, "second run rewrote something");
}

#[test]
fn unsafe_fixes_turn_the_module_level_client_into_a_getter() {
    let dir = app();
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--unsafe-fixes", "--diff"]));
}

#[test]
fn json_report_lists_moves_skips_and_the_predicted_change() {
    let dir = app();
    let out = lmms(dir.path()).args(["fix", "--format", "json", "--diff"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], "lmms.fix/1");
    let mut doc = doc;
    doc["verification"]["seconds"] = "[seconds]".into();
    insta::assert_json_snapshot!(doc);
}

#[test]
fn the_predicted_change_quotes_one_series_and_one_sign() {
    // `--simulate` measured today's tree at 121 ms and the fixed one at
    // 142 ms; the profile's INIT (320 ms) is another series and must not
    // stand beside the simulated figure, and a slower plan reads `+17%`.
    let dir = app();
    let path = dir.path().join(".lmms/plan.json");
    let mut plan: serde_json::Value = serde_json::from_str(&read(dir.path(), ".lmms/plan.json")).unwrap();
    let s = |m: f64| serde_json::json!({"median": m, "mad": 1.0, "min": m - 2.0, "max": m + 2.0});
    plan["simulation"] = serde_json::json!({"runs": 5, "current_init_ms": s(121.0), "predicted_init_ms": s(142.0),
        "project_own_ms": 0.0, "improvement_pct": -17.4, "target_pct": 40.0, "meets_target": false});
    plan["predicted_init_ms"] = s(142.0);
    plan["unsafe_fixes"] = true.into();
    std::fs::write(&path, plan.to_string()).unwrap();
    let out = lmms(dir.path()).args(["fix", "--diff", "--no-verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("predicted INIT change")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("(121 ms → 142 ms planned, +17%, from `lmms plan --simulate`'s"), "{line}");
    assert!(text.contains("note: the plan was made for `--unsafe-fixes`"), "{text}");
    let out = lmms(dir.path()).args(["fix", "--diff", "--no-verify", "--format", "json"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let summary = &doc["summary"];
    assert_eq!((summary["current_init_ms"].as_f64(), summary["predicted_init_ms"].as_f64()), (Some(121.0), Some(142.0)));
    assert_eq!(summary["prediction_series"], "simulate");
}

#[test]
fn ad_hoc_lazy_needs_no_plan_and_reports_unparsable_files() {
    let dir = app();
    std::fs::remove_dir_all(dir.path().join(".lmms")).unwrap();
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--lazy", "csv", "decimal"]));
    let tools = read(dir.path(), "pkg/tools.py");
    assert!(tools.contains("def rows(text):\n    import csv  # lazy: deferred by lmms fix --lazy\n"), "{tools}");
}

#[test]
fn py315_target_writes_lazy_imports_in_place() {
    let dir = app();
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--diff", "--target-version", "py315", "--lazy", "csv"]));
}

#[test]
fn missing_plan_is_a_usage_error_naming_the_remedy() {
    let dir = app();
    std::fs::remove_dir_all(dir.path().join(".lmms")).unwrap();
    let tmp = regex_escape(&dir.path().display().to_string());
    insta::with_settings!({ filters => vec![(tmp.as_str(), "[APP]")] }, {
        assert_cmd_snapshot!(lmms(dir.path()).arg("fix"));
    });
}

#[test]
fn plan_with_the_wrong_schema_is_rejected() {
    let dir = app();
    std::fs::write(dir.path().join(".lmms/plan.json"), r#"{"schema": "lmms.usage/1", "imports": []}"#).unwrap();
    let out = lmms(dir.path()).arg("fix").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected \"lmms.plan/1\""));
}

#[test]
fn written_files_keep_their_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = app();
    let f = dir.path().join("handler.py");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o750)).unwrap();
    let out = lmms(dir.path()).arg("fix").output().unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::metadata(&f).unwrap().permissions().mode() & 0o777, 0o750);
}

#[test]
fn entry_imports_hot_modules_through_an_existing_fast_path() {
    let dir = app();
    std::fs::write(dir.path().join("fast_path.py"), "import os  # 0.0 ms, 100% of requests\n\n__all__ = [\"os\"]\n").unwrap();
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--diff"]));
    let out = lmms(dir.path()).arg("fix").output().unwrap();
    assert!(out.status.success());
    let handler = read(dir.path(), "handler.py");
    assert!(handler.contains("\nfrom fast_path import os\n"), "{handler}");
    let again = lmms(dir.path()).args(["fix", "--diff"]).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "second run would change: {}", String::from_utf8_lossy(&again.stdout));
}

/// `--lazy features.models` names one module: the relative `from .models
/// import X` in `other/` resolves to `other.models` and is left alone, however
/// its text ends.
#[test]
fn lazy_module_means_that_module_not_any_import_ending_in_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("app.py", "from features.models import X\n\n\ndef handler(event, context):\n    return X(event)\n"),
        ("features/models.py", "class X:\n    def __init__(self, event):\n        self.event = event\n"),
        ("other/models.py", "class X:\n    pass\n"),
        ("other/use.py", "from .models import X\n\n\ndef make():\n    return X()\n"),
    ];
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    assert_cmd_snapshot!(lmms(dir.path()).args(["fix", "--lazy", "features.models", "--diff"]));
    assert_eq!(read(dir.path(), "other/use.py"), files[3].1);
}

/// The plan names statements by byte range: once the file changes, its rows
/// are refused (nothing is re-found by line) until `lmms plan` runs again.
#[test]
fn plan_rows_of_a_file_changed_since_the_plan_are_refused() {
    let dir = app();
    let handler = dir.path().join("handler.py");
    let edited = format!("# a comment added after the plan\n{}", read(dir.path(), "handler.py"));
    std::fs::write(&handler, &edited).unwrap();
    let out = lmms(dir.path()).arg("fix").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("plan entry not found in the source (stale plan? rerun `lmms plan`): handler.py:4 csv"),
        "{stdout}"
    );
    assert_eq!(read(dir.path(), "handler.py"), edited, "a stale row was applied");
    // The unchanged file's rows still apply.
    assert!(read(dir.path(), "pkg/tools.py").contains("    import csv  # lazy:"), "{stdout}");
}
