//! Parser for CPython's `-X importtime` output, 3.7 through 3.14.
//!
//! Rows look like `import time:   self_us |  cumulative_us | <2·level spaces>name`
//! and are printed when an import *finishes*, so the output is a post-order
//! walk of the import tree: a row's children are the rows of the next level
//! printed since its previous sibling. 3.14's `-X importtime=2` adds
//! `import time: cached    | cached     | name` rows for `sys.modules` hits;
//! CPython right-aligns those names in a `2·level`-wide field (`%*s`), so
//! their nesting cannot be read from the indentation and they are kept as
//! flat events. Lines that are not import-time rows (the program's own
//! stderr) are ignored, so the parser never fails.

/// One parsed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Row {
    Import { self_us: u64, cumulative_us: u64, level: usize, name: String },
    /// A `sys.modules` hit reported by `-X importtime=2` (3.14+).
    Cached { name: String },
}

/// Parse one line; `None` for anything that is not a data row (including
/// the header and foreign stderr lines).
pub fn parse_line(line: &str) -> Option<Row> {
    let rest = line.strip_prefix("import time:")?;
    let mut cols = rest.splitn(3, '|');
    let self_col = cols.next()?.trim();
    let cum_col = cols.next()?.trim();
    let name_col = cols.next()?;
    let name_col = name_col.strip_suffix('\r').unwrap_or(name_col);
    // The format puts exactly one space after the second bar.
    let padded = name_col.strip_prefix(' ')?;
    let name = padded.trim_start_matches(' ');
    if name.is_empty() || name.contains(char::is_whitespace) {
        // The header's last column is "imported package": a space no
        // module name can contain.
        return None;
    }
    if self_col == "cached" && cum_col == "cached" {
        return Some(Row::Cached { name: name.to_string() });
    }
    let self_us = self_col.parse().ok()?;
    let cumulative_us = cum_col.parse().ok()?;
    let indent = padded.len() - name.len();
    Some(Row::Import { self_us, cumulative_us, level: indent / 2, name: name.to_string() })
}

/// Parse every row of a stderr capture, in order.
pub fn parse(text: &str) -> Vec<Row> {
    text.lines().filter_map(parse_line).collect()
}

/// A node of the reconstructed import tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub self_us: u64,
    pub cumulative_us: u64,
    pub children: Vec<Node>,
}

/// Rebuild the forest of import trees from rows in print order. Cached rows
/// carry no timing and are skipped. Rows whose level jumps (a truncated
/// capture) are attached as roots rather than dropped.
pub fn build_forest(rows: &[Row]) -> Vec<Node> {
    // Stack of (level, node) waiting for their parent to be printed.
    let mut pending: Vec<(usize, Node)> = Vec::new();
    for row in rows {
        let Row::Import { self_us, cumulative_us, level, name } = row else { continue };
        let mut children = Vec::new();
        while pending.last().is_some_and(|(l, _)| *l > *level) {
            let (_, child) = pending.pop().expect("checked non-empty");
            children.push(child);
        }
        children.reverse();
        pending.push((*level, Node { name: name.clone(), self_us: *self_us, cumulative_us: *cumulative_us, children }));
    }
    pending.into_iter().map(|(_, n)| n).collect()
}

impl Node {
    /// Depth-first pre-order visit with the path from the root (inclusive).
    pub fn walk<'a>(&'a self, path: &mut Vec<&'a str>, f: &mut dyn FnMut(&'a Node, &[&'a str])) {
        path.push(&self.name);
        f(self, path);
        for c in &self.children {
            c.walk(path, f);
        }
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_foreign_lines_are_not_rows() {
        assert_eq!(parse_line("import time: self [us] | cumulative | imported package"), None);
        assert_eq!(parse_line("Traceback (most recent call last):"), None);
        assert_eq!(parse_line("import time: 12 | 34"), None);
    }

    #[test]
    fn indentation_gives_the_level() {
        assert_eq!(
            parse_line("import time:       120 |        456 |     json.decoder"),
            Some(Row::Import { self_us: 120, cumulative_us: 456, level: 2, name: "json.decoder".into() })
        );
    }

    #[test]
    fn cached_rows_of_314_are_recognised_even_when_right_aligned() {
        assert_eq!(parse_line("import time: cached    | cached     |   os"), Some(Row::Cached { name: "os".into() }));
        assert_eq!(
            parse_line("import time: cached    | cached     | encodings.aliases"),
            Some(Row::Cached { name: "encodings.aliases".into() })
        );
    }

    #[test]
    fn post_order_rows_rebuild_the_tree() {
        let text = "\
import time: self [us] | cumulative | imported package
import time:        10 |         10 |     c
import time:        20 |         30 |   b
import time:         5 |          5 |   d
import time:         1 |         36 | a
import time:         7 |          7 | e
";
        let forest = build_forest(&parse(text));
        assert_eq!(forest.len(), 2);
        let a = &forest[0];
        assert_eq!(a.name, "a");
        assert_eq!(a.children.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["b", "d"]);
        assert_eq!(a.children[0].children[0].name, "c");
        assert_eq!(forest[1].name, "e");
    }

    #[test]
    fn cached_rows_do_not_disturb_the_tree() {
        let text = "\
import time:        10 |         10 |   b
import time: cached    | cached     | b
import time:         1 |         11 | a
";
        let forest = build_forest(&parse(text));
        assert_eq!(forest.len(), 1);
        assert_eq!(forest[0].children.len(), 1);
    }

    #[test]
    fn crlf_line_endings_are_tolerated() {
        assert!(matches!(parse_line("import time: 1 | 2 | a\r"), Some(Row::Import { .. })));
    }
}
