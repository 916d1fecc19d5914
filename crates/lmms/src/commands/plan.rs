//! `lmms plan`: classify every import the entry loads at INIT and decide
//! module level or function level (DEC-01/02), optionally measuring the
//! planned INIT in fresh processes (`--simulate`: `lmms fix`'s rewrite in a
//! shadow copy, `lmms_simulate`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use lmms_plan::inputs::{self, rel, Inputs};
use lmms_simulate::{simulate, SimulateInput};

use crate::context::Ctx;

use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `json` prints the `lmms.plan/1` document written to .lmms/plan.json.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Apply the plan with `lmms fix` in a shadow copy and measure that tree's
    /// INIT against today's, interleaved in fresh processes.
    #[arg(long)]
    pub simulate: bool,
    /// Interleaved runs per series for --simulate (default: config `runs`, else 10).
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Interpreter for --simulate (default: the one the profile used).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    /// Plan the code `lmms fix --unsafe-fixes` writes: module-level values
    /// (clients, sessions, configs) become cached getters, so they no longer
    /// keep their imports on INIT. With --simulate, the shadow copy is fixed
    /// that way too.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Show every import (not only those that change) with the reason for
    /// each, its blockers' source lines and where the cost models disagree
    /// (also the global `-v`).
    #[arg(long)]
    pub explain: bool,
    /// With --simulate: verify the shadow rewrite as `lmms fix` does with the
    /// same flags (the entry's import, and these), dropping what breaks.
    #[command(flatten)]
    pub verify: super::fix_verify::VerifyArgs,
}

/// Read the profile (required), usage (optional) and the project modules
/// the profile saw loaded during INIT.
fn load_inputs(ctx: &Ctx) -> anyhow::Result<Inputs> {
    let src_roots = ctx.project.src_roots();
    let artifact_dir = ctx.project.artifact_dir();
    let project = inputs::Project { root: &ctx.project.root, src_roots: &src_roots, artifact_dir: &artifact_dir };
    Ok(inputs::load(&project)?)
}

/// `--simulate`'s interpreter, runs, timeout and fix options, resolved from
/// the flags, the config and the profile.
fn simulate_input(args: &Args, ctx: &Ctx, inputs: &Inputs) -> anyhow::Result<SimulateInput> {
    let config = &ctx.project.config;
    let python = match &args.python {
        Some(p) => super::profile::interpreter(Some(p), ctx)?.path,
        None if Path::new(&inputs.profile.python.executable).is_file() => {
            PathBuf::from(&inputs.profile.python.executable)
        }
        None => super::profile::interpreter(None, ctx)?.path,
    };
    let target = super::fix::config_target(config);
    let mut verify = super::fix_verify::input(&args.verify, ctx, target)?;
    // The checks run the interpreter whose INIT is predicted.
    if let Some(p) = verify.as_mut().and_then(|v| v.python.as_mut()) {
        *p = python.clone();
    }
    Ok(SimulateInput {
        root: ctx.project.root.clone(),
        src_roots: ctx.project.src_roots(),
        exclude: config.exclude.clone(),
        options: lmms_fix::Options { allow_unsafe: args.unsafe_fixes, target, ..Default::default() },
        entry_module: config.entry.as_deref().and_then(lmms_config::parse_entry).map(|(m, _)| m.to_string()),
        fast_path_file: ctx.project.fast_path_file(),
        python,
        runs: args.runs.or(config.runs).unwrap_or(10),
        timeout: crate::context::start_timeout(None, config)?,
        env: ctx.env(),
        verify,
    })
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let v = &args.verify;
    if !args.simulate && (v.test.is_some() || v.events.is_some() || v.no_verify) {
        anyhow::bail!("--test, --events and --no-verify verify `--simulate`'s rewrite: add --simulate");
    }
    let mut inputs = load_inputs(ctx)?;
    inputs.unsafe_fixes = args.unsafe_fixes;
    for w in &inputs.warnings {
        ctx.warn(w);
    }
    let config = &ctx.project.config;
    let plan = if args.simulate {
        let input = simulate_input(&args, ctx, &inputs)?;
        simulate(&ctx.runner(), &ctx.reporter, &inputs, config, &input)?.plan
    } else {
        lmms_plan::plan::plan(&inputs.request(config, &[]))
    };
    let json = plan.to_json() + "\n";
    let artifact = ctx.project.artifact_dir().join("plan.json");
    lmms_config::write_artifact(&artifact, json.as_bytes())
        .with_context(|| format!("cannot write {}", artifact.display()))?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => out.write_all(json.as_bytes())?,
        Format::Text => {
            let explain = args.explain || ctx.reporter.verbose() > 0;
            out.write_all(lmms_plan::render::render_text(&plan, &ctx.theme, explain).as_bytes())?;
            if !ctx.quiet {
                writeln!(out, "wrote {}", rel(&ctx.project.root, &artifact))?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
