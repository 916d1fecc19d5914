//! Comparing what the handler returned before and after a rewrite. The
//! replay records each event's response (`{"json": value}` when JSON can
//! carry it, else `{"repr": text}`); a string that holds a JSON object or
//! array (API Gateway's `body`) is compared as that JSON. The baseline runs
//! twice, and every path whose value differs between those two runs
//! (timestamps, uuids, a repr's address) is masked; the rewritten run must
//! equal the baseline everywhere else.

use serde_json::Value;

/// One event's baseline response: the value (expanded) and the masked paths.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    value: Value,
    masked: Vec<String>,
}

/// The baseline of one event from its two runs (`None`: it raised in both).
pub fn baseline(first: Option<&Value>, second: Option<&Value>) -> Option<Expected> {
    let a = expand(first?.clone());
    let b = expand(second?.clone());
    let mut masked = Vec::new();
    diff_paths(&a, &b, "$".into(), &mut masked);
    Some(Expected { value: a, masked })
}

/// The first path (outside the masked ones) where `after` differs, with
/// both values, shortened: `$.body.names: [] (before: ["plugin"])`.
pub fn compare(expected: &Expected, after: Option<&Value>) -> Option<String> {
    let Some(after) = after else { return Some("no response".into()) };
    let after = expand(after.clone());
    let mut paths = Vec::new();
    diff_paths(&expected.value, &after, "$".into(), &mut paths);
    let path = paths.into_iter().find(|p| !expected.masked.iter().any(|m| within(p, m)))?;
    let show = |v: &Value| {
        let text = lookup(v, &path).map_or_else(|| "absent".to_string(), |x| x.to_string());
        if text.chars().count() > 80 {
            format!("{}…", text.chars().take(80).collect::<String>())
        } else {
            text
        }
    };
    let shown = path.replacen("$.json", "$", 1).replacen("$.repr", "$ (repr)", 1);
    Some(format!("response differs at {shown}: {} (before: {})", show(&after), show(&expected.value)))
}

/// `path` is `mask` or lies under it.
fn within(path: &str, mask: &str) -> bool {
    path == mask || path.strip_prefix(mask).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

/// Strings holding a JSON object or array become that JSON, recursively.
fn expand(v: Value) -> Value {
    match v {
        Value::String(s) => match serde_json::from_str::<Value>(s.trim()) {
            Ok(inner @ (Value::Object(_) | Value::Array(_))) => expand(inner),
            _ => Value::String(s),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        other => other,
    }
}

/// Every innermost path where `a` and `b` differ.
fn diff_paths(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = format!("{path}.{k}");
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff_paths(u, v, p, out),
                    _ => out.push(p),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff_paths(u, v, format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(path),
        _ => {}
    }
}

fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    let rest = path.strip_prefix('$')?;
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let (key, indices) = part.split_once('[').map_or((part, ""), |(k, i)| (k, i));
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in indices.split('[').filter(|s| !s.is_empty()) {
            cur = cur.get(idx.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resp(body: Value) -> Value {
        json!({"json": {"statusCode": 200, "body": body.to_string()}})
    }

    #[test]
    fn fields_that_differ_between_two_baseline_runs_are_masked_and_the_rest_must_match() {
        let a = resp(json!({"names": ["plugin"], "ts": 1.5, "id": "u-1"}));
        let b = resp(json!({"names": ["plugin"], "ts": 2.5, "id": "u-2"}));
        let e = baseline(Some(&a), Some(&b)).unwrap();
        assert_eq!(e.masked, ["$.json.body.id", "$.json.body.ts"]);
        assert_eq!(compare(&e, Some(&resp(json!({"names": ["plugin"], "ts": 9, "id": "u-9"})))), None);
        let broke = compare(&e, Some(&resp(json!({"names": [], "ts": 9, "id": "u-9"})))).unwrap();
        assert_eq!(broke, "response differs at $.body.names: [] (before: [\"plugin\"])");
        let gone = compare(&e, Some(&resp(json!({"ts": 9, "id": "u-9"})))).unwrap();
        assert_eq!(gone, "response differs at $.body.names: absent (before: [\"plugin\"])");
    }

    #[test]
    fn a_repr_that_differs_between_runs_is_masked_whole() {
        let a = json!({"repr": "<object at 0x1>"});
        let b = json!({"repr": "<object at 0x2>"});
        let e = baseline(Some(&a), Some(&b)).unwrap();
        assert_eq!(compare(&e, Some(&json!({"repr": "<object at 0x3>"}))), None);
        let stable = baseline(Some(&json!({"repr": "Point(1)"})), Some(&json!({"repr": "Point(1)"}))).unwrap();
        assert_eq!(compare(&stable, Some(&json!({"repr": "Point(2)"}))).unwrap(), "response differs at $ (repr): \"Point(2)\" (before: \"Point(1)\")");
        assert!(compare(&stable, Some(&json!({"json": 1}))).is_some());
    }
}
