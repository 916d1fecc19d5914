//! `lmms plan --simulate`: measure the real thing. The plan is applied by
//! `lmms fix`'s own pipeline ([`lmms_fix::pipeline::run_with`], with the
//! options `lmms fix` would get) to a shadow copy of the project, and that
//! tree's INIT is measured in fresh interpreters, interleaved with a second,
//! untouched shadow copy of today's tree. The predicted INIT is therefore an
//! INIT of the code `fix` writes: its moves, its skips, its fast-path
//! routing and whatever its verification drops. The verification is
//! `lmms fix`'s own ([`lmms_fix::verify`], run by the pipeline with the
//! [`VerifyInput`] `lmms fix` builds from the same flags and config: the
//! entry's import, `--events` replayed with their responses compared,
//! `--test`), so a rewrite `fix` would drop is not in the measured tree.
//!
//! The user's tree is only read: both copies are temporary directories,
//! removed when the run ends, whether it succeeded or not. Every process is
//! started through the caller's [`Runner`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use lmms_config::Config;
use lmms_fix::pipeline::{FixInput, PipelineError, Report, Selection};
use lmms_fix::verify::{Shadow, VerifyInput};
use lmms_plan::inputs::Inputs;
use lmms_plan::plan::PlanDoc;
use lmms_profile::measure::{run_entry, EntrySpec, ProfileError};
use lmms_profile::progress::{Progress, Started};
use lmms_profile::runner::Runner;
use lmms_schema::plan::{DroppedRewrite, SimulatedVerification, VerifiedCheck};

/// What the simulation needs besides the plan's inputs; the caller resolves
/// each value (flags, config, the profile's interpreter).
#[derive(Debug, Clone)]
pub struct SimulateInput {
    /// The project root: copied, never written.
    pub root: PathBuf,
    pub src_roots: Vec<PathBuf>,
    /// The config's `exclude`, as `lmms fix` gets it.
    pub exclude: Vec<String>,
    /// `lmms fix`'s options (`--unsafe-fixes`, the target version).
    pub options: lmms_fix::Options,
    /// The config's entry module, whose hot imports `fix` routes through
    /// `fast_path.py` when that file exists.
    pub entry_module: Option<String>,
    pub fast_path_file: PathBuf,
    pub python: PathBuf,
    /// Interleaved starts per series.
    pub runs: u32,
    pub timeout: Duration,
    /// The function's environment, set in both series alike.
    pub env: Vec<(String, String)>,
    /// `lmms fix`'s verification, built as `lmms fix` builds it from the
    /// same `--test`/`--events` flags and config; `None` is `--no-verify`.
    pub verify: Option<VerifyInput>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("the profile's entry {0:?} is not module:function; re-run `lmms profile`")]
    Entry(String),
    #[error("--runs must be at least 1")]
    NoRuns,
    #[error("cannot make a shadow copy of the project for --simulate")]
    Shadow(#[source] std::io::Error),
    #[error("applying the plan in the shadow copy")]
    Fix(#[source] PipelineError),
    #[error("measuring {which} INIT with {}", python.display())]
    Run {
        which: &'static str,
        python: PathBuf,
        #[source]
        source: Shown,
    },
    #[error("no INIT samples were measured")]
    NoSamples,
}

/// A measurement's error with the shadow copy's paths shown as the user's
/// (the copy is gone when the error is read; its files are the user's).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Shown(String);

/// A plan with its simulation, and what `fix` did in the shadow copy.
pub struct Simulated {
    pub plan: PlanDoc,
    pub fix: Report,
}

/// Plan, apply the plan with `lmms fix` in a shadow copy, and measure that
/// copy against an untouched one. `progress` hears the fix's verification
/// rounds, then one step of every measured start.
pub fn simulate(
    runner: &dyn Runner,
    progress: &dyn Progress,
    inputs: &Inputs,
    config: &Config,
    input: &SimulateInput,
) -> Result<Simulated, SimulateError> {
    let profile = &inputs.profile;
    let Some((module, handler)) = lmms_config::parse_entry(&profile.entry) else {
        return Err(SimulateError::Entry(profile.entry.clone()));
    };
    if input.runs == 0 {
        return Err(SimulateError::NoRuns);
    }
    let mut plan = lmms_plan::plan::plan(&inputs.request(config, &[]));
    let root = std::fs::canonicalize(&input.root).map_err(SimulateError::Shadow)?;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let src_roots: Vec<PathBuf> = input.src_roots.iter().map(|r| canon(r)).collect();
    let today = Shadow::copy(&root).map_err(SimulateError::Shadow)?;
    let fixed = Shadow::copy(&root).map_err(SimulateError::Shadow)?;
    let mut fix = apply(runner, progress, &plan, input, &root, &src_roots, &fixed)?;
    // The copy is gone when the report is read: name the user's files.
    let shown = |t: &mut String| *t = t.replace(&fixed.root().display().to_string(), &root.display().to_string());
    if let Some(v) = fix.verification.as_mut() {
        v.dropped.iter_mut().for_each(|d| shown(&mut d.reason));
        v.checks.iter_mut().for_each(|c| shown(&mut c.detail));
    }
    fix.files.iter_mut().filter_map(|f| f.error.as_mut()).for_each(shown);

    let spec = |shadow: &Shadow| EntrySpec {
        python: input.python.clone(),
        cwd: shadow.root().to_path_buf(),
        src_roots: src_roots.iter().map(|r| shadow.map(&root, r)).collect(),
        module: module.to_string(),
        handler: handler.to_string(),
        timeout: input.timeout,
        importtime: false,
        env: input.env.clone(),
    };
    let (current, planned) = measure(runner, progress, &spec(&today), &spec(&fixed), input.runs).map_err(|(which, e)| {
        let mut text = e.to_string();
        for shadow in [&today, &fixed] {
            text = text.replace(&shadow.root().display().to_string(), &root.display().to_string());
        }
        SimulateError::Run { which, python: input.python.clone(), source: Shown(text) }
    })?;
    let (planned, paired) = paired(&current, &planned).ok_or(SimulateError::NoSamples)?;
    let mut sim = lmms_plan::simulate::simulation(&current, &planned, 0.0).ok_or(SimulateError::NoSamples)?;
    sim.verification = fix.verification.as_ref().map(verification);
    lmms_plan::simulate::attach(&mut plan, sim);
    plan.notes.push(note(&fix, input.options.allow_unsafe));
    plan.notes.push(paired);
    Ok(Simulated { plan, fix })
}

/// Write `plan` into the shadow's `.lmms/` and run `lmms fix` there, with
/// `lmms fix`'s verification.
fn apply(
    runner: &dyn Runner,
    progress: &dyn Progress,
    plan: &PlanDoc,
    input: &SimulateInput,
    root: &Path,
    src_roots: &[PathBuf],
    shadow: &Shadow,
) -> Result<Report, SimulateError> {
    let lmms_dir = shadow.root().join(".lmms");
    let plan_file = lmms_dir.join("plan.json");
    std::fs::create_dir_all(&lmms_dir).map_err(SimulateError::Shadow)?;
    std::fs::write(&plan_file, plan.to_json() + "\n").map_err(SimulateError::Shadow)?;
    let fix_input = FixInput {
        root: shadow.root().to_path_buf(),
        src_roots: src_roots.iter().map(|r| shadow.map(root, r)).collect(),
        exclude: input.exclude.clone(),
        selection: Selection::Plan(plan_file),
        paths: Vec::new(),
        options: input.options,
        write: true,
        entry_module: input.entry_module.clone(),
        fast_path_file: shadow.map(root, &input.fast_path_file),
        profile_file: lmms_dir.join("profile.json"),
        verify: input.verify.clone(),
    };
    lmms_fix::pipeline::run_with(&fix_input, runner, progress).map_err(SimulateError::Fix)
}

/// The fixed tree's samples as today's median times each pair's
/// `fixed / today` ratio, and the sentence that says so. The two starts of a
/// pair run back to back and share the machine's load; two medians taken
/// across the whole run do not: on a loaded machine, A/A runs of two
/// identical copies gave ratios of medians from 0.75 to 1.20 at 30 runs,
/// paired ratios 0.96 to 1.01 over the same samples.
fn paired(today: &[f64], fixed: &[f64]) -> Option<(Vec<f64>, String)> {
    let level = lmms_stats::median(today)?;
    let ratios = lmms_stats::pair_ratios(today, fixed);
    let ratio = lmms_stats::median(&ratios)?;
    let interval = match lmms_stats::median_interval(&ratios) {
        Some((lo, hi)) => format!(", 95% interval {lo:.3}–{hi:.3}"),
        None => String::new(),
    };
    let text = format!(
        "--simulate's predicted INIT is today's median × the median fixed/today ratio of {} interleaved pair(s): \
         {ratio:.3}{interval}",
        ratios.len()
    );
    Some((ratios.iter().map(|r| level * r).collect(), text))
}

/// INIT samples in ms, `(today, fixed)`.
pub type Samples = (Vec<f64>, Vec<f64>);

/// Interleaved INIT samples `(today, fixed)`: one discarded warm-up start of
/// each, which writes the copies' bytecode caches even where
/// `PYTHONDONTWRITEBYTECODE` is set (both copies start without one, and
/// compiling every module on every start would measure the compiler), then
/// pairs in ABBA order, so each series follows the other as often as itself
/// and the aftermath of one start (memory returned, caches evicted) biases
/// neither: the second start of a pair ran 2–3% faster than the first in
/// A/A runs.
/// `progress` hears one step with a unit per start, warm-ups included.
pub fn measure(
    runner: &dyn Runner,
    progress: &dyn Progress,
    today: &EntrySpec,
    fixed: &EntrySpec,
    runs: u32,
) -> Result<Samples, (&'static str, ProfileError)> {
    let label = format!("measuring today's and the fixed tree's INIT, {runs} interleaved run{} each", plural(runs));
    let step = Started::new(progress, 2 * (u64::from(runs) + 1), &label);
    let start = |spec: &EntrySpec, which| {
        let r = run_entry(runner, spec, false).map(|r| r.init_ms).map_err(|e| (which, e));
        step.inc(1);
        r
    };
    let warm = |spec: &EntrySpec| {
        let mut spec = spec.clone();
        // Empty is unset to Python; pushed last, it wins over the function's environment.
        spec.env.push((lmms_profile::runner::NO_BYTECODE_VAR.into(), String::new()));
        spec
    };
    start(&warm(today), "today's")?;
    start(&warm(fixed), "the fixed tree's")?;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..runs {
        if i % 2 == 0 {
            a.push(start(today, "today's")?);
            b.push(start(fixed, "the fixed tree's")?);
        } else {
            b.push(start(fixed, "the fixed tree's")?);
            a.push(start(today, "today's")?);
        }
    }
    Ok((a, b))
}

/// What the simulated tree is, in one sentence.
fn note(fix: &Report, unsafe_fixes: bool) -> String {
    let s = &fix.summary;
    let mut text = format!(
        "--simulate measured the tree `lmms fix{}` writes for this plan ({} import(s) moved in {} file(s)), in a shadow copy",
        if unsafe_fixes { " --unsafe-fixes" } else { "" },
        s.moved,
        s.files_changed,
    );
    match &fix.verification {
        None => text.push_str("; not verified (--no-verify)"),
        Some(v) => {
            let ran: Vec<&str> = v.checks.iter().filter(|c| c.status != "skipped").map(|c| c.name).collect();
            if !ran.is_empty() {
                text.push_str(&format!("; verified as `lmms fix` does ({})", ran.join(", ")));
            }
            for d in &v.dropped {
                text.push_str(&format!("; dropped the rewrite of {}: it breaks the {} check: {}", d.path, d.check, d.reason));
            }
        }
    }
    if s.files_refused > 0 {
        text.push_str(&format!("; {} file(s) refused", s.files_refused));
    }
    if !fix.unmatched.is_empty() {
        text.push_str(&format!("; {} plan row(s) not found in the source", fix.unmatched.len()));
    }
    text
}

/// The fix's verification report as the plan records it.
fn verification(v: &lmms_fix::verify::Verification) -> SimulatedVerification {
    SimulatedVerification {
        checks: v
            .checks
            .iter()
            .map(|c| VerifiedCheck { name: c.name.into(), status: c.status.into(), detail: c.detail.clone() })
            .collect(),
        dropped: v
            .dropped
            .iter()
            .map(|d| DroppedRewrite { path: d.path.clone(), check: d.check.into(), reason: d.reason.clone() })
            .collect(),
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests;
