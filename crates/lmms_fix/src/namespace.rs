//! A module's namespace is its API: before a request moves a module-level
//! binding (an import into functions or under `TYPE_CHECKING`, or, with
//! `--unsafe-fixes`, a value built from it into a cached getter), ask the
//! whole-program [`ReaderIndex`] who else reads that name. A read binding is
//! kept, and the skip names its first reader, `file:line`.

use lmms_graph::{ImportGraph, Reader, ReaderIndex};
use lmms_python::{BindingKind, ImportScope};

use crate::lazy::{Skip, SkipReason};
use crate::select::Request;

/// Drop from `reqs` every request whose binding another module reads;
/// return one skip per dropped request.
pub fn keep_read_bindings(
    index: &ReaderIndex,
    graph: &ImportGraph,
    file: usize,
    reqs: &mut Vec<Request>,
    allow_unsafe: bool,
) -> Vec<Skip> {
    let Some(parsed) = graph.files[file].module_ast() else { return Vec::new() };
    let module = graph.files[file].module.clone();
    let mut skips = Vec::new();
    reqs.retain(|req| {
        let Some(ni) = req.id.alias else { return true };
        let Some(rec) = parsed.imports.iter().find(|r| r.range == req.id.statement) else { return true };
        if matches!(rec.scope, ImportScope::Function { .. } | ImportScope::Class { .. } | ImportScope::TypeChecking) {
            return true;
        }
        let Some(name) = rec.names.get(ni as usize) else { return true };
        let mut readers: Vec<Reader> = Vec::new();
        if let Some(m) = &module {
            readers.extend(index.readers_of(file, m, &name.bound));
            if allow_unsafe {
                // The getter rewrite removes the values built from the import.
                for call in parsed.module_calls.iter().filter(|c| c.root == name.bound) {
                    for t in &call.targets {
                        readers.extend(index.readers_of(file, m, t));
                    }
                }
            }
        }
        if name.kind == BindingKind::SubmoduleImport {
            // `import a.b.c` sets `a.b` and `a.b.c` as attributes others may rely on.
            let target = &name.target;
            for (i, _) in target.match_indices('.') {
                readers.extend(index.submodule_readers(file, &target[..i]));
            }
            readers.extend(index.submodule_readers(file, target));
        }
        if readers.is_empty() {
            return true;
        }
        let more = if readers.len() > 1 { format!(" and {} more", readers.len() - 1) } else { String::new() };
        let shown = if rec.is_from { format!("{}{}", ".".repeat(rec.level as usize), rec.module) } else { name.target.clone() };
        skips.push(Skip {
            module: shown,
            line: rec.line,
            names: vec![name.bound.clone()],
            reason: SkipReason::NamespaceReader,
            detail: format!("`{}` is read by {}{more}", name.bound, readers[0]),
        });
        false
    });
    skips
}
