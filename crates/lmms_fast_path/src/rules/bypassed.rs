//! ## What it does
//! Flags a module-level import in the entry module of a library that
//! `fast_path.py` imports, when it is imported directly instead of through
//! `fast_path`.
//!
//! ## Why is this bad?
//! DEC-04 makes `fast_path.py` the single source of truth for what loads on
//! a cold start. A direct import in the entry module is a second, unreviewed
//! list — the place slow imports slip in unnoticed.
//!
//! ## Example
//! ```python
//! # lambda_function.py
//! import json
//! from fast_path import *
//! ```
//!
//! ## Use instead
//! ```python
//! # lambda_function.py
//! from fast_path import *  # json, logging, os, time
//! ```
//!
//! ## Fix safety
//! No automatic fix here; `lmms fix` rewrites the entry's hot-path imports
//! to come from `fast_path`.
//!
//! ## Relation to LMM006
//! `lmms check` used to report this boundary twice: LMM006
//! (`eager-entry-import`, from the import graph) and this rule. They were
//! not equivalent — LMM006 missed `import boto3` when `fast_path.py`
//! imports `boto3.session`, and it used a different code from the one
//! `lmms fast-path check` reports — so this rule survived and LMM006 is
//! retired: the code is never reused, and selecting, ignoring or
//! `# noqa`-ing LMM006 applies to LMM108. `lmms check` reports each such
//! import once, under LMM108, in the files it was asked to check. One case
//! only LMM006 caught: `from pkg import sub` when `fast_path.py` has
//! `import pkg.sub` (this rule compares `pkg`, not the submodule).

use std::collections::BTreeSet;

use lmms_python::ImportScope;

use crate::check::{Cx, Finding};
use super::FastPathRule;
use lmms_plan::plan::resolve_relative;

pub(crate) fn check(cx: &Cx<'_>, out: &mut Vec<Finding>) {
    let Some(entry) = &cx.input.entry else { return };
    let fast_path = cx.input.fast_path_module;
    let hot: BTreeSet<&str> = cx.imported.iter().map(|i| i.module.as_str()).collect();
    let heads: BTreeSet<&str> = hot
        .iter()
        .map(|m| m.split('.').next().unwrap_or(m))
        .collect();
    for r in entry.parsed.imports.iter().filter(|r| {
        !matches!(
            r.scope,
            ImportScope::Function { .. } | ImportScope::TypeChecking
        )
    }) {
        let Some(base) = resolve_relative(entry.module, entry.is_package, r.level, &r.module)
        else {
            continue;
        };
        if base == fast_path || base == "__future__" {
            continue;
        }
        let modules: Vec<String> = if r.is_from {
            vec![base.clone()]
        } else {
            // `import a.b, c`: each alias names its whole module.
            r.names.iter().map(|n| n.target.clone()).collect()
        };
        for m in modules {
            if hot.contains(m.as_str()) || (!r.is_from && heads.contains(m.as_str())) {
                out.push(Finding {
                    rule: FastPathRule::Bypassed,
                    severity: FastPathRule::Bypassed.severity(),
                    path: entry.path.to_string(),
                    line: r.line,
                    column: 1,
                    message: format!(
                        "`{m}` is on the hot path; import it through `{fast_path}` (`from {fast_path} import *`), not directly (DEC-04)"
                    ),
                });
            }
        }
    }
}
