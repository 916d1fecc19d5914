//! Deferring imports: the transforms behind `lmms fix`.
//!
//! For each requested module-level import, every reference to the names it
//! binds is classified (the adapter already resolved scopes):
//!
//! * uses inside function bodies → an import at the top of each outermost
//!   function that needs it (after its docstring), with a justification
//!   comment;
//! * uses in annotations that are never evaluated → an `if TYPE_CHECKING:`
//!   import; signature annotations evaluated at `def` time → quoted, unless
//!   the module uses a library that evaluates annotations (pydantic,
//!   dataclasses, …);
//! * anything else that runs at import time blocks the move and becomes a
//!   [`Skip`] with its reason, except two patterns that have an *unsafe*
//!   rewrite: a module-level client (`S3 = boto3.client("s3")`, plus bare
//!   configuration calls on it) becomes an `lru_cache`d getter, and a
//!   dispatch-table entry `feature.handle` becomes a wrapper that imports on
//!   first call.
//!
//! The result for a file is one [`Fix`]: all its edits together, so shared
//! insertions (`import functools`, `TYPE_CHECKING`) happen once and the file
//! is rewritten once. Everything produced is idempotent by construction: what
//! was moved is no longer a module-level import, so a second run finds
//! nothing to do.
//!
//! One file per transform: [`into_functions`] (the default move),
//! [`type_checking`], [`quote`], [`pep810`], [`lazy_modules`] (PEP 810's
//! `__lazy_modules__` list), [`getter`] (a module-level client
//! becomes a cached getter) and [`dispatch`] (a dispatch-table entry becomes
//! a wrapper); [`matching`] decides what a request selects and classifies
//! every reference, [`skip`] holds the reasons a move is refused and
//! [`importer`] where new lines go; [`module_getattr`] keeps a moved name
//! that other modules read reachable through PEP 562's module `__getattr__`.

mod dispatch;
mod getter;
mod importer;
mod module_getattr;
mod into_functions;
mod lazy_modules;
mod matching;
mod pep810;
mod quote;
mod skip;
mod type_checking;

use std::collections::{BTreeMap, HashSet};

use lmms_python::{BoundName, ByteRange, ImportRecord, ImportScope, LineIndex, ParsedModule};
use serde::Serialize;

use crate::edit::{Applicability, Edit, Fix};
use crate::text::*;

pub use crate::select::Request;
pub(crate) use into_functions::stmt_text;
pub use skip::{Skip, SkipReason};

use getter::ClientPlan;
use importer::{display_module, tidy_blank_lines};
use matching::hits;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Target {
    /// Move imports into functions (any Python 3).
    #[default]
    Classic,
    /// Write PEP 810 `lazy import` statements in place (Python 3.15+).
    Py315,
    /// Keep imports in place and list them in PEP 810's `__lazy_modules__`
    /// (any Python 3; lazy from 3.15).
    LazyModules,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Apply rewrites that change behaviour observably (`--unsafe-fixes`).
    pub allow_unsafe: bool,
    pub target: Target,
    /// With `allow_unsafe`: remove a requested import whose names nothing
    /// reads. Only for a caller that has already asked the whole program's
    /// namespace ([`crate::namespace`]), as `lmms fix` does; one file alone
    /// cannot know that no other module reads the name.
    pub remove_unread: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoveKind {
    /// Into the functions that use it (and/or `if TYPE_CHECKING:`).
    Function,
    /// PEP 810 `lazy import` in place.
    LazyKeyword,
    /// `from fast_path import …` in the entry (DEC-04).
    FastPath,
    /// Listed in `__lazy_modules__`, the statement unchanged.
    LazyModules,
    /// Removed: nothing reads its names (`--unsafe-fixes`).
    Removed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Move {
    pub module: String,
    pub line: u32,
    /// The moved statement's byte range (its id within the file).
    #[serde(skip)]
    pub statement: ByteRange,
    pub names: Vec<String>,
    pub kind: MoveKind,
    /// Functions (qualified names) that now import it; getters and dispatch
    /// wrappers the unsafe rewrites created are listed too.
    pub into: Vec<String>,
    pub applicability: Applicability,
    /// What else changed (`quoted 1 annotation`, `S3 → _s3()`, …).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileRewrite {
    pub moves: Vec<Move>,
    pub skips: Vec<Skip>,
    /// All edits of the file; `None` when nothing moves.
    pub fix: Option<Fix>,
    /// For each request, whether some import of this file matched it.
    #[serde(skip)]
    pub matched: Vec<bool>,
    /// The import statements the edits write into functions, each with the
    /// module-level statement it came from ([`Written::position`]).
    #[serde(skip)]
    pub written: Vec<Written>,
}

/// One import statement an edit writes: the edit starting at `edit_start`
/// (in the original source) holds it `offset` bytes into its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The module-level statement it was moved from (its id in the file).
    pub origin: ByteRange,
    pub edit_start: u32,
    pub edit_end: u32,
    pub offset: u32,
}

impl Written {
    /// Where the statement starts once `edits` (all of the file's, as
    /// applied) are applied.
    pub fn position(&self, edits: &[Edit]) -> Option<u32> {
        let mut at = i64::from(self.edit_start) + i64::from(self.offset);
        for e in edits {
            if e.range.end <= self.edit_start && (e.range.start, e.range.end) != (self.edit_start, self.edit_end) {
                at += e.content.len() as i64 - i64::from(e.range.end - e.range.start);
            }
        }
        u32::try_from(at).ok()
    }
}

/// Plan the rewrite of one file. `parsed` must be `parse_module(source)`;
/// each request names one alias of it by id ([`crate::select`]).
pub fn rewrite(source: &str, parsed: &ParsedModule, requests: &[Request], opts: &Options) -> FileRewrite {
    rewrite_keeping(source, parsed, requests, opts, &HashSet::new())
}

/// [`rewrite`], keeping each name of `reachable` (a moved import's bound
/// name, or a client a getter replaces, that other modules read) available
/// as a module attribute through a module `__getattr__` ([`module_getattr`]).
pub fn rewrite_keeping(
    source: &str,
    parsed: &ParsedModule,
    requests: &[Request],
    opts: &Options,
    reachable: &HashSet<String>,
) -> FileRewrite {
    let mut reqs: Vec<Request> = requests.to_vec();
    let mut held: Vec<Skip> = Vec::new();
    // `matched` answers for the caller's requests, the held ones included.
    let mut matched: Option<Vec<bool>> = None;
    loop {
        let mut out = build(source, parsed, &reqs, opts, reachable);
        let first = matched.get_or_insert_with(|| out.matched.clone()).clone();
        let stays = if opts.target == Target::Classic { stays_loaded(parsed, &out.moves) } else { Vec::new() };
        if stays.is_empty() {
            out.matched = first;
            out.skips.extend(held);
            return out;
        }
        for (statement, skip) in stays {
            reqs.retain(|r| r.id.statement != statement);
            held.push(skip);
        }
    }
}

/// Moves that gain nothing: another module-level import of the same file
/// that stays eager loads the moved statement's module anyway (`import m`
/// kept for a module-level use, `from m import tracer` kept while
/// `from m import logger` would move). The unit of a move is the module, so
/// such a statement stays, and no `# lazy: N ms` comment claims a saving the
/// rewritten file does not have. Removals of unread imports are not moves of
/// this kind and stay.
fn stays_loaded(parsed: &ParsedModule, moves: &[Move]) -> Vec<(ByteRange, Skip)> {
    let moved: Vec<ByteRange> = moves.iter().map(|m| m.statement).collect();
    let dotted = |rec: &ImportRecord, name: &BoundName| {
        if rec.is_from {
            format!("{}{}", ".".repeat(rec.level as usize), rec.module)
        } else {
            name.target.clone()
        }
    };
    let mut out = Vec::new();
    for m in moves.iter().filter(|m| m.kind == MoveKind::Function) {
        let Some(rec) = parsed.imports.iter().find(|r| r.range == m.statement) else { continue };
        let Some(name) = rec.names.iter().find(|n| m.names.contains(&n.bound)) else { continue };
        let module = dotted(rec, name);
        let eager = parsed.imports.iter().find(|other| {
            !moved.contains(&other.range)
                && !other.is_lazy
                && !matches!(other.scope, ImportScope::Function { .. } | ImportScope::TypeChecking)
                && other.names.iter().any(|n| {
                    let loads = dotted(other, n);
                    loads == module || loads.strip_prefix(module.as_str()).is_some_and(|rest| rest.starts_with('.'))
                })
        });
        if let Some(e) = eager {
            let detail = format!("`{}` at line {} stays at module level and keeps `{module}` loaded", stmt_text_of(e), e.line);
            let skip = Skip { module: m.module.clone(), line: m.line, names: m.names.clone(), reason: SkipReason::ModuleStaysLoaded, detail };
            out.push((m.statement, skip));
        }
    }
    out
}

/// `import a, b` / `from m import x, y`, as written (aliases by bound name).
pub(crate) fn stmt_text_of(rec: &ImportRecord) -> String {
    let names: Vec<&str> = rec.names.iter().map(|n| if rec.is_from { n.bound.as_str() } else { n.target.as_str() }).collect();
    if rec.is_from {
        format!("from {}{} import {}", ".".repeat(rec.level as usize), rec.module, names.join(", "))
    } else {
        format!("import {}", names.join(", "))
    }
}

fn build(
    source: &str,
    parsed: &ParsedModule,
    requests: &[Request],
    opts: &Options,
    reachable: &HashSet<String>,
) -> FileRewrite {
    let mut b = Builder::new(source, parsed, opts);
    b.reachable = reachable.clone();
    for rec in &parsed.imports {
        for (ni, name) in rec.names.iter().enumerate() {
            if requests.iter().any(|r| hits(rec, Some(ni), r)) {
                b.requested.insert(name.bound.clone());
            }
        }
    }
    let mut matched = vec![false; requests.len()];
    for (idx, rec) in parsed.imports.iter().enumerate() {
        let mut selected: Vec<(usize, &Request)> = Vec::new();
        for ni in 0..rec.names.len() {
            if let Some((ri, req)) = requests.iter().enumerate().find(|(_, r)| hits(rec, Some(ni), r)) {
                matched[ri] = true;
                selected.push((ni, req));
            }
        }
        if rec.is_star && requests.iter().any(|r| hits(rec, None, r)) {
            for (ri, r) in requests.iter().enumerate() {
                if hits(rec, None, r) {
                    matched[ri] = true;
                }
            }
            b.skip(rec, &[], SkipReason::StarImport, "`import *` binds names statically unknown".into());
            continue;
        }
        if selected.is_empty() || rec.is_lazy || (rec.is_from && rec.level == 0 && rec.module == "__future__") {
            continue;
        }
        b.statement(idx, rec, &selected);
    }
    let mut out = b.finish();
    out.matched = matched;
    out
}

/// What one import name needs for its move.
#[derive(Default)]
struct NamePlan {
    /// Indices into `functions` of outermost functions using it.
    fns: Vec<usize>,
    type_checking: bool,
    quotes: Vec<Edit>,
    clients: Vec<ClientPlan>,
    dispatch: Vec<(ByteRange, String)>,
    /// Nothing reads the name: the statement goes (`--unsafe-fixes`).
    removed: bool,
    /// Other modules read it: a module `__getattr__` builds it on access.
    reachable: bool,
}

/// One selected alias of a statement and what its move needs.
type Planned<'r> = (usize, &'r Request, NamePlan, Applicability);

struct Builder<'a> {
    src: &'a str,
    parsed: &'a ParsedModule,
    opts: &'a Options,
    nl: &'static str,
    edits: Vec<Edit>,
    /// Function index → lines to insert at its top, in order, each import
    /// with the module-level statement it was moved from (`None`: a line of
    /// a merged `__getattr__` lookup that is no moved import).
    fn_lines: BTreeMap<usize, Vec<(String, Option<ByteRange>)>>,
    header: Vec<String>,
    moves: Vec<Move>,
    skips: Vec<Skip>,
    applicability: Applicability,
    taken_names: Vec<String>,
    /// Import statements for one shared `if TYPE_CHECKING:` block.
    type_checking: Vec<String>,
    lines: LineIndex,
    /// Offsets of every `"""` and `'''` (for [`Self::inside_triple_quoted`]).
    triple_quotes: (Vec<u32>, Vec<u32>),
    /// Names bound by every requested import statement of the file.
    requested: HashSet<String>,
    /// Names other modules read that must stay module attributes.
    reachable: HashSet<String>,
    /// Per name kept reachable: the lines that bind `value` to it, and the
    /// statement the first of them (an import) was moved from.
    getattr_entries: Vec<(String, Vec<String>, Option<ByteRange>)>,
    /// Every import statement written into a function, by origin.
    written: Vec<Written>,
}

impl<'a> Builder<'a> {
    fn new(src: &'a str, parsed: &'a ParsedModule, opts: &'a Options) -> Self {
        Builder {
            src,
            parsed,
            opts,
            nl: newline(src),
            edits: Vec::new(),
            fn_lines: BTreeMap::new(),
            header: Vec::new(),
            moves: Vec::new(),
            skips: Vec::new(),
            applicability: Applicability::Safe,
            taken_names: Vec::new(),
            type_checking: Vec::new(),
            lines: LineIndex::new(src),
            triple_quotes: (
                src.match_indices("\"\"\"").map(|(i, _)| i as u32).collect(),
                src.match_indices("'''").map(|(i, _)| i as u32).collect(),
            ),
            requested: HashSet::new(),
            reachable: HashSet::new(),
            getattr_entries: Vec::new(),
            written: Vec::new(),
        }
    }

    fn statement(&mut self, idx: usize, rec: &ImportRecord, selected: &[(usize, &Request)]) {
        let sel_names: Vec<&BoundName> = selected.iter().map(|(ni, _)| &rec.names[*ni]).collect();
        match &rec.scope {
            ImportScope::Module => {}
            // Already deferred or never executed: nothing to do.
            ImportScope::Function { .. } | ImportScope::TypeChecking => return,
            ImportScope::TryImportError => {
                let d = "the except branch provides a fallback, so the import must run eagerly".to_string();
                return self.skip(rec, &sel_names, SkipReason::TryExceptFallback, d);
            }
            ImportScope::Class { class } => {
                let d = format!("in the body of class {class}");
                return self.skip(rec, &sel_names, SkipReason::Conditional, d);
            }
            ImportScope::Conditional => {
                let d = "under a module-level if/with/for/try".to_string();
                return self.skip(rec, &sel_names, SkipReason::Conditional, d);
            }
        }
        if let Some(d) = self.parsed.dynamic_namespace.first() {
            let why = format!("`{}` at line {} makes the module's names dynamic", d.call, d.line);
            return self.skip(rec, &sel_names, SkipReason::DynamicNamespace, why);
        }
        let plans = self.plans(idx, rec, selected);
        if plans.is_empty() {
            return;
        }
        let moved: Vec<usize> = plans.iter().map(|p| p.0).collect();
        let kept: Vec<&BoundName> =
            rec.names.iter().enumerate().filter(|(i, _)| !moved.contains(i)).map(|(_, n)| n).collect();
        let moved_names: Vec<&BoundName> = moved.iter().map(|i| &rec.names[*i]).collect();
        // One name left behind keeps the module loaded at import: moving
        // the others gains nothing and would claim a saving that is not there.
        if rec.is_from && !kept.is_empty() {
            let stays: Vec<String> = kept.iter().map(|n| format!("`{}`", n.bound)).collect();
            let why = format!("{} stays at module level and keeps `{}` loaded", stays.join(", "), display_module(rec, None));
            return self.skip(rec, &moved_names, SkipReason::ModuleStaysLoaded, why);
        }
        let app = plans.iter().map(|p| p.3).min().unwrap_or(Applicability::Safe);
        self.applicability = self.applicability.min(app);
        if self.opts.target == Target::Py315 {
            self.lazy_keyword_move(rec, &moved_names, &kept, app);
        } else if self.opts.target == Target::LazyModules {
            self.lazy_modules_move(rec, &moved_names, app);
        } else {
            self.move_into_functions(rec, &plans, &moved_names, &kept, app);
        }
    }

    fn finish(mut self) -> FileRewrite {
        self.merge_module_getattr();
        self.insert_function_imports();
        self.insert_type_checking_block();
        self.insert_header();
        self.insert_lazy_modules();
        self.insert_module_getattr();
        tidy_blank_lines(self.src, &mut self.edits);
        let fix = if self.edits.is_empty() {
            None
        } else {
            // Transforms only produce disjoint edits; an overlap is a bug
            // in this module, and refusing the file is the safe outcome.
            match Fix::new(std::mem::take(&mut self.edits), self.applicability) {
                Ok(f) => Some(f),
                Err(e) => {
                    let moved: Vec<Move> = std::mem::take(&mut self.moves);
                    for m in moved {
                        self.skips.push(Skip {
                            module: m.module,
                            line: m.line,
                            names: m.names,
                            reason: SkipReason::ModuleLevelUse,
                            detail: format!("internal: conflicting edits ({e})"),
                        });
                    }
                    None
                }
            }
        };
        let written = if fix.is_some() { self.written } else { Vec::new() };
        FileRewrite { moves: self.moves, skips: self.skips, fix, matched: Vec::new(), written }
    }
}
