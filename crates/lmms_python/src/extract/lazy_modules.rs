//! PEP 810's `__lazy_modules__`: each unconditional module-level binding,
//! and the names of a literal list or tuple of strings.

use ruff_python_ast::{Expr, Stmt};
use ruff_text_size::Ranged;

use super::byte_range;
use crate::model::{ByteRange, LazyModules};

/// Every top-level statement binding `__lazy_modules__`, in source order.
/// Only a plain `__lazy_modules__ = [...]`/`(...)` of string literals is
/// literal; anything else (a computed value, `+=`, a second target) is
/// recorded with `names: None` so a rewrite can refuse it by name.
pub(super) fn lazy_modules(body: &[Stmt]) -> Vec<LazyModules> {
    let is_it = |e: &Expr| matches!(e, Expr::Name(n) if n.id.as_str() == "__lazy_modules__");
    body.iter()
        .filter_map(|s| match s {
            Stmt::Assign(a) if a.targets.iter().any(is_it) => {
                let names = if a.targets.len() == 1 { literal(&a.value) } else { None };
                let (range, value, tuple) = (
                    byte_range(a.range),
                    byte_range(a.value.range()),
                    matches!(*a.value, Expr::Tuple(_)),
                );
                Some(LazyModules {
                    range,
                    value,
                    names,
                    tuple,
                })
            }
            Stmt::AnnAssign(a) if is_it(&a.target) => {
                let names = a.value.as_deref().and_then(literal);
                let end = ByteRange {
                    start: a.range.end().to_u32(),
                    end: a.range.end().to_u32(),
                };
                let value = a.value.as_deref().map_or(end, |v| byte_range(v.range()));
                let tuple = matches!(a.value.as_deref(), Some(Expr::Tuple(_)));
                Some(LazyModules {
                    range: byte_range(a.range),
                    value,
                    names,
                    tuple,
                })
            }
            Stmt::AugAssign(a) if is_it(&a.target) => Some(LazyModules {
                range: byte_range(a.range),
                value: byte_range(a.value.range()),
                names: None,
                tuple: false,
            }),
            _ => None,
        })
        .collect()
}

fn literal(value: &Expr) -> Option<Vec<String>> {
    let elts = match value {
        Expr::List(l) => &l.elts,
        Expr::Tuple(t) if t.parenthesized => &t.elts,
        _ => return None,
    };
    elts.iter()
        .map(|e| match e {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            _ => None,
        })
        .collect()
}
