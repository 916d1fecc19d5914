//! The unit of a move is the module, not the statement (issue 10, item 3),
//! decided over the whole program: a move that leaves its module loaded at
//! INIT through an import of another file that stays eager saves nothing,
//! adds work (a `__getattr__`, an import per call) and would earn a
//! `# lazy: N ms` comment claiming a saving the rewritten tree does not have.
//!
//! [`gain_nothing`] starts from every planned move applied (so two
//! statements that each keep the other's module loaded both move), computes
//! the modules the rewritten tree loads at INIT, takes back each move whose
//! modules all stay loaded, and repeats until nothing changes: a move taken
//! back keeps its statement eager, which can hold another module.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use lmms_graph::{runs_at_import, ImportGraph};
use lmms_python::{ByteRange, ImportScope};

use crate::lazy::{Move, MoveKind, Request, Skip, SkipReason};

/// The eager import that keeps a module loaded at INIT.
#[derive(Debug, Clone)]
struct Holder {
    file: usize,
    line: u32,
    statement: String,
}

/// What the rewritten tree loads at INIT: each module with the first eager
/// statement (breadth-first from the entry) that loads it, and which files
/// run.
struct Loaded {
    by: HashMap<String, Option<Holder>>,
    reached: Vec<bool>,
}

/// Statements of `moved[f]` no longer run at import. A module's own
/// `def __getattr__` counts as running at import, as in
/// [`crate::namespace::init_files`], so a second fix decides as the first.
fn loaded_at_init(graph: &ImportGraph, entry: usize, moved: &[HashSet<ByteRange>]) -> Loaded {
    let mut by: HashMap<String, Option<Holder>> = HashMap::new();
    let mut reached = vec![false; graph.files.len()];
    if let Some(m) = &graph.files[entry].module {
        for p in lmms_graph::loaded_modules(m) {
            by.insert(p.to_string(), None);
        }
    }
    reached[entry] = true;
    let mut queue = VecDeque::from([entry]);
    while let Some(f) = queue.pop_front() {
        let Some(parsed) = graph.files[f].module_ast() else { continue };
        for (rec, targets) in parsed.imports.iter().zip(graph.import_targets(f)) {
            let served = matches!(&rec.scope, ImportScope::Function { function } if function == "__getattr__");
            if !(runs_at_import(rec) || served) || moved.get(f).is_some_and(|m| m.contains(&rec.range)) {
                continue;
            }
            for (_, t) in targets {
                for name in t.loads() {
                    let holder = Holder { file: f, line: rec.line, statement: crate::lazy::stmt_text_of(rec) };
                    by.entry(name.to_string()).or_insert(Some(holder));
                    if let Some(g) = graph.file_of_module(name).filter(|&g| !reached[g]) {
                        reached[g] = true;
                        queue.push_back(g);
                    }
                }
            }
        }
    }
    Loaded { by, reached }
}

/// The modules a move takes off: the resolved module of each alias it moved.
fn moved_modules(graph: &ImportGraph, file: usize, m: &Move) -> Vec<String> {
    let Some(parsed) = graph.files[file].module_ast() else { return Vec::new() };
    let Some(si) = parsed.imports.iter().position(|r| r.range == m.statement) else { return Vec::new() };
    let rec = &parsed.imports[si];
    graph.import_targets(file)[si]
        .iter()
        .filter(|(ni, _)| ni.is_none_or(|ni| rec.names.get(ni).is_some_and(|n| m.names.contains(&n.bound))))
        .map(|(_, t)| t.module.clone())
        .collect()
}

/// One file's rewrite as [`gain_nothing`] needs it: its moves and the
/// rewritten text (`None` when nothing changes).
pub type Rewritten = (Vec<Move>, Option<String>);

/// The modules the entry loads at INIT with these files (`(path, text)`)
/// rewritten, when that can be run.
pub type Measure<'a> = &'a dyn Fn(&[(PathBuf, String)]) -> Option<HashSet<String>>;

/// Take back every move whose modules stay loaded at INIT in the rewritten
/// tree. `reqs[f]` are the requests of graph file `f` (the files to rewrite
/// come first in the graph); `rewrite(f, reqs)` gives that file's rewrite.
/// What the graph shows is decided first; then, when `measure` can import
/// the entry with the rewritten files in a shadow copy (`(path, text)`), what
/// it still loads: an import moved into a function that a decorator or a
/// class body calls at import, or into a `__getattr__` that something reads
/// at import, loads the module all the same. Returns, per file, the skips of
/// the moves taken back (their requests are removed from `reqs`).
pub fn gain_nothing(
    graph: &ImportGraph,
    entry: usize,
    reqs: &mut [Vec<Request>],
    rewrite: &dyn Fn(usize, &[Request]) -> Rewritten,
    measure: Option<Measure<'_>>,
) -> Vec<Vec<Skip>> {
    let n = reqs.len();
    let mut skips: Vec<Vec<Skip>> = vec![Vec::new(); n];
    let redo = |f: usize, reqs: &[Request]| if reqs.is_empty() { (Vec::new(), None) } else { rewrite(f, reqs) };
    let mut done: Vec<Rewritten> = (0..n).map(|f| redo(f, &reqs[f])).collect();
    // Each round only takes moves back, so this ends within one round per move.
    loop {
        let moved: Vec<HashSet<ByteRange>> = done
            .iter()
            .map(|(ms, _)| ms.iter().filter(|m| m.kind != MoveKind::FastPath).map(|m| m.statement).collect())
            .collect();
        let loaded = loaded_at_init(graph, entry, &moved);
        let mut changed = take_back(graph, &done, reqs, &mut skips, |f, modules| {
            if !loaded.reached[f] || !modules.iter().all(|x| loaded.by.contains_key(x)) {
                return None;
            }
            let module = &modules[0];
            Some(match &loaded.by[module] {
                Some(h) => format!(
                    "`{}` at {}:{} stays eager at INIT and keeps `{module}` loaded, so moving this import saves nothing",
                    h.statement,
                    graph.rel_path(h.file),
                    h.line
                ),
                None => format!("`{module}` is the entry or one of its packages, loaded at INIT anyway"),
            })
        });
        if changed.is_empty() {
            let files: Vec<(PathBuf, String)> =
                done.iter().enumerate().filter_map(|(f, (_, t))| Some((graph.files[f].path.clone(), t.clone()?))).collect();
            let Some(at_init) = measure.filter(|_| !files.is_empty()).and_then(|m| m(&files)) else { return skips };
            changed = take_back(graph, &done, reqs, &mut skips, |f, modules| {
                let runs = graph.files[f].module.as_ref().is_some_and(|m| at_init.contains(m));
                (runs && modules.iter().all(|x| at_init.contains(x))).then(|| {
                    format!(
                        "importing the entry with the rewrite still loads `{}` at INIT (something that runs at import calls the function the import would move into, or reads the name), so moving it saves nothing",
                        modules[0]
                    )
                })
            });
            if changed.is_empty() {
                return skips;
            }
        }
        for f in changed {
            done[f] = redo(f, &reqs[f]);
        }
    }
}

/// Take back each move `why(file, its modules)` has a reason for; returns
/// the files whose requests changed.
fn take_back(
    graph: &ImportGraph,
    done: &[Rewritten],
    reqs: &mut [Vec<Request>],
    skips: &mut [Vec<Skip>],
    why: impl Fn(usize, &[String]) -> Option<String>,
) -> Vec<usize> {
    let mut changed = Vec::new();
    for (f, (moves, _)) in done.iter().enumerate() {
        for m in moves.iter().filter(|m| matches!(m.kind, MoveKind::Function | MoveKind::LazyKeyword | MoveKind::LazyModules)) {
            let modules = moved_modules(graph, f, m);
            let Some(detail) = Some(&modules).filter(|ms| !ms.is_empty()).and_then(|ms| why(f, ms)) else { continue };
            skips[f].push(Skip { module: m.module.clone(), line: m.line, names: m.names.clone(), reason: SkipReason::ModuleStaysLoaded, detail });
            reqs[f].retain(|r| r.id.statement != m.statement);
            if !changed.contains(&f) {
                changed.push(f);
            }
        }
    }
    changed
}
