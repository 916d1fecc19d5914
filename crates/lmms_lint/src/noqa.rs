//! `# noqa` / `# noqa: LMM001, LMM004` comments, looked up only on the lines
//! where findings start or end (a multi-line import can carry its comment on
//! either), so files without findings are never scanned.

use std::collections::HashMap;

use lmms_python::{ByteRange, LineIndex};

use crate::Rule;

#[derive(Debug, Default)]
pub(crate) struct Directives {
    /// line → `None` for a bare `# noqa`, else the codes listed.
    lines: HashMap<u32, Option<Vec<String>>>,
}

impl Directives {
    pub(crate) fn scan(
        text: &str,
        lines: &LineIndex,
        ranges: impl Iterator<Item = ByteRange>,
    ) -> Directives {
        let mut out = HashMap::new();
        for r in ranges {
            for offset in [r.start, r.end.saturating_sub(1).max(r.start)] {
                let line = lines.line(offset);
                if out.contains_key(&line) {
                    continue;
                }
                let start = lines.start_of_line(line).unwrap_or(0) as usize;
                let end = lines
                    .start_of_line(line + 1)
                    .map_or(text.len(), |e| e as usize);
                if let Some(d) = parse_line(text.get(start..end).unwrap_or_default()) {
                    out.insert(line, d);
                }
            }
        }
        Directives { lines: out }
    }

    pub(crate) fn suppresses(&self, index: &LineIndex, rule: Rule, range: ByteRange) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        [range.start, range.end.saturating_sub(1).max(range.start)]
            .iter()
            .any(|&o| match self.lines.get(&index.line(o)) {
                Some(None) => true,
                Some(Some(codes)) => codes.iter().any(|c| {
                    c.eq_ignore_ascii_case(rule.code()) || crate::redirect(c) == Some(rule.code())
                }),
                None => false,
            })
    }
}

/// `Some(None)` for bare noqa, `Some(Some(codes))` for a code list.
fn parse_line(line: &str) -> Option<Option<Vec<String>>> {
    let mut rest = line;
    while let Some(i) = rest.find('#') {
        let after = rest[i + 1..].trim_start();
        if after.len() >= 4 && after[..4].eq_ignore_ascii_case("noqa") {
            let tail = &after[4..];
            let Some(list) = tail.strip_prefix(':') else {
                return Some(None);
            };
            let codes: Vec<String> = list
                .split(|c: char| c == ',' || c.is_whitespace())
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .take_while(|c| is_code(c))
                .map(str::to_string)
                .collect();
            return Some(if codes.is_empty() { None } else { Some(codes) });
        }
        rest = &rest[i + 1..];
    }
    None
}

fn is_code(c: &str) -> bool {
    let letters = c.bytes().take_while(u8::is_ascii_alphabetic).count();
    letters > 0 && letters < c.len() && c.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_and_coded_noqa_parse() {
        assert_eq!(parse_line("import x  # noqa"), Some(None));
        assert_eq!(
            parse_line("import x  # NOQA: LMM001, LMM004 trailing words"),
            Some(Some(vec!["LMM001".into(), "LMM004".into()]))
        );
        assert_eq!(
            parse_line("import x  # type: ignore # noqa:LMM002"),
            Some(Some(vec!["LMM002".into()]))
        );
        assert_eq!(parse_line("import x  # nothing"), None);
    }
}
