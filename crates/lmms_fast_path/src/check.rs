//! Holding `fast_path.py` to DEC-04 (`lmms fast-path check`, and the
//! `LMM1xx` rules of `lmms check`).
//!
//! Limits are DEC-04's: fewer than 20 imports, under 200 ms measured in
//! total, under 50 lines of code. Header fields are the template's "Last
//! profiled" and "Cold start target", plus a recorded time per import and,
//! above `module-level-ms`, usage and a justification. Stale or drifted
//! evidence fails the check like every other rule: a rule has one severity,
//! here and in `lmms check`. Each rule lives in its own file under `rules/`
//! with its documentation.

use std::collections::BTreeSet;

use lmms_config::Config;
use lmms_profile::doc::ProfileDoc;
use lmms_python::{ImportScope, ParsedModule};
use serde::Serialize;

use lmms_plan::plan::{resolve_relative, PlanDoc};
use lmms_plan::usage::UsageDoc;

use crate::FastPathRule;

/// DEC-04 "Size Limits": fewer than `IMPORT_LIMIT` imports, so at most
/// `IMPORT_LIMIT - 1` (19); `fast-path generate` writes no more than that.
pub const IMPORT_LIMIT: usize = 20;
pub const MAX_TOTAL_MS: f64 = 200.0;
pub const MAX_CODE_LINES: usize = 50;
/// Relative drift beyond which a recorded time is stale.
pub const DRIFT: f64 = 0.25;
/// Below this absolute difference drift is timer noise, not a stale number.
pub const DRIFT_FLOOR_MS: f64 = 1.0;

/// A finding's severity, from its rule ([`FastPathRule::severity`]). Only
/// errors exist: a rule has one severity everywhere, and `lmms check` has
/// no warnings. `lmms.fast-path-check/1` keeps its `severity` and
/// `warnings` fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
}

/// One finding. It names its rule by type; the caller renders the rule's
/// code from the lint registry.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub rule: FastPathRule,
    pub severity: Severity,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// The entry module, for LMM108.
pub struct EntryFile<'a> {
    pub path: &'a str,
    pub module: &'a str,
    pub is_package: bool,
    pub parsed: &'a ParsedModule,
}

pub struct CheckInput<'a> {
    pub path: &'a str,
    pub source: &'a str,
    pub parsed: &'a ParsedModule,
    pub fast_path_module: &'a str,
    pub profile: Option<&'a ProfileDoc>,
    pub plan: Option<&'a PlanDoc>,
    pub usage: Option<&'a UsageDoc>,
    pub config: &'a Config,
    /// Today, in days since 1970-01-01 (the caller reads the clock).
    pub today_days: i64,
    pub entry: Option<EntryFile<'a>>,
}

/// One imported name of fast_path.py with what its line records.
pub(crate) struct Imported {
    pub module: String,
    pub line: u32,
    pub comment: Option<String>,
}

/// What every rule reads, computed once.
pub(crate) struct Cx<'a> {
    pub input: &'a CheckInput<'a>,
    lines: Vec<&'a str>,
    pub imported: Vec<Imported>,
}

impl<'a> Cx<'a> {
    fn new(input: &'a CheckInput<'a>) -> Cx<'a> {
        let lines: Vec<&str> = input.source.lines().collect();
        let mut imported = Vec::new();
        for r in input.parsed.imports.iter().filter(|r| {
            !matches!(
                r.scope,
                ImportScope::Function { .. } | ImportScope::TypeChecking
            )
        }) {
            let base = resolve_relative(input.fast_path_module, false, r.level, &r.module)
                .unwrap_or_default();
            let comment = lines
                .get(r.line as usize - 1)
                .and_then(|l| l.find('#').map(|i| l[i + 1..].trim().to_string()));
            let modules: Vec<String> = if r.is_star || r.names.is_empty() || r.is_from {
                vec![base.clone(); r.names.len().max(1)]
            } else {
                // `import a.b, c`: each alias names its whole module.
                r.names.iter().map(|n| n.target.clone()).collect()
            };
            for module in modules {
                imported.push(Imported {
                    module,
                    line: r.line,
                    comment: comment.clone(),
                });
            }
        }
        Cx {
            input,
            lines,
            imported,
        }
    }

    pub fn finding(
        &self,
        rule: FastPathRule,
        line: u32,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            severity: rule.severity(),
            path: self.input.path.to_string(),
            line,
            column: 1,
            message,
        }
    }

    /// Each `(module, line)` once: `from x import a, b` is one statement.
    pub fn unique_imports(&self) -> impl Iterator<Item = &Imported> {
        let mut seen = BTreeSet::new();
        self.imported
            .iter()
            .filter(move |i| seen.insert((i.module.clone(), i.line)))
    }

    /// The plan's marginal cost when the plan has the module, else the
    /// profile's cumulative time.
    pub fn measured(&self, module: &str) -> Option<f64> {
        self.input
            .plan
            .and_then(|p| p.imports.iter().find(|r| r.module == module))
            .and_then(|r| r.import_ms)
            .or_else(|| {
                self.input
                    .profile
                    .and_then(|p| p.module(module))
                    .map(|p| p.cumulative_ms.median)
            })
    }

    pub fn usage_of(&self, module: &str) -> Option<f64> {
        self.input
            .usage
            .and_then(|u| u.module_usage(module))
            .or_else(|| {
                self.input
                    .plan
                    .and_then(|p| p.imports.iter().find(|r| r.module == module))
                    .and_then(|r| r.usage)
            })
    }

    /// `Name: value` in the lines before the first import (the docstring or
    /// comments), with its 1-based line.
    pub fn header_field(&self, name: &str) -> Option<(u32, String)> {
        let end = self
            .input
            .parsed
            .imports
            .iter()
            .map(|r| r.line as usize - 1)
            .min()
            .unwrap_or(self.lines.len());
        self.lines[..end.min(self.lines.len())]
            .iter()
            .enumerate()
            .find_map(|(n, l)| {
                let t = l.trim().trim_start_matches('#').trim();
                t.strip_prefix(name)
                    .map(|v| (n as u32 + 1, v.trim_start_matches(':').trim().to_string()))
            })
    }
}

/// First `N ms` / `Nms` figure in a comment.
pub(crate) fn recorded_ms(comment: &str) -> Option<f64> {
    let bytes = comment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b',')
            {
                i += 1;
            }
            let num = comment[start..i].replace(',', "");
            if comment[i..].trim_start().starts_with("ms") {
                return num.parse().ok();
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Words beyond the time and usage figures: the justification DEC-04 asks
/// for above 10 ms (`# 35 ms, 95% of requests — every request validates`).
pub(crate) fn justification_words(comment: &str) -> usize {
    comment
        .split(|c: char| !c.is_alphanumeric() && c != '%' && c != '.')
        .filter(|w| !w.is_empty())
        .filter(|w| !w.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .filter(|w| {
            !matches!(
                w.to_ascii_lowercase().as_str(),
                "ms" | "of" | "requests" | "request" | "usage"
            )
        })
        .count()
}

pub(crate) fn has_usage(comment: &str) -> bool {
    comment.contains('%')
}

/// Non-blank lines that are neither comments nor the module docstring.
pub fn code_lines(source: &str) -> usize {
    let lines: Vec<&str> = source.lines().collect();
    let mut skip = BTreeSet::new();
    let mut i = 0;
    while i < lines.len() && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('#'))
    {
        i += 1;
    }
    if i < lines.len() {
        let t = lines[i].trim_start();
        let t = t.strip_prefix(['r', 'R', 'u', 'U']).unwrap_or(t);
        if let Some(q) = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q)) {
            let end = if t[3..].contains(q) {
                i
            } else {
                (i + 1..lines.len())
                    .find(|&j| lines[j].contains(q))
                    .unwrap_or(lines.len() - 1)
            };
            skip.extend(i..=end);
        }
    }
    lines
        .iter()
        .enumerate()
        .filter(|(n, l)| {
            !skip.contains(n) && !l.trim().is_empty() && !l.trim_start().starts_with('#')
        })
        .count()
}

/// Run every fast-path rule; findings sorted by file (fast_path first), line, code.
pub fn check(input: &CheckInput<'_>) -> Vec<Finding> {
    let cx = Cx::new(input);
    let mut out = Vec::new();
    for r in FastPathRule::ALL {
        r.check(&cx, &mut out);
    }
    out.sort_by(|a, b| {
        (a.path != input.path, a.line, a.rule).cmp(&(b.path != input.path, b.line, b.rule))
    });
    out
}

/// Any error fails the check.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_time_is_read_from_the_comment() {
        assert_eq!(recorded_ms("0.8 ms, 100% of requests"), Some(0.8));
        assert_eq!(recorded_ms("15ms, every request"), Some(15.0));
        assert_eq!(recorded_ms("1,200 ms"), Some(1200.0));
        assert_eq!(recorded_ms("used by 95%"), None);
    }

    #[test]
    fn justification_needs_words_beyond_the_figures() {
        assert_eq!(justification_words("35.0 ms, 95% of requests"), 0);
        assert!(
            justification_words("35.0 ms, 95% of requests — hot path: every request validates")
                >= 2
        );
    }

    #[test]
    fn code_lines_skip_docstring_comments_and_blanks() {
        let src = "# head\n\"\"\"\nDoc\nLast profiled: x\n\"\"\"\n\nimport json  # 1 ms\n# c\n\n__all__ = [\n    \"json\",\n]\n";
        assert_eq!(code_lines(src), 4);
        assert_eq!(code_lines("\"\"\"one line\"\"\"\nimport os\n"), 1);
    }
}
