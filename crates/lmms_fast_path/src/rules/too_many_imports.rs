//! ## What it does
//! Counts the imports in `fast_path.py` (each imported name counts once) and
//! flags the file when it has 20 or more.
//!
//! ## Why is this bad?
//! DEC-04 caps the fast path at fewer than 20 imports so that one file can
//! be read in a glance and still answer "what loads on a cold start?". A
//! long list is usually a sign that cold-path modules crept in.
//!
//! ## Example
//! ```python
//! import json
//! import logging
//! # … 19 more, including pandas and boto3
//! ```
//!
//! ## Use instead
//! Keep only imports under 10 ms or used by more than 80% of requests;
//! `lmms fast-path generate` writes that list from the plan, never more
//! than 19 imports (your own imports outside its block included): when the
//! plan keeps more libraries eager, it lists the justified heavy ones first,
//! then the costliest light ones, and says which it left out.
//!
//! ## Fix safety
//! No automatic fix: which imports to drop is a decision `lmms plan` informs.

use crate::check::{Cx, Finding, IMPORT_LIMIT};
use super::FastPathRule;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let n = cx.imported.len();
    if n >= IMPORT_LIMIT {
        let line = cx.imported.get(IMPORT_LIMIT - 1).map_or(1, |i| i.line);
        out.push(cx.finding(
            FastPathRule::TooManyImports,
            line,
            format!("{n} imports; DEC-04 limits fast_path.py to fewer than {IMPORT_LIMIT} imports"),
        ));
    }
}
