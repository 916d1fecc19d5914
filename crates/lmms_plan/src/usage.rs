//! The subset of `.lmms/usage.json` (`lmms.usage/1`) the plan reads.
//!
//! Only the documented fields are required; anything else the usage command
//! adds is ignored, so the two commands can evolve independently.

use serde::Deserialize;

pub const USAGE_SCHEMA: &str = "lmms.usage/1";

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct UsageDoc {
    #[schemars(extend("const" = USAGE_SCHEMA))]
    pub schema: String,
    #[serde(default)]
    pub requests: Option<u64>,
    #[serde(default)]
    pub imports: Vec<ImportUsage>,
    #[serde(default)]
    pub modules: Vec<ModuleUsage>,
    #[serde(default)]
    pub cold_start_ratio: Option<f64>,
    /// Module-level values built at import and how often requests read them.
    #[serde(default)]
    pub values: Vec<ValueUsage>,
}

/// One bound name of a from-import (`lmms usage` writes one per alias).
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct NameUsage {
    #[serde(default)]
    pub alias: String,
    pub name: String,
    pub module: String,
    pub usage: f64,
}

/// A module-level value built at import (`CONFIG = yaml.safe_load(...)`).
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct ValueUsage {
    pub path: String,
    pub line: u32,
    pub name: String,
    pub usage: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct ImportUsage {
    /// Relative to the project root.
    pub path: String,
    pub line: u32,
    pub module: String,
    /// Fraction of requests, 0–1.
    pub usage: f64,
    #[serde(default)]
    pub requests_using: Option<u64>,
    /// Per bound name of a from-import; absent in older usage files.
    #[serde(default)]
    pub names: Vec<NameUsage>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema)]
pub struct ModuleUsage {
    pub name: String,
    pub usage: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("not a usage document: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported usage schema {found:?} (expected {USAGE_SCHEMA:?})")]
    Schema { found: String },
    #[error("`cold_start_ratio` is {0}, but it is a fraction in (0, 1]; run `lmms usage --logs` again")]
    ColdStartRatio(f64),
}

impl UsageDoc {
    pub fn from_json(text: &str) -> Result<UsageDoc, UsageError> {
        let doc: UsageDoc = serde_json::from_str(text)?;
        if doc.schema != USAGE_SCHEMA {
            return Err(UsageError::Schema { found: doc.schema });
        }
        // A ratio the container model cannot use must not be dropped in
        // favour of the assumed 10% without a word.
        if let Some(r) = doc.cold_start_ratio.filter(|r| !(*r > 0.0 && *r <= 1.0)) {
            return Err(UsageError::ColdStartRatio(r));
        }
        Ok(doc)
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
            .or_else(|| {
                self.modules
                    .iter()
                    .find(|m| m.name == module)
                    .map(|m| m.usage)
            })
            .or_else(|| self.imports.iter().find(at).map(|i| i.usage))
            .or_else(|| self.module_usage(module))
    }

    /// How often requests read the module-level value `name` of `path`.
    pub fn value_usage(&self, path: &str, name: &str) -> Option<f64> {
        let path = path.trim_start_matches("./");
        self.values.iter().find(|v| v.name == name && v.path.trim_start_matches("./") == path).map(|v| v.usage)
    }

    pub fn module_usage(&self, module: &str) -> Option<f64> {
        let exact = self
            .modules
            .iter()
            .find(|m| m.name == module)
            .map(|m| m.usage);
        // `from features import query` is recorded as `features.query` or
        // `features` depending on the recorder; accept the top package too.
        exact.or_else(|| {
            self.imports
                .iter()
                .filter(|i| i.module == module)
                .map(|i| i.usage)
                .reduce(f64::max)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"schema": "lmms.usage/1", "requests": 1000, "errors": 0,
        "imports": [{"path": "app.py", "line": 3, "module": "boto3", "usage": 0.07, "requests_using": 70}],
        "modules": [{"name": "pandas", "usage": 0.02}], "cold_start_ratio": 0.074, "source": "replay"}"#;

    #[test]
    fn statement_usage_wins_over_module_usage() {
        let d = UsageDoc::from_json(DOC).unwrap();
        assert_eq!(d.lookup("./app.py", 3, "boto3"), Some(0.07));
        assert_eq!(d.lookup("other.py", 9, "pandas"), Some(0.02));
        assert_eq!(d.lookup("other.py", 9, "boto3"), Some(0.07));
        assert_eq!(d.lookup("other.py", 9, "json"), None);
        assert_eq!(d.cold_start_ratio, Some(0.074));
    }

    #[test]
    fn a_name_of_a_from_import_has_its_own_figure_not_the_statements() {
        let doc = r#"{"schema": "lmms.usage/1", "imports": [{"path": "app.py", "line": 1, "module": "features",
            "usage": 0.45, "names": [{"alias": "app.py:0-40#0", "name": "alexa", "module": "features.alexa", "usage": 0.4},
            {"alias": "app.py:0-40#1", "name": "s3_export", "module": "features.s3_export", "usage": 0.07}]}],
            "values": [{"path": "config.py", "line": 4, "name": "CONFIG", "module": "config", "built_from": ["yaml"], "usage": 1.0}]}"#;
        let d = UsageDoc::from_json(doc).unwrap();
        assert_eq!(d.lookup("app.py", 1, "features.s3_export"), Some(0.07));
        assert_eq!(d.lookup("app.py", 1, "features.alexa"), Some(0.4));
        assert_eq!(d.lookup("app.py", 1, "features"), Some(0.45));
        assert_eq!(d.value_usage("config.py", "CONFIG"), Some(1.0));
        // An older file, without names, still reads.
        assert_eq!(UsageDoc::from_json(DOC).unwrap().imports[0].names, vec![]);
    }

    #[test]
    fn foreign_schema_is_rejected_by_name() {
        let err = UsageDoc::from_json(r#"{"schema": "lmms.profile/1"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("lmms.profile/1"), "{err}");
    }

    #[test]
    fn a_cold_start_ratio_of_zero_is_an_error_not_the_assumed_ten_percent() {
        let err = UsageDoc::from_json(&DOC.replace("0.074", "0.0")).unwrap_err().to_string();
        assert!(err.starts_with("`cold_start_ratio` is 0"), "{err}");
    }
}
