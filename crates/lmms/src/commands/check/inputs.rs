//! What `lmms check` reads besides sources: the profile and usage
//! artifacts, the installed packages' import graph for LMM002 chains, and
//! DEC-04's `fast_path.py` findings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use lmms_graph::{Environment, ImportGraph, InstalledGraph};
use lmms_lint::{Costs, Rule, Settings, Usage, RULES};
use lmms_profile::doc::ProfileDoc;

use super::Args;
use crate::context::Ctx;

/// Enough for boto3 + botocore + pandas + numpy several times over; a
/// bound so a project importing a whole distribution stays fast.
const MAX_INSTALLED_FILES: usize = 20_000;

/// The standard library by name plus the site-packages of the interpreter
/// the project would run with (found from its install layout, not run).
pub(super) fn installed_env(root: &Path, cfg: &lmms_config::Config) -> Environment {
    use lmms_profile::python;
    let config = cfg.python.as_ref().map(|p| root.join(p));
    match python::choose(&python::Hints::from_env(None, config, root)) {
        Ok(i) if !python::is_shim(&i.path) => {
            Environment::builtin().with_site_packages(Environment::site_packages_of(&i.path))
        }
        _ => Environment::builtin(),
    }
}

/// DEC-04's `fast_path.py` rules (LMM101–LMM108), when the project has the
/// file and one of them is selected. They read `.lmms/` themselves (as
/// `lmms fast-path check` does), so `--profile`/`--usage` do not reach them.
pub(super) fn fast_path_rules(
    ctx: &Ctx,
    graph: &ImportGraph,
    settings: &Settings,
    report: &mut lmms_lint::Report,
) -> anyhow::Result<()> {
    let file = ctx.project.fast_path_file();
    let selected = RULES
        .iter()
        .filter(|r| r.fast_path.is_some())
        .any(|r| settings.selection.is_enabled(r.rule));
    if !selected || !file.is_file() {
        return Ok(());
    }
    let mut notes = Vec::new();
    // An unreadable or non-UTF-8 fast_path.py is already LMM901; the rest
    // of the run still stands.
    let findings = match super::super::fast_path::check_file(ctx, &file, &mut notes) {
        Ok(f) => f.unwrap_or_default(),
        Err(e) => {
            ctx.warn(format_args!("fast-path rules not run: {e:#}"));
            return Ok(());
        }
    };
    if ctx.project.artifact_dir().join("profile.json").is_file() {
        // An unreadable or invalid profile: say exactly what is wrong.
        for n in &notes {
            ctx.warn(format_args!("fast-path rules: {n}"));
        }
    } else if ["LMM102", "LMM106", "LMM107"]
        .into_iter()
        .filter_map(Rule::from_code)
        .any(|r| settings.selection.is_enabled(r))
    {
        ctx.note(format_args!("no .lmms/profile.json: fast-path limits that need measurements \
             (LMM102, LMM106, LMM107) are not checked; run `lmms profile` first"
        ));
    }
    lmms_lint::add_fast_path(report, graph, settings, findings);
    Ok(())
}

/// An explicitly named artifact must exist; the default one is optional.
fn artifact(
    explicit: Option<&Path>,
    cwd: &Path,
    default: PathBuf,
) -> anyhow::Result<Option<(PathBuf, String)>> {
    let (path, required) = match explicit {
        Some(p) => (cwd.join(p), true),
        None => (default, false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// `.lmms/` of the project, absolute.
pub(super) fn artifact_dir(ctx: &Ctx, root: &Path) -> PathBuf {
    let artifacts = ctx.project.artifact_dir();
    if artifacts.is_absolute() {
        artifacts
    } else {
        root.join(".lmms")
    }
}

/// The profile and usage to judge by: `--profile`/`--usage`, else the
/// project's `.lmms/` ones when present, each checked on read.
pub(super) fn artifacts(
    args: &Args,
    ctx: &Ctx,
    root: &Path,
) -> anyhow::Result<(Option<ProfileDoc>, Option<Usage>)> {
    let artifacts = artifact_dir(ctx, root);
    let profile = match artifact(
        args.profile.as_deref(),
        &ctx.cwd,
        artifacts.join("profile.json"),
    )? {
        Some((path, text)) => Some(
            ProfileDoc::from_json(&text)
                .with_context(|| format!("{} is not a valid lmms profile", path.display()))?,
        ),
        None => None,
    };
    let usage = match artifact(
        args.usage.as_deref(),
        &ctx.cwd,
        artifacts.join("usage.json"),
    )? {
        Some((path, text)) => Some(
            Usage::from_json(&text)
                .with_context(|| format!("{} is not a valid lmms usage file", path.display()))?,
        ),
        None => None,
    };
    Ok((profile, usage))
}

/// `.lmms/plan.json`'s rows by statement id, for LMM003 to read the plan's
/// verdict; a missing or unreadable plan is simply no plan (`lmms plan`
/// reports its own errors).
pub(super) fn plan_rows(ctx: &Ctx, root: &Path) -> lmms_lint::PlanRows {
    std::fs::read_to_string(artifact_dir(ctx, root).join("plan.json"))
        .ok()
        .and_then(|t| lmms_plan::PlanDoc::from_json(&t).ok())
        .map(|p| lmms_lint::PlanRows::new(&p))
        .unwrap_or_default()
}

/// Import-time edges inside installed packages, from the third-party
/// modules the project imports down to heavy ones (LMM002 chains).
pub(super) fn installed_graph(
    env: &Environment,
    graph: &ImportGraph,
    costs: &Costs,
    module_level_ms: f64,
) -> Option<Arc<InstalledGraph>> {
    let installed = (!env.site_packages().is_empty()).then(|| {
        let mut starts = std::collections::BTreeSet::new();
        for f in 0..graph.files.len() {
            for targets in graph.import_targets(f) {
                for (_, t) in targets {
                    if t.origin == lmms_graph::Origin::ThirdParty {
                        starts.insert(t.module.clone());
                    }
                }
            }
        }
        let t = module_level_ms;
        let heavy = |m: &str| {
            costs
                .lookup(m, lmms_graph::ModuleKind::ThirdParty)
                .is_some_and(|c| c.ms >= t)
        };
        Arc::new(InstalledGraph::expand(
            env,
            starts,
            &heavy,
            MAX_INSTALLED_FILES,
        ))
    });
    if installed.as_ref().is_some_and(|i| i.truncated) {
        eprintln!(
            "lmms: warning: stopped following imports into installed packages after {MAX_INSTALLED_FILES} files; \
             LMM002 chains through third-party code may be incomplete"
        );
    }
    installed
}
