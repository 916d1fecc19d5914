//! ## What it does
//! Flags a module-level call on a heavy library at import time, such as
//! `S3 = boto3.client("s3")` or `SESSION = requests.Session()`, in a module
//! on the hot path. "Heavy" means a measured import time (profile or
//! `heavy` table) at or above `module-level-ms`.
//!
//! ## Why is this bad?
//! The call's own cost (building a client, loading service models, opening
//! pools) is paid on every cold start, on top of the import, and it pins the
//! import at module level: moving the import into a function alone cannot
//! remove this cost (LMMS-DEC-01). `lmms plan` lists it under `blocked_by`.
//!
//! ## Example
//! ```python
//! import boto3
//! S3 = boto3.client("s3")
//!
//! def upload(event):
//!     S3.put_object(**event)
//! ```
//!
//! ## Use instead
//! ```python
//! import functools
//!
//! @functools.cache
//! def s3():
//!     import boto3
//!     return boto3.client("s3")
//!
//! def upload(event):
//!     s3().put_object(**event)
//! ```
//!
//! ## Fix safety
//! No automatic fix: every use of the module-level object changes.

use crate::data::fmt_ms;
use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    if !cx.hot {
        return;
    }
    for call in &cx.module.module_calls {
        // The import that binds the root name decides which module it is.
        let target = cx
            .module
            .imports
            .iter()
            .filter(|r| lmms_graph::runs_at_import(r))
            .find_map(|rec| {
                let (i, _) = rec
                    .names
                    .iter()
                    .enumerate()
                    .find(|(_, n)| n.bound == call.root)?;
                let j = cx
                    .module
                    .imports
                    .iter()
                    .position(|r| std::ptr::eq(r, rec))?;
                cx.graph
                    .import_targets(cx.file)
                    .get(j)?
                    .iter()
                    .find(|(idx, _)| *idx == Some(i))
                    .map(|(_, t)| t)
            });
        let Some(target) = target else { continue };
        let Some(cost) = cx.settings.costs.lookup(&target.module, target.origin) else {
            continue;
        };
        if cost.ms < cx.settings.thresholds.module_level_ms {
            continue;
        }
        let assigned = if call.targets.is_empty() {
            String::new()
        } else {
            format!("`{}` = ", call.targets.join(", "))
        };
        out.push(Raw {
            rule: Rule::ImportTimeCall,
            import: None,
            range: call.range,
            message: format!(
                "Import-time call {assigned}`{}(…)` on heavy `{}` ({}): moving the import alone cannot remove this cost; create it lazily on first use",
                call.callee,
                target.module,
                fmt_ms(cost.ms)
            ),
            module: Some(target.module.clone()),
        });
    }
}
