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

use std::collections::{BTreeMap, HashSet};

use lmms_python::{
    parse_module, BoundName, LineIndex, ByteRange, FunctionDef, ImportRecord, ImportScope, ModuleLevelCall, ModuleLevelUse,
    NameRef, ParsedModule, RefContext,
};
use serde::Serialize;

use crate::edit::{Applicability, Edit, Fix};
use crate::text::*;

pub use crate::select::Request;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Target {
    /// Move imports into functions (any Python 3).
    #[default]
    Classic,
    /// Write PEP 810 `lazy import` statements in place (Python 3.15+).
    Py315,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Apply rewrites that change behaviour observably (`--unsafe-fixes`).
    pub allow_unsafe: bool,
    pub target: Target,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Used while the module is imported (class base, decorator, call, …).
    ModuleLevelUse,
    /// Listed in `__all__`: a re-export other modules may import.
    DunderAll,
    /// Never referenced: imported for its side effects.
    SideEffectOnly,
    /// Inside `try: … except ImportError:`: the fallback needs it eagerly.
    TryExceptFallback,
    StarImport,
    /// A function rebinds it with `global`.
    GlobalRebind,
    /// Used in an annotation that runs at import time and cannot be quoted.
    EvaluatedAnnotation,
    /// Used in a lambda at module level: no function body to import into.
    ModuleLambda,
    /// Under a module-level `if`/`with`/`for`/`try` or in a class body.
    Conditional,
    /// Another module-level import binds the same name.
    SharedName,
    /// Only an unsafe rewrite can defer it; rerun with `--unsafe-fixes`.
    NeedsUnsafe,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::ModuleLevelUse => "module-level use",
            SkipReason::DunderAll => "__all__ re-export",
            SkipReason::SideEffectOnly => "side-effect-only import",
            SkipReason::TryExceptFallback => "try/except ImportError fallback",
            SkipReason::StarImport => "star import",
            SkipReason::GlobalRebind => "rebound with global",
            SkipReason::EvaluatedAnnotation => "annotation evaluated at runtime",
            SkipReason::ModuleLambda => "used in a module-level lambda",
            SkipReason::Conditional => "conditional import",
            SkipReason::SharedName => "name bound by another import",
            SkipReason::NeedsUnsafe => "needs --unsafe-fixes",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skip {
    pub module: String,
    pub line: u32,
    pub names: Vec<String>,
    pub reason: SkipReason,
    pub detail: String,
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
}

/// Libraries that read annotations at runtime: in their presence a quoted
/// annotation may be resolved by name and fail.
const EVALUATES_ANNOTATIONS: &[&str] =
    &["pydantic", "dataclasses", "attr", "attrs", "fastapi", "typer", "msgspec", "typeguard", "beartype", "cattrs"];

/// Plan the rewrite of one file. `parsed` must be `parse_module(source)`;
/// each request names one alias of it by id ([`crate::select`]).
pub fn rewrite(source: &str, parsed: &ParsedModule, requests: &[Request], opts: &Options) -> FileRewrite {
    let mut b = Builder::new(source, parsed, opts);
    let hits = |rec: &ImportRecord, alias: Option<usize>, r: &Request| {
        r.id.statement == rec.range && r.id.alias == alias.map(|a| a as u32)
    };
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
}

struct ClientPlan {
    call: ModuleLevelCall,
    target: String,
    getter: String,
    /// Bare configuration calls on the client (`SESSION.headers.update(…)`).
    config: Vec<ByteRange>,
    /// References inside functions, rewritten to `getter()`.
    uses: Vec<ByteRange>,
}

struct Builder<'a> {
    src: &'a str,
    parsed: &'a ParsedModule,
    opts: &'a Options,
    nl: &'static str,
    edits: Vec<Edit>,
    /// Function index → import lines to insert at its top, in order.
    fn_lines: BTreeMap<usize, Vec<String>>,
    header: Vec<String>,
    moves: Vec<Move>,
    skips: Vec<Skip>,
    applicability: Applicability,
    evaluates_annotations: Option<&'static str>,
    taken_names: Vec<String>,
    /// Import statements for one shared `if TYPE_CHECKING:` block.
    type_checking: Vec<String>,
    lines: LineIndex,
    /// Offsets of every `"""` and `'''` (for [`Self::inside_triple_quoted`]).
    triple_quotes: (Vec<u32>, Vec<u32>),
    /// Names bound by every requested import statement of the file.
    requested: HashSet<String>,
}

impl<'a> Builder<'a> {
    fn new(src: &'a str, parsed: &'a ParsedModule, opts: &'a Options) -> Self {
        let evaluates_annotations = parsed.imports.iter().find_map(|i| {
            let m = if i.is_from { i.module.as_str() } else { alias_root(i) };
            let root = m.split('.').next().unwrap_or(m);
            EVALUATES_ANNOTATIONS.iter().find(|e| **e == root).copied()
        });
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
            evaluates_annotations,
            taken_names: Vec::new(),
            type_checking: Vec::new(),
            lines: LineIndex::new(src),
            triple_quotes: (
                src.match_indices("\"\"\"").map(|(i, _)| i as u32).collect(),
                src.match_indices("'''").map(|(i, _)| i as u32).collect(),
            ),
            requested: HashSet::new(),
        }
    }

    fn skip(&mut self, rec: &ImportRecord, names: &[&BoundName], reason: SkipReason, detail: String) {
        self.skips.push(Skip {
            module: display_module(rec, names.first().copied()),
            line: rec.line,
            names: names.iter().map(|n| n.bound.clone()).collect(),
            reason,
            detail,
        });
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
        let mut plans: Vec<(usize, &Request, NamePlan, Applicability)> = Vec::new();
        for &(ni, req) in selected {
            let name = &rec.names[ni];
            match self.analyse(idx, name) {
                Ok((plan, app)) => {
                    if app < Applicability::Safe && !self.opts.allow_unsafe {
                        let what = describe_unsafe(&plan);
                        self.skip(rec, &[name], SkipReason::NeedsUnsafe, what);
                    } else {
                        plans.push((ni, req, plan, app));
                    }
                }
                Err((reason, detail)) => self.skip(rec, &[name], reason, detail),
            }
        }
        if plans.is_empty() {
            return;
        }
        let moved: Vec<usize> = plans.iter().map(|p| p.0).collect();
        let kept: Vec<&BoundName> =
            rec.names.iter().enumerate().filter(|(i, _)| !moved.contains(i)).map(|(_, n)| n).collect();
        let moved_names: Vec<&BoundName> = moved.iter().map(|i| &rec.names[*i]).collect();
        let app = plans.iter().map(|p| p.3).min().unwrap_or(Applicability::Safe);
        self.applicability = self.applicability.min(app);

        if self.opts.target == Target::Py315 {
            self.lazy_keyword(rec, &moved_names, &kept);
            self.moves.push(Move {
                module: display_module(rec, moved_names.first().copied()),
                line: rec.line,
                statement: rec.range,
                names: moved_names.iter().map(|n| n.bound.clone()).collect(),
                kind: MoveKind::LazyKeyword,
                into: Vec::new(),
                applicability: app,
                notes: Vec::new(),
            });
            return;
        }

        // The module-level statement goes, or keeps only the other names.
        if kept.is_empty() {
            self.edits.push(remove_statement(self.src, rec.range));
        } else {
            let text = stmt_text(self.src, rec, &kept);
            self.edits.push(Edit::replacement(rec.range.start, rec.range.end, text));
        }

        let mut into: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        // Per function, the moved names it uses, in statement order.
        let mut per_fn: BTreeMap<usize, Vec<(usize, &Request)>> = BTreeMap::new();
        let mut tc_names: Vec<&BoundName> = Vec::new();
        let mut quoted = 0;
        let mut after_imports: Vec<String> = Vec::new();
        for (ni, req, plan, _) in &plans {
            for f in &plan.fns {
                per_fn.entry(*f).or_default().push((*ni, *req));
            }
            if plan.type_checking {
                tc_names.push(&rec.names[*ni]);
            }
            quoted += plan.quotes.len();
            self.edits.extend(plan.quotes.iter().cloned());
            for c in &plan.clients {
                self.client(rec, &rec.names[*ni], req, c);
                into.push(c.getter.clone());
                notes.push(format!("{} → {}() (built on first use)", c.target, c.getter));
            }
            for (range, expr) in &plan.dispatch {
                let wrapper = self.dispatch_name(expr);
                let imp = with_comment(&stmt_text(self.src, rec, &[&rec.names[*ni]]), &req.comment);
                after_imports.push(format!(
                    "def {wrapper}(*args, **kwargs):{nl}    \"\"\"`{expr}`, imported on first call (lmms fix).\"\"\"{nl}    {imp}{nl}    return {expr}(*args, **kwargs){nl}",
                    nl = self.nl
                ));
                self.edits.push(Edit::replacement(range.start, range.end, wrapper.clone()));
                notes.push(format!("dispatch entry {expr} → {wrapper}"));
                into.push(wrapper);
            }
        }
        for (f, names) in per_fn {
            let mut lines: Vec<String> = Vec::new();
            if rec.is_from {
                let ns: Vec<&BoundName> = names.iter().map(|(ni, _)| &rec.names[*ni]).collect();
                let comment = join_comments(names.iter().map(|(_, r)| r.comment.as_str()));
                lines.push(with_comment(&stmt_text(self.src, rec, &ns), &comment));
            } else {
                for (ni, r) in names {
                    lines.push(with_comment(&stmt_text(self.src, rec, &[&rec.names[ni]]), &r.comment));
                }
            }
            let entry = self.fn_lines.entry(f).or_default();
            for l in lines {
                if !entry.contains(&l) {
                    entry.push(l);
                }
            }
            into.push(self.parsed.functions[f].qualname.clone());
        }
        if !tc_names.is_empty() {
            let text = stmt_text(self.src, rec, &tc_names);
            if !self.type_checking.contains(&text) {
                self.type_checking.push(text);
            }
            notes.push("imported under TYPE_CHECKING for annotations".into());
        }
        if quoted > 0 {
            notes.push(format!("quoted {quoted} annotation{}", if quoted == 1 { "" } else { "s" }));
        }
        if !after_imports.is_empty() {
            let anchor = self.last_import_end_before(plans.iter().flat_map(|p| p.2.dispatch.iter().map(|d| d.0.start)));
            let (at, lead) = after_statement(self.src, anchor, self.nl);
            let nl = self.nl;
            let body = after_imports.join(&format!("{nl}{nl}"));
            self.edits.push(Edit::insertion(at, format!("{lead}{nl}{nl}{body}")));
        }
        self.moves.push(Move {
            module: display_module(rec, moved_names.first().copied()),
            line: rec.line,
            statement: rec.range,
            names: moved_names.iter().map(|n| n.bound.clone()).collect(),
            kind: MoveKind::Function,
            into,
            applicability: app,
            notes,
        });
    }

    /// Classify every reference to `name`; `Err` is why it cannot move.
    fn analyse(
        &mut self,
        idx: usize,
        name: &BoundName,
    ) -> Result<(NamePlan, Applicability), (SkipReason, String)> {
        let src = self.src;
        let shared = self.parsed.imports.iter().enumerate().any(|(j, other)| {
            j != idx
                && !matches!(other.scope, ImportScope::Function { .. } | ImportScope::Class { .. })
                && other.names.iter().any(|n| n.bound == name.bound)
        });
        if shared {
            let d = format!("`{}` is also bound by another module-level import", name.bound);
            return Err((SkipReason::SharedName, d));
        }
        let refs: Vec<&NameRef> = self.parsed.refs.iter().filter(|r| r.bound == name.bound).collect();
        if refs.is_empty() {
            return Err((SkipReason::SideEffectOnly, format!("`{}` is never used in this file", name.bound)));
        }
        let py315 = self.opts.target == Target::Py315;
        let mut plan = NamePlan::default();
        let mut app = Applicability::Safe;
        let mut client_calls: Vec<usize> = Vec::new();
        for r in &refs {
            let line = self.lines.line(r.range.start);
            match &r.context {
                RefContext::Function { function, .. } => {
                    if py315 {
                        continue;
                    }
                    let f = self.parsed.functions.iter().position(|f| {
                        &f.qualname == function && f.range.start <= r.range.start && r.range.end <= f.range.end
                    });
                    match f {
                        Some(f) if !plan.fns.contains(&f) => plan.fns.push(f),
                        Some(_) => {}
                        None => {
                            let d = format!("`{}` is used in a lambda at line {line}", name.bound);
                            return Err((SkipReason::ModuleLambda, d));
                        }
                    }
                }
                RefContext::Annotation { evaluated_at_import: false } => plan.type_checking = !py315,
                RefContext::Annotation { evaluated_at_import: true } => {
                    if py315 {
                        let d = format!("annotation at line {line} is evaluated at import time");
                        return Err((SkipReason::EvaluatedAnnotation, d));
                    }
                    plan.quotes.push(self.quote(r)?);
                    plan.type_checking = true;
                }
                RefContext::ModuleLevel { what: ModuleLevelUse::DunderAll } => {
                    let d = format!("`{}` is listed in __all__", name.bound);
                    return Err((SkipReason::DunderAll, d));
                }
                RefContext::ModuleLevel { what: ModuleLevelUse::GlobalRebind } => {
                    let d = format!("`global {}` at line {line}", name.bound);
                    return Err((SkipReason::GlobalRebind, d));
                }
                RefContext::ModuleLevel { what } => {
                    let plain = || (SkipReason::ModuleLevelUse, format!("{} at line {line}", use_words(*what)));
                    if py315 {
                        return Err(plain());
                    }
                    if let Some(ci) = client_call(self.parsed, r) {
                        if !client_calls.contains(&ci) {
                            client_calls.push(ci);
                        }
                    } else if let Some(expr) = dispatch_entry(src, r, *what) {
                        plan.dispatch.push((ByteRange { start: r.range.start, end: r.range.start + expr.len() as u32 }, expr));
                    } else {
                        return Err(plain());
                    }
                }
            }
        }
        if !py315 {
            if let Some(at) = self.unclassified_use(name, idx, &refs) {
                let line = self.lines.line(at);
                let d = format!("`{}` appears at line {line} outside any function, in a use the analysis cannot classify", name.bound);
                return Err((SkipReason::ModuleLevelUse, d));
            }
        }
        for ci in client_calls {
            let call = &self.parsed.module_calls[ci];
            let client = self.client_plan(call)?;
            plan.clients.push(client);
        }
        if !plan.clients.is_empty() || !plan.dispatch.is_empty() {
            app = Applicability::Unsafe;
        }
        Ok((plan, app))
    }

    /// A second line of defence for moves into functions: an occurrence of
    /// the name outside every function body that no reference accounts for
    /// (e.g. `_os = _os` in a class body, which reads the global) might run
    /// at import time. Comments and text before the first import (the
    /// module docstring) are ignored.
    fn unclassified_use(&self, name: &BoundName, idx: usize, refs: &[&NameRef]) -> Option<u32> {
        let src = self.src;
        let word = name.bound.as_str();
        let first_import = self.parsed.imports.iter().map(|i| i.range.start).min().unwrap_or(0) as usize;
        let own = self.parsed.imports[idx].range;
        let mut from = first_import;
        while let Some(i) = src[from..].find(word) {
            let s = from + i;
            let e = s + word.len();
            from = e;
            let before_ok = src[..s].chars().next_back().is_none_or(|c| !is_ident_char(c) && c != '.');
            let after_ok = src[e..].chars().next().is_none_or(|c| !is_ident_char(c));
            if !before_ok || !after_ok {
                continue;
            }
            let at = s as u32;
            if (own.start..own.end).contains(&at) || refs.iter().any(|r| r.range.start == at) {
                continue;
            }
            // Function bodies and docstrings; signatures are fully
            // classified by the adapter.
            if self.parsed.functions.iter().any(|f| f.range.start <= at && at < f.range.end) {
                continue;
            }
            if self.inside_triple_quoted(at) {
                continue;
            }
            // Another import statement mentioning the name (`import x.y`).
            if self.parsed.imports.iter().any(|i| (i.range.start..i.range.end).contains(&at)) {
                continue;
            }
            let line = &src[line_start(src, at) as usize..s];
            if line.contains('#') || line.contains('"') || line.contains('\'') {
                continue;
            }
            return Some(at);
        }
        None
    }

    /// Heuristic: an odd number of `"""` (or `'''`) before `at` means a
    /// docstring or other long string is open there.
    fn inside_triple_quoted(&self, at: u32) -> bool {
        let before = |q: &Vec<u32>| q.partition_point(|p| *p < at);
        before(&self.triple_quotes.0) % 2 == 1 || before(&self.triple_quotes.1) % 2 == 1
    }

    /// Quote a signature annotation `pd.DataFrame` → `"pd.DataFrame"`, only
    /// where a string is an equivalent annotation at runtime.
    fn quote(&self, r: &NameRef) -> Result<Edit, (SkipReason, String)> {
        let src = self.src;
        let line = self.lines.line(r.range.start);
        if let Some(lib) = self.evaluates_annotations {
            let d = format!("annotation at line {line}; this module uses {lib}, which evaluates annotations");
            return Err((SkipReason::EvaluatedAnnotation, d));
        }
        let in_signature = self.parsed.functions.iter().find(|f| {
            f.range.start <= r.range.start && r.range.end <= f.body_insert_at && !src[f.range.start as usize..].starts_with('@')
        });
        let end = dotted_end(src, r.range.start);
        let prev = prev_non_space(src, r.range.start);
        let next = next_non_space(src, end);
        let standalone = matches!(prev, Some(':' | '>' | '[' | ',')) && matches!(next, Some(',' | ')' | '=' | ':' | ']'));
        if in_signature.is_none() || !standalone {
            let d = format!("annotation at line {line} is evaluated at import time and cannot be quoted");
            return Err((SkipReason::EvaluatedAnnotation, d));
        }
        let text = &src[r.range.start as usize..end as usize];
        Ok(Edit::replacement(r.range.start, end, format!("\"{text}\"")))
    }

    /// Check a `NAME = lib.factory(...)` statement for the getter rewrite:
    /// `NAME` may only be used inside functions or configured by bare calls.
    fn client_plan(&mut self, call: &ModuleLevelCall) -> Result<ClientPlan, (SkipReason, String)> {
        let src = self.src;
        let line = call.line;
        let reject = |why: &str| (SkipReason::ModuleLevelUse, format!("`{}` at line {line}: {why}", call.callee));
        let [target] = call.targets.as_slice() else {
            return Err(reject("the call's result is not bound to exactly one name"));
        };
        let stmt = &src[call.range.start as usize..call.range.end as usize];
        if line_start(src, call.range.start) != call.range.start || !only_comment_after(src, call.range.end) {
            return Err(reject("the statement does not stand on its own lines"));
        }
        if stmt.contains("\"\"\"") || stmt.contains("'''") {
            return Err(reject("a multi-line string would change when re-indented"));
        }
        // Find every use of `target`: parse a copy where the assignment is
        // blanked to an `import target` of the same byte length, so the
        // adapter reports the name's references at unchanged offsets.
        let stub = format!("import {target}");
        let first_line = stmt.split('\n').next().unwrap_or(stmt);
        if stub.len() > first_line.len() {
            return Err(reject("statement too short to analyse"));
        }
        let mut bytes = src.as_bytes().to_vec();
        for b in &mut bytes[call.range.start as usize..call.range.end as usize] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
        bytes[call.range.start as usize..call.range.start as usize + stub.len()].copy_from_slice(stub.as_bytes());
        let Ok(probe_src) = String::from_utf8(bytes) else {
            return Err(reject("cannot analyse"));
        };
        let probe = parse_module(&probe_src);
        let mut config = Vec::new();
        let mut uses = Vec::new();
        for r in probe.refs.iter().filter(|r| &r.bound == target) {
            let rl = self.lines.line(r.range.start);
            match &r.context {
                RefContext::Function { .. } => uses.push(r.range),
                RefContext::ModuleLevel { what: ModuleLevelUse::Call } => {
                    let cfg = probe.module_calls.iter().find(|c| {
                        c.targets.is_empty()
                            && &c.root == target
                            && c.range.start == r.range.start
                            && c.range.start > call.range.end
                            && line_start(src, c.range.start) == c.range.start
                            && only_comment_after(src, c.range.end)
                    });
                    match cfg {
                        Some(c) if !config.contains(&c.range) => config.push(c.range),
                        Some(_) => {}
                        None => return Err(reject(&format!("`{target}` is used at import time at line {rl}"))),
                    }
                }
                _ => return Err(reject(&format!("`{target}` is used at import time at line {rl}"))),
            }
        }
        // A getter moves these statements into a function body: another
        // deferred name used there would change placement on the next run
        // (its use is no longer module-level), so the rewrite would not be
        // a fixed point. Keep the client eager instead.
        let moved_ranges: Vec<ByteRange> = std::iter::once(call.range).chain(config.iter().copied()).collect();
        if let Some(other) = self.parsed.refs.iter().find(|r| {
            r.bound != call.root
                && self.requested.contains(&r.bound)
                && moved_ranges.iter().any(|m| m.start <= r.range.start && r.range.end <= m.end)
        }) {
            return Err(reject(&format!("it also uses `{}`, which is deferred too", other.bound)));
        }
        // The same holds for another client built from a deferred import:
        // once this statement moves, that client's last module-level use
        // may be gone and the next run would rewrite it.
        for other in &self.parsed.module_calls {
            if other.range == call.range || !self.requested.contains(&other.root) {
                continue;
            }
            for t in &other.targets {
                let used = moved_ranges.iter().any(|m| contains_word(&src[m.start as usize..m.end as usize], t));
                if used && t != target {
                    return Err(reject(&format!("it also uses `{t}`, built from a deferred import")));
                }
            }
        }
        for c in &config {
            let t = &src[c.start as usize..c.end as usize];
            if t.contains("\"\"\"") || t.contains("'''") {
                return Err(reject("a configuration call holds a multi-line string"));
            }
        }
        let lower = target.to_lowercase();
        let getter = [format!("_{lower}"), format!("_get_{lower}"), format!("_lmms_{lower}")]
            .into_iter()
            .find(|n| !contains_word(src, n) && !self.taken_names.contains(n))
            .ok_or_else(|| reject("no free name for the getter"))?;
        self.taken_names.push(getter.clone());
        Ok(ClientPlan { call: call.clone(), target: target.clone(), getter, config, uses })
    }

    fn client(&mut self, rec: &ImportRecord, name: &BoundName, req: &Request, c: &ClientPlan) {
        let nl = self.nl;
        let src = self.src;
        let functools = self.functools();
        let imp = with_comment(&stmt_text(src, rec, &[name]), &req.comment);
        let mut body = vec![
            format!("\"\"\"`{}`, built on first use instead of at import time (lmms fix).\"\"\"", c.target),
            imp,
        ];
        body.push(src[c.call.range.start as usize..c.call.range.end as usize].to_string());
        for r in &c.config {
            body.push(src[r.start as usize..r.end as usize].to_string());
        }
        body.push(format!("return {}", c.target));
        let body: Vec<String> = body.iter().map(|s| indent_block(s, "    ", nl)).collect();
        let text = format!(
            "{nl}@{functools}.lru_cache(maxsize=None){nl}def {}():{nl}{}{nl}",
            c.getter,
            body.join(nl)
        );
        self.edits.push(Edit::replacement(c.call.range.start, c.call.range.end, text));
        for r in &c.config {
            self.edits.push(Edit::deletion(r.start, next_line_start(src, r.end)));
        }
        for u in &c.uses {
            self.edits.push(Edit::replacement(u.start, u.end, format!("{}()", c.getter)));
        }
    }

    fn dispatch_name(&mut self, expr: &str) -> String {
        let base = format!("_lazy_{}", expr.replace('.', "_"));
        let mut name = base.clone();
        let mut n = 2;
        while contains_word(self.src, &name) || self.taken_names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken_names.push(name.clone());
        name
    }

    /// The name to write for `functools`, importing it when needed.
    fn functools(&mut self) -> String {
        // A requested `import functools` may be on its way into functions.
        if self.bound_at_module("functools", "functools") && !self.requested.contains("functools") {
            return "functools".into();
        }
        self.add_header("import functools");
        "functools".into()
    }

    /// The condition for the `if …:` block, and a line defining it when
    /// nothing does yet. Importing `typing` just for the constant costs a
    /// few ms of INIT, so the block defines `TYPE_CHECKING = False` itself,
    /// a spelling type checkers treat like `typing.TYPE_CHECKING`.
    fn type_checking_guard(&mut self) -> (String, Option<&'static str>) {
        let bound = |n: &str| {
            self.parsed.imports.iter().any(|i| {
                matches!(i.scope, ImportScope::Module) && i.names.iter().any(|b| b.bound == n && b.attribute.as_deref() == Some(n))
            })
        };
        let assigned = self.src.lines().any(|l| l.starts_with("TYPE_CHECKING =") || l.starts_with("TYPE_CHECKING="));
        if (bound("TYPE_CHECKING") && !self.requested.contains("TYPE_CHECKING")) || assigned {
            ("TYPE_CHECKING".into(), None)
        } else if self.bound_at_module("typing", "typing") && !self.requested.contains("typing") {
            ("typing.TYPE_CHECKING".into(), None)
        } else {
            ("TYPE_CHECKING".into(), Some("TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at startup"))
        }
    }

    fn bound_at_module(&self, bound: &str, module: &str) -> bool {
        self.parsed.imports.iter().any(|i| {
            matches!(i.scope, ImportScope::Module)
                && !i.is_from
                && i.names.iter().any(|b| b.bound == bound && b.target == module)
        })
    }

    fn add_header(&mut self, line: &str) {
        if !self.header.iter().any(|h| h == line) {
            self.header.push(line.to_string());
        }
    }

    /// End of the last unconditional module-level import before `before`.
    fn last_import_end_before(&self, before: impl Iterator<Item = u32>) -> u32 {
        let limit = before.min().unwrap_or(u32::MAX);
        self.parsed
            .imports
            .iter()
            .filter(|i| matches!(i.scope, ImportScope::Module) && i.range.end <= limit)
            .map(|i| i.range.end)
            .max()
            .unwrap_or(0)
    }

    fn lazy_keyword(&mut self, rec: &ImportRecord, moved: &[&BoundName], kept: &[&BoundName]) {
        if kept.is_empty() {
            self.edits.push(Edit::insertion(rec.range.start, "lazy "));
        } else {
            let text = format!("lazy {}{}{}", stmt_text(self.src, rec, moved), self.nl, stmt_text(self.src, rec, kept));
            self.edits.push(Edit::replacement(rec.range.start, rec.range.end, text));
        }
    }

    fn finish(mut self) -> FileRewrite {
        let nl = self.nl;
        for (f, lines) in std::mem::take(&mut self.fn_lines) {
            let def: &FunctionDef = &self.parsed.functions[f];
            let at = def.body_insert_at;
            let ind = &def.body_indent;
            if only_indent_before(self.src, at) {
                let text: String = lines.iter().map(|l| format!("{l}{nl}{ind}")).collect();
                self.edits.push(Edit::insertion(at, text));
            } else {
                // `def f(): return x` — the body starts on the `def` line;
                // it moves to its own line, without trailing blanks after `:`.
                let block: String = lines.iter().map(|l| format!("{ind}{l}{nl}")).collect();
                let blanks = self.src[..at as usize].len() - self.src[..at as usize].trim_end_matches([' ', '\t']).len();
                self.edits.push(Edit::replacement(at - blanks as u32, at, format!("{nl}{block}{ind}")));
            }
        }
        if !self.type_checking.is_empty() {
            let (guard, define) = self.type_checking_guard();
            let define = define.map_or(String::new(), |d| format!("{d}{nl}"));
            let anchor = self
                .parsed
                .imports
                .iter()
                .filter(|i| matches!(i.scope, ImportScope::Module))
                .map(|i| i.range.end)
                .max()
                .unwrap_or(0);
            let (at, lead) = after_statement(self.src, anchor, nl);
            let body: String = self.type_checking.iter().map(|t| format!("    {t}{nl}")).collect();
            // Before any dispatch wrappers placed at the same spot.
            // Set the block off with a blank line unless one (or a deleted
            // import line) already precedes it.
            let mut end = at;
            // Skip back over lines being deleted to the line that survives.
            while let Some(d) = self.edits.iter().find(|e| e.content.is_empty() && e.range.end == end && e.range.start < end) {
                end = d.range.start;
            }
            let prev_blank = end == 0 || self.src[line_start(self.src, end - 1) as usize..end as usize].trim().is_empty();
            let gap = if prev_blank { "" } else { nl };
            self.edits.insert(0, Edit::insertion(at, format!("{lead}{gap}{define}if {guard}:{nl}{body}")));
        }
        if !self.header.is_empty() {
            let first = self.parsed.imports.iter().find(|i| {
                matches!(i.scope, ImportScope::Module) && !(i.is_from && i.level == 0 && i.module == "__future__")
            });
            let at = first.map_or(0, |i| line_start(self.src, i.range.start));
            let text: String = self.header.iter().map(|h| format!("{h}{nl}")).collect();
            self.edits.push(Edit::insertion(at, text));
        }
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
        FileRewrite { moves: self.moves, skips: self.skips, fix, matched: Vec::new() }
    }
}

/// Deleting a block of import lines that sat between two blank lines leaves
/// two blank lines in a row; take one of them with the block. Only whole-line
/// deletions are touched, and only when no other edit falls inside the
/// widened range.
fn tidy_blank_lines(src: &str, edits: &mut Vec<Edit>) {
    let is_blank_line = |start: u32| {
        let end = next_line_start(src, start);
        start < end && src[start as usize..end as usize].trim().is_empty()
    };
    let whole_line = |e: &Edit| {
        e.content.is_empty()
            && e.range.start < e.range.end
            && line_start(src, e.range.start) == e.range.start
            && (e.range.end as usize == src.len() || src.as_bytes()[e.range.end as usize - 1] == b'\n')
    };
    let mut dels: Vec<usize> = (0..edits.len()).filter(|i| whole_line(&edits[*i])).collect();
    dels.sort_by_key(|i| edits[*i].range.start);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in dels {
        match groups.last_mut() {
            Some(g) if edits[*g.last().unwrap()].range.end == edits[i].range.start => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    for g in groups {
        let start = edits[g[0]].range.start;
        let end = edits[*g.last().unwrap()].range.end;
        if start == 0 || end as usize >= src.len() {
            continue;
        }
        let prev_line = line_start(src, start - 1);
        if !is_blank_line(prev_line) || !is_blank_line(end) {
            continue;
        }
        let widened = next_line_start(src, end);
        // Anything else starting in the widened stretch (an insertion at
        // `end` included) would end up inside the deletion.
        let clash = edits
            .iter()
            .enumerate()
            .any(|(j, e)| !g.contains(&j) && e.range.start >= end && e.range.start < widened);
        if clash {
            continue;
        }
        let last = *g.last().unwrap();
        edits[last].range.end = widened;
    }
}

/// The module-level call statement (a client candidate) whose callee is
/// rooted at this reference.
fn client_call(parsed: &ParsedModule, r: &NameRef) -> Option<usize> {
    if !matches!(r.context, RefContext::ModuleLevel { what: ModuleLevelUse::Call }) {
        return None;
    }
    parsed.module_calls.iter().position(|c| {
        c.root == r.bound && c.targets.len() == 1 && c.range.start <= r.range.start && r.range.end <= c.range.end
    })
}

/// `feature.handle` stored as a value in a table literal.
fn dispatch_entry(src: &str, r: &NameRef, what: ModuleLevelUse) -> Option<String> {
    if what != ModuleLevelUse::Value {
        return None;
    }
    let end = dotted_end(src, r.range.start);
    if end <= r.range.end {
        return None;
    }
    let prev = prev_non_space(src, r.range.start);
    let next = next_non_space(src, end);
    if !matches!(prev, Some(':' | ',' | '[' | '{')) || !matches!(next, Some(',' | '}' | ']')) {
        return None;
    }
    Some(src[r.range.start as usize..end as usize].to_string())
}

fn describe_unsafe(plan: &NamePlan) -> String {
    if let Some(c) = plan.clients.first() {
        format!("module-level client `{} = {}(…)` (line {})", c.target, c.call.callee, c.call.line)
    } else if let Some((_, e)) = plan.dispatch.first() {
        format!("dispatch table entry `{e}`")
    } else {
        "unsafe rewrite".into()
    }
}

fn use_words(what: ModuleLevelUse) -> &'static str {
    match what {
        ModuleLevelUse::ClassBase => "class base",
        ModuleLevelUse::Decorator => "decorator",
        ModuleLevelUse::DefaultArgument => "default argument",
        ModuleLevelUse::Call => "call at import time",
        ModuleLevelUse::Value => "value stored at import time",
        ModuleLevelUse::DunderAll => "__all__ entry",
        ModuleLevelUse::GlobalRebind => "global rebind",
        ModuleLevelUse::Other => "use at import time",
    }
}

fn alias_root(rec: &ImportRecord) -> &str {
    rec.names.first().map_or("", |n| n.target.as_str())
}

fn display_module(rec: &ImportRecord, name: Option<&BoundName>) -> String {
    if rec.is_from {
        format!("{}{}", ".".repeat(rec.level as usize), rec.module)
    } else {
        name.map_or(rec.module.clone(), |n| n.target.clone())
    }
}


/// Source text of an import statement restricted to `names`.
pub(crate) fn stmt_text(src: &str, rec: &ImportRecord, names: &[&BoundName]) -> String {
    let aliases: Vec<&str> = names.iter().map(|n| &src[n.range.start as usize..n.range.end as usize]).collect();
    if rec.is_from {
        format!("from {}{} import {}", ".".repeat(rec.level as usize), rec.module, aliases.join(", "))
    } else {
        format!("import {}", aliases.join(", "))
    }
}

fn with_comment(stmt: &str, comment: &str) -> String {
    if comment.is_empty() {
        stmt.to_string()
    } else {
        format!("{stmt}  # {comment}")
    }
}

fn join_comments<'c>(cs: impl Iterator<Item = &'c str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for c in cs {
        if !c.is_empty() && !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.join("; ")
}

/// Delete a whole statement: its lines when it owns them, otherwise just the
/// statement and its `;` separator.
fn remove_statement(src: &str, r: ByteRange) -> Edit {
    let ls = line_start(src, r.start);
    if ls == r.start && only_comment_after(src, r.end) {
        return Edit::deletion(ls, next_line_start(src, r.end));
    }
    let after = &src[r.end as usize..];
    let trimmed = after.trim_start_matches([' ', '\t']);
    if let Some(rest) = trimmed.strip_prefix(';') {
        let skip = after.len() - rest.trim_start_matches([' ', '\t']).len();
        return Edit::deletion(r.start, r.end + skip as u32);
    }
    let before = &src[ls as usize..r.start as usize];
    let bt = before.trim_end_matches([' ', '\t']);
    if bt.ends_with(';') {
        return Edit::deletion(ls + bt.len() as u32 - 1, r.end);
    }
    Edit::replacement(r.start, r.end, "pass")
}

/// Where to put new lines after the statement ending at `end`; the prefix
/// is a newline when the file ends without one.
fn after_statement(src: &str, end: u32, nl: &'static str) -> (u32, &'static str) {
    let at = next_line_start(src, end);
    let lead = if at as usize == src.len() && !src.ends_with('\n') { nl } else { "" };
    (at, lead)
}
