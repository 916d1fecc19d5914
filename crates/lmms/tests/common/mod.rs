//! Helpers every CLI test binary shares. Each binary uses a subset, hence
//! the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}

/// What running an app leaves behind; never part of a copied app.
const GENERATED: &[&str] = &[".lmms", "__pycache__", ".pytest_cache"];

/// Copy an app or fixture tree, without the artifacts of earlier runs.
pub fn copy_app(from: &Path, to: &Path) {
    copy_dir_except(from, to, &|_| false);
}

/// [`copy_app`], also skipping entries whose name `skip` accepts.
pub fn copy_dir_except(from: &Path, to: &Path, skip: &dyn Fn(&str) -> bool) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        let n = name.to_string_lossy();
        if GENERATED.contains(&n.as_ref()) || skip(&n) {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir_except(&e.path(), &to.join(&name), skip);
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

/// Escape a literal for an insta filter regex.
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// `lmms ARGS` in `dir`, uncoloured and outside any venv the test runner
/// happens to be in, run to completion.
pub fn lmms_output(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lmms"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("VIRTUAL_ENV")
        .args(args)
        .output()
        .unwrap()
}

/// [`lmms_output`] that must exit 0: its stdout (stdout and stderr in the
/// failure message otherwise).
#[allow(dead_code)]
pub fn lmms_ok(dir: &Path, args: &[&str]) -> String {
    let out = lmms_output(dir, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "lmms {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// `examples/heavy_app` copied into a temporary directory, its `python` key
/// pointed at the repository's `.venv-heavy` (which the caller's
/// `#[ignore = "needs .venv-heavy …"]` requires).
#[allow(dead_code)]
pub fn heavy_app_copy() -> tempfile::TempDir {
    let python = repo_root().join(".venv-heavy/bin/python");
    assert!(python.exists(), "{} missing: run scripts/heavy-venv.sh", python.display());
    let dir = tempfile::tempdir().unwrap();
    copy_app(&repo_root().join("examples/heavy_app"), dir.path());
    let toml = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    let toml: String = toml
        .lines()
        .map(|l| if l.starts_with("python =") { format!("python = {:?}", python.display().to_string()) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.path().join("pyproject.toml"), toml + "\n").unwrap();
    dir
}
