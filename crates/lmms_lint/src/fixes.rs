//! The `fix` of a diagnostic in `lmms check --format json`: the edits
//! `lmms fix` would make to move the import the diagnostic is about,
//! computed by `lmms_fix`'s own transform (never a second implementation).
//! Shaped like ruff's JSON fix: applicability, message, and edits with
//! 1-based row/column locations.
//!
//! Only renderers that show fixes call [`fixes`]: it parses each file with
//! a fixable diagnostic in full (references and functions), which a plain
//! `lmms check` does not need.

use std::collections::HashMap;
use std::path::PathBuf;

use lmms_fix::{MoveKind, Options, Request};
use lmms_python::{LineIndex, ParsedModule};
use serde::Serialize;

use crate::Diagnostic;

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct DiagnosticFix {
    /// `safe`, or `unsafe` (applied by `lmms fix --unsafe-fixes` only).
    pub applicability: &'static str,
    pub message: String,
    pub edits: Vec<FixEdit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct FixEdit {
    pub location: RowCol,
    pub end_location: RowCol,
    pub content: String,
}

/// 1-based row and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct RowCol {
    pub row: u32,
    pub column: u32,
}

/// The comment the moved import carries.
const COMMENT: &str = "lazy: moved by lmms fix";

/// Each diagnostic's fix, in order: `None` where there is no import to move
/// or `lmms fix` would skip it.
pub fn fixes(diags: &[Diagnostic]) -> Vec<Option<DiagnosticFix>> {
    let mut files: HashMap<&PathBuf, Option<(String, ParsedModule, LineIndex)>> = HashMap::new();
    diags
        .iter()
        .map(|d| {
            let id = d.import?;
            let file = files.entry(&d.path).or_insert_with(|| {
                let (text, parsed) = lmms_python::read_and_parse(&d.path).ok()?;
                let lines = LineIndex::new(&text);
                parsed.syntax_errors.is_empty().then_some((text, parsed, lines))
            });
            let (text, parsed, lines) = file.as_ref()?;
            fix_for(text, parsed, lines, id, d.module.as_deref())
        })
        .collect()
}

/// `module` is the resolved module the diagnostic names, for the message.
fn fix_for(
    text: &str,
    parsed: &ParsedModule,
    lines: &LineIndex,
    id: lmms_graph::ImportRef,
    module: Option<&str>,
) -> Option<DiagnosticFix> {
    let opts = Options { allow_unsafe: true, ..Options::default() };
    let rw = lmms_fix::rewrite(text, parsed, &[Request { id, comment: COMMENT.into() }], &opts);
    let fix = rw.fix?;
    let mv = rw.moves.iter().find(|m| m.statement == id.statement)?;
    let at = |offset: u32| {
        let (row, column) = lines.line_col(text, offset);
        RowCol { row, column }
    };
    let module = module.unwrap_or(&mv.module);
    let message = match (mv.kind, mv.into.as_slice()) {
        (MoveKind::LazyKeyword, _) => format!("Make the import of `{module}` a `lazy import`"),
        (_, []) => format!("Import `{module}` only under `TYPE_CHECKING`"),
        (_, into) => {
            let names: Vec<String> = into.iter().map(|f| format!("`{f}`")).collect();
            format!("Move the import of `{module}` into {}", names.join(", "))
        }
    };
    Some(DiagnosticFix {
        applicability: fix.applicability.as_str(),
        message,
        edits: fix
            .edits()
            .iter()
            .map(|e| FixEdit { location: at(e.range.start), end_location: at(e.range.end), content: e.content.clone() })
            .collect(),
    })
}
