//! ## What it does
//! Holds every fast-path import to the LMMS tier criteria, on the latest
//! measurements: under `module-level-ms` (10 ms, tier 1), or used by more
//! than `hot-usage` (80%) of requests (tier 2, or the DEC-02 hot-path
//! exception above 100 ms). With `snapstart = true` the criteria do not
//! apply: INIT is paid once, before the snapshot.
//!
//! ## Why is this bad?
//! An import that is neither cheap nor hot makes every cold start pay for
//! requests that mostly never use it — the exact cost DEC-01 exists to cut.
//!
//! ## Example
//! ```python
//! import pandas  # 312 ms, 2% of requests
//! ```
//!
//! ## Use instead
//! ```python
//! def report(rows):
//!     import pandas  # 312 ms, 2% of requests (T4): function level
//! ```
//!
//! ## Fix safety
//! No automatic fix here; `lmms fix` moves imports into functions.

use crate::check::{recorded_ms, Cx, Finding};
use super::FastPathRule;
use lmms_plan::policy::{fmt_ms, fmt_pct};

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let cfg = cx.input.config;
    if cfg.snapstart {
        return;
    }
    for i in cx.unique_imports() {
        let Some(ms) = cx
            .measured(&i.module)
            .or_else(|| i.comment.as_deref().and_then(recorded_ms))
        else {
            continue;
        };
        if ms < cfg.module_level_ms {
            continue;
        }
        let message = match cx.usage_of(&i.module) {
            Some(u) if u > cfg.hot_usage => continue,
            Some(u) => format!(
                "`{}` ({}, used by {} of requests) fails the tier criteria: the fast path admits <{} or >{} usage (DEC-04)",
                i.module,
                fmt_ms(ms),
                fmt_pct(u),
                fmt_ms(cfg.module_level_ms),
                fmt_pct(cfg.hot_usage)
            ),
            None => format!(
                "`{}` ({}) has no usage data to justify a >{} import on the fast path; run `lmms usage`",
                i.module,
                fmt_ms(ms),
                fmt_ms(cfg.module_level_ms)
            ),
        };
        out.push(cx.finding(FastPathRule::TierViolation, i.line, message));
    }
}
