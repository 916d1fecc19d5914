//! `lmms plan --simulate`'s figures: interleaved INIT samples of today's tree
//! and of the tree `lmms fix` writes, turned into the plan's [`Simulation`].
//!
//! The measuring itself needs `lmms fix`'s rewrite, and `lmms_fix` reads
//! plans, so it lives in `lmms_simulate`, which depends on both; this module
//! stays pure.

use lmms_stats::Summary;

use crate::plan::{PlanDoc, Simulation, TARGET_IMPROVEMENT_PCT};

/// Turn samples into the plan's simulation block. `project_own_ms` is added
/// to every planned sample; `lmms_simulate` passes 0, since it runs the
/// project's own (rewritten) code.
pub fn simulation(current: &[f64], planned: &[f64], project_own_ms: f64) -> Option<Simulation> {
    let shifted: Vec<f64> = planned.iter().map(|x| x + project_own_ms).collect();
    let current_init_ms = Summary::of(current)?.rounded(2);
    let predicted_init_ms = Summary::of(&shifted)?.rounded(2);
    let improvement_pct = lmms_stats::improvement_pct(current_init_ms.median, predicted_init_ms.median)
        .map(|p| (p * 10.0).round() / 10.0);
    Some(Simulation {
        runs: current.len() as u32,
        current_init_ms,
        predicted_init_ms,
        project_own_ms: (project_own_ms * 100.0).round() / 100.0,
        improvement_pct,
        target_pct: TARGET_IMPROVEMENT_PCT,
        meets_target: improvement_pct.is_some_and(|p| p > TARGET_IMPROVEMENT_PCT),
        verification: None,
    })
}

/// Record `sim` in `plan`: `predicted_init_ms`, `simulation`, and the
/// `prediction` then names the `simulate` series.
pub fn attach(plan: &mut PlanDoc, sim: Simulation) {
    plan.predicted_init_ms = Some(sim.predicted_init_ms);
    plan.simulation = Some(sim);
    plan.prediction = Some(plan.init_prediction());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_become_medians_and_an_improvement_against_the_target() {
        let sim = simulation(&[1000.0, 1010.0, 990.0], &[100.0, 110.0, 105.0], 0.0).unwrap();
        assert_eq!(sim.runs, 3);
        assert_eq!(sim.current_init_ms.median, 1000.0);
        assert_eq!(sim.predicted_init_ms.median, 105.0);
        assert_eq!(sim.improvement_pct, Some(89.5));
        assert!(sim.meets_target);
        let slower = simulation(&[100.0], &[120.0], 0.0).unwrap();
        assert_eq!(slower.improvement_pct, Some(-20.0));
        assert!(!slower.meets_target);
        assert!(simulation(&[], &[], 0.0).is_none(), "no samples, no simulation");
    }
}
