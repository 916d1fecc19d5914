//! Renderers for `lmms check` diagnostics: ruff-style text with code
//! frames, concise lines, `lmms.check/1` JSON, SARIF 2.1.0 and GitHub
//! workflow annotations, plus `--statistics` counts.
//!
//! Renderers only format: they take diagnostics already sorted and a way to
//! get each file's text, and write to any `io::Write`, propagating errors so
//! a closed pipe surfaces to the caller.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use lmms_lint::{Diagnostic, RULES};
pub use style::Theme;
use style::paint;
use lmms_python::LineIndex;
use serde_json::{json, Value};

pub const CHECK_SCHEMA: &str = "lmms.check/1";
pub const STATISTICS_SCHEMA: &str = "lmms.check-statistics/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Concise,
    Json,
    Sarif,
    Github,
}

pub mod style;

#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Styles for text and concise output (plain unless the binary chose colour).
    pub theme: Theme,
    /// Tool version for SARIF.
    pub version: &'a str,
}

/// Source text of a diagnostic's file, if available.
pub type Sources<'a> = &'a dyn Fn(&Path) -> Option<&'a str>;

/// The check renderers' names for the theme's roles.
struct Style<'t>(&'t Theme);

impl Style<'_> {
    fn bold(&self, s: &str) -> String {
        paint(self.0.heading, s)
    }
    fn red(&self, s: &str) -> String {
        paint(self.0.error, s)
    }
    fn blue(&self, s: &str) -> String {
        paint(self.0.gutter, s)
    }
    fn cyan(&self, s: &str) -> String {
        paint(self.0.punctuation, s)
    }
}

pub fn render(
    w: &mut dyn Write,
    format: Format,
    diags: &[Diagnostic],
    sources: Sources<'_>,
    opts: Options<'_>,
) -> io::Result<()> {
    match format {
        Format::Text => text(w, diags, sources, &opts.theme),
        Format::Concise => concise(w, diags, &opts.theme),
        Format::Json => json_format(w, diags),
        Format::Sarif => sarif(w, diags, opts.version),
        Format::Github => github(w, diags),
    }
}

fn header(w: &mut dyn Write, d: &Diagnostic, s: &Style<'_>) -> io::Result<()> {
    writeln!(
        w,
        "{}{}{}{}{}{} {} {}",
        s.bold(&d.rel_path),
        s.cyan(":"),
        d.start.line,
        s.cyan(":"),
        d.start.column,
        s.cyan(":"),
        s.red(d.code()),
        d.message
    )
}

fn summary(w: &mut dyn Write, n: usize) -> io::Result<()> {
    match n {
        0 => writeln!(w, "All checks passed!"),
        1 => writeln!(w, "Found 1 error."),
        n => writeln!(w, "Found {n} errors."),
    }
}

fn concise(w: &mut dyn Write, diags: &[Diagnostic], theme: &Theme) -> io::Result<()> {
    let s = Style(theme);
    for d in diags {
        header(w, d, &s)?;
    }
    summary(w, diags.len())
}

/// ruff-style: header, then the lines around the finding with carets.
fn text(
    w: &mut dyn Write,
    diags: &[Diagnostic],
    sources: Sources<'_>,
    theme: &Theme,
) -> io::Result<()> {
    let s = Style(theme);
    let mut cached: Option<(&Path, LineIndex)> = None;
    for d in diags {
        header(w, d, &s)?;
        let Some(src) = sources(&d.path) else {
            writeln!(w)?;
            continue;
        };
        if cached.as_ref().is_none_or(|(p, _)| *p != d.path.as_path()) {
            cached = Some((d.path.as_path(), LineIndex::new(src)));
        }
        let (_, idx) = cached.as_ref().expect("just set");
        frame(w, d, src, idx, &s)?;
        writeln!(w)?;
    }
    summary(w, diags.len())
}

fn frame(
    w: &mut dyn Write,
    d: &Diagnostic,
    src: &str,
    idx: &LineIndex,
    s: &Style<'_>,
) -> io::Result<()> {
    let line_text = |n: u32| -> &str {
        let Some(a) = idx.start_of_line(n) else {
            return "";
        };
        let b = idx.start_of_line(n + 1).map_or(src.len(), |b| b as usize);
        src.get(a as usize..b)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    };
    let last_line = idx.line_count() as u32;
    let first = d.start.line.saturating_sub(1).max(1);
    // Long findings show their first line; the carets stop at its end.
    let last = (d.start.line + 1).min(last_line);
    let width = last.to_string().len();
    let gutter = " ".repeat(width);
    writeln!(w, "{gutter} {}", s.blue("|"))?;
    for n in first..=last {
        let t = line_text(n).replace('\t', "    ");
        if n == last && n != d.start.line && t.trim().is_empty() {
            continue;
        }
        writeln!(w, "{} {} {t}", s.blue(&format!("{n:>width$}")), s.blue("|"))?;
        if n == d.start.line {
            let raw = line_text(n);
            let col = d.start.column as usize - 1;
            let prefix: String = raw
                .chars()
                .take(col)
                .map(|c| {
                    if c == '\t' {
                        "    ".to_string()
                    } else {
                        " ".to_string()
                    }
                })
                .collect();
            let len = if d.end.line == d.start.line {
                (d.end.column as usize).saturating_sub(d.start.column as usize)
            } else {
                raw.chars().count().saturating_sub(col)
            }
            .max(1);
            writeln!(
                w,
                "{gutter} {} {prefix}{} {}",
                s.blue("|"),
                s.red(&"^".repeat(len)),
                s.red(d.code())
            )?;
        }
    }
    writeln!(w, "{gutter} {}", s.blue("|"))
}

/// One `lmms.check/1` diagnostic; field order is the documented order.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    module: Option<&'a str>,
    /// The edits `lmms fix` would make, where it would move the import.
    fix: Option<lmms_lint::fixes::DiagnosticFix>,
}

/// `lmms check --format json`.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "CheckDoc")]
struct JsonDoc<'a> {
    #[schemars(extend("const" = CHECK_SCHEMA))]
    schema: &'a str,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

/// The JSON Schema of `lmms.check/1`, from the type [`Format::Json`] writes.
pub fn check_json_schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<JsonDoc>()
}

fn json_format(w: &mut dyn Write, diags: &[Diagnostic]) -> io::Result<()> {
    let fixes = lmms_lint::fixes::fixes(diags);
    let doc = JsonDoc {
        schema: CHECK_SCHEMA,
        diagnostics: diags
            .iter()
            .zip(fixes)
            .map(|(d, fix)| JsonDiagnostic {
                code: d.code(),
                path: &d.rel_path,
                line: d.start.line,
                column: d.start.column,
                end_line: d.end.line,
                end_column: d.end.column,
                message: &d.message,
                module: d.module.as_deref(),
                fix,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

fn sarif(w: &mut dyn Write, diags: &[Diagnostic], version: &str) -> io::Result<()> {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.doc() },
                "help": { "text": r.doc(), "markdown": r.doc() },
                "defaultConfiguration": { "level": "error" },
                "properties": { "tags": ["lmms", "imports", "cold-start"] },
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "ruleId": d.code(),
                "ruleIndex": RULES.iter().position(|r| r.rule == d.rule),
                "level": "error",
                "message": { "text": d.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": d.rel_path, "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": d.start.line,
                            "startColumn": d.start.column,
                            "endLine": d.end.line,
                            "endColumn": d.end.column,
                        }
                    }
                }],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "lmms",
                "version": version,
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}

/// Workflow-command escaping: data escapes `%`, CR, LF; properties also `:`
/// and `,`.
fn gh_escape(s: &str, property: bool) -> String {
    let mut out = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn github(w: &mut dyn Write, diags: &[Diagnostic]) -> io::Result<()> {
    for d in diags {
        writeln!(
            w,
            "::error title={},file={},line={},col={},endLine={},endColumn={}::{}",
            gh_escape(&format!("lmms ({})", d.code()), true),
            gh_escape(&d.rel_path, true),
            d.start.line,
            d.start.column,
            d.end.line,
            d.end.column,
            gh_escape(
                &format!(
                    "{}:{}:{}: {} {}",
                    d.rel_path,
                    d.start.line,
                    d.start.column,
                    d.code(),
                    d.message
                ),
                false
            )
        )?;
    }
    Ok(())
}

/// Counts by code, most frequent first.
pub fn statistics(diags: &[Diagnostic]) -> Vec<(&'static str, &'static str, usize)> {
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for d in diags {
        *counts.entry(d.code()).or_default() += 1;
    }
    let mut v: Vec<_> = counts
        .into_iter()
        .map(|(code, n)| {
            (
                code,
                RULES.iter().find(|r| r.code == code).map_or("", |r| r.name),
                n,
            )
        })
        .collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
    v
}

pub fn render_statistics(
    w: &mut dyn Write,
    format: Format,
    diags: &[Diagnostic],
    theme: &Theme,
) -> io::Result<()> {
    let stats = statistics(diags);
    match format {
        Format::Json | Format::Sarif => {
            let doc = json!({
                "schema": STATISTICS_SCHEMA,
                "statistics": stats.iter().map(|(code, name, count)| json!({"code": code, "name": name, "count": count})).collect::<Vec<_>>(),
                "total": diags.len(),
            });
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)
        }
        _ => {
            let s = Style(theme);
            let width = stats
                .iter()
                .map(|s| s.2.to_string().len())
                .max()
                .unwrap_or(1);
            for (code, name, count) in &stats {
                writeln!(w, "{count:>width$}\t{}\t{name}", s.red(code))?;
            }
            summary(w, diags.len())
        }
    }
}
