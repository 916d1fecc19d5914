//! ## What it does
//! Adds up what the fast path's imports cost in the latest profile and flags
//! a total of 200 ms or more. When the profile loaded `fast_path` itself, its
//! cumulative time is the total; otherwise the union of the imported
//! modules' subtrees is summed, so a shared dependency counts once.
//!
//! ## Why is this bad?
//! Everything in `fast_path.py` is paid on every cold start. DEC-04 budgets
//! it at under 200 ms; past that the "fast" path is the cold start.
//!
//! ## Example
//! ```python
//! import json     # 1 ms
//! import pandas   # 312 ms
//! ```
//!
//! ## Use instead
//! ```python
//! import json     # 1 ms
//!
//! def report(rows):
//!     import pandas  # lazy: 2% of requests
//! ```
//!
//! ## Fix safety
//! No automatic fix. Needs `.lmms/profile.json`; without it the rule is silent.

use std::collections::BTreeSet;

use crate::check::{Cx, Finding, MAX_TOTAL_MS};
use super::FastPathRule;
use lmms_plan::policy::fmt_ms;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let Some(profile) = cx.input.profile else {
        return;
    };
    let total = match profile.module(cx.input.fast_path_module) {
        Some(fp) => fp.cumulative_ms.median,
        None => {
            let modules: BTreeSet<&str> = cx.imported.iter().map(|i| i.module.as_str()).collect();
            profile
                .modules
                .iter()
                .filter(|m| {
                    modules.contains(m.name.as_str())
                        || m.chain.iter().any(|c| modules.contains(c.as_str()))
                })
                .map(|m| m.self_ms.median)
                .sum()
        }
    };
    if total < MAX_TOTAL_MS {
        return;
    }
    let mut top: Vec<(&str, f64)> = cx
        .imported
        .iter()
        .filter_map(|i| cx.measured(&i.module).map(|ms| (i.module.as_str(), ms)))
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.dedup_by(|a, b| a.0 == b.0);
    let names: Vec<String> = top
        .iter()
        .take(3)
        .map(|(m, ms)| format!("{m} {}", fmt_ms(*ms)))
        .collect();
    out.push(cx.finding(
        FastPathRule::OverTimeBudget,
        1,
        format!(
            "imports cost {} measured in total; DEC-04 limits fast_path.py to under {MAX_TOTAL_MS:.0} ms (largest: {})",
            fmt_ms(total),
            names.join(", ")
        ),
    ));
}
