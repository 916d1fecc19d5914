//! What a file reads of *other* modules' namespaces: the facts behind
//! `lmms_graph::readers`, the whole-program index `lmms fix` asks before it
//! moves a module-level binding.
//!
//! Imports already say `from M import NAME`; this pass adds the readers an
//! import record cannot show: attribute chains rooted at a name an import
//! binds (`utils.strip`, `click._termui_impl.isatty`), literal patch targets
//! (`mock.patch("a.b.NAME")`, `monkeypatch.setattr(M, "NAME", …)`,
//! `setattr`/`getattr`/`hasattr`/`delattr`), modules bound by
//! `importlib.import_module("literal")`, string literals holding an import
//! statement (generated code), and the module's own `__all__` in every form.
//! Nothing is resolved here: module names stay as written (relative ones
//! keep their dots), the graph resolves them.

use std::collections::HashSet;

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use ruff_text_size::{Ranged, TextRange};
use serde::Serialize;

use crate::lines::LineIndex;

/// `root.attrs[0].attrs[1]…`: a chain rooted at a name an import (in any
/// scope) or `importlib.import_module` binds. Stores (`utils.strip = f`)
/// count: a module that rebinds another's attribute relies on it too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeRead {
    pub root: String,
    pub attrs: Vec<String>,
    pub line: u32,
}

/// `NAME` of the object `root.attrs…`, named by a string literal:
/// `monkeypatch.setattr(M, "NAME", …)`, `mock.patch.object(M, "NAME")`,
/// `setattr`/`getattr`/`hasattr`/`delattr(M, "NAME")`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedAttribute {
    pub root: String,
    pub attrs: Vec<String>,
    pub name: String,
    pub line: u32,
}

/// A dotted `module.NAME…` string: `mock.patch("a.b.NAME")`,
/// `monkeypatch.setattr("a.b.NAME", …)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DottedTarget {
    pub dotted: String,
    pub line: u32,
}

/// `bound = importlib.import_module("module")` (or `__import__`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleAlias {
    pub bound: String,
    pub module: String,
    pub line: u32,
}

/// A string literal holding `from MODULE import`: code generated and run
/// later reads MODULE's namespace by names this file cannot see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GeneratedImport {
    pub module: String,
    pub line: u32,
}

/// Where part of `__all__` comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AllSource {
    /// `from .x import __all__` (`module` keeps its leading dots).
    Imported { module: String },
    /// `x.__all__` with `x` bound by an import: `root.attrs…`.
    Attribute { root: String, attrs: Vec<String> },
}

/// The module's own `__all__`, every form: `=`, `+=`, `.extend`, `.append`,
/// `+` of lists, another module's `__all__`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DunderAllFacts {
    pub names: Vec<String>,
    pub sources: Vec<AllSource>,
    /// Some part is not a literal the adapter can read: its names are unknown.
    pub dynamic: bool,
    /// Line of the first statement that defines it.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct NamespaceFacts {
    pub attributes: Vec<AttributeRead>,
    pub named_attributes: Vec<NamedAttribute>,
    pub dotted_targets: Vec<DottedTarget>,
    pub module_aliases: Vec<ModuleAlias>,
    pub generated_imports: Vec<GeneratedImport>,
    /// `None` when the module defines no `__all__`.
    pub dunder_all: Option<DunderAllFacts>,
}

pub(crate) fn facts(source: &str, body: &[Stmt]) -> NamespaceFacts {
    let mut roots = HashSet::new();
    let mut collect = RootCollector { roots: &mut roots };
    collect.visit_body(body);
    let mut v = Facts { lines: LineIndex::new(source), roots, depth: 0, out: NamespaceFacts::default() };
    v.visit_body(body);
    v.out
}

/// Every name an import binds, in any scope, and every
/// `x = importlib.import_module(…)` target.
struct RootCollector<'r, 'a> {
    roots: &'r mut HashSet<&'a str>,
}

impl<'a> Visitor<'a> for RootCollector<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(i) => {
                for a in &i.names {
                    self.roots.insert(match &a.asname {
                        Some(n) => n.id.as_str(),
                        None => a.name.id.as_str().split('.').next().unwrap_or_default(),
                    });
                }
            }
            Stmt::ImportFrom(i) => {
                for a in &i.names {
                    self.roots.insert(a.asname.as_ref().unwrap_or(&a.name).id.as_str());
                }
            }
            Stmt::Assign(a) if import_module_call(&a.value).is_some() => {
                for t in &a.targets {
                    if let Expr::Name(n) = t {
                        self.roots.insert(n.id.as_str());
                    }
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, _: &'a Expr) {}
}

struct Facts<'a> {
    lines: LineIndex,
    roots: HashSet<&'a str>,
    /// Function and class nesting: `__all__` counts only at module level.
    depth: u32,
    out: NamespaceFacts,
}

impl<'a> Facts<'a> {
    fn line(&self, r: TextRange) -> u32 {
        self.lines.line(r.start().to_u32())
    }

    fn all_line(&mut self, r: TextRange) -> &mut DunderAllFacts {
        let line = self.line(r);
        self.out.dunder_all.get_or_insert_with(|| DunderAllFacts { line, ..DunderAllFacts::default() })
    }

    /// The parts of an `__all__` value: literals, `+`, `x.__all__`.
    fn all_value(&mut self, value: &Expr, r: TextRange) {
        match value {
            Expr::List(ast::ExprList { elts, .. }) | Expr::Tuple(ast::ExprTuple { elts, .. }) => {
                for e in elts {
                    match e {
                        Expr::StringLiteral(s) => {
                            let name = s.value.to_str().to_string();
                            self.all_line(r).names.push(name);
                        }
                        Expr::Starred(s) => self.all_value(&s.value, r),
                        _ => self.all_line(r).dynamic = true,
                    }
                }
            }
            Expr::StringLiteral(s) => {
                let name = s.value.to_str().to_string();
                self.all_line(r).names.push(name);
            }
            Expr::Name(n) if n.id.as_str() == "__all__" => {}
            Expr::BinOp(b) if matches!(b.op, ast::Operator::Add) => {
                self.all_value(&b.left, r);
                self.all_value(&b.right, r);
            }
            Expr::Call(c) if chain(&c.func).is_some_and(|(root, a)| a.is_empty() && matches!(root, "list" | "tuple")) => {
                match c.arguments.args.first() {
                    Some(arg) if c.arguments.args.len() == 1 => self.all_value(arg, r),
                    _ => self.all_line(r).dynamic = true,
                }
            }
            Expr::Attribute(_) => match chain(value) {
                Some((root, attrs)) if attrs.last() == Some(&"__all__") && self.roots.contains(root) => {
                    let attrs = attrs[..attrs.len() - 1].iter().map(|s| s.to_string()).collect();
                    self.all_line(r).sources.push(AllSource::Attribute { root: root.to_string(), attrs });
                }
                _ => self.all_line(r).dynamic = true,
            },
            _ => self.all_line(r).dynamic = true,
        }
    }

    /// A call that reads or patches another module's attribute by name.
    fn call(&mut self, c: &'a ast::ExprCall) {
        let Some((root, attrs)) = chain(&c.func) else { return };
        let last = attrs.last().copied().unwrap_or(root);
        let prev = if attrs.len() >= 2 { Some(attrs[attrs.len() - 2]) } else if attrs.is_empty() { None } else { Some(root) };
        let args = &c.arguments.args;
        let line = self.line(c.range());
        let literal = |e: Option<&Expr>| match e {
            Some(Expr::StringLiteral(s)) => Some(s.value.to_str().to_string()),
            _ => None,
        };
        let target_kw = c.arguments.keywords.iter().find(|k| k.arg.as_ref().is_some_and(|a| a.id.as_str() == "target"));
        match last {
            "patch" => {
                if let Some(dotted) = literal(args.first().or(target_kw.map(|k| &k.value))) {
                    self.out.dotted_targets.push(DottedTarget { dotted, line });
                }
            }
            "object" if prev == Some("patch") => self.named(args.first(), literal(args.get(1)), line),
            "multiple" if prev == Some("patch") => {
                let names: Vec<String> =
                    c.arguments.keywords.iter().filter_map(|k| k.arg.as_ref().map(|a| a.id.to_string())).collect();
                match args.first() {
                    Some(Expr::StringLiteral(s)) => {
                        let base = s.value.to_str();
                        for n in names {
                            self.out.dotted_targets.push(DottedTarget { dotted: format!("{base}.{n}"), line });
                        }
                    }
                    first => {
                        for n in names {
                            self.named(first, Some(n), line);
                        }
                    }
                }
            }
            "setattr" | "delattr" | "getattr" | "hasattr" => match args.first() {
                // pytest's `monkeypatch.setattr("a.b.NAME", value)`.
                Some(Expr::StringLiteral(s)) if matches!(last, "setattr" | "delattr") => {
                    let dotted = s.value.to_str().to_string();
                    if dotted.contains('.') {
                        self.out.dotted_targets.push(DottedTarget { dotted, line });
                    }
                }
                first => self.named(first, literal(args.get(1)), line),
            },
            _ => {}
        }
    }

    fn named(&mut self, object: Option<&Expr>, name: Option<String>, line: u32) {
        let (Some(object), Some(name)) = (object, name) else { return };
        let Some((root, attrs)) = chain(object) else { return };
        if !self.roots.contains(root) {
            return;
        }
        let attrs = attrs.iter().map(|s| s.to_string()).collect();
        self.out.named_attributes.push(NamedAttribute { root: root.to_string(), attrs, name, line });
    }

    fn string(&mut self, s: &ast::ExprStringLiteral) {
        let text = s.value.to_str();
        let mut rest = text;
        while let Some(at) = rest.find("from ") {
            let boundary = rest[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            let after = &rest[at + 5..];
            rest = after;
            if !boundary {
                continue;
            }
            let after = after.trim_start_matches(' ');
            let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).unwrap_or(after.len());
            let module = &after[..end];
            let tail = &after[end..];
            if !module.is_empty()
                && !module.starts_with('.')
                && tail.starts_with(' ')
                && tail.trim_start_matches(' ').starts_with("import")
            {
                let line = self.line(s.range);
                self.out.generated_imports.push(GeneratedImport { module: module.to_string(), line });
            }
        }
    }
}

impl<'a> Visitor<'a> for Facts<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let top = self.depth == 0;
        match stmt {
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                self.depth += 1;
                visitor::walk_stmt(self, stmt);
                self.depth -= 1;
                return;
            }
            // A docstring (or any bare string statement) is not code.
            Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_)) => return,
            Stmt::Assign(a) => {
                if let Some(module) = import_module_call(&a.value) {
                    let line = self.line(a.range);
                    for t in &a.targets {
                        if let Expr::Name(n) = t {
                            let alias = ModuleAlias { bound: n.id.to_string(), module: module.to_string(), line };
                            self.out.module_aliases.push(alias);
                        }
                    }
                }
                if top && a.targets.iter().any(is_dunder_all) {
                    // `__all__ = …` replaces what came before, unless it
                    // extends it (`__all__ = __all__ + [...]`).
                    if let (Some(all), false) = (&mut self.out.dunder_all, mentions_all(&a.value)) {
                        all.names.clear();
                        all.sources.clear();
                        all.dynamic = false;
                    }
                    self.all_value(&a.value, a.range);
                }
            }
            Stmt::AnnAssign(a) if top && is_dunder_all(&a.target) => {
                if let Some(v) = &a.value {
                    self.all_value(v, a.range);
                }
            }
            Stmt::AugAssign(a) if top && is_dunder_all(&a.target) => self.all_value(&a.value, a.range),
            Stmt::Expr(e) if top => {
                if let Expr::Call(c) = &*e.value {
                    if let Expr::Attribute(f) = &*c.func {
                        if is_dunder_all(&f.value) {
                            match (f.attr.id.as_str(), c.arguments.args.first()) {
                                ("extend" | "append", Some(arg)) => self.all_value(arg, e.range),
                                ("remove" | "pop" | "clear" | "sort", _) => {}
                                _ => self.all_line(e.range).dynamic = true,
                            }
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) if top && i.names.iter().any(|a| a.name.id.as_str() == "__all__") => {
                let module = format!(
                    "{}{}",
                    ".".repeat(i.level as usize),
                    i.module.as_ref().map(|m| m.id.as_str()).unwrap_or_default()
                );
                self.all_line(i.range).sources.push(AllSource::Imported { module });
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Attribute(_) => {
                if let Some((root, attrs)) = chain(expr) {
                    if self.roots.contains(root) {
                        let line = self.line(expr.range());
                        let attrs = attrs.iter().map(|s| s.to_string()).collect();
                        self.out.attributes.push(AttributeRead { root: root.to_string(), attrs, line });
                    }
                    return;
                }
            }
            Expr::Call(c) => self.call(c),
            Expr::StringLiteral(s) => self.string(s),
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

fn mentions_all(e: &Expr) -> bool {
    match e {
        Expr::BinOp(b) => mentions_all(&b.left) || mentions_all(&b.right),
        _ => is_dunder_all(e),
    }
}

fn is_dunder_all(e: &Expr) -> bool {
    matches!(e, Expr::Name(n) if n.id.as_str() == "__all__")
}

/// `a.b.c` as `("a", ["b", "c"])`; `None` unless it is names and
/// attributes only.
fn chain(mut e: &Expr) -> Option<(&str, Vec<&str>)> {
    let mut attrs = Vec::new();
    loop {
        match e {
            Expr::Name(n) => {
                attrs.reverse();
                return Some((n.id.as_str(), attrs));
            }
            Expr::Attribute(a) => {
                attrs.push(a.attr.id.as_str());
                e = &a.value;
            }
            _ => return None,
        }
    }
}

/// `importlib.import_module("m")`, `import_module("m")`, `__import__("m")`.
fn import_module_call(e: &Expr) -> Option<&str> {
    let Expr::Call(c) = e else { return None };
    let (root, attrs) = chain(&c.func)?;
    let last = attrs.last().copied().unwrap_or(root);
    if !matches!(last, "import_module" | "__import__") {
        return None;
    }
    match c.arguments.args.first() {
        // `__import__("a.b")` returns the top-level package.
        Some(Expr::StringLiteral(s)) if !s.value.to_str().starts_with('.') => {
            let m = s.value.to_str();
            Some(if last == "__import__" { m.split('.').next().unwrap_or(m) } else { m })
        }
        _ => None,
    }
}
