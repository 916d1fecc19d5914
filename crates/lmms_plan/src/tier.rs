//! LMMS-03 tiers and the thresholds that define them.
//!
//! The five tier definitions overlap (a 350 ms import used by 5% of requests
//! is both ">100 ms" and "<20% usage"), so one precedence is fixed here and
//! documented:
//!
//! 1. **T1** `< module-level-ms` (10 ms) at any usage — the DEC-01 table's
//!    first row says "<10ms, Any → module level", and DEC-04's template puts
//!    every sub-10 ms import in "Tier 1" without a usage condition.
//! 2. **T4** `> function-level-ms` (100 ms) at any usage — DEC-01's own
//!    annotation `import boto3  # 350ms, 15% usage (TIER4)` labels a heavy,
//!    rarely used import T4, not T5.
//! 3. Between the two, usage decides: **T2** `> hot-usage` (80%), **T5**
//!    `< cold-usage` (20%), otherwise **T3** (20–80% inclusive).
//!
//! Boundaries follow the seeds' wording: "<10ms" and ">100ms" are strict, so
//! exactly 10 ms and exactly 100 ms are in the 10–100 band; ">80%" and
//! "<20%" are strict, so 20% and 80% are T3. A 10–100 ms import whose usage
//! was never measured has no tier: inventing one would be guessing, which
//! DEC-03 forbids.

/// The four numbers that separate the tiers, from `[tool.lmms]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Below this an import is T1 (default 10 ms).
    pub module_level_ms: f64,
    /// Above this an import is T4 (default 100 ms).
    pub function_level_ms: f64,
    /// Usage fraction above which an import is on the hot path (default 0.8).
    pub hot_usage: f64,
    /// Usage fraction below which an import is rarely used (default 0.2).
    pub cold_usage: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            module_level_ms: 10.0,
            function_level_ms: 100.0,
            hot_usage: 0.8,
            cold_usage: 0.2,
        }
    }
}

impl From<&lmms_config::Config> for Thresholds {
    fn from(c: &lmms_config::Config) -> Self {
        Thresholds {
            module_level_ms: c.module_level_ms,
            function_level_ms: c.function_level_ms,
            hot_usage: c.hot_usage,
            cold_usage: c.cold_usage,
        }
    }
}

pub use lmms_schema::plan::Tier;

/// Classify an import by measured milliseconds and usage fraction (0–1).
/// `None` when the tier depends on a usage nobody measured.
pub fn classify(import_ms: f64, usage: Option<f64>, t: &Thresholds) -> Option<Tier> {
    if import_ms < t.module_level_ms {
        return Some(Tier::T1);
    }
    if import_ms > t.function_level_ms {
        return Some(Tier::T4);
    }
    let u = usage?;
    Some(if u > t.hot_usage {
        Tier::T2
    } else if u < t.cold_usage {
        Tier::T5
    } else {
        Tier::T3
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ms: f64, u: Option<f64>) -> Option<Tier> {
        classify(ms, u, &Thresholds::default())
    }

    #[test]
    fn cheap_imports_are_tier_one_whatever_their_usage() {
        assert_eq!(c(1.0, Some(1.0)), Some(Tier::T1));
        assert_eq!(c(9.99, Some(0.01)), Some(Tier::T1));
        assert_eq!(c(0.5, None), Some(Tier::T1));
    }

    #[test]
    fn heavy_imports_are_tier_four_even_when_rare() {
        // DEC-01 labels boto3 at 350 ms / 15% "TIER4".
        assert_eq!(c(350.0, Some(0.15)), Some(Tier::T4));
        assert_eq!(c(1200.0, Some(0.05)), Some(Tier::T4));
        assert_eq!(c(100.01, None), Some(Tier::T4));
    }

    #[test]
    fn moderate_imports_split_by_usage_with_strict_bounds() {
        assert_eq!(c(15.0, Some(0.95)), Some(Tier::T2));
        assert_eq!(c(15.0, Some(0.80)), Some(Tier::T3));
        assert_eq!(c(15.0, Some(0.20)), Some(Tier::T3));
        assert_eq!(c(15.0, Some(0.19)), Some(Tier::T5));
        assert_eq!(c(10.0, Some(0.5)), Some(Tier::T3));
        assert_eq!(c(100.0, Some(0.9)), Some(Tier::T2));
    }

    #[test]
    fn moderate_import_without_usage_has_no_tier() {
        assert_eq!(c(50.0, None), None);
    }

    #[test]
    fn thresholds_follow_the_config() {
        let t = Thresholds {
            module_level_ms: 5.0,
            function_level_ms: 50.0,
            hot_usage: 0.9,
            cold_usage: 0.1,
        };
        assert_eq!(classify(7.0, Some(0.85), &t), Some(Tier::T3));
        assert_eq!(classify(60.0, Some(0.99), &t), Some(Tier::T4));
    }
}
