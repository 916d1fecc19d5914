//! ## What it does
//! Flags a function-level import of a module that is cheap (measured below
//! `module-level-ms`, default 10 ms) or used on more than `hot-usage`
//! (default 80%) of requests according to `.lmms/usage.json`.
//!
//! ## Why is this bad?
//! This is the LMMS anti-pattern "over-lazy loading" (DEC-01, alternative
//! 2). A function-level import costs a dictionary lookup and a lock on every
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

use lmms_graph::ModuleKind;
use lmms_python::ImportScope;

use crate::data::{fmt_ms, fmt_pct};
use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
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
            let usage = cx
                .settings
                .usage
                .as_ref()
                .and_then(|u| u.of(&target.module));
            let cost = cx.settings.costs.lookup(&target.module, target.origin);
            let reason = match (&cost, usage) {
                (_, Some(u)) if u > t.hot_usage => {
                    format!(
                        "is used on {} of requests (>{}, DEC-02 hot path)",
                        fmt_pct(u),
                        fmt_pct(t.hot_usage)
                    )
                }
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
