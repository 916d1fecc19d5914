//! Import statements: their records, scope and the names they bind.

use ruff_python_ast::{self as ast, Expr, Stmt};

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn import_scope(&self) -> ImportScope {
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

    pub(super) fn import_stmt(&mut self, stmt: &'a Stmt) {
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
}

/// Names bound by imports that run outside any function or class body.
pub(super) fn collect_module_import_names<'a>(body: &'a [Stmt], out: &mut Vec<&'a str>) {
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

pub(super) fn is_future_annotations(s: &Stmt) -> bool {
    matches!(s, Stmt::ImportFrom(i)
        if i.level == 0
        && i.module.as_ref().is_some_and(|m| m.id.as_str() == "__future__")
        && i.names.iter().any(|a| a.name.id.as_str() == "annotations"))
}

pub(super) fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(n) => n.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(a) => a.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

pub(super) fn catches_import_error(ty: &Expr) -> bool {
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
