//! `fast_path.py`'s rules (LMM101–LMM108) as `lmms check` diagnostics.
//!
//! `lmms_fast_path` finds them by line; here they get what every
//! other diagnostic has: a byte range for the code frame (the import
//! statement on that line, else the line's text), selection and
//! per-file ignores, and `# noqa` on the line. Only files the check run
//! loaded are reported, so `lmms check some/file.py` stays about that file.

use lmms_graph::ImportGraph;
use lmms_fast_path::Finding;
use lmms_python::{ByteRange, LineIndex};

use crate::{
    noqa, per_file_ignored, relative_path, select, sort, Diagnostic, Location, Report, Rule,
    Settings,
};

/// Add the fast-path findings (paths relative to `settings.root`) to
/// `report`, keeping it sorted.
pub fn add_fast_path(
    report: &mut Report,
    graph: &ImportGraph,
    settings: &Settings,
    findings: Vec<Finding>,
) {
    let mut added = false;
    for f in findings {
        let rule = Rule::from_fast_path(f.rule);
        let path = settings.root.join(&f.path);
        let Ok(i) = graph
            .files
            .binary_search_by(|g| g.path.as_path().cmp(path.as_path()))
        else {
            continue;
        };
        let file = &graph.files[i];
        let rel = relative_path(&file.path, &settings.root);
        let ignored = per_file_ignored(settings, &rel);
        if !settings.selection.is_enabled(rule)
            || ignored.iter().any(|code| select::code_matches(code, rule))
        {
            continue;
        }
        let Some(text) = file.text() else { continue };
        let lines = LineIndex::new(text);
        let (range, module) = statement_on_line(graph, i, text, &lines, f.line, &f.message);
        let noqa = noqa::Directives::scan(text, &lines, std::iter::once(range));
        if noqa.suppresses(&lines, rule, range) {
            continue;
        }
        let (sl, sc) = lines.line_col(text, range.start);
        let (el, ec) = lines.line_col(text, range.end);
        let message = f.message;
        report.diagnostics.push(Diagnostic {
            rule,
            path: file.path.clone(),
            rel_path: rel,
            range,
            start: Location {
                line: sl,
                column: sc,
            },
            end: Location {
                line: el,
                column: ec,
            },
            message,
            module,
            import: None,
        });
        added = true;
    }
    if added {
        sort(&mut report.diagnostics);
    }
}

/// The first import statement starting on `line`, else the line's text
/// without its indentation and line break (empty lines give an empty range).
/// Findings name their module first, in backticks; when that module is one
/// the statement imports, it is the diagnostic's module, and in
/// `import a, b` the range narrows to its name so two findings on one
/// statement point at different places.
fn statement_on_line(
    graph: &ImportGraph,
    file: usize,
    text: &str,
    lines: &LineIndex,
    line: u32,
    message: &str,
) -> (ByteRange, Option<String>) {
    let Some(rec) = graph.files[file]
        .module_ast()
        .and_then(|m| m.imports.iter().find(|r| r.line == line))
    else {
        return (line_range(text, lines, line), None);
    };
    let named = message
        .strip_prefix('`')
        .and_then(|m| m.split('`').next())
        .filter(|m| !m.is_empty());
    let Some(named) = named else {
        return (rec.range, None);
    };
    if !rec.is_from {
        if let Some(n) = rec.names.iter().find(|n| n.target == named) {
            let range = if rec.names.len() > 1 {
                n.range
            } else {
                rec.range
            };
            return (range, Some(named.to_string()));
        }
    }
    let written = format!("{}{}", ".".repeat(rec.level as usize), rec.module);
    let module = (rec.module == named || written == named).then(|| named.to_string());
    (rec.range, module)
}

fn line_range(text: &str, lines: &LineIndex, line: u32) -> ByteRange {
    let Some(start) = lines.start_of_line(line) else {
        return ByteRange { start: 0, end: 0 };
    };
    let end = lines
        .start_of_line(line + 1)
        .map_or(text.len(), |e| e as usize);
    let s = &text[start as usize..end];
    let trimmed_end = s.trim_end_matches(['\n', '\r']).trim_end();
    let indent = trimmed_end.len() - trimmed_end.trim_start().len();
    ByteRange {
        start: start + indent as u32,
        end: start + trimmed_end.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_fast_path::{FastPathRule, Severity};

    #[test]
    fn a_line_range_skips_indentation_and_the_line_break() {
        let text = "a = 1\n    import os  \n\n";
        let idx = LineIndex::new(text);
        let r = line_range(text, &idx, 2);
        assert_eq!(&text[r.start as usize..r.end as usize], "import os");
        let r = line_range(text, &idx, 3);
        assert_eq!(r.start, r.end);
        let r = line_range(text, &idx, 99);
        assert_eq!((r.start, r.end), (0, 0));
    }

    #[test]
    fn findings_take_the_import_statement_and_honour_noqa_and_selection() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(
            root.join("fast_path.py"),
            "\"\"\"Fast path.\"\"\"\nimport json  # 1 ms\nimport pandas  # noqa: LMM107\n",
        )
        .unwrap();
        std::fs::write(root.join("app.py"), "import json\n").unwrap();
        std::fs::write(root.join("entry.py"), "import os, json\n").unwrap();
        let roots = std::slice::from_ref(&root);
        let (graph, _) = ImportGraph::load(
            roots,
            &root,
            roots,
            &[],
            lmms_graph::Environment::builtin(),
        );
        let finding = |rule, severity, path: &str, line| Finding {
            rule,
            severity,
            path: path.into(),
            line,
            column: 1,
            message: format!("{} here", Rule::from_fast_path(rule).code()),
        };
        let findings = vec![
            finding(FastPathRule::MissingHeader, Severity::Error, "fast_path.py", 1),
            finding(FastPathRule::TimeDrift, Severity::Error, "fast_path.py", 2),
            finding(FastPathRule::TierViolation, Severity::Error, "fast_path.py", 3),
            finding(FastPathRule::Bypassed, Severity::Error, "app.py", 1),
            finding(FastPathRule::Bypassed, Severity::Error, "elsewhere.py", 1),
            Finding {
                message: "`json` is on the hot path".into(),
                ..finding(FastPathRule::Bypassed, Severity::Error, "entry.py", 1)
            },
        ];
        let mut settings = Settings {
            root: root.clone(),
            ..Settings::default()
        };
        settings.per_file_ignores =
            crate::PerFileIgnores::new([("app.py".into(), vec!["LMM006".into()])]).unwrap();
        let mut report = Report::default();
        add_fast_path(&mut report, &graph, &settings, findings);
        let got: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{}:{}:{}-{}:{} {} {} {:?}",
                    d.rel_path,
                    d.start.line,
                    d.start.column,
                    d.end.line,
                    d.end.column,
                    d.code(),
                    d.message,
                    d.module
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                "entry.py:1:12-1:16 LMM108 `json` is on the hot path Some(\"json\")",
                "fast_path.py:1:1-1:17 LMM104 LMM104 here None",
                "fast_path.py:2:1-2:12 LMM106 LMM106 here None",
            ]
        );
    }
}
