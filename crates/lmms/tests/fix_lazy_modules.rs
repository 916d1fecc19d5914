//! `lmms fix --lazy-modules`: PEP 810's `__lazy_modules__` on every Python
//! version. The imports stay at module level; the list is sorted, merged
//! with a literal one, placed before the first import, and a rerun is a
//! no-op. The result must still compile on the interpreter at hand (3.11).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{copy_app, repo_root};

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lmms"));
    c.current_dir(dir).env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = lmms(dir).args(args).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "lmms {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn py_compile(file: &Path) {
    let out = Command::new("python3")
        .arg("-m")
        .arg("py_compile")
        .arg(file)
        .output()
        .expect("python3 is required");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

const APP: &str = r#""""Reports."""
from __future__ import annotations

import os
import pandas


def handler(event, context):
    return pandas.DataFrame(event["rows"]).to_json()
"#;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

#[test]
fn lazy_pandas_is_listed_in_lazy_modules_and_the_import_stays() {
    let dir = project(&[("app.py", APP)]);
    let out = run(dir.path(), &["fix", "--lazy-modules", "--lazy", "pandas"]);
    assert!(out.contains("app.py:5: moved pandas → __lazy_modules__"), "{out}");
    let app = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert_eq!(
        app,
        APP.replace("\nimport os\n", "\n__lazy_modules__ = [\"pandas\"]\n\nimport os\n"),
        "after the docstring and __future__, before the first import"
    );
    assert!(
        app.contains("\nimport pandas\n"),
        "the import stays at module level: {app}"
    );
    py_compile(&dir.path().join("app.py"));

    let again = run(dir.path(), &["fix", "--lazy-modules", "--lazy", "pandas"]);
    assert!(again.contains("moved 0 imports in 0 files"), "{again}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
        app,
        "a second run changes nothing"
    );
}

#[test]
fn an_existing_literal_list_is_merged_and_kept_sorted() {
    let src = "__lazy_modules__ = [\"b\"]\nimport b\nimport pandas\n\n\ndef f():\n    return pandas.DataFrame(), b\n";
    let dir = project(&[("app.py", src), ("b.py", "")]);
    run(dir.path(), &["fix", "--lazy-modules", "--lazy", "pandas"]);
    let app = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert_eq!(app, src.replace("[\"b\"]", "[\"b\", \"pandas\"]"));
    py_compile(&dir.path().join("app.py"));
}

#[test]
fn a_tuple_stays_a_tuple_and_names_a_dotted_module_in_full() {
    let src = "__lazy_modules__ = (\"b\",)\nimport os.path\n\n\ndef f():\n    return os.path.join\n";
    let dir = project(&[("app.py", src)]);
    run(dir.path(), &["fix", "--lazy-modules", "--lazy", "os.path"]);
    let app = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
    assert!(
        app.starts_with("__lazy_modules__ = (\"b\", \"os.path\")\nimport os.path\n"),
        "{app}"
    );
}

#[test]
fn a_computed_or_late_list_is_skipped_with_its_reason() {
    for (src, why) in [
        (
            "__lazy_modules__ = sorted([\"b\"])\nimport pandas\n\n\ndef f():\n    return pandas\n",
            "is not a literal list",
        ),
        (
            "import pandas\n__lazy_modules__ = [\"b\"]\n\n\ndef f():\n    return pandas\n",
            "after this import",
        ),
    ] {
        let dir = project(&[("app.py", src)]);
        let out = run(dir.path(), &["fix", "--lazy-modules", "--lazy", "pandas"]);
        assert!(out.contains("skipped pandas") && out.contains(why), "{out}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("app.py")).unwrap(),
            src,
            "nothing written"
        );
    }
}

fn fix_fixtures() -> PathBuf {
    repo_root().join("crates/lmms/tests/fixtures/fix")
}

#[test]
fn the_plan_is_applied_as_lazy_modules_without_moving_imports() {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&fix_fixtures().join("app"), dir.path());
    std::fs::create_dir_all(dir.path().join(".lmms")).unwrap();
    std::fs::copy(fix_fixtures().join("plan.json"), dir.path().join(".lmms/plan.json")).unwrap();
    let before = std::fs::read_to_string(dir.path().join("handler.py")).unwrap();
    let out = run(dir.path(), &["fix", "--lazy-modules"]);
    assert!(
        out.contains("handler.py:") && out.contains("→ __lazy_modules__"),
        "{out}"
    );
    let after = std::fs::read_to_string(dir.path().join("handler.py")).unwrap();
    assert!(after.contains("__lazy_modules__ = [\"csv\"]\n"), "{after}");
    // Every import line of the original is still there, unchanged.
    for line in before
        .lines()
        .filter(|l| l.starts_with("import ") || l.starts_with("from "))
    {
        assert!(after.lines().any(|l| l == line), "{line:?} moved:\n{after}");
    }
    py_compile(&dir.path().join("handler.py"));
    let again = run(dir.path(), &["fix", "--lazy-modules"]);
    assert!(again.contains("moved 0 imports"), "{again}");
    assert_eq!(std::fs::read_to_string(dir.path().join("handler.py")).unwrap(), after);
}

#[test]
fn lazy_modules_and_a_target_version_are_exclusive() {
    let dir = project(&[("app.py", APP)]);
    let out = lmms(dir.path())
        .args(["fix", "--lazy-modules", "--target-version", "py315", "--lazy", "pandas"])
        .output();
    assert_eq!(out.unwrap().status.code(), Some(2));
}
