//! ## What it does
//! Flags the evidence in `fast_path.py` when it is older than
//! `profile-max-age-days` (default 30): the header's `Last profiled` date,
//! or — when the header has no usable date — the latest profile's.
//!
//! ## Why is this bad?
//! DEC-04 asks for re-profiling monthly and after dependency updates: import
//! times move with every upgrade, and a fast path justified by last year's
//! numbers may no longer be fast.
//!
//! ## Example
//! ```python
//! """
//! Last profiled: 2025-11-08
//! """
//! ```
//!
//! ## Use instead
//! Run `lmms profile`, `lmms plan`, then `lmms fast-path generate`.
//!
//! ## Fix safety
//! No automatic fix. Like every rule it fails both `lmms check` and
//! `lmms fast-path check`: one severity everywhere. Ignore it (`ignore =
//! ["LMM105"]`) to accept old evidence deliberately.

use crate::check::{Cx, Finding};
use super::FastPathRule;
use crate::parse_date;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let max = cx.input.config.profile_max_age_days;
    let header = cx
        .header_field("Last profiled")
        .and_then(|(line, v)| parse_date(&v).map(|d| (line, d)));
    match header {
        Some((line, days)) => {
            let age = cx.input.today_days - days;
            if age as f64 > max {
                out.push(cx.finding(
                    FastPathRule::StaleProfile,
                    line,
                    format!(
                        "last profiled {age} days ago, more than profile-max-age-days ({max:.0}); re-run `lmms profile` (DEC-04: re-profile monthly)"
                    ),
                ));
            }
        }
        None => {
            let Some(days) = cx.input.profile.and_then(|p| parse_date(&p.profiled_at)) else {
                return;
            };
            let age = cx.input.today_days - days;
            if age as f64 > max {
                out.push(cx.finding(
                    FastPathRule::StaleProfile,
                    1,
                    format!("the latest profile is {age} days old, more than profile-max-age-days ({max:.0}); re-run `lmms profile`"),
                ));
            }
        }
    }
}
