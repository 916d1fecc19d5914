//! Fixes as plain data, and the one applier that turns them into text.
//!
//! A transform never writes: it returns [`Fix`]es whose [`Edit`]s are byte
//! ranges into the source it was given. All fixes of a file are merged and
//! applied in one pass, so a file is rewritten exactly once, and two fixes
//! that touch the same bytes are an error instead of a silent clobber.

use lmms_python::ByteRange;
use serde::Serialize;

/// Replace `range` of the source with `content`. An insertion has an empty
/// range, a deletion an empty content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub range: ByteRange,
    pub content: String,
}

impl Edit {
    pub fn replacement(start: u32, end: u32, content: impl Into<String>) -> Edit {
        Edit { range: ByteRange { start, end }, content: content.into() }
    }

    pub fn insertion(at: u32, content: impl Into<String>) -> Edit {
        Edit::replacement(at, at, content)
    }

    pub fn deletion(start: u32, end: u32) -> Edit {
        Edit::replacement(start, end, String::new())
    }

    pub fn is_insertion(&self) -> bool {
        self.range.start == self.range.end
    }
}

/// How confident a fix is that it keeps the program's behaviour (ruff's
/// convention): only `Safe` fixes are applied by default, `Unsafe` ones
/// need `--unsafe-fixes`, `DisplayOnly` ones are shown and never applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    DisplayOnly,
    Unsafe,
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    #[error("edits overlap: {first:?} and {second:?}")]
    Overlap { first: ByteRange, second: ByteRange },
    #[error("edit {range:?} lies outside the {len}-byte source or splits a character")]
    OutOfBounds { range: ByteRange, len: usize },
    #[error("edit range {range:?} ends before it starts")]
    Inverted { range: ByteRange },
}

/// A set of edits that must be applied together, with its safety level.
/// The edits are kept sorted by position and never overlap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    edits: Vec<Edit>,
    pub applicability: Applicability,
}

impl Fix {
    /// Sorts the edits and rejects overlapping ones.
    pub fn new(mut edits: Vec<Edit>, applicability: Applicability) -> Result<Fix, FixError> {
        sort_edits(&mut edits);
        check_disjoint(&edits)?;
        Ok(Fix { edits, applicability })
    }

    pub fn safe(edits: Vec<Edit>) -> Result<Fix, FixError> {
        Fix::new(edits, Applicability::Safe)
    }

    pub fn unsafe_edits(edits: Vec<Edit>) -> Result<Fix, FixError> {
        Fix::new(edits, Applicability::Unsafe)
    }

    pub fn edits(&self) -> &[Edit] {
        &self.edits
    }

    /// Whether a run that allows fixes up to `allowed` applies this one.
    pub fn applies_at(&self, allowed: Applicability) -> bool {
        self.applicability != Applicability::DisplayOnly && self.applicability >= allowed
    }
}

/// Stable sort by (start, end): insertions at one offset keep the order the
/// transform produced them in, and an insertion sorts before a replacement
/// that starts at the same offset.
fn sort_edits(edits: &mut [Edit]) {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
}

fn check_disjoint(edits: &[Edit]) -> Result<(), FixError> {
    for e in edits {
        if e.range.end < e.range.start {
            return Err(FixError::Inverted { range: e.range });
        }
    }
    for pair in edits.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        // Touching is fine; an insertion strictly inside a replaced range
        // or two replacements sharing a byte is not. Two replacements that
        // start at the same offset always conflict (which wins is undefined).
        let same_start_conflict =
            a.range.start == b.range.start && !a.is_insertion() && !b.is_insertion();
        if a.range.end > b.range.start || same_start_conflict {
            return Err(FixError::Overlap { first: a.range, second: b.range });
        }
    }
    Ok(())
}

/// Apply every edit of `fixes` to `source` in one pass.
pub fn apply_fixes<'a>(source: &str, fixes: impl IntoIterator<Item = &'a Fix>) -> Result<String, FixError> {
    let mut edits: Vec<Edit> = fixes.into_iter().flat_map(|f| f.edits.iter().cloned()).collect();
    apply_edits(source, &mut edits)
}

/// Apply loose edits (sorted here) in one pass.
pub fn apply_edits(source: &str, edits: &mut [Edit]) -> Result<String, FixError> {
    sort_edits(edits);
    check_disjoint(edits)?;
    let mut out = String::with_capacity(source.len());
    let mut cursor = 0usize;
    for e in edits.iter() {
        let (start, end) = (e.range.start as usize, e.range.end as usize);
        if end > source.len() || !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            return Err(FixError::OutOfBounds { range: e.range, len: source.len() });
        }
        out.push_str(&source[cursor..start]);
        out.push_str(&e.content);
        cursor = end;
    }
    out.push_str(&source[cursor..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_are_sorted_and_applied_together() {
        let fix = Fix::safe(vec![Edit::replacement(6, 11, "there"), Edit::insertion(0, ">> ")]).unwrap();
        assert_eq!(fix.edits()[0].range.start, 0);
        assert_eq!(apply_fixes("hello world", [&fix]).unwrap(), ">> hello there");
    }

    #[test]
    fn overlapping_edits_are_rejected() {
        let err = Fix::safe(vec![Edit::deletion(0, 5), Edit::replacement(3, 8, "x")]).unwrap_err();
        assert!(matches!(err, FixError::Overlap { .. }));
    }

    #[test]
    fn insertion_inside_a_deletion_overlaps() {
        assert!(Fix::safe(vec![Edit::deletion(0, 5), Edit::insertion(2, "x")]).is_err());
    }

    #[test]
    fn touching_edits_and_shared_insertion_points_are_fine() {
        let mut edits = vec![
            Edit::insertion(5, "a"),
            Edit::insertion(5, "b"),
            Edit::deletion(5, 6),
            Edit::replacement(0, 5, "HELLO"),
        ];
        assert_eq!(apply_edits("hello world", &mut edits).unwrap(), "HELLOabworld");
    }

    #[test]
    fn two_replacements_at_one_offset_conflict() {
        assert!(Fix::safe(vec![Edit::replacement(1, 2, "a"), Edit::replacement(1, 3, "b")]).is_err());
    }

    #[test]
    fn overlap_across_fixes_is_caught_by_the_applier() {
        let a = Fix::safe(vec![Edit::deletion(0, 4)]).unwrap();
        let b = Fix::safe(vec![Edit::deletion(2, 6)]).unwrap();
        assert!(apply_fixes("0123456789", [&a, &b]).is_err());
    }

    #[test]
    fn edit_splitting_a_character_is_out_of_bounds() {
        let mut edits = vec![Edit::deletion(0, 1)];
        assert!(matches!(apply_edits("é", &mut edits), Err(FixError::OutOfBounds { .. })));
        let mut edits = vec![Edit::insertion(9, "x")];
        assert!(apply_edits("abc", &mut edits).is_err());
    }

    #[test]
    fn applicability_gates_what_a_run_applies() {
        let safe = Fix::safe(vec![]).unwrap();
        let unsafe_fix = Fix::unsafe_edits(vec![]).unwrap();
        let display = Fix::new(vec![], Applicability::DisplayOnly).unwrap();
        assert!(safe.applies_at(Applicability::Safe));
        assert!(!unsafe_fix.applies_at(Applicability::Safe));
        assert!(unsafe_fix.applies_at(Applicability::Unsafe));
        assert!(!display.applies_at(Applicability::Unsafe));
        assert!(!display.applies_at(Applicability::DisplayOnly));
    }
}
