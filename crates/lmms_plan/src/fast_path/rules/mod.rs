//! One file per fast-path rule. Each file's `//!` comment is the rule's
//! user documentation (`lmms rule LMM101` prints it).

pub(crate) mod bypassed;
pub(crate) mod missing_header;
pub(crate) mod stale_profile;
pub(crate) mod tier_violation;
pub(crate) mod time_budget;
pub(crate) mod time_drift;
pub(crate) mod too_long;
pub(crate) mod too_many_imports;
