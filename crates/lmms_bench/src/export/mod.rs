//! Renderers of a [`BenchDoc`], one per format, behind [`render`].

use std::io::Write;

use crate::BenchDoc;

mod github;
mod text;

pub use github::render_github;
pub use text::render_text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// GitHub Actions workflow commands (`::error`, `::notice`) plus a table.
    Github,
}

/// `theme` paints the text table (plain: no escapes); JSON and GitHub
/// commands are never coloured.
pub fn render(out: &mut dyn Write, format: Format, doc: &BenchDoc, theme: &lmms_style::Theme) -> std::io::Result<()> {
    match format {
        Format::Text => render_text(out, doc, theme),
        Format::Github => render_github(out, doc),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, doc)?;
            writeln!(out)
        }
    }
}

/// `12.3 ms ± 0.4`.
fn fmt_summary(s: &lmms_stats::Summary, unit: &str) -> String {
    format!("{:.1} {unit} ± {:.1}", s.median, s.mad)
}

fn fmt_ratio(r: Option<f64>) -> String {
    r.map_or("—".to_string(), |r| format!("{r:.3}"))
}

/// The change as the user reads it: `-60.0%` is faster.
fn fmt_change(improvement_pct: Option<f64>) -> String {
    improvement_pct.map_or("—".to_string(), |p| format!("{:+.1}%", -p))
}
