//! `examples/shop_app`, written as a careful developer would, not for lmms:
//! profile → usage → plan on a private copy, and the plan's decision for
//! every row against the table a human wrote in `examples/shop_app/EXPECTED.md`
//! (parsed from it, so the two cannot drift). Rows listed there under "Known
//! disagreements" are left out of the agreement check; every other row must
//! agree, so a regression fails here.
//!
//! Needs the heavy venv (`scripts/heavy-venv.sh` → `.venv-heavy`).

use std::collections::BTreeSet;
use std::path::Path;

mod common;
use common::{copy_app, lmms_output, repo_root};

/// `(path, line, module, decision)` rows of EXPECTED.md's table, and the
/// `path:line module` keys of its known disagreements.
fn expected() -> (Vec<(String, u32, String, String)>, BTreeSet<String>) {
    let text = std::fs::read_to_string(repo_root().join("examples/shop_app/EXPECTED.md")).unwrap();
    let (table, known) = text.split_once("## Known disagreements").expect("EXPECTED.md has a known-disagreements section");
    let rows = table
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| file"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[0].to_string(), cells[1].parse().unwrap(), cells[2].to_string(), cells[3].to_string())
        })
        .collect();
    let known = known
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split_once('`').map(|(key, _)| key.to_string()))
        .collect();
    (rows, known)
}

/// The plan row's decision in EXPECTED.md's words.
fn decision(row: &serde_json::Value) -> &'static str {
    let kinds: Vec<&str> = row["blocked_by"].as_array().unwrap().iter().filter_map(|b| b["kind"].as_str()).collect();
    match (row["strategy"].as_str().unwrap(), row["current"].as_str().unwrap()) {
        ("module-level", _) | ("function-level", "function-level") => "keep",
        _ if kinds.contains(&"module-level-call") => "getter",
        _ if kinds.is_empty() && row["pinned"] != true => "move",
        _ => "blocked",
    }
}

fn ok(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = lmms_output(dir, args);
    assert!(out.status.success(), "lmms {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn the_shop_plan_agrees_with_the_human_table_row_by_row() {
    let python = repo_root().join(".venv-heavy/bin/python");
    assert!(python.exists(), "{} missing: run scripts/heavy-venv.sh", python.display());
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    copy_app(&repo_root().join("examples/shop_app"), app);
    let toml = std::fs::read_to_string(app.join("pyproject.toml")).unwrap();
    let toml = toml.replace("\"../../.venv-heavy/bin/python\"", &format!("{:?}", python.display().to_string()));
    std::fs::write(app.join("pyproject.toml"), toml).unwrap();
    ok(app, &["profile", "--runs", "3"]);
    ok(app, &["usage", "--events", "events/recorded.jsonl"]);
    let plan: serde_json::Value = serde_json::from_slice(&ok(app, &["plan", "--unsafe-fixes", "--format", "json"])).unwrap();
    let rows = plan["imports"].as_array().unwrap();

    let (human, known) = expected();
    let key = |path: &str, line: u64, module: &str| format!("{path}:{line} {module}");
    let mut table = String::new();
    let mut disagree = Vec::new();
    for r in rows {
        let (path, line, module) = (r["path"].as_str().unwrap(), r["line"].as_u64().unwrap(), r["module"].as_str().unwrap());
        let k = key(path, line, module);
        let ours = decision(r);
        let usage = r["usage"].as_f64().map_or("?".to_string(), |u| format!("{:.0}%", u * 100.0));
        let shown = if known.contains(&k) { "(known disagreement)" } else { ours };
        table.push_str(&format!("{k:<45} {shown:<20} {usage}\n"));
        let Some(h) = human.iter().find(|(p, l, m, _)| p == path && u64::from(*l) == line && m == module) else {
            panic!("{k}: a plan row EXPECTED.md has no row for");
        };
        if !known.contains(&k) && h.3 != ours {
            disagree.push(format!("{k}: lmms {ours}, EXPECTED.md {}", h.3));
        }
    }
    for (p, l, m, _) in &human {
        assert!(
            rows.iter().any(|r| r["path"] == p.as_str() && r["line"] == *l && r["module"] == m.as_str()),
            "EXPECTED.md row {p}:{l} {m} is not in the plan"
        );
    }
    insta::assert_snapshot!(table);
    assert!(disagree.is_empty(), "the plan disagrees with EXPECTED.md:\n{}", disagree.join("\n"));
}
