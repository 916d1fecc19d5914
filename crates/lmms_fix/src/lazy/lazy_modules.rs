//! PEP 810 on every version: the imports stay where they are and the module
//! lists them in `__lazy_modules__` (the compatibility form: ignored before
//! Python 3.15, where the listed modules' imports become lazy). The list is
//! kept sorted and merged with a literal one already in the file; it must be
//! bound before the imports it names, so it goes after the docstring and the
//! `__future__` imports, before the first import.

use std::collections::BTreeSet;

use lmms_python::{BoundName, ImportRecord, ImportScope, LazyModules};

use super::{Builder, Move, MoveKind, SkipReason};
use crate::edit::{Applicability, Edit};
use crate::text::line_start;

impl Builder<'_> {
    /// Record one move per module the statement's `moved` aliases name;
    /// the list itself is written by [`Self::insert_lazy_modules`].
    pub(super) fn lazy_modules_move(&mut self, rec: &ImportRecord, moved: &[&BoundName], app: Applicability) {
        if rec.level > 0 {
            let d = "relative import: `__lazy_modules__` lists absolute module names".to_string();
            return self.skip(rec, moved, SkipReason::ModuleLevelUse, d);
        }
        if let Err(d) = self.lazy_modules_declaration(rec) {
            return self.skip(rec, moved, SkipReason::ModuleLevelUse, d);
        }
        let listed = self
            .parsed
            .lazy_modules
            .first()
            .and_then(|l| l.names.clone())
            .unwrap_or_default();
        let mut modules: Vec<&str> = moved.iter().map(|n| n.target.as_str()).collect();
        modules.dedup();
        for module in modules {
            // Already lazy from 3.15: nothing to do, and a rerun reports nothing.
            if listed.iter().any(|l| l == module) {
                continue;
            }
            self.moves.push(Move {
                module: module.to_string(),
                line: rec.line,
                statement: rec.range,
                names: moved
                    .iter()
                    .filter(|n| n.target == module)
                    .map(|n| n.bound.clone())
                    .collect(),
                kind: MoveKind::LazyModules,
                into: Vec::new(),
                applicability: app,
                notes: Vec::new(),
            });
        }
    }

    /// The one literal `__lazy_modules__` bound before `rec`, if any; an
    /// error says why the file's declaration cannot be merged.
    fn lazy_modules_declaration(&self, rec: &ImportRecord) -> Result<Option<&LazyModules>, String> {
        let line = |at: u32| self.lines.line_col(self.src, at).0;
        match self.parsed.lazy_modules.as_slice() {
            [] => Ok(None),
            [one] if one.names.is_none() => Err(format!(
                "`__lazy_modules__` at line {} is not a literal list or tuple of strings, so lmms cannot merge it",
                line(one.range.start)
            )),
            [one] if one.range.start > rec.range.start => Err(format!(
                "`__lazy_modules__` is bound at line {}, after this import: move it above the imports",
                line(one.range.start)
            )),
            [one] => Ok(Some(one)),
            [_, second, ..] => Err(format!(
                "`__lazy_modules__` is bound more than once (again at line {})",
                line(second.range.start)
            )),
        }
    }

    /// Write the merged, sorted list: in place of a literal one, else as a
    /// new line before the first import that is not `__future__`.
    pub(super) fn insert_lazy_modules(&mut self) {
        let new: BTreeSet<&str> = self
            .moves
            .iter()
            .filter(|m| m.kind == MoveKind::LazyModules)
            .map(|m| m.module.as_str())
            .collect();
        if new.is_empty() {
            return;
        }
        let nl = self.nl;
        match self.parsed.lazy_modules.first() {
            Some(decl) => {
                let mut all: BTreeSet<&str> = decl.names.iter().flatten().map(String::as_str).collect();
                all.extend(new);
                let value = literal(&all, decl.tuple);
                self.edits
                    .push(Edit::replacement(decl.value.start, decl.value.end, value));
            }
            None => {
                let first = self.parsed.imports.iter().find(|i| {
                    matches!(i.scope, ImportScope::Module) && !(i.is_from && i.level == 0 && i.module == "__future__")
                });
                let at = first.map_or(0, |i| line_start(self.src, i.range.start));
                let text = format!("__lazy_modules__ = {}{nl}{nl}", literal(&new, false));
                self.edits.push(Edit::insertion(at, text));
            }
        }
    }
}

/// `["a", "b"]`, or `("a",)` for a tuple. Module names are identifiers and
/// dots, so they need no escaping.
fn literal(names: &BTreeSet<&str>, tuple: bool) -> String {
    let items: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match (tuple, items.len()) {
        (true, 1) => format!("({},)", items[0]),
        (true, _) => format!("({})", items.join(", ")),
        (false, _) => format!("[{}]", items.join(", ")),
    }
}
