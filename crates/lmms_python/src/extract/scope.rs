//! Scopes and bindings: which loads are references to module-level
//! imports (a name assigned anywhere in a function is local to all of it),
//! and the `def`/`class` records that name and bound them.

use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn in_function(&self) -> bool {
        !self.fn_stack.is_empty() || self.lambda_depth > 0
    }

    pub(super) fn current_ctx(&self) -> Ctx {
        if self.annotation {
            let runs = self.annotation_runs && !self.out.future_annotations;
            // An annotation that runs inside a function (a nested `def`'s
            // signature, a class body in a function) is evaluated each time
            // the outer function runs: a use in that function.
            if !(runs && self.in_function()) {
                return Ctx::Annotation(runs);
            }
        }
        if self.in_function() {
            let outer = self.fn_stack.first().copied().unwrap_or(LAMBDA);
            let inner = self.fn_stack.last().copied().unwrap_or(LAMBDA);
            Ctx::Function { outer, inner }
        } else {
            Ctx::Module(self.what)
        }
    }

    pub(super) fn tracked(&self, name: &str) -> bool {
        self.opts.refs && self.import_names.binary_search(&name).is_ok()
    }

    pub(super) fn bind(&mut self, name: &'a str) {
        if !self.tracked(name) {
            return;
        }
        let scope = self.scopes.last_mut().expect("module scope");
        if scope.kind != ScopeKind::Module {
            scope.locals.push(name);
        }
    }

    /// Walrus targets bind in the nearest enclosing non-comprehension scope.
    pub(super) fn bind_walrus(&mut self, name: &'a str) {
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

    pub(super) fn record(&mut self, name: &'a str, range: TextRange) {
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

    pub(super) fn push_scope(&mut self, kind: ScopeKind) {
        self.scopes.push(Scope {
            kind,
            cand_start: self.cands.len(),
            locals: Vec::new(),
            globals: Vec::new(),
        });
    }

    pub(super) fn pop_scope(&mut self) {
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

    pub(super) fn with_what(&mut self, what: ModuleLevelUse, f: impl FnOnce(&mut Self)) {
        let saved = self.what;
        self.what = what;
        f(self);
        self.what = saved;
    }

    pub(super) fn with_cond(&mut self, cond: Cond, body: &'a [Stmt]) {
        self.conds.push(cond);
        self.visit_body(body);
        self.conds.pop();
    }

    pub(super) fn annotation_expr(&mut self, expr: &'a Expr, runs: bool) {
        let saved = (self.annotation, self.annotation_runs);
        (self.annotation, self.annotation_runs) = (true, runs);
        self.visit_expr(expr);
        (self.annotation, self.annotation_runs) = saved;
    }

    pub(super) fn function_def(&mut self, f: &'a ast::StmtFunctionDef) {
        // Decorators, defaults and (outside functions) annotations run when
        // the `def` statement executes, in the enclosing scope.
        for d in &f.decorator_list {
            self.with_what(ModuleLevelUse::Decorator, |s| s.visit_expr(&d.expression));
        }
        self.parameter_outer_parts(&f.parameters);
        if let Some(r) = &f.returns {
            self.annotation_expr(r, true);
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

    pub(super) fn parameter_outer_parts(&mut self, params: &'a ast::Parameters) {
        for p in params.iter_non_variadic_params() {
            if let Some(d) = &p.default {
                self.with_what(ModuleLevelUse::DefaultArgument, |s| s.visit_expr(d));
            }
        }
        for p in params.iter() {
            if let Some(a) = p.as_parameter().annotation.as_deref() {
                self.annotation_expr(a, true);
            }
        }
    }

    pub(super) fn bind_parameters(&mut self, params: &'a ast::Parameters) {
        for p in params.iter() {
            self.bind(p.as_parameter().name.id.as_str());
        }
    }

    /// Where a lazy import goes: before the first statement after the
    /// docstring, at that statement's indentation.
    pub(super) fn insert_point(&self, f: &ast::StmtFunctionDef) -> (u32, String) {
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

    pub(super) fn indent_for(&self, stmt_start: Option<u32>, f: &ast::StmtFunctionDef) -> String {
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

    pub(super) fn class_def(&mut self, c: &'a ast::StmtClassDef) {
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

    pub(super) fn comprehension(&mut self, generators: &'a [ast::Comprehension], elts: &[&'a Expr]) {
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
