//! The two documents `lmms bench` reads and writes, each defined once:
//! `lmms.baseline/1` (`.lmms/baseline.json`) and `lmms.bench/1` (the
//! `--format json` report).

use std::collections::BTreeMap;

use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

use crate::{Document, FieldError};

pub const BENCH_SCHEMA: &str = "lmms.bench/1";
pub const BASELINE_SCHEMA: &str = "lmms.baseline/1";

/// Raw samples of one variant, in run order (pairable by index).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BaselineDoc {
    #[schemars(extend("const" = BASELINE_SCHEMA))]
    pub schema: String,
    pub entry: String,
    pub python: String,
    pub runs: u32,
    pub saved_at: String,
    pub init_ms: Summary,
    pub samples: Samples,
}

impl Document for BaselineDoc {
    const SCHEMA: &'static str = BASELINE_SCHEMA;
    const KIND: &'static str = "baseline";

    /// At least one INIT sample, and no negative or non-finite one: a later
    /// bench compares with them.
    fn check(&self) -> Result<(), FieldError> {
        if self.samples.init_ms.is_empty() {
            return Err(FieldError::new("samples.init_ms", "empty; a baseline has at least one INIT sample"));
        }
        if let Some((i, v)) = self.samples.init_ms.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v >= 0.0)) {
            return Err(FieldError::new(format!("samples.init_ms[{i}]"), format!("{v}; times are never negative")));
        }
        Ok(())
    }
}

/// What the samples were compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BaselineKind {
    None,
    /// A `.lmms/baseline.json` measured at another time.
    Saved,
    /// A git revision measured interleaved with the working tree.
    Git,
}

/// The `lmms.bench/1` report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BenchDoc {
    #[schemars(extend("const" = BENCH_SCHEMA))]
    pub schema: String,
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

impl Document for BenchDoc {
    const SCHEMA: &'static str = BENCH_SCHEMA;
    const KIND: &'static str = "bench";
}

/// One measured quantity, current against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Metric {
    /// `init`, `first:<event type>`, `cold:<event type>`, `rss`.
    pub name: String,
    pub unit: String,
    pub baseline: Option<Summary>,
    pub current: Summary,
    /// Median of per-pair `current / baseline` ratios.
    pub ratio: Option<f64>,
    /// 95% confidence interval of `ratio` (distribution-free, over the
    /// pairs); absent below 6 pairs and without a baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio_interval: Option<[f64; 2]>,
    /// Positive = faster (smaller).
    pub improvement_pct: Option<f64>,
}

/// The CI gate: its limits and whether the run passed them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Gate {
    pub fail_under: Option<f64>,
    pub max_regression: Option<f64>,
    pub passed: bool,
    pub failures: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> BaselineDoc {
        BaselineDoc {
            schema: BASELINE_SCHEMA.into(),
            entry: "app:handler".into(),
            python: "3.12.1".into(),
            runs: 2,
            saved_at: "2026-12-01T00:00:00Z".into(),
            init_ms: Summary::of(&[10.0, 12.0]).unwrap(),
            samples: Samples { init_ms: vec![10.0, 12.0], ..Default::default() },
        }
    }

    #[test]
    fn a_baseline_round_trips_and_a_negative_sample_is_rejected_naming_the_field() {
        let text = crate::to_json(&baseline());
        assert_eq!(crate::parse::<BaselineDoc>(&text).unwrap(), baseline());
        let mut short = baseline();
        short.samples.init_ms = vec![10.0, -1.0];
        let e = crate::parse::<BaselineDoc>(&crate::to_json(&short)).unwrap_err().to_string();
        assert_eq!(e, "`samples.init_ms[1]` is -1; times are never negative");
        let e = crate::parse::<BaselineDoc>(&text.replace(BASELINE_SCHEMA, BENCH_SCHEMA)).unwrap_err().to_string();
        assert!(e.starts_with("`schema` is \"lmms.bench/1\""), "{e}");
    }
}
