//! The two documents `lmms bench` reads and writes, each defined once:
//! `lmms.baseline/1` (`.lmms/baseline.json`) and `lmms.bench/1` (the
//! `--format json` report).

use std::collections::BTreeMap;
use std::path::Path;

use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

use crate::comparison::{Gate, Metric};
use crate::BenchError;

pub const BENCH_SCHEMA: &str = "lmms.bench/1";
pub const BASELINE_SCHEMA: &str = "lmms.baseline/1";

/// Raw samples of one variant, in run order (pairable by index).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Samples {
    pub init_ms: Vec<f64>,
    pub rss_mb: Vec<f64>,
    /// Event type → first-invocation latency per run.
    pub first_invocation_ms: BTreeMap<String, Vec<f64>>,
    /// Event type → INIT + first invocation of the same start: what a cold
    /// request of that type waits for.
    #[serde(default)]
    pub cold_start_ms: BTreeMap<String, Vec<f64>>,
}

/// `.lmms/baseline.json` (`lmms.baseline/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineDoc {
    pub schema: String,
    pub entry: String,
    pub python: String,
    pub runs: u32,
    pub saved_at: String,
    pub init_ms: Summary,
    pub samples: Samples,
}

impl BaselineDoc {
    /// Read a saved baseline and check it belongs to `entry`.
    pub fn read(path: &Path, entry: &str) -> Result<BaselineDoc, BenchError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| BenchError::ReadBaseline { path: path.to_path_buf(), source })?;
        let doc: BaselineDoc = serde_json::from_str(&text)
            .map_err(|source| BenchError::InvalidBaseline { path: path.to_path_buf(), source })?;
        if doc.schema != BASELINE_SCHEMA {
            return Err(BenchError::BaselineSchema { path: path.to_path_buf(), schema: doc.schema });
        }
        if doc.entry != entry {
            return Err(BenchError::BaselineEntry {
                path: path.to_path_buf(),
                saved: doc.entry,
                entry: entry.to_string(),
            });
        }
        Ok(doc)
    }

    /// Write atomically, creating `.lmms/`: a failed run never leaves half a
    /// baseline, and the previous one stays until the new one is complete.
    pub fn write(&self, path: &Path) -> Result<(), BenchError> {
        let json = serde_json::to_string_pretty(self).expect("a baseline always serializes") + "\n";
        lmms_config::write_artifact(path, json.as_bytes())
            .map_err(|source| BenchError::WriteBaseline { path: path.to_path_buf(), source })
    }
}

/// What the samples were compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    None,
    /// A `.lmms/baseline.json` measured at another time.
    Saved,
    /// A git revision measured interleaved with the working tree.
    Git,
}

/// The `lmms.bench/1` report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenchDoc {
    pub schema: &'static str,
    pub entry: String,
    pub python: String,
    pub runs: u32,
    pub baseline_kind: BaselineKind,
    /// The saved file or the revision.
    pub baseline_source: Option<String>,
    /// Whether the samples were taken interleaved (git) or at another time (saved).
    pub interleaved: bool,
    pub metrics: Vec<Metric>,
    pub gate: Gate,
}
