//! Decide, per project import, whether it belongs at module level or inside
//! the functions that use it — and own `fast_path.py`, the file that names
//! the hot path (LMMS DEC-01, DEC-02, DEC-04).
//!
//! The pipeline is pure: [`plan::build_plan`] takes a profile
//! (`lmms.profile/1`), optional usage (`lmms.usage/1`) and parsed project
//! files and returns a [`plan::PlanDoc`]. [`tier`] fixes the LMMS-03 tier
//! precedence, [`policy`] holds the DEC-01 table, the seeds' DEC-02 formula
//! and the CPython container model side by side, [`marginal`] turns the
//! profile tree into per-import marginal costs, [`simulate`] builds the
//! scripts that measure the planned eager set (the caller's runner spawns
//! them), [`render`] writes the text report and [`fast_path`] generates and
//! checks `fast_path.py`. File reads and writes belong to the binary.

pub mod fast_path;
pub mod marginal;
pub mod plan;
pub mod policy;
pub mod render;
pub mod simulate;
pub mod tier;
pub mod usage;

pub use plan::{build_plan, PlanDoc, PlannedImport, SourceFile, PLAN_SCHEMA};
pub use policy::Strategy;
pub use tier::Thresholds;
pub use tier::Tier;
