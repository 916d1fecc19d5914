//! Production logs: Lambda platform lines and tracker lines.
//!
//! Three containers are accepted and detected from the content, never from
//! the file name: plain text (one log line per line, any prefix such as the
//! timestamp and stream `aws logs tail` prints), the JSON that
//! `aws logs filter-log-events` prints (`{"events": [{"logStreamName",
//! "message", …}]}`), and a CloudWatch Logs Insights export (CSV with an
//! `@message` column, or a JSON array of objects with `@message`). Every
//! function here is pure: callers read the files.

use std::collections::{BTreeMap, BTreeSet};

use lmms_stats::Summary;

/// One interesting log message.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// `REPORT RequestId: …` (or a JSON-format `platform.report`).
    Report(Report),
    /// `INIT_REPORT Init Duration: … Phase: init Status: …`.
    InitReport { init_ms: Option<f64>, phase: Option<String>, status: Option<String> },
    /// `RESTORE_REPORT Restore Duration: …` (SnapStart).
    RestoreReport { restore_ms: Option<f64> },
    /// A line printed by the `lmms runtime` tracker on a sampled invocation.
    Tracker(TrackerLine),
    /// A row of the `lmms usage --insights-query` result: counts already
    /// summed by CloudWatch.
    TrackerTotals { sampled: u64, cold: u64, counts: BTreeMap<String, u64> },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub request_id: Option<String>,
    pub duration_ms: Option<f64>,
    /// Present only on the first invocation of an on-demand environment.
    pub init_ms: Option<f64>,
    /// Present only on the first invocation of a SnapStart-restored environment.
    pub restore_ms: Option<f64>,
    /// `Status: timeout` / `error` appended to REPORT lines of failed invokes.
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackerLine {
    pub cold: bool,
    /// Top-level packages whose code ran during the invocation.
    pub modules: BTreeSet<String>,
}

/// A message together with the log stream it came from, when known.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub stream: Option<String>,
    pub record: Record,
}

/// The key every tracker line starts with; also what the Insights query filters on.
pub const TRACKER_TAG: &str = "lmms_usage";

/// What one input file yielded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// Platform lines (REPORT, INIT_REPORT, RESTORE_REPORT) whose numbers
    /// cannot be read, e.g. `Duration: x ms`. They are never counted: a line
    /// that cannot say how long it took says nothing about cold starts.
    pub malformed: Vec<String>,
}

/// Extract the records of one input file's text.
pub fn parse_input(text: &str) -> Parsed {
    let mut malformed = Vec::new();
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            if let Some(entries) = from_json_document(&value, &mut malformed) {
                return Parsed { entries, malformed };
            }
        }
    }
    if let Some(entries) = from_insights_csv(trimmed, &mut malformed) {
        return Parsed { entries, malformed };
    }
    let entries =
        trimmed.lines().filter_map(|l| checked(l, &mut malformed).map(|record| Entry { stream: None, record })).collect();
    Parsed { entries, malformed }
}

/// [`parse_message`], noting a platform line it had to reject.
fn checked(msg: &str, malformed: &mut Vec<String>) -> Option<Record> {
    let record = parse_message(msg);
    let platform = ["REPORT RequestId:", "INIT_REPORT ", "RESTORE_REPORT ", "\"platform.report\""];
    if record.is_none() && platform.iter().any(|p| msg.contains(p)) {
        malformed.push(msg.trim().to_owned());
    }
    record
}

fn from_json_document(value: &serde_json::Value, malformed: &mut Vec<String>) -> Option<Vec<Entry>> {
    let items = match value {
        // `aws logs filter-log-events` (and `get-log-events`).
        serde_json::Value::Object(o) => o.get("events")?.as_array()?,
        // Insights "Export results → JSON".
        serde_json::Value::Array(a) => a,
        _ => return None,
    };
    let mut out = Vec::new();
    for item in items {
        let Some(obj) = item.as_object() else { continue };
        if !obj.contains_key("@message") && obj.contains_key("sampled") {
            let num = |v: &serde_json::Value| v.as_u64().or_else(|| v.as_str().and_then(parse_count));
            let cells: Vec<(String, u64)> = obj.iter().filter_map(|(k, v)| Some((k.clone(), num(v)?))).collect();
            if let Some(r) = totals_row(&cells) {
                out.push(Entry { stream: None, record: r });
            }
            continue;
        }
        let message = obj.get("message").or_else(|| obj.get("@message")).and_then(|m| m.as_str());
        let stream =
            obj.get("logStreamName").or_else(|| obj.get("@logStream")).and_then(|s| s.as_str()).map(str::to_owned);
        if let Some(record) = message.and_then(|m| checked(m, malformed)) {
            out.push(Entry { stream, record });
        }
    }
    Some(out)
}

fn from_insights_csv(text: &str, malformed: &mut Vec<String>) -> Option<Vec<Entry>> {
    let rows = parse_csv(text);
    let header = rows.first()?;
    if !header.iter().any(|h| h == "@message") && header.iter().any(|h| h == "sampled") {
        let out = rows[1..]
            .iter()
            .filter_map(|row| {
                let cells: Vec<(String, u64)> =
                    header.iter().zip(row).filter_map(|(h, v)| Some((h.clone(), parse_count(v)?))).collect();
                totals_row(&cells).map(|record| Entry { stream: None, record })
            })
            .collect();
        return Some(out);
    }
    let msg_col = header.iter().position(|h| h == "@message")?;
    let stream_col = header.iter().position(|h| h == "@logStream");
    let out = rows[1..]
        .iter()
        .filter_map(|row| {
            let record = checked(row.get(msg_col)?, malformed)?;
            let stream = stream_col.and_then(|c| row.get(c)).filter(|s| !s.is_empty()).cloned();
            Some(Entry { stream, record })
        })
        .collect();
    Some(out)
}

/// Insights prints sums as `3` or `3.0`; an empty cell is a missing field.
fn parse_count(s: &str) -> Option<u64> {
    let f: f64 = s.trim().parse().ok()?;
    (f >= 0.0 && f.fract() == 0.0).then_some(f as u64)
}

fn totals_row(cells: &[(String, u64)]) -> Option<Record> {
    let get = |k: &str| cells.iter().find(|(h, _)| h == k).map(|(_, v)| *v);
    let sampled = get("sampled")?;
    let counts = cells
        .iter()
        .filter_map(|(h, v)| Some((h.strip_prefix("m_")?.to_owned(), *v)))
        .filter(|(_, v)| *v > 0)
        .collect();
    Some(Record::TrackerTotals { sampled, cold: get("cold_sampled").unwrap_or(0), counts })
}

/// RFC 4180 CSV: quoted fields may hold commas, `""` and newlines (Lambda
/// messages end in a newline, so exports are full of them).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => row.push(std::mem::take(&mut field)),
            '\r' => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Recognise one log message (a line of text, possibly with a prefix). A
/// platform line whose numbers cannot be read is no record.
pub fn parse_message(msg: &str) -> Option<Record> {
    let json_like = msg.contains(TRACKER_TAG) || msg.contains("\"platform.");
    if let Some(at) = msg.find('{').filter(|_| json_like) {
        if let Some(r) = parse_json_message(&msg[at..]) {
            return Some(r);
        }
    }
    if let Some(at) = msg.find("INIT_REPORT ") {
        let rest = &msg[at..];
        return Some(Record::InitReport {
            init_ms: field_ms(rest, "Init Duration:").ok()?,
            phase: field_word(rest, "Phase:"),
            status: field_word(rest, "Status:"),
        });
    }
    if let Some(at) = msg.find("RESTORE_REPORT ") {
        return Some(Record::RestoreReport { restore_ms: field_ms(&msg[at..], "Restore Duration:").ok()? });
    }
    if let Some(at) = msg.find("REPORT RequestId:") {
        let rest = &msg[at..];
        // Every REPORT carries the invocation's Duration.
        let duration_ms = match field_ms(rest, "\tDuration:").ok()? {
            Some(ms) => ms,
            None => field_ms(rest, " Duration:").ok()??,
        };
        return Some(Record::Report(Report {
            request_id: field_word(rest, "RequestId:"),
            duration_ms: Some(duration_ms),
            init_ms: field_ms(rest, "Init Duration:").ok()?,
            restore_ms: field_ms(rest, "Restore Duration:").ok()?,
            status: field_word(rest, "Status:"),
        }));
    }
    None
}

/// The JSON log format (`platform.report`, `platform.initReport`,
/// `platform.restoreReport`) and tracker lines.
fn parse_json_message(text: &str) -> Option<Record> {
    let mut de = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let value = de.next()?.ok()?;
    let obj = value.as_object()?;
    if obj.contains_key(TRACKER_TAG) {
        let modules = obj.get("m").and_then(|m| m.as_object()).map(|m| m.keys().cloned().collect()).unwrap_or_default();
        let cold = obj.get("cold").is_some_and(|c| c.as_bool().unwrap_or(false) || c.as_f64().is_some_and(|n| n > 0.0));
        return Some(Record::Tracker(TrackerLine { cold, modules }));
    }
    // The Python runtime's JSON log format wraps logged text in "message".
    if let Some(inner) = obj.get("message").and_then(|m| m.as_str()) {
        return parse_message(inner);
    }
    let kind = obj.get("type")?.as_str()?;
    let record = obj.get("record")?;
    let metric = |k: &str| record.get("metrics").and_then(|m| m.get(k)).and_then(|v| v.as_f64());
    let text_of = |k: &str| record.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    match kind {
        "platform.report" => Some(Record::Report(Report {
            request_id: text_of("requestId"),
            duration_ms: Some(metric("durationMs")?),
            init_ms: metric("initDurationMs"),
            restore_ms: metric("restoreDurationMs"),
            status: text_of("status").filter(|s| s != "success"),
        })),
        "platform.initReport" => Some(Record::InitReport {
            init_ms: metric("durationMs"),
            phase: text_of("phase"),
            status: text_of("status"),
        }),
        "platform.restoreReport" => Some(Record::RestoreReport { restore_ms: metric("durationMs") }),
        _ => None,
    }
}

/// The number after `label` up to ` ms`, e.g. `Init Duration: 412.55 ms`:
/// `Ok(None)` without the label, `Err` when what follows is no number.
/// `Billed Restore Duration` must not be mistaken for `Restore Duration`,
/// so a match preceded by `Billed ` is skipped.
fn field_ms(text: &str, label: &str) -> Result<Option<f64>, std::num::ParseFloatError> {
    let mut from = 0;
    while let Some(pos) = text[from..].find(label) {
        let at = from + pos;
        from = at + label.len();
        if text[..at].ends_with("Billed ") || text[..at].ends_with("Billed") {
            continue;
        }
        let rest = text[from..].trim_start();
        let num: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        return num.parse().map(Some);
    }
    Ok(None)
}

fn field_word(text: &str, label: &str) -> Option<String> {
    let at = text.find(label)? + label.len();
    let word: String = text[at..].trim_start().chars().take_while(|c| !c.is_whitespace()).collect();
    (!word.is_empty()).then_some(word)
}

/// What the platform lines say about a fleet (a part of `lmms.usage/1`).
pub use lmms_schema::usage::LogStats;

/// Aggregate records from any number of inputs.
pub fn aggregate(entries: &[Entry]) -> LogStats {
    let mut invocations = 0u64;
    let mut cold = 0u64;
    let mut restores = 0u64;
    let mut snapstart = false;
    let mut failed = 0u64;
    let mut init_failures = 0u64;
    let mut report_inits = Vec::new();
    let mut initreport_inits = Vec::new();
    let mut restore_samples = Vec::new();
    let mut streams: BTreeSet<&str> = BTreeSet::new();
    let mut all_streams_known = true;
    let mut sampled = 0u64;
    let mut sampled_cold = 0u64;
    let mut module_counts: BTreeMap<String, u64> = BTreeMap::new();
    for e in entries {
        match &e.record {
            Record::Report(r) => {
                invocations += 1;
                match &e.stream {
                    Some(s) => {
                        streams.insert(s);
                    }
                    None => all_streams_known = false,
                }
                if let Some(ms) = r.init_ms {
                    cold += 1;
                    report_inits.push(ms);
                }
                if let Some(ms) = r.restore_ms {
                    restores += 1;
                    snapstart = true;
                    restore_samples.push(ms);
                }
                if r.status.as_deref().is_some_and(|s| s == "error" || s == "timeout") {
                    failed += 1;
                }
            }
            Record::InitReport { init_ms, status, .. } => {
                if let Some(ms) = init_ms {
                    initreport_inits.push(*ms);
                }
                if status.as_deref().is_some_and(|s| s != "success") {
                    init_failures += 1;
                }
            }
            Record::RestoreReport { .. } => snapstart = true,
            Record::Tracker(t) => {
                sampled += 1;
                sampled_cold += u64::from(t.cold);
                for m in &t.modules {
                    *module_counts.entry(m.clone()).or_default() += 1;
                }
            }
            Record::TrackerTotals { sampled: n, cold: c, counts } => {
                sampled += n;
                sampled_cold += c;
                for (m, k) in counts {
                    *module_counts.entry(m.clone()).or_default() += k;
                }
            }
        }
    }
    let starts = cold + restores;
    let containers = if invocations == 0 {
        None
    } else if all_streams_known {
        Some(streams.len() as u64)
    } else {
        (starts > 0).then_some(starts)
    };
    // A SnapStart function's REPORTs carry no Init Duration; its INIT
    // happened at publish time and is only in INIT_REPORT.
    let init_samples = if report_inits.is_empty() { initreport_inits } else { report_inits };
    LogStats {
        invocations,
        cold_starts: cold,
        restores,
        snapstart,
        failed,
        init_failures,
        cold_start_ratio: (invocations > 0 && starts > 0).then(|| starts as f64 / invocations as f64),
        containers,
        requests_per_container: containers.filter(|c| *c > 0).map(|c| invocations as f64 / c as f64),
        init_ms: Summary::of(&init_samples).map(|s| s.rounded(2)),
        restore_ms: Summary::of(&restore_samples).map(|s| s.rounded(2)),
        sampled,
        sampled_cold,
        module_counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(text: &str) -> Vec<Entry> {
        parse_input(text).entries
    }

    const COLD: &str = "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 412.55 ms\t";
    const WARM: &str = "REPORT RequestId: 6f1a7a2b-0c3d-4e5f-8a9b-0c1d2e3f4a5b\tDuration: 2.10 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\t";

    #[test]
    fn report_line_with_init_duration_is_a_cold_start() {
        let Some(Record::Report(r)) = parse_message(COLD) else { panic!("not a report") };
        assert_eq!(r.init_ms, Some(412.55));
        assert_eq!(r.duration_ms, Some(12.34));
        assert_eq!(r.restore_ms, None);
        assert_eq!(r.request_id.as_deref(), Some("3604209a-e9a3-11e6-939a-754dd98c7be3"));
    }

    #[test]
    fn snapstart_report_reads_restore_not_billed_restore() {
        let line = "REPORT RequestId: a1\tDuration: 5.00 ms\tBilled Duration: 260 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 474.16 ms\tBilled Restore Duration: 257 ms";
        let Some(Record::Report(r)) = parse_message(line) else { panic!() };
        assert_eq!(r.restore_ms, Some(474.16));
        assert_eq!(r.init_ms, None);
        let billed_first =
            "REPORT RequestId: a2\tDuration: 5.00 ms\tBilled Restore Duration: 257 ms\tRestore Duration: 470.00 ms";
        let Some(Record::Report(r)) = parse_message(billed_first) else { panic!() };
        assert_eq!(r.restore_ms, Some(470.0));
    }

    #[test]
    fn init_report_fields_are_read() {
        let line = "2024-05-01T10:00:00.000Z INIT_REPORT Init Duration: 9999.83 ms\tPhase: init\tStatus: timeout";
        assert_eq!(
            parse_message(line),
            Some(Record::InitReport {
                init_ms: Some(9999.83),
                phase: Some("init".into()),
                status: Some("timeout".into())
            })
        );
    }

    #[test]
    fn duration_is_not_confused_with_billed_or_init_duration() {
        let Some(Record::Report(r)) = parse_message(COLD) else { panic!() };
        assert_eq!(r.duration_ms, Some(12.34));
    }

    #[test]
    fn json_log_format_platform_report_is_read() {
        let line = r#"{"time":"2024-05-01T10:00:00.000Z","type":"platform.report","record":{"requestId":"r1","metrics":{"durationMs":2.5,"billedDurationMs":3,"memorySizeMB":128,"maxMemoryUsedMB":70,"initDurationMs":300.5},"status":"success"}}"#;
        let Some(Record::Report(r)) = parse_message(line) else { panic!() };
        assert_eq!(r.init_ms, Some(300.5));
        assert_eq!(r.status, None);
    }

    #[test]
    fn tracker_line_after_a_prefix_is_read() {
        let line =
            "2024-05-01T10:00:00Z abc {\"lmms_usage\":1,\"cold\":1,\"m\":{\"requests\":1,\"urllib3\":1},\"ms\":0.4}";
        let Some(Record::Tracker(t)) = parse_message(line) else { panic!() };
        assert!(t.cold);
        assert_eq!(t.modules.iter().map(String::as_str).collect::<Vec<_>>(), ["requests", "urllib3"]);
    }

    #[test]
    fn tracker_line_wrapped_by_the_json_log_format_is_read() {
        let line = r#"{"timestamp":"2024-05-01T10:00:00Z","level":"INFO","message":"{\"cold\":0,\"lmms_usage\":1,\"m\":{\"boto3\":1},\"ms\":2.0}","requestId":"r1"}"#;
        let Some(Record::Tracker(t)) = parse_message(line) else { panic!("not read") };
        assert!(t.modules.contains("boto3"));
    }

    #[test]
    fn other_lines_are_ignored() {
        assert_eq!(parse_message("START RequestId: x Version: $LATEST"), None);
        assert_eq!(parse_message("{\"level\":\"INFO\",\"message\":\"hi\"}"), None);
    }

    #[test]
    fn cold_start_ratio_is_exact_for_37_in_500() {
        let mut text = String::new();
        for i in 0..500 {
            text.push_str(if i % 13 == 0 && i / 13 < 37 { COLD } else { WARM });
            text.push('\n');
        }
        let stats = aggregate(&entries(&text));
        assert_eq!(stats.invocations, 500);
        assert_eq!(stats.cold_starts, 37);
        assert_eq!(stats.cold_start_ratio, Some(0.074));
        assert_eq!(stats.containers, Some(37));
        assert_eq!(stats.init_ms.unwrap().median, 412.55);
    }

    #[test]
    fn filter_log_events_json_counts_containers_by_stream() {
        let doc = serde_json::json!({"events": [
            {"logStreamName": "s1", "timestamp": 1, "message": format!("{COLD}\n"), "eventId": "1"},
            {"logStreamName": "s1", "timestamp": 2, "message": format!("{WARM}\n"), "eventId": "2"},
            {"logStreamName": "s1", "timestamp": 3, "message": "START RequestId: x\n", "eventId": "3"},
            {"logStreamName": "s2", "timestamp": 4, "message": format!("{COLD}\n"), "eventId": "4"},
        ]});
        let stats = aggregate(&entries(&doc.to_string()));
        assert_eq!(stats.invocations, 3);
        assert_eq!(stats.containers, Some(2));
        assert_eq!(stats.requests_per_container, Some(1.5));
    }

    #[test]
    fn insights_csv_with_quoted_multiline_messages_is_read() {
        let csv = format!(
            "@timestamp,@message,@logStream\n2024-05-01 10:00:00.000,\"{COLD}\n\",s1\n2024-05-01 10:00:01.000,\"{WARM}\n\",s1\n2024-05-01 10:00:02.000,\"say \"\"hi\"\", then\",s1\n"
        );
        let stats = aggregate(&entries(&csv));
        assert_eq!(stats.invocations, 2);
        assert_eq!(stats.cold_starts, 1);
        assert_eq!(stats.containers, Some(1));
    }

    #[test]
    fn insights_json_export_is_read() {
        let doc = serde_json::json!([
            {"@timestamp": "2024-05-01 10:00:00.000", "@message": COLD, "@logStream": "a"},
            {"@timestamp": "2024-05-01 10:00:01.000", "@message": WARM, "@logStream": "b"},
        ]);
        let stats = aggregate(&entries(&doc.to_string()));
        assert_eq!(stats.invocations, 2);
        assert_eq!(stats.cold_start_ratio, Some(0.5));
    }

    #[test]
    fn snapstart_uses_init_report_durations_and_counts_restores() {
        let text = "INIT_REPORT Init Duration: 800.00 ms\tPhase: init\tStatus: success\n\
                    REPORT RequestId: a\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tRestore Duration: 300.00 ms\tBilled Restore Duration: 100 ms\n\
                    REPORT RequestId: b\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\n";
        let stats = aggregate(&entries(text));
        assert!(stats.snapstart);
        assert_eq!(stats.restores, 1);
        assert_eq!(stats.cold_starts, 0);
        assert_eq!(stats.cold_start_ratio, Some(0.5));
        assert_eq!(stats.init_ms.unwrap().median, 800.0);
        assert_eq!(stats.restore_ms.unwrap().median, 300.0);
    }

    #[test]
    fn failed_invocations_and_inits_are_counted() {
        let text = "REPORT RequestId: a\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 70 MB\tStatus: timeout\n\
                    INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout\n";
        let stats = aggregate(&entries(text));
        assert_eq!(stats.failed, 1);
        assert_eq!(stats.init_failures, 1);
    }

    #[test]
    fn insights_query_results_are_read_as_totals() {
        let csv = "sampled,cold_sampled,m_requests,m_boto3,m_pandas\n2000,31,412.0,90,\n";
        let stats = aggregate(&entries(csv));
        assert_eq!(stats.sampled, 2000);
        assert_eq!(stats.sampled_cold, 31);
        assert_eq!(stats.module_counts.get("requests"), Some(&412));
        assert_eq!(stats.module_counts.get("pandas"), None);
        let json = r#"[{"sampled": "10", "cold_sampled": "1", "m_json": "10"}]"#;
        let stats = aggregate(&entries(json));
        assert_eq!((stats.sampled, stats.module_counts["json"]), (10, 10));
    }

    #[test]
    fn no_reports_means_no_ratio() {
        let stats = aggregate(&entries("hello\n"));
        assert_eq!(stats.cold_start_ratio, None);
        assert_eq!(stats.requests_per_container, None);
    }

    #[test]
    fn platform_lines_with_unreadable_numbers_are_rejected_not_counted() {
        let text = "REPORT RequestId: a\tDuration: x ms\tBilled Duration: 1 ms\n\
                    REPORT RequestId: b\tDuration: 3.0 ms\tInit Duration: soon ms\n\
                    INIT_REPORT Init Duration: ? ms\tPhase: init\tStatus: success\n";
        let parsed = parse_input(text);
        assert!(parsed.entries.is_empty(), "{:?}", parsed.entries);
        assert_eq!(parsed.malformed.len(), 3);
        assert!(parsed.malformed[0].contains("Duration: x ms"));
        assert_eq!(aggregate(&parsed.entries).invocations, 0);
    }

    #[test]
    fn a_log_without_a_single_cold_start_has_no_ratio_rather_than_zero() {
        let stats = aggregate(&entries(&format!("{WARM}\n{WARM}\n")));
        assert_eq!(stats.invocations, 2);
        assert_eq!(stats.cold_start_ratio, None);
    }
}
