//! `lmms check` and `lmms rule` end to end: one fixture project per rule,
//! every output format, bad input. Fixtures declare import times in their
//! `heavy` tables, so the output is deterministic and snapshotted exactly.

use std::path::PathBuf;
use std::process::Command;

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name)
}

fn check(name: &str, args: &[&str]) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(fixture(name))
        .arg("check")
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("VIRTUAL_ENV");
    c
}

fn rule(args: &[&str]) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.arg("rule").args(args);
    c
}

#[test]
fn heavy_imports_on_the_hot_path_and_their_chains() {
    assert_cmd_snapshot!(check("heavy", &[]));
}

#[test]
fn imports_in_loops() {
    assert_cmd_snapshot!(check("loops", &[]));
}

#[test]
fn import_time_calls_on_heavy_libraries() {
    assert_cmd_snapshot!(check("calls", &["--select", "LMM005"]));
}

#[test]
fn entry_module_must_use_fast_path() {
    assert_cmd_snapshot!(check("fastpath", &[]));
}

#[test]
fn over_lazy_imports_from_costs_and_usage() {
    assert_cmd_snapshot!(check("overlazy", &["--usage", "usage.json"]));
}

#[test]
fn syntax_errors_bad_encodings_and_per_file_ignores() {
    assert_cmd_snapshot!(check("bad_input", &[]));
}

#[test]
fn concise_format() {
    assert_cmd_snapshot!(check("heavy", &["--format", "concise"]));
}

#[test]
fn json_format() {
    assert_cmd_snapshot!(check("heavy", &["--format", "json"]));
}

#[test]
fn sarif_format() {
    let mut cmd = check("heavy", &["--format", "sarif", "--select", "LMM002"]);
    insta::with_settings!({filters => vec![(r#""version": "\d+\.\d+\.\d+""#, r#""version": "[VERSION]""#)]}, {
        assert_cmd_snapshot!(cmd);
    });
}

#[test]
fn github_format() {
    assert_cmd_snapshot!(check("heavy", &["--format", "github"]));
}

#[test]
fn statistics() {
    assert_cmd_snapshot!(check("heavy", &["--statistics"]));
}

#[test]
fn statistics_as_json() {
    assert_cmd_snapshot!(check("heavy", &["--statistics", "--format", "json"]));
}

#[test]
fn colour_when_forced() {
    assert_cmd_snapshot!(check("heavy", &["--color", "always", "--select", "LMM002"]));
}

#[test]
fn select_and_ignore_narrow_the_rules() {
    assert_cmd_snapshot!(check(
        "heavy",
        &["--format", "concise", "--select", "LMM00", "--ignore", "LMM001"]
    ));
}

#[test]
fn clean_project_exits_zero() {
    assert_cmd_snapshot!(check("heavy", &["--select", "LMM004"]));
}

#[test]
fn unknown_selector_is_a_usage_error() {
    assert_cmd_snapshot!(check("heavy", &["--select", "XYZ9"]));
}

#[test]
fn missing_path_is_a_usage_error() {
    assert_cmd_snapshot!(check("heavy", &["does/not/exist.py"]));
}

#[test]
fn rule_prints_its_documentation() {
    assert_cmd_snapshot!(rule(&["LMM001"]));
}

#[test]
fn rule_prints_a_fast_path_rules_documentation() {
    assert_cmd_snapshot!(rule(&["LMM101"]));
}

#[test]
fn a_retired_code_prints_its_successor() {
    assert_cmd_snapshot!(rule(&["LMM006"]));
}

#[test]
fn rule_all_lists_every_code() {
    assert_cmd_snapshot!(rule(&["--all"]));
    let out = rule(&["--all"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut codes: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let n = codes.len();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), n, "codes are unique");
    assert!(!codes.contains(&"LMM006"), "retired codes are not listed");
}

#[test]
fn unknown_rule_is_a_usage_error() {
    assert_cmd_snapshot!(rule(&["LMM999"]));
}

#[test]
fn every_rule_doc_is_printable() {
    for code in [
        "LMM001", "LMM002", "LMM003", "LMM004", "LMM005", "LMM101", "LMM102", "LMM103", "LMM104",
        "LMM105", "LMM106", "LMM107", "LMM108", "LMM900", "LMM901",
    ] {
        let out = rule(&[code]).output().unwrap();
        assert!(out.status.success(), "{code}");
        let text = String::from_utf8(out.stdout).unwrap();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
        ] {
            assert!(text.contains(heading), "{code} lacks {heading}");
        }
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = check("heavy", &["--format", "sarif"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn chains_through_installed_packages() {
    assert_cmd_snapshot!(check("installed", &[]));
}

#[test]
fn profile_times_judge_imports_and_stdlib_pays_only_its_own_package() {
    assert_cmd_snapshot!(check("profiled", &["--profile", "profile.json"]));
}
