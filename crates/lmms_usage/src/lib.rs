//! How often each import is used per request (LMMS-DEC-02/03).
//!
//! Two sources feed one artifact, `.lmms/usage.json` (`lmms.usage/1`):
//!
//! - **Replay** ([`replay`]): recorded events run through the handler in one
//!   interpreter while a call hook notes which modules' code and which
//!   project functions ran per event. [`attribute`] then turns that into
//!   per-import-statement usage with the exclusive-closure rule, so a shared
//!   dependency (urllib3 under both boto3 and requests) credits neither.
//! - **Logs** ([`logs`]): Lambda REPORT / INIT_REPORT lines give the cold
//!   start ratio; lines printed by the production tracker ([`tracker`])
//!   give sampled module usage.
//!
//! The Python halves are embedded scripts under `python/`. This crate
//! spawns nothing itself: every process goes through
//! `lmms_profile::runner::Runner`.

pub mod attribute;
pub mod logs;
pub mod project;
pub mod render;
pub mod replay;
pub mod tracker;

/// `lmms.usage/1`: the type and its reader are `lmms_schema::usage`'s; its
/// writer and text table are [`render`]'s.
pub mod doc {
    pub use crate::render::{render_text, write_atomic, write_file_atomic, WriteError};
    pub use lmms_schema::usage::*;
}

pub use doc::{ImportUsage, ModuleUsage, NameUsage, Source, UsageDoc, ValueUsage, USAGE_SCHEMA};

