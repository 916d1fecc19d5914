//! `lmms profile`: measure every import of the entry point (DEC-03).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use lmms_profile::measure::{self, EntrySpec, ProfileRequest};
use lmms_profile::python::{self, Hints, Interpreter};
use lmms_profile::render::{self, TextOptions};

use crate::context::Ctx;

use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// `module:function` of the handler (default: `entry` from config).
    pub entry: Option<String>,
    /// Fresh interpreter starts to measure.
    #[arg(long, value_name = "N")]
    pub runs: Option<u32>,
    /// Seconds before a start is killed (with its whole process group).
    #[arg(long, value_name = "SECONDS", value_parser = crate::context::parse_timeout)]
    pub timeout: Option<Duration>,
    /// Interpreter to measure (default: config, $VIRTUAL_ENV, .venv, python3).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Fold tree nodes whose median cumulative time is below this
    /// [default: 1% of INIT, at least 2 ms].
    #[arg(long, value_name = "MS")]
    pub min_ms: Option<f64>,
    /// Deepest import-tree level shown.
    #[arg(long, value_name = "N", default_value_t = 6)]
    pub depth: usize,
    /// Rows in the self-time table.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub top: usize,
}

/// Pick and resolve the interpreter as every measuring command does.
pub fn interpreter(cli: Option<&Path>, ctx: &Ctx) -> anyhow::Result<Interpreter> {
    let project = &ctx.project;
    // `python = "python3.12"` is a command looked up on PATH; a path with a
    // slash is relative to the config file.
    let config = project.config.python.as_ref().map(|p| {
        if p.components().count() == 1 { p.clone() } else { project.root.join(p) }
    });
    let chosen = python::choose(&Hints::from_env(cli.map(|p| p), config, &project.root))?;
    Ok(python::resolve(chosen, &ctx.runner())?)
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let cfg = &ctx.project.config;
    let entry = match args.entry.as_deref().or(cfg.entry.as_deref()) {
        Some(e) => e.to_string(),
        None => bail!(
            "no entry point: pass `lmms profile module:function` or set `entry = \"module:function\"` under [tool.lmms]"
        ),
    };
    let Some((module, handler)) = lmms_config::parse_entry(&entry) else {
        bail!("entry {entry:?} must look like \"module:function\" (e.g. lambda_function:lambda_handler)");
    };
    let entry = format!("{module}:{handler}");
    let runs = args.runs.or(cfg.runs).unwrap_or(10);
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let timeout = crate::context::start_timeout(args.timeout, cfg)?;
    let interp = interpreter(args.python.as_deref(), ctx)?;
    let mut notes = vec![format!("using {} (from {})", interp.path.display(), interp.source)];
    match (&ctx.function, &ctx.project.config_file) {
        (Some(func), _) => {
            notes.push(format!("function {} ({}) from {}", func.name, func.handler, func.template.display()))
        }
        (None, Some(f)) => notes.push(format!("config {}", f.display())),
        (None, None) => {}
    }
    let src_roots: Vec<PathBuf> = ctx
        .project
        .src_roots()
        .into_iter()
        .map(|p| std::fs::canonicalize(&p).unwrap_or(p))
        .collect();
    let req = ProfileRequest {
        entry: entry.clone(),
        spec: EntrySpec {
            python: interp.path.clone(),
            cwd: std::fs::canonicalize(&ctx.project.root).unwrap_or_else(|_| ctx.project.root.clone()),
            src_roots,
            module: module.to_string(),
            handler: handler.to_string(),
            timeout,
            importtime: true,
            env: ctx.env(),
        },
        runs,
        profiled_at: now_rfc3339(),
    };
    let doc = measure::profile(&ctx.runner(), &req, &ctx.reporter)
        .with_context(|| format!("profiling {entry} with {}", interp.path.display()))?;

    let artifact = ctx.project.artifact_dir().join("profile.json");
    let json = serde_json::to_string_pretty(&doc)? + "\n";
    lmms_config::write_artifact(&artifact, json.as_bytes())
        .with_context(|| format!("cannot write {}", artifact.display()))?;
    notes.push(format!("wrote {}", artifact.display()));

    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => out.write_all(json.as_bytes())?,
        Format::Text => {
            let opts = TextOptions {
                // Scale the fold to the app: 2 ms matters at 80 ms INIT, not at 800.
                tree_min_ms: args.min_ms.unwrap_or((doc.init_ms.median / 100.0).max(2.0)),
                tree_max_depth: args.depth.max(1),
                top: args.top,
                module_level_ms: cfg.module_level_ms,
                function_level_ms: cfg.function_level_ms,
                hot_usage: cfg.hot_usage,
                theme: ctx.theme,
                // `-q`: the report without the notes around it.
                notes: if ctx.quiet { Vec::new() } else { notes },
            };
            out.write_all(render::text(&doc, &opts).as_bytes())?;
        }
    }
    out.flush()?;
    // After the report, where it is read; a failed run has a bigger problem.
    if let Some(w) = lmms_profile::runner::no_bytecode_warning(&req.spec.env, &|k| std::env::var_os(k)) {
        ctx.warn(w);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    lmms_stats::date::rfc3339_utc(secs)
}
