//! Deciding module level versus function level: the DEC-01 table with the
//! DEC-02 hot-path exception (`policy = "lmms"`), the DEC-02 cost formula as
//! the seeds wrote it (`policy = "cost"`), and beside both the container
//! model that describes what CPython actually does.
//!
//! ## The seeds' formula, and where its prose and its code part ways
//!
//! DEC-02's `is_hot_path` compares
//! `module_level_cost = import_ms × daily_requests × 0.1` with
//! `function_level_cost = import_ms × usage × daily_requests` and picks
//! module level when the first is smaller. [`seeds_formula`] reproduces it
//! to the millisecond (boto3 350 ms / 90% → 350,000 vs 3,150,000 → module;
//! pandas 1200 ms / 5% → 1,200,000 vs 600,000 → function; requests 180 ms /
//! 40% → 180,000 vs 720,000 → module). Things the output says out loud:
//!
//! - `import_ms` appears on both sides, so it cancels: the formula picks
//!   module level exactly when `usage > cold-start ratio` (10%), whatever the
//!   import costs. A 5-second import used by 11% of requests is "module level".
//! - `lazy_load_overhead` (0.5 ms) and `daily_lazy_cost` are computed and
//!   never used in the returned decision.
//! - It charges the full import on *every* request that uses the module. A
//!   CPython process caches modules in `sys.modules`; a function-level import
//!   costs the import once per container, later ones a dict lookup (<1 µs).
//! - Example 3 grants requests (180 ms, 40%) the "hot path exception", which
//!   DEC-02's own decision limits to ">80% of requests"; DEC-01's table puts
//!   it at function level (>100 ms); and DEC-01's websocket (220 ms, 30%) and
//!   boto3 (350 ms, 15%) "function level" examples are module level under
//!   this formula.
//!
//! ## The container model
//!
//! A container serves `n` requests (n = 1 / cold-start ratio). A module-level
//! import costs `import_ms` once per container, at INIT. A function-level one
//! costs `import_ms` on the first request that needs it, which happens in a
//! container with probability `q = 1 − (1 − p)^n`. Expected saving per
//! container of going lazy is `import_ms × (1 − p)^n`; the model advises
//! function level when that saving reaches `module-level-ms` (the size below
//! which DEC-01 says an import is not worth moving), module level otherwise.
//!
//! ## SnapStart
//!
//! With `snapstart = true`, INIT runs before the snapshot is taken and
//! restore does not re-run it, so an import paid during INIT is free for
//! every request. Everything used at all belongs at module level (or in a
//! before-snapshot hook); only imports never used stay lazy, since they
//! merely enlarge the snapshot.

use lmms_config::Policy;
use serde::{Deserialize, Serialize};

use crate::tier::{classify, Thresholds, Tier};

pub use lmms_schema::plan::{
    fmt_ms, fmt_pct, fmt_thousands, r3, ContainerCost, ContainerSource, Containers, Models, SeedsCost, Strategy,
};

/// A policy's verdict for one import, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Decision {
    pub strategy: Strategy,
    pub reason: String,
}

/// `policy = "lmms"`: the DEC-01 table plus DEC-02's >80% exception.
pub fn table_decision(import_ms: f64, usage: Option<f64>, t: &Thresholds) -> Decision {
    let ms = fmt_ms(import_ms);
    let (hot, cold) = (fmt_pct(t.hot_usage), fmt_ms(t.module_level_ms));
    let heavy = fmt_ms(t.function_level_ms);
    let d = |strategy, reason: String| Decision { strategy, reason };
    if import_ms < t.module_level_ms {
        return d(
            Strategy::ModuleLevel,
            format!("{ms} < {cold}: module level at any usage (DEC-01, T1)"),
        );
    }
    let Some(u) = usage else {
        return d(
            Strategy::FunctionLevel,
            format!("{ms} ≥ {cold} and usage unknown: the >{hot} hot-path exception needs usage data (DEC-01/02); run `lmms usage`"),
        );
    };
    let up = fmt_pct(u);
    if u > t.hot_usage {
        let tier = if import_ms > t.function_level_ms {
            "DEC-02 hot-path exception, T4"
        } else {
            "DEC-01, T2"
        };
        return d(
            Strategy::ModuleLevel,
            format!("{ms}, used by {up} > {hot} of requests: hot path ({tier})"),
        );
    }
    if import_ms > t.function_level_ms {
        d(
            Strategy::FunctionLevel,
            format!("{ms} > {heavy} and used by {up} ≤ {hot} of requests (DEC-01, T4)"),
        )
    } else {
        let tier = if u < t.cold_usage { Tier::T5 } else { Tier::T3 }.label();
        d(
            Strategy::FunctionLevel,
            format!("{ms} and used by only {up} ≤ {hot} of requests (DEC-01, {tier})"),
        )
    }
}

/// The seeds' per-lazy-load overhead, kept only to report `daily_lazy_cost`.
pub const SEEDS_LAZY_LOAD_OVERHEAD_MS: f64 = 0.5;

/// DEC-02's formula: `usage` is a fraction (the seeds' `usage_percent / 100`).
pub fn seeds_formula(
    import_ms: f64,
    usage: f64,
    daily_requests: f64,
    cold_start_ratio: f64,
) -> SeedsCost {
    let cold_start_cost = import_ms;
    let daily_lazy_cost_ms = SEEDS_LAZY_LOAD_OVERHEAD_MS * usage * daily_requests;
    let daily_cold_starts = daily_requests * cold_start_ratio;
    let module_level_cost_ms = cold_start_cost * daily_cold_starts;
    let function_level_cost_ms = cold_start_cost * usage * daily_requests;
    let strategy = if module_level_cost_ms < function_level_cost_ms {
        Strategy::ModuleLevel
    } else {
        Strategy::FunctionLevel
    };
    SeedsCost {
        daily_requests,
        cold_start_ratio,
        daily_cold_starts,
        daily_lazy_cost_ms,
        module_level_cost_ms,
        function_level_cost_ms,
        strategy,
    }
}

/// Explicit configuration wins over a measurement (the user may know the
/// logs came from elsewhere); a measurement wins over the seeds' guess.
pub fn resolve_containers(config: &lmms_config::Config, measured_ratio: Option<f64>) -> Containers {
    let valid = |r: f64| r > 0.0 && r <= 1.0;
    if let Some(n) = config.requests_per_container.filter(|n| *n >= 1.0) {
        return Containers {
            requests_per_container: n,
            source: ContainerSource::ConfigRequestsPerContainer,
        };
    }
    if let Some(r) = config.cold_start_ratio.filter(|r| valid(*r)) {
        return Containers {
            requests_per_container: 1.0 / r,
            source: ContainerSource::ConfigColdStartRatio,
        };
    }
    if let Some(r) = measured_ratio.filter(|r| valid(*r)) {
        return Containers {
            requests_per_container: 1.0 / r,
            source: ContainerSource::Measured,
        };
    }
    Containers {
        requests_per_container: 10.0,
        source: ContainerSource::Assumed,
    }
}

pub fn container_model(import_ms: f64, usage: f64, n: f64, t: &Thresholds) -> ContainerCost {
    let p = usage.clamp(0.0, 1.0);
    let never = (1.0 - p).powf(n);
    let q = 1.0 - never;
    let saving = import_ms * never;
    ContainerCost {
        requests_per_container: n,
        p_needed_per_container: q,
        module_level_ms_per_container: import_ms,
        function_level_ms_per_container: import_ms * q,
        saving_ms_per_container: saving,
        cold_request_saving_ms: import_ms * (1.0 - p),
        strategy: if saving >= t.module_level_ms {
            Strategy::FunctionLevel
        } else {
            Strategy::ModuleLevel
        },
    }
}

/// Everything a decision depends on besides the import itself.
#[derive(Debug, Clone, Copy)]
pub struct PolicyContext {
    pub policy: Policy,
    pub thresholds: Thresholds,
    pub snapstart: bool,
    pub daily_requests: f64,
    pub containers: Containers,
}

impl PolicyContext {
    pub fn new(config: &lmms_config::Config, measured_ratio: Option<f64>) -> PolicyContext {
        PolicyContext {
            policy: config.policy,
            thresholds: Thresholds::from(config),
            snapstart: config.snapstart,
            daily_requests: config.daily_requests,
            containers: resolve_containers(config, measured_ratio),
        }
    }
}

/// The chosen strategy, its tier and reason, and every model's opinion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Verdict {
    pub tier: Option<Tier>,
    pub strategy: Strategy,
    pub reason: String,
    pub models: Models,
    /// Set when another model disagrees with the chosen strategy.
    pub disagreement: Option<String>,
}

/// Decide one import under the configured policy.
pub fn decide(import_ms: f64, usage: Option<f64>, cx: &PolicyContext) -> Verdict {
    let t = &cx.thresholds;
    let tier = classify(import_ms, usage, t);
    let table = table_decision(import_ms, usage, t);
    let n = cx.containers.requests_per_container;
    let seeds = usage.map(|u| {
        seeds_formula(
            import_ms,
            u,
            cx.daily_requests,
            cx.containers.cold_start_ratio(),
        )
    });
    let container = usage.map(|u| container_model(import_ms, u, n, t));
    let models = Models {
        table: table.strategy,
        seeds_formula: seeds,
        container,
    };

    let (strategy, reason) = if cx.snapstart {
        match usage {
            Some(u) if u <= 0.0 => (
                Strategy::FunctionLevel,
                format!("SnapStart: never used by a request, so it only enlarges the snapshot ({})", fmt_ms(import_ms)),
            ),
            _ => (
                Strategy::ModuleLevel,
                format!(
                    "SnapStart: INIT is captured in the snapshot, so {} paid at INIT is free on restore — import at module level or in a before-snapshot hook",
                    fmt_ms(import_ms)
                ),
            ),
        }
    } else {
        match (cx.policy, seeds, usage) {
            (Policy::Cost, Some(s), Some(u)) if import_ms >= t.module_level_ms => {
                (s.strategy, s.explain(import_ms, u))
            }
            (Policy::Cost, _, None) if import_ms >= t.module_level_ms => (
                table.strategy,
                format!(
                    "{} (cost policy needs usage; fell back to the table)",
                    table.reason
                ),
            ),
            _ => (table.strategy, table.reason.clone()),
        }
    };

    let mut notes = Vec::new();
    if !cx.snapstart && import_ms >= t.module_level_ms {
        if let Some(c) = &container {
            if c.strategy != strategy {
                notes.push(c.explain());
            }
        }
        if cx.policy == Policy::Lmms {
            if let (Some(s), Some(u)) = (&seeds, usage) {
                if s.strategy != strategy {
                    notes.push(s.explain(import_ms, u));
                }
            }
        } else if table.strategy != strategy {
            notes.push(format!(
                "DEC-01 table: {} ({})",
                table.strategy.as_str(),
                table.reason
            ));
        }
    }
    let disagreement = (!notes.is_empty()).then(|| notes.join("; "));
    Verdict {
        tier,
        strategy,
        reason,
        models,
        disagreement,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Thresholds = Thresholds {
        module_level_ms: 10.0,
        function_level_ms: 100.0,
        hot_usage: 0.8,
        cold_usage: 0.2,
    };

    #[test]
    fn seeds_example_boto3_at_90_percent_is_module_level() {
        let s = seeds_formula(350.0, 0.90, 10_000.0, 0.1);
        assert_eq!(s.daily_cold_starts, 1_000.0);
        assert_eq!(s.module_level_cost_ms, 350_000.0);
        assert!((s.function_level_cost_ms - 3_150_000.0).abs() < 1e-6);
        assert_eq!(s.strategy, Strategy::ModuleLevel);
    }

    #[test]
    fn seeds_example_pandas_at_5_percent_is_function_level() {
        let s = seeds_formula(1200.0, 0.05, 10_000.0, 0.1);
        assert_eq!(s.module_level_cost_ms, 1_200_000.0);
        assert!((s.function_level_cost_ms - 600_000.0).abs() < 1e-6);
        assert_eq!(s.strategy, Strategy::FunctionLevel);
    }

    #[test]
    fn seeds_example_requests_at_40_percent_is_module_level() {
        let s = seeds_formula(180.0, 0.40, 10_000.0, 0.1);
        assert_eq!(s.module_level_cost_ms, 180_000.0);
        assert!((s.function_level_cost_ms - 720_000.0).abs() < 1e-6);
        assert_eq!(s.strategy, Strategy::ModuleLevel);
    }

    #[test]
    fn seeds_formula_ignores_import_time_entirely() {
        // import_ms cancels: only usage vs the cold-start ratio matters.
        for ms in [1.0, 350.0, 5_000.0] {
            assert_eq!(
                seeds_formula(ms, 0.11, 10_000.0, 0.1).strategy,
                Strategy::ModuleLevel
            );
            assert_eq!(
                seeds_formula(ms, 0.09, 10_000.0, 0.1).strategy,
                Strategy::FunctionLevel
            );
        }
    }

    #[test]
    fn seeds_explanation_quotes_the_seeds_numbers() {
        let s = seeds_formula(1200.0, 0.05, 10_000.0, 0.1);
        let text = s.explain(1200.0, 0.05);
        assert!(
            text.contains("1,200ms × 1,000 cold starts = 1,200,000ms/day"),
            "{text}"
        );
        assert!(
            text.contains("1,200ms × 500 requests = 600,000ms/day"),
            "{text}"
        );
        assert!(text.contains("function level (2.0× better)"), "{text}");
    }

    #[test]
    fn container_probability_is_one_minus_miss_probability() {
        let c = container_model(1200.0, 0.05, 10.0, &T);
        let q = 1.0 - 0.95f64.powi(10);
        assert!((c.p_needed_per_container - q).abs() < 1e-12);
        assert!((c.function_level_ms_per_container - 1200.0 * q).abs() < 1e-9);
        assert!((c.saving_ms_per_container - 1200.0 * 0.95f64.powi(10)).abs() < 1e-9);
        assert!((c.cold_request_saving_ms - 1140.0).abs() < 1e-9);
        assert_eq!(c.strategy, Strategy::FunctionLevel);
    }

    #[test]
    fn container_model_agrees_with_the_seeds_examples_at_ten_requests_per_container() {
        assert_eq!(
            container_model(350.0, 0.90, 10.0, &T).strategy,
            Strategy::ModuleLevel
        );
        assert_eq!(
            container_model(1200.0, 0.05, 10.0, &T).strategy,
            Strategy::FunctionLevel
        );
        // requests: 0.6^10 = 0.006 → saves ~1.1 ms per container.
        let r = container_model(180.0, 0.40, 10.0, &T);
        assert!((r.saving_ms_per_container - 180.0 * 0.6f64.powi(10)).abs() < 1e-9);
        assert_eq!(r.strategy, Strategy::ModuleLevel);
    }

    #[test]
    fn one_request_per_container_makes_the_lazy_import_pay_for_its_rarity() {
        let c = container_model(180.0, 0.40, 1.0, &T);
        assert!((c.p_needed_per_container - 0.40).abs() < 1e-12);
        assert_eq!(c.strategy, Strategy::FunctionLevel);
    }

    #[test]
    fn never_used_module_is_never_paid_lazily() {
        let c = container_model(500.0, 0.0, 50.0, &T);
        assert_eq!(c.p_needed_per_container, 0.0);
        assert_eq!(c.saving_ms_per_container, 500.0);
    }

    fn cx(policy: Policy, snapstart: bool) -> PolicyContext {
        PolicyContext {
            policy,
            thresholds: T,
            snapstart,
            daily_requests: 10_000.0,
            containers: Containers {
                requests_per_container: 10.0,
                source: ContainerSource::Assumed,
            },
        }
    }

    #[test]
    fn lmms_policy_grants_the_hot_path_exception_only_above_80_percent() {
        assert_eq!(
            decide(350.0, Some(0.90), &cx(Policy::Lmms, false)).strategy,
            Strategy::ModuleLevel
        );
        let v = decide(180.0, Some(0.40), &cx(Policy::Lmms, false));
        assert_eq!(v.strategy, Strategy::FunctionLevel);
        assert_eq!(v.tier, Some(Tier::T4));
        // Both the seeds' formula and the container model say module level here.
        let note = v.disagreement.unwrap();
        assert!(
            note.contains("container model") && note.contains("DEC-02's cost formula"),
            "{note}"
        );
    }

    #[test]
    fn cost_policy_follows_the_seeds_formula_and_shows_the_table() {
        let v = decide(180.0, Some(0.40), &cx(Policy::Cost, false));
        assert_eq!(v.strategy, Strategy::ModuleLevel);
        assert!(v.reason.contains("180,000ms/day"), "{}", v.reason);
        assert!(v
            .disagreement
            .unwrap()
            .contains("DEC-01 table: function-level"));
        assert_eq!(
            decide(1200.0, Some(0.05), &cx(Policy::Cost, false)).strategy,
            Strategy::FunctionLevel
        );
    }

    #[test]
    fn missing_usage_keeps_heavy_imports_lazy_and_says_why() {
        let v = decide(50.0, None, &cx(Policy::Lmms, false));
        assert_eq!(v.strategy, Strategy::FunctionLevel);
        assert_eq!(v.tier, None);
        assert!(v.reason.contains("usage unknown"));
        assert_eq!(
            decide(3.0, None, &cx(Policy::Cost, false)).strategy,
            Strategy::ModuleLevel
        );
    }

    #[test]
    fn snapstart_moves_used_heavy_imports_to_module_level() {
        let v = decide(1200.0, Some(0.05), &cx(Policy::Lmms, true));
        assert_eq!(v.strategy, Strategy::ModuleLevel);
        assert!(v.reason.contains("snapshot"));
        assert_eq!(
            decide(1200.0, Some(0.0), &cx(Policy::Lmms, true)).strategy,
            Strategy::FunctionLevel
        );
    }

    #[test]
    fn containers_prefer_config_then_measurement_then_the_seeds() {
        let mut c = lmms_config::Config::default();
        assert_eq!(
            resolve_containers(&c, None).source,
            ContainerSource::Assumed
        );
        let m = resolve_containers(&c, Some(0.074));
        assert_eq!(m.source, ContainerSource::Measured);
        assert!((m.requests_per_container - 1.0 / 0.074).abs() < 1e-9);
        c.cold_start_ratio = Some(0.5);
        assert_eq!(
            resolve_containers(&c, Some(0.074)).requests_per_container,
            2.0
        );
        c.requests_per_container = Some(40.0);
        assert_eq!(
            resolve_containers(&c, Some(0.074)).requests_per_container,
            40.0
        );
    }

    #[test]
    fn thousands_are_grouped_like_the_seeds() {
        assert_eq!(fmt_thousands(3_150_000.0), "3,150,000");
        assert_eq!(fmt_thousands(500.0), "500");
        assert_eq!(fmt_pct(0.05), "5%");
        assert_eq!(fmt_pct(0.074), "7.4%");
    }
}
