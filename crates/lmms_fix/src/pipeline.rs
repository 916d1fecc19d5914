//! `lmms fix` as one library call: read the plan (or take `--lazy
//! MODULE…`), resolve every request to an alias id through the import
//! graph, group per file, route the entry's hot imports through
//! `fast_path.py`, apply, re-parse, write, summarize. The binary only turns
//! arguments into a [`FixInput`] and renders the [`Report`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lmms_graph::{ImportGraph, SourceFile, WalkIssue};
use lmms_python::ByteRange;
use serde::Serialize;

use crate::lazy::{rewrite_keeping, Move, Options, Skip, Target};
use crate::plan_file::{statement_id, PlanError, PlanRow};
use crate::select::{already_deferred, candidates, select_module, select_row, Request, Stale};
use crate::{apply_fixes, unified_diff, Applicability, Edit, Fix, WriteError};

pub const FIX_SCHEMA: &str = "lmms.fix/1";

/// What to defer.
#[derive(Debug, Clone)]
pub enum Selection {
    /// The rows of the plan at this path that move imports into functions.
    Plan(PathBuf),
    /// Every alias of these modules (and their submodules) in the files
    /// under [`FixInput::paths`].
    Lazy { modules: Vec<String> },
}

#[derive(Debug, Clone)]
pub struct FixInput {
    pub root: PathBuf,
    pub src_roots: Vec<PathBuf>,
    pub exclude: Vec<String>,
    pub selection: Selection,
    /// The files and directories that may be written (empty: the source
    /// roots); each must lie inside `root`. The whole project is still read.
    pub paths: Vec<PathBuf>,
    pub options: Options,
    /// `false`: compute the diff only (`--diff`).
    pub write: bool,
    /// The config's entry module, whose hot imports go through `fast_path.py`.
    pub entry_module: Option<String>,
    pub fast_path_file: PathBuf,
    /// `.lmms/profile.json`, for the cost in `--lazy` comments (optional).
    pub profile_file: PathBuf,
    /// Verify the rewrite in a shadow copy before anything is written or
    /// shown; `None` is `--no-verify`.
    pub verify: Option<crate::verify::VerifyInput>,
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{} does not exist", .0.display())]
    MissingPath(PathBuf),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Scope(#[from] crate::lock::ScopeError),
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub moves: Vec<Move>,
    pub skips: Vec<Skip>,
    /// `written`, `diff` (shown only), `unchanged`, `refused`, `error` or
    /// `dropped` (the verification found that its rewrite breaks a check).
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The unified diff of the rewrite (empty when unchanged).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub diff: String,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub files_scanned: usize,
    pub files_changed: usize,
    pub files_refused: usize,
    /// Of `files_refused`: read-only files, left as they are.
    pub files_read_only: usize,
    pub files_unreadable: usize,
    /// Rewritten files whose rewrite the verification dropped.
    pub files_dropped: usize,
    pub moved: usize,
    /// Plan entries an earlier run already applied.
    pub already_applied: usize,
    pub skipped: usize,
    pub skipped_by_reason: BTreeMap<&'static str, usize>,
    /// Sum of the plan's marginal `import_ms` for the moved imports.
    pub moved_import_ms: Option<f64>,
    /// Today's and the planned INIT, both from `prediction_series` (the
    /// plan's `prediction`), so they compare.
    pub current_init_ms: Option<f64>,
    pub predicted_init_ms: Option<f64>,
    pub predicted_improvement_pct: Option<f64>,
    /// `profile` or `simulate`: where the two INIT figures come from.
    pub prediction_series: Option<lmms_schema::plan::Series>,
    /// Whether the plan was made for `--unsafe-fixes` (its prediction counts
    /// the unsafe rewrites).
    pub planned_unsafe: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub mode: &'static str,
    pub files: Vec<FileReport>,
    /// Plan entries that no longer point at their import statement (the
    /// file changed since the plan): refused, `lmms plan` must run again.
    pub unmatched: Vec<String>,
    /// What the verification ran and dropped; `null` with `--no-verify`.
    pub verification: Option<crate::verify::Verification>,
    pub summary: Summary,
    /// Files and directories the walk could not read.
    #[serde(skip)]
    pub walk_notes: Vec<String>,
}

/// One readable file's requests after the namespace filter, its skips so
/// far, the names a module `__getattr__` keeps reachable, and the plan's
/// cost of each statement a row applies to.
struct Prepared {
    reqs: Vec<Request>,
    skips: Vec<crate::lazy::Skip>,
    reachable: std::collections::HashSet<String>,
    costs: Vec<(ByteRange, Option<f64>)>,
}

/// The files to rewrite and, per file, what the plan asked for.
struct Work {
    path: PathBuf,
    rows: Vec<PlanRow>,
}

/// Run `lmms fix`, starting the verification's processes for real.
pub fn run(input: &FixInput) -> Result<Report, PipelineError> {
    run_with(input, &lmms_profile::runner::ProcessRunner, &lmms_profile::progress::NoProgress)
}

/// Run `lmms fix` with the verification's processes started by `runner`,
/// its rounds reported to `progress`.
pub fn run_with(
    input: &FixInput,
    runner: &dyn lmms_profile::runner::Runner,
    progress: &dyn lmms_profile::progress::Progress,
) -> Result<Report, PipelineError> {
    // The namespace filter below sees every reader, so an import nothing
    // reads may go (with `--unsafe-fixes`).
    let opts = &Options { remove_unread: input.options.allow_unsafe, ..input.options };
    let mut walk_notes = Vec::new();
    crate::lock::check_paths(&input.paths, &input.root)?;
    // `.lmms/` is the project's artifact dir (`lmms_config::Project::artifact_dir`).
    let lock = if input.write { Some(crate::lock::FixLock::acquire(&input.root.join(".lmms"))?) } else { None };
    let mut plan_init = None;
    let (mut work, lazy): (Vec<Work>, Option<&[String]>) = match &input.selection {
        Selection::Plan(path) => {
            let plan = crate::plan_file::read(path)?;
            // One series for both figures: `--simulate`'s today beside its
            // planned INIT, or the profile's beside its estimate, never mixed.
            plan_init = Some((plan.init_prediction(), plan.unsafe_fixes));
            let mut grouped: BTreeMap<String, Vec<PlanRow>> = BTreeMap::new();
            for row in plan.imports.into_iter().filter(PlanRow::defers) {
                let path = statement_id(&row).map_or(row.path.clone(), |id| id.path);
                grouped.entry(path).or_default().push(row);
            }
            let work = grouped.into_iter().map(|(p, rows)| Work { path: input.root.join(p), rows }).collect();
            (work, None)
        }
        Selection::Lazy { modules } => {
            let roots = if input.paths.is_empty() { input.src_roots.clone() } else { input.paths.clone() };
            if let Some(r) = roots.iter().find(|r| !r.exists()) {
                return Err(PipelineError::MissingPath(r.clone()));
            }
            let (files, issues) = lmms_graph::discover_files(&roots, &input.root, &input.exclude);
            walk_notes.extend(issues.iter().map(note));
            let work = files
                .into_iter()
                .filter(|f| f.extension().is_some_and(|e| e == "py"))
                .map(|path| Work { path, rows: Vec::new() })
                .collect();
            (work, Some(modules.as_slice()))
        }
    };

    // DEC-04: with a plan and a fast_path.py, the entry imports its hot
    // modules through it.
    let fast_path = match (&input.selection, opts.target) {
        (Selection::Plan(_), Target::Classic) => fast_path_routing(input),
        _ => None,
    };
    if let Some(fp) = &fast_path {
        if !work.iter().any(|w| same_file(&w.path, &fp.entry_file)) {
            work.push(Work { path: fp.entry_file.clone(), rows: Vec::new() });
        }
    }

    // Writes stay inside the PATHS and the project root; what a killed run
    // left in those folders goes first.
    work.retain(|w| match crate::lock::outside_root(&w.path, &input.root) {
        Some(n) => {
            walk_notes.push(n);
            false
        }
        None => input.paths.is_empty() || crate::lock::within(&w.path, &input.paths),
    });
    if let Some(lock) = &lock {
        let dirs: Vec<PathBuf> = work.iter().filter_map(|w| std::fs::canonicalize(&w.path).ok()?.parent().map(Path::to_path_buf)).collect();
        for t in crate::lock::clean_stale_temps(dirs.iter().map(PathBuf::as_path), lock.started) {
            walk_notes.push(format!("{}: removed, a temporary file left by an interrupted run", t.display()));
        }
    }

    let graph = project_graph(input, &work);
    let mut readers = lmms_graph::ReaderIndex::build(&graph);
    readers.add_entry_points(&input.root);
    let init = crate::namespace::init_files(&graph, input.entry_module.as_deref());
    let profile_ms = if lazy.is_some() { read_profile_ms(&input.profile_file) } else { BTreeMap::new() };
    let mut reports = Vec::new();
    let mut unmatched = Vec::new();
    let mut moved_ms: Option<f64> = None;
    let mut unreadable = 0;
    let mut already = 0;
    let mut read_only = 0;
    // Rewritten files: (index in `reports`, path, before, after).
    let mut pending: Vec<(usize, PathBuf, String, String)> = Vec::new();
    // The edits of each file to be written, keyed like plan ids' paths.
    let mut applied_edits: BTreeMap<String, Vec<Edit>> = BTreeMap::new();
    let mut written_ids: BTreeMap<String, Vec<(ByteRange, String)>> = BTreeMap::new();
    // Per file: the report of a file that cannot be read, or its requests
    // after the namespace filter.
    let mut prepared: Vec<Result<Prepared, FileReport>> = Vec::new();
    for (fi, w) in work.iter().enumerate() {
        let shown = lmms_graph::relative_path(&w.path, &input.root);
        let parsed = match &graph.files[fi].parsed {
            Ok((_, p)) => p,
            Err(e) => {
                unreadable += 1;
                prepared.push(Err(FileReport::error(shown, e.to_string())));
                continue;
            }
        };
        if let Some(e) = parsed.syntax_errors.first() {
            unreadable += 1;
            let msg = format!("syntax error at line {}:{}: {}", e.line, e.column, e.message);
            prepared.push(Err(FileReport::error(shown, msg)));
            continue;
        }
        let cands = candidates(&graph, fi);
        let mut reqs: Vec<Request> = Vec::new();
        // The statement and measured cost of each plan row that applies.
        let mut costs: Vec<(ByteRange, Option<f64>)> = Vec::new();
        match lazy {
            Some(modules) => {
                for m in modules {
                    let comment = match profile_ms.get(m) {
                        Some(ms) => format!("lazy: {ms:.0} ms (lmms fix --lazy)"),
                        None => "lazy: deferred by lmms fix --lazy".to_string(),
                    };
                    for c in select_module(&cands, m) {
                        if !reqs.iter().any(|r| r.id == c.id) {
                            reqs.push(Request { id: c.id, comment: comment.clone() });
                        }
                    }
                }
            }
            None => {
                for row in &w.rows {
                    let found = match statement_id(row) {
                        Some(id) => select_row(&cands, id.range, &row.module),
                        None => Err(Stale::NoStatement),
                    };
                    match found {
                        Ok(hits) => {
                            costs.push((hits[0].id.statement, row.import_ms));
                            let comment = crate::plan_file::justification(row);
                            reqs.extend(hits.iter().map(|c| Request { id: c.id, comment: comment.clone() }));
                        }
                        Err(_) if already_deferred(&cands, &parsed.imports, &row.module) => already += 1,
                        Err(why) => unmatched.push(stale_row(&shown, row, why)),
                    }
                }
            }
        }
        let kept = crate::namespace::keep_read_bindings(&readers, &graph, fi, &mut reqs, opts, &init);
        prepared.push(Ok(Prepared { reqs, skips: kept.skips, reachable: kept.reachable, costs }));
    }
    // The whole program decides what a move gains: none that leaves its
    // module loaded at INIT through another file (`crate::held`).
    let entry_file = input.entry_module.as_deref().and_then(|m| graph.file_of_module(m));
    if let (Some(entry), Target::Classic) = (entry_file, opts.target) {
        let source_of = |fi: usize| graph.files[fi].parsed.as_ref().ok().map(|(s, p)| (s.as_str(), p));
        let mut reqs: Vec<Vec<Request>> =
            prepared.iter().map(|p| p.as_ref().map(|p| p.reqs.clone()).unwrap_or_default()).collect();
        let rewrite = |fi: usize, reqs: &[Request]| -> crate::held::Rewritten {
            let (Some((source, parsed)), Ok(p)) = (source_of(fi), &prepared[fi]) else { return (Vec::new(), None) };
            let rw = rewrite_keeping(source, parsed, reqs, opts, &p.reachable);
            let after = rw.fix.as_ref().and_then(|f| apply_fixes(source, [f]).ok());
            (rw.moves, after)
        };
        let measure = |files: &[(PathBuf, String)]| {
            let v = input.verify.as_ref()?;
            crate::verify::loaded_at_init(&input.root, &input.src_roots, v, runner, files)
        };
        let held = crate::held::gain_nothing(&graph, entry, &mut reqs, &rewrite, Some(&measure));
        for ((p, reqs), held) in prepared.iter_mut().zip(reqs).zip(held) {
            if let Ok(p) = p {
                p.reqs = reqs;
                p.skips.extend(held);
            }
        }
    }
    for ((fi, w), prep) in work.iter().enumerate().zip(prepared) {
        let shown = lmms_graph::relative_path(&w.path, &input.root);
        let Prepared { reqs, skips, reachable, costs } = match prep {
            Ok(p) => p,
            Err(report) => {
                reports.push(report);
                continue;
            }
        };
        let Ok((source, parsed)) = graph.files[fi].parsed.as_ref().map(|(s, p)| (s.as_str(), p)) else { continue };
        let mut rw = rewrite_keeping(source, parsed, &reqs, opts, &reachable);
        rw.skips.extend(skips);
        if let Some(fp) = fast_path.as_ref().filter(|fp| same_file(&w.path, &fp.entry_file)) {
            let (edits, moves) = crate::fast_path::route(source, parsed, &fp.exports, &fp.module);
            if !edits.is_empty() {
                let app = rw.fix.as_ref().map_or(Applicability::Safe, |f| f.applicability);
                let mut all: Vec<Edit> = rw.fix.as_ref().map(|f| f.edits().to_vec()).unwrap_or_default();
                all.extend(edits);
                // A statement both deferred and routed would be a plan
                // contradiction; the deferral wins.
                if let Ok(f) = Fix::new(all, app) {
                    rw.fix = Some(f);
                    rw.moves.extend(moves);
                }
            }
        }
        for mv in &rw.moves {
            // Credit the plan's measured cost to every row this move served.
            for (_, ms) in costs.iter().filter(|(range, _)| *range == mv.statement) {
                if let Some(v) = ms {
                    *moved_ms.get_or_insert(0.0) += v;
                }
            }
        }
        rw.moves.sort_by_key(|m| m.line);
        let Some(fix) = &rw.fix else {
            reports.push(FileReport { path: shown, moves: rw.moves, skips: rw.skips, status: "unchanged", error: None, diff: String::new() });
            continue;
        };
        let after = match apply_fixes(source, [fix]) {
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
        let diff = unified_diff(&shown, source, &after);
        if input.write && crate::write::is_read_only(&w.path) {
            reports.push(FileReport::refused(shown.clone(), rw.skips, format!("cannot rewrite {shown}: read-only")));
            read_only += 1;
            continue;
        }
        written_ids.insert(shown.clone(), written_statements(&shown, &rw.written, fix.edits(), &reparsed));
        pending.push((reports.len(), w.path.clone(), source.to_string(), after));
        applied_edits.insert(shown.clone(), fix.edits().to_vec());
        reports.push(FileReport { path: shown, moves: rw.moves, skips: rw.skips, status: "diff", error: None, diff });
    }
    let verification = crate::verify::write_phase(input, runner, progress, &mut reports, &pending)?;
    if let Selection::Plan(plan_path) = &input.selection {
        applied_edits.retain(|path, _| reports.iter().any(|r| r.status == "written" && &r.path == path));
        follow_plan(plan_path, &applied_edits, &written_ids, &mut walk_notes);
    }

    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    for r in &reports {
        for s in &r.skips {
            *by_reason.entry(s.reason.as_str()).or_default() += 1;
        }
    }
    let prediction = plan_init.as_ref().map(|(p, _)| p);
    let summary = Summary {
        files_scanned: work.len(),
        files_changed: reports.iter().filter(|r| matches!(r.status, "written" | "diff")).count(),
        files_refused: reports.iter().filter(|r| r.status == "refused").count(),
        files_read_only: read_only,
        files_unreadable: unreadable,
        files_dropped: reports.iter().filter(|r| r.status == "dropped").count(),
        already_applied: already,
        moved: reports.iter().map(|r| r.moves.len()).sum(),
        skipped: reports.iter().map(|r| r.skips.len()).sum(),
        skipped_by_reason: by_reason,
        moved_import_ms: moved_ms.map(|ms| (ms * 10.0).round() / 10.0),
        current_init_ms: prediction.map(|p| p.current_init_ms),
        predicted_init_ms: prediction.map(|p| p.predicted_init_ms),
        predicted_improvement_pct: prediction.and_then(|p| p.improvement_pct),
        prediction_series: prediction.map(|p| p.series),
        planned_unsafe: plan_init.as_ref().map(|(_, u)| *u),
    };
    Ok(Report {
        schema: FIX_SCHEMA,
        mode: if input.write { "write" } else { "diff" },
        files: reports,
        unmatched,
        verification,
        summary,
        walk_notes,
    })
}

impl FileReport {
    fn error(path: String, error: String) -> FileReport {
        FileReport { path, moves: Vec::new(), skips: Vec::new(), status: "error", error: Some(error), diff: String::new() }
    }

    fn refused(path: String, skips: Vec<Skip>, error: String) -> FileReport {
        FileReport { path, moves: Vec::new(), skips, status: "refused", error: Some(error), diff: String::new() }
    }
}

fn note(i: &WalkIssue) -> String {
    format!("{}: {}", i.path.display(), i.message)
}

/// `path:line module`, and why the row was refused when the id shows it.
fn stale_row(shown: &str, row: &PlanRow, why: Stale) -> String {
    let what = format!("{shown}:{} {}", row.line, row.module);
    match (why, statement_id(row)) {
        (_, None) => format!("{what} (the plan has no import id)"),
        (Stale::NoStatement, Some(_)) => what,
        (Stale::OtherModule, Some(id)) => format!("{what} (the statement at {id} imports something else now)"),
    }
}

/// The graph the requests resolve in: the files to rewrite first (index
/// `i` is `work[i]`), then every other file of the project (source roots,
/// tests, `conftest.py`), so relative imports and submodules resolve as in
/// the whole project and every reader of a module's namespace is seen.
fn project_graph(input: &FixInput, work: &[Work]) -> ImportGraph {
    let mut walk = input.src_roots.clone();
    walk.push(input.root.clone());
    let (mut others, _) = lmms_graph::discover_files(&walk, &input.root, &input.exclude);
    others.sort();
    others.dedup();
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mine: std::collections::HashSet<PathBuf> = work.iter().map(|w| canon(&w.path)).collect();
    others.retain(|p| !mine.contains(&canon(p)));
    let mut paths: Vec<PathBuf> = work.iter().map(|w| w.path.clone()).collect();
    paths.extend(others);
    let files: Vec<SourceFile> = lmms_graph::parse_pool().install(|| {
        use rayon::prelude::*;
        paths
            .into_par_iter()
            .map(|path| {
                let module = lmms_python::module_name(&path, &input.src_roots);
                let is_package = path.file_stem().is_some_and(|s| s == "__init__");
                let parsed = lmms_python::read_and_parse(&path);
                SourceFile { path, module, is_package, parsed }
            })
            .collect()
    });
    ImportGraph::new(files, input.src_roots.clone(), lmms_graph::Environment::builtin()).with_project_root(&input.root)
}

struct FastPathRouting {
    entry_file: PathBuf,
    module: String,
    exports: Vec<crate::fast_path::Export>,
}

/// The entry's file and what `fast_path.py` exports, when both exist.
fn fast_path_routing(input: &FixInput) -> Option<FastPathRouting> {
    let entry_file = lmms_graph::locate_source(&input.src_roots, input.entry_module.as_deref()?)?;
    let fp_file = &input.fast_path_file;
    let (_, parsed) = lmms_python::read_and_parse(fp_file).ok()?;
    let fp_module = lmms_python::module_name(fp_file, &input.src_roots)?;
    if same_file(fp_file, &entry_file) || !parsed.syntax_errors.is_empty() {
        return None;
    }
    let exports = crate::fast_path::exports(&parsed);
    Some(FastPathRouting { entry_file, module: fp_module, exports })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Cumulative ms per module from a profile, if one exists (comments only).
fn read_profile_ms(path: &Path) -> BTreeMap<String, f64> {
    let Ok(text) = std::fs::read_to_string(path) else { return BTreeMap::new() };
    let Ok(doc) = lmms_profile::doc::ProfileDoc::from_json(&text) else { return BTreeMap::new() };
    doc.modules.into_iter().map(|m| (m.name, m.cumulative_ms.median)).collect()
}

/// Keep the plan's ids true for the files just rewritten (`crate::replan`),
/// so the next `lmms fix` finds the rows it skipped instead of calling them
/// stale. A plan that cannot be rewritten stays as it was, with a note: the
/// sources are already written and the next run says which rows are stale.
fn follow_plan(
    plan_path: &Path,
    edits: &BTreeMap<String, Vec<Edit>>,
    written: &BTreeMap<String, Vec<(ByteRange, String)>>,
    notes: &mut Vec<String>,
) {
    if edits.is_empty() {
        return;
    }
    let updated = std::fs::read_to_string(plan_path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
        .and_then(|mut plan| {
            crate::replan::remap_plan_ids(&mut plan, edits, written);
            serde_json::to_string_pretty(&plan).map_err(|e| e.to_string())
        })
        .and_then(|text| lmms_config::write_atomic(plan_path, format!("{text}\n").as_bytes()).map_err(|e| e.to_string()));
    if let Err(e) = updated {
        notes.push(format!("{}: import ids not updated after the rewrite ({e}); re-run `lmms plan`", plan_path.display()));
    }
}

/// The ids (`path:start-end` in the rewritten file) of the import statements
/// the rewrite wrote into functions, each with the statement it came from:
/// what a plan row names once its statement moved, so `lmms check` finds the
/// row of an import `fix` wrote. A position that does not start an import in
/// the re-parsed file is not named.
fn written_statements(
    shown: &str,
    written: &[crate::Written],
    edits: &[Edit],
    after: &lmms_python::ParsedModule,
) -> Vec<(ByteRange, String)> {
    written
        .iter()
        .filter_map(|w| {
            let at = w.position(edits)?;
            let rec = after.imports.iter().find(|r| r.range.start == at)?;
            Some((w.origin, rec.id(shown).to_string()))
        })
        .collect()
}
