//! A plan names each statement by its byte range, so once `lmms fix` has
//! rewritten a file, the ids of that file's other rows point at old bytes.
//! Mapping every id through the edits that were applied keeps the plan true
//! for the rewritten tree: a second `lmms fix` finds the rows it skipped the
//! first time (and gives the same reason again) instead of calling them
//! stale, and the rows it applied are recognised as already deferred.

use std::collections::BTreeMap;

use lmms_python::{ByteRange, StatementId};

use crate::Edit;

/// Where `range` is once `edits` (sorted, non-overlapping, as
/// [`crate::apply_fixes`] applies them) have been applied; `None` when an
/// edit touches it, because that statement was moved or rewritten.
pub fn map_range(range: ByteRange, edits: &[Edit]) -> Option<ByteRange> {
    let mut delta: i64 = 0;
    for e in edits {
        let (start, end) = (e.range.start, e.range.end);
        // An insertion exactly where the statement starts lands before it.
        if end <= range.start {
            delta += e.content.len() as i64 - i64::from(end - start);
        } else if start >= range.end {
            break;
        } else {
            return None;
        }
    }
    let shift = |x: u32| u32::try_from(i64::from(x) + delta).ok();
    Some(ByteRange { start: shift(range.start)?, end: shift(range.end)? })
}

/// Rewrite the `id` of every row of `plan` (an `lmms.plan/1` document) whose
/// file was rewritten with the given edits (keyed by the id's path). A row
/// whose statement an edit touched loses its id: the next run sees that
/// module deferred in its file, or, if not, reports the row as stale. Its
/// `written` lists the statements the rewrite wrote for it (`written`: per
/// path, the origin statement and the new statement's id), so `lmms check`
/// reads this row for an import `fix` wrote; earlier `written` ids move
/// with the edits like any id. Everything else in the document is kept as
/// it was.
pub fn remap_plan_ids(
    plan: &mut serde_json::Value,
    edits: &BTreeMap<String, Vec<Edit>>,
    written: &BTreeMap<String, Vec<(ByteRange, String)>>,
) -> usize {
    let Some(rows) = plan.get_mut("imports").and_then(|v| v.as_array_mut()) else {
        return 0;
    };
    let mut changed = 0;
    for row in rows {
        remap_written(row, edits);
        let Some(id) = row.get("id").and_then(|v| v.as_str()).and_then(|s| s.parse::<StatementId>().ok()) else {
            continue;
        };
        let Some(file_edits) = edits.get(&id.path) else {
            continue;
        };
        match map_range(id.range, file_edits) {
            Some(range) => row["id"] = StatementId { path: id.path.clone(), range }.to_string().into(),
            None => {
                let new: Vec<serde_json::Value> = written
                    .get(&id.path)
                    .into_iter()
                    .flatten()
                    .filter(|(origin, _)| *origin == id.range)
                    .map(|(_, w)| w.clone().into())
                    .collect();
                if let Some(o) = row.as_object_mut() {
                    o.remove("id");
                    if !new.is_empty() {
                        o.insert("written".into(), new.into());
                    }
                }
            }
        }
        changed += 1;
    }
    changed
}

/// Keep a row's `written` ids true through `edits`; an id an edit touched
/// is gone (that statement was rewritten again).
fn remap_written(row: &mut serde_json::Value, edits: &BTreeMap<String, Vec<Edit>>) {
    let Some(list) = row.get_mut("written").and_then(|v| v.as_array_mut()) else { return };
    list.retain_mut(|v| {
        let Some(id) = v.as_str().and_then(|s| s.parse::<StatementId>().ok()) else { return false };
        let Some(file_edits) = edits.get(&id.path) else { return true };
        match map_range(id.range, file_edits) {
            Some(range) => {
                *v = StatementId { path: id.path.clone(), range }.to_string().into();
                true
            }
            None => false,
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(start: u32, end: u32) -> ByteRange {
        ByteRange { start, end }
    }

    #[test]
    fn a_range_shifts_by_what_earlier_edits_added_or_removed() {
        let edits = [Edit::deletion(0, 10), Edit::insertion(12, "abc")];
        assert_eq!(map_range(r(20, 30), &edits), Some(r(13, 23)));
        assert_eq!(map_range(r(5, 8), &[Edit::insertion(40, "x")]), Some(r(5, 8)));
    }

    #[test]
    fn an_insertion_at_the_statement_start_goes_before_it_and_one_at_its_end_after_it() {
        assert_eq!(map_range(r(10, 20), &[Edit::insertion(10, "ab")]), Some(r(12, 22)));
        assert_eq!(map_range(r(10, 20), &[Edit::insertion(20, "ab")]), Some(r(10, 20)));
    }

    #[test]
    fn a_statement_an_edit_touches_has_no_new_range() {
        assert_eq!(map_range(r(10, 20), &[Edit::deletion(10, 21)]), None);
        assert_eq!(map_range(r(10, 20), &[Edit::insertion(15, "x")]), None);
        assert_eq!(map_range(r(10, 20), &[Edit::replacement(5, 12, "")]), None);
    }

    #[test]
    fn only_rows_of_rewritten_files_change_and_moved_rows_lose_their_id() {
        let mut plan = serde_json::json!({"schema": "lmms.plan/1", "imports": [
            {"id": "a.py:0-10", "module": "json"},
            {"id": "a.py:11-25", "module": "decimal"},
            {"id": "b.py:0-10", "module": "json"},
            {"module": "old"}
        ]});
        let edits = BTreeMap::from([("a.py".to_string(), vec![Edit::deletion(0, 11)])]);
        assert_eq!(remap_plan_ids(&mut plan, &edits, &BTreeMap::new()), 2);
        let ids: Vec<&str> = plan["imports"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap_or("-")).collect();
        assert_eq!(ids, ["-", "a.py:0-14", "b.py:0-10", "-"]);
        assert_eq!(plan["schema"], "lmms.plan/1");
    }

    #[test]
    fn a_moved_row_names_the_statements_written_for_it_and_they_move_with_later_edits() {
        let mut plan = serde_json::json!({"imports": [
            {"id": "a.py:0-10", "module": "json"},
            {"id": "a.py:11-25", "module": "decimal"}
        ]});
        let edits = BTreeMap::from([("a.py".to_string(), vec![Edit::deletion(0, 11), Edit::insertion(40, "    import json\n")])]);
        let written = BTreeMap::from([("a.py".to_string(), vec![(r(0, 10), "a.py:33-44".to_string())])]);
        remap_plan_ids(&mut plan, &edits, &written);
        assert_eq!(plan["imports"][0]["written"], serde_json::json!(["a.py:33-44"]));
        assert!(plan["imports"][0].get("id").is_none());
        assert!(plan["imports"][1].get("written").is_none());
        // A later rewrite of the file shifts the written statement too.
        let later = BTreeMap::from([("a.py".to_string(), vec![Edit::insertion(0, "x\n")])]);
        remap_plan_ids(&mut plan, &later, &BTreeMap::new());
        assert_eq!(plan["imports"][0]["written"], serde_json::json!(["a.py:35-46"]));
    }
}
