//! Python 3.15+: PEP 810 `lazy import` in place instead of moving the
//! statement.

use lmms_python::{BoundName, ImportRecord};

use super::into_functions::stmt_text;
use super::{display_module, Builder, Move, MoveKind};
use crate::edit::{Applicability, Edit};

impl Builder<'_> {
    pub(super) fn lazy_keyword_move(&mut self, rec: &ImportRecord, moved: &[&BoundName], kept: &[&BoundName], app: Applicability) {
        self.lazy_keyword(rec, moved, kept);
        self.moves.push(Move {
            module: display_module(rec, moved.first().copied()),
            line: rec.line,
            statement: rec.range,
            names: moved.iter().map(|n| n.bound.clone()).collect(),
            kind: MoveKind::LazyKeyword,
            into: Vec::new(),
            applicability: app,
            notes: Vec::new(),
        });
    }

    pub(super) fn lazy_keyword(&mut self, rec: &ImportRecord, moved: &[&BoundName], kept: &[&BoundName]) {
        if kept.is_empty() {
            self.edits.push(Edit::insertion(rec.range.start, "lazy "));
        } else {
            let text = format!("lazy {}{}{}", stmt_text(self.src, rec, moved), self.nl, stmt_text(self.src, rec, kept));
            self.edits.push(Edit::replacement(rec.range.start, rec.range.end, text));
        }
    }
}
