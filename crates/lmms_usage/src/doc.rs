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

impl UsageDoc {
    pub fn from_json(text: &str) -> Result<UsageDoc, serde_json::Error> {
        serde_json::from_str(text)
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

    /// The human-readable table.
    pub fn render_text(&self) -> String {
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
            _ => out.push_str(&format!("{} replayed events, {} with errors\n", self.requests, self.errors)),
        }
        if let Some(r) = self.cold_start_ratio {
            out.push_str(&format!("cold start ratio: {:.4}\n", r));
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
                out.push_str(&format!("failed invocations: {}  failed inits: {}\n", l.failed, l.init_failures));
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
            out.push_str(&format!("{:<wpath$}  {:<wmod$}  {:>7}  {:>8}\n", "IMPORT", "MODULE", "USAGE", "REQUESTS"));
            for i in &self.imports {
                let loc = format!("{}:{}", i.path, i.line);
                out.push_str(&format!(
                    "{loc:<wpath$}  {:<wmod$}  {:>7}  {:>8}\n",
                    i.module,
                    pct(i.usage),
                    i.requests_using
                ));
            }
        }
        if !self.modules.is_empty() {
            let w = self.modules.iter().map(|m| m.name.len()).max().unwrap_or(0).max("MODULE".len());
            out.push('\n');
            out.push_str(&format!("{:<w$}  {:>7}\n", "MODULE", "USAGE"));
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
