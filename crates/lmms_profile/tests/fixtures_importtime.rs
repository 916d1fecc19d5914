//! Every supported CPython's `-X importtime` format parses into the same tree.

use lmms_profile::importtime::{build_forest, parse, Row};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/importtime/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

fn check(name: &str) {
    let rows = parse(&fixture(name));
    let forest = build_forest(&rows);
    let roots: Vec<&str> = forest.iter().map(|n| n.name.as_str()).collect();
    assert!(roots.contains(&"json"), "{name}: roots {roots:?}");
    assert_eq!(roots.last(), Some(&"email.mime.text"), "{name}");
    let json = forest.iter().find(|n| n.name == "json").unwrap();
    assert!(json.children.iter().any(|c| c.name == "json.decoder"), "{name}");
    // Cumulative is self plus the children's cumulative, give or take the
    // microsecond CPython's integer division drops per row.
    let child_sum: u64 = json.children.iter().map(|c| c.cumulative_us).sum();
    let slack = json.children.len() as u64 + 1;
    assert!(json.cumulative_us.abs_diff(json.self_us + child_sum) <= slack, "{name}");
}

#[test]
fn python_3_8_format_parses() { check("py3.8.txt") }
#[test]
fn python_3_9_format_parses() { check("py3.9.txt") }
#[test]
fn python_3_10_format_parses() { check("py3.10.txt") }
#[test]
fn python_3_11_format_parses() { check("py3.11.txt") }
#[test]
fn python_3_12_format_parses() { check("py3.12.txt") }
#[test]
fn python_3_13_format_parses() { check("py3.13.txt") }

#[test]
fn python_3_14_importtime_2_cached_rows_parse_and_leave_tree_intact() {
    check("py3.14-importtime2.txt");
    let rows = parse(&fixture("py3.14-importtime2.txt"));
    let cached: Vec<&str> =
        rows.iter().filter_map(|r| if let Row::Cached { name } = r { Some(name.as_str()) } else { None }).collect();
    assert_eq!(cached, ["re", "binascii", "email.charset", "json"]);
}
