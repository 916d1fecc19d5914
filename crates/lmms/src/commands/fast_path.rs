//! `lmms fast-path generate|check`: write `fast_path.py` from the plan and
//! hold it to DEC-04.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use lmms_fast_path::{check, generate, has_errors, CheckInput, EntryFile, Finding, GenerateInput, Severity};

use super::plan::{current_plan, load_inputs};
use crate::context::Ctx;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, clap::Subcommand)]
pub enum FastPathCommand {
    /// Write fast_path.py from the plan (keeps your comments and helpers).
    Generate(GenerateArgs),
    /// Check fast_path.py against DEC-04's limits; exit 1 on violations.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Print the file instead of writing it.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// `json` prints `lmms.fast-path-check/1` with every finding.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Check this file instead of the configured `fast-path`.
    pub file: Option<PathBuf>,
}

pub fn run(cmd: FastPathCommand, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match cmd {
        FastPathCommand::Generate(a) => run_generate(a, ctx),
        FastPathCommand::Check(a) => run_check(a, ctx),
    }
}

fn display(ctx: &Ctx, p: &Path) -> String {
    let root =
        std::fs::canonicalize(&ctx.project.root).unwrap_or_else(|_| ctx.project.root.clone());
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    p.strip_prefix(&root)
        .unwrap_or(&p)
        .to_string_lossy()
        .into_owned()
}

/// Dotted name of the fast-path module under its source root.
fn fast_path_module(ctx: &Ctx, file: &Path) -> String {
    lmms_python::module_name(file, &ctx.project.src_roots())
        .or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "fast_path".into())
}

fn run_generate(args: GenerateArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let inputs = load_inputs(ctx)?;
    for w in &inputs.warnings {
        eprintln!("lmms: warning: {w}");
    }
    let (plan, saved) = current_plan(ctx, &inputs);
    let file = ctx.project.fast_path_file();
    let existing = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
    };
    let module = fast_path_module(ctx, &file);
    let generated = generate(&GenerateInput {
        plan: &plan,
        config: &ctx.project.config,
        fast_path_module: &module,
        existing: existing.as_deref(),
    });
    let mut out = std::io::stdout().lock();
    if args.stdout {
        out.write_all(generated.text.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    lmms_config::write_atomic(&file, generated.text.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(
        out,
        "wrote {} ({} imports: {}{})",
        display(ctx, &file),
        generated.modules.len(),
        generated.modules.join(", "),
        if generated.kept_lines > 0 {
            format!("; kept {} of your lines", generated.kept_lines)
        } else {
            String::new()
        }
    )?;
    if !saved {
        writeln!(out, "note: no .lmms/plan.json for the current profile; planned afresh (`lmms plan --simulate` measures eager costs)")?;
    }
    if inputs.usage.is_none() {
        writeln!(
            out,
            "note: no .lmms/usage.json, so only imports under {} ms qualify",
            ctx.project.config.module_level_ms
        )?;
    }
    writeln!(out, "next: import it from the entry module with `from {module} import *` and run `lmms fast-path check`")?;
    Ok(ExitCode::SUCCESS)
}

fn today_days() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (secs / 86_400) as i64
}

/// The entry module's file under the source roots (`a.b` → `a/b.py` or
/// `a/b/__init__.py`).
fn entry_file(ctx: &Ctx, module: &str) -> Option<(PathBuf, bool)> {
    let rel: PathBuf = module.split('.').collect();
    ctx.project.src_roots().into_iter().find_map(|root| {
        let f = root.join(&rel).with_extension("py");
        if f.is_file() {
            return Some((f, false));
        }
        let p = root.join(&rel).join("__init__.py");
        p.is_file().then_some((p, true))
    })
}

/// Run the fast-path rules (LMM101–108) on `file`. `Ok(None)` when the file
/// does not exist. Measurements are optional: without a profile only the
/// static limits apply, and `notes` says so. `lmms check` can call this to
/// report the LMM1xx rules beside its own.
pub fn check_file(
    ctx: &Ctx,
    file: &Path,
    notes: &mut Vec<String>,
) -> anyhow::Result<Option<Vec<Finding>>> {
    let shown = display(ctx, file);
    let (source, parsed) = match lmms_python::read_and_parse(file) {
        Ok(x) => x,
        Err(lmms_python::SourceError::Read { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let module = fast_path_module(ctx, file);
    let inputs = match load_inputs(ctx) {
        Ok(i) => Some(i),
        Err(e) => {
            notes.push(format!(
                "{e:#}; measured limits (total time, drift, tiers) are not checked"
            ));
            None
        }
    };
    let plan = inputs.as_ref().map(|i| current_plan(ctx, i).0);
    let entry_name = inputs
        .as_ref()
        .map(|i| i.profile.entry_module().to_string())
        .or_else(|| {
            ctx.project
                .config
                .entry
                .as_deref()
                .and_then(lmms_config::parse_entry)
                .map(|(m, _)| m.to_string())
        });
    let entry = entry_name.as_deref().and_then(|m| {
        let (path, is_package) = entry_file(ctx, m)?;
        let (_, parsed) = lmms_python::read_and_parse(&path).ok()?;
        Some((display(ctx, &path), m.to_string(), is_package, parsed))
    });
    Ok(Some(check(&CheckInput {
        path: &shown,
        source: &source,
        parsed: &parsed,
        fast_path_module: &module,
        profile: inputs.as_ref().map(|i| &i.profile),
        plan: plan.as_ref(),
        usage: inputs.as_ref().and_then(|i| i.usage.as_ref()),
        config: &ctx.project.config,
        today_days: today_days(),
        entry: entry
            .as_ref()
            .map(|(path, module, is_package, parsed)| EntryFile {
                path,
                module,
                is_package: *is_package,
                parsed,
            }),
    })))
}

fn run_check(args: CheckArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let file = match &args.file {
        Some(f) => ctx.cwd.join(f),
        None => ctx.project.fast_path_file(),
    };
    let shown = display(ctx, &file);
    let mut notes = Vec::new();
    let Some(findings) = check_file(ctx, &file, &mut notes)? else {
        eprintln!(
            "lmms: {shown} does not exist; DEC-04 requires one: run `lmms fast-path generate`"
        );
        return Ok(ExitCode::from(1));
    };
    for n in &notes {
        eprintln!("lmms: warning: {n}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct CheckDoc<'a> {
                schema: &'static str,
                path: &'a str,
                errors: usize,
                warnings: usize,
                findings: Vec<FindingRow<'a>>,
            }
            #[derive(serde::Serialize)]
            struct FindingRow<'a> {
                code: &'static str,
                severity: Severity,
                path: &'a str,
                line: u32,
                column: u32,
                message: &'a str,
            }
            let rows = findings
                .iter()
                .map(|f| FindingRow {
                    code: code(f),
                    severity: f.severity,
                    path: &f.path,
                    line: f.line,
                    column: f.column,
                    message: &f.message,
                })
                .collect();
            let doc = CheckDoc {
                schema: "lmms.fast-path-check/1",
                path: &shown,
                errors,
                warnings,
                findings: rows,
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Text => {
            for f in &findings {
                let sev = match f.severity {
                    Severity::Error => paint(ctx.color, "31", "error"),
                    Severity::Warning => paint(ctx.color, "33", "warning"),
                };
                writeln!(
                    out,
                    "{}:{}:{}: {} {sev}: {}",
                    f.path,
                    f.line,
                    f.column,
                    paint(ctx.color, "1", code(f)),
                    f.message
                )?;
            }
            if findings.is_empty() {
                writeln!(out, "{shown} meets DEC-04: fewer than 20 imports, under 200 ms, under 50 lines, every import justified")?;
            } else {
                writeln!(
                    out,
                    "{errors} error(s), {warnings} warning(s) checking {shown} against DEC-04"
                )?;
            }
        }
    }
    out.flush()?;
    Ok(if has_errors(&findings) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The rule's code, from the one registry.
fn code(f: &Finding) -> &'static str {
    lmms_lint::Rule::from_fast_path(f.rule).code()
}

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}
