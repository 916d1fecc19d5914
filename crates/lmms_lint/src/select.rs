//! Which rules run: `select`/`ignore` (config and command line) and
//! `per-file-ignores` globs. A selector is a code, a code prefix (`LMM00`),
//! a rule name, or `ALL`.

use crate::{Rule, RULES};

#[derive(Debug, thiserror::Error)]
#[error("unknown rule selector `{0}` (expected a code such as LMM001, a prefix such as LMM, a rule name, or ALL)")]
pub struct SelectionError(pub String);

#[derive(Debug, Clone, Default)]
pub struct Selection {
    select: Vec<String>,
    ignore: Vec<String>,
}

impl Selection {
    /// `select` empty means every rule. `ignore` wins over `select`.
    pub fn new(select: Vec<String>, ignore: Vec<String>) -> Result<Selection, SelectionError> {
        for s in select.iter().chain(&ignore) {
            validate(s)?;
        }
        Ok(Selection { select, ignore })
    }

    pub fn is_enabled(&self, rule: Rule) -> bool {
        (self.select.is_empty() || self.select.iter().any(|s| code_matches(s, rule)))
            && !self.ignore.iter().any(|s| code_matches(s, rule))
    }
}

pub fn validate(selector: &str) -> Result<(), SelectionError> {
    if RULES.iter().any(|r| code_matches(selector, r.rule)) {
        Ok(())
    } else {
        Err(SelectionError(selector.to_string()))
    }
}

/// A retired code (`LMM006`) matches the rule that replaced it.
pub(crate) fn code_matches(selector: &str, rule: Rule) -> bool {
    let selector = crate::redirect(selector).unwrap_or(selector);
    let info = rule.info();
    selector.eq_ignore_ascii_case("ALL")
        || info.name == selector
        || (!selector.is_empty()
            && info.code.len() >= selector.len()
            && info.code[..selector.len()].eq_ignore_ascii_case(selector))
}

/// Glob match for per-file ignores: `*` within a path segment, `**` across
/// segments, `?` one character. A pattern without `/` also matches the file
/// name alone (`__init__.py`, `test_*.py`).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        if glob(pattern.as_bytes(), name.as_bytes()) {
            return true;
        }
    }
    glob(pattern.as_bytes(), path.as_bytes())
}

fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') if p.get(1) == Some(&b'*') => {
            let rest = p[2..].strip_prefix(b"/").unwrap_or(&p[2..]);
            (0..=s.len()).any(|i| glob(rest, &s[i..]))
        }
        Some(b'*') => {
            let mut i = 0;
            loop {
                if glob(&p[1..], &s[i..]) {
                    return true;
                }
                if i == s.len() || s[i] == b'/' {
                    return false;
                }
                i += 1;
            }
        }
        Some(b'?') => !s.is_empty() && s[0] != b'/' && glob(&p[1..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && glob(&p[1..], &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_codes_prefixes_and_names() {
        let s = Selection::new(vec!["LMM00".into()], vec!["LMM004".into()]).unwrap();
        assert!(s.is_enabled(Rule::HeavyModuleLevelImport));
        assert!(!s.is_enabled(Rule::ImportInLoop));
        assert!(!s.is_enabled(Rule::InvalidSyntax));
        assert!(Selection::new(vec!["import-in-loop".into()], vec![])
            .unwrap()
            .is_enabled(Rule::ImportInLoop));
        assert!(Selection::new(vec!["XYZ1".into()], vec![]).is_err());
        let fast = Selection::new(vec!["LMM1".into()], vec!["LMM105".into()]).unwrap();
        assert!(fast.is_enabled(Rule::FastPathBypassed));
        assert!(!fast.is_enabled(Rule::FastPathStaleProfile));
        assert!(!fast.is_enabled(Rule::HeavyModuleLevelImport));
    }

    #[test]
    fn retired_codes_select_and_ignore_their_successor() {
        let s = Selection::new(vec!["LMM006".into()], vec![]).unwrap();
        assert!(s.is_enabled(Rule::FastPathBypassed));
        assert!(!s.is_enabled(Rule::HeavyModuleLevelImport));
        let s = Selection::new(vec![], vec!["eager-entry-import".into()]).unwrap();
        assert!(!s.is_enabled(Rule::FastPathBypassed));
        assert!(s.is_enabled(Rule::FastPathTooManyImports));
    }

    #[test]
    fn globs_match_like_per_file_ignores_expect() {
        assert!(glob_match("tests/*.py", "tests/test_a.py"));
        assert!(!glob_match("tests/*.py", "tests/sub/test_a.py"));
        assert!(glob_match("tests/**/*.py", "tests/sub/test_a.py"));
        assert!(glob_match("**/migrations/*", "app/migrations/0001.py"));
        assert!(glob_match("__init__.py", "pkg/__init__.py"));
        assert!(glob_match("test_?.py", "pkg/test_a.py"));
        assert!(!glob_match("*.pyi", "pkg/a.py"));
    }
}
