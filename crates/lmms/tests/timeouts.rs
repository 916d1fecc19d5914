//! Every timeout a user can write (flag or config) is validated before any
//! process starts: `inf`, `nan`, huge, zero and negative values exit 2 with
//! the cause, never a panic (exit 101), and no artifact is written.

use std::process::Output;

mod common;
use common::lmms_output as lmms;


fn app(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "def handler(event, context):\n    return 1\n").unwrap();
    std::fs::write(dir.path().join("lmms.toml"), format!("entry = \"app:handler\"\n{config}")).unwrap();
    dir
}


fn assert_usage_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(needle), "stderr does not name {needle:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn timeout_flags_that_are_not_a_positive_finite_duration_exit_2() {
    let dir = app("");
    for value in ["inf", "1e20", "1e30", "nan", "0", "-1", "five"] {
        let flag = format!("--timeout={value}");
        for cmd in [&["profile", &flag][..], &["bench", &flag], &["usage", "--events", "e.json", &flag]] {
            let out = lmms(dir.path(), cmd);
            assert_usage_error(&out, "--timeout");
        }
    }
    assert!(!dir.path().join(".lmms").exists(), "nothing may be written");
}

#[test]
fn config_timeout_inf_is_an_error_naming_the_key_in_every_command() {
    let dir = app("timeout = inf\n");
    for cmd in [&["profile"][..], &["bench"], &["plan", "--simulate"], &["check"]] {
        let out = lmms(dir.path(), cmd);
        assert_usage_error(&out, "`timeout`");
    }
    assert!(!dir.path().join(".lmms").exists(), "nothing may be written");
}
