//! The plan's rows: one per module a project import statement loads, in
//! file order, before any decision (`import a, b.c` gives two rows; `from
//! pkg import sub` names the submodule when it is a module).

use std::collections::{BTreeMap, BTreeSet};

use lmms_profile::doc::{Origin, ProfileDoc};
use lmms_python::{ImportRecord, ImportScope};

use crate::blockers::{blockers, held_by};
use crate::marginal::prefixes;
use crate::plan::{Placement, PlannedImport, SourceFile, ValueRead};
use crate::policy::Strategy;
use crate::usage::UsageDoc;

fn placement(scope: &ImportScope) -> Option<Placement> {
    match scope {
        ImportScope::TypeChecking => None,
        ImportScope::Function { .. } => Some(Placement::FunctionLevel),
        _ => Some(Placement::ModuleLevel),
    }
}

struct RawRow {
    id: String,
    module: String,
    bound: Vec<String>,
    keys: Vec<String>,
    line: u32,
    current: Placement,
}

fn rows_of(file: &SourceFile, rec: &ImportRecord, known: &dyn Fn(&str) -> bool) -> Vec<RawRow> {
    let Some(current) = placement(&rec.scope) else {
        return Vec::new();
    };
    let Some(base) = lmms_graph::statement_base(Some(&file.module), file.is_package, rec) else {
        return Vec::new();
    };
    if base == "__future__" {
        return Vec::new();
    }
    let mut rows: Vec<RawRow> = Vec::new();
    let mut push = |module: String, bound: Option<&str>| {
        if let Some(r) = rows.iter_mut().find(|r| r.module == module) {
            r.bound.extend(bound.map(str::to_string));
        } else {
            rows.push(RawRow {
                id: rec.id(&file.path).to_string(),
                // The importing file's own packages are loaded before it
                // runs: `from .errors import X` in `llm/__init__.py` costs
                // `llm.errors`, not the whole of `llm`.
                keys: prefixes(&module)
                    .into_iter()
                    .filter(|k| file.module != *k && !file.module.starts_with(&format!("{k}.")))
                    .collect(),
                module,
                bound: bound.map(str::to_string).into_iter().collect(),
                line: rec.line,
                current,
            });
        }
    };
    // The graph's resolution, shared with every other stage.
    if rec.is_star || rec.names.is_empty() {
        push(base, None);
    } else {
        for n in &rec.names {
            push(lmms_graph::alias_module(&base, n, known), Some(&n.bound));
        }
    }
    rows
}

/// Every row of the files the profile saw loaded during INIT (and the
/// entry), sorted by path; the second value counts the files left out.
pub(crate) fn project_rows(profile: &ProfileDoc, files: &[SourceFile]) -> (Vec<PlannedImport>, usize) {
    let entry_module = profile.entry_module();
    let project_modules: BTreeSet<&str> = files.iter().map(|f| f.module.as_str()).collect();
    let known = |m: &str| profile.module(m).is_some() || project_modules.contains(m);
    let mut rows: Vec<PlannedImport> = Vec::new();
    let mut skipped_files = 0;
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        if file.module != entry_module && profile.module(&file.module).is_none() {
            skipped_files += 1;
            continue;
        }
        for rec in &file.parsed.imports {
            for raw in rows_of(file, rec, &known) {
                // A module whose file we parsed is project code, whatever
                // the profile guessed from its path.
                let origin = if project_modules.contains(raw.module.as_str()) {
                    Some(Origin::Project)
                } else {
                    profile.module(&raw.module).map(|m| m.origin)
                };
                rows.push(row(file, raw, origin));
            }
        }
    }
    (rows, skipped_files)
}

fn row(file: &SourceFile, raw: RawRow, origin: Option<Origin>) -> PlannedImport {
    PlannedImport {
        id: raw.id,
        written: Vec::new(),
        path: file.path.clone(),
        line: raw.line,
        module: raw.module,
        import_ms: None,
        usage: None,
        tier: None,
        strategy: match raw.current {
            Placement::ModuleLevel => Strategy::ModuleLevel,
            Placement::FunctionLevel => Strategy::FunctionLevel,
        },
        reason: String::new(),
        blocked_by: Vec::new(),
        current: raw.current,
        origin,
        loaded_by: None,
        models: None,
        disagreement: None,
        pinned: false,
        value: None,
        held: None,
        bound: raw.bound,
        keys: raw.keys,
        file_module: file.module.clone(),
    }
}

/// `(importer, module)` for each project module that project code loaded
/// by name at INIT (`importlib.import_module`, `__import__`): no import
/// statement reaches its file, yet it runs whenever its importer does, so
/// its statements are planned and its eager ones stay in the hot set.
pub(crate) fn loaded_by_name(profile: &ProfileDoc, project: &BTreeSet<&str>) -> Vec<(String, String)> {
    profile
        .modules
        .iter()
        .filter(|m| m.dynamic.is_some() && project.contains(m.name.as_str()))
        .filter_map(|m| Some((m.imported_by.clone()?, m.name.clone())))
        .collect()
}

/// Each row's usage (its own name's figure, or the most-read value built
/// from it when that is higher), and whether a use that the fix with these
/// options leaves in place keeps it on INIT.
pub(crate) fn annotate(
    rows: &mut [PlannedImport],
    usage: Option<&UsageDoc>,
    file_of: &BTreeMap<&str, &SourceFile>,
    files: &[SourceFile],
    unsafe_fixes: bool,
) {
    for r in rows.iter_mut() {
        r.usage = usage.and_then(|u| u.lookup(&r.path, r.line, &r.module));
        if r.current != Placement::ModuleLevel {
            continue;
        }
        let Some(f) = file_of.get(r.path.as_str()) else { continue };
        if let Some(u) = usage {
            r.value = f
                .parsed
                .module_calls
                .iter()
                .filter(|c| r.bound.contains(&c.root))
                .flat_map(|c| c.targets.iter().map(move |t| (t, c.line)))
                .filter_map(|(t, line)| u.value_usage(&r.path, t).map(|usage| ValueRead { name: t.clone(), line, usage }))
                .max_by(|a, b| a.usage.total_cmp(&b.usage));
        }
        if let Some(v) = &r.value {
            if r.usage.is_none_or(|u| u < v.usage) {
                r.usage = Some(v.usage);
            }
        }
        let found = blockers(f, &r.bound, None, &r.module);
        r.pinned = found.iter().any(|b| b.kind.is_hard());
        if !r.pinned {
            r.held = held_by(&found, f, files, &r.bound, unsafe_fixes);
            r.pinned = r.held.is_some();
        }
    }
}
