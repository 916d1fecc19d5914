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

/// `diff` (a [`unified_diff`]) coloured as git colours it: file headers
/// bold, hunk headers cyan, removed lines red, added lines green. With a
/// plain theme the text comes back unchanged.
pub fn paint_diff(diff: &str, theme: &lmms_style::Theme) -> String {
    let mut out = String::with_capacity(diff.len());
    for line in diff.split_inclusive('\n') {
        let (text, end) = match line.strip_suffix('\n') {
            Some(t) => (t, "\n"),
            None => (line, ""),
        };
        let style = if text.starts_with("--- ") || text.starts_with("+++ ") {
            theme.heading
        } else if text.starts_with("@@") {
            theme.hunk
        } else if text.starts_with('-') {
            theme.removed
        } else if text.starts_with('+') {
            theme.added
        } else {
            lmms_style::Style::new()
        };
        out.push_str(&lmms_style::paint(style, text));
        out.push_str(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_style::Theme;

    #[test]
    fn a_plain_diff_is_unchanged_and_a_coloured_one_is_coloured_like_git() {
        let d = unified_diff("app.py", "import json\nx = 1\n", "x = 1\ny = 2\n");
        assert_eq!(paint_diff(&d, &Theme::PLAIN), d);
        let c = paint_diff(&d, &Theme::COLOR);
        assert!(c.starts_with("\x1b[1m--- a/app.py\x1b[0m\n\x1b[1m+++ b/app.py\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[31m-import json\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\x1b[32m+y = 2\x1b[0m\n"), "{c:?}");
        assert!(c.contains("\n x = 1\n"), "context stays plain: {c:?}");
    }

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
