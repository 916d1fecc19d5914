//! A module's namespace is its API: before a request moves a module-level
//! binding (an import into functions or under `TYPE_CHECKING`, or, with
//! `--unsafe-fixes`, a value built from it into a cached getter), ask the
//! whole-program [`ReaderIndex`] who else reads that name.
//!
//! In the order: with `--unsafe-fixes` (and the classic target), a
//! name whose readers all read it after the module is imported (a
//! `from M import NAME` or `M.NAME` in a function, a module that is not
//! loaded at INIT, `from M import *` of a name in `__all__`, code generated
//! at run time, the package API) stays reachable through a PEP 562 module
//! `__getattr__` (see `lazy::module_getattr` for why that is unsafe).
//! Otherwise the binding is kept, and the skip names its first reader,
//! `file:line`, and what keeps the `__getattr__` from serving it: a reader
//! eager at INIT (the module is loaded anyway: no gain), a patch or a store
//! (`mock.patch("M.NAME")`, `monkeypatch.setattr(M, "NAME")`, `M.NAME = …`:
//! the patched global must still reach M's functions, which would import
//! their own copy), a star import of a module without `__all__`, a
//! submodule attribute, or M's own `__getattr__` when it is not one plain
//! `def` (a plain one is merged with: the generated lookup runs first).

use std::collections::HashSet;

use lmms_graph::{runs_at_import, ImportGraph, Reader, ReaderIndex, ReaderKind};
use lmms_python::{BindingKind, ImportScope, ModuleGetattr};

use crate::lazy::{Options, Skip, SkipReason, Target};
use crate::select::Request;

/// What [`keep_read_bindings`] decided for one file.
#[derive(Debug, Default)]
pub struct Kept {
    /// One per dropped request.
    pub skips: Vec<Skip>,
    /// Names other modules read that the rewrite keeps reachable through a
    /// module `__getattr__` (for [`crate::lazy::rewrite_keeping`]).
    pub reachable: HashSet<String>,
}

/// Drop from `reqs` every request whose binding another module reads and
/// the module `__getattr__` cannot serve. `init[f]`: file `f` is loaded at
/// INIT (the entry's import-time closure; without an entry, every module
/// but tests).
pub fn keep_read_bindings(
    index: &ReaderIndex,
    graph: &ImportGraph,
    file: usize,
    reqs: &mut Vec<Request>,
    opts: &Options,
    init: &[bool],
) -> Kept {
    let mut kept = Kept::default();
    let Some(parsed) = graph.files[file].module_ast() else { return kept };
    let module = graph.files[file].module.clone();
    // A plain `def __getattr__` is merged with (`lazy::module_getattr`);
    // any other binding of the name cannot be proved safe to merge with.
    let unmergeable = match &parsed.module_getattr {
        ModuleGetattr::Other { why, .. } => Some(why.clone()),
        ModuleGetattr::Absent | ModuleGetattr::Def { .. } => None,
    };
    let own_getattr = unmergeable.is_some();
    let lazy_ok = opts.allow_unsafe && opts.target == Target::Classic;
    let mut reachable: HashSet<String> = HashSet::new();
    reqs.retain(|req| {
        let Some(ni) = req.id.alias else { return true };
        let Some(rec) = parsed.imports.iter().find(|r| r.range == req.id.statement) else { return true };
        if matches!(rec.scope, ImportScope::Function { .. } | ImportScope::Class { .. } | ImportScope::TypeChecking) {
            return true;
        }
        let Some(name) = rec.names.get(ni as usize) else { return true };
        // (name read elsewhere, its readers)
        let mut read: Vec<(String, Vec<Reader>)> = Vec::new();
        let mut blocked: Vec<(Reader, String)> = Vec::new();
        if let Some(m) = &module {
            read.push((name.bound.clone(), index.readers_of(file, m, &name.bound)));
            if opts.allow_unsafe {
                // The getter rewrite removes the values built from the import.
                for call in parsed.module_calls.iter().filter(|c| c.root == name.bound) {
                    for t in &call.targets {
                        read.push((t.clone(), index.readers_of(file, m, t)));
                    }
                }
            }
        }
        read.retain(|(_, rs)| !rs.is_empty());
        if name.kind == BindingKind::SubmoduleImport {
            // `import a.b.c` sets `a.b` and `a.b.c` as attributes others may rely on.
            let target = &name.target;
            let mut subs = Vec::new();
            for (i, _) in target.match_indices('.') {
                subs.extend(index.submodule_readers(file, &target[..i]));
            }
            subs.extend(index.submodule_readers(file, target));
            for r in subs {
                blocked.push((r, "it reaches the submodule through its package, which only this import sets".into()));
            }
        }
        if read.is_empty() && blocked.is_empty() {
            return true;
        }
        let module_name = module.as_deref().unwrap_or_default();
        for (n, rs) in &read {
            for r in rs {
                if let Some(why) = blocker(graph, index, module_name, n, r, init) {
                    blocked.push((r.clone(), why));
                }
            }
        }
        let shown = if rec.is_from { format!("{}{}", ".".repeat(rec.level as usize), rec.module) } else { name.target.clone() };
        let all: Vec<&Reader> = read.iter().flat_map(|(_, rs)| rs).collect();
        let what = read.first().map_or(name.bound.as_str(), |(n, _)| n.as_str());
        // The merged lookup binds each moved name inside the user's function:
        // one named like its parameter would overwrite the name asked for.
        let clash = match &parsed.module_getattr {
            ModuleGetattr::Def { param, .. } => read.iter().any(|(n, _)| n == param) || name.bound == *param,
            _ => false,
        };
        let why_not = unmergeable.clone().or_else(|| clash.then(|| "a `def` whose parameter has the moved name's name".to_string()));
        let own_getattr = own_getattr || clash;
        if lazy_ok && blocked.is_empty() && !own_getattr {
            reachable.extend(read.iter().map(|(n, _)| n.clone()));
            return true;
        }
        let detail = match (lazy_ok, blocked.first(), all.first()) {
            (true, Some((r, why)), _) => format!("`{what}` is read by {r}: {why}"),
            (true, None, Some(r)) => format!(
                "`{what}` is read by {r}; the module's own `__getattr__` is {}, so a lazy attribute cannot be merged into it safely",
                why_not.as_deref().unwrap_or_default()
            ),
            (_, b, a) => {
                let first = a.map_or_else(|| b.map(|(r, _)| r.to_string()).unwrap_or_default(), |r| r.to_string());
                let more = if all.len() > 1 { format!(" and {} more", all.len() - 1) } else { String::new() };
                let servable = blocked.is_empty() && !own_getattr && opts.target == Target::Classic;
                let hint = if servable { " (`--unsafe-fixes` keeps it reachable through a module `__getattr__`)" } else { "" };
                format!("`{what}` is read by {first}{more}{hint}")
            }
        };
        kept.skips.push(Skip {
            module: shown,
            line: rec.line,
            names: vec![name.bound.clone()],
            reason: SkipReason::NamespaceReader,
            detail,
        });
        false
    });
    kept.reachable = reachable;
    kept
}

/// Why the module `__getattr__` cannot serve reader `r` of `module.name`.
fn blocker(graph: &ImportGraph, index: &ReaderIndex, module: &str, name: &str, r: &Reader, init: &[bool]) -> Option<String> {
    if r.kind == ReaderKind::EntryPoint {
        return None;
    }
    let eager = "it runs at import time of a module loaded at INIT, so the module stays loaded and nothing is gained";
    let parsed = graph.files.get(r.file)?.module_ast();
    let text = graph.files.get(r.file).and_then(|f| f.text()).unwrap_or_default();
    let start: usize = text.split_inclusive('\n').take(r.line.saturating_sub(1) as usize).map(str::len).sum();
    let line = text[start.min(text.len())..].lines().next().unwrap_or_default();
    // In a function's body (its signature runs when the `def` does).
    let at = (start + line.len() - line.trim_start().len()) as u32;
    let in_function = || parsed.is_some_and(|p| p.functions.iter().any(|f| f.body_insert_at <= at && at < f.range.end));
    let loaded_at_init = init.get(r.file).copied().unwrap_or(true);
    match r.kind {
        ReaderKind::PatchTarget => Some("a patch of the module attribute would not reach the module's functions, which import their own binding".into()),
        ReaderKind::NamedAttribute => {
            let reads = (line.contains("getattr(") || line.contains("hasattr(")) && !line.contains("setattr(") && !line.contains("patch");
            if reads {
                (loaded_at_init && !in_function()).then(|| eager.to_string())
            } else {
                Some("it sets or patches the module attribute, which the module's functions would no longer see".into())
            }
        }
        ReaderKind::Attribute => {
            let after = line.find(&r.what).map(|i| line[i + r.what.len()..].trim_start()).unwrap_or_default();
            let store = (after.starts_with('=') && !after.starts_with("==")) || line.trim_start().starts_with("del ");
            if store {
                Some("it rebinds the module attribute, which the module's functions would no longer see".into())
            } else {
                (loaded_at_init && !in_function()).then(|| eager.to_string())
            }
        }
        ReaderKind::FromImport | ReaderKind::StarImport => {
            if r.kind == ReaderKind::StarImport && !index.dunder_all(module).is_some_and(|a| a.contains(name)) {
                return Some(format!("`from {module} import *` only asks `__getattr__` for names in `__all__`, and {module}'s `__all__` does not list it"));
            }
            let at_import = parsed
                .and_then(|p| p.imports.iter().find(|i| i.line == r.line))
                .is_none_or(runs_at_import);
            (loaded_at_init && at_import).then(|| eager.to_string())
        }
        ReaderKind::SubmoduleAttribute => Some("it reaches the submodule through its package".into()),
        // `importlib.metadata` loads an entry point with `getattr` after the import.
        ReaderKind::GeneratedImport | ReaderKind::DunderAll | ReaderKind::PackageApi | ReaderKind::EntryPoint => None,
    }
}

/// Which files load at INIT: the import-time closure of the entry's file,
/// or, with no entry, every module except tests (`test_*.py`, `*_test.py`,
/// `conftest.py`, anything under a `tests`/`test` folder).
///
/// A module's own `__getattr__` (PEP 562, often the one an earlier `lmms fix`
/// wrote) counts as running at import: a name it serves is a public API
/// that is read as soon as anything touches it, usually at INIT. Without
/// that, the files it imports would leave the INIT set on the next run and
/// unlock moves the first run refused, so a second fix would not be a no-op.
pub fn init_files(graph: &ImportGraph, entry_module: Option<&str>) -> Vec<bool> {
    if let Some(f) = entry_module.and_then(|m| graph.file_of_module(m)) {
        let mut init = graph.reachable(&[f]);
        loop {
            let served: Vec<usize> = (0..graph.files.len())
                .filter(|&i| init[i])
                .flat_map(|i| getattr_imports(graph, i))
                .filter(|&d| !init[d])
                .collect();
            if served.is_empty() {
                return init;
            }
            for (d, loaded) in graph.reachable(&served).into_iter().enumerate() {
                init[d] |= loaded;
            }
        }
    }
    (0..graph.files.len())
        .map(|f| {
            let rel = graph.rel_path(f);
            let file = rel.rsplit('/').next().unwrap_or(&rel);
            let test = rel.split('/').any(|p| p == "tests" || p == "test")
                || file.starts_with("test_")
                || file.ends_with("_test.py")
                || file == "conftest.py";
            graph.files[f].module.is_some() && !test
        })
        .collect()
}

/// The project files a module-level `def __getattr__` of `file` imports.
fn getattr_imports(graph: &ImportGraph, file: usize) -> Vec<usize> {
    let Some(m) = graph.files[file].module_ast() else { return Vec::new() };
    let mut out = Vec::new();
    for (rec, targets) in m.imports.iter().zip(graph.import_targets(file)) {
        if !matches!(&rec.scope, ImportScope::Function { function } if function == "__getattr__") {
            continue;
        }
        for (_, t) in targets {
            out.extend(t.loads().filter_map(|name| graph.file_of_module(name)).filter(|&i| i != file));
        }
    }
    out
}
