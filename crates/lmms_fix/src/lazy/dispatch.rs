//! The unsafe rewrite of a dispatch-table entry: `{"a": feature.handle}`
//! stores a wrapper that imports `feature` on first call.

use lmms_python::{BoundName, ImportRecord, ModuleLevelUse, NameRef};

use super::importer::after_statement;
use super::into_functions::{stmt_text, with_comment};
use super::{Builder, NamePlan, Planned, Request};
use crate::edit::Edit;
use crate::text::*;

impl Builder<'_> {
    /// Replace each dispatch entry of `plan` by its wrapper; the wrappers'
    /// definitions, to insert after the imports.
    pub(super) fn dispatch_wrappers(
        &mut self,
        rec: &ImportRecord,
        name: &BoundName,
        req: &Request,
        plan: &NamePlan,
        into: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        for (range, expr) in &plan.dispatch {
            let wrapper = self.dispatch_name(expr);
            let imp = with_comment(&stmt_text(self.src, rec, &[name]), &req.comment);
            out.push(format!(
                "def {wrapper}(*args, **kwargs):{nl}    \"\"\"`{expr}`, imported on first call (lmms fix).\"\"\"{nl}    {imp}{nl}    return {expr}(*args, **kwargs){nl}",
                nl = self.nl
            ));
            self.edits.push(Edit::replacement(range.start, range.end, wrapper.clone()));
            notes.push(format!("dispatch entry {expr} → {wrapper}"));
            into.push(wrapper);
        }
        out
    }

    /// The wrappers go after the last import before the first table using one.
    pub(super) fn insert_after_imports(&mut self, plans: &[Planned<'_>], wrappers: &[String]) {
        if wrappers.is_empty() {
            return;
        }
        let anchor = self.last_import_end_before(plans.iter().flat_map(|p| p.2.dispatch.iter().map(|d| d.0.start)));
        let (at, lead) = after_statement(self.src, anchor, self.nl);
        let nl = self.nl;
        let body = wrappers.join(&format!("{nl}{nl}"));
        self.edits.push(Edit::insertion(at, format!("{lead}{nl}{nl}{body}")));
    }

    pub(super) fn dispatch_name(&mut self, expr: &str) -> String {
        let base = format!("_lazy_{}", expr.replace('.', "_"));
        let mut name = base.clone();
        let mut n = 2;
        while contains_word(self.src, &name) || self.taken_names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.taken_names.push(name.clone());
        name
    }
}

/// `feature.handle` stored as a value in a table literal.
pub(super) fn dispatch_entry(src: &str, r: &NameRef, what: ModuleLevelUse) -> Option<String> {
    if what != ModuleLevelUse::Value {
        return None;
    }
    let end = dotted_end(src, r.range.start);
    if end <= r.range.end {
        return None;
    }
    let prev = prev_non_space(src, r.range.start);
    let next = next_non_space(src, end);
    if !matches!(prev, Some(':' | ',' | '[' | '{')) || !matches!(next, Some(',' | '}' | ']')) {
        return None;
    }
    Some(src[r.range.start as usize..end as usize].to_string())
}
