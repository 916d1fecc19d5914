//! Two identical trees, measured by `lmms bench`'s scheduler with the real
//! `python3`, compare 1.0× within noise — even when one of them starts with
//! a bytecode cache and the other without, under `PYTHONDONTWRITEBYTECODE`
//! (a fresh `--against` worktree next to the user's tree on a machine that
//! sets it): there, the copy without a cache compiled on every start and the
//! A/A ratio was 0.47× on jinja2.

use std::path::Path;
use std::time::Duration;

use lmms_bench::{scheduler, Setup, Variant};
use lmms_profile::progress::NoProgress;
use lmms_profile::runner::{ProcessRunner, RunSpec, Runner};

/// An app whose INIT is mostly compiling one big module when no `.pyc` is
/// cached (about 10× its cached import).
fn app(dir: &Path) {
    let big: String = (0..3000).map(|i| format!("def f{i}(x):\n    y = x * {i} + len(str(x))\n    return [y, \"s{i}\"]\n")).collect();
    std::fs::write(dir.join("big.py"), big).unwrap();
    std::fs::write(dir.join("app.py"), "import big\n\ndef handler(event, context):\n    return big.f1(1)\n").unwrap();
}

fn python(dir: &Path, args: &[&str], no_bytecode: bool) {
    let mut spec = RunSpec::new("python3").cwd(dir).args(args.iter().copied()).timeout(Duration::from_secs(60));
    spec = spec.env("PYTHONDONTWRITEBYTECODE", if no_bytecode { "1" } else { "" });
    let out = ProcessRunner.run(&spec).unwrap();
    assert!(out.success(), "{}", out.stderr_text());
}

#[test]
fn identical_trees_compare_one_to_one_when_only_one_has_a_bytecode_cache() {
    let (cached, fresh) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    app(cached.path());
    app(fresh.path());
    python(cached.path(), &["-c", "import app"], false);
    assert!(cached.path().join("__pycache__").is_dir());
    let setup = Setup {
        python: "python3".into(),
        module: "app".into(),
        handler: "handler".into(),
        events: Vec::new(),
        runs: 12,
        timeout: Duration::from_secs(60),
        warmup: true,
        env: vec![("PYTHONDONTWRITEBYTECODE".into(), "1".into())],
    };
    let (a, b) = (Variant::of(cached.path(), &[".".into()]), Variant::of(fresh.path(), &[".".into()]));
    let s = scheduler::measure(&ProcessRunner, &setup, &[("cached", &a), ("fresh", &b)], &NoProgress).unwrap();
    let ratio = lmms_stats::paired_ratio(&s[0].init_ms, &s[1].init_ms).unwrap();
    // Compiling on every start made this 1.66× at load average 11 (more when idle). Adjacent starts share the load,
    // so 25% is robust on a loaded machine (paired A/A medians there stayed within 11% at 30 runs).
    assert!((0.8..1.25).contains(&ratio), "fresh/cached paired ratio {ratio:.3}: {:?} vs {:?}", s[1].init_ms, s[0].init_ms);
    assert!(fresh.path().join("__pycache__").is_dir(), "the warm-up wrote the fresh tree's cache");
}
