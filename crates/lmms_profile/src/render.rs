//! Human-readable rendering of a profile. Pure: builds a `String`.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::doc::{ModuleProfile, Origin, ProfileDoc};

#[derive(Debug, Clone)]
pub struct TextOptions {
    /// Hide tree nodes whose median cumulative time is below this.
    pub tree_min_ms: f64,
    pub tree_max_depth: usize,
    pub top: usize,
    /// DEC-01 thresholds.
    pub module_level_ms: f64,
    pub function_level_ms: f64,
    pub hot_usage: f64,
    /// The caller's theme; plain by default. This crate never decides
    /// whether to colour.
    pub theme: lmms_style::Theme,
    /// Extra lines for the header (interpreter source, artifact path).
    pub notes: Vec<String>,
}

/// The three styles of the theme the profile report uses.
#[derive(Debug, Clone, Copy)]
struct Styles(lmms_style::Theme);

impl Styles {
    fn bold(&self, s: &str) -> String {
        lmms_style::paint(self.0.heading, s)
    }
    fn dim(&self, s: &str) -> String {
        lmms_style::paint(self.0.dim, s)
    }
    fn warn(&self, s: &str) -> String {
        lmms_style::paint(self.0.warning, s)
    }
}

/// The DEC-01 sentence for a measured import time.
pub fn verdict(ms: f64, o: &TextOptions) -> String {
    let hot = (o.hot_usage * 100.0).round();
    if ms > o.function_level_ms {
        format!(
            ">{:.0} ms: DEC-01 says function level unless used on >{hot}% of requests (DEC-02 hot-path exception)",
            o.function_level_ms
        )
    } else if ms >= o.module_level_ms {
        format!(
            "{:.0}–{:.0} ms: DEC-01 keeps it at module level only if used on >{hot}% of requests",
            o.module_level_ms, o.function_level_ms
        )
    } else {
        format!("<{:.0} ms: module level (DEC-01 tier 1)", o.module_level_ms)
    }
}

pub fn text(doc: &ProfileDoc, o: &TextOptions) -> String {
    let st = Styles(o.theme);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}  ({} runs, Python {} at {})",
        st.bold("lmms profile"),
        doc.entry,
        doc.runs,
        doc.python.version,
        doc.python.executable
    );
    for n in &o.notes {
        let _ = writeln!(s, "{}", st.dim(n));
    }
    let _ = writeln!(s);
    let i = &doc.init_ms;
    let f = &doc.floor_ms;
    let _ = writeln!(s, "{}", st.bold("Cold start"));
    let _ = writeln!(
        s,
        "  INIT (spawn → handler ready)  {:>8.1} ms ± {:.1}  (min {:.1}, max {:.1})",
        i.median, i.mad, i.min, i.max
    );
    let _ = writeln!(
        s,
        "  interpreter floor             {:>8.1} ms ± {:.1}  (python -I -S -c pass)",
        f.median, f.mad
    );
    let _ = writeln!(s, "  imports and module code       {:>8.1} ms  (INIT − floor)", (i.median - f.median).max(0.0));
    if let Some(entry) = doc.module(doc.entry_module()) {
        // What runs before the entry: site, .pth files, sitecustomize.
        let before = i.median - f.median - entry.cumulative_ms.median;
        let _ = writeln!(s, "    of which the entry's imports {:>8.1} ms  ({})", entry.cumulative_ms.median, entry.name);
        let _ = writeln!(s, "    of which start-up before it  {:>8.1} ms  (site, .pth files, the launcher)", before.max(0.0));
    }
    let _ = writeln!(s, "  peak RSS at ready             {:>8.1} MB", doc.rss_mb.median);
    let _ = writeln!(s, "  modules loaded                {:>8}", doc.module_count);
    let _ = writeln!(s);

    let _ = writeln!(
        s,
        "{}",
        st.bold(&format!("Import tree (median cumulative ms; nodes under {:.1} ms folded)", o.tree_min_ms))
    );
    let mut children: HashMap<Option<&str>, Vec<&ModuleProfile>> = HashMap::new();
    for m in &doc.modules {
        children.entry(m.imported_by.as_deref()).or_default().push(m);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| b.cumulative_ms.median.total_cmp(&a.cumulative_ms.median));
    }
    let roots = children.get(&None).cloned().unwrap_or_default();
    tree(&mut s, &st, &children, &roots, "", 0, o);
    let _ = writeln!(s);

    let mut by_self: Vec<&ModuleProfile> = doc.modules.iter().collect();
    by_self.sort_by(|a, b| b.self_ms.median.total_cmp(&a.self_ms.median));
    let _ = writeln!(s, "{}", st.bold(&format!("Top {} by self time", o.top.min(by_self.len()))));
    let _ = writeln!(s, "  {:>8}  {:>8}  {:<11}  module  (chain)", "self ms", "cum ms", "origin");
    for m in by_self.iter().take(o.top) {
        let _ = writeln!(
            s,
            "  {:>8.1}  {:>8.1}  {:<11}  {}  {}",
            m.self_ms.median,
            m.cumulative_ms.median,
            m.origin.as_str(),
            m.name,
            st.dim(&format!("({})", chain_text(m)))
        );
    }
    let _ = writeln!(s);

    // Verdicts are for the import statements the project controls: the
    // non-project modules a project module loads directly, grouped by
    // top-level package, because `from pydantic import BaseModel` pulls in
    // pydantic.fields & co. as siblings of `pydantic` in the tree and the
    // statement costs all of them.
    let origin: HashMap<&str, Origin> = doc.modules.iter().map(|m| (m.name.as_str(), m.origin)).collect();
    let mut groups: Vec<(String, String, f64, Vec<String>)> = Vec::new();
    for m in &doc.modules {
        let Some(parent) = m.imported_by.as_deref() else { continue };
        if m.origin == Origin::Project || origin.get(parent) != Some(&Origin::Project) {
            continue;
        }
        let top = m.name.split('.').next().unwrap_or(&m.name).to_string();
        match groups.iter_mut().find(|(p, t, _, _)| p == parent && *t == top) {
            Some(g) => {
                g.2 += m.cumulative_ms.median;
                g.3.push(m.name.clone());
            }
            None => groups.push((parent.to_string(), top, m.cumulative_ms.median, vec![m.name.clone()])),
        }
    }
    groups.retain(|g| g.2 >= o.module_level_ms);
    groups.sort_by(|a, b| b.2.total_cmp(&a.2));
    let _ = writeln!(s, "{}", st.bold("Verdicts (LMMS-DEC-01; usage decides the DEC-02 exception)"));
    if groups.is_empty() {
        let _ = writeln!(s, "  no project import costs {:.0} ms or more: everything may stay at module level", o.module_level_ms);
    }
    for (parent, top, ms, members) in &groups {
        let line = format!("  {:<28} {:>7.1} ms  {}", top, ms, verdict(*ms, o));
        let line = if *ms > o.function_level_ms { st.warn(&line) } else { line };
        let _ = writeln!(s, "{line}");
        let chain = doc.module(&members[0]).map(chain_text).unwrap_or_default();
        let _ = writeln!(s, "  {:<28} {}", "", st.dim(&format!("imported by {parent}; chain: {chain}")));
        if members.len() > 1 {
            let _ = writeln!(s, "  {:<28} {}", "", st.dim(&format!("includes {}", members.join(", "))));
        }
    }
    // Module-level code that is not an import (a client built at import
    // time) shows up as a project module's self time; moving imports alone
    // will not remove it.
    let mut busy: Vec<&ModuleProfile> = doc
        .modules
        .iter()
        .filter(|m| m.origin == Origin::Project && m.self_ms.median >= o.module_level_ms)
        .collect();
    busy.sort_by(|a, b| b.self_ms.median.total_cmp(&a.self_ms.median));
    for m in busy {
        let _ = writeln!(
            s,
            "  {}",
            st.warn(&format!(
                "{} spends {:.1} ms running its own module-level code (not imports: clients, sessions, tables built at import time; see `lmms rule LMM005`)",
                m.name, m.self_ms.median
            ))
        );
    }
    if !groups.is_empty() {
        let _ = writeln!(s, "\nNext: `lmms usage --events …` measures how often each is used, then `lmms plan` decides.");
    }
    s
}

fn tree(
    s: &mut String,
    st: &Styles,
    children: &HashMap<Option<&str>, Vec<&ModuleProfile>>,
    nodes: &[&ModuleProfile],
    prefix: &str,
    depth: usize,
    o: &TextOptions,
) {
    let shown: Vec<&&ModuleProfile> = nodes.iter().filter(|m| m.cumulative_ms.median >= o.tree_min_ms).collect();
    let hidden: Vec<&&ModuleProfile> = nodes.iter().filter(|m| m.cumulative_ms.median < o.tree_min_ms).collect();
    let total = shown.len() + usize::from(!hidden.is_empty());
    for (k, m) in shown.iter().enumerate() {
        let last = k + 1 == total;
        let (branch, cont) = if depth == 0 { ("", "") } else if last { ("└─ ", "   ") } else { ("├─ ", "│  ") };
        let label = format!("{prefix}{branch}{}", m.name);
        let _ = writeln!(
            s,
            "  {:<52} {:>8.1} ms  {}",
            label,
            m.cumulative_ms.median,
            st.dim(&format!("[{}]", m.origin.as_str()))
        );
        let kids = children.get(&Some(m.name.as_str())).cloned().unwrap_or_default();
        if depth + 1 < o.tree_max_depth {
            tree(s, st, children, &kids, &format!("{prefix}{cont}"), depth + 1, o);
        } else if !kids.is_empty() {
            let _ = writeln!(s, "  {prefix}{cont}{}", st.dim(&format!("… {} deeper imports folded", kids.len())));
        }
    }
    if !hidden.is_empty() {
        let sum: f64 = hidden.iter().map(|m| m.cumulative_ms.median).sum();
        let branch = if depth == 0 { "" } else { "└─ " };
        let _ = writeln!(
            s,
            "  {}",
            st.dim(&format!("{prefix}{branch}… {} more under {:.1} ms ({sum:.1} ms together)", hidden.len(), o.tree_min_ms))
        );
    }
}

/// `app → plugins.ai`, and how a module loaded by name was asked for.
fn chain_text(m: &ModuleProfile) -> String {
    match m.dynamic {
        Some(via) => format!("{}, loaded by {}", m.chain.join(" → "), via.as_str()),
        None => m.chain.join(" → "),
    }
}
