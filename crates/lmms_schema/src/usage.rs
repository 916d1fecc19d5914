//! The usage artifact, `.lmms/usage.json` (`lmms.usage/1`).
//!
//! Field names are a public contract read by `lmms plan`: add fields, never
//! rename or remove one.

use std::collections::BTreeMap;

use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

use crate::{Document, FieldError, ParseError};

pub const USAGE_SCHEMA: &str = "lmms.usage/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Replay,
    Logs,
}

/// One import statement.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportUsage {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub line: u32,
    /// The imported module, absolute (`features` for `from features import x`).
    pub module: String,
    /// `requests_using / requests` (0 when there were no requests).
    pub usage: f64,
    pub requests_using: u64,
    /// Each name a `from M import a, b` binds, with its own figure: the
    /// statement's `usage` is any of them, which says nothing about one
    /// feature module among five. Absent for `import M` and star imports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<NameUsage>,
    /// The statement's import id (`path:start-end`), the one the plan's rows
    /// carry. Absent where the usage stage does not know the statement (log
    /// sources) and in files written before ids existed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
}

/// One bound name of a from-import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NameUsage {
    /// The alias's import id, `path:start-end#index`.
    pub alias: String,
    /// The name bound (`s3_export`, or the `as` name).
    pub name: String,
    /// What the name refers to: the submodule `M.a` when `a` is one, else `M`.
    pub module: String,
    pub usage: f64,
    pub requests_using: u64,
}

/// A module-level value built at import from an imported name (`CONFIG =
/// yaml.safe_load(...)`, `SESSION = requests.Session()`): a request uses it
/// when code that reads the name runs, whatever the library's own code does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValueUsage {
    /// The file that builds it, relative to the project root.
    pub path: String,
    pub line: u32,
    /// The name bound (`CONFIG`).
    pub name: String,
    /// The module the value lives in (`config`).
    pub module: String,
    /// The imported modules the value is built from (`yaml`).
    pub built_from: Vec<String>,
    pub usage: f64,
    pub requests_using: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModuleUsage {
    pub name: String,
    pub usage: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UsageDoc {
    #[schemars(extend("const" = USAGE_SCHEMA))]
    pub schema: String,
    pub requests: u64,
    pub errors: u64,
    pub imports: Vec<ImportUsage>,
    pub modules: Vec<ModuleUsage>,
    pub cold_start_ratio: Option<f64>,
    pub source: Source,
    /// Platform and tracker statistics; only for `source: "logs"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<LogStats>,
    /// Module-level values built at import, with how often they are read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<ValueUsage>,
}

/// Why a `usage.json` cannot be used.
pub type ReadError = ParseError;

impl UsageDoc {
    /// Parse and check a `usage.json` (see [`Document::check`]).
    pub fn from_json(text: &str) -> Result<UsageDoc, ParseError> {
        crate::parse(text)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("UsageDoc serialises")
    }

    /// Usage of one import statement: exact `(path, line)` first, then the
    /// module's figure (every statement importing a module shares the usage
    /// of its exclusive closure, so the module figure is a fair fallback).
    pub fn lookup(&self, path: &str, line: u32, module: &str) -> Option<f64> {
        let path = path.trim_start_matches("./");
        let at = |i: &&ImportUsage| i.line == line && i.path.trim_start_matches("./") == path;
        // A name's own figure first: `from features import alexa, s3_export`
        // is one statement, but each name is its own module and usage.
        let by_name = self
            .imports
            .iter()
            .filter(at)
            .flat_map(|i| i.names.iter().filter(|n| n.module == module))
            .map(|n| n.usage)
            .reduce(f64::max);
        // `from pkg import a, b` may be recorded once, as `pkg`: then the
        // statement's figure is the best there is for `pkg.a`.
        by_name
            .or_else(|| self.imports.iter().find(|i| at(i) && i.module == module).map(|i| i.usage))
            .or_else(|| self.modules.iter().find(|m| m.name == module).map(|m| m.usage))
            .or_else(|| self.imports.iter().find(at).map(|i| i.usage))
            .or_else(|| self.module_usage(module))
    }

    /// How often requests read the module-level value `name` of `path`.
    pub fn value_usage(&self, path: &str, name: &str) -> Option<f64> {
        let path = path.trim_start_matches("./");
        self.values.iter().find(|v| v.name == name && v.path.trim_start_matches("./") == path).map(|v| v.usage)
    }

    pub fn module_usage(&self, module: &str) -> Option<f64> {
        let exact = self.modules.iter().find(|m| m.name == module).map(|m| m.usage);
        // `from features import query` is recorded as `features.query` or
        // `features` depending on the recorder; accept the top package too.
        exact.or_else(|| self.imports.iter().filter(|i| i.module == module).map(|i| i.usage).reduce(f64::max))
    }
}

impl Document for UsageDoc {
    const SCHEMA: &'static str = USAGE_SCHEMA;
    const KIND: &'static str = "usage";

    /// Every usage a fraction in [0, 1], the cold start ratio in (0, 1]: a
    /// ratio the container model cannot use must not be dropped in favour of
    /// the assumed 10% without a word.
    fn check(&self) -> Result<(), FieldError> {
        let fraction = |field: String, value: f64, range: &str| {
            FieldError::new(field, format!("{value}, but it is a fraction in {range}"))
        };
        if let Some((i, u)) = self.imports.iter().enumerate().find(|(_, u)| !(0.0..=1.0).contains(&u.usage)) {
            return Err(fraction(format!("imports[{i}].usage"), u.usage, "[0, 1]"));
        }
        for (i, u) in self.imports.iter().enumerate() {
            if let Some((j, n)) = u.names.iter().enumerate().find(|(_, n)| !(0.0..=1.0).contains(&n.usage)) {
                return Err(fraction(format!("imports[{i}].names[{j}].usage"), n.usage, "[0, 1]"));
            }
        }
        if let Some((i, v)) = self.values.iter().enumerate().find(|(_, v)| !(0.0..=1.0).contains(&v.usage)) {
            return Err(fraction(format!("values[{i}].usage"), v.usage, "[0, 1]"));
        }
        if let Some((i, m)) = self.modules.iter().enumerate().find(|(_, m)| !(0.0..=1.0).contains(&m.usage)) {
            return Err(fraction(format!("modules[{i}].usage"), m.usage, "[0, 1]"));
        }
        if let Some(r) = self.cold_start_ratio.filter(|r| !(*r > 0.0 && *r <= 1.0)) {
            return Err(fraction("cold_start_ratio".into(), r, "(0, 1]"));
        }
        Ok(())
    }
}

/// What the platform lines say about a fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LogStats {
    pub invocations: u64,
    /// REPORTs carrying `Init Duration` (on-demand cold starts).
    pub cold_starts: u64,
    /// REPORTs carrying `Restore Duration` (SnapStart restores).
    pub restores: u64,
    /// True when any SnapStart marker (`Restore Duration`, RESTORE_REPORT) was seen.
    pub snapstart: bool,
    /// REPORTs with `Status: error` or `timeout`.
    pub failed: u64,
    /// INIT_REPORT lines whose status is not `success`.
    pub init_failures: u64,
    /// (cold starts + restores) / invocations; `None` without invocations
    /// or without a single start, where it is only known to be below
    /// 1 / invocations (a ratio of 0 would mean containers live forever).
    pub cold_start_ratio: Option<f64>,
    /// Distinct log streams when the input names them, else one per cold start.
    pub containers: Option<u64>,
    pub requests_per_container: Option<f64>,
    pub init_ms: Option<Summary>,
    pub restore_ms: Option<Summary>,
    /// Sampled tracker lines.
    pub sampled: u64,
    pub sampled_cold: u64,
    /// Per top-level package: sampled invocations whose code used it.
    pub module_counts: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> UsageDoc {
        UsageDoc {
            schema: USAGE_SCHEMA.into(),
            requests: 10,
            errors: 1,
            imports: vec![ImportUsage {
                path: "app.py".into(),
                line: 3,
                module: "requests".into(),
                usage: 0.2,
                requests_using: 2,
                names: vec![],
                id: "app.py:0-15".into(),
            }],
            modules: vec![ModuleUsage { name: "requests".into(), usage: 0.2 }],
            cold_start_ratio: None,
            source: Source::Replay,
            logs: None,
            values: vec![],
        }
    }

    #[test]
    fn json_has_the_contract_fields_and_round_trips() {
        let d = doc();
        let v: serde_json::Value = serde_json::from_str(&d.to_json_pretty()).unwrap();
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["cold_start_ratio", "errors", "imports", "modules", "requests", "schema", "source"]);
        assert_eq!(v["source"], "replay");
        assert!(v["cold_start_ratio"].is_null());
        assert_eq!(UsageDoc::from_json(&d.to_json_pretty()).unwrap(), d);
    }

    #[test]
    fn reading_rejects_a_foreign_schema_and_impossible_fractions_naming_the_field() {
        let good = doc().to_json_pretty();
        let e = UsageDoc::from_json(&good.replace("lmms.usage/1", "lmms.usage/9")).unwrap_err().to_string();
        assert!(e.contains("`schema` is \"lmms.usage/9\""), "{e}");
        let e = UsageDoc::from_json(&good.replace("\"usage\": 0.2", "\"usage\": -0.5")).unwrap_err().to_string();
        assert!(e.contains("`imports[0].usage` is -0.5"), "{e}");
        let e = UsageDoc::from_json(&good.replace("\"cold_start_ratio\": null", "\"cold_start_ratio\": 0.0"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`cold_start_ratio` is 0"), "{e}");
    }

    #[test]
    fn statement_usage_wins_over_module_usage() {
        let mut d = doc();
        d.modules = vec![ModuleUsage { name: "pandas".into(), usage: 0.02 }];
        assert_eq!(d.lookup("./app.py", 3, "requests"), Some(0.2));
        assert_eq!(d.lookup("other.py", 9, "pandas"), Some(0.02));
        assert_eq!(d.lookup("other.py", 9, "requests"), Some(0.2));
        assert_eq!(d.lookup("other.py", 9, "json"), None);
    }

    #[test]
    fn a_file_written_before_import_ids_reads_with_an_empty_id() {
        let old = doc().to_json_pretty().replace(",\n      \"id\": \"app.py:0-15\"", "");
        assert!(!old.contains("\"id\""), "{old}");
        assert_eq!(UsageDoc::from_json(&old).unwrap().imports[0].id, "");
    }
}
