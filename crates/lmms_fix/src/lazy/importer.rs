//! Where new lines go: module-level headers (`import functools`), the
//! point after the imports, and the blank-line tidying after deletions.

use lmms_python::{BoundName, ImportRecord, ImportScope};

use super::Builder;
use crate::edit::Edit;
use crate::text::*;

impl Builder<'_> {
    pub(super) fn bound_at_module(&self, bound: &str, module: &str) -> bool {
        self.parsed.imports.iter().any(|i| {
            matches!(i.scope, ImportScope::Module)
                && !i.is_from
                && i.names.iter().any(|b| b.bound == bound && b.target == module)
        })
    }

    pub(super) fn add_header(&mut self, line: &str) {
        if !self.header.iter().any(|h| h == line) {
            self.header.push(line.to_string());
        }
    }

    /// End of the last unconditional module-level import before `before`.
    pub(super) fn last_import_end_before(&self, before: impl Iterator<Item = u32>) -> u32 {
        let limit = before.min().unwrap_or(u32::MAX);
        self.parsed
            .imports
            .iter()
            .filter(|i| matches!(i.scope, ImportScope::Module) && i.range.end <= limit)
            .map(|i| i.range.end)
            .max()
            .unwrap_or(0)
    }

    /// Header lines go before the first import that is not `__future__`.
    pub(super) fn insert_header(&mut self) {
        if self.header.is_empty() {
            return;
        }
        let nl = self.nl;
        let first = self.parsed.imports.iter().find(|i| {
            matches!(i.scope, ImportScope::Module) && !(i.is_from && i.level == 0 && i.module == "__future__")
        });
        let at = first.map_or(0, |i| line_start(self.src, i.range.start));
        let text: String = self.header.iter().map(|h| format!("{h}{nl}")).collect();
        self.edits.push(Edit::insertion(at, text));
    }
}

/// Deleting a block of import lines that sat between two blank lines leaves
/// two blank lines in a row; take one of them with the block. Only whole-line
/// deletions are touched, and only when no other edit falls inside the
/// widened range.
pub(super) fn tidy_blank_lines(src: &str, edits: &mut [Edit]) {
    let is_blank_line = |start: u32| {
        let end = next_line_start(src, start);
        start < end && src[start as usize..end as usize].trim().is_empty()
    };
    let whole_line = |e: &Edit| {
        e.content.is_empty()
            && e.range.start < e.range.end
            && line_start(src, e.range.start) == e.range.start
            && (e.range.end as usize == src.len() || src.as_bytes()[e.range.end as usize - 1] == b'\n')
    };
    let mut dels: Vec<usize> = (0..edits.len()).filter(|i| whole_line(&edits[*i])).collect();
    dels.sort_by_key(|i| edits[*i].range.start);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in dels {
        match groups.last_mut() {
            Some(g) if edits[*g.last().unwrap()].range.end == edits[i].range.start => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    for g in groups {
        let start = edits[g[0]].range.start;
        let end = edits[*g.last().unwrap()].range.end;
        if start == 0 || end as usize >= src.len() {
            continue;
        }
        let prev_line = line_start(src, start - 1);
        if !is_blank_line(prev_line) || !is_blank_line(end) {
            continue;
        }
        let widened = next_line_start(src, end);
        // Anything else starting in the widened stretch (an insertion at
        // `end` included) would end up inside the deletion.
        let clash = edits
            .iter()
            .enumerate()
            .any(|(j, e)| !g.contains(&j) && e.range.start >= end && e.range.start < widened);
        if clash {
            continue;
        }
        let last = *g.last().unwrap();
        edits[last].range.end = widened;
    }
}

pub(super) fn display_module(rec: &ImportRecord, name: Option<&BoundName>) -> String {
    if rec.is_from {
        format!("{}{}", ".".repeat(rec.level as usize), rec.module)
    } else {
        name.map_or(rec.module.clone(), |n| n.target.clone())
    }
}

/// Where to put new lines after the statement ending at `end`; the prefix
/// is a newline when the file ends without one.
pub(super) fn after_statement(src: &str, end: u32, nl: &'static str) -> (u32, &'static str) {
    let at = next_line_start(src, end);
    let lead = if at as usize == src.len() && !src.ends_with('\n') { nl } else { "" };
    (at, lead)
}
