//! `lmms completions SHELL` and `lmms man`: generated from the clap
//! definition, usable from any directory (even one whose config is broken).

use std::io::Write;
use std::process::{Command, Stdio};

use insta_cmd::get_cargo_bin;

const SUBCOMMANDS: &[&str] = &[
    "profile",
    "check",
    "rule",
    "usage",
    "runtime",
    "plan",
    "fast-path",
    "fix",
    "bench",
    "report",
    "functions",
    "schema",
    "completions",
    "man",
];

/// Runs `lmms ARGS` in a directory whose `pyproject.toml` is broken: the
/// generators must not read it.
fn lmms_in_broken_project(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.lmms]\nnot a key = \n").unwrap();
    Command::new(get_cargo_bin("lmms"))
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap()
}

fn stdout_of(args: &[&str]) -> String {
    let out = lmms_in_broken_project(args);
    assert!(
        out.status.success(),
        "lmms {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What bash offers after `lmms WORD<TAB>` with the generated script loaded.
fn bash_candidates(script: &str, word: &str) -> Vec<String> {
    let probe = format!(
        "source /dev/stdin\ncomplete -p lmms >/dev/null\n\
         COMP_WORDS=(lmms '{word}'); COMP_CWORD=1; COMP_LINE='lmms {word}'; COMP_POINT=${{#COMP_LINE}}\n\
         _lmms lmms '{word}' lmms\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n"
    );
    let mut child = Command::new("bash")
        .args(["-c", &probe])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completion_offers_the_subcommands_that_match_a_prefix() {
    let script = stdout_of(&["completions", "bash"]);
    let mut got = bash_candidates(&script, "f");
    got.sort();
    assert_eq!(got, ["fast-path", "fix", "functions"]);
    assert!(bash_candidates(&script, "").iter().any(|c| c == "completions"));
}

#[test]
fn every_shell_gets_a_script_that_names_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error_that_lists_the_shells() {
    let out = lmms_in_broken_project(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tcsh") && err.contains("bash") && err.contains("zsh"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn man_page_is_roff_with_the_description_and_every_subcommand() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH lmms 1"));
    assert!(page.contains(".SH NAME") && page.contains("Make Python programs start fast"));
    assert!(page.contains(".SH SUBCOMMANDS"));
    for sub in SUBCOMMANDS {
        let entry = format!("lmms\\-{}(1)", sub.replace('-', "\\-"));
        assert!(page.contains(&entry), "no {entry} in the man page");
    }
}

#[test]
#[ignore = "needs man (man-db) to render the page"]
fn man_page_renders_with_man() {
    let page = stdout_of(&["man"]);
    let mut child = Command::new("man")
        .args(["-l", "-"])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`man` (man-db) is needed to render the page");
    child.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SUBCOMMANDS") && text.contains("fast-path"), "{text}");
}
