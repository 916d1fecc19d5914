//! Which profiled modules still load at INIT once `lmms fix` has made the
//! plan's moves: the import-time closure, to a fixed point, of what the
//! interpreter and the entry load, over the graph of the code after the fix.
//!
//! - A project module loads what its statements that stay at module level
//!   import (or that stay pinned there by a class base or decorator), what
//!   it loads by name (`importlib.import_module`), and what its module-level
//!   code loads outside any statement (its profile children that no
//!   statement of the file names), unless the fix turns those calls into
//!   getters.
//! - `from pkg import Name` at import reads `Name` from `pkg`'s namespace:
//!   the statement binding `Name` there runs too, wherever the fix put it (a
//!   PEP 562 `__getattr__` serves it on that first access).
//! - A library loads what its own module-level statements import (its file,
//!   read once by the loader) and its children in the profile tree, which
//!   also covers what it loads by calls at import. The tree alone charges a
//!   shared dependency to its first importer only: `typing`, first loaded by
//!   a module the plan defers, stays when an eager library imports it too.
//!
//! - What the entry's import executed (the profile's `importers`, recorded
//!   in an untimed run) holds a module too: an import a library ran while it
//!   was being imported (jsonpickle's `__import__('yaml')` in a function its
//!   module body calls; pydantic's `import_module` of `pydantic.main`, which
//!   has no timed row), which neither its file's statements nor the
//!   first-importer tree show, holds it while that library stays loaded; an
//!   import a project module's import ran holds it while the statement of
//!   that module that was running stays (a row: by statement identity), or,
//!   run by a module-level call, unless the fix turns the call into a
//!   getter. And a statement the fix moves into
//!   a function that ran at INIT (`functions_at_init`) still runs there.
//!
//! Only modules the profile saw can leave INIT; what the interpreter loaded
//! before the entry (no row in the profile) costs nothing either way.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use lmms_graph::InstalledGraph;
use lmms_profile::doc::ProfileDoc;

use crate::marginal::prefixes;
use lmms_profile::doc::Importer;

use crate::plan::{Placement, PlannedImport, SourceFile};
use crate::policy::Strategy;

/// What the closure reads besides the rows.
pub(crate) struct Code<'a> {
    pub profile: &'a ProfileDoc,
    pub file_of: &'a BTreeMap<&'a str, &'a SourceFile>,
    pub project: &'a BTreeSet<&'a str>,
    /// Import-time edges of the profiled libraries (from their files).
    pub libraries: Option<&'a InstalledGraph>,
    /// Project modules whose module-level calls on deferred libraries the
    /// fix turns into getters: what those calls loaded leaves with them.
    pub calls_moved: &'a BTreeSet<String>,
    /// `(importer, module)`: project modules loaded by name at INIT.
    pub loaded_by_name: &'a [(String, String)],
}

/// Whether `lmms fix` leaves the statement running when its module loads.
pub(crate) fn runs_after_fix(r: &PlannedImport) -> bool {
    r.current == Placement::ModuleLevel && (r.pinned || r.strategy == Strategy::ModuleLevel)
}

enum Item {
    Module(String),
    Row(usize),
}

/// The modules loaded at INIT after the fix (profiled or not).
pub(crate) fn loaded_after_fix(rows: &[PlannedImport], code: &Code<'_>) -> BTreeSet<String> {
    loaded_after_fix_except(rows, code, &|_| false)
}

/// [`loaded_after_fix`] with the rows `moved` says moved as well: what
/// stays loaded if those statements leave INIT (the solver's per-row
/// marginal cost).
pub(crate) fn loaded_after_fix_except(
    rows: &[PlannedImport],
    code: &Code<'_>,
    moved: &dyn Fn(usize) -> bool,
) -> BTreeSet<String> {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &code.profile.modules {
        if let Some(p) = &m.imported_by {
            children.entry(p.as_str()).or_default().push(m.name.as_str());
        }
    }
    let mut rows_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut binders: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        rows_of.entry(r.file_module.as_str()).or_default().push(i);
        if r.current == Placement::ModuleLevel {
            for b in &r.bound {
                binders.entry((r.file_module.as_str(), b.as_str())).or_default().push(i);
            }
        }
    }
    let demands: Vec<Vec<usize>> = rows.iter().map(|r| demanded(r, code, &binders, &rows_of, rows)).collect();
    let ran = ran_at_init(code.profile);
    let runs: Vec<bool> = rows.iter().map(|r| runs_after_fix(r) || moved_into_ran(r, code, &ran)).collect();
    let mut executed: HashMap<&str, Vec<(&str, &Importer)>> = HashMap::new();
    let timed = code.profile.modules.iter().map(|m| (m.name.as_str(), &m.importers));
    let untimed = code.profile.untimed_modules.iter().map(|m| (m.name.as_str(), &m.importers));
    for (name, importers) in timed.chain(untimed) {
        for i in importers {
            executed.entry(i.during.as_str()).or_default().push((name, i));
        }
    }
    let file_of_module: HashMap<&str, &SourceFile> = code.file_of.values().map(|f| (f.module.as_str(), *f)).collect();
    let row_at: HashMap<&str, usize> = rows.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();

    // The module-level call at `line` of `m` reads a name of a library row
    // that moves here (the solver asking what a row saves) and that nothing
    // pins, so the fix makes it a getter and what it loaded
    // (`boto3.client(...)` loading botocore's services) leaves with it.
    let call_moves = |m: &str, line: u32| {
        let Some(f) = file_of_module.get(m) else { return false };
        let lines = lmms_python::LineIndex::new(&f.source);
        let Some(start) = lines.start_of_line(line) else { return false };
        let end = lines.start_of_line(line + 1).unwrap_or(f.source.len() as u32);
        rows_of.get(m).into_iter().flatten().any(|&j| {
            let r = &rows[j];
            moved(j)
                && !r.pinned
                && r.origin == Some(lmms_schema::profile::Origin::ThirdParty)
                && f.parsed.refs.iter().any(|x| r.bound.contains(&x.bound) && (start..end).contains(&x.range.start))
        })
    };
    let mut loaded: BTreeSet<String> = BTreeSet::new();
    let mut row_done = vec![false; rows.len()];
    let mut queue: VecDeque<Item> = code
        .profile
        .modules
        .iter()
        .filter(|m| m.imported_by.is_none())
        .map(|m| Item::Module(m.name.clone()))
        .collect();
    queue.push_back(Item::Module(code.profile.entry_module().to_string()));
    while let Some(item) = queue.pop_front() {
        let m = match item {
            Item::Row(i) => {
                if !moved(i) && !std::mem::replace(&mut row_done[i], true) {
                    queue.extend(rows[i].keys.iter().map(|k| Item::Module(k.clone())));
                    queue.extend(demands[i].iter().map(|&j| Item::Row(j)));
                }
                continue;
            }
            Item::Module(m) => m,
        };
        if !loaded.insert(m.clone()) {
            continue;
        }
        // Importing `a.b` runs `a` first.
        queue.extend(prefixes(&m).into_iter().filter(|p| *p != m).map(Item::Module));
        let kids = children.get(m.as_str()).map(Vec::as_slice).unwrap_or_default();
        let project = code.project.contains(m.as_str());
        // What a module-level call that moves loaded: not held by the tree's edges either.
        let mut released: Vec<&str> = Vec::new();
        for (target, i) in executed.get(m.as_str()).map(Vec::as_slice).unwrap_or_default() {
            // A project module's import ran it: at one of its statements,
            // which holds it as long as the statement runs; else at a call
            // of its module-level code, unless the fix makes that a getter.
            let row = || file_of_module.get(m.as_str()).and_then(|f| statement_at(f, i.during_line));
            let held = !project
                || match row().and_then(|id| row_at.get(id.as_str()).copied()) {
                    Some(r) => runs[r] && !moved(r),
                    None => i.function.is_none() || !(code.calls_moved.contains(&m) || call_moves(m.as_str(), i.during_line)),
                };
            if held {
                queue.push_back(Item::Module(target.to_string()));
            } else if project && row().is_none() {
                released.push(target);
            }
        }
        if project {
            let own = rows_of.get(m.as_str()).map(Vec::as_slice).unwrap_or_default();
            queue.extend(own.iter().filter(|&&i| runs[i]).map(|&i| Item::Row(i)));
            queue.extend(
                code.loaded_by_name.iter().filter(|(imp, _)| *imp == m).map(|(_, md)| Item::Module(md.clone())),
            );
            if !code.calls_moved.contains(&m) {
                let named = |c: &str| {
                    own.iter().any(|&i| {
                        rows[i].keys.iter().any(|k| c == k || (c.starts_with(k.as_str()) && c.as_bytes().get(k.len()) == Some(&b'.')))
                    })
                };
                queue.extend(kids.iter().filter(|c| !named(c) && !released.contains(c)).map(|c| Item::Module(c.to_string())));
            }
        } else {
            if let Some(deps) = code.libraries.and_then(|g| g.deps(&m)) {
                queue.extend(deps.iter().map(|d| Item::Module(d.clone())));
            }
            queue.extend(kids.iter().map(|c| Item::Module(c.to_string())));
        }
    }
    loaded
}

/// What eager libraries import while they are being imported, by the
/// profile's executed edges, which their chains do not show (jsonpickle's
/// backend loads yaml by name): `(module, the module on the importing
/// library's chain that `eager` holds)`.
pub(crate) fn held_by_libraries<'p>(
    profile: &'p ProfileDoc,
    project: &BTreeSet<&str>,
    eager: &dyn Fn(&str) -> bool,
) -> Vec<(&'p str, &'p str)> {
    let mut held = Vec::new();
    for m in &profile.modules {
        let via = m.importers.iter().filter(|i| !project.contains(i.during.as_str())).find_map(|i| {
            profile.module(&i.during)?.chain.iter().map(String::as_str).find(|n| !project.contains(n) && eager(n))
        });
        if let Some(via) = via {
            held.push((m.name.as_str(), via));
        }
    }
    held
}

/// The id (`path:start-end`) of the module-level import statement of `f`
/// that spans `line`, as rows carry it.
pub(crate) fn statement_at(f: &SourceFile, line: u32) -> Option<String> {
    f.parsed.imports.iter().filter(|rec| rec.scope == lmms_python::ImportScope::Module).find_map(|rec| {
        let text = f.source.get(rec.range.start as usize..rec.range.end as usize)?;
        let last = rec.line + text.matches('\n').count() as u32;
        (rec.line..=last).contains(&line).then(|| rec.id(&f.path).to_string())
    })
}

/// `(module, function)` of every project function that ran at INIT, the
/// function named as `lmms_python` names it (`outer.inner`, without
/// Python's `<locals>`).
pub(crate) fn ran_at_init(profile: &ProfileDoc) -> BTreeSet<(String, String)> {
    profile.functions_at_init.iter().map(|f| (f.module.clone(), f.function.replace(".<locals>", ""))).collect()
}

/// Whether the fix moves `r` into a function that ran at INIT, where it
/// runs all the same.
fn moved_into_ran(r: &PlannedImport, code: &Code<'_>, ran: &BTreeSet<(String, String)>) -> bool {
    ran_function_reading(r, code, ran).is_some()
}

/// The function of `r`'s file that reads one of its names and ran at INIT
/// (the profile's `functions_at_init`): the fix would move the import there,
/// so it keeps running at INIT. Before Python 3.11 the profile has bare
/// function names; a method then matches by its last part.
pub(crate) fn ran_function_reading<'c>(
    r: &PlannedImport,
    code: &Code<'c>,
    ran: &BTreeSet<(String, String)>,
) -> Option<&'c str> {
    if r.current != Placement::ModuleLevel || ran.is_empty() {
        return None;
    }
    let f = *code.file_of.get(r.path.as_str())?;
    let bare = bare_function_names(&code.profile.python.version);
    let ran_here = |q: &str| {
        let q = if bare { q.rsplit('.').next().unwrap_or(q) } else { q };
        ran.contains(&(f.module.clone(), q.to_string()))
    };
    f.parsed
        .functions
        .iter()
        .filter(|d| ran_here(&d.qualname))
        .find(|d| {
            f.parsed.refs.iter().any(|x| {
                r.bound.contains(&x.bound) && d.range.start <= x.range.start && x.range.end <= d.range.end
            })
        })
        .map(|d| d.qualname.as_str())
}

/// Python before 3.11 has no `co_qualname`: the profile names functions by
/// their bare name.
fn bare_function_names(version: &str) -> bool {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) < (3, 11)
}

/// The statements of another project module whose bindings row `r` reads
/// from that module's namespace when it runs: `from pkg import Name` needs
/// the statement binding `Name` in `pkg`; `from pkg import *` every public
/// one.
fn demanded(
    r: &PlannedImport,
    code: &Code<'_>,
    binders: &HashMap<(&str, &str), Vec<usize>>,
    rows_of: &HashMap<&str, Vec<usize>>,
    rows: &[PlannedImport],
) -> Vec<usize> {
    if !code.project.contains(r.module.as_str()) {
        return Vec::new();
    }
    let Some(f) = code.file_of.get(r.path.as_str()) else { return Vec::new() };
    let Some(rec) = f.parsed.imports.iter().find(|rec| rec.is_from && rec.id(&f.path).to_string() == r.id) else {
        return Vec::new();
    };
    if lmms_graph::statement_base(Some(&f.module), f.is_package, rec).as_deref() != Some(r.module.as_str()) {
        return Vec::new();
    }
    if rec.is_star {
        return rows_of
            .get(r.module.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&j| rows[j].current == Placement::ModuleLevel && rows[j].bound.iter().any(|b| !b.starts_with('_')))
            .collect();
    }
    rec.names
        .iter()
        .filter_map(|n| n.attribute.as_deref())
        .flat_map(|a| binders.get(&(r.module.as_str(), a)).into_iter().flatten().copied())
        .collect()
}
