//! Reading the lmms table out of TOML text with positions, turning it into a
//! [`Config`], and checking every value. The table is found by parsing the
//! TOML, never by looking for a line that starts with `[tool.lmms]`, so every
//! spelling TOML allows works and a broken header is a syntax error. A wrong
//! type, an out-of-range number or a value outside an enumeration is an error
//! that names the key, its line and what it accepts: no value ever falls back
//! to a default silently.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::{Spanned, Value};

use crate::{parse_entry, root_of, timeout_from_secs, Config, ConfigError, Project, KNOWN_KEYS};

/// Values `target-version` accepts.
pub const ALLOWED_TARGET_VERSIONS: &[&str] = &["py3", "py315"];
/// Values `policy` accepts.
pub const ALLOWED_POLICIES: &[&str] = &["lmms", "cost"];

type Section = BTreeMap<Spanned<String>, Spanned<Value>>;

/// The lmms table of a file, with the position of every key and value.
pub(crate) struct Found {
    name: &'static str,
    table: Section,
}

#[derive(Deserialize)]
struct Doc {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    lmms: Option<Section>,
}

/// The lmms table of `text`: `[tool.lmms]` however TOML spells it, or for an
/// `lmms.toml` without one, the whole file. `None` for a `pyproject.toml`
/// without the table.
pub(crate) fn find(path: &Path, text: &str, pyproject: bool) -> Result<Option<Found>, ConfigError> {
    let doc: Doc = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    if let Some(table) = doc.tool.and_then(|t| t.lmms) {
        return Ok(Some(Found { name: "tool.lmms", table }));
    }
    if pyproject {
        return Ok(None);
    }
    let table: Section = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
    Ok(Some(Found { name: "lmms.toml", table }))
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let (line, column) = e.span().map_or((0, 0), |s| line_col(text, s.start));
    ConfigError::Toml { path: path.to_path_buf(), line, column, message: e.message().trim().to_string() }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Check the table's keys, types and values and build the project.
pub(crate) fn build(path: &Path, text: &str, found: Found) -> Result<Project, ConfigError> {
    let pos = |span: Range<usize>| line_col(text, span.start);
    let unknown: Vec<&Spanned<String>> =
        found.table.keys().filter(|k| !KNOWN_KEYS.contains(&k.get_ref().as_str())).collect();
    if let Some(first) = unknown.first() {
        let (line, column) = pos(first.span());
        return Err(ConfigError::UnknownKeys {
            path: path.to_path_buf(),
            line,
            column,
            section: found.name.into(),
            keys: unknown.iter().map(|k| k.get_ref().clone()).collect(),
        });
    }
    let invalid = |span: Range<usize>, message: String| {
        let (line, column) = pos(span);
        ConfigError::Invalid { path: path.to_path_buf(), line, column, message }
    };
    // Key by key, so a type error names the key it is about.
    for (key, value) in &found.table {
        let one = toml::Table::from_iter([(key.get_ref().clone(), value.get_ref().clone())]);
        if let Err(e) = Value::Table(one).try_into::<Config>() {
            return Err(invalid(value.span(), type_message(key.get_ref(), value.get_ref(), &e)));
        }
    }
    let all: toml::Table = found.table.iter().map(|(k, v)| (k.get_ref().clone(), v.get_ref().clone())).collect();
    let config: Config = Value::Table(all).try_into().map_err(|e: toml::de::Error| invalid(0..0, e.message().into()))?;
    if let Err((key, message)) = validate(&config) {
        let span = found.table.iter().find(|(k, _)| k.get_ref() == key).map_or(0..0, |(_, v)| v.span());
        return Err(invalid(span, message));
    }
    Ok(Project { root: root_of(path), config_file: Some(path.to_path_buf()), config })
}

/// What each key accepts, in the words the error uses.
fn expected(key: &str) -> &'static str {
    match key {
        "entry" => "a string \"module:function\"",
        "python" | "fast-path" => "a path (a string)",
        "src" | "exclude" | "select" | "ignore" => "an array of strings",
        "runs" => "a whole number of runs, at least 1",
        "timeout" => "a number of seconds",
        "heavy" => "a table of `module = milliseconds`",
        "per-file-ignores" => "a table of `\"glob\" = [\"CODE\", …]`",
        "policy" => "one of \"lmms\", \"cost\"",
        "target-version" => "one of \"py3\", \"py315\"",
        "module-level-ms" | "function-level-ms" | "cold-start-target-ms" => "a number of milliseconds",
        "hot-usage" | "cold-usage" | "cold-start-ratio" => "a fraction between 0 and 1",
        "snapstart" => "true or false",
        "profile-max-age-days" => "a number of days",
        _ => "a number",
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => format!("the string {s:?}"),
        Value::Integer(i) => format!("the integer {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Boolean(b) => format!("{b}"),
        Value::Datetime(d) => format!("the date {d}"),
        Value::Array(_) => "an array".into(),
        Value::Table(_) => "a table".into(),
    }
}

fn type_message(key: &str, value: &Value, e: &toml::de::Error) -> String {
    let mut m = format!("`{key}` must be {}, got {}", expected(key), describe(value));
    // Inside an array or table the outer type is right; say what is not.
    if matches!(value, Value::Array(_) | Value::Table(_)) {
        m.push_str(&format!(" ({})", e.message().trim()));
    }
    m
}

type Invalid = (&'static str, String);

/// Values a type cannot rule out. The error carries the key so its line can
/// be found.
fn validate(c: &Config) -> Result<(), Invalid> {
    if let Some(entry) = &c.entry {
        if parse_entry(entry).is_none() {
            return Err(("entry", format!("`entry` must look like \"module:function\", got {entry:?}")));
        }
    }
    if let Some(v) = &c.target_version {
        if !ALLOWED_TARGET_VERSIONS.contains(&v.as_str()) {
            return Err((
                "target-version",
                format!("`target-version` must be one of {}, got {v:?}", quoted(ALLOWED_TARGET_VERSIONS)),
            ));
        }
    }
    if c.src.is_empty() {
        return Err(("src", "`src` must name at least one source root (the default is [\".\"])".into()));
    }
    for (key, v) in [("hot-usage", c.hot_usage), ("cold-usage", c.cold_usage)] {
        if !(0.0..=1.0).contains(&v) {
            return Err((key, format!("`{key}` is a fraction between 0 and 1, got {v}")));
        }
    }
    for (key, v) in [
        ("module-level-ms", c.module_level_ms),
        ("function-level-ms", c.function_level_ms),
        ("daily-requests", c.daily_requests),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err((key, format!("`{key}` must be a finite number, at least 0, got {v}")));
        }
    }
    for (key, v) in [("cold-start-target-ms", c.cold_start_target_ms), ("profile-max-age-days", c.profile_max_age_days)]
    {
        if !(v.is_finite() && v > 0.0) {
            return Err((key, format!("`{key}` must be a finite number above 0, got {v}")));
        }
    }
    if c.module_level_ms > c.function_level_ms {
        return Err((
            "module-level-ms",
            format!(
                "`module-level-ms` ({}) must not exceed `function-level-ms` ({})",
                c.module_level_ms, c.function_level_ms
            ),
        ));
    }
    if let Some(r) = c.cold_start_ratio {
        if !(r > 0.0 && r <= 1.0) {
            return Err(("cold-start-ratio", format!("`cold-start-ratio` is a fraction in (0, 1], got {r}")));
        }
    }
    if let Some(n) = c.requests_per_container {
        if !(n.is_finite() && n >= 1.0) {
            return Err(("requests-per-container", format!("`requests-per-container` must be at least 1, got {n}")));
        }
    }
    if let Some((module, ms)) = c.heavy.iter().find(|(_, ms)| !(ms.is_finite() && **ms >= 0.0)) {
        return Err(("heavy", format!("`heavy` times are milliseconds, at least 0; `{module}` has {ms}")));
    }
    if c.runs == Some(0) {
        return Err(("runs", "`runs` must be at least 1".into()));
    }
    if let Some(secs) = c.timeout {
        if let Err(e) = timeout_from_secs(secs) {
            return Err(("timeout", format!("`timeout` {e}")));
        }
    }
    Ok(())
}

fn quoted(values: &[&str]) -> String {
    values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::{discover, parse, ConfigError, Policy, Project};

    fn p(text: &str) -> Result<Project, ConfigError> {
        parse(Path::new("/proj/pyproject.toml"), text, true)
    }

    fn err(text: &str) -> String {
        p(text).unwrap_err().to_string()
    }

    #[test]
    fn every_toml_spelling_of_the_table_is_read() {
        for text in [
            "[ tool.lmms ]\nentry = \"app:handler\"\n",
            "[tool]\nlmms = {entry = \"app:handler\"}\n",
            "[tool]\nlmms.entry = \"app:handler\"\n",
            "tool.lmms.entry = \"app:handler\"\n",
            "[\"tool\".'lmms']\nentry = \"app:handler\"\n",
        ] {
            assert_eq!(p(text).unwrap().config.entry.as_deref(), Some("app:handler"), "{text}");
        }
    }

    #[test]
    fn a_broken_header_is_a_syntax_error_with_line_and_column() {
        let e = err("[project]\nname = \"x\"\n[tool.lmms\nentry = \"app:handler\"\n");
        assert!(e.starts_with("/proj/pyproject.toml:3:"), "{e}");
        assert!(e.contains("invalid TOML"), "{e}");
    }

    #[test]
    fn a_wrong_type_names_the_key_line_and_what_it_accepts() {
        let e = err("[tool.lmms]\nentry = \"app:handler\"\nruns = \"five\"\n");
        assert_eq!(
            e,
            "/proj/pyproject.toml:3:8: `runs` must be a whole number of runs, at least 1, got the string \"five\""
        );
        let e = err("[tool]\nlmms = {runs = 5, snapstart = \"yes\"}\n");
        assert!(e.starts_with("/proj/pyproject.toml:2:") && e.contains("`snapstart` must be true or false"), "{e}");
        let e = err("[tool.lmms.heavy]\npandas = \"slow\"\n");
        assert!(e.contains("`heavy` must be a table") && e.contains("\"slow\""), "{e}");
    }

    #[test]
    fn enumerated_values_are_checked_and_the_allowed_ones_listed() {
        let e = err("[tool.lmms]\ntarget-version = \"py-3.15\"\n");
        assert_eq!(
            e,
            "/proj/pyproject.toml:2:18: `target-version` must be one of \"py3\", \"py315\", got \"py-3.15\""
        );
        let e = err("[tool.lmms]\n\npolicy = \"fast\"\n");
        assert!(e.starts_with("/proj/pyproject.toml:3:10: `policy` must be one of \"lmms\", \"cost\""), "{e}");
        let ok = p("[tool.lmms]\npolicy = \"cost\"\ntarget-version = \"py315\"\n").unwrap();
        assert_eq!(ok.config.policy, Policy::Cost);
        assert_eq!(ok.config.target_version.as_deref(), Some("py315"));
    }

    #[test]
    fn out_of_range_numbers_name_their_key_and_line() {
        for (text, key) in [
            ("hot-usage = 1.5", "`hot-usage`"),
            ("module-level-ms = nan", "`module-level-ms`"),
            ("cold-start-target-ms = 0", "`cold-start-target-ms`"),
            ("requests-per-container = 0.5", "`requests-per-container`"),
            ("src = []", "`src`"),
            ("runs = 0", "`runs`"),
            ("runs = -3", "`runs`"),
        ] {
            let e = err(&format!("[tool.lmms]\n{text}\n"));
            assert!(e.starts_with("/proj/pyproject.toml:2:") && e.contains(key), "{text}: {e}");
        }
        let e = err("[tool.lmms.heavy]\npandas = -1\n");
        assert!(e.contains("`heavy`") && e.contains("pandas"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let e = err("[tool.lmms]\nentry = \"a:b\"\nrunz = 3\n");
        assert!(e.starts_with("/proj/pyproject.toml:3:1: unknown key in [tool.lmms]: runz;"), "{e}");
    }

    #[test]
    fn discovery_stops_at_a_broken_pyproject_instead_of_walking_on() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lmms.toml"), "entry = \"outer:h\"\n").unwrap();
        let sub = dir.path().join("fn");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("pyproject.toml"), "[tool.lmms\nentry = \"app:handler\"\n").unwrap();
        let e = discover(&sub).unwrap_err().to_string();
        assert!(e.contains("pyproject.toml:1:") && e.contains("invalid TOML"), "{e}");
        std::fs::write(sub.join("pyproject.toml"), "[ tool.lmms ]\nentry = \"app:handler\"\n").unwrap();
        let proj = discover(&sub).unwrap();
        assert_eq!(proj.root, sub);
        assert_eq!(proj.config_file, Some(sub.join("pyproject.toml")));
    }
}
