//! ## What it does
//! Flags a function-level import of a module that is cheap (measured below
//! `module-level-ms`, default 10 ms, counting everything importing it loads:
//! `urllib.request` brings `http.client`, `email` and `ssl`) or used on more
//! than `hot-usage` (default 80%) of requests according to `.lmms/usage.json`.
//! When `.lmms/plan.json` has a row for the statement (rows carry its id,
//! and a row `lmms fix` moved the ids of the statements it wrote), the plan
//! decides: the import is over-lazy exactly when the plan keeps it at module
//! level, and the message gives the plan's figure, so an import `fix` moved
//! is never flagged.
//!
//! Like LMM001 and LMM002, it checks the code requests run: the files the
//! entry point (`entry` in the config) imports, at import time or from a
//! function. A test's own imports are not requests'. Without an entry,
//! every checked file.
//!
//! ## Why is this bad?
//! This is over-lazy loading, the opposite mistake to the one DEC-01
//! (cold imports go into functions) corrects: making every import lazy. A
//! function-level import costs a dictionary lookup and a lock on every
//! call, clutters the code, and saves nothing when the module is cheap or
//! needed by nearly every request anyway (DEC-02: pay once at cold start
//! instead of on every request).
//!
//! ## Example
//! ```python
//! def handler(event, context):
//!     import json  # 1 ms, used by every request
//!     return json.dumps(event)
//! ```
//!
//! ## Use instead
//! ```python
//! import json
//!
//! def handler(event, context):
//!     return json.dumps(event)
//! ```
//!
//! ## Fix safety
//! No automatic fix from `lmms check`.

use std::collections::HashSet;

use lmms_graph::ModuleKind;
use lmms_python::ImportScope;

use crate::data::{fmt_ms, fmt_pct};
use crate::{FileCx, Raw, Rule};

/// Libraries some hot project file imports at module level: what INIT
/// loads anyway, in the code as it is now (after `lmms fix`, the plan's
/// eager set).
fn eager_libraries(cx: &FileCx) -> HashSet<String> {
    let entry = cx.settings.entry_module.as_deref().and_then(|m| cx.graph.file_of_module(m));
    let hot = match entry {
        Some(e) => cx.graph.reachable(&[e]),
        None => vec![true; cx.graph.files.len()],
    };
    let mut out = HashSet::new();
    for f in (0..cx.graph.files.len()).filter(|&f| hot[f]) {
        let Ok((_, parsed)) = &cx.graph.files[f].parsed else { continue };
        for (rec, targets) in parsed.imports.iter().zip(cx.graph.import_targets(f)) {
            if lmms_graph::runs_at_import(rec) {
                out.extend(targets.iter().filter(|(_, t)| t.origin != ModuleKind::Project).map(|(_, t)| t.module.clone()));
            }
        }
    }
    out
}

/// The plan's verdict on a function-level import it has a row for: over-lazy
/// when the plan keeps it at module level.
fn plan_verdict(row: &lmms_plan::PlannedImport) -> Option<String> {
    if row.strategy != lmms_plan::Strategy::ModuleLevel {
        return None;
    }
    let ms = row.import_ms.map_or_else(|| "unmeasured".to_string(), fmt_ms);
    let usage = row.usage.map_or_else(|| "usage unknown".to_string(), |u| format!("used by {}", fmt_pct(u)));
    Some(format!("is kept at module level by `lmms plan` ({ms}, {usage})"))
}

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    // Over-lazy is about what requests run: a test's own imports are not.
    if !cx.requested {
        return;
    }
    let t = &cx.settings.thresholds;
    for (rec, targets) in cx
        .module
        .imports
        .iter()
        .zip(cx.graph.import_targets(cx.file))
    {
        if !matches!(rec.scope, ImportScope::Function { .. }) {
            continue;
        }
        for (_, target) in targets {
            if target.origin == ModuleKind::Project {
                continue;
            }
            if let Some(row) = cx.plan_row(rec, &target.module) {
                if let Some(reason) = plan_verdict(row) {
                    out.push(Raw {
                        rule: Rule::OverLazyImport,
                        import: None,
                        range: rec.range,
                        message: format!("Function-level import of `{}` is over-lazy: it {reason}; import it at module level", target.module),
                        module: Some(target.module.clone()),
                    });
                }
                continue;
            }
            let usage = cx
                .settings
                .usage
                .as_ref()
                .and_then(|u| u.of(&target.module));
            // Over-lazy only when even everything it loads is cheap: the
            // plan defers by marginal cost (dependencies included), and a
            // move `lmms fix` made must never be reported here.
            let cost = cx.settings.costs.most(&target.module, target.origin);
            // Loaded beneath a library that stays eager (`re` under `json`):
            // the plan's "already loaded", nothing to save.
            let own = |n: &str| target.module == n || target.module.starts_with(&format!("{n}."));
            let loaded_by = cx.settings.costs.chain(&target.module).and_then(|chain| {
                let eager = cx.eager_libraries.get_or_init(|| eager_libraries(cx));
                chain.iter().rev().skip(1).find(|n| !own(n) && eager.contains(n.as_str())).cloned()
            });
            let reason = match (&cost, usage) {
                (_, Some(u)) if u > t.hot_usage => {
                    format!(
                        "is used on {} of requests (>{}, DEC-02 hot path)",
                        fmt_pct(u),
                        fmt_pct(t.hot_usage)
                    )
                }
                (Some(_), _) if loaded_by.is_some() => format!(
                    "is loaded at INIT anyway, by `{}`, which is imported at module level",
                    loaded_by.as_deref().unwrap_or_default()
                ),
                (Some(c), _) if c.ms < t.module_level_ms => {
                    format!(
                        "costs only {} (<{} ms, {})",
                        fmt_ms(c.ms),
                        t.module_level_ms,
                        c.describe_source()
                    )
                }
                _ => continue,
            };
            out.push(Raw {
                rule: Rule::OverLazyImport,
                import: None,
                range: rec.range,
                message: format!("Function-level import of `{}` is over-lazy: it {reason}; import it at module level", target.module),
                module: Some(target.module.clone()),
            });
        }
    }
}
