//! Current samples against a baseline: per-metric summaries, the median of
//! paired ratios, the improvement, and the CI gate.

use lmms_stats::{improvement_pct, paired_ratio, paired_ratio_interval, Summary};

use crate::doc::Samples;

pub use crate::doc::{Gate, Metric};

/// A gate limit that cannot gate: NaN compares false with everything (the
/// gate would always pass), infinity and out-of-range percentages always
/// pass or always fail.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LimitError {
    #[error("{value} is not a percentage (a finite number is needed)")]
    NotFinite { value: f64 },
    #[error("{value} is negative: a regression limit is how many percent slower is still allowed (0 allows none)")]
    NegativeRegression { value: f64 },
    #[error("{value} can never be met: an improvement is always below 100%")]
    Unreachable { value: f64 },
}

/// `--fail-under PCT`: the least INIT improvement that passes. Negative
/// values are meaningful (tolerate that much regression); 100 and above can
/// never pass.
pub fn fail_under_limit(value: f64) -> Result<f64, LimitError> {
    if !value.is_finite() {
        return Err(LimitError::NotFinite { value });
    }
    if value >= 100.0 {
        return Err(LimitError::Unreachable { value });
    }
    Ok(value)
}

/// `--max-regression PCT`: how much slower INIT or a cold start may get.
pub fn max_regression_limit(value: f64) -> Result<f64, LimitError> {
    if !value.is_finite() {
        return Err(LimitError::NotFinite { value });
    }
    if value < 0.0 {
        return Err(LimitError::NegativeRegression { value });
    }
    Ok(value)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn metric(name: String, unit: &'static str, base: Option<&[f64]>, cur: &[f64]) -> Option<Metric> {
    let current = Summary::of(cur)?.rounded(2);
    let baseline = base.and_then(Summary::of).map(|s| s.rounded(2));
    let ratio = base.and_then(|b| paired_ratio(b, cur)).map(|r| round(r, 3));
    let ratio_interval = base.and_then(|b| paired_ratio_interval(b, cur)).map(|(lo, hi)| [round(lo, 3), round(hi, 3)]);
    let improvement = baseline.and_then(|b| improvement_pct(b.median, current.median)).map(|p| round(p, 1));
    Some(Metric { name, unit: unit.into(), baseline, current, ratio, ratio_interval, improvement_pct: improvement })
}

/// Compare current samples with a baseline and apply the gate.
pub fn compare(
    current: &Samples,
    baseline: Option<&Samples>,
    fail_under: Option<f64>,
    max_regression: Option<f64>,
) -> (Vec<Metric>, Gate) {
    let mut metrics = Vec::new();
    metrics.extend(metric("init".into(), "ms", baseline.map(|b| b.init_ms.as_slice()), &current.init_ms));
    for (ev, cur) in &current.first_invocation_ms {
        let base = baseline.and_then(|b| b.first_invocation_ms.get(ev)).map(Vec::as_slice);
        metrics.extend(metric(format!("first:{ev}"), "ms", base, cur));
    }
    for (ev, cur) in &current.cold_start_ms {
        let base = baseline.and_then(|b| b.cold_start_ms.get(ev)).map(Vec::as_slice);
        metrics.extend(metric(format!("cold:{ev}"), "ms", base, cur));
    }
    metrics.extend(metric("rss".into(), "MB", baseline.map(|b| b.rss_mb.as_slice()), &current.rss_mb));

    let mut failures = Vec::new();
    if let Some(min) = fail_under {
        match metrics.first().and_then(|m| m.improvement_pct) {
            Some(p) if p >= min => {}
            Some(p) => failures.push(format!("INIT improved {p:.1}%, less than the required {min}%")),
            None => failures.push("INIT improvement unknown (no baseline to compare with)".into()),
        }
    }
    if let Some(max) = max_regression {
        // A deferred import moves cost from INIT into the first request that
        // needs it: that first invocation is *meant* to get slower. What must
        // not regress is INIT and each event type's whole cold start.
        for m in metrics.iter().filter(|m| m.name == "init" || m.name.starts_with("cold:")) {
            if let Some(p) = m.improvement_pct {
                if -p > max {
                    failures.push(format!("{} regressed {:.1}%, more than the allowed {max}%", m.name, -p));
                }
            }
        }
    }
    let gate = Gate { fail_under, max_regression, passed: failures.is_empty(), failures };
    (metrics, gate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_reports_paired_ratio_and_improvement() {
        let base = Samples { init_ms: vec![100.0, 200.0, 300.0], rss_mb: vec![50.0; 3], ..Default::default() };
        let cur = Samples { init_ms: vec![40.0, 80.0, 120.0], rss_mb: vec![20.0; 3], ..Default::default() };
        let (m, gate) = compare(&cur, Some(&base), Some(40.0), Some(10.0));
        assert_eq!(m[0].name, "init");
        assert_eq!(m[0].ratio, Some(0.4));
        assert_eq!(m[0].improvement_pct, Some(60.0));
        assert_eq!(m.last().unwrap().name, "rss");
        assert!(gate.passed, "{:?}", gate.failures);
    }

    #[test]
    fn gate_fails_under_the_required_improvement_and_on_regression() {
        let mut base = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        base.first_invocation_ms.insert("report".into(), vec![10.0; 3]);
        base.cold_start_ms.insert("report".into(), vec![110.0; 3]);
        let mut cur = Samples { init_ms: vec![80.0; 3], ..Default::default() };
        cur.first_invocation_ms.insert("report".into(), vec![60.0; 3]);
        cur.cold_start_ms.insert("report".into(), vec![140.0; 3]);
        let (_, gate) = compare(&cur, Some(&base), Some(40.0), Some(10.0));
        assert!(!gate.passed);
        assert_eq!(gate.failures.len(), 2, "{:?}", gate.failures);
        assert!(gate.failures[0].contains("INIT improved 20.0%"));
        assert!(gate.failures[1].contains("cold:report regressed 27.3%"), "{:?}", gate.failures);
    }

    #[test]
    fn a_slower_first_invocation_alone_is_the_intended_trade_not_a_regression() {
        let mut base = Samples { init_ms: vec![1000.0; 3], ..Default::default() };
        base.first_invocation_ms.insert("report".into(), vec![5.0; 3]);
        base.cold_start_ms.insert("report".into(), vec![1005.0; 3]);
        let mut cur = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        cur.first_invocation_ms.insert("report".into(), vec![700.0; 3]);
        cur.cold_start_ms.insert("report".into(), vec![800.0; 3]);
        let (_, gate) = compare(&cur, Some(&base), None, Some(10.0));
        assert!(gate.passed, "{:?}", gate.failures);
    }

    #[test]
    fn fail_under_without_a_baseline_fails() {
        let cur = Samples { init_ms: vec![80.0], ..Default::default() };
        let (_, gate) = compare(&cur, None, Some(40.0), None);
        assert!(!gate.passed);
    }

    #[test]
    fn limits_that_cannot_gate_are_refused() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(fail_under_limit(v), Err(LimitError::NotFinite { .. })), "{v}");
            assert!(matches!(max_regression_limit(v), Err(LimitError::NotFinite { .. })), "{v}");
        }
        assert!(matches!(max_regression_limit(-1.0), Err(LimitError::NegativeRegression { .. })));
        assert!(matches!(fail_under_limit(100.0), Err(LimitError::Unreachable { .. })));
        assert_eq!(fail_under_limit(-5.0), Ok(-5.0), "a tolerated regression is meaningful");
        assert_eq!(max_regression_limit(0.0), Ok(0.0));
    }
}
