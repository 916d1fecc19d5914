//! What the decided rows add up to: the hot set that stays eager, the
//! profile-tree estimate of INIT, and the notes that qualify both.

use std::collections::BTreeSet;

use lmms_config::Config;
use lmms_profile::doc::ProfileDoc;

use crate::marginal::Attribution;
use crate::plan::{BlockerKind, PlannedImport};
use crate::policy::{fmt_ms, r3, ContainerCost, ContainerSource, PolicyContext, SeedsCost, Strategy};
use crate::solve::eager_rows;

/// Round every figure, only after all decisions, so no decision saw a
/// rounded number.
pub(crate) fn round(rows: &mut [PlannedImport]) {
    for r in rows.iter_mut() {
        r.import_ms = r.import_ms.map(r3);
        for b in r.blocked_by.iter_mut() {
            b.cost_ms = b.cost_ms.map(r3);
        }
        if let Some(m) = r.models.as_mut() {
            m.seeds_formula = m.seeds_formula.map(SeedsCost::rounded);
            m.container = m.container.map(ContainerCost::rounded);
        }
    }
}

pub(crate) struct Estimate {
    pub hot_set: Vec<String>,
    pub estimated_init_ms: f64,
    pub own_time_excluded: Vec<String>,
}

/// The hot set and the estimated INIT: today's median minus what the
/// deferred modules cost in the entry's profile.
pub(crate) fn estimate(
    rows: &[PlannedImport],
    profile: &ProfileDoc,
    attribution: &Attribution<'_>,
    project: &BTreeSet<&str>,
    notes: &mut Vec<String>,
) -> Estimate {
    let entry = profile.entry_module();
    let eager = eager_rows(rows, entry, project, &crate::rows::loaded_by_name(profile, project));
    let hot_set: BTreeSet<String> = eager.iter().map(|&i| rows[i].module.clone()).collect();
    let keys: BTreeSet<String> = rows.iter().flat_map(|r| r.keys.iter().cloned()).collect();
    let hot_keys: BTreeSet<String> = eager.iter().flat_map(|&i| rows[i].keys.iter().cloned()).collect();
    let covering: BTreeSet<String> = hot_keys
        .iter()
        .filter(|k| !project.contains(k.as_str()))
        .cloned()
        .collect();
    let dropped = attribution.dropped_ms(&keys, &hot_keys, &covering);
    // A module-level call on a deferred import (`S3 = boto3.client(...)`)
    // runs inside its module's own (self) time; the plan moves it out of
    // INIT, and the profile cannot say how much of that self time it was.
    let mut own_time_excluded: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.strategy == Strategy::FunctionLevel && r.blocked_by.iter().any(|b| b.kind == BlockerKind::ModuleLevelCall)
        })
        .map(|r| r.file_module.clone())
        .collect();
    own_time_excluded.sort();
    own_time_excluded.dedup();
    let excluded_ms: f64 = own_time_excluded
        .iter()
        .filter_map(|m| profile.module(m))
        .map(|m| m.self_ms.median)
        .sum();
    if !own_time_excluded.is_empty() {
        notes.push(format!(
            "the own time of {} ({}) is left out of the estimates: it is dominated by module-level calls the plan moves out of INIT",
            own_time_excluded.join(", "),
            fmt_ms(excluded_ms)
        ));
    }
    Estimate {
        hot_set: hot_set.into_iter().collect(),
        estimated_init_ms: r3((profile.init_ms.median - dropped - excluded_ms).max(0.0)),
        own_time_excluded,
    }
}

/// Notes on what the estimates assume and how the policy decided.
pub(crate) fn policy_notes(rows: &[PlannedImport], config: &Config, cx: &PolicyContext, notes: &mut Vec<String>) {
    let soft = rows.iter().filter(|r| !r.blocked_by.is_empty() && !r.pinned).count();
    let pinned = rows
        .iter()
        .filter(|r| r.pinned && r.strategy == Strategy::FunctionLevel)
        .count();
    if soft > 0 {
        notes.push(format!(
            "{soft} deferred import(s) have module-level uses that can be made lazy (calls, dispatch tables, annotations); the hot set and predictions assume they are"
        ));
    }
    if pinned > 0 {
        notes.push(format!(
            "{pinned} import(s) are pinned by a class base, decorator or default argument: they load whenever their module does, so the plan defers the module instead"
        ));
    }
    if config.policy == lmms_config::Policy::Cost && !cx.snapstart {
        notes.push(
            "cost policy: DEC-02's cost formula reduces to `usage > cold-start ratio` (import time cancels out, and its 0.5 ms lazy-load overhead is computed but never used); it also charges a lazy import on every request that uses it, while CPython pays once per container — the container model is shown wherever it disagrees".into(),
        );
    }
    if cx.containers.source == ContainerSource::Assumed {
        notes.push(format!("requests per container: {}", cx.containers.source.describe()));
    }
}
