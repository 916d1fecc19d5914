//! ## What it does
//! Reports a syntax error found while parsing a file, with its position.
//! The rest of the file is still analysed as far as the parser recovered,
//! and checking continues with the other files.
//!
//! ## Why is this bad?
//! A module that does not parse cannot be imported, and its imports cannot
//! be classified reliably.
//!
//! ## Example
//! ```python
//! def handler(event:
//!     return event
//! ```
//!
//! ## Use instead
//! ```python
//! def handler(event):
//!     return event
//! ```
//!
//! ## Fix safety
//! No fix.

use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    for e in &cx.module.syntax_errors {
        out.push(Raw {
            rule: Rule::InvalidSyntax,
            import: None,
            range: e.range,
            message: format!("Syntax error: {}", e.message),
            module: None,
        });
    }
}
