//! `lmms fix` keeps a module-level binding another module reads (issue 10,
//! item 1): one minimal project per failure class of `corpus/repros/`. Each
//! asserts the skip names the reader, `file:line`, that nothing is written,
//! and that the program still prints what it printed before.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::get_cargo_bin;

mod common;
use common::copy_app;

fn project(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/namespace").join(name);
    copy_app(&src, dir.path());
    dir
}

fn python(dir: &Path) -> String {
    let out = Command::new("python3").arg("main.py").current_dir(dir).output().expect("python3 on PATH");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `fix --lazy MODULE -- pkg` must skip `file`'s import with a reason naming
/// `reader`, write nothing, and leave the program's output unchanged.
fn kept(name: &str, module: &str, file: &str, reader: &str) {
    let dir = project(name);
    let before_src = std::fs::read_to_string(dir.path().join(file)).unwrap();
    let before = python(dir.path());
    let out = Command::new(get_cargo_bin("lmms"))
        .args(["fix", "--lazy", module, "--", "pkg"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("read through the module's namespace"), "{stdout}");
    assert!(stdout.contains(reader), "the skip must name {reader}:\n{stdout}");
    assert_eq!(std::fs::read_to_string(dir.path().join(file)).unwrap(), before_src, "{file} was rewritten");
    assert_eq!(python(dir.path()), before);
}

#[test]
fn a_name_re_exported_by_a_non_init_module_is_kept() {
    kept("reexport", "pkg.utils", "pkg/runtime.py", "pkg/ext.py:1 (from-import: `from pkg.runtime import concat`)");
}

#[test]
fn a_module_attribute_another_module_rebinds_is_kept() {
    kept("rebound", "pkg._compat", "pkg/utils.py", "pkg/testing.py:5 (attribute: `utils.strip`)");
}

#[test]
fn a_name_a_test_monkeypatches_is_kept() {
    kept("monkeypatch", "pkg._compat", "pkg/termui.py", "tests/test_termui.py:5 (attribute by name: `pkg.termui, \"isatty\"`)");
}

#[test]
fn a_name_imported_by_generated_code_is_kept() {
    kept("generated", "html", "pkg/runtime.py", "pkg/compiler.py:6 (generated import: `\"from pkg.runtime import …\"`)");
}
