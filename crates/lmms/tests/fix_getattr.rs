//! PEP 562 (issue 10, item 1): with `--unsafe-fixes`, a module-level import
//! other modules read moves into the module's functions and stays a module
//! attribute through a module `__getattr__`, unless a reader is eager at
//! INIT, patches or rebinds it, star-imports a module without `__all__`, or
//! the module binds its own `__getattr__` other than by one plain `def`
//! (a plain one is merged with): then it is kept and the skip says why. One project per reader kind; each snapshot holds the report and the
//! rewritten module, and each test runs `main.py` before and after with the
//! real interpreter and requires the same output.

use std::path::Path;
use std::process::Command;

use insta_cmd::get_cargo_bin;

mod common;
use common::lmms_ok;

/// `pkg.markup` is the "heavy" module; `pkg.runtime` imports it at module
/// level and uses it in a function. `app` is the entry.
const MARKUP: &str = "class Markup(str):\n    def shout(self):\n        return Markup(self.upper())\n";
const RUNTIME: &str = "from pkg.markup import Markup\n\n\ndef render(s):\n    return Markup(s)\n";
const CONFIG: &str = "entry = \"app:handler\"\npython = \"python3\"\nsrc = [\".\"]\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let base: [(&str, &str); 4] =
        [("lmms.toml", CONFIG), ("pkg/__init__.py", ""), ("pkg/markup.py", MARKUP), ("pkg/runtime.py", RUNTIME)];
    for (rel, text) in base.iter().filter(|(r, _)| !files.iter().any(|(f, _)| f == r)).chain(files) {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn python(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("python3").args(args).current_dir(dir).env("PYTHONDONTWRITEBYTECODE", "1").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Whether importing the entry loads `pkg.markup`.
fn markup_at_init(dir: &Path) -> bool {
    python(dir, &["-c", "import sys, app; print('pkg.markup' in sys.modules)"]).trim() == "True"
}

/// Run `fix --unsafe-fixes --lazy pkg.markup -- pkg` on `files`; return the
/// report, `pkg/runtime.py` after, and whether it was rewritten. `main.py`
/// prints the same before and after.
fn fix(files: &[(&str, &str)]) -> (String, bool, tempfile::TempDir) {
    let dir = project(files);
    let before_src = std::fs::read_to_string(dir.path().join("pkg/runtime.py")).unwrap();
    let before = python(dir.path(), &["main.py"]);
    let stdout = run_fix(dir.path());
    let after_src = std::fs::read_to_string(dir.path().join("pkg/runtime.py")).unwrap();
    assert_eq!(python(dir.path(), &["main.py"]), before, "main.py prints something else after the fix:\n{after_src}");
    let snap = format!("{stdout}\n--- pkg/runtime.py after ---\n{after_src}");
    (snap, after_src != before_src, dir)
}

fn run_fix(dir: &Path) -> String {
    lmms_ok(dir, &["fix", "--unsafe-fixes", "--lazy", "pkg.markup", "--", "pkg"])
}

fn lazy(name: &str, files: &[(&str, &str)]) {
    let (snap, rewritten, dir) = fix(files);
    assert!(rewritten, "{snap}");
    let again = run_fix(dir.path());
    assert!(again.contains("moved 0 imports in 0 files"), "a second run is not a no-op:\n{again}");
    assert!(snap.contains("def __getattr__("), "{snap}");
    assert!(!markup_at_init(dir.path()), "the entry still loads pkg.markup at INIT:\n{snap}");
    insta::assert_snapshot!(name, snap);
}

fn kept(name: &str, files: &[(&str, &str)], why: &str) {
    let (snap, rewritten, _dir) = fix(files);
    assert!(!rewritten, "{snap}");
    assert!(snap.contains("read through the module's namespace") && snap.contains(why), "the skip must say {why}:\n{snap}");
    insta::assert_snapshot!(name, snap);
}

const MAIN: &str = "import app\n\nprint(app.handler({}, None))\n";

#[test]
fn a_from_import_in_a_function_of_another_module_is_served_by_module_getattr() {
    let plugins = "def escape(s):\n    from pkg.runtime import Markup\n    return Markup(s).shout()\n";
    let app = "from pkg import plugins, runtime\n\n\ndef handler(event, context):\n    return [runtime.render('a'), plugins.escape('b')]\n";
    lazy("from_import_in_function", &[("pkg/plugins.py", plugins), ("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn an_attribute_read_in_a_function_is_served_by_module_getattr() {
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return pkg.runtime.Markup('x').shout()\n";
    lazy("attribute_in_function", &[("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn a_module_level_from_import_in_a_module_not_loaded_at_init_is_served_by_module_getattr() {
    let report = "from pkg.runtime import Markup\n\n\ndef monthly():\n    return Markup('m').shout()\n";
    let app = "def handler(event, context):\n    from pkg import report\n    return report.monthly()\n";
    lazy("from_import_outside_init", &[("pkg/report.py", report), ("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn a_star_import_of_a_name_in_dunder_all_is_served_by_module_getattr() {
    let runtime = "from pkg.markup import Markup\n\n__all__ = [\"Markup\", \"render\"]\n\n\ndef render(s):\n    return Markup(s)\n";
    let app = "def handler(event, context):\n    from pkg import star\n    return star.both()\n";
    let star = "from pkg.runtime import *\n\n\ndef both():\n    return [render('a'), Markup('b').shout()]\n";
    lazy("star_import_with_dunder_all", &[("pkg/runtime.py", runtime), ("pkg/star.py", star), ("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn a_value_built_at_import_that_others_read_becomes_a_getter_served_by_module_getattr() {
    let runtime = "from pkg.markup import Markup\n\nBANNER = Markup(\"hello\")\n\n\ndef render(s):\n    return BANNER + s\n";
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return [pkg.runtime.render('!'), pkg.runtime.BANNER.shout()]\n";
    lazy("getter_value_read_as_attribute", &[("pkg/runtime.py", runtime), ("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn a_from_import_eager_at_init_keeps_the_import_and_names_the_reader() {
    let app = "from pkg.runtime import Markup\n\n\ndef handler(event, context):\n    return Markup('x').shout()\n";
    kept("from_import_eager_at_init", &[("app.py", app), ("main.py", MAIN)], "app.py:1 (from-import: `from pkg.runtime import Markup`): it runs at import time");
}

#[test]
fn a_mock_patch_target_keeps_the_import() {
    let app = "from pkg import runtime\n\n\ndef handler(event, context):\n    return runtime.render('x')\n";
    let main = "from unittest import mock\n\nimport app\n\nwith mock.patch(\"pkg.runtime.Markup\", str.title):\n    print(app.handler({}, None))\n";
    kept("mock_patch_target", &[("app.py", app), ("main.py", main)], "a patch of the module attribute would not reach");
}

#[test]
fn a_monkeypatched_name_keeps_the_import() {
    let app = "from pkg import runtime\n\n\ndef handler(event, context):\n    return runtime.render('x')\n";
    let test = "import pkg.runtime\n\n\ndef test_render(monkeypatch):\n    monkeypatch.setattr(pkg.runtime, \"Markup\", str.title)\n    assert pkg.runtime.render('x') == 'X'\n";
    kept("monkeypatch_setattr", &[("app.py", app), ("tests/test_runtime.py", test), ("main.py", MAIN)], "it sets or patches the module attribute");
}

#[test]
fn a_star_import_of_a_module_without_dunder_all_keeps_the_import() {
    let app = "def handler(event, context):\n    from pkg import star\n    return star.f()\n";
    let star = "from pkg.runtime import *\n\n\ndef f():\n    return Markup('b').shout()\n";
    kept("star_import_without_dunder_all", &[("pkg/star.py", star), ("app.py", app), ("main.py", MAIN)], "only asks `__getattr__` for names in `__all__`");
}

/// The user's own `__getattr__`, with everything a merge must keep: its
/// lazy names, its recursion through `__getattr__`, its `AttributeError`
/// message, a module global (`sys`) it reads, and `__dir__`.
const OWN_GETATTR: &str = "import sys\n\nfrom pkg.markup import Markup\n\n_LAZY = {\"LAZY\": \"lazy value\"}\n\n\n\
    def render(s):\n    return Markup(s)\n\n\n\
    def __getattr__(name):\n    \"\"\"The module's own lazy names.\"\"\"\n\
    \x20   if name == \"OLD\":\n        return __getattr__(\"LAZY\")\n\
    \x20   if name == \"MAJOR\":\n        return sys.version_info[0] > 2\n\
    \x20   if name in _LAZY:\n        return _LAZY[name]\n\
    \x20   raise AttributeError(f\"pkg.runtime has no {name!r} (custom)\")\n\n\n\
    def __dir__():\n    return sorted([\"render\", \"Markup\", \"LAZY\", \"OLD\", \"MAJOR\"])\n";

/// Prints what the user's `__getattr__` and `__dir__` answer, before and after.
const MAIN_OWN_GETATTR: &str = "import app\nimport pkg.runtime as rt\n\n\
    print(app.handler({}, None))\n\
    print(rt.LAZY, rt.OLD, rt.MAJOR, hasattr(rt, \"missing\"))\n\
    try:\n    rt.nope\nexcept AttributeError as e:\n    print(type(e).__name__, e)\n\
    print(dir(rt))\n\
    from pkg.runtime import Markup\n\
    print(Markup is rt.Markup, rt.__getattr__(\"LAZY\"))\n";

#[test]
fn a_module_with_its_own_plain_getattr_is_merged_with_and_its_own_names_behave_as_before() {
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return pkg.runtime.Markup('x').shout()\n";
    lazy("own_module_getattr_merged", &[("pkg/runtime.py", OWN_GETATTR), ("app.py", app), ("main.py", MAIN_OWN_GETATTR)]);
}

/// The user's `__getattr__` takes `attr`, reads the moved name itself, and
/// the module serves two names (an import and a value a getter builds):
/// the lookup runs first, then the import the move puts in the function.
#[test]
fn a_merged_getattr_that_reads_the_moved_name_and_serves_two_names_behaves_as_before() {
    let runtime = "from pkg.markup import Markup\n\nBANNER = Markup(\"hello\")\n\n\n\
        def render(s):\n    return BANNER + s\n\n\n\
        def __getattr__(attr):\n    if attr == \"LOUD\":\n        return Markup(\"loud\").shout()\n\
        \x20   raise AttributeError(attr)\n";
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    \
        return [pkg.runtime.render('!'), pkg.runtime.BANNER.shout(), pkg.runtime.Markup('m'), pkg.runtime.LOUD]\n";
    let main = "import app\nimport pkg.runtime\n\nprint(app.handler({}, None))\n\
        try:\n    pkg.runtime.nope\nexcept AttributeError as e:\n    print(repr(e))\n";
    lazy("own_module_getattr_two_names", &[("pkg/runtime.py", runtime), ("app.py", app), ("main.py", main)]);
}

/// Each way of binding `__getattr__` that a merge cannot prove safe keeps
/// the import, and the skip says how the module binds it. One snapshot per
/// case; `fix` checks that `main.py` prints the same before and after.
#[test]
fn a_getattr_bound_other_than_by_one_plain_def_keeps_the_import_and_says_how_it_is_bound() {
    let head = "import functools\nimport sys\n\nfrom pkg.markup import Markup\n\n\ndef render(s):\n    return Markup(s)\n\n\n";
    let lookup = "def _lookup(name):\n    raise AttributeError(name)\n";
    let cases: [(&str, String, &str); 6] = [
        ("assigned", format!("{head}{lookup}\n\n__getattr__ = _lookup\n"), "assigned or deleted at line 15"),
        (
            "conditional",
            format!("{head}if sys.version_info >= (3, 7):\n    def __getattr__(name):\n        raise AttributeError(name)\n"),
            "defined under a module-level if/try/with/for at line 12",
        ),
        (
            "decorated",
            format!("{head}@functools.lru_cache(maxsize=None)\ndef __getattr__(name):\n    raise AttributeError(name)\n"),
            "decorated at line 11",
        ),
        ("imported", format!("{head}from pkg.lookup import __getattr__  # noqa: E402\n"), "imported at line 11"),
        (
            "setattr",
            format!("{head}{lookup}\n\nsetattr(sys.modules[__name__], \"__getattr__\", _lookup)\n"),
            "set by `setattr(…, \"__getattr__\", …)` at line 15",
        ),
        (
            "global_in_function",
            format!("{head}def install():\n    global __getattr__\n    __getattr__ = _lookup\n\n\n{lookup}\n\ninstall()\n"),
            "rebound by a function (`global __getattr__`) at line 12",
        ),
    ];
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return pkg.runtime.Markup('x').shout()\n";
    let lookup_mod = "def __getattr__(name):\n    raise AttributeError(name)\n";
    for (name, runtime, how) in &cases {
        let files = [("pkg/runtime.py", runtime.as_str()), ("pkg/lookup.py", lookup_mod), ("app.py", app), ("main.py", MAIN)];
        let why = format!("the module's own `__getattr__` is {how}, so a lazy attribute cannot be merged into it safely");
        kept(&format!("own_module_getattr_refused_{name}"), &files, &why);
    }
}

#[test]
fn a_public_name_of_a_package_init_that_the_package_only_re_exports_is_served_by_module_getattr() {
    let init = "from pkg.markup import Markup\n";
    let app = "import pkg\n\n\ndef handler(event, context):\n    return pkg.Markup('x').shout()\n";
    let (snap, _, dir) = fix(&[("pkg/__init__.py", init), ("app.py", app), ("main.py", MAIN)]);
    let after = std::fs::read_to_string(dir.path().join("pkg/__init__.py")).unwrap();
    assert!(after.contains("def __getattr__(name):") && !after.starts_with("from"), "{snap}\n{after}");
    assert!(!markup_at_init(dir.path()), "{after}");
    insta::assert_snapshot!("package_api_re_export", format!("{snap}\n--- pkg/__init__.py after ---\n{after}"));
}

/// Issue 10, item 3's last clause: an import nobody reads (not the file, not
/// another module, not `__all__`, not a package's API) is removed under
/// `--unsafe-fixes`, reported as unsafe with its module; one another module
/// reads is not removed but served by `__getattr__`.
#[test]
fn an_import_nothing_reads_is_removed_as_unsafe_and_one_read_elsewhere_is_not() {
    let unread = "import csv  # noqa: F401\nimport sqlite3  # noqa: F401\n\n\ndef f():\n    return 1\n";
    let app = "from pkg import unread\n\n\ndef handler(event, context):\n    return [unread.f(), unread.csv.QUOTE_ALL]\n";
    let dir = project(&[("pkg/unread.py", unread), ("app.py", app), ("main.py", MAIN)]);
    let before = python(dir.path(), &["main.py"]);
    let out = Command::new(get_cargo_bin("lmms"))
        .args(["fix", "--unsafe-fixes", "--lazy", "csv", "sqlite3", "--", "pkg"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let after = std::fs::read_to_string(dir.path().join("pkg/unread.py")).unwrap();
    assert_eq!(python(dir.path(), &["main.py"]), before, "{after}");
    assert!(stdout.contains("pkg/unread.py:2: moved sqlite3 → removed [unsafe]"), "{stdout}");
    assert!(stdout.contains("importing `sqlite3` can have side effects"), "{stdout}");
    insta::assert_snapshot!("unread_import_removed", format!("{stdout}\n--- pkg/unread.py after ---\n{after}"));
}

/// Issue 10, item 1's entry points: `importlib.metadata` loads
/// `pkg.runtime:Markup` as `getattr(import_module("pkg.runtime"), "Markup")`,
/// which no source shows. Without `--unsafe-fixes` the import is kept naming
/// `pyproject.toml`; with it, `__getattr__` serves the entry point.
#[test]
fn an_entry_point_in_pyproject_reads_its_attribute() {
    let pyproject = "[project]\nname = \"pkg\"\nversion = \"0\"\n\n[project.entry-points.\"pkg.formats\"]\nmarkup = \"pkg.runtime:Markup\"\n";
    let main = "import importlib\n\nimport app\n\n\
        spec = [l for l in open(\"pyproject.toml\") if l.startswith(\"markup\")][0].split('\"')[1]\n\
        module, _, attr = spec.partition(\":\")\n\
        print(app.handler({}, None), getattr(importlib.import_module(module), attr)(\"ep\").shout())\n";
    let app = "from pkg import runtime\n\n\ndef handler(event, context):\n    return runtime.render('x')\n";
    let files = [("pyproject.toml", pyproject), ("app.py", app), ("main.py", main)];
    let dir = project(&files);
    let out = Command::new(get_cargo_bin("lmms"))
        .args(["fix", "--diff", "--lazy", "pkg.markup", "--", "pkg"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("`Markup` is read by pyproject.toml:6 (entry point: `pkg.runtime:Markup`)"), "{stdout}");
    drop(dir);
    lazy("entry_point", &files);
}

/// The first fix serves `pkg.Environment` through `pkg/__init__.py`'s
/// `__getattr__`, so `pkg/env.py` leaves the static import-time closure; it
/// still loads as soon as the API is touched, so its module-level reader of
/// `pkg.defaults.FILTERS` keeps that import, and the second fix changes
/// nothing.
#[test]
fn a_second_fix_after_a_served_package_api_changes_nothing() {
    let dir = project(&[
        ("app.py", "import pkg\n\n\ndef handler(event, context):\n    return pkg.Environment().render(event)\n"),
        ("main.py", "import app\n\nprint(app.handler('x', None))\n"),
        ("pkg/__init__.py", "from .env import Environment\n"),
        ("pkg/env.py", "from pkg.defaults import FILTERS\n\n\nclass Environment:\n    def render(self, s):\n        return FILTERS(s).shout()\n"),
        ("pkg/defaults.py", "from pkg.markup import Markup as FILTERS\n"),
    ]);
    let before = python(dir.path(), &["main.py"]);
    let fix = |dir: &Path| lmms_ok(dir, &["fix", "--unsafe-fixes", "--lazy", "pkg.env", "--lazy", "pkg.markup", "--", "pkg"]);
    let first = fix(dir.path());
    let init = std::fs::read_to_string(dir.path().join("pkg/__init__.py")).unwrap();
    assert!(init.contains("def __getattr__(name):"), "{first}\n{init}");
    assert_eq!(python(dir.path(), &["main.py"]), before);
    let again = fix(dir.path());
    assert!(again.contains("moved 0 imports in 0 files"), "a second run is not a no-op:\n{again}");
    assert_eq!(python(dir.path(), &["main.py"]), before);
}

/// Issue 10, item 1's `__all__` in every form: `from pkg.runtime import *`
/// asks `__getattr__` for each name `__all__` lists, however it was built.
fn star_with_dunder_all(name: &str, dunder_all: &str, extra: &[(&str, &str)]) {
    let runtime = format!("from pkg.markup import Markup\n\n{dunder_all}\n\n\ndef render(s):\n    return Markup(s)\n");
    let app = "def handler(event, context):\n    from pkg import star\n    return star.both()\n";
    let star = "from pkg.runtime import *\n\n\ndef both():\n    return [render('a'), Markup('b').shout()]\n";
    let mut files = vec![("pkg/runtime.py", runtime.as_str()), ("pkg/star.py", star), ("app.py", app), ("main.py", MAIN)];
    files.extend_from_slice(extra);
    lazy(name, &files);
}

#[test]
fn dunder_all_extended_by_plus_equals_is_served_by_module_getattr() {
    star_with_dunder_all("dunder_all_plus_equals", "__all__ = [\"render\"]\n__all__ += [\"Markup\"]", &[]);
}

#[test]
fn dunder_all_extended_by_extend_is_served_by_module_getattr() {
    star_with_dunder_all("dunder_all_extend", "__all__ = [\"render\"]\n__all__.extend([\"Markup\"])", &[]);
}

#[test]
fn dunder_all_extended_by_append_is_served_by_module_getattr() {
    star_with_dunder_all("dunder_all_append", "__all__ = [\"render\"]\n__all__.append(\"Markup\")", &[]);
}

#[test]
fn dunder_all_imported_from_another_module_is_served_by_module_getattr() {
    let names = ("pkg/names.py", "__all__ = [\"Markup\", \"render\"]\n");
    star_with_dunder_all("dunder_all_imported", "from pkg.names import __all__  # noqa: F401", &[names]);
}

#[test]
fn a_getattr_with_a_literal_name_in_a_function_is_served_by_module_getattr() {
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return getattr(pkg.runtime, \"Markup\")('x').shout()\n";
    lazy("getattr_literal_in_function", &[("app.py", app), ("main.py", MAIN)]);
}

#[test]
fn a_setattr_with_a_literal_name_keeps_the_import() {
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    setattr(pkg.runtime, \"Markup\", str)\n    return pkg.runtime.render('x')\n";
    kept("setattr_literal", &[("app.py", app), ("main.py", MAIN)], "it sets or patches the module attribute");
}

#[test]
fn an_import_module_literal_read_in_a_function_is_served_by_module_getattr() {
    let app = "import importlib\n\n\ndef handler(event, context):\n    runtime = importlib.import_module(\"pkg.runtime\")\n    return runtime.Markup('x').shout()\n";
    lazy("import_module_literal", &[("app.py", app), ("main.py", MAIN)]);
}

/// `import pkg.markup` in `pkg.runtime` sets `pkg.markup` on the package;
/// `app` only imports `pkg` and relies on that attribute.
#[test]
fn a_submodule_another_module_reaches_through_its_package_keeps_the_import() {
    let runtime = "import pkg.markup\n\n\ndef render(s):\n    return pkg.markup.Markup(s)\n";
    let app = "import pkg\nimport pkg.runtime\n\n\ndef handler(event, context):\n    return pkg.markup.Markup('x').shout()\n";
    kept("submodule_attribute", &[("pkg/runtime.py", runtime), ("app.py", app), ("main.py", MAIN)], "submodule");
}

/// The merged lookup binds the moved name inside the user's function; a
/// parameter of the same name would be overwritten before it is used.
#[test]
fn a_getattr_whose_parameter_has_the_moved_name_keeps_the_import() {
    let runtime = "from pkg.markup import Markup\n\n\ndef render(s):\n    return Markup(s)\n\n\n\
        def __getattr__(Markup):\n    raise AttributeError(Markup)\n";
    let app = "import pkg.runtime\n\n\ndef handler(event, context):\n    return pkg.runtime.Markup('x').shout()\n";
    let why = "the module's own `__getattr__` is a `def` whose parameter has the moved name's name";
    kept("own_module_getattr_refused_parameter_name", &[("pkg/runtime.py", runtime), ("app.py", app), ("main.py", MAIN)], why);
}
