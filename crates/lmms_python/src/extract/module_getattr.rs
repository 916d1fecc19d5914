//! How a module binds `__getattr__` (PEP 562). A rewrite may put its own
//! lookup in front of the module's only when the module's is one plain
//! `def` that nothing else rebinds; every other way of binding it (an
//! assignment, an import, a `def` under `if`/`try`, a decorator, a
//! `global __getattr__` in a function, `setattr(mod, "__getattr__", …)`)
//! is reported as [`ModuleGetattr::Other`] with what was found.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, ExprContext, Stmt};
use ruff_text_size::{Ranged, TextSize};

use super::byte_range;
use crate::lines::LineIndex;
use crate::model::ModuleGetattr;

const NAME: &str = "__getattr__";

pub(super) fn module_getattr(body: &[Stmt], source: &str) -> ModuleGetattr {
    if !source.contains(NAME) {
        return ModuleGetattr::Absent;
    }
    let mut f = Finder { defs: Vec::new(), other: Vec::new(), depth: 0, cond: 0 };
    f.visit_body(body);
    let lines = LineIndex::new(source);
    let line = |at: TextSize| lines.line(at.to_u32());
    if let Some((why, at)) = f.other.first() {
        return ModuleGetattr::Other { why: format!("{why} at line {}", line(*at)), line: line(*at) };
    }
    let Some(&(def, conditional)) = f.defs.first() else { return ModuleGetattr::Absent };
    let at = def.range.start();
    let other = |why: String| ModuleGetattr::Other { why, line: line(at) };
    if f.defs.len() > 1 {
        let ls: Vec<String> = f.defs.iter().map(|(d, _)| line(d.range.start()).to_string()).collect();
        return other(format!("defined {} times (lines {})", f.defs.len(), ls.join(", ")));
    }
    if conditional {
        return other(format!("defined under a module-level if/try/with/for at line {}", line(at)));
    }
    if !def.decorator_list.is_empty() {
        return other(format!("decorated at line {}", line(at)));
    }
    if def.is_async {
        return other(format!("an `async def` at line {}", line(at)));
    }
    let p = &def.parameters;
    let positional: Vec<&ast::ParameterWithDefault> = p.posonlyargs.iter().chain(&p.args).collect();
    let plain = positional.len() == 1
        && positional[0].default.is_none()
        && p.vararg.is_none()
        && p.kwarg.is_none()
        && p.kwonlyargs.is_empty();
    if !plain {
        return other(format!("its signature at line {} is not `(name)`", line(at)));
    }
    ModuleGetattr::Def { range: byte_range(def.range), param: positional[0].parameter.name.id.to_string() }
}

struct Finder<'a> {
    /// Module-scope `def __getattr__`s, and whether each sits under a
    /// module-level compound statement.
    defs: Vec<(&'a ast::StmtFunctionDef, bool)>,
    /// Every other binding: what it is and where.
    other: Vec<(&'static str, TextSize)>,
    /// Function and class bodies entered.
    depth: u32,
    /// Module-level compound statements entered.
    cond: u32,
}

impl<'a> Visitor<'a> for Finder<'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        let at = stmt.range().start();
        match stmt {
            Stmt::FunctionDef(f) => {
                if self.depth == 0 && f.name.id.as_str() == NAME {
                    self.defs.push((f, self.cond > 0));
                }
                self.depth += 1;
                visitor::walk_stmt(self, stmt);
                self.depth -= 1;
            }
            Stmt::ClassDef(c) => {
                if self.depth == 0 && c.name.id.as_str() == NAME {
                    self.other.push(("bound by a `class`", at));
                }
                self.depth += 1;
                visitor::walk_stmt(self, stmt);
                self.depth -= 1;
            }
            Stmt::Import(ast::StmtImport { names, .. }) | Stmt::ImportFrom(ast::StmtImportFrom { names, .. }) => {
                let binds = names.iter().any(|a| {
                    let bound = a.asname.as_ref().unwrap_or(&a.name).id.as_str();
                    bound == NAME || (a.asname.is_none() && bound.split('.').next() == Some(NAME))
                });
                if self.depth == 0 && binds {
                    self.other.push(("imported", at));
                }
            }
            Stmt::Global(g) if g.names.iter().any(|n| n.id.as_str() == NAME) => {
                self.other.push(("rebound by a function (`global __getattr__`)", at));
            }
            Stmt::Try(t) if self.depth == 0 => {
                for h in &t.handlers {
                    let ast::ExceptHandler::ExceptHandler(h) = h;
                    if h.name.as_ref().is_some_and(|n| n.id.as_str() == NAME) {
                        self.other.push(("bound by `except … as`", h.range.start()));
                    }
                }
                self.nested(stmt);
            }
            Stmt::If(_) | Stmt::With(_) | Stmt::For(_) | Stmt::While(_) | Stmt::Match(_) | Stmt::Try(_)
                if self.depth == 0 =>
            {
                self.nested(stmt)
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Name(n) if self.depth == 0 && n.id.as_str() == NAME && n.ctx != ExprContext::Load => {
                self.other.push(("assigned or deleted", n.range.start()));
            }
            Expr::Attribute(a) if a.attr.id.as_str() == NAME && a.ctx != ExprContext::Load => {
                self.other.push(("set as an attribute (`….__getattr__ = …`)", a.range.start()));
            }
            Expr::Call(c) => {
                let callee = matches!(c.func.as_ref(), Expr::Name(n) if n.id.as_str() == "setattr" || n.id.as_str() == "delattr");
                let literal = c.arguments.args.get(1).is_some_and(|a| {
                    matches!(a, Expr::StringLiteral(s) if s.value.to_str() == NAME)
                });
                if callee && literal {
                    self.other.push(("set by `setattr(…, \"__getattr__\", …)`", c.range().start()));
                }
            }
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}

impl<'a> Finder<'a> {
    fn nested(&mut self, stmt: &'a Stmt) {
        self.cond += 1;
        visitor::walk_stmt(self, stmt);
        self.cond -= 1;
    }
}
