//! `lmms plan`: classify every import the entry loads at INIT and decide
//! module level or function level (DEC-01/02), optionally measuring the
//! planned INIT in fresh processes (`--simulate`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use lmms_plan::plan::{build_plan, build_plan_measured, PlanDoc, SourceFile};
use lmms_plan::simulate::{self, SimulateSpec, HOT_SET_MODULE};
use lmms_plan::usage::UsageDoc;
use lmms_profile::doc::{Origin, ProfileDoc};
use lmms_profile::runner::ProcessRunner;

use crate::context::Ctx;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `json` prints the `lmms.plan/1` document written to .lmms/plan.json.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Measure INIT of the planned eager set alone, in fresh processes.
    #[arg(long)]
    pub simulate: bool,
    /// Interleaved runs per series for --simulate (default: config `runs`, else 10).
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Interpreter for --simulate (default: the one the profile used).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

/// Everything the plan is built from, read from `.lmms/` and the sources.
pub struct Inputs {
    pub profile: ProfileDoc,
    pub usage: Option<UsageDoc>,
    pub files: Vec<SourceFile>,
    /// Files that could not be read (reported, never fatal).
    pub warnings: Vec<String>,
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Read the profile (required), usage (optional) and every project module
/// the profile saw loaded during INIT — the only files whose imports cost
/// anything at cold start.
pub fn load_inputs(ctx: &Ctx) -> anyhow::Result<Inputs> {
    let dir = ctx.project.artifact_dir();
    let profile_path = dir.join("profile.json");
    let text = match std::fs::read_to_string(&profile_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!(
                "no profile at {}: run `lmms profile` first (DEC-03: measure before deciding)",
                profile_path.display()
            )
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", profile_path.display())),
    };
    let profile = ProfileDoc::from_json(&text)
        .with_context(|| format!("{} is not a valid profile", profile_path.display()))?;
    let usage_path = dir.join("usage.json");
    let usage = match std::fs::read_to_string(&usage_path) {
        Ok(t) => {
            Some(UsageDoc::from_json(&t).with_context(|| {
                format!("{} is not a valid usage document", usage_path.display())
            })?)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", usage_path.display())),
    };
    let root =
        std::fs::canonicalize(&ctx.project.root).unwrap_or_else(|_| ctx.project.root.clone());
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    let roots: Vec<PathBuf> = ctx
        .project
        .src_roots()
        .into_iter()
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .collect();
    for m in profile
        .modules
        .iter()
        .filter(|m| m.origin == Origin::Project)
    {
        // The module as it is in this checkout; the profile's absolute path
        // only when the module cannot be found (a profile copied from
        // elsewhere must not make us read another tree's sources).
        let local = lmms_graph::locate_source(&roots, &m.name);
        let Some(path) = local.or_else(|| m.file.as_deref().map(PathBuf::from)) else {
            continue;
        };
        match lmms_python::read_and_parse(&path) {
            Ok((source, parsed)) => {
                let display = rel(&root, &path);
                for e in &parsed.syntax_errors {
                    warnings.push(format!(
                        "{display}:{}:{}: syntax error: {}",
                        e.line, e.column, e.message
                    ));
                }
                files.push(SourceFile {
                    path: display,
                    module: m.name.clone(),
                    is_package: path.file_name().is_some_and(|n| n == "__init__.py"),
                    source,
                    parsed,
                });
            }
            Err(e) => warnings.push(format!("skipped: {e}")),
        }
    }
    Ok(Inputs {
        profile,
        usage,
        files,
        warnings,
    })
}

/// The plan later commands act on: `.lmms/plan.json` when it was made from
/// the current profile (it may carry `--simulate`'s measured costs), else a
/// fresh plan. The flag says which.
pub fn current_plan(ctx: &Ctx, inputs: &Inputs) -> (PlanDoc, bool) {
    let saved = std::fs::read_to_string(ctx.project.artifact_dir().join("plan.json"))
        .ok()
        .and_then(|t| PlanDoc::from_json(&t).ok())
        .filter(|p| {
            p.schema == lmms_plan::PLAN_SCHEMA
                && p.profiled_at == inputs.profile.profiled_at
                && p.policy == ctx.project.config.policy.as_str()
                && p.usage
                    == if inputs.usage.is_some() {
                        "measured"
                    } else {
                        "unknown"
                    }
        });
    match saved {
        Some(p) => (p, true),
        None => (
            build_plan(
                &inputs.profile,
                inputs.usage.as_ref(),
                &inputs.files,
                &ctx.project.config,
            ),
            false,
        ),
    }
}

/// `--simulate`: measure the eager set alone, re-plan with what that shows
/// (shared dependencies the entry's profile charged to deferred modules),
/// repeat until the eager set stops changing, then time INIT of the final
/// set against today's entry, interleaved.
fn simulate_plan(args: &Args, ctx: &Ctx, inputs: &Inputs) -> anyhow::Result<PlanDoc> {
    let profile = &inputs.profile;
    let config = &ctx.project.config;
    let python = match &args.python {
        Some(p) => super::profile::interpreter(Some(p), ctx)?.path,
        None if Path::new(&profile.python.executable).is_file() => {
            PathBuf::from(&profile.python.executable)
        }
        None => super::profile::interpreter(None, ctx)?.path,
    };
    let Some((module, handler)) = lmms_config::parse_entry(&profile.entry) else {
        bail!(
            "the profile's entry {:?} is not module:function; re-run `lmms profile`",
            profile.entry
        );
    };
    let runs = args.runs.or(config.runs).unwrap_or(10);
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let root =
        std::fs::canonicalize(&ctx.project.root).unwrap_or_else(|_| ctx.project.root.clone());
    let sim_dir = ctx
        .project
        .artifact_dir()
        .join(format!("simulate-{}", std::process::id()));
    std::fs::create_dir_all(&sim_dir)
        .with_context(|| format!("cannot create {}", sim_dir.display()))?;
    let result = (|| {
        let spec = SimulateSpec {
            python: python.clone(),
            cwd: root.clone(),
            src_roots: ctx
                .project
                .src_roots()
                .into_iter()
                .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
                .collect(),
            hot_set_dir: std::fs::canonicalize(&sim_dir)?,
            entry_module: module.to_string(),
            handler: handler.to_string(),
            runs,
            timeout: crate::context::start_timeout(None, config)?,
            env: ctx.env(),
        };
        let write = |libs: &[String]| {
            std::fs::write(
                sim_dir.join(format!("{HOT_SET_MODULE}.py")),
                simulate::hot_set_source(libs),
            )
        };
        let mut measured: Vec<ProfileDoc> = Vec::new();
        let mut plan = build_plan(profile, inputs.usage.as_ref(), &inputs.files, config);
        let mut seen: Vec<Vec<String>> = Vec::new();
        // Each round can only move libraries the previous one measured; three
        // rounds settle every app we have seen, and the cap bounds the cost.
        for _ in 0..3 {
            let libs = plan.eager_libraries();
            if seen.contains(&libs) {
                break;
            }
            write(&libs)?;
            measured.push(simulate::profile_hot_set(
                &ProcessRunner,
                &spec,
                &profile.profiled_at,
            )?);
            seen.push(libs);
            plan = build_plan_measured(
                profile,
                inputs.usage.as_ref(),
                &inputs.files,
                config,
                &measured,
            );
        }
        write(&plan.eager_libraries())?;
        let samples = simulate::measure(&ProcessRunner, &spec)?;
        plan.notes.push(format!(
            "--simulate profiled the eager set alone in {} round(s); eager libraries' costs are measured there, not inferred from the entry's tree",
            measured.len()
        ));
        anyhow::Ok((plan, samples))
    })();
    // The generated module is scaffolding; never leave it behind.
    let _ = std::fs::remove_dir_all(&sim_dir);
    let (mut plan, (current, eager)) =
        result.with_context(|| format!("simulating the planned INIT with {}", python.display()))?;
    let own = simulate::project_own_ms(&plan, profile);
    let sim =
        simulate::simulation(&current, &eager, own).context("no INIT samples were measured")?;
    plan.predicted_init_ms = Some(sim.predicted_init_ms);
    plan.simulation = Some(sim);
    Ok(plan)
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let inputs = load_inputs(ctx)?;
    for w in &inputs.warnings {
        eprintln!("lmms: warning: {w}");
    }
    let plan = if args.simulate {
        simulate_plan(&args, ctx, &inputs)?
    } else {
        build_plan(
            &inputs.profile,
            inputs.usage.as_ref(),
            &inputs.files,
            &ctx.project.config,
        )
    };
    let json = plan.to_json() + "\n";
    let artifact = ctx.project.artifact_dir().join("plan.json");
    lmms_config::write_artifact(&artifact, json.as_bytes())
        .with_context(|| format!("cannot write {}", artifact.display()))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => out.write_all(json.as_bytes())?,
        Format::Text => {
            out.write_all(lmms_plan::render::render_text(&plan, ctx.color).as_bytes())?;
            writeln!(out, "wrote {}", rel(&ctx.project.root, &artifact))?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
