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
        // `from pkg import a, b` may be recorded once, as `pkg`: then the
        // statement's figure is the best there is for `pkg.a`.
        self.imports
            .iter()
            .find(|i| at(i) && i.module == module)
            .map(|i| i.usage)
            .or_else(|| {
                self.modules
                    .iter()
                    .find(|m| m.name == module)
                    .map(|m| m.usage)
            })
            .or_else(|| self.imports.iter().find(at).map(|i| i.usage))
            .or_else(|| self.module_usage(module))
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
