use std::io::Write;

use lmms_style::{paint, Theme};

use super::{fmt_change, fmt_ratio, fmt_summary};
use crate::{BaselineKind, BenchDoc};

/// The table, painted with `theme`: faster changes green, slower ones red,
/// the gate's verdict likewise.
pub fn render_text(out: &mut dyn Write, doc: &BenchDoc, theme: &Theme) -> std::io::Result<()> {
    let against = match (doc.baseline_kind, &doc.baseline_source) {
        (BaselineKind::Git, Some(r)) => format!("against {r} (interleaved)"),
        (BaselineKind::Saved, Some(f)) => format!("against saved baseline {f}"),
        _ => "no baseline".to_string(),
    };
    writeln!(out, "{} {} — {} runs, {against}", paint(theme.heading, "lmms bench"), doc.entry, doc.runs)?;
    let header = format!("{:<22} {:>20} {:>20} {:>8} {:>9}", "metric", "baseline", "current", "ratio", "change");
    writeln!(out, "{}", paint(theme.heading, &header))?;
    let good_or_bad = |p: f64| if p >= 0.0 { theme.success } else { theme.error };
    for m in &doc.metrics {
        let base = m.baseline.as_ref().map_or("—".to_string(), |b| fmt_summary(b, &m.unit));
        let current = fmt_summary(&m.current, &m.unit);
        let ratio = fmt_ratio(m.ratio);
        let change = format!("{:>9}", fmt_change(m.improvement_pct));
        let change = match m.improvement_pct {
            Some(p) => paint(good_or_bad(p), &change),
            None => change,
        };
        writeln!(out, "{:<22} {:>20} {:>20} {:>8} {change}", m.name, base, current, ratio)?;
    }
    if let Some((p, m)) = doc.metrics.first().and_then(|m| Some((m.improvement_pct?, m))) {
        let mut verdict = format!("INIT {} {:.1}%", if p >= 0.0 { "improved" } else { "regressed" }, p.abs());
        if let (Some(r), Some([lo, hi])) = (m.ratio, m.ratio_interval) {
            verdict.push_str(&format!(" (paired ratio {r:.3}, 95% interval {lo:.3}–{hi:.3}"));
            verdict.push_str(if lo <= 1.0 && 1.0 <= hi { ": within noise)" } else { ")" });
        }
        writeln!(out, "{}", paint(good_or_bad(p), &verdict))?;
    }
    for f in &doc.gate.failures {
        writeln!(out, "{}: {f}", paint(theme.error, "FAIL"))?;
    }
    if (doc.gate.fail_under.is_some() || doc.gate.max_regression.is_some()) && doc.gate.passed {
        writeln!(out, "{}", paint(theme.success, "gate passed"))?;
    }
    Ok(())
}
