//! Quoting a signature annotation evaluated at `def` time, so the import
//! can go under `TYPE_CHECKING`.

use lmms_python::NameRef;

use super::{Builder, SkipReason};
use crate::edit::Edit;
use crate::text::*;

impl Builder<'_> {
    /// Quote a signature annotation `pd.DataFrame` → `"pd.DataFrame"`, only
    /// where a string is an equivalent annotation at runtime.
    pub(super) fn quote(&self, r: &NameRef) -> Result<Edit, (SkipReason, String)> {
        let src = self.src;
        let line = self.lines.line(r.range.start);
        // Decorated functions too: a decorator that reads annotations at
        // run time is an annotation reader, refused before quoting.
        let in_signature =
            self.parsed.functions.iter().find(|f| f.range.start <= r.range.start && r.range.end <= f.body_insert_at);
        let end = dotted_end(src, r.range.start);
        let prev = prev_non_space(src, r.range.start);
        let next = next_non_space(src, end);
        let standalone = matches!(prev, Some(':' | '>' | '[' | ',')) && matches!(next, Some(',' | ')' | '=' | ':' | ']'));
        if in_signature.is_none() || !standalone {
            let d = format!("annotation at line {line} is evaluated at import time and cannot be quoted");
            return Err((SkipReason::EvaluatedAnnotation, d));
        }
        let text = &src[r.range.start as usize..end as usize];
        Ok(Edit::replacement(r.range.start, end, format!("\"{text}\"")))
    }
}
