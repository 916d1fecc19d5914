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

use crate::check::{Cx, Finding, Severity};

/// DEC-04's rules on `fast_path.py`, in code order (LMM101 … LMM108). Their
/// codes, names and summaries are registered in `lmms_lint`'s `RULES`,
/// which names each of these variants; a finding carries its variant, never
/// a code string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FastPathRule {
    TooManyImports,
    OverTimeBudget,
    TooLong,
    MissingHeader,
    StaleProfile,
    TimeDrift,
    TierViolation,
    Bypassed,
}

impl FastPathRule {
    pub const ALL: [FastPathRule; 8] = [
        FastPathRule::TooManyImports,
        FastPathRule::OverTimeBudget,
        FastPathRule::TooLong,
        FastPathRule::MissingHeader,
        FastPathRule::StaleProfile,
        FastPathRule::TimeDrift,
        FastPathRule::TierViolation,
        FastPathRule::Bypassed,
    ];

    /// The rule's source file; its leading `//!` comment is the rule's
    /// documentation.
    pub const fn source(self) -> &'static str {
        match self {
            FastPathRule::TooManyImports => include_str!("too_many_imports.rs"),
            FastPathRule::OverTimeBudget => include_str!("time_budget.rs"),
            FastPathRule::TooLong => include_str!("too_long.rs"),
            FastPathRule::MissingHeader => include_str!("missing_header.rs"),
            FastPathRule::StaleProfile => include_str!("stale_profile.rs"),
            FastPathRule::TimeDrift => include_str!("time_drift.rs"),
            FastPathRule::TierViolation => include_str!("tier_violation.rs"),
            FastPathRule::Bypassed => include_str!("bypassed.rs"),
        }
    }

    /// The rule's one severity, the same in `lmms check` and `lmms
    /// fast-path check`. `lmms check` has no warnings (every diagnostic
    /// fails the run, as in ruff), so every fast-path rule is an error;
    /// deselect a rule to accept what it finds.
    pub const fn severity(self) -> Severity {
        Severity::Error
    }

    pub(crate) fn check(self, cx: &Cx<'_>, out: &mut Vec<Finding>) {
        let run: fn(&Cx<'_>, &mut Vec<Finding>) = match self {
            FastPathRule::TooManyImports => too_many_imports::check,
            FastPathRule::OverTimeBudget => time_budget::check,
            FastPathRule::TooLong => too_long::check,
            FastPathRule::MissingHeader => missing_header::check,
            FastPathRule::StaleProfile => stale_profile::check,
            FastPathRule::TimeDrift => time_drift::check,
            FastPathRule::TierViolation => tier_violation::check,
            FastPathRule::Bypassed => bypassed::check,
        };
        run(cx, out)
    }
}
