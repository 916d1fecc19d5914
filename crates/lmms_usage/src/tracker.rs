//! The production tracker `lmms runtime` writes, and the CloudWatch Logs
//! Insights query that counts its lines across a fleet.

use std::collections::BTreeSet;

use crate::logs::TRACKER_TAG;

/// The stdlib-only module users add to their function.
pub const TRACKER_PY: &str = include_str!("../python/lmms_tracker.py");

/// Default file name; the decorator is imported as `from lmms_tracker import track`.
pub const TRACKER_FILE: &str = "lmms_tracker.py";

/// A Logs Insights query over the tracker lines of a log group: one row with
/// `sampled`, `cold` and one `m_<package>` count per package. Insights
/// discovers the JSON fields of a line (`m.requests`), and `sum` skips the
/// lines where a package is absent, so the counting runs in CloudWatch.
/// Divide a `m_*` column by `sampled` for the usage fraction, or export the
/// result and feed it to `lmms usage --logs`.
pub fn insights_query(packages: &BTreeSet<String>) -> String {
    let mut q = String::new();
    q.push_str("fields @timestamp, @message\n");
    q.push_str(&format!("| filter @message like /\"{TRACKER_TAG}\":1/\n"));
    q.push_str("| stats count(*) as sampled, sum(cold) as cold_sampled");
    for p in packages {
        if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            q.push_str(&format!(",\n    sum(m.{p}) as m_{p}"));
        }
    }
    q.push('\n');
    q
}

/// Top-level packages of a set of dotted module names.
pub fn top_level(modules: impl IntoIterator<Item = impl AsRef<str>>) -> BTreeSet<String> {
    modules
        .into_iter()
        .filter_map(|m| m.as_ref().split('.').next().filter(|s| !s.is_empty()).map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_counts_each_package_and_filters_tracker_lines() {
        let q = insights_query(&top_level(["requests", "boto3", "os.path", "botocore.exceptions"]));
        assert!(q.contains("filter @message like /\"lmms_usage\":1/"), "{q}");
        for p in ["boto3", "botocore", "os", "requests"] {
            assert!(q.contains(&format!("sum(m.{p}) as m_{p}")), "{q}");
        }
        assert!(!q.contains("os.path"));
    }

    #[test]
    fn tracker_source_is_stdlib_only() {
        let parsed = lmms_python::parse_module(TRACKER_PY);
        assert!(parsed.syntax_errors.is_empty());
        let modules: Vec<&str> = parsed.imports.iter().map(|i| i.module.as_str()).collect();
        // `_random` rather than `random`, which would cost INIT ~2 ms of imports.
        assert_eq!(modules, ["functools", "json", "os", "sys", "time", "_random", "random"]);
    }

    #[test]
    fn tracker_line_format_is_what_the_log_parser_reads() {
        // The docstring's example line must round-trip through the parser.
        let example = TRACKER_PY.lines().find(|l| l.trim_start().starts_with("{\"cold\"")).unwrap();
        let Some(crate::logs::Record::Tracker(t)) = crate::logs::parse_message(example.trim()) else { panic!() };
        assert_eq!(t.modules.len(), 2);
    }
}
