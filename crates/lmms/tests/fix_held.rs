//! The unit of a move is the module (issue 10, item 3), decided over the
//! whole program: `lmms fix` takes back a move whose module another file
//! keeps loaded at INIT, naming that file's import, `file:line`, and one
//! whose module the rewritten entry still loads at INIT (a decorator calls
//! the function the import would move into); two moves that each leave the
//! other's module as the only holder both happen. The test runs the program
//! before and after with the real interpreter.

use std::path::Path;
use std::process::Command;

mod common;
use common::{copy_app, lmms_ok};

fn python(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("python3").args(args).current_dir(dir).env("PYTHONDONTWRITEBYTECODE", "1").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The project modules importing the entry loads.
fn at_init(dir: &Path) -> String {
    python(dir, &["-c", "import sys, app; print(sorted(m for m in sys.modules if m.startswith('pkg.')))"])
}

fn fix(dir: &Path) -> String {
    lmms_ok(dir, &["fix", "--lazy", "pkg.heavy", "pkg.table", "pkg.codec", "--", "pkg"])
}

#[test]
fn a_move_whose_module_stays_loaded_at_init_is_not_made() {
    let dir = tempfile::tempdir().unwrap();
    copy_app(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/held"), dir.path());
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let service = read("pkg/service.py");
    let plugins = read("pkg/plugins.py");
    let before = python(dir.path(), &["main.py"]);
    let init_before = at_init(dir.path());

    let stdout = fix(dir.path());
    // `pkg/registry.py` subclasses `Base` at import, so `pkg.heavy` stays on
    // INIT: moving service's import would save nothing.
    assert!(
        stdout.contains("pkg/service.py:1: skipped pkg.heavy: module stays loaded (`from pkg.heavy import Base` at pkg/registry.py:1"),
        "{stdout}"
    );
    assert_eq!(read("pkg/service.py"), service, "service.py was rewritten:\n{stdout}");
    assert!(!read("pkg/service.py").contains("# lazy:"));
    // `@register` in app.py calls `register` at import, which would import
    // `pkg.codec` there: only the rewritten tree, run, shows it.
    assert!(
        stdout.contains("pkg/plugins.py:1: skipped pkg.codec: module stays loaded (importing the entry with the rewrite still loads `pkg.codec` at INIT"),
        "{stdout}"
    );
    assert_eq!(read("pkg/plugins.py"), plugins, "plugins.py was rewritten:\n{stdout}");
    // Neither `pkg.table` import holds the module once the other moves.
    assert!(read("pkg/report.py").contains("def render():\n    from pkg.table import fmt"), "{stdout}");
    assert!(read("pkg/summary.py").contains("def total():\n    from pkg import table"), "{stdout}");

    assert_eq!(python(dir.path(), &["main.py"]), before);
    let init_after = at_init(dir.path());
    assert!(init_before.contains("'pkg.table'") && !init_after.contains("'pkg.table'"), "{init_after}");
    assert!(init_after.contains("'pkg.heavy'") && init_after.contains("'pkg.codec'"), "{init_after}");
    let again = fix(dir.path());
    assert!(again.contains("moved 0 imports in 0 files"), "a second run is not a no-op:\n{again}");
    insta::assert_snapshot!(stdout);
}
