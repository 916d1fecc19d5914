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

pub(crate) fn line_text(source: &str, line: u32) -> String {
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
            if call.targets.len() != 1 {
                return Some(format!(
                    "stays on INIT: `{}` (line {}) runs at import without binding one name, so no cached getter can replace it",
                    b.code, b.line
                ));
            }
            let reader = call.targets.iter().find_map(|t| imported_elsewhere(files, &file.module, t).map(|at| (t, at)));
            if let Some((t, at)) = reader {
                return Some(format!(
                    "stays on INIT: `{}` (line {}) is imported by {at}, so the getter rewrite cannot replace `{t}`",
                    b.code, b.line
                ));
            }
            continue;
        }
        if b.kind == BlockerKind::Value && unsafe_fixes {
            if dispatch_entries_only(file, bound, b.line) {
                continue;
            }
            return Some(format!(
                "stays on INIT: `{}` (line {}) stores it in a module-level value that is no dispatch-table entry, which no rewrite makes lazy",
                b.code, b.line
            ));
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
    namespace_hold(file, files, bound, unsafe_fixes)
}

/// Whether every module-level value use of `bound` on `line` is an entry of
/// a dispatch table (`{"csv": pd.read_csv, …}`), the one value use
/// `--unsafe-fixes` rewrites: a dotted name between `:`/`,`/`[`/`{` and
/// `,`/`}`/`]`, as `lmms fix` tells it from the source.
fn dispatch_entries_only(file: &SourceFile, bound: &[String], line: u32) -> bool {
    let src = file.source.as_bytes();
    let values = file.parsed.refs.iter().filter(|r| {
        bound.contains(&r.bound)
            && matches!(r.context, RefContext::ModuleLevel { what: ModuleLevelUse::Value })
            && line_col(&file.source, r.range.start).0 == line
    });
    let mut any = false;
    for r in values {
        any = true;
        let mut end = r.range.start as usize;
        while end < src.len() && (src[end].is_ascii_alphanumeric() || src[end] == b'_' || src[end] == b'.') {
            end += 1;
        }
        let prev = file.source[..r.range.start as usize].trim_end().chars().next_back();
        let next = file.source[end..].trim_start().chars().next();
        let dotted = end > r.range.end as usize;
        if !dotted || !matches!(prev, Some(':' | ',' | '[' | '{')) || !matches!(next, Some(',' | '}' | ']')) {
            return false;
        }
    }
    any
}

/// Why `lmms fix` keeps the statement's bindings in its module's namespace,
/// as its reader index does, seen over the files loaded at INIT (the
/// plan's files): a name another of them reads at import (`from m import
/// NAME` or `m.NAME` outside a function; the module stays loaded, so a
/// module `__getattr__` gains nothing), one another file rebinds
/// (`m.NAME = …`), one a `globals()`/`eval`/… makes dynamic, and without
/// `--unsafe-fixes` any name another file or the package's API reads.
pub(crate) fn namespace_hold(
    file: &SourceFile,
    files: &[SourceFile],
    bound: &[String],
    unsafe_fixes: bool,
) -> Option<String> {
    if let Some(d) = file.parsed.dynamic_namespace.first() {
        return Some(format!(
            "stays on INIT: `{}()` at line {} makes the module's names dynamic, so `lmms fix` moves none of its imports",
            d.call, d.line
        ));
    }
    let public = |n: &String| !n.starts_with('_');
    if !unsafe_fixes && file.is_package && bound.iter().any(public) {
        let n = bound.iter().find(|n| public(n)).map_or("", String::as_str);
        return Some(format!(
            "stays on INIT: `{n}` is part of the package's API, which only `--unsafe-fixes` keeps reachable through a module `__getattr__`"
        ));
    }
    let readers = namespace_readers(file, files, bound);
    let first = if unsafe_fixes { readers.iter().find(|r| r.at_import || r.store) } else { readers.first() };
    let r = first?;
    let why = if r.store {
        "rebinds it, which the module's functions would no longer see"
    } else if r.at_import {
        "at import, so the module stays loaded and nothing is gained"
    } else {
        "and only `--unsafe-fixes` keeps it reachable through a module `__getattr__`"
    };
    Some(format!("stays on INIT: `{}` is read by {}:{} (`{}`) {why}", r.name, r.path, r.line, r.what))
}

struct NamespaceReader {
    name: String,
    path: String,
    line: u32,
    what: String,
    at_import: bool,
    store: bool,
}

/// Readers, in other files, of `bound` in `file`'s module namespace: `from
/// m import NAME` and attribute chains on a name bound to `m`.
fn namespace_readers(file: &SourceFile, files: &[SourceFile], bound: &[String]) -> Vec<NamespaceReader> {
    let mut out = Vec::new();
    for g in files.iter().filter(|g| g.module != file.module) {
        let mut roots: Vec<(&str, String)> = Vec::new();
        for rec in &g.parsed.imports {
            let Some(base) = lmms_graph::statement_base(Some(&g.module), g.is_package, rec) else { continue };
            for n in &rec.names {
                if rec.is_from {
                    let attr = n.attribute.as_deref().unwrap_or_default();
                    if base == file.module && bound.iter().any(|b| b == attr) {
                        out.push(NamespaceReader {
                            name: attr.to_string(),
                            path: g.path.clone(),
                            line: rec.line,
                            what: crate::blockers::line_text(&g.source, rec.line),
                            at_import: lmms_graph::runs_at_import(rec),
                            store: false,
                        });
                    }
                    roots.push((n.bound.as_str(), format!("{base}.{attr}")));
                } else if n.bound != n.target && !n.target.starts_with(&format!("{}.", n.bound)) {
                    roots.push((n.bound.as_str(), n.target.clone()));
                } else {
                    roots.push((n.bound.as_str(), n.bound.clone()));
                }
            }
        }
        let prefix = format!("{}.", file.module);
        for a in &g.parsed.namespace.attributes {
            let Some((_, module)) = roots.iter().find(|(b, _)| *b == a.root) else { continue };
            let dotted = format!("{module}.{}", a.attrs.join("."));
            let Some(name) = dotted.strip_prefix(&prefix).and_then(|rest| rest.split('.').next()) else { continue };
            if !bound.iter().any(|b| b == name) {
                continue;
            }
            let text = g.source.lines().nth(a.line.saturating_sub(1) as usize).unwrap_or_default();
            let before = a.line.saturating_sub(1) as usize;
            let start: usize = g.source.split_inclusive('\n').take(before).map(str::len).sum();
            let at = (start + text.len() - text.trim_start().len()) as u32;
            let in_function = g.parsed.functions.iter().any(|f| f.body_insert_at <= at && at < f.range.end);
            let chain = format!("{}.{}", a.root, a.attrs.join("."));
            let after = text.find(&chain).map(|i| text[i + chain.len()..].trim_start()).unwrap_or_default();
            let store = (after.starts_with('=') && !after.starts_with("==")) || text.trim_start().starts_with("del ");
            out.push(NamespaceReader {
                name: name.to_string(),
                path: g.path.clone(),
                line: a.line,
                what: chain,
                at_import: !in_function,
                store,
            });
        }
    }
    out.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    out
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

