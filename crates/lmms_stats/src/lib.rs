//! Small, pure statistics over timing samples.
//!
//! Everything here is a function of its inputs: no I/O, no clocks, no
//! randomness. Samples are milliseconds unless a name says otherwise. The
//! robust pair median / MAD is what hyperfine-style tools report, because a
//! single noisy run (a page-cache miss, a scheduler hiccup) must not move the
//! headline number.

pub mod date;

use serde::{Deserialize, Serialize};

/// The four numbers every measured quantity is reported with.
///
/// The field names are part of the JSON contract (`S` in the schemas).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub struct Summary {
    pub median: f64,
    pub mad: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarise samples; `None` for an empty slice, since a zero would be a
    /// measurement nobody made. NaNs are ignored for the same reason.
    pub fn of(samples: &[f64]) -> Option<Summary> {
        let clean: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        Some(Summary {
            median: median(&clean)?,
            mad: mad(&clean)?,
            min: min(&clean)?,
            max: max(&clean)?,
        })
    }

    /// Round every field to `decimals` places so JSON stays readable.
    pub fn rounded(self, decimals: i32) -> Summary {
        let f = 10f64.powi(decimals);
        let r = |x: f64| (x * f).round() / f;
        Summary { median: r(self.median), mad: r(self.mad), min: r(self.min), max: r(self.max) }
    }
}

/// Median; the mean of the two middle values for an even count.
pub fn median(samples: &[f64]) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Median absolute deviation from the median (unscaled: the same unit as the
/// samples, so "12.0 ± 0.4 ms" reads naturally).
pub fn mad(samples: &[f64]) -> Option<f64> {
    let m = median(samples)?;
    let dev: Vec<f64> = samples.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

pub fn min(samples: &[f64]) -> Option<f64> {
    samples.iter().copied().min_by(f64::total_cmp)
}

pub fn max(samples: &[f64]) -> Option<f64> {
    samples.iter().copied().max_by(f64::total_cmp)
}

/// Relative improvement of `after` over `before` in percent (positive = faster).
/// `None` when `before` is not positive: a ratio against zero means nothing.
pub fn improvement_pct(before: f64, after: f64) -> Option<f64> {
    (before > 0.0).then(|| (before - after) / before * 100.0)
}

/// Per-pair ratios `after[i] / before[i]`, in pair order. A pair whose
/// `before` is not positive, or whose ratio is NaN, is left out: a ratio
/// against zero means nothing.
pub fn pair_ratios(before: &[f64], after: &[f64]) -> Vec<f64> {
    before.iter().zip(after).filter(|(b, _)| **b > 0.0).map(|(b, a)| a / b).filter(|r| !r.is_nan()).collect()
}

/// Median of per-pair ratios `after[i] / before[i]`. Pairing interleaved runs
/// cancels drift (thermal, background load) that would bias a ratio of medians.
pub fn paired_ratio(before: &[f64], after: &[f64]) -> Option<f64> {
    median(&pair_ratios(before, after))
}

/// The confidence [`median_interval`] gives.
pub const INTERVAL_CONFIDENCE: f64 = 0.95;

/// A distribution-free 95% confidence interval for the median of `samples`:
/// the k-th smallest and k-th largest sample, with k the largest order for
/// which a Binomial(n, ½) count (how many samples fall below the true
/// median) leaves them outside with probability at most 5% (the sign-test
/// interval). It assumes nothing about the shape of the noise, which on a
/// loaded machine is anything but normal. `None` below 6 samples, where
/// even the smallest and largest cover less than 95%; NaNs are ignored.
pub fn median_interval(samples: &[f64]) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let tail = (1.0 - INTERVAL_CONFIDENCE) / 2.0;
    // P(count <= j), summed in log space: 2^-n underflows past n = 1074.
    let (mut ln_choose, mut below, mut k) = (0.0f64, 0.0f64, 0usize);
    for j in 0..n {
        below += (ln_choose - n as f64 * std::f64::consts::LN_2).exp();
        // A small slack so that coverage of exactly 95% is not lost to rounding.
        if below > tail + 1e-12 {
            break;
        }
        k = j + 1;
        ln_choose += ((n - j) as f64).ln() - ((j + 1) as f64).ln();
    }
    (k >= 1 && k <= n / 2).then(|| (v[k - 1], v[n - k]))
}

/// [`median_interval`] of the per-pair ratios: how far the true paired ratio
/// may be from [`paired_ratio`] given the spread of the pairs.
pub fn paired_ratio_interval(before: &[f64], after: &[f64]) -> Option<(f64, f64)> {
    median_interval(&pair_ratios(before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_count_is_middle_value() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn median_of_even_count_is_mean_of_middle_pair() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn median_of_nothing_is_none() {
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn single_sample_has_zero_mad_and_equal_bounds() {
        let s = Summary::of(&[7.5]).unwrap();
        assert_eq!(s, Summary { median: 7.5, mad: 0.0, min: 7.5, max: 7.5 });
    }

    #[test]
    fn mad_is_zero_when_most_samples_agree() {
        assert_eq!(mad(&[5.0, 5.0, 5.0, 100.0]), Some(0.0));
    }

    #[test]
    fn mad_ignores_a_single_outlier() {
        // deviations from median 3: 2,1,0,1,97 -> median 1
        assert_eq!(mad(&[1.0, 2.0, 3.0, 4.0, 100.0]), Some(1.0));
    }

    #[test]
    fn summary_skips_nan_samples() {
        let s = Summary::of(&[f64::NAN, 2.0, 4.0]).unwrap();
        assert_eq!(s.median, 3.0);
        assert_eq!(s.min, 2.0);
        assert_eq!(s.max, 4.0);
    }

    #[test]
    fn summary_of_only_nans_is_none() {
        assert!(Summary::of(&[f64::NAN]).is_none());
    }

    #[test]
    fn improvement_is_positive_when_faster() {
        assert_eq!(improvement_pct(200.0, 80.0), Some(60.0));
        assert_eq!(improvement_pct(0.0, 80.0), None);
    }

    #[test]
    fn paired_ratio_uses_pairs_not_medians() {
        let before = [10.0, 20.0, 30.0];
        let after = [5.0, 10.0, 15.0];
        assert_eq!(paired_ratio(&before, &after), Some(0.5));
        assert_eq!(paired_ratio(&[0.0], &[1.0]), None);
    }

    #[test]
    fn rounding_keeps_requested_places() {
        let s = Summary { median: 1.23456, mad: 0.0, min: 1.0, max: 2.0 }.rounded(2);
        assert_eq!(s.median, 1.23);
    }

    #[test]
    fn pair_ratios_leave_out_pairs_against_zero_and_nan() {
        assert_eq!(pair_ratios(&[2.0, 0.0, -1.0, f64::NAN, 4.0], &[1.0, 5.0, 5.0, 5.0, f64::NAN]), [0.5]);
        assert_eq!(pair_ratios(&[1.0, 2.0, 3.0], &[1.0]), [1.0], "pairs stop at the shorter series");
    }

    #[test]
    fn the_median_interval_needs_six_samples_and_then_spans_them_all() {
        assert_eq!(median_interval(&[]), None);
        assert_eq!(median_interval(&[1.0; 5]), None, "five samples cover at most 93.75%");
        assert_eq!(median_interval(&[f64::NAN; 9]), None);
        // n = 6: P(all above or all below) = 2/64 ≤ 5%, so min..max is a 95% interval.
        assert_eq!(median_interval(&[6.0, 1.0, 5.0, 2.0, 4.0, 3.0]), Some((1.0, 6.0)));
    }

    #[test]
    fn the_median_interval_uses_the_sign_test_orders() {
        let v: Vec<f64> = (1..=30).map(f64::from).collect();
        // n = 30: P(Bin(30, ½) ≤ 9) = 2.1% ≤ 2.5% < P(≤ 10) = 4.9%, so the 10th smallest and 10th largest.
        assert_eq!(median_interval(&v), Some((10.0, 21.0)));
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        // n = 100: the textbook interval is the 40th to the 61st order statistic.
        assert_eq!(median_interval(&v), Some((40.0, 61.0)));
        let v: Vec<f64> = (0..5000).map(f64::from).collect();
        let (lo, hi) = median_interval(&v).unwrap();
        assert!(lo < 2499.5 && hi > 2499.5 && hi - lo < 200.0, "{lo}..{hi}: no underflow at large n");
    }

    #[test]
    fn the_paired_ratio_interval_holds_the_paired_ratio() {
        let before = [100.0, 110.0, 90.0, 120.0, 100.0, 95.0, 105.0, 0.0];
        let after = [101.0, 108.0, 93.0, 118.0, 99.0, 97.0, 104.0, 50.0];
        let (lo, hi) = paired_ratio_interval(&before, &after).unwrap();
        let r = paired_ratio(&before, &after).unwrap();
        assert!(lo <= r && r <= hi && lo < 1.0 && hi > 1.0, "{lo} {r} {hi}");
    }
}
