use std::collections::BTreeMap;

use lmms_profile::doc::{ModuleProfile, Origin, ProfileDoc, PythonInfo};
use lmms_profile::progress::{NoProgress, Recorder};
use lmms_profile::runner::{RunOutput, ScriptedRunner};
use lmms_stats::Summary;

use super::*;

fn ready(after_ms: u64) -> RunOutput {
    RunOutput {
        status: Some(0),
        stderr: format!("\n@@lmms@@ begin\n@@lmms@@ ready {} 1000 10\n", after_ms * 1_000_000).into_bytes(),
        spawned_at_ns: 0,
        ..Default::default()
    }
}

fn spec(cwd: &str) -> EntrySpec {
    EntrySpec {
        python: "python3".into(),
        cwd: cwd.into(),
        src_roots: vec![cwd.into()],
        module: "app".into(),
        handler: "handler".into(),
        timeout: Duration::from_secs(5),
        importtime: false,
        env: vec![("TABLE_NAME".into(), "t".into())],
    }
}

#[test]
fn both_trees_warm_up_once_then_alternate_in_abba_order() {
    // warm-up today, warm-up fixed, then A B, B A, A B.
    let outs = [900, 90, 1000, 100, 110, 1010, 1020, 120].map(ready);
    let runner = ScriptedRunner::new(outs);
    let progress = Recorder::default();
    let (today, fixed) = measure(&runner, &progress, &spec("/today"), &spec("/fixed"), 3).unwrap();
    assert_eq!(today, vec![1000.0, 1010.0, 1020.0]);
    assert_eq!(fixed, vec![100.0, 110.0, 120.0]);
    let cwds: Vec<String> = runner.seen.borrow().iter().map(|s| s.cwd.as_ref().unwrap().display().to_string()).collect();
    assert_eq!(cwds, ["/today", "/fixed", "/today", "/fixed", "/fixed", "/today", "/today", "/fixed"]);
    assert!(runner.seen.borrow().iter().all(|s| s.env.iter().any(|(k, _)| k == "TABLE_NAME")), "both get the env");
    let bytecode: Vec<Option<String>> = runner
        .seen
        .borrow()
        .iter()
        .map(|s| s.env.iter().rev().find(|(k, _)| k == "PYTHONDONTWRITEBYTECODE").map(|(_, v)| v.to_string_lossy().into()))
        .collect();
    assert_eq!(bytecode[..3], [Some(String::new()), Some(String::new()), None], "warm-ups write the bytecode cache");
    let steps = progress.steps();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!((steps[0].len, steps[0].done, steps[0].finished), (8, 8, true), "one unit per start, warm-ups too");
    assert_eq!(steps[0].label, "measuring today's and the fixed tree's INIT, 3 interleaved runs each");
}

#[test]
fn a_failed_start_ends_the_measuring_step() {
    let runner = ScriptedRunner::new([ready(900)]);
    let progress = Recorder::default();
    assert!(measure(&runner, &progress, &spec("/today"), &spec("/fixed"), 2).is_err());
    let steps = progress.steps();
    assert_eq!((steps[0].len, steps[0].done, steps[0].finished), (6, 2, true), "{steps:?}");
}

/// Every file under `root`, by content.
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.insert(p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    files
}

fn module(name: &str, origin: Origin, self_ms: f64, chain: &[&str]) -> ModuleProfile {
    let s = |ms: f64| Summary { median: ms, mad: 0.0, min: ms, max: ms };
    ModuleProfile {
        name: name.into(),
        origin,
        file: None,
        self_ms: s(self_ms),
        cumulative_ms: s(self_ms),
        imported_by: (chain.len() > 1).then(|| chain[chain.len() - 2].to_string()),
        chain: chain.iter().map(|c| c.to_string()).collect(),
        seen_in_runs: 1,
        dynamic: None,
        importers: Vec::new(),
    }
}

/// `app.py` imports json (2 ms) and sqlite3 (150 ms, T4), which only the
/// handler uses: the plan defers sqlite3.
fn project() -> (tempfile::TempDir, Inputs) {
    let dir = tempfile::tempdir().unwrap();
    let src = "import json\nimport sqlite3\n\ndef handler(event, context):\n    return sqlite3.sqlite_version\n";
    std::fs::write(dir.path().join("app.py"), src).unwrap();
    std::fs::create_dir_all(dir.path().join(".lmms")).unwrap();
    std::fs::write(dir.path().join(".lmms/profile.json"), "{}").unwrap();
    let s = |ms: f64| Summary { median: ms, mad: 0.0, min: ms, max: ms };
    let profile = ProfileDoc {
        schema: "lmms.profile/1".into(),
        entry: "app:handler".into(),
        python: PythonInfo { executable: "/opt/py/bin/python3".into(), version: "3.12.3".into() },
        runs: 10,
        init_ms: s(180.0),
        floor_ms: s(20.0),
        rss_mb: s(30.0),
        module_count: 3,
        modules: vec![
            module("app", Origin::Project, 1.0, &["app"]),
            module("sqlite3", Origin::Stdlib, 150.0, &["app", "sqlite3"]),
            module("json", Origin::Stdlib, 2.0, &["app", "json"]),
        ],
        profiled_at: "2026-12-01T10:00:00Z".into(),
        src: vec![],
        functions_at_init: Vec::new(),
        untimed_modules: Vec::new(),
    };
    let files = vec![lmms_plan::SourceFile {
        path: "app.py".into(),
        module: "app".into(),
        is_package: false,
        source: src.into(),
        parsed: lmms_python::parse_module(src),
    }];
    (dir, Inputs { profile, usage: None, files, previous: None, warnings: Vec::new(), unsafe_fixes: false, libraries: None })
}

fn input(root: &Path) -> SimulateInput {
    SimulateInput {
        root: root.to_path_buf(),
        src_roots: vec![root.to_path_buf()],
        exclude: Vec::new(),
        options: lmms_fix::Options { allow_unsafe: false, target: lmms_fix::Target::Classic, ..Default::default() },
        entry_module: Some("app".into()),
        fast_path_file: root.join("fast_path.py"),
        python: "/opt/py/bin/python3".into(),
        runs: 2,
        timeout: Duration::from_secs(5),
        env: Vec::new(),
        verify: None,
    }
}

#[test]
fn a_failed_measurement_names_the_series_and_leaves_the_project_as_it_was() {
    let (dir, inputs) = project();
    let before = tree(dir.path());
    // No scripted output: the verification's import check cannot start (it
    // is skipped), and the first measured start fails.
    let runner = ScriptedRunner::new([]);
    let verify = VerifyInput {
        python: Some("/opt/py/bin/python3".into()),
        entry: Some("app:handler".into()),
        start_timeout: Duration::from_secs(5),
        ..VerifyInput::default()
    };
    let inp = SimulateInput { verify: Some(verify), ..input(dir.path()) };
    let err = simulate(&runner, &NoProgress, &inputs, &Config::default(), &inp).err().unwrap();
    assert_eq!(err.to_string(), "measuring today's INIT with /opt/py/bin/python3");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(tree(dir.path()), before, "the user's tree is only read");
    let seen = runner.seen.borrow();
    let last = seen.last().unwrap().cwd.clone().unwrap();
    assert!(!last.starts_with(dir.path()), "today's tree is measured in a copy, not in place: {}", last.display());
    assert!(!last.exists(), "the copy is removed: {}", last.display());

    let zero = SimulateInput { runs: 0, ..input(dir.path()) };
    let err = simulate(&runner, &NoProgress, &inputs, &Config::default(), &zero).err().unwrap();
    assert_eq!(err.to_string(), "--runs must be at least 1");
}

#[test]
fn the_prediction_is_the_measured_init_of_the_copy_fix_rewrote_paired_with_today() {
    let (dir, inputs) = project();
    let before = tree(dir.path());
    // Warm-ups, then A B, B A.
    let runner = ScriptedRunner::new([900, 90, 1000, 100, 110, 1010].map(ready));
    let progress = Recorder::default();
    let sim = simulate(&runner, &progress, &inputs, &Config::default(), &input(dir.path())).unwrap();
    let s = sim.plan.simulation.as_ref().unwrap();
    // Today's median × the median of the pairs' ratios (100/1000, 110/1010).
    assert_eq!((s.current_init_ms.median, s.predicted_init_ms.median), (1005.0, 104.98));
    assert!(sim.plan.notes.iter().any(|n| n.contains("ratio of 2 interleaved pair(s): 0.104")), "{:?}", sim.plan.notes);
    assert_eq!(s.project_own_ms, 0.0);
    assert_eq!(sim.plan.predicted_init_ms, Some(s.predicted_init_ms));
    let p = sim.plan.prediction.as_ref().unwrap();
    assert_eq!(p.series, lmms_plan::plan::Series::Simulate);
    assert_eq!(sim.fix.summary.moved, 1, "{:?}", sim.fix.files.iter().map(|f| (&f.path, f.status)).collect::<Vec<_>>());
    assert!(sim.plan.notes.iter().any(|n| n.contains("`lmms fix` writes for this plan (1 import(s) moved in 1 file(s))")), "{:?}", sim.plan.notes);
    assert_eq!(tree(dir.path()), before, "the user's tree is only read");
    assert_eq!(s.verification, None, "--no-verify");
    assert!(sim.plan.notes.iter().any(|n| n.contains("not verified (--no-verify)")), "{:?}", sim.plan.notes);
    let labels: Vec<String> = progress.steps().into_iter().filter(|s| s.finished).map(|s| s.label).collect();
    assert!(labels.iter().any(|l| l.starts_with("measuring today's and the fixed tree's INIT")), "{labels:?}");
    let seen = runner.seen.borrow();
    let (today, fixed) = (seen[0].cwd.clone().unwrap(), seen[1].cwd.clone().unwrap());
    assert_ne!(today, fixed);
    assert!(!today.exists() && !fixed.exists(), "both copies are removed");
}

#[test]
fn the_prediction_follows_the_pairs_when_the_machine_slows_down_midway() {
    // Both trees take 1.0× each other's time, but the second half of the run is twice as slow for both: medians of
    // the two series drift apart with the order of the samples, the pairs do not.
    let today = [100.0, 100.0, 200.0, 200.0, 200.0, 100.0];
    let fixed = [100.0, 101.0, 199.0, 200.0, 201.0, 99.0];
    let (planned, text) = paired(&today, &fixed).unwrap();
    let ratio = lmms_stats::median(&planned).unwrap() / lmms_stats::median(&today).unwrap();
    assert!((ratio - 1.0).abs() < 0.005, "{ratio}");
    assert!(text.contains("6 interleaved pair(s): 1.000, 95% interval 0.990–1.010"), "{text}");
    assert_eq!(paired(&[], &[]), None);
    assert!(!paired(&[100.0], &[90.0]).unwrap().1.contains("interval"), "no interval below 6 pairs");
}
