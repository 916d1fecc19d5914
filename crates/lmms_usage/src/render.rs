//! Writing `.lmms/usage.json` and its text table. The document type and its
//! reader are `lmms_schema::usage`'s.

use std::path::{Path, PathBuf};

use lmms_schema::usage::{NameUsage, Source, UsageDoc, ValueUsage};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Write `bytes` to `target` via a temp file in the same directory and a
/// rename, creating the directory if needed.
pub fn write_file_atomic(target: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    lmms_config::write_artifact(target, bytes).map_err(|source| WriteError::Io { path: target.to_path_buf(), source })
}

/// Write into `dir/usage.json` atomically: a temp file in the same
/// directory renamed over the target, so readers never see half a file.
pub fn write_atomic(doc: &UsageDoc, dir: &Path) -> Result<PathBuf, WriteError> {
    let target = dir.join("usage.json");
    write_file_atomic(&target, lmms_schema::to_json(doc).as_bytes())?;
    Ok(target)
}

/// The human-readable table, painted with the caller's theme (plain when
/// not colouring): column headers as headings.
pub fn render_text(doc: &UsageDoc, theme: &lmms_style::Theme) -> String {
    let paint = |s: String| lmms_style::paint(theme.heading, &s);
    let mut out = String::new();
    let pct = |u: f64| format!("{:.1}%", u * 100.0);
    match (&doc.source, &doc.logs) {
        (Source::Logs, Some(l)) => {
            out.push_str(&format!("{} invocations, {} failed\n", l.invocations, l.failed));
            if l.sampled > 0 {
                out.push_str(&format!(
                    "{} requests sampled by the tracker ({} cold); usage below is per sampled request\n",
                    l.sampled, l.sampled_cold
                ));
            }
        }
        _ => out.push_str(&format!("{} replayed events, {} with errors\n", doc.requests, doc.errors)),
    }
    match (doc.cold_start_ratio, &doc.logs) {
        (Some(r), _) => out.push_str(&format!("cold start ratio: {:.4}\n", r)),
        (None, Some(l)) if l.invocations > 0 => out.push_str(&format!(
            "cold start ratio: unknown, no cold start among {} invocations (below {:.4})\n",
            l.invocations,
            1.0 / l.invocations as f64
        )),
        _ => {}
    }
    if let Some(l) = &doc.logs {
        out.push_str(&format!(
            "cold starts: {}  restores: {}{}\n",
            l.cold_starts,
            l.restores,
            if l.snapstart { "  (SnapStart)" } else { "" }
        ));
        if let Some(rpc) = l.requests_per_container {
            out.push_str(&format!("requests per container: {rpc:.1} ({} containers)\n", l.containers.unwrap_or(0)));
        }
        if let Some(s) = l.init_ms {
            out.push_str(&format!(
                "init duration: median {:.1} ms ± {:.1}, min {:.1}, max {:.1}\n",
                s.median, s.mad, s.min, s.max
            ));
        }
        if let Some(s) = l.restore_ms {
            out.push_str(&format!("restore duration: median {:.1} ms ± {:.1}\n", s.median, s.mad));
        }
        if l.failed > 0 || l.init_failures > 0 {
            out.push_str(&format!("failed invocations: {}  failed inits: {}\n", l.failed, l.init_failures));
        }
    }
    if !doc.imports.is_empty() {
        let wpath = doc
            .imports
            .iter()
            .map(|i| i.path.len() + 1 + i.line.to_string().len())
            .max()
            .unwrap_or(0)
            .max("IMPORT".len());
        let wmod = doc.imports.iter().map(|i| i.module.len()).max().unwrap_or(0).max("MODULE".len());
        out.push('\n');
        let header = format!("{:<wpath$}  {:<wmod$}  {:>7}  {:>8}", "IMPORT", "MODULE", "USAGE", "REQUESTS");
        out.push_str(&paint(header));
        out.push('\n');
        for i in &doc.imports {
            let loc = format!("{}:{}", i.path, i.line);
            out.push_str(&format!(
                "{loc:<wpath$}  {:<wmod$}  {:>7}  {:>8}\n",
                i.module,
                pct(i.usage),
                i.requests_using
            ));
        }
    }
    // Only names whose figure says more than their statement's.
    let names: Vec<(String, &NameUsage)> = doc
        .imports
        .iter()
        .filter(|i| i.names.len() > 1 || i.names.iter().any(|n| n.module != i.module))
        .flat_map(|i| i.names.iter().map(move |n| (format!("{}:{} {}", i.path, i.line, n.name), n)))
        .collect();
    if !names.is_empty() {
        let wn = names.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max("NAME".len());
        let wm = names.iter().map(|(_, n)| n.module.len()).max().unwrap_or(0).max("MODULE".len());
        out.push('\n');
        out.push_str(&paint(format!("{:<wn$}  {:<wm$}  {:>7}  {:>8}", "NAME", "MODULE", "USAGE", "REQUESTS")));
        out.push('\n');
        for (label, n) in &names {
            out.push_str(&format!("{label:<wn$}  {:<wm$}  {:>7}  {:>8}\n", n.module, pct(n.usage), n.requests_using));
        }
    }
    if !doc.values.is_empty() {
        let label = |v: &ValueUsage| format!("{}:{} {}", v.path, v.line, v.name);
        let wv = doc.values.iter().map(|v| label(v).len()).max().unwrap_or(0).max("VALUE".len());
        let wb = doc.values.iter().map(|v| v.built_from.join(", ").len()).max().unwrap_or(0).max("BUILT FROM".len());
        out.push('\n');
        out.push_str(&paint(format!("{:<wv$}  {:<wb$}  {:>7}  {:>8}", "VALUE", "BUILT FROM", "USAGE", "REQUESTS")));
        out.push('\n');
        for v in &doc.values {
            out.push_str(&format!(
                "{:<wv$}  {:<wb$}  {:>7}  {:>8}\n",
                label(v),
                v.built_from.join(", "),
                pct(v.usage),
                v.requests_using
            ));
        }
    }
    if !doc.modules.is_empty() {
        let w = doc.modules.iter().map(|m| m.name.len()).max().unwrap_or(0).max("MODULE".len());
        out.push('\n');
        out.push_str(&paint(format!("{:<w$}  {:>7}", "MODULE", "USAGE")));
        out.push('\n');
        for m in &doc.modules {
            out.push_str(&format!("{:<w$}  {:>7}\n", m.name, pct(m.usage)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_schema::usage::USAGE_SCHEMA;

    fn doc(requests: u64) -> UsageDoc {
        UsageDoc {
            schema: USAGE_SCHEMA.into(),
            requests,
            errors: 0,
            imports: vec![],
            modules: vec![],
            cold_start_ratio: None,
            source: Source::Replay,
            logs: None,
            values: vec![],
        }
    }

    #[test]
    fn atomic_write_replaces_the_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let art = dir.path().join(".lmms");
        write_atomic(&doc(10), &art).unwrap();
        let path = write_atomic(&doc(99), &art).unwrap();
        assert_eq!(UsageDoc::from_json(&std::fs::read_to_string(path).unwrap()).unwrap().requests, 99);
        assert_eq!(std::fs::read_dir(&art).unwrap().count(), 1);
    }
}
