//! ## What it does
//! Flags a module-level import, on the hot path, of a *project* module whose
//! own import-time imports pull in a heavy module, directly or through
//! other project modules, or of an installed package that is not heavy
//! itself but imports a heavy one at import time (the chain is followed
//! through site-packages). The message shows the chain, importer first.
//!
//! A module is heavy when its measured import time (profile or `heavy`
//! table) is at or above `module-level-ms` and it is not shown to be used
//! on more than `hot-usage` of requests.
//!
//! When `.lmms/plan.json` has a row for a statement, the plan decides
//! whether it is heavy: a module-level import the plan keeps on INIT (at
//! module level, or pinned there by a use its fix options leave in place)
//! is not heavy, whatever it costs alone, and neither is an import of a
//! project module the plan keeps. When the plan moves the statement the
//! message adds the plan's decision. Without a plan, or for a statement it
//! has no row for, the measured times decide.
//!
//! ## Why is this bad?
//! Moving `import pandas` out of the handler does not help while the
//! handler still imports `features.report` at module level and that module
//! imports pandas at module level: the cold start still pays for pandas
//! (LMMS-DEC-01). The chain shows which file to change.
//!
//! ## Example
//! ```python
//! # lambda_function.py
//! from features import report   # features/report.py: import pandas
//! ```
//!
//! ## Use instead
//! ```python
//! # features/report.py
//! def summary_frame(rows):
//!     import pandas as pd
//!     return pd.DataFrame(rows)
//! ```
//!
//! ## Fix safety
//! No automatic fix: the import to move lives in another file; fix that
//! file (its LMM001 finding) instead.

use lmms_graph::ModuleKind;

use crate::data::plan_moves;
use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    for (rec, name_idx, target) in cx.hot_import_targets() {
        // The plan's row for this statement decides whether it is heavy: a
        // statement the plan keeps on INIT is never reported.
        let decision = match cx.plan_row(rec, &target.module) {
            Some(row) => match plan_moves(row) {
                Some(d) => Some(d),
                None => continue,
            },
            None => None,
        };
        // A project module whose chain (possibly continuing through
        // installed packages) reaches a heavy module, or an installed
        // module that is not heavy itself but imports one.
        let tail: Vec<String> = if target.origin == ModuleKind::Project {
            let Some(dep) = target.file else { continue };
            if dep == cx.file {
                continue;
            }
            let Some(chain) = cx.chains.get(dep).and_then(Option::as_ref) else {
                continue;
            };
            let mut tail = chain.clone();
            if let Some(rest) = tail.last().and_then(|m| cx.installed_chains.get(m)) {
                tail.extend(rest.iter().skip(1).cloned());
            }
            tail
        } else {
            match cx.installed_chains.get(&target.module) {
                Some(chain) => chain.clone(),
                None => continue,
            }
        };
        let heavy = tail.last().cloned().unwrap_or_default();
        let mut full = vec![cx.graph.display_module(cx.file)];
        full.extend(tail);
        let range = match name_idx {
            Some(i) if rec.names.len() > 1 => rec.names[i].range,
            _ => rec.range,
        };
        let cost = cx
            .settings
            .costs
            .lookup(&heavy, ModuleKind::ThirdParty)
            .map(|c| format!(" ({})", crate::data::fmt_ms(c.ms)))
            .unwrap_or_default();
        out.push(Raw {
            rule: Rule::TransitiveHeavyImport,
            // The alias `lmms fix` would move, for the diagnostic's fix.
            import: name_idx.map(|_| target.id),
            range,
            message: format!(
                "Importing `{}` at module level pulls in heavy `{heavy}`{cost}: {}{}",
                target.module,
                full.join(" → "),
                decision.map(|d| format!("; {d}")).unwrap_or_default()
            ),
            module: Some(target.module.clone()),
        });
    }
}
