//! The part of `lmms.plan/1` that `lmms fix` acts on, read with types: the
//! strategy and placement are enums, the statement is its import id.
//!
//! The plan crate's own row type (`lmms_plan::plan::PlannedImport`) carries
//! fields computed while planning and is not deserialisable; until the plan
//! document has one shared reader, this is the one reader `lmms fix` uses.

use std::path::{Path, PathBuf};

use lmms_python::StatementId;
use serde::Deserialize;

pub const PLAN_SCHEMA: &str = "lmms.plan/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    ModuleLevel,
    FunctionLevel,
}

/// Where the statement sat when the plan was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    ModuleLevel,
    FunctionLevel,
}

/// DEC-02's tier, 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier(pub u8);

impl<'de> Deserialize<'de> for Tier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u8::deserialize(d)? {
            n @ 1..=5 => Ok(Tier(n)),
            n => Err(serde::de::Error::custom(format!("tier {n} is not 1-5"))),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct PlanRow {
    /// The statement this row is about; absent in plans written before
    /// import ids existed.
    #[serde(default)]
    pub id: Option<StatementId>,
    pub path: String,
    pub line: u32,
    pub module: String,
    pub import_ms: Option<f64>,
    pub usage: Option<f64>,
    pub tier: Option<Tier>,
    pub strategy: Strategy,
    #[serde(default)]
    pub current: Option<Placement>,
}

impl PlanRow {
    /// The plan asks for this statement to move into functions.
    pub fn defers(&self) -> bool {
        self.strategy == Strategy::FunctionLevel && self.current != Some(Placement::FunctionLevel)
    }

    /// `lazy: 142 ms, used by 7% of requests (T4)`, from what the plan knows.
    pub fn justification(&self) -> String {
        let mut parts = Vec::new();
        if let Some(ms) = self.import_ms {
            parts.push(format!("{ms:.0} ms"));
        }
        match self.usage {
            Some(u) => {
                let pct = if u <= 1.0 { u * 100.0 } else { u };
                parts.push(format!("used by {pct:.0}% of requests"));
            }
            None => parts.push("usage unknown".to_string()),
        }
        let mut text = format!("lazy: {}", parts.join(", "));
        if let Some(Tier(n)) = self.tier {
            text.push_str(&format!(" (T{n})"));
        }
        text
    }
}

/// The subset of `lmms.plan/1` this reader needs; unknown fields are fine.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanFile {
    pub schema: String,
    pub imports: Vec<PlanRow>,
    #[serde(default)]
    pub current_init_ms: Option<lmms_stats::Summary>,
    #[serde(default)]
    pub predicted_init_ms: Option<lmms_stats::Summary>,
    #[serde(default)]
    pub estimated_init_ms: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read the plan {} (run `lmms plan` first, or pass --lazy MODULE…)", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a valid plan", path.display())]
    Invalid { path: PathBuf, source: serde_json::Error },
    #[error("{}: schema {found:?}, expected \"{PLAN_SCHEMA}\"", path.display())]
    Schema { path: PathBuf, found: String },
}

impl PlanFile {
    pub fn read(path: &Path) -> Result<PlanFile, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read { path: path.to_path_buf(), source })?;
        let plan: PlanFile =
            serde_json::from_str(&text).map_err(|source| PlanError::Invalid { path: path.to_path_buf(), source })?;
        if plan.schema != PLAN_SCHEMA {
            return Err(PlanError::Schema { path: path.to_path_buf(), found: plan.schema });
        }
        Ok(plan)
    }
}
