//! ## What it does
//! Checks that `fast_path.py` documents its evidence, as DEC-04 requires:
//! a `Last profiled: YYYY-MM-DD` line and a `Cold start target:` line before
//! the imports, a recorded time on every import (`# 1.2 ms, …`), and for
//! every import recorded at 10 ms or more a usage figure and a
//! justification (`# 35 ms, 95% of requests — every request validates`).
//!
//! ## Why is this bad?
//! The file is reviewed by reading it. Without the numbers and the reason, a
//! reviewer cannot tell a justified hot-path exception from creep.
//!
//! ## Example
//! ```python
//! """Fast path."""
//! import boto3
//! ```
//!
//! ## Use instead
//! ```python
//! """
//! Last profiled: 2026-11-23
//! Cold start target: <2000 ms
//! """
//! import boto3  # 350 ms, 90% of requests — hot-path exception (DEC-02)
//! ```
//!
//! ## Fix safety
//! `lmms fast-path generate` writes all of these from the plan.

use crate::check::{has_usage, justification_words, recorded_ms, Cx, Finding};
use super::FastPathRule;
use crate::parse_date;
use lmms_plan::policy::fmt_ms;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    match cx.header_field("Last profiled") {
        None => out.push(cx.finding(
            FastPathRule::MissingHeader,
            1,
            "header lacks `Last profiled: YYYY-MM-DD` (DEC-04 documentation)".into(),
        )),
        Some((line, v)) if parse_date(&v).is_none() => out.push(cx.finding(
            FastPathRule::MissingHeader,
            line,
            format!("`Last profiled: {v}` is not a YYYY-MM-DD date"),
        )),
        Some(_) => {}
    }
    if cx.header_field("Cold start target").is_none() {
        out.push(cx.finding(
            FastPathRule::MissingHeader,
            1,
            "header lacks `Cold start target:` (DEC-04 documentation)".into(),
        ));
    }
    let threshold = cx.input.config.module_level_ms;
    for i in cx.unique_imports() {
        let comment = i.comment.as_deref().unwrap_or("");
        match recorded_ms(comment) {
            None => out.push(cx.finding(
                FastPathRule::MissingHeader,
                i.line,
                format!("`{}` has no recorded import time; add `# <ms> ms, <usage>% of requests`", i.module),
            )),
            Some(r) if r >= threshold && (!has_usage(comment) || justification_words(comment) < 2) => {
                out.push(cx.finding(
                    FastPathRule::MissingHeader,
                    i.line,
                    format!(
                        "`{}` records {} (≥ {}) without usage and a justification (DEC-04: usage data and justification for >10ms)",
                        i.module,
                        fmt_ms(r),
                        fmt_ms(threshold)
                    ),
                ))
            }
            Some(_) => {}
        }
    }
}
