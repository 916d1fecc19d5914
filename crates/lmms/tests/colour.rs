//! One colour policy for every renderer: `--color` wins, then `NO_COLOR`,
//! then `FORCE_COLOR`, then whether stdout is a terminal (never, here).

use std::path::Path;
use std::process::Command;

fn run(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lmms"));
    c.current_dir(dir).env_remove("NO_COLOR").env_remove("FORCE_COLOR").env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.args(args).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c < 2), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "import boto3\n\ndef handler(event, context):\n    return 1\n").unwrap();
    std::fs::write(dir.path().join("lmms.toml"), "entry = \"app:handler\"\n[heavy]\nboto3 = 300\n").unwrap();
    std::fs::write(dir.path().join("report.log"), "REPORT RequestId: a\tDuration: 2.0 ms\tInit Duration: 300.0 ms\n")
        .unwrap();
    dir
}

/// Every renderer this policy covers: check's three text forms, rule, usage.
const COMMANDS: &[&[&str]] = &[
    &["check"],
    &["check", "--format", "concise"],
    &["check", "--statistics"],
    &["rule", "LMM001"],
    &["rule", "--all"],
];

#[test]
fn without_a_terminal_nothing_is_coloured() {
    let dir = project();
    for cmd in COMMANDS {
        assert!(!run(dir.path(), &[], cmd).contains('\x1b'), "{cmd:?}");
    }
}

#[test]
fn force_color_colours_every_renderer_without_a_terminal() {
    let dir = project();
    for cmd in COMMANDS {
        let out = run(dir.path(), &[("FORCE_COLOR", "1")], cmd);
        assert!(out.contains("\x1b["), "{cmd:?} not coloured: {out}");
    }
}

#[test]
fn no_color_beats_force_color_and_the_flag_beats_both() {
    let dir = project();
    let both = [("FORCE_COLOR", "1"), ("NO_COLOR", "1")];
    assert!(!run(dir.path(), &both, &["check"]).contains('\x1b'));
    assert!(run(dir.path(), &both, &["--color", "always", "check"]).contains("\x1b["));
    assert!(!run(dir.path(), &[("FORCE_COLOR", "1")], &["--color", "never", "check"]).contains('\x1b'));
}

#[test]
fn usage_text_takes_its_styles_from_the_same_policy() {
    let dir = project();
    std::fs::write(dir.path().join("app.py"), "import json\n").unwrap();
    std::fs::write(
        dir.path().join("tracker.log"),
        "{\"lmms_usage\": 1, \"cold\": true, \"m\": {\"json\": 1}}\nREPORT RequestId: a\tDuration: 2.0 ms\n",
    )
    .unwrap();
    let coloured = run(dir.path(), &[("FORCE_COLOR", "1")], &["usage", "--logs", "tracker.log"]);
    assert!(coloured.contains("\x1b[1mIMPORT"), "{coloured}");
    let plain = run(dir.path(), &[("NO_COLOR", "1")], &["usage", "--logs", "tracker.log"]);
    assert!(!plain.contains('\x1b') && plain.contains("IMPORT"), "{plain}");
}

#[test]
fn quiet_usage_prints_the_tables_only() {
    let dir = project();
    std::fs::write(dir.path().join("app.py"), "import json\n").unwrap();
    std::fs::write(
        dir.path().join("tracker.log"),
        "{\"lmms_usage\": 1, \"cold\": true, \"m\": {\"json\": 1}}\nREPORT RequestId: a\tDuration: 2.0 ms\n",
    )
    .unwrap();
    let normal = run(dir.path(), &[], &["usage", "--logs", "tracker.log"]);
    assert!(normal.contains("\nwrote "), "{normal}");
    let out = Command::new(env!("CARGO_BIN_EXE_lmms"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["-q", "usage", "--logs", "tracker.log"])
        .output()
        .unwrap();
    let quiet = String::from_utf8(out.stdout).unwrap();
    assert_eq!(quiet, normal[..normal.find("\nwrote ").unwrap()]);
    insta::assert_snapshot!(quiet);
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn quiet_and_verbose_together_are_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_lmms")).args(["-q", "-v", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_profile_report_takes_its_styles_from_the_same_policy() {
    let dir = project();
    std::fs::write(dir.path().join("app.py"), "import json\n\ndef handler(event, context):\n    return 1\n").unwrap();
    let args = ["profile", "--runs", "1", "--python", "python3"];
    let coloured = run(dir.path(), &[("FORCE_COLOR", "1")], &args);
    assert!(coloured.starts_with("\x1b[1mlmms profile\x1b[0m"), "{coloured}");
    assert!(!run(dir.path(), &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")], &args).contains('\x1b'));
}
