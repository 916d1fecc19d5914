//! `lmms fast-path generate|check`: write `fast_path.py` from the plan and
//! hold it to DEC-04.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use lmms_fast_path::project::display;
use lmms_fast_path::{has_errors, Finding, Severity};
use lmms_report::style::paint;

use crate::context::Ctx;

use super::Format;

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

fn run_generate(args: GenerateArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let outcome = lmms_fast_path::project::generate_file(&ctx.project)?;
    for w in &outcome.warnings {
        ctx.warn(w);
    }
    let (generated, file, module) = (&outcome.generated, &outcome.file, &outcome.module);
    let mut out = std::io::stdout().lock();
    if args.stdout {
        out.write_all(generated.text.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    lmms_config::write_atomic(file, generated.text.as_bytes())
        .with_context(|| format!("cannot write {}", file.display()))?;
    let kept = if generated.kept_lines > 0 {
        format!("; kept {} of your lines", generated.kept_lines)
    } else {
        String::new()
    };
    writeln!(
        out,
        "wrote {} ({} imports: {}{kept})",
        display(&ctx.project, file),
        generated.modules.len(),
        generated.modules.join(", ")
    )?;
    if ctx.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    if !generated.left_out.is_empty() {
        writeln!(
            out,
            "note: left out {} (DEC-04 allows fewer than 20 imports and 50 lines of code); they stay imported where they are used",
            generated.left_out.join(", ")
        )?;
    }
    if !outcome.saved_plan {
        writeln!(out, "note: no .lmms/plan.json for the current profile; planned afresh (`lmms plan --simulate` measures eager costs)")?;
    }
    if !outcome.has_usage {
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

/// Run the fast-path rules (LMM101–108) on `file`; `Ok(None)` when it does
/// not exist. `lmms check` calls this to report the LMM1xx rules beside its
/// own.
pub fn check_file(ctx: &Ctx, file: &Path, notes: &mut Vec<String>) -> anyhow::Result<Option<Vec<Finding>>> {
    Ok(lmms_fast_path::project::check_file(&ctx.project, file, today_days(), notes)?)
}

fn run_check(args: CheckArgs, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let file = match &args.file {
        Some(f) => ctx.cwd.join(f),
        None => ctx.project.fast_path_file(),
    };
    let shown = display(&ctx.project, &file);
    let mut notes = Vec::new();
    let Some(findings) = check_file(ctx, &file, &mut notes)? else {
        eprintln!(
            "lmms: {shown} does not exist; DEC-04 requires one: run `lmms fast-path generate`"
        );
        return Ok(ExitCode::from(1));
    };
    for n in &notes {
        ctx.warn(n);
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
                    Severity::Error => paint(ctx.theme.error, "error"),
                };
                writeln!(
                    out,
                    "{}:{}:{}: {} {sev}: {}",
                    f.path,
                    f.line,
                    f.column,
                    paint(ctx.theme.heading, code(f)),
                    f.message
                )?;
            }
            if findings.is_empty() {
                writeln!(out, "{shown} meets DEC-04: fewer than 20 imports, under 200 ms, under 50 lines, every import justified")?;
            } else {
                // Every rule is an error (one severity, as in `lmms check`),
                // so there is no warning count to print.
                let s = if errors == 1 { "" } else { "s" };
                writeln!(out, "{errors} error{s} checking {shown} against DEC-04")?;
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
