//! ## What it does
//! Counts the lines of code in `fast_path.py` — blank lines, comments and
//! the module docstring excluded — and flags 50 or more.
//!
//! ## Why is this bad?
//! DEC-04: the fast path is a list of imports, not a module with logic. Code
//! there runs on every cold start and hides behind `from fast_path import *`.
//!
//! ## Example
//! A `fast_path.py` that grew helpers, constants and set-up code.
//!
//! ## Use instead
//! Move helpers to the modules that use them; keep imports and `__all__`.
//! `lmms fast-path generate` stays under the limit: when your own lines
//! leave no room, it lists fewer imports and says which it left out.
//!
//! ## Fix safety
//! No automatic fix.

use crate::check::{code_lines, Cx, Finding, MAX_CODE_LINES};
use super::FastPathRule;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let loc = code_lines(cx.input.source);
    if loc >= MAX_CODE_LINES {
        out.push(cx.finding(
            FastPathRule::TooLong,
            1,
            format!(
                "{loc} lines of code (comments and docstring excluded); DEC-04 limits fast_path.py to fewer than {MAX_CODE_LINES}"
            ),
        ));
    }
}
