//! A fix that verifies itself: the rewrites are tried in a shadow copy of the
//! project, checked there against the unrewritten project (the entry
//! imports, recorded events replay the same, the user's tests give the same
//! outcome per test), and the rewritten files that break a check are found by
//! halving the set and dropped. Only what survives is applied, all files or
//! none ([`apply_all`]).

mod checks;
mod responses;
mod shadow;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lmms_profile::progress::{Progress, Started};
use lmms_profile::runner::Runner;
use lmms_usage::replay::Event;
use serde::Serialize;

use checks::{Site, TestRun};
pub use shadow::Shadow;

/// What to verify with. `None` of everything means no check can run.
#[derive(Debug, Clone, Default)]
pub struct VerifyInput {
    /// The interpreter for the import and event checks.
    pub python: Option<PathBuf>,
    /// Why there is no interpreter (reported as the checks' skip reason).
    pub python_error: Option<String>,
    /// `module:function`.
    pub entry: Option<String>,
    pub events: Vec<Event>,
    /// Shell command run with cwd = the project root (in the shadow).
    pub test: Option<String>,
    /// On top of the inherited environment (the function's variables).
    pub env: Vec<(String, String)>,
    pub start_timeout: Duration,
    pub test_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("cannot make the shadow copy of the project for verification: {0}")]
    Shadow(std::io::Error),
    #[error("cannot start the verification: {0}")]
    Start(String),
}

/// One rewritten file, as the verification sees it.
pub struct Candidate<'a> {
    /// Relative to the project root.
    pub rel: PathBuf,
    pub before: &'a str,
    pub after: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// `import`, `events` or `tests`.
    pub name: &'static str,
    /// `passed`, `failed` (then some rewrites were dropped) or `skipped`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dropped {
    pub path: String,
    /// The check the rewrite broke.
    pub check: &'static str,
    /// The first line of the error, or the test ids whose outcome changed.
    pub reason: String,
}

/// The `verification` object of `lmms.fix/1`.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub checks: Vec<CheckReport>,
    pub dropped: Vec<Dropped>,
    /// How many times the checks ran on a rewritten shadow.
    pub rounds: usize,
    pub seconds: f64,
}

struct Failure {
    check: &'static str,
    reason: String,
}

/// The unrewritten project's results, which the rewritten one must match.
struct Baseline {
    import: Option<String>,
    /// Per event: its outcome, `None` where two baseline runs disagreed on
    /// whether it raised (or on the error).
    events: Option<(String, Vec<Option<BaseEvent>>)>,
    tests: Option<(String, TestRun)>,
}

/// One event of the baseline: the error it raised, or its response with
/// the fields two baseline runs disagree on masked.
struct BaseEvent {
    error: Option<String>,
    response: Option<responses::Expected>,
}

/// Verify `candidates` and return which to keep (by index) and the report.
/// `progress` hears one step of unknown length (halving decides it), one
/// unit per round of checks, the unrewritten baseline included.
pub fn verify(
    root: &Path,
    src_roots: &[PathBuf],
    candidates: &[Candidate],
    input: &VerifyInput,
    runner: &dyn Runner,
    progress: &dyn Progress,
) -> Result<(Vec<bool>, Verification), VerifyError> {
    let t0 = Instant::now();
    let n = candidates.len();
    let step = Started::new(progress, 0, &format!("verifying {n} rewritten file{}", if n == 1 { "" } else { "s" }));
    let shadow = Shadow::copy(root).map_err(VerifyError::Shadow)?;
    let site = Site {
        input,
        shadow: shadow.root(),
        root,
        src_roots: src_roots.iter().map(|r| shadow.map(root, r)).collect(),
        runner,
    };
    let mut reports = Vec::new();
    let base = baseline(&site, &mut reports)?;
    step.inc(1);
    let mut v =
        Verifier { shadow: &shadow, candidates, current: vec![false; candidates.len()], site, base, rounds: 0, step: &step };
    let mut kept: Vec<usize> = (0..candidates.len()).collect();
    let mut dropped = Vec::new();
    let mut failed_checks: Vec<&'static str> = Vec::new();
    if !reports.iter().all(|r| r.status == "skipped") {
        while !kept.is_empty() {
            let Some(fail) = v.check(&kept)? else { break };
            failed_checks.push(fail.check);
            let culprits = v.culprits(&kept, fail)?;
            kept.retain(|i| !culprits.iter().any(|(c, _)| c == i));
            for (i, f) in culprits {
                dropped.push(Dropped {
                    path: candidates[i].rel.to_string_lossy().into_owned(),
                    check: f.check,
                    // The shadow is gone after the run: name the user's tree.
                    reason: f.reason.replace(&shadow.root().to_string_lossy().into_owned(), &root.to_string_lossy()),
                });
            }
        }
    }
    for r in reports.iter_mut().filter(|r| r.status == "passed" && failed_checks.contains(&r.name)) {
        r.status = "failed";
        r.detail = "some rewrites broke it and were dropped; the rest passes".into();
    }
    let keep = (0..candidates.len()).map(|i| kept.contains(&i)).collect();
    dropped.sort_by(|a, b| a.path.cmp(&b.path));
    let seconds = (t0.elapsed().as_secs_f64() * 10.0).round() / 10.0;
    Ok((keep, Verification { checks: reports, dropped, rounds: v.rounds, seconds }))
}

fn baseline(site: &Site, reports: &mut Vec<CheckReport>) -> Result<Baseline, VerifyError> {
    let input = site.input;
    let no_python = || input.python_error.clone().unwrap_or_else(|| "no interpreter".into());
    let skipped = |name, detail: String| CheckReport { name, status: "skipped", detail };
    let passed = |name| CheckReport { name, status: "passed", detail: String::new() };
    let mut base = Baseline { import: None, events: None, tests: None };
    match (&input.entry, &input.python) {
        (None, _) => reports.push(skipped("import", "no entry (config `entry`)".into())),
        (Some(_), None) => reports.push(skipped("import", no_python())),
        (Some(entry), Some(_)) => match checks::import(site, entry) {
            Ok(()) => {
                base.import = Some(entry.clone());
                reports.push(passed("import"));
            }
            Err(e) => reports.push(skipped("import", format!("the entry does not import before the fix: {e}"))),
        },
    }
    if !input.events.is_empty() {
        match (&base.import, &input.python) {
            (_, None) => reports.push(skipped("events", no_python())),
            (None, _) => reports.push(skipped("events", "the entry does not import".into())),
            (Some(entry), Some(_)) => {
                let first = checks::events(site, entry, &input.events);
                let second = checks::events(site, entry, &input.events);
                match (first, second) {
                    (Ok(a), Ok(b)) => {
                        // What differs between two unrewritten runs is not the rewrite's doing.
                        let masked = a
                            .into_iter()
                            .zip(b)
                            .map(|(x, y)| {
                                let response = responses::baseline(x.response.as_ref(), y.response.as_ref());
                                (x.error == y.error).then_some(BaseEvent { error: x.error, response })
                            })
                            .collect();
                        base.events = Some((entry.clone(), masked));
                        reports.push(passed("events"));
                    }
                    (Err(e), _) | (_, Err(e)) => reports.push(skipped("events", format!("the replay fails before the fix: {e}"))),
                }
            }
        }
    }
    match &input.test {
        None => reports.push(skipped("tests", "no test command (`--test CMD` or config `test`)".into())),
        Some(cmd) => {
            let run = checks::tests(site, cmd).map_err(VerifyError::Start)?;
            if run.timed_out {
                reports.push(skipped("tests", "the test command timed out before the fix".into()));
            } else {
                base.tests = Some((cmd.clone(), run));
                reports.push(passed("tests"));
            }
        }
    }
    Ok(base)
}

/// Counts a round when it ends, however it ends.
struct Inc<'a>(&'a Started<'a>);

impl Drop for Inc<'_> {
    fn drop(&mut self) {
        self.0.inc(1);
    }
}

struct Verifier<'a> {
    shadow: &'a Shadow,
    candidates: &'a [Candidate<'a>],
    /// Which candidates the shadow holds rewritten now.
    current: Vec<bool>,
    site: Site<'a>,
    base: Baseline,
    rounds: usize,
    step: &'a Started<'a>,
}

impl Verifier<'_> {
    /// Put exactly `set` rewritten into the shadow, every other candidate as
    /// it was.
    fn stage(&mut self, set: &[usize]) -> Result<(), VerifyError> {
        for (i, c) in self.candidates.iter().enumerate() {
            let want = set.contains(&i);
            if self.current[i] != want {
                self.shadow.put(&c.rel, if want { c.after } else { c.before }).map_err(VerifyError::Shadow)?;
                self.current[i] = want;
            }
        }
        Ok(())
    }

    /// The first check that `set` breaks, cheapest first.
    fn check(&mut self, set: &[usize]) -> Result<Option<Failure>, VerifyError> {
        self.stage(set)?;
        self.rounds += 1;
        let _done = Inc(self.step);
        if let Some(entry) = &self.base.import {
            if let Err(reason) = checks::import(&self.site, entry) {
                return Ok(Some(Failure { check: "import", reason }));
            }
        }
        if let Some((entry, base)) = &self.base.events {
            match checks::events(&self.site, entry, &self.site.input.events) {
                Err(reason) => return Ok(Some(Failure { check: "events", reason })),
                Ok(after) => {
                    let names = self.site.input.events.iter().map(|e| e.name.as_str());
                    for ((b, a), name) in base.iter().zip(&after).zip(names) {
                        let Some(b) = b else { continue };
                        if b.error != a.error {
                            let show = |o: &Option<String>| o.as_deref().map_or("returned".into(), checks::first_line);
                            let reason = format!("event {name}: {} (before: {})", show(&a.error), show(&b.error));
                            return Ok(Some(Failure { check: "events", reason }));
                        }
                        if let Some(why) = b.response.as_ref().and_then(|e| responses::compare(e, a.response.as_ref())) {
                            let reason = format!("event {name}: {why}");
                            return Ok(Some(Failure { check: "events", reason }));
                        }
                    }
                }
            }
        }
        if let Some((cmd, before)) = &self.base.tests {
            let after = checks::tests(&self.site, cmd).map_err(VerifyError::Start)?;
            if let Some(reason) = checks::compare_tests(before, &after) {
                return Ok(Some(Failure { check: "tests", reason }));
            }
        }
        Ok(None)
    }

    /// The candidates in `set` (which fails with `fail`) that fail on their
    /// own: halve and recurse, one at a time when few are left. When no part
    /// fails alone, the failure needs them together and the whole set goes.
    fn culprits(&mut self, set: &[usize], fail: Failure) -> Result<Vec<(usize, Failure)>, VerifyError> {
        if set.len() == 1 {
            return Ok(vec![(set[0], fail)]);
        }
        let parts: Vec<Vec<usize>> = if set.len() <= 3 {
            set.iter().map(|&i| vec![i]).collect()
        } else {
            let (a, b) = set.split_at(set.len() / 2);
            vec![a.to_vec(), b.to_vec()]
        };
        let mut found = Vec::new();
        for part in parts {
            if let Some(f) = self.check(&part)? {
                found.extend(self.culprits(&part, f)?);
            }
        }
        if found.is_empty() {
            let reason = format!("{} (only with the other rewrites of this set)", fail.reason);
            return Ok(set.iter().map(|&i| (i, Failure { check: fail.check, reason: reason.clone() })).collect());
        }
        Ok(found)
    }
}

/// The modules the entry loads at INIT with `files` (`(path, text)`, paths
/// under `root`) written into a shadow copy of the project; `None` without
/// an entry or an interpreter to run it with, or when it does not import
/// (the verification then reports why).
pub fn loaded_at_init(
    root: &Path,
    src_roots: &[PathBuf],
    input: &VerifyInput,
    runner: &dyn Runner,
    files: &[(PathBuf, String)],
) -> Option<std::collections::HashSet<String>> {
    let entry = input.entry.as_deref()?;
    input.python.as_ref()?;
    let shadow = Shadow::copy(root).ok()?;
    for (path, text) in files {
        shadow.put(path.strip_prefix(root).unwrap_or(path), text).ok()?;
    }
    let site = Site { input, shadow: shadow.root(), root, src_roots: src_roots.iter().map(|r| shadow.map(root, r)).collect(), runner };
    checks::loaded_at_init(&site, entry).ok().map(|m| m.into_iter().collect())
}

/// The pipeline's write phase: verify the rewritten files (`pending`: index
/// in `reports`, path, before, after), mark the dropped ones, then write the
/// rest all or none (or only show them, for `--diff`).
pub fn write_phase(
    input: &crate::pipeline::FixInput,
    runner: &dyn Runner,
    progress: &dyn Progress,
    reports: &mut [crate::pipeline::FileReport],
    pending: &[(usize, PathBuf, String, String)],
) -> Result<Option<Verification>, crate::pipeline::PipelineError> {
    let mut keep = vec![true; pending.len()];
    let verification = match &input.verify {
        None => None,
        Some(v) if pending.is_empty() || (v.entry.is_none() && v.test.is_none()) => {
            Some(Verification { checks: Vec::new(), dropped: Vec::new(), rounds: 0, seconds: 0.0 })
        }
        Some(v) => {
            let candidates: Vec<Candidate> = pending
                .iter()
                .map(|(_, path, before, after)| Candidate {
                    rel: path.strip_prefix(&input.root).unwrap_or(path).to_path_buf(),
                    before,
                    after,
                })
                .collect();
            let (k, report) = verify(&input.root, &input.src_roots, &candidates, v, runner, progress)?;
            keep = k;
            for (i, (ri, _, _, _)) in pending.iter().enumerate().filter(|(i, _)| !keep[*i]) {
                let rel = candidates[i].rel.to_string_lossy();
                let why = report.dropped.iter().find(|d| d.path == rel);
                let r = &mut reports[*ri];
                r.status = "dropped";
                r.error = why.map(|d| format!("rewrite dropped: it breaks the {} check: {}", d.check, d.reason));
                r.moves.clear();
                r.diff.clear();
            }
            Some(report)
        }
    };
    if input.write {
        let files: Vec<(PathBuf, &str, &str)> = pending
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|((_, p, b, a), _)| (p.clone(), b.as_str(), a.as_str()))
            .collect();
        apply_all(&files)?;
        for ((ri, ..), _) in pending.iter().zip(&keep).filter(|(_, k)| **k) {
            reports[*ri].status = "written";
        }
    }
    Ok(verification)
}

/// Write every `(path, before, after)` atomically; if one write fails, put
/// back the files already written and return that error. The originals are
/// the texts the rewrite was computed from, held in memory.
pub fn apply_all(files: &[(PathBuf, &str, &str)]) -> Result<(), crate::WriteError> {
    for (n, (path, _, after)) in files.iter().enumerate() {
        if let Err(e) = crate::write_atomic(path, after.as_bytes()) {
            for (p, before, _) in &files[..n] {
                // Best effort: the error names the file that failed; a
                // restore that fails too cannot be reported better.
                let _ = crate::write_atomic(p, before.as_bytes());
            }
            return Err(e);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_round_of_checks_is_one_unit_of_progress_while_halving() {
        let dir = tempfile::tempdir().unwrap();
        let names = ["a.py", "b.py", "c.py", "d.py"];
        for n in names {
            std::fs::write(dir.path().join(n), "x = 1\n").unwrap();
        }
        let after: Vec<String> = names.iter().map(|n| if *n == "c.py" { "x = 'BAD'\n" } else { "x = 2\n" }.into()).collect();
        let candidates: Vec<Candidate> = names
            .iter()
            .zip(&after)
            .map(|(n, a)| Candidate { rel: n.into(), before: "x = 1\n", after: a })
            .collect();
        let input = VerifyInput {
            test: Some("! grep -q BAD c.py".into()),
            start_timeout: Duration::from_secs(30),
            test_timeout: Duration::from_secs(30),
            ..VerifyInput::default()
        };
        let progress = lmms_profile::progress::Recorder::default();
        let runner = lmms_profile::runner::ProcessRunner;
        let (keep, v) = verify(dir.path(), &[dir.path().into()], &candidates, &input, &runner, &progress).unwrap();
        assert_eq!(keep, [true, true, false, true]);
        // All four fail, halves (a b pass, c d fail), c alone fails, d alone passes, the rest passes.
        assert_eq!(v.rounds, 6);
        let steps = progress.steps();
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!((steps[0].len, steps[0].done, steps[0].finished), (0, 7, true), "the baseline is a unit too");
        assert_eq!(steps[0].label, "verifying 4 rewritten files");
    }

    #[test]
    fn a_failed_write_puts_back_the_files_already_written() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.py");
        let b = dir.path().join("b.py");
        std::fs::write(&a, "a = 1\n").unwrap();
        std::fs::write(&b, "b = 1\n").unwrap();
        let gone = dir.path().join("gone/c.py");
        let files =
            vec![(a.clone(), "a = 1\n", "a = 2\n"), (b.clone(), "b = 1\n", "b = 2\n"), (gone.clone(), "", "c = 2\n")];
        let err = apply_all(&files).unwrap_err();
        assert!(err.to_string().contains("gone/c.py"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "a = 1\n");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b = 1\n");
        assert!(!gone.exists());
    }
}
