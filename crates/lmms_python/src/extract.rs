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
use ruff_text_size::{Ranged, TextRange};

use crate::lines::LineIndex;
use crate::model::*;

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

    fn in_function(&self) -> bool {
        !self.fn_stack.is_empty() || self.lambda_depth > 0
    }

    fn current_ctx(&self) -> Ctx {
        if self.annotation {
            return Ctx::Annotation(!self.out.future_annotations && !self.in_function());
        }
        if self.in_function() {
            let outer = self.fn_stack.first().copied().unwrap_or(LAMBDA);
            let inner = self.fn_stack.last().copied().unwrap_or(LAMBDA);
            Ctx::Function { outer, inner }
        } else {
            Ctx::Module(self.what)
        }
    }

    fn tracked(&self, name: &str) -> bool {
        self.opts.refs && self.import_names.binary_search(&name).is_ok()
    }

    fn bind(&mut self, name: &'a str) {
        if !self.tracked(name) {
            return;
        }
        let scope = self.scopes.last_mut().expect("module scope");
        if scope.kind != ScopeKind::Module {
            scope.locals.push(name);
        }
    }

    /// Walrus targets bind in the nearest enclosing non-comprehension scope.
    fn bind_walrus(&mut self, name: &'a str) {
        if !self.tracked(name) {
            return;
        }
        if let Some(scope) = self
            .scopes
            .iter_mut()
            .rev()
            .find(|s| s.kind != ScopeKind::Comprehension)
        {
            if scope.kind != ScopeKind::Module {
                scope.locals.push(name);
            }
        }
    }

    fn record(&mut self, name: &'a str, range: TextRange) {
        if !self.tracked(name) {
            return;
        }
        let mut ctx = self.current_ctx();
        if let Ctx::Module(ModuleLevelUse::Other | ModuleLevelUse::Value) = ctx {
            if self.call_root == Some(range.start().to_u32()) {
                ctx = Ctx::Module(ModuleLevelUse::Call);
            }
        }
        self.cands.push(Candidate {
            name,
            range,
            ctx,
            skip_class: false,
        });
    }

    fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope {
            kind,
            cand_start: self.cands.len(),
            locals: Vec::new(),
            globals: Vec::new(),
        });
    }

    fn pop_scope(&mut self) {
        let scope = self.scopes.pop().expect("scope pushed");
        if scope.locals.is_empty() {
            for c in &mut self.cands[scope.cand_start..] {
                c.skip_class = true;
            }
            return;
        }
        let is_class = scope.kind == ScopeKind::Class;
        let mut w = scope.cand_start;
        for r in scope.cand_start..self.cands.len() {
            let c = &self.cands[r];
            let shadowed = !(is_class && c.skip_class)
                && scope.locals.contains(&c.name)
                && !scope.globals.contains(&c.name);
            if !shadowed {
                self.cands.swap(w, r);
                self.cands[w].skip_class = true;
                w += 1;
            }
        }
        self.cands.truncate(w);
    }

    fn with_what(&mut self, what: ModuleLevelUse, f: impl FnOnce(&mut Self)) {
        let saved = self.what;
        self.what = what;
        f(self);
        self.what = saved;
    }

    fn with_cond(&mut self, cond: Cond, body: &'a [Stmt]) {
        self.conds.push(cond);
        self.visit_body(body);
        self.conds.pop();
    }

    fn annotation_expr(&mut self, expr: &'a Expr) {
        let saved = self.annotation;
        self.annotation = true;
        self.visit_expr(expr);
        self.annotation = saved;
    }

    fn import_scope(&self) -> ImportScope {
        if let Some(&len) = self.fn_qual_len.last() {
            return ImportScope::Function {
                function: self.qual[..len].join("."),
            };
        }
        if self.lambda_depth > 0 {
            return ImportScope::Function {
                function: "<lambda>".into(),
            };
        }
        if self.conds.contains(&Cond::TypeChecking) {
            return ImportScope::TypeChecking;
        }
        if !self.class_stack.is_empty() {
            return ImportScope::Class {
                class: self.qual.join("."),
            };
        }
        match self.conds.last() {
            Some(Cond::TryImportError) => ImportScope::TryImportError,
            Some(_) => ImportScope::Conditional,
            None => ImportScope::Module,
        }
    }

    fn import_stmt(&mut self, stmt: &'a Stmt) {
        let (module, level, is_from, is_lazy, aliases, range) = match stmt {
            Stmt::Import(i) => (String::new(), 0, false, i.is_lazy, &i.names, i.range),
            Stmt::ImportFrom(i) => (
                i.module
                    .as_ref()
                    .map(|m| m.id.to_string())
                    .unwrap_or_default(),
                i.level,
                true,
                i.is_lazy,
                &i.names,
                i.range,
            ),
            _ => return,
        };
        let mut is_star = false;
        let mut names = Vec::with_capacity(aliases.len());
        let mut first_module = None;
        for alias in aliases {
            let name = alias.name.id.as_str();
            if is_from && name == "*" {
                is_star = true;
                continue;
            }
            let (bound, target, attribute, kind, qualified_name) = if is_from {
                let bound = alias.asname.as_ref().map_or(name, |a| a.id.as_str());
                let target = format!("{}{}", ".".repeat(level as usize), module);
                let sep = if module.is_empty() { "" } else { "." };
                let qualified = format!("{target}{sep}{name}");
                (bound, target, Some(name.to_string()), BindingKind::FromImport, qualified)
            } else {
                first_module.get_or_insert(name);
                match &alias.asname {
                    Some(a) => (a.id.as_str(), name.to_string(), None, BindingKind::Import, name.to_string()),
                    None => {
                        let head = name.split('.').next().unwrap_or(name);
                        let kind = if head.len() == name.len() { BindingKind::Import } else { BindingKind::SubmoduleImport };
                        (head, name.to_string(), None, kind, name.to_string())
                    }
                }
            };
            self.bind(bound);
            names.push(BoundName {
                bound: bound.to_string(),
                target,
                attribute,
                range: byte_range(alias.range),
                kind,
                qualified_name,
            });
        }
        // `import a, b` is one statement with two modules; the record keeps
        // the first as `module` and every alias in `names` (targets differ).
        let module = if is_from {
            module
        } else {
            first_module.map(str::to_string).unwrap_or_default()
        };
        let start = range.start().to_u32();
        self.out.imports.push(ImportRecord {
            module,
            level,
            is_from,
            is_star,
            is_lazy,
            names,
            range: byte_range(range),
            scope: self.import_scope(),
            in_loop: self.loop_depth > 0,
            line: self.line(start),
        });
    }

    fn function_def(&mut self, f: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and (outside functions) annotations run when
        // the `def` statement executes, in the enclosing scope.
        for d in &f.decorator_list {
            self.with_what(ModuleLevelUse::Decorator, |s| s.visit_expr(&d.expression));
        }
        self.parameter_outer_parts(&f.parameters);
        if let Some(r) = &f.returns {
            self.annotation_expr(r);
        }
        self.bind(f.name.id.as_str());

        self.qual.push(f.name.id.as_str());
        let id = self.out.functions.len() as FnId;
        if self.opts.functions {
            let qualname = self.qual.join(".");
            let (body_insert_at, body_indent) = self.insert_point(f);
            let start = f.range.start().to_u32();
            self.out.functions.push(FunctionDef {
                qualname,
                line: self.line(start),
                range: byte_range(f.range),
                body_insert_at,
                body_indent,
                is_async: f.is_async,
            });
        }
        self.fn_stack.push(id);
        self.fn_qual_len.push(self.qual.len());
        self.saved_loop_depth.push(self.loop_depth);
        self.loop_depth = 0;
        self.push_scope(ScopeKind::Function);
        self.bind_parameters(&f.parameters);
        self.visit_body(&f.body);
        self.pop_scope();
        self.loop_depth = self.saved_loop_depth.pop().unwrap_or(0);
        self.fn_stack.pop();
        self.fn_qual_len.pop();
        self.qual.pop();
    }

    fn parameter_outer_parts(&mut self, params: &'a ast::Parameters) {
        for p in params.iter_non_variadic_params() {
            if let Some(d) = &p.default {
                self.with_what(ModuleLevelUse::DefaultArgument, |s| s.visit_expr(d));
            }
        }
        for p in params.iter() {
            if let Some(a) = p.as_parameter().annotation.as_deref() {
                self.annotation_expr(a);
            }
        }
    }

    fn bind_parameters(&mut self, params: &'a ast::Parameters) {
        for p in params.iter() {
            self.bind(p.as_parameter().name.id.as_str());
        }
    }

    /// Where a lazy import goes: before the first statement after the
    /// docstring, at that statement's indentation.
    fn insert_point(&self, f: &ast::StmtFunctionDef) -> (u32, String) {
        let body = &f.body;
        let has_doc = body.first().is_some_and(is_docstring);
        let anchor = if has_doc { body.get(1) } else { body.first() };
        let Some(anchor) = anchor else {
            // Docstring-only (or empty, in broken code): after the docstring.
            let at = body
                .first()
                .map_or(f.range.end(), |s| s.range().end())
                .to_u32();
            return (
                at,
                self.indent_for(body.first().map(|s| s.range().start().to_u32()), f),
            );
        };
        let at = anchor.range().start().to_u32();
        (at, self.indent_for(Some(at), f))
    }

    fn indent_for(&self, stmt_start: Option<u32>, f: &ast::StmtFunctionDef) -> String {
        if let Some(at) = stmt_start {
            let line_start = self.index().line_start(at) as usize;
            let prefix = &self.source[line_start..at as usize];
            if prefix.chars().all(|c| c == ' ' || c == '\t') {
                return prefix.to_string();
            }
        }
        // One-line `def f(): return x`: one level deeper than the `def`.
        let def_start = f.range.start().to_u32();
        let ls = self.index().line_start(def_start) as usize;
        let indent: String = self.source[ls..def_start as usize]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        indent + "    "
    }

    fn class_def(&mut self, c: &'a ast::StmtClassDef) {
        for d in &c.decorator_list {
            self.with_what(ModuleLevelUse::Decorator, |s| s.visit_expr(&d.expression));
        }
        if let Some(args) = &c.arguments {
            self.with_what(ModuleLevelUse::ClassBase, |s| s.visit_arguments(args));
        }
        self.bind(c.name.id.as_str());
        self.qual.push(c.name.id.as_str());
        self.class_stack.push(c.name.id.as_str());
        self.push_scope(ScopeKind::Class);
        self.visit_body(&c.body);
        self.pop_scope();
        self.class_stack.pop();
        self.qual.pop();
    }

    /// `X = boto3.client("s3")` / `boto3.setup()` at import time.
    fn module_call(&mut self, targets: &'a [Expr], value: &'a Expr, stmt_range: TextRange) {
        if self.in_function() || !self.class_stack.is_empty() {
            return;
        }
        let Expr::Call(call) = value else { return };
        let Some(root) = chain_root(&call.func) else {
            return;
        };
        let mut names = Vec::new();
        for t in targets {
            collect_target_names(t, &mut names);
        }
        let callee_src = &self.source[call.func.range()];
        let callee: String = if callee_src.contains(char::is_whitespace) {
            callee_src.split_whitespace().collect()
        } else {
            callee_src.to_string()
        };
        let start = stmt_range.start().to_u32();
        self.out.module_calls.push(ModuleLevelCall {
            targets: names,
            root: root.id.to_string(),
            callee,
            range: byte_range(stmt_range),
            line: self.line(start),
        });
    }

    fn dunder_all(&mut self, value: &'a Expr) {
        let elts = match value {
            Expr::List(l) => &l.elts,
            Expr::Tuple(t) => &t.elts,
            _ => return,
        };
        for e in elts {
            if let Expr::StringLiteral(s) = e {
                let name = s.value.to_str();
                self.out.dunder_all.push(name.to_string());
                // Only literal text can be borrowed for the candidate; an
                // implicitly concatenated literal is skipped.
                if let Some(lit) = s
                    .value
                    .iter()
                    .next()
                    .filter(|_| !s.value.is_implicit_concatenated())
                {
                    let name: &'a str = lit.value.as_ref();
                    self.cands.push(Candidate {
                        name,
                        range: s.range,
                        ctx: Ctx::Module(ModuleLevelUse::DunderAll),
                        skip_class: true,
                    });
                }
            }
        }
    }

    fn comprehension(&mut self, generators: &'a [ast::Comprehension], elts: &[&'a Expr]) {
        // The first iterable is evaluated in the enclosing scope.
        if let Some(first) = generators.first() {
            self.visit_expr(&first.iter);
        }
        self.push_scope(ScopeKind::Comprehension);
        for (i, g) in generators.iter().enumerate() {
            if i > 0 {
                self.visit_expr(&g.iter);
            }
            self.visit_expr(&g.target);
            for cond in &g.ifs {
                self.visit_expr(cond);
            }
        }
        for e in elts {
            self.visit_expr(e);
        }
        self.pop_scope();
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
                        self.bind(n.id.as_str());
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
                self.annotation_expr(&a.annotation);
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
                ExprContext::Store | ExprContext::Del => self.bind(n.id.as_str()),
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
                    self.bind(n.id.as_str());
                }
            }
            ast::Pattern::MatchStar(p) => {
                if let Some(n) = &p.name {
                    self.bind(n.id.as_str());
                }
            }
            ast::Pattern::MatchMapping(p) => {
                if let Some(n) = &p.rest {
                    self.bind(n.id.as_str());
                }
            }
            _ => {}
        }
        visitor::walk_pattern(self, pattern);
    }
}

/// Names bound by imports that run outside any function or class body.
fn collect_module_import_names<'a>(body: &'a [Stmt], out: &mut Vec<&'a str>) {
    for stmt in body {
        match stmt {
            Stmt::Import(i) => {
                for a in &i.names {
                    out.push(match &a.asname {
                        Some(n) => n.id.as_str(),
                        None => a.name.id.as_str().split('.').next().unwrap_or_default(),
                    });
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    out.push(a.asname.as_ref().unwrap_or(&a.name).id.as_str());
                }
            }
            Stmt::If(s) => {
                collect_module_import_names(&s.body, out);
                for c in &s.elif_else_clauses {
                    collect_module_import_names(&c.body, out);
                }
            }
            Stmt::Try(t) => {
                collect_module_import_names(&t.body, out);
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    collect_module_import_names(&h.body, out);
                }
                collect_module_import_names(&t.orelse, out);
                collect_module_import_names(&t.finalbody, out);
            }
            Stmt::For(f) => {
                collect_module_import_names(&f.body, out);
                collect_module_import_names(&f.orelse, out);
            }
            Stmt::While(w) => {
                collect_module_import_names(&w.body, out);
                collect_module_import_names(&w.orelse, out);
            }
            Stmt::With(w) => collect_module_import_names(&w.body, out),
            Stmt::Match(m) => m
                .cases
                .iter()
                .for_each(|c| collect_module_import_names(&c.body, out)),
            _ => {}
        }
    }
}

fn byte_range(r: TextRange) -> ByteRange {
    ByteRange {
        start: r.start().to_u32(),
        end: r.end().to_u32(),
    }
}

/// The `Name` at the left end of `a.b(c).d[e]`.
fn chain_root(mut e: &Expr) -> Option<&ast::ExprName> {
    loop {
        match e {
            Expr::Name(n) => return Some(n),
            Expr::Attribute(a) => e = &a.value,
            Expr::Call(c) => e = &c.func,
            Expr::Subscript(s) => e = &s.value,
            _ => return None,
        }
    }
}

fn collect_target_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_target_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| collect_target_names(e, out)),
        Expr::Starred(s) => collect_target_names(&s.value, out),
        _ => {}
    }
}

fn is_docstring(s: &Stmt) -> bool {
    matches!(s, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)))
}

fn is_future_annotations(s: &Stmt) -> bool {
    matches!(s, Stmt::ImportFrom(i)
        if i.level == 0
        && i.module.as_ref().is_some_and(|m| m.id.as_str() == "__future__")
        && i.names.iter().any(|a| a.name.id.as_str() == "annotations"))
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => a.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

fn catches_import_error(ty: &Expr) -> bool {
    match ty {
        Expr::Name(n) => matches!(
            n.id.as_str(),
            "ImportError" | "ModuleNotFoundError" | "Exception" | "BaseException"
        ),
        Expr::Attribute(a) => matches!(a.attr.id.as_str(), "ImportError" | "ModuleNotFoundError"),
        Expr::Tuple(t) => t.elts.iter().any(catches_import_error),
        _ => false,
    }
}
