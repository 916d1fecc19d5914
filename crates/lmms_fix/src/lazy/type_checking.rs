//! Imports only annotations need go into one shared `if TYPE_CHECKING:`
//! block after the module's imports.

use lmms_python::{BoundName, ImportRecord, ImportScope};

use super::importer::after_statement;
use super::into_functions::stmt_text;
use super::Builder;
use crate::edit::Edit;
use crate::text::*;

impl Builder<'_> {
    pub(super) fn type_checking_import(&mut self, rec: &ImportRecord, names: &[&BoundName], notes: &mut Vec<String>) {
        if names.is_empty() {
            return;
        }
        let text = stmt_text(self.src, rec, names);
        if !self.type_checking.contains(&text) {
            self.type_checking.push(text);
        }
        notes.push("imported under TYPE_CHECKING for annotations".into());
    }

    pub(super) fn insert_type_checking_block(&mut self) {
        if self.type_checking.is_empty() {
            return;
        }
        let nl = self.nl;
        let (guard, define) = self.type_checking_guard();
        let define = define.map_or(String::new(), |d| format!("{d}{nl}"));
        let anchor = self
            .parsed
            .imports
            .iter()
            .filter(|i| matches!(i.scope, ImportScope::Module))
            .map(|i| i.range.end)
            .max()
            .unwrap_or(0);
        let (at, lead) = after_statement(self.src, anchor, nl);
        let body: String = self.type_checking.iter().map(|t| format!("    {t}{nl}")).collect();
        // Before any dispatch wrappers placed at the same spot.
        // Set the block off with a blank line unless one (or a deleted
        // import line) already precedes it.
        let mut end = at;
        // Skip back over lines being deleted to the line that survives.
        while let Some(d) = self.edits.iter().find(|e| e.content.is_empty() && e.range.end == end && e.range.start < end) {
            end = d.range.start;
        }
        let prev_blank = end == 0 || self.src[line_start(self.src, end - 1) as usize..end as usize].trim().is_empty();
        let gap = if prev_blank { "" } else { nl };
        self.edits.insert(0, Edit::insertion(at, format!("{lead}{gap}{define}if {guard}:{nl}{body}")));
    }

    /// The condition for the `if …:` block, and a line defining it when
    /// nothing does yet. Importing `typing` just for the constant costs a
    /// few ms of INIT, so the block defines `TYPE_CHECKING = False` itself,
    /// a spelling type checkers treat like `typing.TYPE_CHECKING`.
    pub(super) fn type_checking_guard(&mut self) -> (String, Option<&'static str>) {
        let bound = |n: &str| {
            self.parsed.imports.iter().any(|i| {
                matches!(i.scope, ImportScope::Module) && i.names.iter().any(|b| b.bound == n && b.attribute.as_deref() == Some(n))
            })
        };
        let assigned = self.src.lines().any(|l| l.starts_with("TYPE_CHECKING =") || l.starts_with("TYPE_CHECKING="));
        if (bound("TYPE_CHECKING") && !self.requested.contains("TYPE_CHECKING")) || assigned {
            ("TYPE_CHECKING".into(), None)
        } else if self.bound_at_module("typing", "typing") && !self.requested.contains("typing") {
            ("typing.TYPE_CHECKING".into(), None)
        } else {
            ("TYPE_CHECKING".into(), Some("TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at startup"))
        }
    }
}
