//! Writing `fast_path.py` from a plan.
//!
//! The file follows DEC-04's template: a docstring with the criteria, the
//! last profiled date and the cold start target; the imports grouped by
//! tier, each with its measured milliseconds and usage and, above
//! `module-level-ms`, why it is allowed on the hot path; and `__all__`.
//!
//! Only libraries are listed: project modules stay imported where they are
//! used (a `from fast_path import *` re-exports top-level names only, so
//! `features.query` would arrive as `features`).
//!
//! Regenerating replaces only what lmms owns — the docstring, the block
//! between the markers, `__all__` — and keeps every other line (user
//! comments, helper functions, constants) in order. Without markers (a
//! hand-written file), module-level import statements are replaced too,
//! since the generated block now states them.

use std::collections::BTreeSet;

use lmms_config::Config;
use lmms_python::{parse_module, ImportScope};

use crate::check::{code_lines, IMPORT_LIMIT, MAX_CODE_LINES};
use crate::{BEGIN_MARKER, END_MARKER};
use lmms_plan::plan::{PlanDoc, PlannedImport, Series};
use lmms_plan::policy::{fmt_ms, fmt_pct, Strategy};
use lmms_plan::tier::Tier;

pub struct GenerateInput<'a> {
    pub plan: &'a PlanDoc,
    pub config: &'a Config,
    /// The fast-path module's dotted name (never imports itself).
    pub fast_path_module: &'a str,
    /// The current file, when regenerating.
    pub existing: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub text: String,
    /// Modules imported, in file order.
    pub modules: Vec<String>,
    /// Lines carried over from the existing file.
    pub kept_lines: usize,
    /// Eager libraries left out to stay under DEC-04's import and line
    /// limits; they stay imported where they are used today.
    pub left_out: Vec<String>,
}

const EXPORT_COMMENT: &str = "# Export all for `from fast_path import *`";

struct Entry<'a> {
    module: &'a str,
    row: &'a PlannedImport,
}

fn justification(r: &PlannedImport, plan: &PlanDoc, cfg: &Config) -> String {
    if plan.snapstart {
        return "SnapStart: paid once before the snapshot".into();
    }
    if let Some(by) = &r.loaded_by {
        return format!("already loaded by {by}");
    }
    match (r.usage, r.tier) {
        (Some(u), Some(Tier::T4)) if u > cfg.hot_usage => {
            format!(
                "hot-path exception: used by {} > {} of requests (DEC-02)",
                fmt_pct(u),
                fmt_pct(cfg.hot_usage)
            )
        }
        (Some(u), _) if u > cfg.hot_usage => {
            format!(
                "hot path: used by {} > {} of requests (DEC-01 T2)",
                fmt_pct(u),
                fmt_pct(cfg.hot_usage)
            )
        }
        _ if r.pinned => {
            "cannot be deferred: a module-level use needs it (see `lmms plan` blocked_by)".into()
        }
        _ => format!("kept eager by the `{}` policy: {}", plan.policy, r.reason),
    }
}

fn bound_name(module: &str) -> &str {
    module.split('.').next().unwrap_or(module)
}

/// Line numbers (0-based) of the existing file that lmms owns.
fn owned_lines(text: &str) -> (BTreeSet<usize>, Vec<String>, Vec<String>) {
    let lines: Vec<&str> = text.lines().collect();
    let mut owned = BTreeSet::new();
    let mut prefix = Vec::new();
    // Leading comments (`# fast_path.py`, a shebang) stay on top.
    let mut i = 0;
    while i < lines.len() && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('#'))
    {
        if lines[i].trim() == BEGIN_MARKER {
            break;
        }
        if !lines[i].trim().is_empty() {
            prefix.push(lines[i].to_string());
        }
        owned.insert(i);
        i += 1;
    }
    // The module docstring.
    if i < lines.len() {
        let t = lines[i].trim_start();
        let t = t.strip_prefix(['r', 'R', 'u', 'U']).unwrap_or(t);
        if let Some(q) = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q)) {
            let rest = &t[3..];
            let mut end = i;
            if !rest.contains(q) {
                end = (i + 1..lines.len())
                    .find(|&j| lines[j].contains(q))
                    .unwrap_or(lines.len() - 1);
            }
            owned.extend(i..=end);
        }
    }
    // The generated block.
    let mut inside = false;
    let mut had_markers = false;
    for (n, l) in lines.iter().enumerate() {
        if l.trim() == BEGIN_MARKER {
            inside = true;
            had_markers = true;
        }
        if inside {
            owned.insert(n);
        }
        if l.trim() == END_MARKER {
            inside = false;
        }
    }
    // `__all__ = [...]`, possibly over several lines, and our comment on it.
    for (n, l) in lines.iter().enumerate() {
        if l.trim() == EXPORT_COMMENT {
            owned.insert(n);
        }
    }
    let mut n = 0;
    while n < lines.len() {
        if lines[n].starts_with("__all__") {
            let mut depth: i32 = 0;
            loop {
                depth += lines[n].matches(['[', '(']).count() as i32
                    - lines[n].matches([']', ')']).count() as i32;
                owned.insert(n);
                if depth <= 0 || n + 1 >= lines.len() {
                    break;
                }
                n += 1;
            }
        }
        n += 1;
    }
    let parsed = parse_module(text);
    if !had_markers {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(p, _)| p + 1))
            .collect();
        let line_of = |off: u32| {
            starts
                .partition_point(|&s| s <= off as usize)
                .saturating_sub(1)
        };
        for imp in parsed
            .imports
            .iter()
            .filter(|r| r.scope == ImportScope::Module)
        {
            owned.extend(line_of(imp.range.start)..=line_of(imp.range.end.saturating_sub(1)));
        }
    }
    (owned, prefix, parsed.dunder_all)
}

/// The eager libraries `fast_path.py` lists, split into light ones (sorted
/// by name) and justified heavy ones (heaviest first), at most `budget` in
/// all; the third list is what DEC-04's import limit left out (heavy ones
/// are kept first: they are the hot path's reason to exist).
fn select<'a>(
    plan: &'a PlanDoc,
    config: &Config,
    fast_path_module: &str,
    budget: usize,
) -> (Vec<Entry<'a>>, Vec<Entry<'a>>, Vec<String>) {
    let entry_module = plan.entry.split(':').next().unwrap_or("");
    let mut entries: Vec<Entry<'_>> = Vec::new();
    // Libraries only: project modules stay imported where they are used, and
    // `from fast_path import *` can re-export only top-level names.
    for m in plan.eager_libraries().iter() {
        let m = plan.hot_set.iter().find(|h| *h == m).expect("eager libraries come from the hot set");
        if m == entry_module || m == fast_path_module {
            continue;
        }
        let row = plan
            .imports
            .iter()
            .find(|r| &r.module == m && (r.strategy == Strategy::ModuleLevel || r.pinned))
            .or_else(|| plan.imports.iter().find(|r| &r.module == m));
        if let Some(row) = row {
            entries.push(Entry { module: m, row });
        }
    }
    let (mut light, mut heavy): (Vec<Entry<'_>>, Vec<Entry<'_>>) =
        entries.into_iter().partition(|e| ms(e) < config.module_level_ms);
    heavy.sort_by(|a, b| ms(b).total_cmp(&ms(a)).then(a.module.cmp(b.module)));
    light.sort_by(|a, b| ms(b).total_cmp(&ms(a)).then(a.module.cmp(b.module)));
    let mut left_out: Vec<String> = Vec::new();
    if heavy.len() > budget {
        left_out.extend(heavy.drain(budget..).map(|e| e.module.to_string()));
    }
    let room = budget - heavy.len();
    if light.len() > room {
        left_out.extend(light.drain(room..).map(|e| e.module.to_string()));
    }
    light.sort_by(|a, b| a.module.cmp(b.module));
    left_out.sort();
    (light, heavy, left_out)
}

fn ms(e: &Entry<'_>) -> f64 {
    e.row.import_ms.unwrap_or(0.0)
}

/// The user's lines of the existing file (everything lmms does not own),
/// blank runs collapsed.
fn kept_lines_of<'t>(text: &'t str, owned: &BTreeSet<usize>) -> Vec<&'t str> {
    let mut kept: Vec<&str> = Vec::new();
    for (n, l) in text.lines().enumerate() {
        if owned.contains(&n) {
            continue;
        }
        if l.trim().is_empty() && kept.last().is_none_or(|p| p.trim().is_empty()) {
            continue;
        }
        kept.push(l);
    }
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    kept
}

/// Imported names in `lines` as `fast-path check` counts them (LMM101):
/// each name of a statement that runs at import time counts once.
fn imports_in(lines: &[&str]) -> usize {
    let parsed = parse_module(&lines.join("\n"));
    parsed
        .imports
        .iter()
        .filter(|r| !matches!(r.scope, ImportScope::Function { .. } | ImportScope::TypeChecking))
        .map(|r| r.names.len().max(1))
        .sum()
}

fn header(plan: &PlanDoc, config: &Config) -> String {
    let profiled = plan.profiled_at.get(..10).unwrap_or("unknown");
    // Both figures from one series, which the line names.
    let p = plan.init_prediction();
    let source = match p.series {
        Series::Profile => "both from the profile: measured today, estimated after the plan",
        Series::Simulate => "both measured by `lmms plan --simulate`",
    };
    format!(
        "\"\"\"\nFast Path: minimum imports for cold start optimization (LMMS DEC-04).\n\n\
         ONLY modules meeting criteria:\n\
         - Import time <{:.0}ms, OR\n\
         - Used on >{} of requests (hot path exception)\n\n\
         Last profiled: {profiled}\n\
         Cold start target: <{:.0} ms\n\
         INIT today: {}; with this file: {} ({source})\n\
         Generated by `lmms fast-path generate` from the `{}` plan; regenerate after re-profiling.\n\"\"\"\n\n",
        config.module_level_ms,
        fmt_pct(config.hot_usage),
        config.cold_start_target_ms,
        fmt_ms(p.current_init_ms),
        fmt_ms(p.predicted_init_ms),
        plan.policy,
    )
}

/// The block between the markers.
fn block(light: &[Entry<'_>], heavy: &[Entry<'_>], plan: &PlanDoc, config: &Config) -> String {
    let mut out = String::new();
    out.push_str(BEGIN_MARKER);
    out.push('\n');
    let width = light.iter().chain(heavy).map(|e| e.module.len()).max().unwrap_or(0) + 7;
    let line = |e: &Entry<'_>, extra: Option<String>| {
        let usage = e.row.usage.map_or_else(|| "usage unknown".to_string(), |u| format!("{} of requests", fmt_pct(u)));
        let stmt = format!("import {}", e.module);
        let mut s = format!("{stmt:<width$}  # {}, {usage}", fmt_ms(ms(e)));
        if let Some(x) = extra {
            s.push_str(" — ");
            s.push_str(&x);
        }
        s.push('\n');
        s
    };
    if !light.is_empty() {
        out.push_str(&format!("# Tier 1: lightweight (<{:.0}ms)\n", config.module_level_ms));
        for e in light {
            out.push_str(&line(e, None));
        }
    }
    if !heavy.is_empty() {
        out.push_str(&format!("# Hot path exceptions (>{:.0}ms, justified)\n", config.module_level_ms));
        for e in heavy {
            out.push_str(&line(e, Some(justification(e.row, plan, config))));
        }
    }
    out.push_str(END_MARKER);
    out.push('\n');
    out
}

/// `__all__`, wrapped at 88 columns.
fn dunder_all(names: &[String]) -> String {
    let mut out = format!("\n{EXPORT_COMMENT}\n__all__ = [");
    let mut cur = String::from("\n   ");
    let mut body = String::new();
    for n in names {
        let item = format!(" \"{n}\",");
        if cur.len() + item.len() > 88 {
            body.push_str(&cur);
            cur = String::from("\n   ");
        }
        cur.push_str(&item);
    }
    if !names.is_empty() {
        body.push_str(&cur);
        body.push('\n');
    }
    out.push_str(&body);
    out.push_str("]\n");
    out
}

pub fn generate(input: &GenerateInput<'_>) -> Generated {
    let GenerateInput { plan, config, fast_path_module, existing } = *input;
    let (prefix, kept, user_all) = match existing {
        Some(t) => {
            let (owned, prefix, all) = owned_lines(t);
            (prefix, kept_lines_of(t, &owned), all)
        }
        None => (Vec::new(), Vec::new(), Vec::new()),
    };
    // DEC-04: fewer than IMPORT_LIMIT imports, the user's own included, and
    // fewer than MAX_CODE_LINES lines of code: with many lines of the user's
    // own, fewer imports fit (each costs a line and a share of `__all__`).
    let mut budget = (IMPORT_LIMIT - 1).saturating_sub(imports_in(&kept));
    loop {
        let generated = render(plan, config, fast_path_module, budget, &prefix, &kept, &user_all);
        if budget == 0 || code_lines(&generated.text) < MAX_CODE_LINES {
            return generated;
        }
        budget -= 1;
    }
}

/// The file with at most `budget` generated imports.
fn render(
    plan: &PlanDoc,
    config: &Config,
    fast_path_module: &str,
    budget: usize,
    prefix: &[String],
    kept: &[&str],
    user_all: &[String],
) -> Generated {
    let (light, heavy, left_out) = select(plan, config, fast_path_module, budget);

    let mut out = String::new();
    for p in prefix {
        out.push_str(p);
        out.push('\n');
    }
    out.push_str(&header(plan, config));
    out.push_str(&block(&light, &heavy, plan, config));
    let kept_lines = kept.iter().filter(|l| !l.trim().is_empty()).count();
    if !kept.is_empty() {
        out.push_str("\n\n");
        for l in kept {
            out.push_str(l);
            out.push('\n');
        }
    }
    let mut names: Vec<String> = Vec::new();
    for e in light.iter().chain(&heavy) {
        let b = bound_name(e.module).to_string();
        if !names.contains(&b) {
            names.push(b);
        }
    }
    for extra in user_all {
        if !names.contains(extra) {
            names.push(extra.clone());
        }
    }
    out.push_str(&dunder_all(&names));
    let modules = light.iter().chain(&heavy).map(|e| e.module.to_string()).collect();
    Generated { text: out, modules, kept_lines, left_out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_lines_cover_docstring_block_and_all_but_not_user_code() {
        let text = "#!/usr/bin/env python\n'''\nOld doc.\n'''\nimport json  # 1 ms\n\nTIMEOUT = 3  # seconds\n__all__ = (\n    'json',\n    'TIMEOUT',\n)\n";
        let (owned, prefix, all) = owned_lines(text);
        assert_eq!(prefix, vec!["#!/usr/bin/env python"]);
        let kept: Vec<&str> = text
            .lines()
            .enumerate()
            .filter(|(n, _)| !owned.contains(n))
            .map(|(_, l)| l)
            .collect();
        assert_eq!(kept, vec!["", "TIMEOUT = 3  # seconds"]);
        assert_eq!(all, vec!["json", "TIMEOUT"]);
    }

    /// A plan keeping `libs` eager at the entry, each `(module, ms, usage)`.
    pub(crate) fn plan_with(libs: &[(&str, f64, f64)]) -> PlanDoc {
        let rows: Vec<serde_json::Value> = libs
            .iter()
            .enumerate()
            .map(|(i, (m, ms, u))| {
                serde_json::json!({
                    "path": "app.py", "line": i + 1, "module": m, "import_ms": ms, "usage": u,
                    "tier": if *ms < 10.0 { 1 } else { 2 }, "strategy": "module-level", "reason": "r",
                    "blocked_by": [], "current": "module-level", "origin": "third-party", "loaded_by": null,
                    "models": null, "disagreement": null, "pinned": false
                })
            })
            .collect();
        let doc = serde_json::json!({
            "schema": "lmms.plan/1", "policy": "lmms", "entry": "app:handler", "snapstart": false,
            "usage": "measured", "containers": {"requests_per_container": 10.0, "source": "assumed"},
            "profiled_at": "2026-11-20T10:00:00Z", "imports": rows,
            "hot_set": libs.iter().map(|l| l.0).collect::<Vec<_>>(),
            "current_init_ms": {"median": 500.0, "mad": 5.0, "min": 490.0, "max": 520.0},
            "predicted_init_ms": null, "estimated_init_ms": 300.0, "own_time_excluded": [],
            "simulation": null, "notes": []
        });
        PlanDoc::from_json(&doc.to_string()).unwrap()
    }

    fn findings_for(text: &str, plan: &PlanDoc, config: &Config) -> Vec<crate::FastPathRule> {
        let parsed = parse_module(text);
        let input = crate::CheckInput {
            path: "fast_path.py",
            source: text,
            parsed: &parsed,
            fast_path_module: "fast_path",
            profile: None,
            plan: Some(plan),
            usage: None,
            config,
            today_days: crate::parse_date("2026-11-21").unwrap(),
            entry: None,
        };
        crate::check(&input).into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_generated_file_stays_under_the_import_limit_that_check_enforces() {
        let names: Vec<String> = (0..25).map(|i| format!("lib{i:02}")).collect();
        let mut libs: Vec<(&str, f64, f64)> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as f64 * 0.1, 1.0)).collect();
        libs.push(("heavy", 40.0, 0.95));
        let plan = plan_with(&libs);
        let config = Config::default();
        let input = GenerateInput { plan: &plan, config: &config, fast_path_module: "fast_path", existing: None };
        let g = generate(&input);
        assert_eq!(g.modules.len(), IMPORT_LIMIT - 1);
        assert!(g.modules.contains(&"heavy".to_string()), "the justified heavy import is kept first");
        assert!(!g.modules.contains(&"lib00".to_string()), "the cheapest light imports go first");
        assert_eq!(g.left_out.len(), 26 - (IMPORT_LIMIT - 1));
        let found = findings_for(&g.text, &plan, &config);
        assert!(!found.contains(&crate::FastPathRule::TooManyImports), "{found:?}\n{}", g.text);

        // The user's own imports outside the block count too.
        let existing = format!("{}\nimport mine_a\nimport mine_b, mine_c\n", g.text);
        let again = generate(&GenerateInput { existing: Some(&existing), ..input });
        assert_eq!(again.modules.len(), IMPORT_LIMIT - 1 - 3);
        let found = findings_for(&again.text, &plan, &config);
        assert!(!found.contains(&crate::FastPathRule::TooManyImports), "{found:?}\n{}", again.text);
    }

    #[test]
    fn a_generated_file_stays_under_the_line_limit_with_the_users_own_code() {
        let names: Vec<String> = (0..25).map(|i| format!("lib{i:02}")).collect();
        let libs: Vec<(&str, f64, f64)> = names.iter().enumerate().map(|(i, n)| (n.as_str(), i as f64 * 0.1, 1.0)).collect();
        let plan = plan_with(&libs);
        let config = Config::default();
        let input = GenerateInput { plan: &plan, config: &config, fast_path_module: "fast_path", existing: None };
        let first = generate(&input);
        let own = crate::check::code_lines(&first.text);
        // Enough helpers of the user's that 19 imports would make 50 lines
        // of code, then that many and one more: DEC-04 allows fewer than 50.
        let with_helpers = |extra: usize| {
            let helpers: String = (0..extra).map(|i| format!("H{i} = {i}\n")).collect();
            let existing = first.text.replace(END_MARKER, &format!("{END_MARKER}\n\n{helpers}"));
            let g = generate(&GenerateInput { existing: Some(&existing), ..input });
            assert_eq!(g.kept_lines, extra);
            g
        };
        let at_the_limit = with_helpers(MAX_CODE_LINES - own - 1);
        assert_eq!((at_the_limit.modules.len(), crate::check::code_lines(&at_the_limit.text)), (IMPORT_LIMIT - 1, 49));
        for extra in [MAX_CODE_LINES - own, MAX_CODE_LINES - own + 1] {
            let g = with_helpers(extra);
            assert!(crate::check::code_lines(&g.text) < MAX_CODE_LINES, "{}", g.text);
            assert!(g.modules.len() < IMPORT_LIMIT - 1 && !g.left_out.is_empty());
            let found = findings_for(&g.text, &plan, &config);
            assert!(!found.contains(&crate::FastPathRule::TooLong), "{found:?}\n{}", g.text);
        }
    }

    #[test]
    fn stale_and_drifted_evidence_fail_the_check_as_they_fail_lmms_check() {
        let plan = plan_with(&[("json", 2.0, 1.0), ("yaml", 4.0, 1.0)]);
        let config = Config::default();
        let g = generate(&GenerateInput { plan: &plan, config: &config, fast_path_module: "fast_path", existing: None });
        let old = g.text.replace("Last profiled: 2026-11-20", "Last profiled: 2020-01-01").replace("# 4.0 ms", "# 9.0 ms");
        let parsed = parse_module(&old);
        let input = crate::CheckInput {
            path: "fast_path.py",
            source: &old,
            parsed: &parsed,
            fast_path_module: "fast_path",
            profile: None,
            plan: Some(&plan),
            usage: None,
            config: &config,
            today_days: crate::parse_date("2026-11-21").unwrap(),
            entry: None,
        };
        let found = crate::check(&input);
        let rules: Vec<_> = found.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [crate::FastPathRule::StaleProfile, crate::FastPathRule::TimeDrift], "{found:?}");
        for f in &found {
            assert_eq!(f.severity, f.rule.severity());
            assert_eq!(f.severity, crate::Severity::Error);
        }
        assert!(crate::has_errors(&found));
    }

    #[test]
    fn the_header_quotes_today_and_planned_init_from_one_series() {
        let mut plan = plan_with(&[("json", 2.0, 1.0)]);
        let config = Config::default();
        let text = |plan: &PlanDoc| {
            generate(&GenerateInput { plan, config: &config, fast_path_module: "fast_path", existing: None }).text
        };
        assert!(text(&plan).contains("INIT today: 500 ms; with this file: 300 ms (both from the profile"), "{}", text(&plan));
        // --simulate measured today's entry at 121 ms, not the profile's 500.
        plan.simulation = lmms_plan::simulate::simulation(&[120.0, 122.0, 121.0], &[40.0, 42.0, 41.0], 4.0);
        plan.predicted_init_ms = plan.simulation.as_ref().map(|s| s.predicted_init_ms);
        let t = text(&plan);
        assert!(t.contains("INIT today: 121 ms; with this file: 45.0 ms (both measured by `lmms plan --simulate`)"), "{t}");
    }
}
