//! The plan `lmms fix` acts on, `lmms.plan/1`, read through its one type
//! (`lmms_schema::plan::PlanDoc`): the strategy and placement are enums, the
//! statement is its import id.

use std::path::{Path, PathBuf};

use lmms_python::StatementId;

pub use lmms_schema::plan::{Placement, PlanDoc, PlannedImport, Strategy, Tier, PLAN_SCHEMA};

/// A row of the plan, as fix reads it.
pub type PlanRow = PlannedImport;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read the plan {} (run `lmms plan` first, or pass --lazy MODULE…)", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Invalid(lmms_schema::ReadError),
}

/// Read `.lmms/plan.json` (or `--plan FILE`).
pub fn read(path: &Path) -> Result<PlanDoc, PlanError> {
    match lmms_schema::read(path) {
        Ok(plan) => Ok(plan),
        Err(lmms_schema::ReadError::Io { path, source }) => Err(PlanError::Read { path, source }),
        Err(e) => Err(PlanError::Invalid(e)),
    }
}

/// The statement a row is about; `None` in plans written before import ids
/// existed (the plan's reader has checked the id's form).
pub fn statement_id(row: &PlannedImport) -> Option<StatementId> {
    row.id.parse().ok()
}

/// `lazy: 142 ms, used by 7% of requests (T4)`, from what the plan knows.
pub fn justification(row: &PlannedImport) -> String {
    let mut parts = Vec::new();
    if let Some(ms) = row.import_ms {
        parts.push(format!("{ms:.0} ms"));
    }
    match row.usage {
        Some(u) => parts.push(format!("used by {:.0}% of requests", u * 100.0)),
        None => parts.push("usage unknown".to_string()),
    }
    let mut text = format!("lazy: {}", parts.join(", "));
    if let Some(tier) = row.tier {
        text.push_str(&format!(" ({})", tier.label()));
    }
    text
}
