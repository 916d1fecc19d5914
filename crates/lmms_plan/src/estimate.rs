//! What the decided rows add up to: the hot set that stays eager, the
//! profile-tree estimate of INIT, and the notes that qualify both.

use std::collections::{BTreeMap, BTreeSet};

use lmms_config::Config;
use lmms_profile::doc::{Origin, ProfileDoc};

use crate::marginal::Attribution;
use crate::plan::{BlockerKind, PlannedImport, SourceFile};
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
/// deferred modules cost in the entry's profile, and minus their share of
/// what the profile's medians leave unaccounted ([`unaccounted_ms`]).
pub(crate) fn estimate(
    rows: &[PlannedImport],
    file_of: &BTreeMap<&str, &SourceFile>,
    profile: &ProfileDoc,
    attribution: &Attribution<'_>,
    project: &BTreeSet<&str>,
    notes: &mut Vec<String>,
) -> Estimate {
    let entry = profile.entry_module();
    let (rows, kept) = as_fix_writes(rows, file_of);
    if kept > 0 {
        notes.push(format!(
            "{kept} deferred import(s) are a package's re-exports or sit in a module whose names are dynamic (`globals()`, `eval`, …): `lmms fix` keeps them, so the estimates count them eager"
        ));
    }
    let rows = &rows[..];
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
    // A module-level call on a deferred library (`S3 = boto3.client(...)`)
    // runs inside its module's own (self) time; the plan moves it out of
    // INIT, and the profile cannot say how much of that self time it was.
    // A call into the project or the stdlib (`re.compile`, `getLogger`) is
    // cheap and fix keeps it: that module's own time stays.
    let mut own_time_excluded: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.strategy == Strategy::FunctionLevel
                && r.origin == Some(Origin::ThirdParty)
                && r.blocked_by.iter().any(|b| b.kind == BlockerKind::ModuleLevelCall)
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
    let removed = dropped + excluded_ms;
    let (unaccounted, tree_ms) = unaccounted_ms(profile);
    let share = if tree_ms > 0.0 { (removed / tree_ms).min(1.0) } else { 0.0 };
    // No change to imports makes INIT faster than starting the interpreter.
    let estimated = (profile.init_ms.median - removed - unaccounted * share).max(profile.floor_ms.median).max(0.0);
    Estimate { hot_set: hot_set.into_iter().collect(), estimated_init_ms: r3(estimated), own_time_excluded }
}

/// The rows as `lmms fix` will act on them. Two of fix's rules keep an
/// import whatever the decision: a package `__init__.py`'s re-export (a
/// public name the file never uses) has no function to move into and is the
/// package's API, and no import moves in a module that uses `globals()`,
/// `eval`, `exec`, `vars()` or `locals()`. Returns the rows and how many were
/// kept so.
fn as_fix_writes(rows: &[PlannedImport], file_of: &BTreeMap<&str, &SourceFile>) -> (Vec<PlannedImport>, usize) {
    let mut kept = 0;
    let rows = rows
        .iter()
        .cloned()
        .map(|mut r| {
            if let Some(f) = file_of.get(r.path.as_str()).filter(|_| r.strategy == Strategy::FunctionLevel) {
                let unused = |n: &String| !f.parsed.refs.iter().any(|x| &x.bound == n);
                let re_export = f.is_package
                    && r.bound.iter().any(|n| !n.starts_with('_'))
                    && r.bound.iter().all(unused);
                if re_export || !f.parsed.dynamic_namespace.is_empty() {
                    r.strategy = Strategy::ModuleLevel;
                    kept += 1;
                }
            }
            r
        })
        .collect();
    (rows, kept)
}

/// What the profile's medians leave unaccounted, and the time they do
/// account for: the roots' median cumulative time minus the sum of every
/// module's median self time. Medians do not add up: on a busy machine a
/// run's preemptions land in its totals but rarely in one module's median,
/// so the remainder grows with load (a third of INIT at a load of 15 on two
/// cores). It is spread over the work the imports do, so deferring a share
/// of the tree removes that share of it too.
fn unaccounted_ms(profile: &ProfileDoc) -> (f64, f64) {
    let tree: f64 = profile.modules.iter().map(|m| m.self_ms.median).sum();
    let roots: f64 = profile.modules.iter().filter(|m| m.imported_by.is_none()).map(|m| m.cumulative_ms.median).sum();
    ((roots - tree).max(0.0), tree)
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

#[cfg(test)]
mod tests {
    use lmms_config::Config;

    use crate::marginal::tests::profile;
    use crate::plan::{build_plan, SourceFile};

    fn file(path: &str, module: &str, source: &str) -> SourceFile {
        let is_package = path.ends_with("__init__.py");
        SourceFile { path: path.into(), module: module.into(), is_package, source: source.into(), parsed: lmms_python::parse_module(source) }
    }

    const APP: &str = "import json\nimport boto3\n\ndef handler(e, c):\n    return boto3, json\n";

    #[test]
    fn what_the_medians_leave_unaccounted_goes_with_the_share_of_the_tree_deferred() {
        // app 1 + json 2 + boto3 290 = 293 ms of medians; the entry's median
        // cumulative says 443 ms, so 150 ms of a busy machine's preemptions
        // are in no module's median. Deferring boto3 (290 of 293 ms) takes
        // that share of them too.
        let mut p = profile("app", &[("app", 1.0, &["app"]), ("json", 2.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        p.modules[0].cumulative_ms.median = 443.0;
        p.init_ms.median = 480.0;
        let plan = build_plan(&p, None, &[file("app.py", "app", APP)], &Config::default());
        assert_eq!(plan.hot_set, vec!["json"]);
        let expected = 480.0 - 290.0 - 150.0 * 290.0 / 293.0;
        assert!((plan.estimated_init_ms - expected).abs() < 0.01, "{} vs {expected}", plan.estimated_init_ms);
        // On a quiet machine the medians add up and nothing more is removed.
        let quiet = profile("app", &[("app", 1.0, &["app"]), ("json", 2.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        let plan = build_plan(&quiet, None, &[file("app.py", "app", APP)], &Config::default());
        assert!((plan.estimated_init_ms - (quiet.init_ms.median - 290.0)).abs() < 1e-9);
    }

    #[test]
    fn an_estimate_never_goes_below_the_interpreter_floor() {
        let mut p = profile("app", &[("app", 1.0, &["app"]), ("json", 1.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        p.init_ms.median = 250.0;
        let plan = build_plan(&p, None, &[file("app.py", "app", APP)], &Config::default());
        assert_eq!(plan.estimated_init_ms, p.floor_ms.median);
    }

    #[test]
    fn a_re_export_stays_eager_because_fix_has_no_function_to_move_it_into() {
        // pkg/__init__.py re-exports core's class and never uses it: fix
        // keeps that import, so pkg.core stays on INIT, whatever the tier.
        let init = "from pkg.core import Engine\n";
        let core = "import boto3\n\nclass Engine:\n    def run(self):\n        return boto3\n\ndef _helper():\n    return 1\n";
        let entry = "import pkg\n\ndef handler(e, c):\n    return pkg.Engine().run()\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("pkg", 1.0, &["app", "pkg"]),
                ("pkg.core", 150.0, &["app", "pkg", "pkg.core"]),
                ("boto3", 200.0, &["app", "pkg", "pkg.core", "boto3"]),
            ],
        );
        let files = [file("app.py", "app", entry), file("pkg/__init__.py", "pkg", init), file("pkg/core.py", "pkg.core", core)];
        let mut notes = Vec::new();
        let plan = build_plan(&p, None, &files, &Config::default());
        notes.extend(plan.notes.iter().cloned());
        let core_row = plan.imports.iter().find(|r| r.path == "pkg/__init__.py" && r.module == "pkg.core").unwrap();
        assert_eq!(core_row.strategy, crate::Strategy::FunctionLevel, "the decision itself is the solver's");
        assert!(plan.hot_set.contains(&"pkg.core".to_string()), "{:?}", plan.hot_set);
        // boto3, imported by pkg.core's own statement, is still deferred.
        let expected = p.init_ms.median - 200.0;
        assert!((plan.estimated_init_ms - expected).abs() < 1e-9, "{} vs {expected}", plan.estimated_init_ms);
        assert!(notes.iter().any(|n| n.contains("are a package's re-exports")), "{notes:?}");
    }

    #[test]
    fn imports_of_a_module_with_a_dynamic_namespace_stay_eager_because_fix_keeps_them() {
        let src = "import boto3\n\ndef handler(e, c):\n    return eval('boto3')\n";
        let p = profile("app", &[("app", 1.0, &["app"]), ("boto3", 290.0, &["app", "boto3"])]);
        let plan = build_plan(&p, None, &[file("app.py", "app", src)], &Config::default());
        assert_eq!(plan.imports[0].strategy, crate::Strategy::FunctionLevel);
        assert_eq!(plan.hot_set, vec!["boto3"]);
        assert_eq!(plan.estimated_init_ms, p.init_ms.median);
    }
}
