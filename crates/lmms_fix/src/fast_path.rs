//! Routing the entry module's hot imports through `fast_path.py` (DEC-04):
//! `import json` in the entry becomes `from fast_path import json` when
//! `fast_path.py` imports and exports the same module, so the hot path is
//! named in exactly one place.

use lmms_python::{BoundName, ImportRecord, ImportScope, ParsedModule};

use crate::edit::Edit;
use crate::lazy::{stmt_text, Move, MoveKind};
use crate::Applicability;

/// One name `fast_path.py` binds at module level and exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub bound: String,
    /// `import a.b` → `a.b`; `from a import b` → `a`.
    pub module: String,
    /// `from a import b` → `Some("b")`.
    pub attribute: Option<String>,
}

fn eager(rec: &ImportRecord) -> bool {
    matches!(rec.scope, ImportScope::Module)
        && !rec.is_star
        && !rec.is_lazy
        && rec.level == 0
        && !(rec.is_from && rec.module == "__future__")
}

fn key(rec: &ImportRecord, n: &BoundName) -> (String, Option<String>) {
    if rec.is_from {
        (rec.module.clone(), n.attribute.clone())
    } else {
        (n.target.clone(), None)
    }
}

/// What `fast_path.py` offers: its unconditional module-level imports whose
/// names are in `__all__` (all of them without an `__all__`).
pub fn exports(parsed: &ParsedModule) -> Vec<Export> {
    let mut out = Vec::new();
    for rec in parsed.imports.iter().filter(|r| eager(r)) {
        for n in &rec.names {
            if !parsed.dunder_all.is_empty() && !parsed.dunder_all.contains(&n.bound) {
                continue;
            }
            let (module, attribute) = key(rec, n);
            out.push(Export { bound: n.bound.clone(), module, attribute });
        }
    }
    out
}

/// Edits that import the entry's eager imports from `fast_path_module`
/// instead, where it exports the very same binding.
pub fn route(source: &str, parsed: &ParsedModule, exports: &[Export], fast_path_module: &str) -> (Vec<Edit>, Vec<Move>) {
    let mut edits = Vec::new();
    let mut moves = Vec::new();
    let nl = if source.contains("\r\n") { "\r\n" } else { "\n" };
    for rec in parsed.imports.iter().filter(|r| eager(r)) {
        if rec.module == fast_path_module {
            continue;
        }
        let mut routed: Vec<String> = Vec::new();
        let mut kept: Vec<&BoundName> = Vec::new();
        for n in &rec.names {
            let (module, attribute) = key(rec, n);
            let hit = exports.iter().find(|e| e.module == module && e.attribute == attribute);
            match hit {
                Some(e) if e.bound == n.bound => routed.push(e.bound.clone()),
                Some(e) => routed.push(format!("{} as {}", e.bound, n.bound)),
                None => kept.push(n),
            }
        }
        if routed.is_empty() {
            continue;
        }
        let mut text = format!("from {fast_path_module} import {}", routed.join(", "));
        if !kept.is_empty() {
            text = format!("{text}{nl}{}", stmt_text(source, rec, &kept));
        }
        edits.push(Edit::replacement(rec.range.start, rec.range.end, text));
        moves.push(Move {
            module: if rec.is_from { rec.module.clone() } else { rec.names[0].target.clone() },
            line: rec.line,
            statement: rec.range,
            names: rec.names.iter().filter(|n| !kept.iter().any(|k| k.bound == n.bound)).map(|n| n.bound.clone()).collect(),
            kind: MoveKind::FastPath,
            into: vec![fast_path_module.to_string()],
            applicability: Applicability::Safe,
            notes: Vec::new(),
        });
    }
    (edits, moves)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply_edits;
    use lmms_python::parse_module;

    const FAST_PATH: &str = "import json\nimport os.path\nfrom time import perf_counter\nimport typing\n\n__all__ = [\"json\", \"os\", \"perf_counter\"]\n";

    fn routed(entry: &str) -> String {
        let fp = parse_module(FAST_PATH);
        let ex = exports(&fp);
        let parsed = parse_module(entry);
        let (mut edits, _) = route(entry, &parsed, &ex, "fast_path");
        apply_edits(entry, &mut edits).unwrap()
    }

    #[test]
    fn exported_imports_come_from_fast_path() {
        let entry = "import json as j, boto3\nimport os.path\nfrom time import perf_counter\nimport typing\n";
        insta::assert_snapshot!(routed(entry), @r"
        from fast_path import json as j
        import boto3
        from fast_path import os
        from fast_path import perf_counter
        import typing
        ");
    }

    #[test]
    fn routing_is_a_fixed_point() {
        let once = routed("import json\n\ndef f():\n    import time\n    return json, time\n");
        assert_eq!(routed(&once), once);
        assert!(once.starts_with("from fast_path import json\n"));
    }
}
