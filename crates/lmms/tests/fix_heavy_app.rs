//! The LMMS loop on `examples/heavy_app` (a private copy; examples/ is never
//! modified): the plan `lmms plan` produced for it → `fix --unsafe-fixes` →
//! the app's own pytest suite passes unchanged, a second fix is a no-op, and
//! INIT falls by at least the seeds' 60%.
//!
//! Needs the app's virtualenv (`scripts/heavy-venv.sh` → `.venv-heavy`), so
//! it is ignored by default; `--include-ignored` without the venv fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use insta_cmd::get_cargo_bin;
use lmms_profile::runner::{ProcessRunner, RunSpec, Runner};

mod common;
use common::{heavy_app_copy, repo_root};

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir).env("NO_COLOR", "1").env_remove("VIRTUAL_ENV");
    c
}

fn pytest(python: &Path, dir: &Path) -> (bool, String) {
    let spec = RunSpec::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])
        .cwd(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .timeout(Duration::from_secs(300));
    let out = ProcessRunner.run(&spec).unwrap();
    (out.success(), out.stdout_text() + &out.stderr_text())
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn heavy_app_fix_keeps_tests_green_is_idempotent_and_cuts_init_by_60_percent() {
    let dir = heavy_app_copy();
    let app = dir.path();
    let python = repo_root().join(".venv-heavy/bin/python");
    std::fs::create_dir_all(app.join(".lmms")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix/heavy_app_plan.json"),
        app.join(".lmms/plan.json"),
    )
    .unwrap();
    let tests_before: Vec<(PathBuf, String)> = std::fs::read_dir(app.join("tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read_to_string(&p).unwrap()))
        .collect();

    let (ok, log) = pytest(&python, app);
    assert!(ok, "the app's tests fail before the fix:\n{log}");
    let bench = |extra: &[&str]| {
        let mut c = lmms(app);
        c.args(["bench", "--runs", "3", "--events", "events/ping.json", "--format", "json"]).args(extra);
        c.output().unwrap()
    };
    let out = bench(&["--save-baseline"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = lmms(app).args(["fix", "--unsafe-fixes"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("moved boto3 → _s3 [unsafe]"), "{text}");
    assert!(text.contains("moved requests → _session, fetch [unsafe]"), "{text}");

    let (ok, log) = pytest(&python, app);
    assert!(ok, "the app's tests fail after the fix:\n{log}");
    for (p, before) in &tests_before {
        assert_eq!(&std::fs::read_to_string(p).unwrap(), before, "fix touched the tests");
    }

    let again = lmms(app).args(["fix", "--unsafe-fixes", "--diff"]).output().unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "second run would change something:\n{text}");
    assert!(text.contains("would move 0 imports in 0 files"), "{text}");

    let out = bench(&["--fail-under", "60"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let init = &doc["metrics"][0];
    assert_eq!(init["name"], "init");
    assert_eq!(out.status.code(), Some(0), "INIT fell by less than 60%: {init}");
}
