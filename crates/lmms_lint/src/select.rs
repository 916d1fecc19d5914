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

/// A `per-file-ignores` pattern that is not a glob.
#[derive(Debug, thiserror::Error)]
pub enum PerFileIgnoreError {
    #[error("`per-file-ignores`: {pattern:?} is not a glob: {message}")]
    Glob { pattern: String, message: String },
    #[error("`per-file-ignores` for {pattern:?}: {source}")]
    Code { pattern: String, source: SelectionError },
}

/// `per-file-ignores`, compiled once with `globset` (the glob syntax of
/// ruff and ripgrep: `*` within a segment, `**` across segments, `?`,
/// `[abc]`, `{a,b}`). Patterns are relative to the project root; a leading
/// `./` is dropped, and a pattern without `/` also matches the file name
/// alone (`__init__.py`, `test_*.py`).
#[derive(Debug, Clone, Default)]
pub struct PerFileIgnores {
    set: globset::GlobSet,
    codes: Vec<Vec<String>>,
}

impl PerFileIgnores {
    pub fn new(pairs: impl IntoIterator<Item = (String, Vec<String>)>) -> Result<PerFileIgnores, PerFileIgnoreError> {
        let mut builder = globset::GlobSetBuilder::new();
        let mut codes = Vec::new();
        for (pattern, cs) in pairs {
            for c in &cs {
                validate(c).map_err(|source| PerFileIgnoreError::Code { pattern: pattern.clone(), source })?;
            }
            let normalized = pattern.strip_prefix("./").unwrap_or(&pattern);
            let glob = globset::GlobBuilder::new(normalized)
                .literal_separator(true)
                .build()
                .map_err(|e| PerFileIgnoreError::Glob { pattern: pattern.clone(), message: e.kind().to_string() })?;
            builder.add(glob);
            codes.push(cs);
        }
        let set = builder
            .build()
            .map_err(|e| PerFileIgnoreError::Glob { pattern: String::new(), message: e.to_string() })?;
        Ok(PerFileIgnores { set, codes })
    }

    /// The codes ignored in the file at `rel` (relative to the root, `/`-separated).
    pub fn ignored(&self, rel: &str) -> Vec<&str> {
        let rel = rel.strip_prefix("./").unwrap_or(rel);
        let name = rel.rsplit('/').next().unwrap_or(rel);
        let mut hits = self.set.matches(rel);
        if name != rel {
            hits.extend(self.set.matches(name));
            hits.sort_unstable();
            hits.dedup();
        }
        hits.into_iter().flat_map(|i| self.codes[i].iter().map(String::as_str)).collect()
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

    fn matches(pattern: &str, path: &str) -> bool {
        !PerFileIgnores::new([(pattern.to_string(), vec!["LMM001".to_string()])]).unwrap().ignored(path).is_empty()
    }

    #[test]
    fn globs_match_like_per_file_ignores_expect() {
        assert!(matches("tests/*.py", "tests/test_a.py"));
        assert!(!matches("tests/*.py", "tests/sub/test_a.py"));
        assert!(matches("tests/**/*.py", "tests/sub/test_a.py"));
        assert!(matches("**/migrations/*", "app/migrations/0001.py"));
        assert!(matches("__init__.py", "pkg/__init__.py"));
        assert!(matches("test_?.py", "pkg/test_a.py"));
        assert!(!matches("*.pyi", "pkg/a.py"));
    }

    #[test]
    fn alternatives_classes_and_a_leading_dot_slash_match() {
        assert!(matches("{app,other}.py", "app.py") && matches("{app,other}.py", "other.py"));
        assert!(!matches("{app,other}.py", "third.py"));
        assert!(matches("[a]pp.py", "app.py") && !matches("[b]pp.py", "app.py"));
        assert!(matches("./app.py", "app.py"));
        assert!(matches("./pkg/*.py", "pkg/mod.py"));
    }

    #[test]
    fn a_broken_glob_or_unknown_code_names_the_pattern() {
        let e = PerFileIgnores::new([("{app.py".to_string(), vec!["LMM001".to_string()])]).unwrap_err().to_string();
        assert!(e.starts_with("`per-file-ignores`: \"{app.py\" is not a glob"), "{e}");
        let e = PerFileIgnores::new([("app.py".to_string(), vec!["XYZ9".to_string()])]).unwrap_err().to_string();
        assert!(e.contains("\"app.py\"") && e.contains("XYZ9"), "{e}");
    }
}
