//! The usage artifact, `.lmms/usage.json` (`lmms.usage/1`).
//!
//! Field names are a public contract read by `lmms plan`: add fields, never
//! rename or remove one.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::logs::LogStats;

pub const USAGE_SCHEMA: &str = "lmms.usage/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Replay,
    Logs,
}

/// One import statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ImportUsage {
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub line: u32,
    /// The imported module, absolute (`features` for `from features import x`).
    pub module: String,
    /// `requests_using / requests` (0 when there were no requests).
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
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
}

/// Write `bytes` to `target` via a temp file in the same directory and a
/// rename, creating the directory if needed.
pub fn write_file_atomic(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    lmms_config::write_artifact(target, bytes).map_err(|source| WriteError::Io { path: target.to_path_buf(), source })
}

/// Why a `usage.json` cannot be used. Each names the field at fault.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a usage document: {0}")]
    Json(#[from] serde_json::Error),
    #[error("`schema` is {0:?}; this lmms reads {USAGE_SCHEMA:?}")]
    Schema(String),
    #[error("`{field}` is {value}, but it is a fraction in {range}")]
    Fraction { field: String, value: f64, range: &'static str },
}

impl UsageDoc {
    /// Parse and check a `usage.json`: the schema, every usage a fraction in
    /// [0, 1] and the cold start ratio in (0, 1].
    pub fn from_json(text: &str) -> Result<UsageDoc, ReadError> {
        let doc: UsageDoc = serde_json::from_str(text)?;
        if doc.schema != USAGE_SCHEMA {
            return Err(ReadError::Schema(doc.schema));
        }
        let fraction = |field: String, value: f64| ReadError::Fraction { field, value, range: "[0, 1]" };
        if let Some((i, u)) = doc.imports.iter().enumerate().find(|(_, u)| !(0.0..=1.0).contains(&u.usage)) {
            return Err(fraction(format!("imports[{i}].usage"), u.usage));
        }
        if let Some((i, m)) = doc.modules.iter().enumerate().find(|(_, m)| !(0.0..=1.0).contains(&m.usage)) {
            return Err(fraction(format!("modules[{i}].usage"), m.usage));
        }
        if let Some(r) = doc.cold_start_ratio.filter(|r| !(*r > 0.0 && *r <= 1.0)) {
            return Err(ReadError::Fraction { field: "cold_start_ratio".into(), value: r, range: "(0, 1]" });
        }
        Ok(doc)
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("UsageDoc serialises")
    }

    /// Write into `dir/usage.json` atomically: a temp file in the same
    /// directory renamed over the target, so readers never see half a file.
    pub fn write_atomic(&self, dir: &Path) -> Result<std::path::PathBuf, WriteError> {
        let target = dir.join("usage.json");
        let mut text = self.to_json_pretty();
        text.push('\n');
        write_file_atomic(&target, text.as_bytes())?;
        Ok(target)
    }

    /// The human-readable table, painted with the caller's theme (plain when
    /// not colouring): column headers as headings, errors as warnings, an
    /// import no request used dimmed.
    pub fn render_text(&self, theme: &lmms_style::Theme) -> String {
        let paint = |s: String| lmms_style::paint(theme.heading, &s);
        let mut out = String::new();
        let pct = |u: f64| format!("{:.1}%", u * 100.0);
        match (&self.source, &self.logs) {
            (Source::Logs, Some(l)) => {
                out.push_str(&format!("{} invocations, {} failed\n", l.invocations, l.failed));
                if l.sampled > 0 {
                    out.push_str(&format!(
                        "{} requests sampled by the tracker ({} cold); usage below is per sampled request\n",
                        l.sampled, l.sampled_cold
                    ));
                }
            }
            _ => {
                let errors = format!("{} with errors", self.errors);
                let errors = if self.errors > 0 { lmms_style::paint(theme.warning, &errors) } else { errors };
                out.push_str(&format!("{} replayed events, {errors}\n", self.requests));
            }
        }
        match (self.cold_start_ratio, &self.logs) {
            (Some(r), _) => out.push_str(&format!("cold start ratio: {:.4}\n", r)),
            (None, Some(l)) if l.invocations > 0 => out.push_str(&format!(
                "cold start ratio: unknown, no cold start among {} invocations (below {:.4})\n",
                l.invocations,
                1.0 / l.invocations as f64
            )),
            _ => {}
        }
        if let Some(l) = &self.logs {
            out.push_str(&format!(
                "cold starts: {}  restores: {}{}\n",
                l.cold_starts,
                l.restores,
                if l.snapstart { "  (SnapStart)" } else { "" }
            ));
            if let Some(rpc) = l.requests_per_container {
                out.push_str(&format!("requests per container: {rpc:.1} ({} containers)\n", l.containers.unwrap_or(0)));
            }
            if let Some(s) = l.init_ms {
                out.push_str(&format!(
                    "init duration: median {:.1} ms ± {:.1}, min {:.1}, max {:.1}\n",
                    s.median, s.mad, s.min, s.max
                ));
            }
            if let Some(s) = l.restore_ms {
                out.push_str(&format!("restore duration: median {:.1} ms ± {:.1}\n", s.median, s.mad));
            }
            if l.failed > 0 || l.init_failures > 0 {
                let line = format!("failed invocations: {}  failed inits: {}", l.failed, l.init_failures);
                out.push_str(&lmms_style::paint(theme.warning, &line));
                out.push('\n');
            }
        }
        if !self.imports.is_empty() {
            let wpath = self
                .imports
                .iter()
                .map(|i| i.path.len() + 1 + i.line.to_string().len())
                .max()
                .unwrap_or(0)
                .max("IMPORT".len());
            let wmod = self.imports.iter().map(|i| i.module.len()).max().unwrap_or(0).max("MODULE".len());
            out.push('\n');
            let header = format!("{:<wpath$}  {:<wmod$}  {:>7}  {:>8}", "IMPORT", "MODULE", "USAGE", "REQUESTS");
            out.push_str(&paint(header));
            out.push('\n');
            for i in &self.imports {
                let loc = format!("{}:{}", i.path, i.line);
                let usage = format!("{:>7}", pct(i.usage));
                let usage = if i.requests_using == 0 { lmms_style::paint(theme.dim, &usage) } else { usage };
                out.push_str(&format!("{loc:<wpath$}  {:<wmod$}  {usage}  {:>8}\n", i.module, i.requests_using));
            }
        }
        if !self.modules.is_empty() {
            let w = self.modules.iter().map(|m| m.name.len()).max().unwrap_or(0).max("MODULE".len());
            out.push('\n');
            out.push_str(&paint(format!("{:<w$}  {:>7}", "MODULE", "USAGE")));
            out.push('\n');
            for m in &self.modules {
                out.push_str(&format!("{:<w$}  {:>7}\n", m.name, pct(m.usage)));
            }
        }
        out
    }
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
            }],
            modules: vec![ModuleUsage { name: "requests".into(), usage: 0.2 }],
            cold_start_ratio: None,
            source: Source::Replay,
            logs: None,
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
    fn atomic_write_replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join(".lmms");
        doc().write_atomic(&art).unwrap();
        let mut d2 = doc();
        d2.requests = 99;
        let path = d2.write_atomic(&art).unwrap();
        assert_eq!(UsageDoc::from_json(&std::fs::read_to_string(path).unwrap()).unwrap().requests, 99);
        assert_eq!(std::fs::read_dir(&art).unwrap().count(), 1);
    }
}
