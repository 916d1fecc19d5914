//! The default move: the module-level statement goes (or keeps the names
//! that stay) and each outermost function using a moved name imports it at
//! the top of its body, after its docstring, with the justification comment.

use std::collections::BTreeMap;

use lmms_python::{BoundName, ByteRange, FunctionDef, ImportRecord};

use super::{display_module, Builder, Move, MoveKind, Planned, Request, Written};
use crate::edit::{Applicability, Edit};
use crate::text::*;

impl Builder<'_> {
    pub(super) fn move_into_functions(
        &mut self,
        rec: &ImportRecord,
        plans: &[Planned<'_>],
        moved_names: &[&BoundName],
        kept: &[&BoundName],
        app: Applicability,
    ) {
        // The module-level statement goes, or keeps only the other names.
        if kept.is_empty() {
            self.edits.push(remove_statement(self.src, rec.range));
        } else {
            let text = stmt_text(self.src, rec, kept);
            self.edits.push(Edit::replacement(rec.range.start, rec.range.end, text));
        }

        let mut into: Vec<String> = Vec::new();
        let mut notes: Vec<String> = Vec::new();
        // Per function, the moved names it uses, in statement order.
        let mut per_fn: BTreeMap<usize, Vec<(usize, &Request)>> = BTreeMap::new();
        let mut tc_names: Vec<&BoundName> = Vec::new();
        let mut quoted = 0;
        let mut wrappers: Vec<String> = Vec::new();
        let mut removed: Vec<&BoundName> = Vec::new();
        for (ni, req, plan, _) in plans {
            for f in &plan.fns {
                per_fn.entry(*f).or_default().push((*ni, *req));
            }
            if plan.type_checking {
                tc_names.push(&rec.names[*ni]);
            }
            quoted += plan.quotes.len();
            self.edits.extend(plan.quotes.iter().cloned());
            if plan.removed {
                removed.push(&rec.names[*ni]);
            }
            if plan.reachable {
                let name = &rec.names[*ni];
                let imp = with_comment(&stmt_text(self.src, rec, &[name]), &req.comment);
                let value = name.bound.clone();
                let lines = vec![imp, format!("value = {value}")];
                self.keep_reachable(&name.bound, lines, Some(rec.range), &mut into, &mut notes);
            }
            self.getters(rec, &rec.names[*ni], req, plan, &mut into, &mut notes);
            wrappers.extend(self.dispatch_wrappers(rec, &rec.names[*ni], req, plan, &mut into, &mut notes));
        }
        if let Some(first) = removed.first() {
            let names: Vec<String> = removed.iter().map(|n| format!("`{}`", n.bound)).collect();
            notes.push(format!(
                "removed: nothing reads {} (not this file, no other module, not `__all__`); unsafe: importing `{}` can have side effects",
                names.join(", "),
                display_module(rec, Some(first))
            ));
        }
        for (f, names) in per_fn {
            self.import_in_function(rec, f, &names);
            let qualname = &self.parsed.functions[f].qualname;
            // A merged module `__getattr__` is listed once.
            if !into.contains(qualname) {
                into.push(qualname.clone());
            }
        }
        self.type_checking_import(rec, &tc_names, &mut notes);
        if quoted > 0 {
            notes.push(format!("quoted {quoted} annotation{}", if quoted == 1 { "" } else { "s" }));
        }
        self.insert_after_imports(plans, &wrappers);
        self.moves.push(Move {
            module: display_module(rec, moved_names.first().copied()),
            line: rec.line,
            statement: rec.range,
            names: moved_names.iter().map(|n| n.bound.clone()).collect(),
            kind: if plans.iter().all(|p| p.2.removed) { MoveKind::Removed } else { MoveKind::Function },
            into,
            applicability: app,
            notes,
        });
    }

    /// Queue the import lines function `f` needs for `names` of `rec`: one
    /// `from` statement for all its names, one `import` per alias.
    fn import_in_function(&mut self, rec: &ImportRecord, f: usize, names: &[(usize, &Request)]) {
        let mut lines: Vec<String> = Vec::new();
        if rec.is_from {
            let ns: Vec<&BoundName> = names.iter().map(|(ni, _)| &rec.names[*ni]).collect();
            let comment = join_comments(names.iter().map(|(_, r)| r.comment.as_str()));
            lines.push(with_comment(&stmt_text(self.src, rec, &ns), &comment));
        } else {
            for (ni, r) in names {
                lines.push(with_comment(&stmt_text(self.src, rec, &[&rec.names[*ni]]), &r.comment));
            }
        }
        let entry = self.fn_lines.entry(f).or_default();
        for l in lines {
            if !entry.iter().any(|(e, _)| *e == l) {
                entry.push((l, Some(rec.range)));
            }
        }
    }

    /// Write the queued imports at the top of every function body.
    pub(super) fn insert_function_imports(&mut self) {
        let nl = self.nl;
        for (f, lines) in std::mem::take(&mut self.fn_lines) {
            let def: &FunctionDef = &self.parsed.functions[f];
            let at = def.body_insert_at;
            let ind = &def.body_indent;
            let (start, mut offset, text) = if only_indent_before(self.src, at) {
                let text: String = lines.iter().map(|(l, _)| format!("{l}{nl}{ind}")).collect();
                (at, 0, text)
            } else {
                // `def f(): return x` — the body starts on the `def` line;
                // it moves to its own line, without trailing blanks after `:`.
                let block: String = lines.iter().map(|(l, _)| format!("{ind}{l}{nl}")).collect();
                let blanks = self.src[..at as usize].len() - self.src[..at as usize].trim_end_matches([' ', '\t']).len();
                (at - blanks as u32, nl.len() + ind.len(), format!("{nl}{block}{ind}"))
            };
            for (l, origin) in &lines {
                if let Some(origin) = origin {
                    // A merged `__getattr__` lookup nests its imports deeper.
                    let lead = l.len() - l.trim_start().len();
                    let w = Written { origin: *origin, edit_start: start, edit_end: at, offset: (offset + lead) as u32 };
                    self.written.push(w);
                }
                offset += l.len() + nl.len() + ind.len();
            }
            self.edits.push(if start == at { Edit::insertion(at, text) } else { Edit::replacement(start, at, text) });
        }
    }
}

/// Source text of an import statement restricted to `names`.
pub(crate) fn stmt_text(src: &str, rec: &ImportRecord, names: &[&BoundName]) -> String {
    let aliases: Vec<&str> = names.iter().map(|n| &src[n.range.start as usize..n.range.end as usize]).collect();
    if rec.is_from {
        format!("from {}{} import {}", ".".repeat(rec.level as usize), rec.module, aliases.join(", "))
    } else {
        format!("import {}", aliases.join(", "))
    }
}

pub(super) fn with_comment(stmt: &str, comment: &str) -> String {
    if comment.is_empty() {
        stmt.to_string()
    } else {
        format!("{stmt}  # {comment}")
    }
}

fn join_comments<'c>(cs: impl Iterator<Item = &'c str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for c in cs {
        if !c.is_empty() && !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.join("; ")
}

/// Delete a whole statement: its lines when it owns them, otherwise just the
/// statement and its `;` separator.
fn remove_statement(src: &str, r: ByteRange) -> Edit {
    let ls = line_start(src, r.start);
    if ls == r.start && only_comment_after(src, r.end) {
        return Edit::deletion(ls, next_line_start(src, r.end));
    }
    let after = &src[r.end as usize..];
    let trimmed = after.trim_start_matches([' ', '\t']);
    if let Some(rest) = trimmed.strip_prefix(';') {
        let skip = after.len() - rest.trim_start_matches([' ', '\t']).len();
        return Edit::deletion(r.start, r.end + skip as u32);
    }
    let before = &src[ls as usize..r.start as usize];
    let bt = before.trim_end_matches([' ', '\t']);
    if bt.ends_with(';') {
        return Edit::deletion(ls + bt.len() as u32 - 1, r.end);
    }
    Edit::replacement(r.start, r.end, "pass")
}
