//! Module-level calls rooted at an imported name (`S3 = boto3.client("s3")`).

use ruff_python_ast::{self as ast, Expr};
use ruff_text_size::{Ranged, TextRange};

use super::*;

impl<'a> Extractor<'a> {
    /// `X = boto3.client("s3")` / `boto3.setup()` at import time.
    pub(super) fn module_call(&mut self, targets: &'a [Expr], value: &'a Expr, stmt_range: TextRange) {
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
}

/// The `Name` at the left end of `a.b(c).d[e]`.
pub(super) fn chain_root(mut e: &Expr) -> Option<&ast::ExprName> {
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

pub(super) fn collect_target_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Name(n) => out.push(n.id.to_string()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_target_names(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| collect_target_names(e, out)),
        Expr::Starred(s) => collect_target_names(&s.value, out),
        _ => {}
    }
}
