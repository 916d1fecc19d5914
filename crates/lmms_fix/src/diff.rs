//! Unified diffs of a rewrite, for `lmms fix --diff` and the fix snapshots.

use similar::TextDiff;

/// A `git diff`-style unified diff with three lines of context; empty when
/// the texts are equal. `path` names both sides (`a/…`, `b/…`).
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let diff = TextDiff::from_lines(before, after);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified_diff("a.py", "x\n", "x\n"), "");
    }

    #[test]
    fn diff_names_both_sides_and_marks_changed_lines() {
        let d = unified_diff("app.py", "import json\nx = 1\n", "x = 1\n");
        assert!(d.starts_with("--- a/app.py\n+++ b/app.py\n"), "{d}");
        assert!(d.contains("-import json\n"), "{d}");
        assert!(d.contains(" x = 1\n"), "{d}");
    }
}
