//! The text report of a plan: one block per file, one line per import, the
//! reason under it, blockers and model disagreements indented below.

use std::fmt::Write as _;

use crate::plan::{Placement, PlanDoc};
use crate::policy::{fmt_ms, fmt_pct, Strategy};

fn paint(color: bool, code: &str, s: &str) -> String {
    if color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn render_text(plan: &PlanDoc, color: bool) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}  (policy: {}{}, usage: {})",
        paint(color, "1", "Plan for"),
        plan.entry,
        plan.policy,
        if plan.snapstart { ", snapstart" } else { "" },
        plan.usage
    );
    let _ = writeln!(
        o,
        "requests per container: {:.1} ({})",
        plan.containers.requests_per_container,
        plan.containers.source.describe()
    );
    let width = plan
        .imports
        .iter()
        .map(|i| i.module.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut last_path = "";
    for i in &plan.imports {
        if i.path != last_path {
            let _ = writeln!(o, "\n{}", paint(color, "1;4", &i.path));
            last_path = &i.path;
        }
        let ms = i.import_ms.map_or_else(|| "—".to_string(), fmt_ms);
        let usage = i.usage.map_or_else(|| "?".to_string(), fmt_pct);
        let tier = i
            .tier
            .map_or_else(|| "T?".to_string(), |t| t.label().to_string());
        let strategy = match i.strategy {
            Strategy::ModuleLevel => paint(color, "32", "module-level"),
            Strategy::FunctionLevel => paint(color, "33", "function-level"),
        };
        let change = match (i.current, i.strategy) {
            (Placement::ModuleLevel, Strategy::FunctionLevel) => "  ← move into functions",
            (Placement::FunctionLevel, Strategy::ModuleLevel) => "  ← move to module level",
            _ => "",
        };
        let _ = writeln!(
            o,
            "  {:>4}  {:<width$}  {:>9}  {:>5}  {}  {}{}",
            i.line, i.module, ms, usage, tier, strategy, change
        );
        let _ = writeln!(o, "        {}", i.reason);
        for b in &i.blocked_by {
            let _ = writeln!(
                o,
                "        {} {}:{}: {} [{}]",
                paint(color, "31", "blocked by"),
                b.line,
                b.column,
                b.message,
                b.kind
            );
            let _ = writeln!(o, "          | {}", b.code);
        }
        if let Some(d) = &i.disagreement {
            let _ = writeln!(o, "        {} {d}", paint(color, "36", "models differ:"));
        }
    }
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
        paint(color, "1", "summary:"),
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
        "INIT today: {} (± {}, profile of {}); profile-tree estimate after the plan: {}",
        fmt_ms(c.median),
        fmt_ms(c.mad),
        if plan.profiled_at.is_empty() {
            "unknown date"
        } else {
            &plan.profiled_at
        },
        fmt_ms(plan.estimated_init_ms)
    );
    match &plan.simulation {
        Some(s) => {
            let verdict = match s.improvement_pct {
                Some(p) if s.meets_target => {
                    format!("{p:.1}% faster — meets the >{:.0}% target", s.target_pct)
                }
                Some(p) => format!("{p:.1}% faster — below the >{:.0}% target", s.target_pct),
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
            let _ = writeln!(
                o,
                "  (planned = eager libraries measured alone + {} of project modules' own code)",
                fmt_ms(s.project_own_ms)
            );
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
    o
}
