//! `lmms check`'s rules: heavy imports on the hot path, judged by measured
//! import times and usage (LMMS-DEC-01, DEC-02, DEC-04).
//!
//! Every rule lives in its own file under `rules/`, registered once in
//! [`RULES`] with its code; the file's `//!` comment is the rule's user
//! documentation ([`RuleInfo::doc`]). [`check`] runs the selected rules over
//! an [`ImportGraph`] in parallel and returns diagnostics sorted by path and
//! position, with `# noqa` and per-file ignores already applied.
//!
//! The same table also holds DEC-04's `fast_path.py` rules (LMM101–LMM108),
//! which `lmms_fast_path` implements and documents (each entry names its
//! [`FastPathRule`] by type); [`add_fast_path`]
//! turns their findings into diagnostics under the same selection, noqa and
//! per-file-ignore machinery. Retired codes live on as [`REDIRECTS`].

pub mod data;
mod fast_path;
pub mod fixes;
mod noqa;
mod rules;
mod select;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lmms_graph::{ImportGraph, InstalledGraph, ModuleKind, WalkIssue};
use lmms_fast_path::FastPathRule;
use lmms_python::{ByteRange, LineIndex, ParsedModule};
use rayon::prelude::*;
use serde::Serialize;

pub use data::{Cost, CostSource, Costs, PlanRows, Usage, UsageError};
pub use fast_path::add_fast_path;
pub use select::{PerFileIgnoreError, PerFileIgnores, Selection, SelectionError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Rule {
    HeavyModuleLevelImport,
    TransitiveHeavyImport,
    OverLazyImport,
    ImportInLoop,
    ImportTimeCall,
    FastPathTooManyImports,
    FastPathOverTimeBudget,
    FastPathTooLong,
    FastPathMissingHeader,
    FastPathStaleProfile,
    FastPathTimeDrift,
    FastPathTierViolation,
    FastPathBypassed,
    InvalidSyntax,
    UnreadableFile,
}

/// A rule's registry entry.
#[derive(Debug)]
pub struct RuleInfo {
    pub rule: Rule,
    pub code: &'static str,
    pub name: &'static str,
    /// One line for listings and SARIF.
    pub summary: &'static str,
    /// The rule's source file; its `//!` lines are the documentation.
    source: &'static str,
    /// The `fast_path.py` rule this entry registers, if it is one.
    pub fast_path: Option<FastPathRule>,
}

/// A fast-path rule's entry: its documentation is the source file in
/// `lmms_fast_path` that implements it.
const fn fast_path_rule(rule: Rule, code: &'static str, name: &'static str, summary: &'static str, fp: FastPathRule) -> RuleInfo {
    RuleInfo { rule, code, name, summary, source: fp.source(), fast_path: Some(fp) }
}

impl RuleInfo {
    /// The rule's documentation: its source file's `//!` comment.
    pub fn doc(&self) -> String {
        module_doc(self.source)
    }
}

/// The leading `//!` comment of a Rust source file, unindented: a rule's
/// user documentation, which `lmms rule CODE` prints.
pub fn module_doc(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            if out.is_empty() {
                continue;
            }
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}

/// The code table. Codes are stable; never reuse one.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        rule: Rule::HeavyModuleLevelImport,
        code: "LMM001",
        name: "heavy-module-level-import",
        summary: "Heavy import at module level on the hot path",
        fast_path: None,
        source: include_str!("rules/heavy_module_level_import.rs"),
    },
    RuleInfo {
        rule: Rule::TransitiveHeavyImport,
        code: "LMM002",
        name: "transitive-heavy-import",
        summary: "Module-level import of a project module that pulls in a heavy module",
        fast_path: None,
        source: include_str!("rules/transitive_heavy_import.rs"),
    },
    RuleInfo {
        rule: Rule::OverLazyImport,
        code: "LMM003",
        name: "over-lazy-import",
        summary: "Function-level import of a cheap or hot module",
        fast_path: None,
        source: include_str!("rules/over_lazy_import.rs"),
    },
    RuleInfo {
        rule: Rule::ImportInLoop,
        code: "LMM004",
        name: "import-in-loop",
        summary: "Import inside a loop body",
        fast_path: None,
        source: include_str!("rules/import_in_loop.rs"),
    },
    RuleInfo {
        rule: Rule::ImportTimeCall,
        code: "LMM005",
        name: "import-time-call",
        summary: "Module-level call on a heavy library at import time",
        fast_path: None,
        source: include_str!("rules/import_time_call.rs"),
    },
    fast_path_rule(
        Rule::FastPathTooManyImports,
        "LMM101",
        "fast-path-too-many-imports",
        "fast_path.py has 20 or more imports (DEC-04)",
        FastPathRule::TooManyImports,
    ),
    fast_path_rule(
        Rule::FastPathOverTimeBudget,
        "LMM102",
        "fast-path-over-time-budget",
        "fast_path.py imports cost 200 ms or more in total (DEC-04)",
        FastPathRule::OverTimeBudget,
    ),
    fast_path_rule(
        Rule::FastPathTooLong,
        "LMM103",
        "fast-path-too-long",
        "fast_path.py has 50 or more lines of code (DEC-04)",
        FastPathRule::TooLong,
    ),
    fast_path_rule(
        Rule::FastPathMissingHeader,
        "LMM104",
        "fast-path-missing-header",
        "fast_path.py lacks profiled date, target, or per-import evidence (DEC-04)",
        FastPathRule::MissingHeader,
    ),
    fast_path_rule(
        Rule::FastPathStaleProfile,
        "LMM105",
        "fast-path-stale-profile",
        "fast_path.py's evidence is older than profile-max-age-days",
        FastPathRule::StaleProfile,
    ),
    fast_path_rule(
        Rule::FastPathTimeDrift,
        "LMM106",
        "fast-path-time-drift",
        "A recorded import time drifted more than 25% from the latest profile",
        FastPathRule::TimeDrift,
    ),
    fast_path_rule(
        Rule::FastPathTierViolation,
        "LMM107",
        "fast-path-tier-violation",
        "A fast-path import is neither under 10 ms nor used by over 80% of requests",
        FastPathRule::TierViolation,
    ),
    fast_path_rule(
        Rule::FastPathBypassed,
        "LMM108",
        "fast-path-bypassed",
        "The entry module imports a hot-path library directly, not through fast_path",
        FastPathRule::Bypassed,
    ),
    RuleInfo {
        rule: Rule::InvalidSyntax,
        code: "LMM900",
        name: "invalid-syntax",
        summary: "Syntax error",
        fast_path: None,
        source: include_str!("rules/invalid_syntax.rs"),
    },
    RuleInfo {
        rule: Rule::UnreadableFile,
        code: "LMM901",
        name: "unreadable-file",
        summary: "File could not be read or is not UTF-8",
        fast_path: None,
        source: include_str!("rules/unreadable_file.rs"),
    },
];

/// Retired codes and names, and the rule that now does their job. A
/// retired code still selects, ignores and `# noqa`s its successor, so old
/// configurations keep working; it is never reused.
///
/// LMM006 (`eager-entry-import`) checked what LMM108 checks — an entry
/// module importing a fast-path module directly — from the import graph.
/// LMM108 is what `lmms fast-path check` reports too, so one code now names
/// the boundary everywhere (see `lmms rule LMM108`).
pub const REDIRECTS: &[(&str, &str)] = &[
    ("LMM006", "LMM108"),
    ("eager-entry-import", "fast-path-bypassed"),
];

/// The successor of a retired code or name, if `selector` is one.
pub fn redirect(selector: &str) -> Option<&'static str> {
    REDIRECTS
        .iter()
        .find(|(old, _)| old.eq_ignore_ascii_case(selector))
        .map(|(_, new)| *new)
}

impl Rule {
    pub fn info(self) -> &'static RuleInfo {
        RULES
            .iter()
            .find(|r| r.rule == self)
            .expect("every rule is registered")
    }
    pub fn code(self) -> &'static str {
        self.info().code
    }
    /// The registry entry of a `fast_path.py` rule.
    pub fn from_fast_path(fp: FastPathRule) -> Rule {
        RULES
            .iter()
            .find(|r| r.fast_path == Some(fp))
            .map(|r| r.rule)
            .expect("every fast-path rule is registered")
    }
    /// Look a rule up by code or name; retired ones give their successor.
    pub fn from_code(code: &str) -> Option<Rule> {
        let code = redirect(code).unwrap_or(code);
        RULES
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
            .map(|r| r.rule)
    }
}

/// DEC-01/02 thresholds: the same type `lmms plan` decides with.
pub use lmms_plan::Thresholds;

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub thresholds: Thresholds,
    pub costs: Costs,
    pub usage: Option<Usage>,
    /// Entry module name (`lambda_function`); hot path = what it imports.
    pub entry_module: Option<String>,
    pub selection: Selection,
    /// Globs matched against the path relative to `root`, with their codes.
    pub per_file_ignores: PerFileIgnores,
    pub root: PathBuf,
    /// Import-time edges inside installed packages, for LMM002 chains
    /// through third-party code.
    pub installed: Option<Arc<InstalledGraph>>,
    /// `.lmms/plan.json`'s rows by statement id: LMM001, LMM002 and LMM003
    /// follow the plan's decision on every statement it has a row for.
    pub plan: PlanRows,
}

/// A finding before positions are computed.
pub(crate) struct Raw {
    pub rule: Rule,
    /// The alias the diagnostic is about, when moving it would fix it.
    pub import: Option<lmms_graph::ImportRef>,
    pub range: ByteRange,
    pub message: String,
    pub module: Option<String>,
}

pub(crate) struct FileCx<'a> {
    pub graph: &'a ImportGraph,
    pub file: usize,
    pub module: &'a ParsedModule,
    pub settings: &'a Settings,
    /// Executed when the entry point is imported.
    pub hot: bool,
    /// Imported by the entry point at import time or from a function
    /// (requests run it); every file without an entry. Tests are not.
    pub requested: bool,
    pub chains: &'a [Option<Vec<String>>],
    /// Installed module → its import-time chain to a heavy module.
    pub installed_chains: &'a HashMap<String, Vec<String>>,
    /// Libraries the hot files import at module level, computed once per
    /// run by the first file that asks (LMM003), not once per file.
    pub eager_libraries: &'a std::sync::OnceLock<std::collections::HashSet<String>>,
}

impl<'a> FileCx<'a> {
    /// The plan's row for the statement `rec` of this file and the module
    /// it loads, when the project has a plan (see [`PlanRows::row`]).
    pub fn plan_row(&self, rec: &lmms_python::ImportRecord, module: &str) -> Option<&'a lmms_plan::PlannedImport> {
        if self.settings.plan.is_empty() {
            return None;
        }
        let id = statement_id(&self.graph.files[self.file].path, &self.settings.root, rec)?;
        self.settings.plan.row(&id, module)
    }

    /// What this file imports while the entry is being imported: nothing
    /// unless the file is on the hot path; else every target of every
    /// statement that runs at import time, each module once per statement
    /// (`from m import a, b` names `m` twice).
    pub fn hot_import_targets(&self) -> Vec<(&'a lmms_python::ImportRecord, Option<usize>, &'a lmms_graph::Target)> {
        let mut out = Vec::new();
        if !self.hot {
            return out;
        }
        for (rec, targets) in self.module.imports.iter().zip(self.graph.import_targets(self.file)) {
            if !lmms_graph::runs_at_import(rec) {
                continue;
            }
            for (k, (name_idx, target)) in targets.iter().enumerate() {
                if targets[..k].iter().any(|(_, t)| t.module == target.module) {
                    continue;
                }
                out.push((rec, *name_idx, target));
            }
        }
        out
    }
}

/// The statement's id as the plan names it: `path:start-end`, the path
/// relative to the project root, `/`-separated.
fn statement_id(path: &Path, root: &Path, rec: &lmms_python::ImportRecord) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    Some(rec.id(&rel.to_string_lossy().replace('\\', "/")).to_string())
}

/// Files the entry imports, at import time or from a function: what
/// requests run. Every file without an entry.
fn requested_files(graph: &ImportGraph, entry: Option<usize>) -> Vec<bool> {
    let Some(e) = entry else { return vec![true; graph.files.len()] };
    let mut seen = vec![false; graph.files.len()];
    seen[e] = true;
    let mut queue = std::collections::VecDeque::from([e]);
    while let Some(f) = queue.pop_front() {
        for dep in graph.import_targets(f).iter().flatten().filter_map(|(_, t)| t.file) {
            if !seen[dep] {
                seen[dep] = true;
                queue.push_back(dep);
            }
        }
    }
    seen
}

/// 1-based position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub rule: Rule,
    pub path: PathBuf,
    /// `path` relative to the project root, `/`-separated.
    pub rel_path: String,
    pub range: ByteRange,
    pub start: Location,
    pub end: Location,
    pub message: String,
    pub module: Option<String>,
    /// The alias `lmms fix` would move to fix this ([`fixes::fixes`]).
    #[serde(skip)]
    pub import: Option<lmms_graph::ImportRef>,
}

impl Diagnostic {
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }
}

/// The result of a check run.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    pub files_checked: usize,
    /// Whether the entry module was found (hot path restricted to it).
    pub entry_found: Option<bool>,
}

/// Path relative to `root` with `/` separators (absolute if outside it).
pub fn relative_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// Run every selected rule over the graph.
pub fn check(graph: &ImportGraph, settings: &Settings, walk_issues: &[WalkIssue]) -> Report {
    let sel = &settings.selection;
    let entry = settings
        .entry_module
        .as_deref()
        .and_then(|m| graph.file_of_module(m));
    let hot: Vec<bool> = match entry {
        Some(e) => graph.reachable(&[e]),
        None => vec![true; graph.files.len()],
    };
    let lmm002 = sel.is_enabled(Rule::TransitiveHeavyImport) && !settings.costs.is_empty();
    let t = settings.thresholds;
    let usage = settings.usage.as_ref();
    let heavy_name = |module: &str, kind: ModuleKind| {
        settings
            .costs
            .lookup(module, kind)
            .is_some_and(|c| c.ms >= t.module_level_ms)
            && !usage
                .and_then(|u| u.of(module))
                .is_some_and(|u| u > t.hot_usage)
    };
    let installed_chains: HashMap<String, Vec<String>> = match (&settings.installed, lmm002) {
        (Some(installed), true) => {
            let mut starts: Vec<&str> = (0..graph.files.len())
                .into_par_iter()
                .flat_map_iter(|f| {
                    graph.import_targets(f).iter().flatten().filter_map(|(_, target)| {
                        (target.origin == ModuleKind::ThirdParty).then_some(target.module.as_str())
                    })
                })
                .collect();
            starts.sort_unstable();
            starts.dedup();
            starts
                .into_par_iter()
                .filter(|m| !heavy_name(m, ModuleKind::ThirdParty))
                .filter_map(|m| {
                    let chain = installed.chain_to(m, &|m| heavy_name(m, ModuleKind::ThirdParty))?;
                    Some((m.to_string(), chain))
                })
                .collect()
        }
        _ => HashMap::new(),
    };
    let chains = if lmm002 {
        // A statement the plan has a row for is heavy exactly when the plan moves it.
        let planned = |f: usize, rec: &lmms_python::ImportRecord, target: &lmms_graph::Target| {
            let id = statement_id(&graph.files[f].path, &settings.root, rec)?;
            settings.plan.row(&id, &target.module).map(|row| data::plan_moves(row).is_some())
        };
        graph.heavy_chains(|f, rec, target| match planned(f, rec, target) {
            Some(moves) => moves,
            None => heavy_name(&target.module, target.origin) || installed_chains.contains_key(&target.module),
        })
    } else {
        Vec::new()
    };

    let requested = requested_files(graph, entry);
    let eager_libraries = std::sync::OnceLock::new();
    let mut diagnostics: Vec<Diagnostic> = (0..graph.files.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let f = &graph.files[i];
            let rel = relative_path(&f.path, &settings.root);
            let ignored = per_file_ignored(settings, &rel);
            let enabled = |r: Rule| sel.is_enabled(r) && !ignored.iter().any(|code| select::code_matches(code, r));
            let (text, module) = match &f.parsed {
                Ok((t, m)) => (t.as_str(), m),
                Err(e) => {
                    if !enabled(Rule::UnreadableFile) {
                        return Vec::new();
                    }
                    let message = match e {
                        lmms_python::SourceError::NotUtf8 { offset, .. } => {
                            format!("File is not valid UTF-8 (first invalid byte at offset {offset}); not checked")
                        }
                        lmms_python::SourceError::Read { source, .. } => format!("Cannot read file: {source}"),
                        lmms_python::SourceError::TooLarge { size, max, .. } => {
                            format!("File is {size} bytes, over the {max} byte limit; not checked")
                        }
                    };
                    return vec![file_level(Rule::UnreadableFile, f.path.clone(), rel, message)];
                }
            };
            let cx = FileCx {
                graph,
                file: i,
                module,
                settings,
                hot: hot[i],
                requested: requested[i],
                chains: &chains,
                installed_chains: &installed_chains,
                eager_libraries: &eager_libraries,
            };
            let mut raw = Vec::new();
            type RuleFn = fn(&FileCx, &mut Vec<Raw>);
            let table: [(Rule, RuleFn); 6] = [
                (Rule::InvalidSyntax, rules::invalid_syntax::check),
                (Rule::HeavyModuleLevelImport, rules::heavy_module_level_import::check),
                (Rule::TransitiveHeavyImport, rules::transitive_heavy_import::check),
                (Rule::OverLazyImport, rules::over_lazy_import::check),
                (Rule::ImportInLoop, rules::import_in_loop::check),
                (Rule::ImportTimeCall, rules::import_time_call::check),
            ];
            // A stub (`.pyi`) is never executed: only its syntax can be wrong.
            let is_stub = f.path.extension().is_some_and(|e| e == "pyi");
            for (rule, check) in table {
                if enabled(rule) && (!is_stub || rule == Rule::InvalidSyntax) {
                    check(&cx, &mut raw);
                }
            }
            if raw.is_empty() {
                return Vec::new();
            }
            let lines = LineIndex::new(text);
            let noqa = noqa::Directives::scan(text, &lines, raw.iter().map(|r| r.range));
            let mut diagnostics: Vec<Diagnostic> = raw
                .into_iter()
                .filter(|r| !noqa.suppresses(&lines, r.rule, r.range))
                .map(|r| {
                    let (sl, sc) = lines.line_col(text, r.range.start);
                    let (el, ec) = lines.line_col(text, r.range.end);
                    Diagnostic {
                        rule: r.rule,
                        path: f.path.clone(),
                        rel_path: rel.clone(),
                        range: r.range,
                        start: Location { line: sl, column: sc },
                        end: Location { line: el, column: ec },
                        message: r.message,
                        module: r.module,
                        import: r.import,
                    }
                })
                .collect();
            // Sorted here, in parallel: files come in path order, so the
            // final sort below mostly finds one sorted run to confirm.
            sort(&mut diagnostics);
            diagnostics
        })
        .collect();

    if sel.is_enabled(Rule::UnreadableFile) {
        for issue in walk_issues {
            let rel = relative_path(&issue.path, &settings.root);
            diagnostics.push(file_level(
                Rule::UnreadableFile,
                issue.path.clone(),
                rel,
                format!("Not checked: {}", issue.message),
            ));
        }
    }
    sort(&mut diagnostics);
    Report {
        diagnostics,
        files_checked: graph.files.len(),
        entry_found: settings.entry_module.as_ref().map(|_| entry.is_some()),
    }
}

/// By path, position, rule, message: the order every renderer prints.
pub(crate) fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.rel_path.as_str(), a.start, a.rule, a.message.as_str()).cmp(&(
            b.rel_path.as_str(),
            b.start,
            b.rule,
            b.message.as_str(),
        ))
    });
}

fn file_level(rule: Rule, path: PathBuf, rel_path: String, message: String) -> Diagnostic {
    let loc = Location { line: 1, column: 1 };
    Diagnostic {
        rule,
        path,
        rel_path,
        range: ByteRange { start: 0, end: 0 },
        start: loc,
        end: loc,
        message,
        module: None,
        import: None,
    }
}

pub(crate) fn per_file_ignored<'s>(settings: &'s Settings, rel: &str) -> Vec<&'s str> {
    settings.per_file_ignores.ignored(rel)
}

/// Is `kind` a module the rules treat as external (cost by measurement)?
pub fn is_external(kind: ModuleKind) -> bool {
    kind != ModuleKind::Project
}

#[cfg(test)]
mod tests;
