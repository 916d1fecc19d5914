//! The text report of a plan: by default one line per import that changes
//! and a summary; with `--explain` one block per file, one line per import,
//! the reason under it, blockers and model disagreements indented below.

use std::fmt::Write as _;

use lmms_style::{paint, Theme};

use crate::plan::{Placement, PlanDoc, PlannedImport};
use crate::policy::{fmt_ms, fmt_pct, Strategy};

/// The plan as text, painted with `theme` (plain: no escapes). By default
/// one line per import that changes and the summary; `explain`
/// (`--explain`, `-v`) adds every other import, each row's reason, its
/// blockers' source lines and where the cost models disagree.
pub fn render_text(plan: &PlanDoc, theme: &Theme, explain: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}  (policy: {}{}, usage: {})",
        paint(theme.heading, "Plan for"),
        plan.entry,
        plan.policy,
        if plan.snapstart { ", snapstart" } else { "" },
        plan.usage
    );
    if explain {
        explained(&mut o, plan, theme);
    } else {
        changes(&mut o, plan, theme);
    }
    summary(&mut o, plan, theme, explain);
    o
}

fn strategy(theme: &Theme, s: Strategy) -> String {
    match s {
        Strategy::ModuleLevel => paint(theme.success, "module-level"),
        Strategy::FunctionLevel => paint(theme.warning, "function-level"),
    }
}

fn figures(i: &PlannedImport) -> (String, String, String) {
    let ms = i.import_ms.map_or_else(|| "—".to_string(), fmt_ms);
    let usage = i.usage.map_or_else(|| "?".to_string(), fmt_pct);
    let tier = i.tier.map_or_else(|| "T?".to_string(), |t| t.label().to_string());
    (ms, usage, tier)
}

/// Blockers named on an import's line in the default report.
const MAX_BLOCKERS_SHOWN: usize = 3;

/// One line per import the plan moves, with where its blockers are.
fn changes(o: &mut String, plan: &PlanDoc, theme: &Theme) {
    let moving: Vec<&PlannedImport> = plan.imports.iter().filter(|i| i.moves()).collect();
    let _ = writeln!(o);
    if moving.is_empty() {
        let _ = writeln!(o, "nothing moves: every import is already where the plan puts it");
        return;
    }
    let at = |i: &PlannedImport| format!("{}:{}", i.path, i.line);
    let at_width = moving.iter().map(|i| at(i).len()).max().unwrap_or(0);
    let width = moving.iter().map(|i| i.module.len()).max().unwrap_or(6).max(6);
    for i in moving {
        let (ms, usage, tier) = figures(i);
        let blocked = if i.blocked_by.is_empty() {
            String::new()
        } else {
            // One line per import: a module used by 300 decorators names the
            // first few; `--explain` lists every one with its source line.
            let mut at: Vec<String> =
                i.blocked_by.iter().take(MAX_BLOCKERS_SHOWN).map(|b| format!("{}:{} ({})", b.line, b.column, b.kind)).collect();
            if i.blocked_by.len() > MAX_BLOCKERS_SHOWN {
                at.push(format!("and {} more (`--explain` lists them)", i.blocked_by.len() - MAX_BLOCKERS_SHOWN));
            }
            format!("  {} {}", paint(theme.error, "blocked at"), at.join(", "))
        };
        let _ = writeln!(
            o,
            "  {:<at_width$}  {:<width$}  {:>9}  {:>5}  {}  → {}{blocked}",
            at(i),
            i.module,
            ms,
            usage,
            tier,
            strategy(theme, i.strategy)
        );
    }
}

/// Every import, by file, with its reason, blockers and model comparison.
fn explained(o: &mut String, plan: &PlanDoc, theme: &Theme) {
    let _ = writeln!(
        o,
        "requests per container: {:.1} ({})",
        plan.containers.requests_per_container,
        plan.containers.source.describe()
    );
    let width = plan.imports.iter().map(|i| i.module.len()).max().unwrap_or(6).max(6);
    let mut last_path = "";
    for i in &plan.imports {
        if i.path != last_path {
            let _ = writeln!(o, "\n{}", paint(theme.heading, &i.path));
            last_path = &i.path;
        }
        let (ms, usage, tier) = figures(i);
        let change = match (i.current, i.strategy) {
            (Placement::ModuleLevel, Strategy::FunctionLevel) => "  ← move into functions",
            (Placement::FunctionLevel, Strategy::ModuleLevel) => "  ← move to module level",
            _ => "",
        };
        let _ = writeln!(
            o,
            "  {:>4}  {:<width$}  {:>9}  {:>5}  {}  {}{}",
            i.line,
            i.module,
            ms,
            usage,
            tier,
            strategy(theme, i.strategy),
            change
        );
        let _ = writeln!(o, "        {}", i.reason);
        for b in &i.blocked_by {
            let _ = writeln!(
                o,
                "        {} {}:{}: {} [{}]",
                paint(theme.error, "blocked by"),
                b.line,
                b.column,
                b.message,
                b.kind
            );
            let _ = writeln!(o, "          | {}", b.code);
        }
        if let Some(d) = &i.disagreement {
            let _ = writeln!(o, "        {} {d}", paint(theme.punctuation, "models differ:"));
        }
    }
}

fn summary(o: &mut String, plan: &PlanDoc, theme: &Theme, explain: bool) {
    let _ = writeln!(o);
    let down: Vec<_> = plan
        .imports
        .iter()
        .filter(|i| i.current == Placement::ModuleLevel && i.strategy == Strategy::FunctionLevel)
        .collect();
    let up = plan
        .imports
        .iter()
        .filter(|i| i.current == Placement::FunctionLevel && i.strategy == Strategy::ModuleLevel)
        .count();
    let blocked = down.iter().filter(|i| !i.blocked_by.is_empty()).count();
    let _ = writeln!(
        o,
        "{} {} import(s) move into functions ({blocked} with module-level uses to rewrite first), {up} move to module level",
        paint(theme.heading, "summary:"),
        down.len()
    );
    let _ = writeln!(
        o,
        "hot set ({}): {}",
        plan.hot_set.len(),
        plan.hot_set.join(", ")
    );
    let c = plan.current_init_ms;
    let _ = writeln!(
        o,
        "INIT today: {} (± {}, profile of {}); predicted after `lmms fix`, from the profile series: {} ({} module(s) off INIT)",
        fmt_ms(c.median),
        fmt_ms(c.mad),
        if plan.profiled_at.is_empty() {
            "unknown date"
        } else {
            &plan.profiled_at
        },
        fmt_ms(plan.estimated_init_ms),
        plan.off_init.len()
    );
    match &plan.simulation {
        Some(s) => {
            let verdict = match s.improvement_pct {
                Some(p) if s.meets_target => {
                    format!("{p:.1}% faster — meets the >{:.0}% target", s.target_pct)
                }
                Some(p) if p >= 0.0 => format!("{p:.1}% faster — below the >{:.0}% target", s.target_pct),
                Some(p) => format!("{:.1}% slower — below the >{:.0}% target", -p, s.target_pct),
                None => "no improvement figure".into(),
            };
            let _ = writeln!(
                o,
                "simulated INIT ({} interleaved runs each, fresh processes): today {} ± {} → planned {} ± {}: {verdict}",
                s.runs,
                fmt_ms(s.current_init_ms.median),
                fmt_ms(s.current_init_ms.mad),
                fmt_ms(s.predicted_init_ms.median),
                fmt_ms(s.predicted_init_ms.mad),
            );
            let _ = writeln!(o, "  (planned = the tree `lmms fix` writes for this plan, rewritten in a shadow copy)");
        }
        None => {
            let _ = writeln!(
                o,
                "run `lmms plan --simulate` to measure the planned INIT in fresh processes"
            );
        }
    }
    for n in &plan.notes {
        let _ = writeln!(o, "note: {n}");
    }
    if !explain {
        let _ = writeln!(
            o,
            "`lmms plan --explain` (or -v) shows all {} imports with the reason for each",
            plan.imports.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan with one row, `blockers` decorators pinning it, and a
    /// simulation that measured the planned tree at `planned_ms` against
    /// 121 ms today.
    fn plan(blockers: usize, planned_ms: f64) -> PlanDoc {
        let blocked: Vec<serde_json::Value> = (0..blockers)
            .map(|n| serde_json::json!({"kind": "decorator", "line": 10 + n, "column": 2, "code": "@click.command()",
                "cost_ms": 17.0, "message": "`click`: a decorator runs at import"}))
            .collect();
        let s = |m: f64| serde_json::json!({"median": m, "mad": 1.0, "min": m, "max": m});
        let improvement = ((121.0 - planned_ms) / 121.0 * 1000.0_f64).round() / 10.0;
        let doc = serde_json::json!({
            "schema": "lmms.plan/1", "policy": "lmms", "entry": "cli:main", "snapstart": false, "usage": "measured",
            "containers": {"requests_per_container": 10.0, "source": "assumed"}, "profiled_at": "2026-11-01T00:00:00Z",
            "hot_set": [], "current_init_ms": s(320.0), "predicted_init_ms": s(planned_ms), "estimated_init_ms": 40.0,
            "own_time_excluded": [], "notes": [],
            "simulation": {"runs": 5, "current_init_ms": s(121.0), "predicted_init_ms": s(planned_ms),
                "project_own_ms": 0.0, "improvement_pct": improvement, "target_pct": 40.0, "meets_target": false},
            "imports": [{"id": "cli.py:0-12", "path": "cli.py", "line": 1, "module": "click", "import_ms": 17.0,
                "usage": 0.5, "tier": 3, "strategy": "function-level", "reason": "", "blocked_by": blocked,
                "current": "module-level", "pinned": false}]
        });
        PlanDoc::from_json(&doc.to_string()).unwrap()
    }

    #[test]
    fn an_import_line_names_three_blockers_and_counts_the_rest() {
        let text = render_text(&plan(300, 45.0), &Theme::PLAIN, false);
        let line = text.lines().find(|l| l.contains("click")).unwrap();
        assert!(
            line.ends_with("blocked at 10:2 (decorator), 11:2 (decorator), 12:2 (decorator), and 297 more (`--explain` lists them)"),
            "{line}"
        );
        let explained = render_text(&plan(300, 45.0), &Theme::PLAIN, true);
        assert_eq!(explained.matches("blocked by").count(), 300);
    }

    #[test]
    fn a_slower_simulated_plan_says_slower() {
        let text = render_text(&plan(0, 142.0), &Theme::PLAIN, false);
        assert!(text.contains("today 121 ms ± 1.0 ms → planned 142 ms ± 1.0 ms: 17.4% slower — below the >40% target"), "{text}");
        let faster = render_text(&plan(0, 45.0), &Theme::PLAIN, false);
        assert!(faster.contains(": 62.8% faster — below the >40% target"), "{faster}");
    }
}
