//! ## What it does
//! Flags an `import` statement inside the body of a `for` or `while` loop.
//!
//! ## Why is this bad?
//! After the first iteration the import does no loading, but it still runs
//! an import-system lookup (and takes the import lock) on every iteration.
//! It usually means a lazy import was placed one block too deep; one import
//! before the loop, or at the top of the function, does the same work once.
//!
//! ## Example
//! ```python
//! def total(rows):
//!     for row in rows:
//!         import decimal
//!         yield decimal.Decimal(row)
//! ```
//!
//! ## Use instead
//! ```python
//! def total(rows):
//!     import decimal
//!     for row in rows:
//!         yield decimal.Decimal(row)
//! ```
//!
//! ## Fix safety
//! No automatic fix from `lmms check`.

use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    for rec in cx.module.imports.iter().filter(|r| r.in_loop) {
        let module = cx
            .graph
            .absolute_module(cx.file, rec)
            .unwrap_or_else(|| rec.module.clone());
        out.push(Raw {
            rule: Rule::ImportInLoop,
            import: None,
            range: rec.range,
            message: format!("Import of `{module}` inside a loop body runs on every iteration; move it above the loop"),
            module: Some(module),
        });
    }
}
