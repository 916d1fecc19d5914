//! ## What it does
//! Compares each import's recorded time with the latest measurement (the
//! plan's marginal cost, else the profile's cumulative time) and flags them when
//! they differ by more than 25% — ignoring differences under 1 ms, which
//! are timer noise rather than stale numbers.
//!
//! ## Why is this bad?
//! The recorded numbers are the file's justification. When they drift, the
//! review that admitted an import was based on numbers that are no longer
//! true.
//!
//! ## Example
//! ```python
//! import pydantic  # 40 ms   (the latest profile measures 91 ms)
//! ```
//!
//! ## Use instead
//! Regenerate with `lmms fast-path generate` after `lmms profile`.
//!
//! ## Fix safety
//! No automatic fix: `lmms fast-path generate` rewrites the figures. Like
//! every rule it fails both `lmms check` and `lmms fast-path check`: one
//! severity everywhere.

use crate::check::{recorded_ms, Cx, Finding, DRIFT, DRIFT_FLOOR_MS};
use super::FastPathRule;
use lmms_plan::policy::fmt_ms;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    for i in cx.unique_imports() {
        let (Some(r), Some(m)) = (
            i.comment.as_deref().and_then(recorded_ms),
            cx.measured(&i.module),
        ) else {
            continue;
        };
        let diff = (r - m).abs();
        if diff >= DRIFT_FLOOR_MS && diff > DRIFT * m {
            let pct = if m > 0.0 {
                format!("{:+.0}%", (r - m) / m * 100.0)
            } else {
                "measured 0".into()
            };
            out.push(cx.finding(
                FastPathRule::TimeDrift,
                i.line,
                format!(
                    "`{}` records {} but the latest profile measures {} ({pct}, beyond ±{:.0}%)",
                    i.module,
                    fmt_ms(r),
                    fmt_ms(m),
                    DRIFT * 100.0
                ),
            ));
        }
    }
}
