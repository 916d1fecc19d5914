//! `--simulate`'s measurement of two identical trees with the real
//! `python3`: both shadow copies start without a bytecode cache, and under
//! `PYTHONDONTWRITEBYTECODE` they compiled every module on every start, so
//! INIT measured the compiler. The warm-ups write both caches.

use std::path::Path;
use std::time::Duration;

use lmms_profile::measure::EntrySpec;
use lmms_profile::progress::NoProgress;
use lmms_profile::runner::ProcessRunner;

/// An app whose INIT is mostly compiling one big module when no `.pyc` is cached.
fn app(dir: &Path) -> EntrySpec {
    let big: String = (0..3000).map(|i| format!("def f{i}(x):\n    y = x * {i} + len(str(x))\n    return [y, \"s{i}\"]\n")).collect();
    std::fs::write(dir.join("big.py"), big).unwrap();
    std::fs::write(dir.join("app.py"), "import big\n\ndef handler(event, context):\n    return big.f1(1)\n").unwrap();
    EntrySpec {
        python: "python3".into(),
        cwd: dir.canonicalize().unwrap(),
        src_roots: vec![dir.canonicalize().unwrap()],
        module: "app".into(),
        handler: "handler".into(),
        timeout: Duration::from_secs(60),
        importtime: false,
        env: vec![("PYTHONDONTWRITEBYTECODE".into(), "1".into())],
    }
}

#[test]
fn identical_copies_are_measured_from_written_bytecode_caches_and_compare_one_to_one() {
    let (today, fixed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (app(today.path()), app(fixed.path()));
    let (t, f) = lmms_simulate::measure(&ProcessRunner, &NoProgress, &a, &b, 12).unwrap();
    assert!(today.path().join("__pycache__").is_dir() && fixed.path().join("__pycache__").is_dir());
    let ratio = lmms_stats::paired_ratio(&t, &f).unwrap();
    // Adjacent starts share the machine's load: 25% is robust on a loaded machine.
    assert!((0.8..1.25).contains(&ratio), "fixed/today paired ratio {ratio:.3}: {f:?} vs {t:?}");
}
