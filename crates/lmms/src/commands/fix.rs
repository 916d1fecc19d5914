//! `lmms fix`: apply the plan (or `--lazy MODULE…`) by moving imports into
//! the functions that use them. Every file is rewritten at most once,
//! atomically, and only after its new text has been re-parsed cleanly.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use lmms_fix::{apply_fixes, rewrite, unified_diff, write_atomic, Move, Options, Request, Skip, SkipReason, Target};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;

pub const FIX_SCHEMA: &str = "lmms.fix/1";

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum TargetVersion {
    /// Move imports into functions (any Python 3).
    Py3,
    /// Write PEP 810 `lazy import` statements (Python 3.15+).
    Py315,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to rewrite with `--lazy` (default: the source roots).
    pub paths: Vec<PathBuf>,
    /// Defer these modules everywhere, without a plan or profile.
    #[arg(long, value_name = "MODULE", num_args = 1..)]
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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The subset of `lmms.plan/1` this command reads; unknown fields are fine.
#[derive(Debug, Deserialize)]
struct PlanFile {
    schema: String,
    imports: Vec<PlanEntry>,
    #[serde(default)]
    current_init_ms: Option<lmms_stats::Summary>,
    #[serde(default)]
    predicted_init_ms: Option<lmms_stats::Summary>,
    #[serde(default)]
    estimated_init_ms: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct PlanEntry {
    path: String,
    line: u32,
    module: String,
    import_ms: Option<f64>,
    usage: Option<f64>,
    tier: Option<serde_json::Value>,
    strategy: String,
    #[serde(default)]
    current: Option<String>,
}

#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    moves: Vec<Move>,
    skips: Vec<Skip>,
    /// `written`, `diff` (shown only), `unchanged`, `refused` or `error`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// The unified diff of the rewrite (empty when unchanged).
    #[serde(skip_serializing_if = "String::is_empty")]
    diff: String,
}

#[derive(Debug, Serialize)]
struct Summary {
    files_scanned: usize,
    files_changed: usize,
    files_refused: usize,
    files_unreadable: usize,
    moved: usize,
    /// Plan entries an earlier run already applied.
    already_applied: usize,
    skipped: usize,
    skipped_by_reason: BTreeMap<&'static str, usize>,
    /// Sum of the plan's marginal `import_ms` for the moved imports.
    moved_import_ms: Option<f64>,
    current_init_ms: Option<f64>,
    predicted_init_ms: Option<f64>,
    predicted_improvement_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    schema: &'static str,
    mode: &'static str,
    files: Vec<FileReport>,
    /// Plan entries that matched no import statement (stale plan).
    unmatched: Vec<String>,
    summary: Summary,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let project = &ctx.project;
    let target = match args.target_version {
        Some(TargetVersion::Py315) => Target::Py315,
        Some(TargetVersion::Py3) => Target::Classic,
        None => match project.config.target_version.as_deref() {
            Some("py315") | Some("py3.15") | Some("3.15") => Target::Py315,
            _ => Target::Classic,
        },
    };
    let opts = Options { allow_unsafe: args.unsafe_fixes, target };

    // Which files, and what to defer in each.
    let mut per_file: Vec<(PathBuf, Vec<Request>, Vec<Option<f64>>)> = Vec::new();
    let mut plan_init: Option<(Option<f64>, Option<f64>)> = None;
    let mut walk_notes = Vec::new();
    if args.lazy.is_empty() {
        let plan_path = match &args.plan {
            Some(p) => ctx.cwd.join(p),
            None => project.artifact_dir().join("plan.json"),
        };
        let text = std::fs::read_to_string(&plan_path).with_context(|| {
            format!("cannot read the plan {} (run `lmms plan` first, or pass --lazy MODULE…)", plan_path.display())
        })?;
        let plan: PlanFile =
            serde_json::from_str(&text).with_context(|| format!("{} is not a valid plan", plan_path.display()))?;
        if plan.schema != "lmms.plan/1" {
            bail!("{}: schema {:?}, expected \"lmms.plan/1\"", plan_path.display(), plan.schema);
        }
        plan_init = Some((
            plan.current_init_ms.map(|s| s.median),
            plan.predicted_init_ms.map(|s| s.median).or(plan.estimated_init_ms),
        ));
        let mut grouped: BTreeMap<String, (Vec<Request>, Vec<Option<f64>>)> = BTreeMap::new();
        for e in plan.imports {
            let already_lazy = e.current.as_deref() == Some("function-level");
            if e.strategy != "function-level" || already_lazy {
                continue;
            }
            let g = grouped.entry(e.path.clone()).or_default();
            g.0.push(Request { module: e.module.clone(), line: Some(e.line), comment: justification(&e) });
            g.1.push(e.import_ms);
        }
        for (path, (reqs, ms)) in grouped {
            per_file.push((project.root.join(path), reqs, ms));
        }
    } else {
        let profile = read_profile_ms(&project.artifact_dir().join("profile.json"));
        let reqs: Vec<Request> = args
            .lazy
            .iter()
            .map(|m| {
                let comment = match profile.get(m) {
                    Some(ms) => format!("lazy: {ms:.0} ms (lmms fix --lazy)"),
                    None => "lazy: deferred by lmms fix --lazy".to_string(),
                };
                Request { module: m.clone(), line: None, comment }
            })
            .collect();
        let roots = if args.paths.is_empty() {
            project.src_roots()
        } else {
            args.paths.iter().map(|p| ctx.cwd.join(p)).collect()
        };
        for r in &roots {
            if !r.exists() {
                bail!("{} does not exist", r.display());
            }
        }
        let (files, issues) = lmms_graph::discover_files(&roots, &project.root, &project.config.exclude);
        for i in issues {
            walk_notes.push(format!("{}: {}", i.path.display(), i.message));
        }
        for f in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "py")) {
            per_file.push((f, reqs.clone(), vec![None; reqs.len()]));
        }
    }

    // DEC-04: with a plan and a fast_path.py, the entry imports its hot
    // modules through it.
    let fast_path = if args.lazy.is_empty() && target == Target::Classic { fast_path_routing(ctx) } else { None };
    if let Some(fp) = &fast_path {
        if !per_file.iter().any(|(p, _, _)| same_file(p, &fp.entry_file)) {
            per_file.push((fp.entry_file.clone(), Vec::new(), Vec::new()));
        }
    }

    let mut reports = Vec::new();
    let mut unmatched = Vec::new();
    let mut moved_ms = 0.0;
    let mut any_ms = false;
    let mut unreadable = 0;
    let mut already = 0;
    for (path, reqs, ms) in &per_file {
        let shown = display_path(path, &project.root);
        let (source, parsed) = match lmms_python::read_and_parse(path) {
            Ok(x) => x,
            Err(e) => {
                unreadable += 1;
                reports.push(FileReport::error(shown, "error", e.to_string()));
                continue;
            }
        };
        if let Some(e) = parsed.syntax_errors.first() {
            unreadable += 1;
            let msg = format!("syntax error at line {}:{}: {}", e.line, e.column, e.message);
            reports.push(FileReport::error(shown, "error", msg));
            continue;
        }
        let mut rw = rewrite(&source, &parsed, reqs, &opts);
        if let Some(fp) = fast_path.as_ref().filter(|fp| same_file(path, &fp.entry_file)) {
            let (edits, moves) = lmms_fix::fast_path::route(&source, &parsed, &fp.exports, &fp.module);
            if !edits.is_empty() {
                let app = rw.fix.as_ref().map_or(lmms_fix::Applicability::Safe, |f| f.applicability);
                let mut all: Vec<lmms_fix::Edit> = rw.fix.as_ref().map(|f| f.edits().to_vec()).unwrap_or_default();
                all.extend(edits);
                // A statement both deferred and routed would be a plan
                // contradiction; the deferral wins.
                if let Ok(f) = lmms_fix::Fix::new(all, app) {
                    rw.fix = Some(f);
                    rw.moves.extend(moves);
                }
            }
        }
        if !args.lazy.is_empty() {
            // Ad hoc runs touch many files; unmatched modules are normal.
        } else {
            for (i, m) in rw.matched.iter().enumerate() {
                if lmms_fix::lazy::already_deferred(&source, &parsed, &reqs[i]) {
                    already += 1;
                } else if !m {
                    unmatched.push(format!("{}:{} {}", shown, reqs[i].line.unwrap_or(0), reqs[i].module));
                }
            }
        }
        for mv in &rw.moves {
            // Credit the plan's measured cost to every request this move served.
            for (i, r) in reqs.iter().enumerate() {
                if r.line == Some(mv.line) {
                    if let Some(v) = ms[i] {
                        moved_ms += v;
                        any_ms = true;
                    }
                }
            }
        }
        rw.moves.sort_by_key(|m| m.line);
        let Some(fix) = &rw.fix else {
            reports.push(FileReport { path: shown, moves: rw.moves, skips: rw.skips, status: "unchanged", error: None, diff: String::new() });
            continue;
        };
        let after = match apply_fixes(&source, [fix]) {
            Ok(a) => a,
            Err(e) => {
                reports.push(FileReport::refused(shown, rw.skips, format!("internal error: {e}")));
                continue;
            }
        };
        let reparsed = lmms_python::parse_module(&after);
        if let Some(e) = reparsed.syntax_errors.first() {
            let msg = format!("the rewritten file would not parse (line {}: {}); left unchanged", e.line, e.message);
            reports.push(FileReport::refused(shown, rw.skips, msg));
            continue;
        }
        let diff = unified_diff(&shown, &source, &after);
        let status = if args.diff {
            "diff"
        } else {
            write_atomic(path, after.as_bytes())?;
            "written"
        };
        reports.push(FileReport { path: shown, moves: rw.moves, skips: rw.skips, status, error: None, diff });
    }

    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in &reports {
        for s in &r.skips {
            *by_reason.entry(s.reason.as_str()).or_default() += 1;
        }
    }
    let (current, predicted) = plan_init.unwrap_or((None, None));
    let summary = Summary {
        files_scanned: per_file.len(),
        files_changed: reports.iter().filter(|r| matches!(r.status, "written" | "diff")).count(),
        files_refused: reports.iter().filter(|r| r.status == "refused").count(),
        files_unreadable: unreadable,
        already_applied: already,
        moved: reports.iter().map(|r| r.moves.len()).sum(),
        skipped: reports.iter().map(|r| r.skips.len()).sum(),
        skipped_by_reason: by_reason,
        moved_import_ms: any_ms.then_some((moved_ms * 10.0).round() / 10.0),
        current_init_ms: current,
        predicted_init_ms: predicted,
        predicted_improvement_pct: current
            .zip(predicted)
            .and_then(|(c, p)| lmms_stats::improvement_pct(c, p))
            .map(|x| (x * 10.0).round() / 10.0),
    };
    let report = Report {
        schema: FIX_SCHEMA,
        mode: if args.diff { "diff" } else { "write" },
        files: reports,
        unmatched,
        summary,
    };

    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        Format::Text => render_text(&mut out, &report, args.diff, &walk_notes)?,
    }
    let refused = report.summary.files_refused > 0;
    let would_change = args.diff && report.summary.files_changed > 0;
    Ok(if refused || would_change { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

impl FileReport {
    fn error(path: String, status: &'static str, error: String) -> FileReport {
        FileReport { path, moves: Vec::new(), skips: Vec::new(), status, error: Some(error), diff: String::new() }
    }

    fn refused(path: String, skips: Vec<Skip>, error: String) -> FileReport {
        FileReport { path, moves: Vec::new(), skips, status: "refused", error: Some(error), diff: String::new() }
    }
}

struct FastPathRouting {
    entry_file: PathBuf,
    module: String,
    exports: Vec<lmms_fix::fast_path::Export>,
}

/// The entry's file and what `fast_path.py` exports, when both exist.
fn fast_path_routing(ctx: &Ctx) -> Option<FastPathRouting> {
    let project = &ctx.project;
    let entry = project.config.entry.as_deref()?;
    let (module, _) = lmms_config::parse_entry(entry)?;
    let fp_file = project.fast_path_file();
    let roots = project.src_roots();
    let rel: PathBuf = module.split('.').collect();
    let entry_file = roots.iter().find_map(|r| {
        let f = r.join(&rel).with_extension("py");
        let pkg = r.join(&rel).join("__init__.py");
        if f.is_file() {
            Some(f)
        } else {
            pkg.is_file().then_some(pkg)
        }
    })?;
    let (source, parsed) = lmms_python::read_and_parse(&fp_file).ok()?;
    let fp_module = lmms_python::module_name(&fp_file, &roots)?;
    if same_file(&fp_file, &entry_file) || !parsed.syntax_errors.is_empty() {
        return None;
    }
    let exports = lmms_fix::fast_path::exports(&source, &parsed);
    Some(FastPathRouting { entry_file, module: fp_module, exports })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// `lazy: 142 ms, used by 7% of requests (T4)`, from what the plan knows.
fn justification(e: &PlanEntry) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = e.import_ms {
        parts.push(format!("{ms:.0} ms"));
    }
    match e.usage {
        Some(u) => {
            let pct = if u <= 1.0 { u * 100.0 } else { u };
            parts.push(format!("used by {pct:.0}% of requests"));
        }
        None => parts.push("usage unknown".to_string()),
    }
    let mut text = format!("lazy: {}", parts.join(", "));
    match &e.tier {
        Some(serde_json::Value::Number(n)) => text.push_str(&format!(" (T{n})")),
        Some(serde_json::Value::String(s)) => text.push_str(&format!(" ({s})")),
        _ => {}
    }
    text
}

/// Cumulative ms per module from a profile, if one exists (comments only).
fn read_profile_ms(path: &Path) -> BTreeMap<String, f64> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeMap::new() };
    let Ok(doc) = lmms_profile::doc::ProfileDoc::from_json(&text) else { return BTreeMap::new() };
    doc.modules.into_iter().map(|m| (m.name, m.cumulative_ms.median)).collect()
}

fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

fn render_text(out: &mut dyn Write, r: &Report, diff: bool, notes: &[String]) -> anyhow::Result<()> {
    for f in &r.files {
        if diff && !f.diff.is_empty() {
            out.write_all(f.diff.as_bytes())?;
        }
    }
    for f in &r.files {
        if let Some(e) = &f.error {
            writeln!(out, "{}: {}: {e}", f.path, if f.status == "refused" { "refused" } else { "skipped file" })?;
        }
        for m in &f.moves {
            let into = if m.into.is_empty() {
                match m.kind {
                    lmms_fix::MoveKind::LazyKeyword => "lazy import".to_string(),
                    lmms_fix::MoveKind::Function => "TYPE_CHECKING only".to_string(),
                    lmms_fix::MoveKind::FastPath => "fast_path".to_string(),
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
    for n in notes {
        writeln!(out, "note: {n}")?;
    }
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
    if s.files_refused > 0 {
        writeln!(out, "{} file{} refused: the rewrite would not parse", s.files_refused, plural(s.files_refused))?;
    }
    if s.files_unreadable > 0 {
        writeln!(out, "{} file{} not read: not UTF-8 or has syntax errors", s.files_unreadable, plural(s.files_unreadable))?;
    }
    if let Some(ms) = s.moved_import_ms {
        write!(out, "predicted INIT change: −{ms:.0} ms deferred")?;
        if let (Some(c), Some(p)) = (s.current_init_ms, s.predicted_init_ms) {
            write!(out, " ({c:.0} ms → {p:.0} ms planned")?;
            if let Some(pct) = s.predicted_improvement_pct {
                write!(out, ", −{pct:.0}%")?;
            }
            write!(out, ")")?;
        }
        writeln!(out)?;
    }
    let unsafe_skips = s.skipped_by_reason.get(SkipReason::NeedsUnsafe.as_str()).copied().unwrap_or(0);
    if unsafe_skips > 0 {
        writeln!(out, "{unsafe_skips} more with --unsafe-fixes (review the diff: behaviour may change)")?;
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
