//! ## What it does
//! When the project has a `fast_path.py` (config `fast-path`), flags a
//! module-level import in the entry module (config `entry`) of a module that
//! `fast_path.py` provides, instead of taking it from `fast_path`.
//!
//! ## Why is this bad?
//! LMMS-DEC-04 makes `fast_path.py` the single, reviewed list of what the
//! hot path may import eagerly, with each import's measured cost. An entry
//! module that imports hot-path modules directly bypasses that list, so the
//! next heavy addition goes unreviewed.
//!
//! ## Example
//! ```python
//! # lambda_function.py
//! import json
//! ```
//!
//! ## Use instead
//! ```python
//! # lambda_function.py
//! from fast_path import json
//! ```
//!
//! ## Fix safety
//! No automatic fix from `lmms check`.

use lmms_graph::runs_at_import;

use crate::{FileCx, Raw, Rule};

pub(crate) fn check(cx: &FileCx, out: &mut Vec<Raw>) {
    let Some(fp) = &cx.settings.fast_path else {
        return;
    };
    if !cx.is_entry {
        return;
    }
    for (rec, targets) in cx
        .module
        .imports
        .iter()
        .zip(cx.graph.import_targets(cx.file))
    {
        if !runs_at_import(rec) {
            continue;
        }
        for (k, (name_idx, target)) in targets.iter().enumerate() {
            let name_idx = *name_idx;
            // `from m import a, b` names one module twice: report it once.
            if targets[..k].iter().any(|(_, t)| t.module == target.module) {
                continue;
            }
            if target.module == fp.module || target.module.starts_with(&format!("{}.", fp.module)) {
                continue;
            }
            if !fp.provides.contains(&target.module) {
                continue;
            }
            let range = match name_idx {
                Some(i) if rec.names.len() > 1 => rec.names[i].range,
                _ => rec.range,
            };
            out.push(Raw {
                rule: Rule::EagerEntryImport,
                range,
                message: format!(
                    "Entry module imports hot-path module `{}` directly; import it from `{}` (DEC-04)",
                    target.module, fp.module
                ),
                module: Some(target.module.clone()),
            });
        }
    }
}
