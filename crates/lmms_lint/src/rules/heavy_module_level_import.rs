//! ## What it does
//! Flags a module-level import, on the hot path, of a module whose measured
//! import time is at or above `module-level-ms` (default 10 ms), unless
//! `.lmms/usage.json` shows it is used on more than `hot-usage` (default
//! 80%) of requests.
//!
//! The time comes from `.lmms/profile.json` (the median cumulative import
//! time over fresh interpreters, written by `lmms profile`) or, without a
//! profile, from the `[tool.lmms] heavy` table you wrote. A module with no
//! measurement is never flagged: numbers are never invented. A
//! standard-library module is charged its own package only (`json` and
//! `json.*`), not the shared infrastructure (`re`, `enum`, …) it happened
//! to load first: every library loads that anyway, so deferring the import
//! would not save it.
//!
//! "Hot path" is every module the entry point (`entry` in the config)
//! imports at import time; without an entry, every checked file.
//!
//! When `.lmms/plan.json` has a row for the statement, the plan decides
//! instead: the import is flagged exactly when the plan moves it into
//! functions, and the message gives the plan's figure (the marginal cost:
//! what deferring it takes off INIT, after the plan's other moves), usage,
//! tier and the module-level uses to make lazy first. An import the plan
//! keeps at module level, or that stays pinned on INIT by a use its fix
//! options leave in place (a class base; a client built at import without
//! `--unsafe-fixes`), is not flagged, so `lmms check` after `lmms plan` and
//! `lmms fix` repeats the plan. A statement the plan has no row for (added
//! since) and a project without a plan are judged as above.
//!
//! ## Why is this bad?
//! Module-level imports run on every cold start, whether or not the request
//! needs the module (LMMS-DEC-01). A 350 ms `boto3` import used by 15% of
//! requests makes every cold start 350 ms slower to serve the other 85%.
//! The DEC-01 table: under 10 ms, module level; 10–100 ms, module level
//! only above 80% usage; over 100 ms, function level unless used on more
//! than 80% of requests (LMMS-DEC-02).
//!
//! ## Example
//! ```python
//! import boto3  # 350 ms, used by 15% of requests
//!
//! def upload(event):
//!     return boto3.client("s3").put_object(**event)
//! ```
//!
//! ## Use instead
//! ```python
//! def upload(event):
//!     import boto3  # 350 ms, 15% usage (DEC-01: function level)
//!     return boto3.client("s3").put_object(**event)
//! ```
//!
//! ## Fix safety
//! No automatic fix from `lmms check`; `lmms fix` moves the import into the
//! functions that use it when no module-level code needs the name.

use crate::data::{fmt_ms, fmt_pct, plan_moves, tier};
use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    for (rec, name_idx, target) in cx.hot_import_targets() {
        let range = match name_idx {
            Some(i) if !rec.is_from => rec.names[i].range,
            _ => rec.range,
        };
        // The plan's row is the one voice: its marginal cost and decision,
        // not the profile's cumulative time, which charges what others load.
        if let Some(row) = cx.plan_row(rec, &target.module).filter(|_| target.origin != lmms_graph::ModuleKind::Project) {
            if let Some(decision) = plan_moves(row) {
                out.push(Raw {
                    rule: Rule::HeavyModuleLevelImport,
                    import: name_idx.map(|_| target.id),
                    range,
                    message: format!("Module-level import of `{}` is on INIT, but {decision}", target.module),
                    module: Some(target.module.clone()),
                });
            }
            continue;
        }
        let Some(cost) = cx.settings.costs.lookup(&target.module, target.origin) else {
            continue;
        };
        if cost.ms < cx.settings.thresholds.module_level_ms {
            continue;
        }
        let usage = cx
            .settings
            .usage
            .as_ref()
            .and_then(|u| u.of(&target.module));
        if usage.is_some_and(|u| u > cx.settings.thresholds.hot_usage) {
            continue;
        }
        let usage_text = match (usage, &cx.settings.usage) {
            (Some(u), _) => format!("used on {} of requests", fmt_pct(u)),
            (None, Some(_)) => "usage not measured for it".to_string(),
            (None, None) => "usage unknown (no .lmms/usage.json)".to_string(),
        };
        let measured = if cost.measured == target.module {
            String::new()
        } else {
            format!(" (measured for `{}`)", cost.measured)
        };
        out.push(Raw {
            rule: Rule::HeavyModuleLevelImport,
            // The alias `lmms fix` would move, for the diagnostic's fix.
            import: name_idx.map(|_| target.id),
            range,
            message: format!(
                "Module-level import of `{}` costs {}{} ({}); {}; {}",
                target.module,
                fmt_ms(cost.ms),
                measured,
                cost.describe_source(),
                usage_text,
                tier(cost.ms, &cx.settings.thresholds),
            ),
            module: Some(target.module.clone()),
        });
    }
}
