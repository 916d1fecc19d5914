//! `lmms report --html`: one self-contained page (inline CSS, JS and SVG; no
//! network) drawn from the `.lmms/` artifacts.
//!
//! The tables are rendered here, HTML-escaped. The icicle is drawn in the
//! browser by `report.js` from the tree embedded as JSON, so that zooming
//! needs no round trip; names reach it through a `<script
//! type="application/json">` element whose `<`, `>` and `&` are
//! `\u`-escaped, and the script only ever sets them as text.

use std::collections::HashMap;
use std::fmt::Write as _;

use lmms_schema::plan::{fmt_ms, fmt_pct};
use lmms_schema::PlanDoc;
use lmms_schema::profile::{Origin, ProfileDoc};
use lmms_stats::Summary;
use serde::Serialize;

use crate::artifacts::Artifacts;
use lmms_schema::bench::{BaselineDoc as Baseline, BaselineKind, BenchDoc as Bench};
use crate::flame::{FLOOR_FRAME, STARTUP_FRAME};
use crate::tree::ImportTree;

const CSS: &str = include_str!("report.css");
const JS: &str = include_str!("report.js");

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON that can sit inside `<script>`: no `</script>`, no `<!--`, and no
/// line separators that older parsers treat as line ends. The replaced
/// characters occur only inside JSON strings, where `\u` escapes mean the same.
pub fn script_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).expect("report data serialises");
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// One frame of the icicle. Node 0 is INIT; the floor, the start-up outside
/// imports and the import trees' roots are its children.
#[derive(Debug, Serialize)]
struct Node<'a> {
    n: &'a str,
    /// Synthetic frames: `init`, `floor`, `startup`.
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    o: Option<&'static str>,
    /// Median cumulative and self ms.
    c: f64,
    s: f64,
    /// Parent node; -1 for INIT.
    p: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    f: Option<&'a str>,
    /// Share of requests that use the module (`usage.json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    u: Option<f64>,
    /// The plan's decision for an import of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    d: Option<String>,
}

#[derive(Debug, Serialize)]
struct Data<'a> {
    entry: &'a str,
    init: f64,
    floor: f64,
    nodes: Vec<Node<'a>>,
}

fn r3(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

/// What INIT is made of, in ms: the floor, start-up outside imports, and each
/// import-tree root's cumulative time (the entry's first).
struct InitParts {
    floor: f64,
    startup: f64,
    roots: Vec<(usize, f64)>,
}

fn init_parts(doc: &ProfileDoc, tree: &ImportTree) -> InitParts {
    let floor = doc.floor_ms.median.max(0.0);
    let roots: Vec<(usize, f64)> =
        tree.roots.iter().map(|&i| (i, doc.modules[i].cumulative_ms.median.max(0.0))).collect();
    let trees: f64 = roots.iter().map(|r| r.1).sum();
    InitParts { floor, startup: (doc.init_ms.median - floor - trees).max(0.0), roots }
}

fn nodes<'a>(a: &'a Artifacts, tree: &ImportTree, parts: &InitParts) -> Vec<Node<'a>> {
    let doc = &a.profile;
    let usage: HashMap<&str, f64> =
        a.usage.iter().flat_map(|u| u.modules.iter().map(|m| (m.name.as_str(), m.usage))).collect();
    let mut decision: HashMap<&str, String> = HashMap::new();
    for imp in a.plan.iter().flat_map(|p| p.imports.iter()) {
        let tier = imp.tier.map_or(String::new(), |t| format!(" ({})", t.label()));
        decision.entry(imp.module.as_str()).or_insert_with(|| format!("{}{tier}", imp.strategy.as_str()));
    }
    let synthetic = |n: &'a str, k: &'static str, ms: f64, p: i64| Node {
        n,
        k: Some(k),
        o: None,
        c: r3(ms),
        s: if k == "init" { 0.0 } else { r3(ms) },
        p,
        f: None,
        u: None,
        d: None,
    };
    let mut out = vec![
        synthetic("INIT", "init", doc.init_ms.median, -1),
        synthetic(FLOOR_FRAME, "floor", parts.floor, 0),
        synthetic(STARTUP_FRAME, "startup", parts.startup, 0),
    ];
    let mut node_of = vec![0i64; doc.modules.len()];
    for i in tree.preorder() {
        let m = &doc.modules[i];
        node_of[i] = out.len() as i64;
        out.push(Node {
            n: &m.name,
            k: None,
            o: Some(m.origin.as_str()),
            c: r3(m.cumulative_ms.median),
            s: r3(m.self_ms.median),
            p: tree.parent[i].map_or(0, |p| node_of[p]),
            f: m.file.as_deref(),
            u: usage.get(m.name.as_str()).copied(),
            d: decision.get(m.name.as_str()).cloned(),
        });
    }
    out
}

pub fn html(a: &Artifacts) -> String {
    let doc = &a.profile;
    let tree = ImportTree::new(doc);
    let parts = init_parts(doc, &tree);
    let data = Data {
        entry: &doc.entry,
        init: r3(doc.init_ms.median),
        floor: r3(doc.floor_ms.median),
        nodes: nodes(a, &tree, &parts),
    };
    let mut s = String::new();
    let entry = escape(&doc.entry);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>lmms report: {entry}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(s, "<header><h1>lmms report <code>{entry}</code></h1>");
    let _ = writeln!(
        s,
        "<p class=\"meta\">Python {} · {} runs · {} modules · profiled {}</p></header>",
        escape(&doc.python.version),
        doc.runs,
        doc.module_count,
        escape(if doc.profiled_at.is_empty() { "(time not recorded)" } else { &doc.profiled_at }),
    );
    init_section(&mut s, doc, &parts);
    icicle_section(&mut s);
    match &a.plan {
        Some(plan) => plan_section(&mut s, plan, a),
        None => {
            let _ = writeln!(s, "<section id=\"plan\"><h2>Plan</h2>");
            s.push_str("<p class=\"note\">No plan yet: <code>lmms plan</code> writes <code>.lmms/plan.json</code>.");
            s.push_str("</p></section>\n");
        }
    }
    bench_section(&mut s, a.bench.as_ref(), a.baseline.as_ref());
    let _ = writeln!(
        s,
        "<footer>lmms {} · a self-contained file: no network, no external scripts.</footer>",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(s, "<script type=\"application/json\" id=\"lmms-data\">{}</script>", script_json(&data));
    let _ = writeln!(s, "<script>\n{JS}</script>\n</body>\n</html>");
    s
}

/// A table and its header row; a heading starting with `#` is a number column.
fn thead(s: &mut String, headings: &[&str]) {
    s.push_str("<table><tr>");
    for h in headings {
        let _ = match h.strip_prefix('#') {
            Some(h) => write!(s, "<th class=\"num\">{h}</th>"),
            None => write!(s, "<th>{h}</th>"),
        };
    }
    s.push_str("</tr>\n");
}

/// One row of `(class, already-escaped HTML)` cells.
fn row(s: &mut String, cells: &[(&str, String)]) {
    s.push_str("<tr>");
    for (class, html) in cells {
        let _ = if class.is_empty() {
            write!(s, "<td>{html}</td>")
        } else {
            write!(s, "<td class=\"{class}\">{html}</td>")
        };
    }
    s.push_str("</tr>\n");
}

fn card(s: &mut String, value: &str, label: &str) {
    let _ = writeln!(s, "<div class=\"card\"><b>{}</b><span>{}</span></div>", escape(value), escape(label));
}

fn pm(x: &Summary, unit: &str) -> String {
    format!("{:.1} {unit} ± {:.1}", x.median, x.mad)
}

fn init_section(s: &mut String, doc: &ProfileDoc, parts: &InitParts) {
    let init = doc.init_ms.median;
    let _ = writeln!(s, "<section id=\"init\"><h2>INIT vs the interpreter floor</h2><div class=\"cards\">");
    let range = format!("INIT: spawn → handler ready (min {:.1}, max {:.1})", doc.init_ms.min, doc.init_ms.max);
    card(s, &pm(&doc.init_ms, "ms"), &range);
    card(s, &pm(&doc.floor_ms, "ms"), "interpreter floor: python -I -S -c pass");
    card(s, &fmt_ms((init - doc.floor_ms.median).max(0.0)), "imports and module code (INIT − floor)");
    card(s, &format!("{:.1} MB", doc.rss_mb.median), "peak RSS at ready");
    card(s, &doc.module_count.to_string(), "modules loaded");
    let _ = writeln!(s, "</div>");
    let mut segments: Vec<(String, &str, f64)> = vec![
        ("interpreter floor".into(), "k-floor", parts.floor),
        ("start-up outside imports".into(), "k-startup", parts.startup),
    ];
    for &(i, ms) in &parts.roots {
        let m = &doc.modules[i];
        segments.push((format!("import {}", m.name), origin_class(m.origin), ms));
    }
    let _ = write!(s, "<div class=\"bar\" role=\"img\" aria-label=\"INIT breakdown\">");
    for (label, class, ms) in segments.iter().filter(|seg| seg.2 > 0.0) {
        let width = if init > 0.0 { (ms / init * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        let text = format!("{label} {}", fmt_ms(*ms));
        let t = escape(&text);
        let _ = write!(s, "<div class=\"{class}\" style=\"width:{width:.2}%\" title=\"{t}\">{t}</div>");
    }
    let _ = writeln!(s, "</div>");

    let mut by_origin: Vec<(Origin, f64, usize)> = Vec::new();
    for m in &doc.modules {
        match by_origin.iter_mut().find(|o| o.0 == m.origin) {
            Some(o) => {
                o.1 += m.self_ms.median;
                o.2 += 1;
            }
            None => by_origin.push((m.origin, m.self_ms.median, 1)),
        }
    }
    by_origin.sort_by(|a, b| b.1.total_cmp(&a.1));
    thead(s, &["origin", "#self time", "#share of INIT", "#modules"]);
    for (origin, ms, count) in by_origin {
        let share = if init > 0.0 { fmt_pct(ms / init) } else { "—".into() };
        let swatch = format!("<i class=\"swatch {}\"></i>{}", origin_class(origin), origin.as_str());
        row(s, &[("", swatch), ("num", fmt_ms(ms)), ("num", share), ("num", count.to_string())]);
    }
    let _ = writeln!(s, "</table></section>");
}

fn origin_class(o: Origin) -> &'static str {
    match o {
        Origin::Project => "o-project",
        Origin::Stdlib => "o-stdlib",
        Origin::ThirdParty => "o-third-party",
        Origin::Builtin => "o-builtin",
        Origin::Unknown => "o-unknown",
    }
}

fn icicle_section(s: &mut String) {
    let _ = writeln!(s, "<section id=\"tree\"><h2>Import tree</h2>");
    let _ = writeln!(
        s,
        "<p class=\"note\">Width is median cumulative time, from INIT down. Hover a frame for its chain and times; \
         click to zoom into it, click it again (or Esc, or the path above) to zoom back out.</p>"
    );
    let _ = write!(s, "<div class=\"legend\">");
    for (class, label) in [
        ("o-project", "project"),
        ("o-stdlib", "stdlib"),
        ("o-third-party", "third-party"),
        ("o-builtin", "builtin"),
        ("o-unknown", "unknown"),
        ("k-floor", "interpreter floor"),
        ("k-startup", "start-up outside imports"),
    ] {
        let _ = write!(s, "<span><i class=\"{class}\"></i>{label}</span>");
    }
    let _ = writeln!(s, "</div>");
    let _ = writeln!(s, "<div id=\"crumbs\"></div>");
    let _ = writeln!(s, "<div id=\"hover\">Hover a frame to see the chain that imported it.</div>");
    s.push_str("<div id=\"icicle-box\"><svg id=\"icicle\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"");
    s.push_str(" aria-label=\"import tree\"></svg></div>\n<noscript><p class=\"note\">The import tree is drawn by");
    s.push_str(" JavaScript; <code>lmms profile</code> prints it as text.</p></noscript></section>\n");
}

fn plan_section(s: &mut String, plan: &PlanDoc, a: &Artifacts) {
    let _ = writeln!(s, "<section id=\"plan\"><h2>Plan</h2>");
    let mut facts = vec![
        format!("policy {}", plan.policy),
        format!("usage {}", plan.usage),
        // Each pair from one series, named: the profile's median beside its
        // estimate, `--simulate`'s today beside its planned INIT.
        format!(
            "profile: INIT today {} → estimated after the fix {}",
            fmt_ms(plan.current_init_ms.median),
            fmt_ms(plan.estimated_init_ms)
        ),
    ];
    if let Some(sim) = &plan.simulation {
        facts.push(format!(
            "--simulate: today {} → planned {} ({} interleaved fresh starts each)",
            fmt_ms(sim.current_init_ms.median),
            fmt_ms(sim.predicted_init_ms.median),
            sim.runs
        ));
    }
    if plan.snapstart {
        facts.push("SnapStart".into());
    }
    if let Some(u) = &a.usage {
        facts.push(format!("{} requests measured", u.requests));
        if let Some(r) = u.cold_start_ratio {
            facts.push(format!("cold-start ratio {}", fmt_pct(r)));
        }
    }
    let _ = writeln!(s, "<p class=\"meta\">{}</p>", escape(&facts.join(" · ")));
    let mut rows: Vec<&lmms_schema::plan::PlannedImport> = plan.imports.iter().collect();
    rows.sort_by(|x, y| y.import_ms.unwrap_or(-1.0).total_cmp(&x.import_ms.unwrap_or(-1.0)));
    thead(s, &["module", "#ms", "#usage", "decision", "reason"]);
    for imp in rows {
        let ms = imp.import_ms.map_or("—".to_string(), fmt_ms);
        let usage = imp.usage.map_or("—".to_string(), fmt_pct);
        let tier = imp.tier.map_or(String::new(), |t| format!(" ({})", t.label()));
        let mut decision = format!("{}{tier}", imp.strategy.as_str());
        if imp.moves() {
            decision.push_str(" ← move");
        }
        let mut reason = escape(&imp.reason);
        for b in &imp.blocked_by {
            let _ = write!(reason, "<br>blocked by {}:{}: {}", b.line, b.column, escape(&b.message));
        }
        let module = format!(
            "<code>{}</code><br><span class=\"note\">{}:{}</span>",
            escape(&imp.module),
            escape(&imp.path),
            imp.line
        );
        let class = if imp.moves() { "moves" } else { "stays" };
        row(s, &[("", module), ("num", ms), ("num", usage), (class, escape(&decision)), ("reason", reason)]);
    }
    let _ = writeln!(s, "</table></section>");
}

fn bench_section(s: &mut String, bench: Option<&Bench>, baseline: Option<&Baseline>) {
    let _ = writeln!(s, "<section id=\"bench\"><h2>Before / after</h2>");
    match (bench, baseline) {
        (Some(b), _) => {
            let against = match (b.baseline_kind, &b.baseline_source) {
                (BaselineKind::Git, Some(rev)) => format!("against {rev}, interleaved"),
                (BaselineKind::Saved, Some(f)) => format!("against the baseline saved in {f}"),
                _ => "no baseline".to_string(),
            };
            let gate = match &b.gate {
                g if !g.passed => format!(" · gate failed: {}", g.failures.join("; ")),
                _ => String::new(),
            };
            let facts = format!("lmms bench {} · {} runs · {against}{gate}", b.entry, b.runs);
            let _ = writeln!(s, "<p class=\"meta\">{}</p>", escape(&facts));
            thead(s, &["metric", "#before", "#after", "#ratio", "#change"]);
            for m in &b.metrics {
                let before = m.baseline.as_ref().map_or("—".to_string(), |x| pm(x, &m.unit));
                let ratio = m.ratio.map_or("—".to_string(), |r| format!("{r:.3}"));
                let (change, class) = match m.improvement_pct {
                    Some(p) if p > 0.0 => (format!("{:+.1}%", -p), "num better"),
                    Some(p) if p < 0.0 => (format!("{:+.1}%", -p), "num worse"),
                    Some(_) => ("0.0%".to_string(), "num"),
                    None => ("—".to_string(), "num"),
                };
                let after = escape(&pm(&m.current, &m.unit));
                row(
                    s,
                    &[("", escape(&m.name)), ("num", escape(&before)), ("num", after), ("num", ratio), (class, change)],
                );
            }
            let _ = writeln!(s, "</table>");
            s.push_str(
                "<p class=\"note\"><code>first:</code> is the first invocation of an event type, <code>cold:</code>",
            );
            s.push_str(
                " INIT plus it: a deferred import moves its cost from INIT into the first request that needs it.</p>\n",
            );
        }
        (None, Some(b)) => {
            let _ = writeln!(
                s,
                "<p class=\"meta\">Saved baseline of {}: INIT {} ({} runs, saved {}). \
                 <code>lmms bench --format json &gt; .lmms/bench.json</code> measures the current tree against it.</p>",
                escape(&b.entry),
                escape(&pm(&b.init_ms, "ms")),
                b.runs,
                escape(&b.saved_at)
            );
        }
        (None, None) => {
            let _ = writeln!(
                s,
                "<p class=\"note\">No bench results: <code>lmms bench --save-baseline</code> before a change, then \
                 <code>lmms bench --format json &gt; .lmms/bench.json</code> after it.</p>"
            );
        }
    }
    let _ = writeln!(s, "</section>");
}
