//! Which start runs when: unrecorded warm-up starts of every variant (one per
//! event type), then every run starts each variant once per event type,
//! alternating which variant goes first so order effects (page cache, CPU
//! frequency, load from other processes) fall on both alike.
//!
//! The warm-up starts write the bytecode cache even when the environment
//! sets `PYTHONDONTWRITEBYTECODE`: otherwise a tree that already had
//! `__pycache__` (the user's) is compared with one that compiles every module
//! on every start (a fresh `--against` worktree), and an A/A comparison of
//! two identical trees came out 0.47×. Stale caches (files `lmms fix` just
//! rewrote) are rewritten the same way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lmms_profile::progress::{Progress, Started};
use lmms_profile::runner::Runner;

use crate::doc::Samples;
use crate::executor::{start_once, Bytecode};
use crate::BenchError;

/// One tree to measure.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Directory the interpreter runs in (the project root in that tree).
    pub cwd: PathBuf,
    pub src_roots: Vec<PathBuf>,
}

impl Variant {
    /// The project at `project_root` with its configured source roots, as
    /// canonical paths (the interpreter sees the same `sys.path` in each tree).
    pub fn of(project_root: &Path, src: &[PathBuf]) -> Variant {
        let cwd = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
        let src_roots = src.iter().map(|p| cwd.join(p)).map(|p| std::fs::canonicalize(&p).unwrap_or(p)).collect();
        Variant { cwd, src_roots }
    }
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub python: PathBuf,
    pub module: String,
    pub handler: String,
    /// (event type, file).
    pub events: Vec<(String, PathBuf)>,
    pub runs: u32,
    pub timeout: Duration,
    /// Unrecorded starts of every variant and event type first, so every
    /// tree has its bytecode cache written (whatever
    /// `PYTHONDONTWRITEBYTECODE` says) and its files in the page cache — a
    /// fresh git worktree would otherwise pay compilation in its first run
    /// only, or in every run where the variable is set.
    pub warmup: bool,
    /// The function's environment (a template's `Environment.Variables`).
    pub env: Vec<(String, String)>,
}

/// Measure the variants interleaved; the samples come back in the order of
/// `variants`, pairable by run index.
pub fn measure(
    runner: &dyn Runner,
    setup: &Setup,
    variants: &[(&str, &Variant)],
    progress: &dyn Progress,
) -> Result<Vec<Samples>, BenchError> {
    let mut samples = vec![Samples::default(); variants.len()];
    let events: Vec<Option<&(String, PathBuf)>> =
        if setup.events.is_empty() { vec![None] } else { setup.events.iter().map(Some).collect() };
    if setup.warmup {
        // Every event type: a handler's deferred imports compile on first use.
        for ev in &events {
            for (label, variant) in variants {
                start_once(runner, setup, variant, label, *ev, Bytecode::Write)?;
            }
        }
    }
    // One unit per run: every variant and event type started once.
    let label = match variants {
        [_] => format!("{} runs", setup.runs),
        _ => format!("{} runs of {} interleaved variants", setup.runs, variants.len()),
    };
    let step = Started::new(progress, setup.runs.into(), &label);
    for run in 0..setup.runs {
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if run % 2 == 1 {
            order.reverse();
        }
        // INIT of one start per variant per run keeps INIT pairs aligned
        // with runs; the other event starts add first-invocation samples.
        for (k, ev) in events.iter().enumerate() {
            for &v in &order {
                let (label, variant) = variants[v];
                let start = start_once(runner, setup, variant, label, *ev, Bytecode::AsEnvironment)?;
                let s = &mut samples[v];
                if k == 0 {
                    s.init_ms.push(start.init_ms);
                    s.rss_mb.push(start.rss_mb);
                }
                if let (Some((name, _)), Some(ms)) = (ev, start.first_ms) {
                    s.first_invocation_ms.entry(name.clone()).or_default().push(ms);
                    s.cold_start_ms.entry(name.clone()).or_default().push(start.init_ms + ms);
                }
            }
        }
        step.inc(1);
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::MARK;
    use lmms_profile::progress::{NoProgress, Recorder, Step};
    use lmms_profile::runner::{RunOutput, ScriptedRunner};

    fn ready(spawned_at_ns: u64, init_ms: f64, rss_kb: u64, first_ms: Option<f64>) -> RunOutput {
        let ready_ns = spawned_at_ns + (init_ms * 1e6) as u64;
        let first = first_ms.map_or(-1, |m| (m * 1e6) as i64);
        RunOutput {
            status: Some(0),
            stderr: format!("noise\n{MARK}ready {ready_ns} {rss_kb} {first}\n").into_bytes(),
            spawned_at_ns,
            ..Default::default()
        }
    }

    fn setup(events: &[&str], runs: u32) -> Setup {
        Setup {
            python: "python3".into(),
            module: "app".into(),
            handler: "handler".into(),
            events: events.iter().map(|e| (e.to_string(), PathBuf::from(format!("/ev/{e}.json")))).collect(),
            runs,
            timeout: Duration::from_secs(5),
            warmup: false,
            env: Vec::new(),
        }
    }

    fn variant(dir: &str) -> Variant {
        Variant { cwd: dir.into(), src_roots: vec![dir.into()] }
    }

    #[test]
    fn interleaves_variants_and_alternates_their_order() {
        // run 1: base, cur; run 2: cur, base — INIT 100 vs 40 ms.
        let r = ScriptedRunner::new([
            ready(1_000, 100.0, 51_200, None),
            ready(2_000, 40.0, 20_480, None),
            ready(3_000, 42.0, 20_480, None),
            ready(4_000, 110.0, 51_200, None),
        ]);
        let (b, c) = (variant("/base"), variant("/cur"));
        let progress = Recorder::default();
        let s = measure(&r, &setup(&[], 2), &[("baseline", &b), ("current", &c)], &progress).unwrap();
        let label = "2 runs of 2 interleaved variants".to_string();
        assert_eq!(progress.steps(), [Step { label, len: 2, done: 2, finished: true }]);
        assert_eq!(s[0].init_ms, vec![100.0, 110.0]);
        assert_eq!(s[1].init_ms, vec![40.0, 42.0]);
        assert_eq!(s[0].rss_mb, vec![50.0, 50.0]);
        let cwds: Vec<PathBuf> = r.seen.borrow().iter().map(|x| x.cwd.clone().unwrap()).collect();
        assert_eq!(cwds, vec![PathBuf::from("/base"), "/cur".into(), "/cur".into(), "/base".into()]);
    }

    #[test]
    fn warmup_starts_each_variant_once_without_recording_it() {
        let r = ScriptedRunner::new([
            ready(0, 900.0, 1024, None),
            ready(0, 800.0, 1024, None),
            ready(0, 100.0, 1024, None),
            ready(0, 40.0, 1024, None),
        ]);
        let (b, c) = (variant("/base"), variant("/cur"));
        let env = vec![("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string())];
        let setup = Setup { warmup: true, env, ..setup(&[], 1) };
        let s = measure(&r, &setup, &[("baseline", &b), ("current", &c)], &NoProgress).unwrap();
        assert_eq!(s[0].init_ms, vec![100.0]);
        assert_eq!(s[1].init_ms, vec![40.0]);
        // The last value of the variable is what the interpreter sees.
        let seen: Vec<String> = r
            .seen
            .borrow()
            .iter()
            .map(|x| {
                let v = x.env.iter().rev().find(|(k, _)| k == "PYTHONDONTWRITEBYTECODE").map(|(_, v)| v.clone());
                v.unwrap_or_default().to_string_lossy().into_owned()
            })
            .collect();
        assert_eq!(seen, ["", "", "1", "1"], "warm-ups write the bytecode cache; measured starts keep the environment");
    }

    #[test]
    fn warmup_runs_every_event_type_so_deferred_imports_are_compiled_too() {
        let r = ScriptedRunner::new((0..6).map(|_| ready(0, 50.0, 1024, Some(3.0))));
        let c = variant("/cur");
        let setup = Setup { warmup: true, ..setup(&["ping", "report"], 2) };
        let s = measure(&r, &setup, &[("current", &c)], &NoProgress).unwrap();
        assert_eq!(s[0].init_ms.len(), 2);
        let events: Vec<String> = r.seen.borrow().iter().map(|x| x.args[4].to_string_lossy().into_owned()).collect();
        assert_eq!(events[..2], ["/ev/ping.json", "/ev/report.json"]);
    }

    #[test]
    fn every_event_type_gets_a_fresh_start_and_a_first_invocation_sample() {
        let r = ScriptedRunner::new([ready(0, 50.0, 1024, Some(3.0)), ready(0, 52.0, 1024, Some(200.0))]);
        let c = variant("/cur");
        let s = measure(&r, &setup(&["ping", "report"], 1), &[("current", &c)], &NoProgress).unwrap();
        assert_eq!(s[0].init_ms, vec![50.0], "INIT is taken once per run");
        assert_eq!(s[0].first_invocation_ms["ping"], vec![3.0]);
        assert_eq!(s[0].first_invocation_ms["report"], vec![200.0]);
        assert_eq!(s[0].cold_start_ms["report"], vec![252.0]);
        let args: Vec<String> = r.seen.borrow()[1].args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args[2..5], ["app", "handler", "/ev/report.json"]);
    }

    #[test]
    fn import_errors_and_handler_errors_are_reported_with_their_traceback() {
        let fail = |marker: &str| RunOutput {
            status: Some(3),
            stderr: format!("Traceback ...\nModuleNotFoundError: No module named 'x'\n{MARK}{marker}\n").into_bytes(),
            ..Default::default()
        };
        let c = variant("/cur");
        let r = ScriptedRunner::new([fail("import-error")]);
        let err = measure(&r, &setup(&[], 1), &[("current", &c)], &NoProgress).unwrap_err();
        assert!(matches!(err, BenchError::Import { .. }));
        assert!(err.to_string().contains("No module named 'x'"));
        let r = ScriptedRunner::new([fail("handler-error")]);
        let err = measure(&r, &setup(&["ping"], 1), &[("current", &c)], &NoProgress).unwrap_err();
        assert!(err.to_string().contains("raised on event `ping`"), "{err}");
    }

    #[test]
    fn a_crash_without_the_ready_marker_is_an_error() {
        let r = ScriptedRunner::new([RunOutput { status: None, ..Default::default() }]);
        let c = variant("/cur");
        assert!(matches!(
            measure(&r, &setup(&[], 1), &[("current", &c)], &NoProgress),
            Err(BenchError::Crashed { .. })
        ));
    }
}
