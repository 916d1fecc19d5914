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
//! Only modules the profile saw can leave INIT; what the interpreter loaded
//! before the entry (no row in the profile) costs nothing either way.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use lmms_graph::InstalledGraph;
use lmms_profile::doc::ProfileDoc;

use crate::marginal::prefixes;
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
        if code.project.contains(m.as_str()) {
            let own = rows_of.get(m.as_str()).map(Vec::as_slice).unwrap_or_default();
            queue.extend(own.iter().filter(|&&i| runs_after_fix(&rows[i])).map(|&i| Item::Row(i)));
            queue.extend(
                code.loaded_by_name.iter().filter(|(imp, _)| *imp == m).map(|(_, md)| Item::Module(md.clone())),
            );
            if !code.calls_moved.contains(&m) {
                let named = |c: &str| {
                    own.iter().any(|&i| {
                        rows[i].keys.iter().any(|k| c == k || (c.starts_with(k.as_str()) && c.as_bytes().get(k.len()) == Some(&b'.')))
                    })
                };
                queue.extend(kids.iter().filter(|c| !named(c)).map(|c| Item::Module(c.to_string())));
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
