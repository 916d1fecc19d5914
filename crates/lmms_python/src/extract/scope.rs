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

    /// A binding by a statement (not an import): at module level it rebinds
    /// whatever an import of the same name bound.
    pub(super) fn rebind(&mut self, name: &'a str, range: TextRange) {
        if !self.tracked(name) {
            return;
        }
        if self.scopes.last().is_some_and(|s| s.kind == ScopeKind::Module) {
            let start = range.start().to_u32();
            let line = self.line(start);
            self.out.rebindings.push(Rebinding { name: name.to_string(), range: byte_range(range), line });
        }
        self.bind(name);
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
        self.def_readers(f);
        self.parameter_outer_parts(&f.parameters);
        if let Some(r) = &f.returns {
            self.annotation_expr(r, true);
        }
        self.rebind(f.name.id.as_str(), f.name.range);

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
        self.class_readers(c);
        if let Some(args) = &c.arguments {
            self.with_what(ModuleLevelUse::ClassBase, |s| s.visit_arguments(args));
        }
        self.rebind(c.name.id.as_str(), c.name.range);
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

/// Builtins that read or write a namespace by name.
const DYNAMIC: &[&str] = &["globals", "eval", "exec", "vars", "locals"];
/// Class decorators that read the class's annotations (last part, or the
/// dotted name when the last part alone is too common).
const CLASS_READERS: &[&str] = &[
    "dataclass", "attr.s", "attr.attrs", "attr.define", "attr.frozen", "attr.mutable", "attrs.define",
    "attrs.frozen", "attrs.mutable", "define", "frozen", "mutable", "dataclass_json", "pydantic_dataclass",
];
/// Bases whose subclasses' annotations are read at class creation.
const READER_BASES: &[&str] =
    &["BaseModel", "NamedTuple", "TypedDict", "BaseSettings", "RootModel", "Struct", "SQLModel", "GenericModel"];
/// Function decorators that read the function's annotations: singledispatch
/// `.register`, pydantic, typeguard, beartype, typer/click-style commands.
const FUNCTION_READERS: &[&str] =
    &["register", "validate_call", "validate_arguments", "typechecked", "beartype", "command", "callback"];

/// `a.b.c` for a name/attribute chain, calls stripped (`@dataclass(frozen=True)`).
fn dotted(e: &Expr) -> Option<String> {
    match e {
        Expr::Name(n) => Some(n.id.to_string()),
        Expr::Attribute(a) => dotted(&a.value).map(|v| format!("{v}.{}", a.attr.id)),
        Expr::Call(c) => dotted(&c.func),
        _ => None,
    }
}

fn last_part(d: &str) -> &str {
    d.rsplit('.').next().unwrap_or(d)
}

/// The function a registration names: `f` or `self.f` → `f`.
fn named(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.id.as_str()),
        _ => None,
    }
}

impl<'a> Extractor<'a> {
    fn def_readers(&mut self, f: &'a ast::StmtFunctionDef) {
        self.defs.push((f.name.id.as_str(), byte_range(f.range)));
        if f.name.id.as_str() == "__del__" {
            let line = self.line(f.range.start().to_u32());
            let function = self.qual.iter().chain([&f.name.id.as_str()]).copied().collect::<Vec<_>>().join(".");
            self.out.shutdown_hooks.push(ShutdownHook { function, how: "__del__".into(), line });
        }
        for d in &f.decorator_list {
            let Some(name) = dotted(&d.expression) else { continue };
            let line = self.line(d.range.start().to_u32());
            if name == "atexit.register" {
                let function = f.name.id.to_string();
                self.out.shutdown_hooks.push(ShutdownHook { function, how: name.clone(), line });
            }
            if FUNCTION_READERS.contains(&last_part(&name)) {
                self.out.annotation_readers.push(AnnotationReader { range: byte_range(f.range), reader: format!("@{name}"), line });
            }
        }
    }

    fn class_readers(&mut self, c: &'a ast::StmtClassDef) {
        self.defs.push((c.name.id.as_str(), byte_range(c.range)));
        let mut reader: Option<(String, u32)> = None;
        for d in &c.decorator_list {
            let Some(name) = dotted(&d.expression) else { continue };
            if CLASS_READERS.contains(&name.as_str()) || CLASS_READERS.contains(&last_part(&name)) && !name.contains('.') {
                reader = Some((format!("@{name}"), self.line(d.range.start().to_u32())));
            } else if name.ends_with(".dataclass") {
                reader = Some((format!("@{name}"), self.line(d.range.start().to_u32())));
            }
        }
        for b in c.arguments.iter().flat_map(|a| a.args.iter()) {
            let Some(name) = dotted(b) else { continue };
            if READER_BASES.contains(&last_part(&name)) || self.reader_classes.contains(&last_part(&name)) {
                reader = Some((format!("subclass of {name}"), self.line(b.range().start().to_u32())));
            }
        }
        if let Some((reader, line)) = reader {
            self.reader_classes.push(c.name.id.as_str());
            self.out.annotation_readers.push(AnnotationReader { range: byte_range(c.range), reader, line });
        }
    }

    /// Calls that make names dynamic, register shutdown hooks, or read
    /// annotations of a definition they name.
    pub(super) fn special_call(&mut self, c: &'a ast::ExprCall) {
        let start = c.range().start().to_u32();
        let args = &c.arguments.args;
        if let Expr::Name(n) = &*c.func {
            let id = n.id.as_str();
            if DYNAMIC.contains(&id) && !(id == "vars" && !args.is_empty()) {
                let line = self.line(start);
                self.out.dynamic_namespace.push(DynamicNamespace { call: id.into(), line });
            }
        }
        let Some(callee) = dotted(&c.func) else { return };
        let last = last_part(&callee);
        let hook = match (callee.as_str(), last) {
            ("atexit.register", _) => args.first(),
            (_, "finalize") => args.get(1),
            _ => None,
        };
        if let Some(f) = hook.and_then(named) {
            let line = self.line(start);
            self.out.shutdown_hooks.push(ShutdownHook { function: f.to_string(), how: callee.clone(), line });
        }
        // `get_type_hints(f)`, `x.register(f)`, `app.command()(f)`.
        let reads = last == "get_type_hints"
            || (last == "register" && callee != "atexit.register")
            || matches!(&*c.func, Expr::Call(inner) if matches!(dotted(&inner.func).as_deref().map(last_part), Some("command" | "callback" | "register")));
        if !reads {
            return;
        }
        let line = self.line(start);
        match args.first() {
            Some(Expr::Name(n)) => self.pending_readers.push((n.id.as_str(), callee, line)),
            Some(Expr::Attribute(a)) => self.pending_readers.push((a.attr.id.as_str(), callee, line)),
            // The definition read is not known by name: every annotation
            // of the file may be read.
            _ if last == "get_type_hints" => {
                let range = ByteRange { start: 0, end: self.source.len() as u32 };
                self.out.annotation_readers.push(AnnotationReader { range, reader: callee, line });
            }
            _ => {}
        }
    }
}
