//! What a user sees when the configuration or the environment is wrong:
//! exit 2, the file, line and key at fault, no panic, no Rust `Debug` text,
//! and no artifact written or changed.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::lmms_output as lmms;


fn project(pyproject: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.py"), "import json\n\ndef handler(event, context):\n    return 1\n").unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), pyproject).unwrap();
    // A profile from an earlier, good run: no failed command may touch it.
    std::fs::create_dir(dir.path().join(".lmms")).unwrap();
    std::fs::write(dir.path().join(".lmms/profile.json"), "{\"earlier\": true}\n").unwrap();
    dir
}

fn assert_exit_2(out: &Output, needles: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "stderr does not contain {n:?}: {stderr}");
    }
    for leak in ["panicked", "Some(", "Os {", "kind:"] {
        assert!(!stderr.contains(leak), "Rust internals in: {stderr}");
    }
    stderr
}

fn assert_profile_untouched(dir: &Path) {
    assert_eq!(std::fs::read_to_string(dir.join(".lmms/profile.json")).unwrap(), "{\"earlier\": true}\n");
}

#[test]
fn valid_toml_spellings_of_the_lmms_table_are_read() {
    for text in ["[ tool.lmms ]\nentry = \"nope:handler\"\n", "[tool]\nlmms = {entry = \"nope:handler\"}\n"] {
        let dir = project(text);
        let out = lmms(dir.path(), &["profile", "--python", "/nonexistent/python"]);
        // The entry was read: the command got as far as the interpreter.
        let stderr = assert_exit_2(&out, &["/nonexistent/python"]);
        assert!(!stderr.contains("no entry point"), "{text}: {stderr}");
        assert_profile_untouched(dir.path());
    }
}

#[test]
fn a_broken_table_header_is_a_syntax_error_with_line_and_column() {
    let dir = project("[project]\nname = \"x\"\n[tool.lmms\nentry = \"app:handler\"\n");
    // The parent directories must not be searched instead.
    let out = lmms(dir.path(), &["check"]);
    assert_exit_2(&out, &["pyproject.toml:3:", "invalid TOML"]);
    assert_profile_untouched(dir.path());
}

#[test]
fn a_wrong_type_names_the_key_and_line() {
    let dir = project("[tool.lmms]\nentry = \"app:handler\"\nruns = \"five\"\n");
    let out = lmms(dir.path(), &["profile"]);
    assert_exit_2(&out, &["pyproject.toml:3:8: `runs` must be a whole number of runs, at least 1, got the string \"five\""]);
    assert_profile_untouched(dir.path());
}

#[test]
fn enumerated_values_outside_their_set_exit_2_listing_the_allowed_ones() {
    for (line, needles) in [
        ("target-version = \"py-3.15\"", &["`target-version`", "\"py3\", \"py315\"", "\"py-3.15\""][..]),
        ("policy = \"fast\"", &["`policy`", "\"lmms\", \"cost\""]),
    ] {
        let dir = project(&format!("[tool.lmms]\nentry = \"app:handler\"\n{line}\n"));
        for cmd in [&["fix", "--diff", "--lazy", "json"][..], &["plan"], &["check"]] {
            let out = lmms(dir.path(), cmd);
            assert_exit_2(&out, needles);
        }
        assert_eq!(std::fs::read_to_string(dir.path().join("app.py")).unwrap().lines().next(), Some("import json"));
        assert_profile_untouched(dir.path());
    }
}

#[test]
fn a_command_that_needs_no_config_ignores_a_broken_one() {
    let dir = project("[tool.lmms]\nentri = \"app:handler\"\n");
    let out = lmms(dir.path(), &["rule", "LMM001"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("LMM001"));
    // Commands that read it still name the key.
    assert_exit_2(&lmms(dir.path(), &["check"]), &["unknown key in [tool.lmms]: entri"]);
}

#[test]
fn a_directory_that_is_a_file_is_named_as_not_a_directory() {
    let dir = project("");
    let out = lmms(dir.path(), &["-C", "app.py", "check"]);
    let stderr = assert_exit_2(&out, &["-C app.py: not a directory"]);
    assert!(!stderr.contains("profile.json"), "{stderr}");
}

#[test]
fn a_virtual_env_without_an_interpreter_is_an_error_not_a_fallback() {
    let dir = project("[tool.lmms]\nentry = \"app:handler\"\n");
    let out = Command::new(env!("CARGO_BIN_EXE_lmms"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("VIRTUAL_ENV", "/nonexistent")
        .args(["profile", "--runs", "1"])
        .output()
        .unwrap();
    assert_exit_2(&out, &["VIRTUAL_ENV is /nonexistent", "/nonexistent/bin/python does not exist"]);
    assert_profile_untouched(dir.path());
}

/// Findings of `lmms check --format concise` over three files that each
/// import a declared-heavy module, with `per-file-ignores` set to `table`.
fn flagged_files(table: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for f in ["app.py", "other.py", "third.py"] {
        std::fs::write(dir.path().join(f), "import boto3\n").unwrap();
    }
    let config = format!("[tool.lmms]\n[tool.lmms.heavy]\nboto3 = 300\n[tool.lmms.per-file-ignores]\n{table}\n");
    std::fs::write(dir.path().join("pyproject.toml"), config).unwrap();
    let out = lmms(dir.path(), &["check", "--format", "concise", "--select", "LMM001"]);
    let mut files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("LMM001"))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn per_file_ignores_globs_support_alternatives_classes_and_dot_slash() {
    assert_eq!(flagged_files(""), ["app.py", "other.py", "third.py"]);
    assert_eq!(flagged_files("\"{app,other}.py\" = [\"LMM001\"]"), ["third.py"]);
    assert_eq!(flagged_files("\"[a]pp.py\" = [\"LMM001\"]"), ["other.py", "third.py"]);
    assert_eq!(flagged_files("\"./app.py\" = [\"LMM001\"]"), ["other.py", "third.py"]);
}

#[test]
fn a_per_file_ignores_pattern_that_is_no_glob_exits_2_naming_it() {
    let dir = project("[tool.lmms]\n[tool.lmms.per-file-ignores]\n\"{app.py\" = [\"LMM001\"]\n");
    assert_exit_2(&lmms(dir.path(), &["check"]), &["pyproject.toml", "`per-file-ignores`", "\"{app.py\" is not a glob"]);
    assert_profile_untouched(dir.path());
}
