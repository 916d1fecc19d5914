//! Hysteresis: a tier decision changes only when the median moves past the
//! threshold by more than its MAD, so two profiles of the same code do not
//! flip an import between tiers on noise (9.8 ms T1, then 10.4 ms ± 1.2 ms,
//! stays T1; 11.9 ms ± 1.2 ms moves it).
//!
//! Only the import-time thresholds have a noise figure (the summed MAD of
//! the modules an import adds up); usage thresholds are applied as measured.

use crate::plan::PlanDoc;
use crate::tier::{Thresholds, Tier};

/// The previous plan as this plan's history: only a plan of the same entry
/// (another function of the project, planned into the same `.lmms/`, made
/// other decisions for other reasons). Any earlier profile of that entry
/// counts: holding a tier across profiles is the point.
pub fn history<'a>(previous: Option<&'a PlanDoc>, entry: &str) -> Option<&'a PlanDoc> {
    previous.filter(|p| p.entry == entry)
}

/// Where an import's time falls between the two time thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Band {
    /// Under `module-level-ms` (T1).
    Light,
    /// From `module-level-ms` to `function-level-ms`, both included
    /// (T2, T3, T5 by usage).
    Moderate,
    /// Over `function-level-ms` (T4).
    Heavy,
}

impl Band {
    /// The band of `ms` with no history, with the tiers' strict boundaries
    /// ("<10ms", ">100ms"). NaN is `Moderate`: it is neither below nor above.
    pub fn of(ms: f64, t: &Thresholds) -> Band {
        if ms < t.module_level_ms {
            Band::Light
        } else if ms > t.function_level_ms {
            Band::Heavy
        } else {
            Band::Moderate
        }
    }

    pub fn of_tier(tier: Tier) -> Band {
        match tier {
            Tier::T1 => Band::Light,
            Tier::T4 => Band::Heavy,
            Tier::T2 | Tier::T3 | Tier::T5 => Band::Moderate,
        }
    }

    /// The threshold this band's top (`Light`, `Moderate`) or bottom
    /// (`Moderate`, `Heavy`) borders on.
    fn upper(self, t: &Thresholds) -> f64 {
        match self {
            Band::Light => t.module_level_ms,
            Band::Moderate | Band::Heavy => t.function_level_ms,
        }
    }

    fn lower(self, t: &Thresholds) -> f64 {
        match self {
            Band::Light | Band::Moderate => t.module_level_ms,
            Band::Heavy => t.function_level_ms,
        }
    }

    fn up(self) -> Band {
        match self {
            Band::Light => Band::Moderate,
            Band::Moderate | Band::Heavy => Band::Heavy,
        }
    }

    fn down(self) -> Band {
        match self {
            Band::Light | Band::Moderate => Band::Light,
            Band::Heavy => Band::Moderate,
        }
    }

    /// `ms` moved just inside this band, for deciding as the band does.
    pub fn clamp(self, ms: f64, t: &Thresholds) -> f64 {
        let (lo, hi) = (t.module_level_ms, t.function_level_ms);
        match self {
            Band::Light if ms < lo => ms,
            Band::Light => lo.next_down(),
            Band::Heavy if ms > hi => ms,
            Band::Heavy => hi.next_up(),
            Band::Moderate if ms.is_nan() => lo,
            Band::Moderate => ms.clamp(lo, hi),
        }
    }

    /// The threshold between this band and `other` nearest to this one.
    pub fn threshold_towards(self, other: Band, t: &Thresholds) -> f64 {
        if other > self {
            self.upper(t)
        } else {
            self.lower(t)
        }
    }
}

/// The band to decide in, given the previous decision's band. Without a
/// previous decision it is the median's own band. With one, each threshold
/// between the two is crossed only when the median lies beyond it by more
/// than `mad`: exactly on a threshold, or within the noise of it, the
/// previous band holds. A NaN median or MAD says nothing, so it holds too.
pub fn band(previous: Option<Band>, median: f64, mad: f64, t: &Thresholds) -> Band {
    let plain = Band::of(median, t);
    let Some(mut b) = previous else {
        return plain;
    };
    if median.is_nan() || mad.is_nan() {
        return b;
    }
    let mad = mad.abs();
    while b < plain && median - b.upper(t) > mad {
        b = b.up();
    }
    while b > plain && b.lower(t) - median > mad {
        b = b.down();
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Thresholds {
        Thresholds::default()
    }

    #[test]
    fn without_a_previous_decision_the_median_decides() {
        assert_eq!(band(None, 9.8, 5.0, &t()), Band::Light);
        assert_eq!(band(None, 10.0, 0.0, &t()), Band::Moderate);
        assert_eq!(band(None, 100.0, 0.0, &t()), Band::Moderate);
        assert_eq!(band(None, 100.1, 0.0, &t()), Band::Heavy);
    }

    #[test]
    fn a_move_within_the_mad_keeps_the_previous_band() {
        assert_eq!(band(Some(Band::Light), 10.4, 1.2, &t()), Band::Light);
        assert_eq!(band(Some(Band::Light), 11.3, 1.2, &t()), Band::Moderate);
        assert_eq!(band(Some(Band::Heavy), 95.0, 30.0, &t()), Band::Heavy);
        assert_eq!(band(Some(Band::Moderate), 9.0, 0.5, &t()), Band::Light);
        // Moving back inside the previous band needs no margin.
        assert_eq!(band(Some(Band::Moderate), 50.0, 100.0, &t()), Band::Moderate);
    }

    #[test]
    fn mad_zero_moves_as_soon_as_the_median_is_past_the_threshold() {
        assert_eq!(band(Some(Band::Light), 10.001, 0.0, &t()), Band::Moderate);
        assert_eq!(band(Some(Band::Heavy), 99.999, 0.0, &t()), Band::Moderate);
        assert_eq!(band(Some(Band::Light), 10.4, -0.0, &t()), Band::Moderate);
    }

    #[test]
    fn exactly_on_the_threshold_the_previous_band_holds() {
        assert_eq!(band(Some(Band::Light), 10.0, 0.0, &t()), Band::Light);
        assert_eq!(band(Some(Band::Heavy), 100.0, 0.0, &t()), Band::Heavy);
        // A margin exactly equal to the MAD is not more than it.
        assert_eq!(band(Some(Band::Light), 11.0, 1.0, &t()), Band::Light);
    }

    #[test]
    fn a_long_jump_crosses_only_the_thresholds_it_clears_by_more_than_the_mad() {
        assert_eq!(band(Some(Band::Light), 150.0, 5.0, &t()), Band::Heavy);
        assert_eq!(band(Some(Band::Light), 103.0, 5.0, &t()), Band::Moderate);
        assert_eq!(band(Some(Band::Heavy), 2.0, 5.0, &t()), Band::Light);
        assert_eq!(band(Some(Band::Heavy), 7.0, 5.0, &t()), Band::Moderate);
    }

    #[test]
    fn nan_median_or_mad_keeps_the_previous_band() {
        assert_eq!(band(Some(Band::Light), f64::NAN, 1.0, &t()), Band::Light);
        assert_eq!(band(Some(Band::Heavy), 50.0, f64::NAN, &t()), Band::Heavy);
        assert_eq!(band(None, f64::NAN, 1.0, &t()), Band::Moderate);
        assert_eq!(band(Some(Band::Light), 50.0, f64::INFINITY, &t()), Band::Light);
    }

    /// `app.py` imports yaml (used by half the requests) at `ms` ± `mad`.
    mod planned {
        use lmms_config::Config;

        use crate::marginal::tests::profile;
        use crate::plan::{plan, PlanDoc, PlanRequest, PlannedImport, SourceFile};
        use crate::policy::Strategy;
        use crate::tier::Tier;
        use crate::usage::{ImportUsage, UsageDoc};

        const SRC: &str = "import yaml\n\ndef handler(e, c):\n    return yaml\n";

        fn run(ms: f64, mad: f64, previous: Option<&PlanDoc>) -> PlanDoc {
            let mut p = profile("app", &[("app", 1.0, &["app"]), ("yaml", ms, &["app", "yaml"])]);
            p.modules[1].self_ms.mad = mad;
            let files = [SourceFile {
                path: "app.py".into(),
                module: "app".into(),
                is_package: false,
                source: SRC.into(),
                parsed: lmms_python::parse_module(SRC),
            }];
            let row = ImportUsage {
                path: "app.py".into(),
                line: 1,
                module: "yaml".into(),
                usage: 0.5,
                requests_using: 50,
                names: vec![],
                id: String::new(),
            };
            let u = UsageDoc {
                schema: crate::usage::USAGE_SCHEMA.into(),
                requests: 100,
                errors: 0,
                imports: vec![row],
                modules: vec![],
                cold_start_ratio: None,
                source: lmms_schema::usage::Source::Replay,
                logs: None,
                values: vec![],
            };
            let cfg = Config::default();
            plan(&PlanRequest { profile: &p, usage: Some(&u), files: &files, config: &cfg, hot: &[], previous, unsafe_fixes: false, libraries: None })
        }

        fn yaml(doc: &PlanDoc) -> &PlannedImport {
            doc.imports.iter().find(|r| r.module == "yaml").unwrap()
        }

        const HELD: &str = "as in the previous plan";

        #[test]
        fn without_a_previous_plan_nothing_is_held() {
            let r = run(10.4, 1.2, None).imports.into_iter().find(|r| r.module == "yaml").unwrap();
            assert_eq!((r.tier, r.strategy), (Some(Tier::T3), Strategy::FunctionLevel));
            assert!(r.reason.contains("borderline"), "{}", r.reason);
            assert!(!r.reason.contains(HELD), "{}", r.reason);
        }

        #[test]
        fn an_older_profile_of_the_same_entry_holds_the_tier_and_the_explain_text_says_so() {
            let first = run(9.8, 0.3, None);
            assert_eq!(yaml(&first).tier, Some(Tier::T1));
            let held = run(10.4, 1.2, Some(&first));
            assert_eq!((yaml(&held).tier, yaml(&held).strategy), (Some(Tier::T1), Strategy::ModuleLevel));
            let text = crate::render::render_text(&held, &lmms_style::Theme::PLAIN, true);
            assert!(text.contains("T1, module-level, as in the previous plan: 10.4 ms is not past the 10.0 ms threshold by more than its measurement noise (± 1.2 ms)"), "{text}");
            // The held plan is the next one's history: the tier stays put on the same noise.
            assert_eq!(yaml(&run(10.4, 1.2, Some(&held))).tier, Some(Tier::T1));
        }

        #[test]
        fn exactly_on_the_threshold_with_mad_zero_the_previous_tier_holds_and_just_past_it_moves() {
            let first = run(9.8, 0.0, None);
            let on = run(10.0, 0.0, Some(&first));
            assert_eq!(yaml(&on).tier, Some(Tier::T1), "{}", yaml(&on).reason);
            assert!(yaml(&on).reason.contains(HELD), "{}", yaml(&on).reason);
            let past = run(10.05, 0.0, Some(&first));
            assert_eq!((yaml(&past).tier, yaml(&past).strategy), (Some(Tier::T3), Strategy::FunctionLevel));
            assert!(!yaml(&past).reason.contains(HELD), "{}", yaml(&past).reason);
        }

        #[test]
        fn a_previous_plan_of_another_entry_is_not_this_plans_history() {
            let mut other = run(9.8, 0.3, None);
            other.entry = "other:handler".into();
            let r = run(10.4, 1.2, Some(&other));
            assert_eq!(yaml(&r).tier, Some(Tier::T3), "{}", yaml(&r).reason);
        }
    }

    #[test]
    fn clamping_lands_inside_the_band_and_keeps_inside_values() {
        let t = t();
        assert!(Band::Light.clamp(10.4, &t) < 10.0);
        assert_eq!(Band::of(Band::Light.clamp(10.4, &t), &t), Band::Light);
        assert_eq!(Band::of(Band::Heavy.clamp(100.0, &t), &t), Band::Heavy);
        assert_eq!(Band::Moderate.clamp(120.0, &t), 100.0);
        assert_eq!(Band::Moderate.clamp(50.0, &t), 50.0);
        assert_eq!(Band::Light.clamp(3.0, &t), 3.0);
        assert_eq!(Band::of_tier(Tier::T5), Band::Moderate);
        assert_eq!(Band::Light.threshold_towards(Band::Heavy, &t), 10.0);
        assert_eq!(Band::Heavy.threshold_towards(Band::Light, &t), 100.0);
    }
}
