use std::io::Write;

use super::{fmt_change, fmt_ratio};
use crate::BenchDoc;

pub fn render_github(out: &mut dyn Write, doc: &BenchDoc) -> std::io::Result<()> {
    for m in &doc.metrics {
        if let (Some(b), Some(p)) = (&m.baseline, m.improvement_pct) {
            writeln!(
                out,
                "::notice title=lmms bench {}::{:.1} {u} → {:.1} {u} ({:+.1}%)",
                m.name,
                b.median,
                m.current.median,
                -p,
                u = m.unit
            )?;
        } else {
            writeln!(out, "::notice title=lmms bench {}::{:.1} {}", m.name, m.current.median, m.unit)?;
        }
    }
    for f in &doc.gate.failures {
        writeln!(out, "::error title=lmms bench gate::{f}")?;
    }
    writeln!(out, "| metric | baseline | current | ratio | change |")?;
    writeln!(out, "|---|---:|---:|---:|---:|")?;
    for m in &doc.metrics {
        let base = m.baseline.as_ref().map_or("—".to_string(), |b| format!("{:.1} {}", b.median, m.unit));
        let (ratio, change) = (fmt_ratio(m.ratio), fmt_change(m.improvement_pct));
        writeln!(out, "| {} | {base} | {:.1} {} | {ratio} | {change} |", m.name, m.current.median, m.unit)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::compare;
    use crate::{BaselineKind, Samples, BENCH_SCHEMA};

    #[test]
    fn github_format_emits_notices_errors_and_a_table() {
        let base = Samples { init_ms: vec![100.0; 3], ..Default::default() };
        let cur = Samples { init_ms: vec![90.0; 3], ..Default::default() };
        let (metrics, gate) = compare(&cur, Some(&base), Some(40.0), None);
        let doc = BenchDoc {
            schema: BENCH_SCHEMA.into(),
            entry: "app:handler".into(),
            python: "python3".into(),
            runs: 3,
            baseline_kind: BaselineKind::Git,
            baseline_source: Some("HEAD~1".into()),
            interleaved: true,
            metrics,
            gate,
        };
        let mut buf = Vec::new();
        render_github(&mut buf, &doc).unwrap();
        let text = String::from_utf8(buf).unwrap();
        insta::assert_snapshot!(text);
    }
}
