//! `lmms fix`: apply the plan (or `--lazy MODULE…`) by moving imports into
//! the functions that use them. The pipeline is `lmms_fix::pipeline`; this
//! module turns arguments into its input, renders the report and picks the
//! exit code.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use lmms_fix::pipeline::{self, FixInput, Report, Selection};
use lmms_fix::{Options, SkipReason, Target};

use crate::context::Ctx;

use super::Format;

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum TargetVersion {
    /// Move imports into functions (any Python 3).
    Py3,
    /// Write PEP 810 `lazy import` statements (Python 3.15+).
    Py315,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to rewrite, inside the project (default: the
    /// source roots); the whole project is still read to resolve imports.
    pub paths: Vec<PathBuf>,
    /// Defer these modules everywhere, without a plan or profile. The first
    /// value that is not a dotted name (`app/`, `./app`, `handler.py`) and
    /// everything after it are PATHS; or put PATHS after `--`.
    #[arg(long, value_name = "MODULE", num_args = 1.., value_delimiter = ',')]
    pub lazy: Vec<String>,
    /// The plan to apply (default: `.lmms/plan.json`).
    #[arg(long, value_name = "FILE", conflicts_with = "lazy")]
    pub plan: Option<PathBuf>,
    /// Also apply rewrites that change observable behaviour: cached getters
    /// for module-level clients, lazy dispatch-table entries.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Show the changes as a unified diff without writing (exit 1 if any).
    #[arg(long)]
    pub diff: bool,
    /// `py315` writes `lazy import` (PEP 810) instead of moving imports
    /// (default: config `target-version`).
    #[arg(long, value_enum, value_name = "VERSION")]
    pub target_version: Option<TargetVersion>,
    #[command(flatten)]
    pub verify: super::fix_verify::VerifyArgs,
    /// Keep the imports where they are and list their modules in PEP 810's
    /// `__lazy_modules__` (ignored before Python 3.15, lazy from 3.15).
    #[arg(long, conflicts_with = "target_version")]
    pub lazy_modules: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let project = &ctx.project;
    let target = match args.target_version {
        _ if args.lazy_modules => Target::LazyModules,
        Some(TargetVersion::Py315) => Target::Py315,
        Some(TargetVersion::Py3) => Target::Classic,
        None => config_target(&project.config),
    };
    let (modules, paths) = split_lazy(&args.lazy, &args.paths);
    let selection = if modules.is_empty() {
        Selection::Plan(match &args.plan {
            Some(p) => ctx.cwd.join(p),
            None => project.artifact_dir().join("plan.json"),
        })
    } else {
        Selection::Lazy { modules }
    };
    let input = FixInput {
        root: project.root.clone(),
        src_roots: project.src_roots(),
        exclude: project.config.exclude.clone(),
        selection,
        paths: paths.iter().map(|p| ctx.cwd.join(p)).collect(),
        options: Options { allow_unsafe: args.unsafe_fixes, target, ..Options::default() },
        write: !args.diff,
        entry_module: project.config.entry.as_deref().and_then(lmms_config::parse_entry).map(|(m, _)| m.to_string()),
        fast_path_file: project.fast_path_file(),
        profile_file: project.artifact_dir().join("profile.json"),
        verify: super::fix_verify::input(&args.verify, ctx, target)?,
    };
    let report = pipeline::run_with(&input, &ctx.runner(), &ctx.reporter)?;

    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Text => render_text(&mut out, &report, args.diff, args.unsafe_fixes, ctx)?,
    }
    let refused = report.summary.files_refused > 0;
    let would_change = args.diff && report.summary.files_changed > 0;
    Ok(if refused || would_change { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The config's `target-version` (`lmms plan --simulate` fixes the same way).
pub fn config_target(config: &lmms_config::Config) -> Target {
    match config.target_version.as_deref() {
        Some("py315") | Some("py3.15") | Some("3.15") => Target::Py315,
        _ => Target::Classic,
    }
}

/// `--lazy a b app/` reads as modules `a b` and the PATH `app/`: clap
/// cannot tell where the modules end, a dotted name can.
fn split_lazy(lazy: &[String], paths: &[PathBuf]) -> (Vec<String>, Vec<PathBuf>) {
    let is_module = |v: &str| !v.ends_with(".py") && !v.ends_with(".pyi") && v.split('.').all(is_identifier);
    let cut = lazy.iter().position(|v| !is_module(v)).unwrap_or(lazy.len());
    let mut all: Vec<PathBuf> = lazy[cut..].iter().map(PathBuf::from).collect();
    all.extend(paths.iter().cloned());
    (lazy[..cut].to_vec(), all)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic()) && chars.all(|c| c == '_' || c.is_alphanumeric())
}

fn render_text(out: &mut dyn Write, r: &Report, diff: bool, unsafe_fixes: bool, ctx: &Ctx) -> anyhow::Result<()> {
    for f in &r.files {
        if diff && !f.diff.is_empty() {
            out.write_all(lmms_fix::paint_diff(&f.diff, &ctx.theme).as_bytes())?;
        }
    }
    for f in &r.files {
        if let Some(e) = &f.error {
            let what = match f.status {
                "refused" => "refused",
                "dropped" => "not rewritten",
                _ => "skipped file",
            };
            writeln!(out, "{}: {what}: {e}", f.path)?;
        }
        for m in &f.moves {
            let into = if m.into.is_empty() {
                match m.kind {
                    lmms_fix::MoveKind::LazyKeyword => "lazy import".to_string(),
                    lmms_fix::MoveKind::Function => "TYPE_CHECKING only".to_string(),
                    lmms_fix::MoveKind::FastPath => "fast_path".to_string(),
                    lmms_fix::MoveKind::LazyModules => "__lazy_modules__".to_string(),
                    lmms_fix::MoveKind::Removed => "removed".to_string(),
                }
            } else {
                m.into.join(", ")
            };
            let unsafe_tag = if m.applicability == lmms_fix::Applicability::Unsafe { " [unsafe]" } else { "" };
            writeln!(out, "{}:{}: moved {} → {}{unsafe_tag}", f.path, m.line, m.module, into)?;
            for n in &m.notes {
                writeln!(out, "    {n}")?;
            }
        }
        for s in &f.skips {
            writeln!(out, "{}:{}: skipped {}: {} ({})", f.path, s.line, s.module, s.reason.as_str(), s.detail)?;
        }
    }
    for u in &r.unmatched {
        writeln!(out, "plan entry not found in the source (stale plan? rerun `lmms plan`): {u}")?;
    }
    for n in r.walk_notes.iter().filter(|_| !ctx.quiet) {
        writeln!(out, "note: {n}")?;
    }
    super::fix_verify::render(out, r)?;
    let s = &r.summary;
    let verb = if diff { "would move" } else { "moved" };
    let reasons: Vec<String> = s.skipped_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
    writeln!(
        out,
        "{verb} {} import{} in {} file{}; skipped {}{}",
        s.moved,
        plural(s.moved),
        s.files_changed,
        plural(s.files_changed),
        s.skipped,
        if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) }
    )?;
    if s.already_applied > 0 {
        writeln!(out, "{} planned move{} already applied", s.already_applied, plural(s.already_applied))?;
    }
    let unparsable = s.files_refused - s.files_read_only;
    if unparsable > 0 {
        writeln!(out, "{unparsable} file{} refused: the rewrite would not parse", plural(unparsable))?;
    }
    if s.files_read_only > 0 {
        writeln!(out, "{} file{} refused: read-only", s.files_read_only, plural(s.files_read_only))?;
    }
    if s.files_unreadable > 0 {
        writeln!(out, "{} file{} not read: not UTF-8 or has syntax errors", s.files_unreadable, plural(s.files_unreadable))?;
    }
    if let Some(ms) = s.moved_import_ms {
        write!(out, "predicted INIT change: −{ms:.0} ms deferred")?;
        if let (Some(c), Some(p)) = (s.current_init_ms, s.predicted_init_ms) {
            write!(out, " ({c:.0} ms → {p:.0} ms planned")?;
            if let Some(pct) = s.predicted_improvement_pct {
                write!(out, ", {}", init_change(pct))?;
            }
            if let Some(series) = s.prediction_series {
                write!(out, ", from {}", series.describe())?;
            }
            write!(out, ")")?;
        }
        writeln!(out)?;
        if s.planned_unsafe == Some(true) && !unsafe_fixes && !ctx.quiet {
            writeln!(
                out,
                "note: the plan was made for `--unsafe-fixes`, so its prediction counts rewrites this run does not make; \
                 run `lmms plan` without it for this fix's figure"
            )?;
        }
    }
    let unsafe_skips = s.skipped_by_reason.get(SkipReason::NeedsUnsafe.as_str()).copied().unwrap_or(0);
    if unsafe_skips > 0 {
        writeln!(out, "{unsafe_skips} more with --unsafe-fixes (review the diff: behaviour may change)")?;
    }
    Ok(())
}

/// INIT's change for an improvement of `pct`%: `−92%` faster, `+23%`
/// slower, one sign only.
fn init_change(pct: f64) -> String {
    match format!("{:.0}", pct.abs()).as_str() {
        "0" => "±0%".to_string(),
        n if pct > 0.0 => format!("−{n}%"),
        n => format!("+{n}%"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::init_change;

    #[test]
    fn an_init_change_carries_one_sign() {
        assert_eq!(init_change(92.4), "−92%");
        assert_eq!(init_change(-23.0), "+23%");
        assert_eq!(init_change(0.2), "±0%");
        assert_eq!(init_change(-0.4), "±0%");
    }
}
