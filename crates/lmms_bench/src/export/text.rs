use std::io::Write;

use super::{fmt_change, fmt_ratio, fmt_summary};
use crate::{BaselineKind, BenchDoc};

pub fn render_text(out: &mut dyn Write, doc: &BenchDoc) -> std::io::Result<()> {
    let against = match (doc.baseline_kind, &doc.baseline_source) {
        (BaselineKind::Git, Some(r)) => format!("against {r} (interleaved)"),
        (BaselineKind::Saved, Some(f)) => format!("against saved baseline {f}"),
        _ => "no baseline".to_string(),
    };
    writeln!(out, "lmms bench {} — {} runs, {against}", doc.entry, doc.runs)?;
    writeln!(out, "{:<22} {:>20} {:>20} {:>8} {:>9}", "metric", "baseline", "current", "ratio", "change")?;
    for m in &doc.metrics {
        let base = m.baseline.as_ref().map_or("—".to_string(), |b| fmt_summary(b, &m.unit));
        let current = fmt_summary(&m.current, &m.unit);
        let (ratio, change) = (fmt_ratio(m.ratio), fmt_change(m.improvement_pct));
        writeln!(out, "{:<22} {:>20} {:>20} {:>8} {:>9}", m.name, base, current, ratio, change)?;
    }
    if let Some(p) = doc.metrics.first().and_then(|m| m.improvement_pct) {
        writeln!(out, "INIT {} {:.1}%", if p >= 0.0 { "improved" } else { "regressed" }, p.abs())?;
    }
    for f in &doc.gate.failures {
        writeln!(out, "FAIL: {f}")?;
    }
    if (doc.gate.fail_under.is_some() || doc.gate.max_regression.is_some()) && doc.gate.passed {
        writeln!(out, "gate passed")?;
    }
    Ok(())
}
