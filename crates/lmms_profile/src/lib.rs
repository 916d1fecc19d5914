//! Measure imports in fresh interpreters (LMMS-DEC-03: profile first).
//!
//! - [`runner`]: the process seam — the only code in lmms that spawns.
//! - [`python`]: which interpreter to measure.
//! - [`importtime`]: parser for `-X importtime` (3.7–3.14).
//! - [`measure`]: runs the entry N times and builds the [`doc::ProfileDoc`].
//! - [`doc`]: the `lmms.profile/1` artifact other stages read.
//! - [`progress`]: how long steps report progress without printing.

/// `lmms.profile/1`, defined in `lmms_schema`.
pub mod doc {
    pub use lmms_schema::profile::*;
}
pub mod importtime;
pub mod measure;
pub mod progress;
pub mod python;
pub mod render;
pub mod runner;
