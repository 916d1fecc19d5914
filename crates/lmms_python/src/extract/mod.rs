//! One pass over ruff's AST that fills a [`ParsedModule`].
//!
//! Name resolution follows Python's scoping rule that a name assigned
//! *anywhere* in a function is local to all of it. A single pass cannot know
//! that when it meets a load, so every load becomes a *candidate* tagged with
//! its scope; when a scope closes, candidates naming one of its locals are
//! dropped and the rest move outwards. What survives to the module scope and
//! names a module-level import is a reference. Contexts are kept as indices
//! until the end so the hot loop allocates no strings.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::TextRange;

use crate::lines::LineIndex;
use crate::model::*;

mod calls;
mod dunder_all;
mod imports;
pub(crate) mod namespace;
mod lazy_modules;
mod module_getattr;
mod scope;

use calls::chain_root;
use imports::{catches_import_error, collect_module_import_names, is_future_annotations, is_type_checking};

/// Index into `ParsedModule::functions`, or [`LAMBDA`] for a lambda that has
/// no enclosing `def`.
type FnId = u32;
const LAMBDA: FnId = u32::MAX;

#[derive(Clone, Copy)]
enum Ctx {
    Module(ModuleLevelUse),
    Function { outer: FnId, inner: FnId },
    Annotation(bool),
}

struct Candidate<'a> {
    name: &'a str,
    range: TextRange,
    ctx: Ctx,
    /// Class scopes are invisible to nested scopes; once a candidate leaves
    /// the scope it was recorded in, class locals no longer shadow it.
    skip_class: bool,
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

struct Scope<'a> {
    kind: ScopeKind,
    /// First candidate recorded inside this scope.
    cand_start: usize,
    locals: Vec<&'a str>,
    globals: Vec<&'a str>,
}

/// Module-level conditions an import can sit under.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cond {
    TypeChecking,
    TryImportError,
    Conditional,
}

pub(crate) struct Extractor<'a> {
    source: &'a str,
    /// Built on first need (function insertion points); line numbers of
    /// imports and calls come from `counter` without allocating.
    lines: std::cell::OnceCell<LineIndex>,
    counter: std::cell::Cell<(u32, u32)>,
    pub(crate) out: ParsedModule,
    scopes: Vec<Scope<'a>>,
    cands: Vec<Candidate<'a>>,
    /// Function ids of enclosing `def`s (outermost first).
    fn_stack: Vec<FnId>,
    /// `qual.len()` just inside each enclosing def (parallel to fn_stack),
    /// so a qualified name can be built without a `FunctionDef` record.
    fn_qual_len: Vec<usize>,
    opts: crate::Extract,
    /// Qualified-name parts of enclosing defs and classes.
    qual: Vec<&'a str>,
    class_stack: Vec<&'a str>,
    conds: Vec<Cond>,
    /// Loop depth within the current function (reset on entering one).
    loop_depth: u32,
    saved_loop_depth: Vec<u32>,
    lambda_depth: u32,
    what: ModuleLevelUse,
    annotation: bool,
    /// The annotation being visited is evaluated when its statement runs
    /// (a signature, or a variable annotation outside function bodies).
    annotation_runs: bool,
    call_root: Option<u32>,
    /// `global x` statements in functions; they bypass local shadowing.
    global_rebinds: Vec<Candidate<'a>>,
    /// Names bound by imports outside functions and classes, found by a
    /// cheap pre-pass: only these can become references, so loads and local
    /// bindings of any other name are not tracked at all.
    import_names: Vec<&'a str>,
    /// Names the file's `from X import *` statements bind, as the caller
    /// worked them out from X (see [`crate::parse_module_star`]).
    star_bound: Vec<&'a str>,
    /// `def`/`class` names and ranges, for readers named by a call
    /// (`get_type_hints(f)`, `app.command()(f)`), resolved at the end.
    defs: Vec<(&'a str, ByteRange)>,
    pending_readers: Vec<(&'a str, String, u32)>,
    /// Classes of this module whose annotations are read at run time (their
    /// subclasses are read too: a `BaseModel` subclass's subclass).
    reader_classes: Vec<&'a str>,
}

impl<'a> Extractor<'a> {
    pub(crate) fn new(source: &'a str, mut opts: crate::Extract) -> Self {
        // Reference contexts name functions by their records.
        opts.functions |= opts.refs;
        Extractor {
            source,
            lines: std::cell::OnceCell::new(),
            counter: std::cell::Cell::new((0, 1)),
            out: ParsedModule::default(),
            scopes: vec![Scope {
                kind: ScopeKind::Module,
                cand_start: 0,
                locals: Vec::new(),
                globals: Vec::new(),
            }],
            cands: Vec::new(),
            fn_stack: Vec::new(),
            fn_qual_len: Vec::new(),
            opts,
            qual: Vec::new(),
            class_stack: Vec::new(),
            conds: Vec::new(),
            loop_depth: 0,
            saved_loop_depth: Vec::new(),
            lambda_depth: 0,
            what: ModuleLevelUse::Other,
            annotation: false,
            annotation_runs: false,
            defs: Vec::new(),
            pending_readers: Vec::new(),
            reader_classes: Vec::new(),
            call_root: None,
            global_rebinds: Vec::new(),
            import_names: Vec::new(),
            star_bound: Vec::new(),
        }
    }

    pub(crate) fn with_star_bound(mut self, names: &[&'a str]) -> Self {
        self.star_bound = names.to_vec();
        self
    }

    pub(crate) fn run(mut self, body: &'a [Stmt]) -> ParsedModule {
        self.out.future_annotations = body.iter().any(is_future_annotations);
        self.out.lazy_modules = lazy_modules::lazy_modules(body);
        self.out.module_getattr = module_getattr::module_getattr(body, self.source);
        if self.opts.refs {
            collect_module_import_names(body, &mut self.import_names);
            self.import_names.extend_from_slice(&self.star_bound);
        }
        self.import_names.sort_unstable();
        self.import_names.dedup();
        self.visit_body(body);
        self.finish()
    }

    fn finish(mut self) -> ParsedModule {
        let module_bound: std::collections::HashSet<&str> = self
            .out
            .imports
            .iter()
            .filter(|i| {
                !matches!(
                    i.scope,
                    ImportScope::Function { .. } | ImportScope::Class { .. }
                )
            })
            .flat_map(|i| i.names.iter().map(|n| n.bound.as_str()))
            .chain(self.star_bound.iter().copied())
            .collect();
        let mut cands = std::mem::take(&mut self.cands);
        cands.append(&mut self.global_rebinds);
        cands.sort_by_key(|c| c.range.start());
        let mut refs = Vec::new();
        let mut dunder_refs = Vec::new();
        for c in cands {
            if !module_bound.contains(c.name) {
                continue;
            }
            let context = match c.ctx {
                Ctx::Module(what) => RefContext::ModuleLevel { what },
                Ctx::Annotation(evaluated_at_import) => RefContext::Annotation {
                    evaluated_at_import,
                },
                Ctx::Function { outer, inner } => RefContext::Function {
                    function: self.fn_name(outer),
                    innermost: self.fn_name(inner),
                },
            };
            let r = NameRef {
                bound: c.name.to_string(),
                range: byte_range(c.range),
                context,
            };
            if matches!(
                r.context,
                RefContext::ModuleLevel {
                    what: ModuleLevelUse::DunderAll
                }
            ) {
                dunder_refs.push(r);
            } else {
                refs.push(r);
            }
        }
        if !dunder_refs.is_empty() {
            refs.extend(dunder_refs);
            refs.sort_by_key(|r| r.range.start);
        }
        self.out.refs = refs;
        self.out.rebindings.retain(|r| module_bound.contains(r.name.as_str()));
        for (name, reader, line) in std::mem::take(&mut self.pending_readers) {
            for (_, range) in self.defs.iter().filter(|(d, _)| *d == name) {
                self.out.annotation_readers.push(AnnotationReader { range: *range, reader: reader.clone(), line });
            }
        }
        // Module calls are only those rooted at a module-level import.
        self.out
            .module_calls
            .retain(|c| module_bound.contains(c.root.as_str()));
        self.out
    }

    fn fn_name(&self, id: FnId) -> String {
        if id == LAMBDA {
            "<lambda>".to_string()
        } else {
            self.out.functions[id as usize].qualname.clone()
        }
    }

    fn line(&self, offset: u32) -> u32 {
        if let Some(idx) = self.lines.get() {
            return idx.line(offset);
        }
        // Offsets arrive almost always in increasing order: count newlines
        // forward from the last one asked about.
        let (mut at, mut line) = self.counter.get();
        if offset < at {
            (at, line) = (0, 1);
        }
        let end = (offset as usize).min(self.source.len());
        line += memchr::memchr_iter(b'\n', &self.source.as_bytes()[(at as usize).min(end)..end])
            .count() as u32;
        self.counter.set((offset, line));
        line
    }

    fn index(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.source))
    }

}

impl<'a> Visitor<'a> for Extractor<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let top = !self.in_function() && self.class_stack.is_empty();
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.import_stmt(stmt),
            Stmt::FunctionDef(f) => self.function_def(f),
            Stmt::ClassDef(c) => self.class_def(c),
            Stmt::If(s) => {
                self.visit_expr(&s.test);
                let tc = is_type_checking(&s.test);
                self.with_cond(
                    if tc {
                        Cond::TypeChecking
                    } else {
                        Cond::Conditional
                    },
                    &s.body,
                );
                for clause in &s.elif_else_clauses {
                    if let Some(t) = &clause.test {
                        self.visit_expr(t);
                    }
                    self.with_cond(Cond::Conditional, &clause.body);
                }
            }
            Stmt::Try(t) => {
                let catches = t.handlers.iter().any(|h| {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    h.type_.as_deref().is_none_or(catches_import_error)
                });
                self.with_cond(
                    if catches {
                        Cond::TryImportError
                    } else {
                        Cond::Conditional
                    },
                    &t.body,
                );
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if let Some(ty) = &h.type_ {
                        self.visit_expr(ty);
                    }
                    if let Some(n) = &h.name {
                        self.rebind(n.id.as_str(), n.range);
                    }
                    self.with_cond(Cond::Conditional, &h.body);
                }
                self.with_cond(Cond::Conditional, &t.orelse);
                self.visit_body(&t.finalbody);
            }
            Stmt::For(f) => {
                self.visit_expr(&f.iter);
                self.visit_expr(&f.target);
                self.loop_depth += 1;
                self.with_cond(Cond::Conditional, &f.body);
                self.loop_depth -= 1;
                self.with_cond(Cond::Conditional, &f.orelse);
            }
            Stmt::While(w) => {
                self.visit_expr(&w.test);
                self.loop_depth += 1;
                self.with_cond(Cond::Conditional, &w.body);
                self.loop_depth -= 1;
                self.with_cond(Cond::Conditional, &w.orelse);
            }
            Stmt::With(w) => {
                for item in &w.items {
                    self.visit_with_item(item);
                }
                self.with_cond(Cond::Conditional, &w.body);
            }
            Stmt::Match(m) => {
                self.visit_expr(&m.subject);
                for case in &m.cases {
                    self.visit_pattern(&case.pattern);
                    if let Some(g) = &case.guard {
                        self.visit_expr(g);
                    }
                    self.with_cond(Cond::Conditional, &case.body);
                }
            }
            Stmt::Assign(a) => {
                if top {
                    self.module_call(&a.targets, &a.value, a.range);
                    if a.targets
                        .iter()
                        .any(|t| matches!(t, Expr::Name(n) if n.id.as_str() == "__all__"))
                    {
                        self.dunder_all(&a.value);
                    }
                }
                self.with_what(ModuleLevelUse::Value, |s| s.visit_expr(&a.value));
                for t in &a.targets {
                    self.visit_expr(t);
                }
            }
            Stmt::AugAssign(a) => {
                if top && matches!(&*a.target, Expr::Name(n) if n.id.as_str() == "__all__") {
                    self.dunder_all(&a.value);
                }
                self.with_what(ModuleLevelUse::Value, |s| s.visit_expr(&a.value));
                self.visit_expr(&a.target);
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    if top {
                        self.module_call(std::slice::from_ref(&*a.target), v, a.range);
                    }
                    self.with_what(ModuleLevelUse::Value, |s| s.visit_expr(v));
                }
                // Annotations on local variables are never evaluated; at
                // module and class level they are, unless postponed.
                let runs = matches!(self.scopes.last().map(|s| s.kind), Some(ScopeKind::Module | ScopeKind::Class));
                self.annotation_expr(&a.annotation, runs);
                self.visit_expr(&a.target);
            }
            Stmt::Expr(e) => {
                if top {
                    self.module_call(&[], &e.value, e.range);
                }
                visitor::walk_stmt(self, stmt);
            }
            Stmt::Return(_) => {
                self.with_what(ModuleLevelUse::Value, |s| visitor::walk_stmt(s, stmt))
            }
            Stmt::Global(g) => {
                for n in &g.names {
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.globals.push(n.id.as_str());
                    }
                    if self.in_function() {
                        self.global_rebinds.push(Candidate {
                            name: n.id.as_str(),
                            range: n.range,
                            ctx: Ctx::Module(ModuleLevelUse::GlobalRebind),
                            skip_class: true,
                        });
                    }
                }
            }
            Stmt::Nonlocal(n) => {
                for n in &n.names {
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.globals.push(n.id.as_str());
                    }
                }
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        // Expressions cannot contain import statements; without references
        // there is nothing in them to extract.
        if !self.opts.refs {
            return;
        }
        match expr {
            Expr::Name(n) => match n.ctx {
                ExprContext::Load => self.record(n.id.as_str(), n.range),
                ExprContext::Store | ExprContext::Del => self.rebind(n.id.as_str(), n.range),
                ExprContext::Invalid => {}
            },
            Expr::Named(n) => {
                self.visit_expr(&n.value);
                if let Expr::Name(t) = &*n.target {
                    self.bind_walrus(t.id.as_str());
                } else {
                    self.visit_expr(&n.target);
                }
            }
            Expr::Call(c) => {
                self.special_call(c);
                let saved = self.call_root;
                if let Some(root) = chain_root(&c.func) {
                    self.call_root = Some(root.range.start().to_u32());
                }
                self.visit_expr(&c.func);
                self.call_root = saved;
                // Arguments are values, not the call's own root.
                self.visit_arguments(&c.arguments);
            }
            Expr::Lambda(l) => {
                if let Some(p) = &l.parameters {
                    for p in p.iter_non_variadic_params() {
                        if let Some(d) = &p.default {
                            self.with_what(ModuleLevelUse::DefaultArgument, |s| s.visit_expr(d));
                        }
                    }
                }
                self.lambda_depth += 1;
                self.push_scope(ScopeKind::Lambda);
                if let Some(p) = &l.parameters {
                    self.bind_parameters(p);
                }
                self.visit_expr(&l.body);
                self.pop_scope();
                self.lambda_depth -= 1;
            }
            Expr::ListComp(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::SetComp(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::Generator(c) => self.comprehension(&c.generators, &[&c.elt]),
            Expr::DictComp(c) => match &c.key {
                Some(k) => self.comprehension(&c.generators, &[k, &c.value]),
                None => self.comprehension(&c.generators, &[&c.value]),
            },
            _ => visitor::walk_expr(self, expr),
        }
    }

    fn visit_pattern(&mut self, pattern: &'a ast::Pattern) {
        match pattern {
            ast::Pattern::MatchAs(p) => {
                if let Some(n) = &p.name {
                    self.rebind(n.id.as_str(), n.range);
                }
            }
            ast::Pattern::MatchStar(p) => {
                if let Some(n) = &p.name {
                    self.rebind(n.id.as_str(), n.range);
                }
            }
            ast::Pattern::MatchMapping(p) => {
                if let Some(n) = &p.rest {
                    self.rebind(n.id.as_str(), n.range);
                }
            }
            _ => {}
        }
        visitor::walk_pattern(self, pattern);
    }
}

fn byte_range(r: TextRange) -> ByteRange {
    ByteRange {
        start: r.start().to_u32(),
        end: r.end().to_u32(),
    }
}

fn is_docstring(s: &Stmt) -> bool {
    matches!(s, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)))
}

