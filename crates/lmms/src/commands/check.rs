//! `lmms check`: lint the imports on the hot path (DEC-01, DEC-02, DEC-04).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use lmms_graph::{Environment, ImportGraph};
use lmms_lint::{Costs, PerFileIgnores, Rule, Selection, Settings, Thresholds};
use lmms_report::{Format, Options};

use crate::context::Ctx;

mod inputs;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Diagnostics with code frames.
    Text,
    /// One line per diagnostic.
    Concise,
    /// `{"schema": "lmms.check/1", "diagnostics": [...]}`.
    Json,
    /// SARIF 2.1.0 with rule metadata.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to check (default: the configured source roots).
    pub paths: Vec<PathBuf>,
    #[arg(long = "format", alias = "output-format", value_enum, default_value_t = OutputFormat::Text)]
    pub output_format: OutputFormat,
    /// Rules to run: codes, prefixes (`LMM00`), rule names or `ALL`;
    /// replaces the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Rules to skip, added to the config's `ignore`.
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Print counts per rule instead of the diagnostics.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    pub exit_zero: bool,
    /// Profile to take import times from (default: `.lmms/profile.json`).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Usage to take request fractions from (default: `.lmms/usage.json`).
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,
}

fn config_name(ctx: &Ctx) -> String {
    ctx.project.config_file.as_ref().map_or_else(|| "the configuration".into(), |f| f.display().to_string())
}

fn format(f: OutputFormat) -> Format {
    match f {
        OutputFormat::Text => Format::Text,
        OutputFormat::Concise => Format::Concise,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
    }
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let project = &ctx.project;
    let cfg = &project.config;
    let root = std::fs::canonicalize(ctx.cwd.join(&project.root))
        .unwrap_or_else(|_| ctx.cwd.join(&project.root));
    let roots: Vec<PathBuf> = cfg
        .src
        .iter()
        .map(|p| {
            let p = root.join(p);
            std::fs::canonicalize(&p).unwrap_or(p)
        })
        .collect();

    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        roots.clone()
    } else {
        let mut v = Vec::new();
        for p in &args.paths {
            let abs = ctx.cwd.join(p);
            match std::fs::canonicalize(&abs) {
                Ok(c) => v.push(c),
                Err(e) => bail!("cannot check {}: {e}", p.display()),
            }
        }
        v
    };

    let select = if args.select.is_empty() {
        cfg.select.clone()
    } else {
        args.select.clone()
    };
    let ignore: Vec<String> = cfg.ignore.iter().chain(&args.ignore).cloned().collect();
    let selection = Selection::new(select, ignore)?;
    let per_file_ignores = PerFileIgnores::new(cfg.per_file_ignores.clone())
        .map_err(|e| anyhow::anyhow!("{}: {e}", config_name(ctx)))?;

    // LMM002 needs costs; whether there can be any is known from the heavy
    // table and the profile's presence, before the profile is parsed.
    let profile_present = args.profile.is_some() || inputs::artifact_dir(ctx, &root).join("profile.json").is_file();
    let lmm002 = selection.is_enabled(Rule::TransitiveHeavyImport) && (!cfg.heavy.is_empty() || profile_present);
    // Installed packages matter only for chains through third-party code;
    // their site-packages come from the interpreter's layout, unrun.
    let env = if lmm002 {
        inputs::installed_env(&root, cfg)
    } else {
        Environment::builtin()
    };
    // The profile of a big app is hundreds of modules of JSON: it is parsed
    // and indexed on its own thread while the tree is walked and parsed,
    // instead of before, when the parse pool would still be idle.
    let (measured, (graph, walk_issues)) = std::thread::scope(|s| {
        let measured = s.spawn(|| {
            inputs::artifacts(&args, ctx, &root).map(|(profile, usage)| {
                (Costs::new(profile.as_ref(), cfg.heavy.iter().map(|(k, v)| (k.clone(), *v))), usage)
            })
        });
        // The rules need imports, module-level calls and syntax errors only.
        let loaded = ImportGraph::load_with(
            &paths,
            &root,
            &roots,
            &cfg.exclude,
            env.clone(),
            lmms_python::Extract::IMPORTS_ONLY,
        );
        (measured.join().unwrap_or_else(|p| std::panic::resume_unwind(p)), loaded)
    });
    let (costs, usage) = measured?;
    let needs_costs = [
        Rule::HeavyModuleLevelImport,
        Rule::TransitiveHeavyImport,
        Rule::OverLazyImport,
        Rule::ImportTimeCall,
    ]
    .into_iter()
    .any(|r| selection.is_enabled(r));
    if costs.is_empty() && needs_costs && !args.statistics {
        ctx.note(format_args!(
            "no .lmms/profile.json and no [tool.lmms] heavy table: rules that need measured import \
             times (LMM001, LMM002, LMM003, LMM005) have nothing to judge by; run `lmms profile` first"
        ));
    }
    let entry_module = cfg
        .entry
        .as_deref()
        .and_then(lmms_config::parse_entry)
        .map(|(m, _)| m.to_string());

    let lmm002 = lmm002 && !costs.is_empty();
    let installed = if lmm002 {
        inputs::installed_graph(&env, &graph, &costs, cfg.module_level_ms)
    } else {
        None
    };

    let settings = Settings {
        thresholds: Thresholds {
            module_level_ms: cfg.module_level_ms,
            function_level_ms: cfg.function_level_ms,
            hot_usage: cfg.hot_usage,
            cold_usage: cfg.cold_usage,
        },
        costs,
        usage,
        entry_module: entry_module.clone(),
        selection,
        per_file_ignores,
        root: root.clone(),
        installed,
        plan: inputs::plan_rows(ctx, &root),
    };
    let mut report =
        lmms_graph::parse_pool().install(|| lmms_lint::check(&graph, &settings, &walk_issues));
    inputs::fast_path_rules(ctx, &graph, &settings, &mut report)?;
    if report.entry_found == Some(false) {
        ctx.warn(format_args!(
            "entry module `{}` not found under the source roots; treating every file as on the hot path",
            entry_module.as_deref().unwrap_or_default()
        ));
    }

    let sources = |p: &Path| -> Option<&str> {
        let i = graph
            .files
            .binary_search_by(|f| f.path.as_path().cmp(p))
            .ok()?;
        graph.files[i].text()
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let fmt = format(args.output_format);
    if args.statistics {
        lmms_report::render_statistics(&mut out, fmt, &report.diagnostics, &ctx.theme)?;
    } else {
        let opts = Options {
            theme: ctx.theme,
            version: env!("CARGO_PKG_VERSION"),
        };
        lmms_report::render(&mut out, fmt, &report.diagnostics, &sources, opts)?;
    }
    out.flush()?;
    // The process ends right after: freeing hundreds of thousands of small
    // allocations one by one would only add to the wall time.
    let code = if report.diagnostics.is_empty() || args.exit_zero { ExitCode::SUCCESS } else { ExitCode::from(1) };
    std::mem::forget((graph, report, settings));
    Ok(code)
}
