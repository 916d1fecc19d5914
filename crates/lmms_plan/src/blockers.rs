//! Module-level uses that keep an import on INIT: the statement's bound
//! names read while its module loads (class bases, decorators, calls,
//! dispatch tables, evaluated annotations).

use lmms_python::{ModuleLevelUse, RefContext};

use crate::plan::{Blocker, BlockerKind, SourceFile};
use crate::policy::fmt_ms;

/// `(line, column)`, both 1-based, of a byte offset.
pub(crate) fn line_col(source: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[col_start..].chars().count() as u32 + 1)
}

fn line_text(source: &str, line: u32) -> String {
    let text = source
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
        .trim();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text.to_string()
    }
}

fn use_kind(what: ModuleLevelUse) -> (BlockerKind, &'static str) {
    match what {
        ModuleLevelUse::ClassBase => (BlockerKind::ClassBase, "a class base is evaluated when the class statement runs"),
        ModuleLevelUse::Decorator => (BlockerKind::Decorator, "a decorator runs when the function is defined"),
        ModuleLevelUse::DefaultArgument => {
            (BlockerKind::DefaultArgument, "default arguments are evaluated at definition time")
        }
        ModuleLevelUse::Call => (BlockerKind::Call, "called at import time"),
        ModuleLevelUse::Value => (
            BlockerKind::Value,
            "stored in a module-level value such as a dispatch table: moving the import needs an unsafe rewrite",
        ),
        ModuleLevelUse::DunderAll => (BlockerKind::DunderAll, "re-exported through __all__"),
        ModuleLevelUse::GlobalRebind => (BlockerKind::GlobalRebind, "rebound with `global` inside a function"),
        ModuleLevelUse::Other => (BlockerKind::Other, "used at module level"),
    }
}

/// Whether `lmms fix` (with `--unsafe-fixes` or not) leaves the use in
/// place, so the import stays on INIT whatever the plan decides: annotations
/// are quoted or moved under `TYPE_CHECKING` by the safe fix, values built
/// at import and dispatch entries are rewritten only by the unsafe one, and
/// nothing rewrites a plain call, `__all__` or a `global` rebinding.
pub(crate) fn kept_by_fix(kind: BlockerKind, unsafe_fixes: bool) -> bool {
    match kind {
        BlockerKind::Annotation => false,
        BlockerKind::ModuleLevelCall | BlockerKind::Value => !unsafe_fixes,
        _ => true,
    }
}

/// `file:line` of a project file that does `from module import name`: a
/// reader of the name the getter rewrite would take away, so the fix keeps it.
pub(crate) fn imported_elsewhere(files: &[SourceFile], module: &str, name: &str) -> Option<String> {
    files.iter().filter(|f| f.module != module).find_map(|f| {
        f.parsed.imports.iter().find_map(|rec| {
            let base = lmms_graph::statement_base(Some(&f.module), f.is_package, rec)?;
            let hit = rec.is_from && base == module && rec.names.iter().any(|n| n.attribute.as_deref() == Some(name));
            hit.then(|| format!("{}:{}", f.path, rec.line))
        })
    })
}

/// Why the statement stays on INIT after `lmms fix` with these options, if
/// it does: the first use the fix leaves in place.
pub(crate) fn held_by(
    found: &[Blocker],
    file: &SourceFile,
    files: &[SourceFile],
    bound: &[String],
    unsafe_fixes: bool,
) -> Option<String> {
    for b in found {
        if b.kind == BlockerKind::ModuleLevelCall && unsafe_fixes {
            let call = file.parsed.module_calls.iter().find(|c| c.line == b.line && bound.contains(&c.root))?;
            let reader = call.targets.iter().find_map(|t| imported_elsewhere(files, &file.module, t).map(|at| (t, at)));
            if let Some((t, at)) = reader {
                return Some(format!(
                    "stays on INIT: `{}` (line {}) is imported by {at}, so the getter rewrite cannot replace `{t}`",
                    b.code, b.line
                ));
            }
            continue;
        }
        if !kept_by_fix(b.kind, unsafe_fixes) {
            continue;
        }
        let why = match b.kind {
            BlockerKind::ModuleLevelCall => "builds a value at import; only `--unsafe-fixes` turns it into a cached getter (`lmms plan --unsafe-fixes` plans that)",
            BlockerKind::Value => "stores it in a module-level value; only `--unsafe-fixes` makes that entry lazy (`lmms plan --unsafe-fixes` plans that)",
            _ => "uses it at import in a way no rewrite removes",
        };
        return Some(format!("stays on INIT: `{}` (line {}) {why}", b.code, b.line));
    }
    None
}

pub(crate) fn blockers(
    file: &SourceFile,
    bound: &[String],
    cost_ms: Option<f64>,
    module: &str,
) -> Vec<Blocker> {
    let mut out = Vec::new();
    let cost = cost_ms.map_or_else(|| "unmeasured".to_string(), fmt_ms);
    for call in &file.parsed.module_calls {
        if !bound.contains(&call.root) {
            continue;
        }
        let (line, column) = line_col(&file.source, call.range.start);
        let target = if call.targets.is_empty() {
            String::new()
        } else {
            format!("{} = ", call.targets.join(", "))
        };
        out.push(Blocker {
            kind: BlockerKind::ModuleLevelCall,
            line,
            column,
            code: line_text(&file.source, line),
            cost_ms,
            message: format!(
                "`{target}{}(...)` runs at import: {module} ({cost}) stays on INIT until it is created lazily",
                call.callee
            ),
        });
    }
    let inside_call = |start: u32| {
        file.parsed
            .module_calls
            .iter()
            .any(|c| c.range.start <= start && start < c.range.end && bound.contains(&c.root))
    };
    for r in &file.parsed.refs {
        if !bound.contains(&r.bound) {
            continue;
        }
        let (kind, why) = match &r.context {
            RefContext::ModuleLevel { what } => use_kind(*what),
            RefContext::Annotation { evaluated_at_import: true } => {
                (BlockerKind::Annotation, "an annotation evaluated at definition time (no `from __future__ import annotations`)")
            }
            _ => continue,
        };
        if kind == BlockerKind::Call && inside_call(r.range.start) {
            continue;
        }
        let (line, column) = line_col(&file.source, r.range.start);
        out.push(Blocker {
            kind,
            line,
            column,
            code: line_text(&file.source, line),
            cost_ms,
            message: format!("`{}`: {why}; {module} ({cost}) stays on INIT", r.bound),
        });
    }
    out.sort_by_key(|b| (b.line, b.column));
    // Two references on one line (`{"a": pd.x, "b": pd.y}`) are one blocker.
    out.dedup_by(|b, a| a.line == b.line && a.kind == b.kind);
    out
}

