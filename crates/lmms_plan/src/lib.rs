//! Decide, per project import, whether it belongs at module level or inside
//! the functions that use it (LMMS DEC-01, DEC-02). `fast_path.py` (DEC-04)
//! is written and checked from the plan by `lmms_fast_path`.
//!
//! The pipeline is pure: [`plan::build_plan`] takes a profile
//! (`lmms.profile/1`), optional usage (`lmms.usage/1`) and parsed project
//! files and returns a [`plan::PlanDoc`], in four steps of one file each:
//! `rows` (one row per imported module), `blockers` (module-level uses),
//! `solve` (decisions and marginal costs to a fixed point) and `estimate`
//! (hot set and estimated INIT). [`tier`] fixes the LMMS-03 tier
//! precedence, [`policy`] holds the DEC-01 table, the seeds' DEC-02 formula
//! and the CPython container model side by side, [`marginal`] turns the
//! profile tree into per-import marginal costs, [`hysteresis`] keeps a tier
//! from flipping on noise, [`simulate`] turns `--simulate`'s samples into the
//! plan's figures (the run itself is `lmms_simulate`'s), and [`render`] writes
//! the text report. Files are read only by [`inputs`], the thin loader.
//! Writing `.lmms/plan.json` belongs to the binary.

mod after_fix;
mod blockers;
mod estimate;
pub mod hysteresis;
pub mod inputs;
pub mod marginal;
pub mod plan;
pub mod policy;
pub mod render;
mod rows;
pub mod simulate;
mod solve;
pub mod tier;
pub mod usage;

pub use plan::{build_plan, PlanDoc, PlannedImport, SourceFile, PLAN_SCHEMA};
pub use policy::Strategy;
pub use tier::Thresholds;
pub use tier::Tier;
