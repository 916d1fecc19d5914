//! The checks run in the shadow copy, each in fresh processes started
//! through the [`Runner`]: the entry imports (the usage replay's bootstrap
//! with no events), the recorded events replay with the same outcome, the
//! user's test command gives the same outcome per test.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use lmms_profile::runner::{RunSpec, Runner};
use lmms_usage::replay::{self, Event, PySetup, UsageError};

use super::VerifyInput;

/// The shadow a check runs in, and how to start processes there.
pub struct Site<'a> {
    pub input: &'a VerifyInput,
    pub shadow: &'a Path,
    /// The user's project root (for `PYTHONPATH` entries that point into it).
    pub root: &'a Path,
    pub src_roots: Vec<PathBuf>,
    pub runner: &'a dyn Runner,
}

impl Site<'_> {
    fn env(&self) -> Vec<(String, String)> {
        let mut env = self.input.env.clone();
        // Same size and same second would let a stale .pyc of the other
        // version of a file be reused; no bytecode is written in the shadow.
        env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
        let pythonpath = env
            .iter()
            .rev()
            .find(|(k, _)| k == "PYTHONPATH")
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var("PYTHONPATH").ok());
        if let Some(pp) = pythonpath {
            // An absolute entry into the user's tree would import the
            // unrewritten code: point it at the shadow.
            let mapped: Vec<String> = std::env::split_paths(&pp)
                .map(|p| match p.strip_prefix(self.root) {
                    Ok(rel) if p.is_absolute() => self.shadow.join(rel).to_string_lossy().into_owned(),
                    _ => p.to_string_lossy().into_owned(),
                })
                .collect();
            env.push(("PYTHONPATH".into(), mapped.join(":")));
        }
        env
    }

    fn py(&self) -> Option<PySetup> {
        Some(PySetup {
            python: self.input.python.clone()?,
            src_roots: self.src_roots.clone(),
            cwd: self.shadow.to_path_buf(),
            env: self.env(),
        })
    }
}

/// Import the entry module and resolve the handler in a fresh interpreter.
pub fn import(site: &Site, entry: &str) -> Result<(), String> {
    let Some(py) = site.py() else { return Err("no interpreter".into()) };
    match replay::replay(site.runner, &py, entry, &[], &[], site.input.start_timeout) {
        Ok(_) => Ok(()),
        Err(UsageError::Init { message, .. }) => Err(first_line(&message)),
        Err(e) => Err(first_line(&e.to_string())),
    }
}

/// The modules importing the entry (and resolving its handler) loads in a
/// fresh interpreter, as the closure measurement of `lmms usage` sees them.
pub fn loaded_at_init(site: &Site, entry: &str) -> Result<Vec<String>, String> {
    let Some(py) = site.py() else { return Err("no interpreter".into()) };
    let (module, handler) = entry.split_once(':').unwrap_or((entry, ""));
    let names: Vec<String> = Some(handler).filter(|h| !h.is_empty()).map(str::to_string).into_iter().collect();
    match replay::measure(site.runner, &py, module, &names, site.input.start_timeout) {
        Ok(m) => match m.error {
            Some(e) => Err(first_line(&e)),
            None => Ok(m.loaded.into_iter().map(|(n, _)| n).collect()),
        },
        Err(e) => Err(first_line(&e.to_string())),
    }
}

/// One replayed event: `error` is `None` when it returned, and then
/// `response` is what it returned (the replay's `{"json"|"repr": …}`).
#[derive(Debug, Clone, PartialEq)]
pub struct EventOutcome {
    pub error: Option<String>,
    pub response: Option<serde_json::Value>,
}

/// Each event's outcome.
pub fn events(site: &Site, entry: &str, events: &[Event]) -> Result<Vec<EventOutcome>, String> {
    let Some(py) = site.py() else { return Err("no interpreter".into()) };
    match replay::replay(site.runner, &py, entry, &[], events, site.input.start_timeout) {
        Ok(replayed) => {
            let mut responses = replayed.responses.into_iter();
            Ok(replayed.uses.into_iter().map(|u| EventOutcome { error: u.error, response: responses.next().flatten() }).collect())
        }
        Err(UsageError::Init { message, .. }) => Err(first_line(&message)),
        Err(e) => Err(first_line(&e.to_string())),
    }
}

/// One run of the user's test command.
#[derive(Debug, Clone)]
pub struct TestRun {
    pub status: Option<i32>,
    pub timed_out: bool,
    /// Test id → `passed`/`failed`/`error`/`skipped`, when the command is
    /// pytest (a JUnit XML report was written).
    pub outcomes: Option<BTreeMap<String, Outcome>>,
    pub last_line: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub kind: &'static str,
    pub message: String,
}

/// Run `cmd` through `/bin/sh` with cwd = the shadow root. pytest writes a
/// JUnit report through `PYTEST_ADDOPTS`, so the command needs no change.
pub fn tests(site: &Site, cmd: &str) -> Result<TestRun, String> {
    let xml = tempfile::Builder::new().prefix("lmms-junit-").suffix(".xml").tempfile().map_err(|e| e.to_string())?;
    let xml_path = xml.path().to_path_buf();
    std::fs::remove_file(&xml_path).ok();
    let mut env = site.env();
    let addopts = std::env::var("PYTEST_ADDOPTS").unwrap_or_default();
    env.push(("PYTEST_ADDOPTS".into(), format!("{addopts} --junitxml={}", xml_path.display()).trim().to_string()));
    let spec = RunSpec::new("/bin/sh")
        .args([OsString::from("-c"), cmd.into()])
        .cwd(site.shadow)
        .envs(env)
        .timeout(site.input.test_timeout);
    let out = site.runner.run(&spec).map_err(|e| e.to_string())?;
    let outcomes = std::fs::read_to_string(&xml_path).ok().map(|x| junit_outcomes(&x));
    std::fs::remove_file(&xml_path).ok();
    let text = format!("{}{}", out.stdout_text(), out.stderr_text());
    let last_line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
    Ok(TestRun { status: out.status, timed_out: out.timed_out, outcomes, last_line })
}

/// Why `after` is not the same as `before`, if it is not.
pub fn compare_tests(before: &TestRun, after: &TestRun) -> Option<String> {
    if after.timed_out && !before.timed_out {
        return Some("the test command timed out".into());
    }
    if let (Some(b), Some(a)) = (&before.outcomes, &after.outcomes) {
        let mut changed = Vec::new();
        for (id, ob) in b {
            match a.get(id) {
                Some(oa) if oa.kind == ob.kind => {}
                Some(oa) => changed.push(format!("{id} ({} → {}{})", ob.kind, oa.kind, colon(&oa.message))),
                None => changed.push(format!("{id} ({} → absent)", ob.kind)),
            }
        }
        for (id, oa) in a.iter().filter(|(id, _)| !b.contains_key(*id)) {
            if oa.kind != "passed" && oa.kind != "skipped" {
                changed.push(format!("{id} (new, {}{})", oa.kind, colon(&oa.message)));
            }
        }
        if changed.is_empty() {
            return None;
        }
        let more = if changed.len() > 3 { format!(" and {} more", changed.len() - 3) } else { String::new() };
        let n = changed.len();
        changed.truncate(3);
        return Some(format!("{n} test outcome{} changed: {}{more}", if n == 1 { "" } else { "s" }, changed.join("; ")));
    }
    if before.status != after.status {
        let code = |s: Option<i32>| s.map_or("a signal".to_string(), |c| c.to_string());
        return Some(format!(
            "the test command exited {} (before: {}): {}",
            code(after.status),
            code(before.status),
            after.last_line
        ));
    }
    None
}

fn colon(m: &str) -> String {
    let m = first_line(m);
    if m.is_empty() {
        String::new()
    } else {
        format!(": {m}")
    }
}

pub fn first_line(s: &str) -> String {
    let line = s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let mut l: String = line.chars().take(200).collect();
    if line.chars().count() > 200 {
        l.push('…');
    }
    l
}

/// Test id (`classname::name`) → outcome, from a JUnit XML report. A small
/// scanner: pytest's reports are flat `<testcase>` elements whose first
/// child, if any, is the outcome.
pub fn junit_outcomes(xml: &str) -> BTreeMap<String, Outcome> {
    let mut out = BTreeMap::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<testcase") {
        rest = &rest[start + "<testcase".len()..];
        let Some(tag_end) = rest.find('>') else { break };
        let attrs = &rest[..tag_end];
        let self_closing = attrs.ends_with('/');
        let id = format!("{}::{}", attr(attrs, "classname").unwrap_or_default(), attr(attrs, "name").unwrap_or_default());
        let body = if self_closing {
            ""
        } else {
            let end = rest.find("</testcase>").unwrap_or(rest.len());
            &rest[tag_end + 1..end]
        };
        let mut outcome = Outcome { kind: "passed", message: String::new() };
        let first = [("<failure", "failed"), ("<error", "error"), ("<skipped", "skipped")]
            .into_iter()
            .filter_map(|(t, k)| body.find(t).map(|i| (i, t, k)))
            .min_by_key(|(i, _, _)| *i);
        if let Some((i, t, kind)) = first {
            let child = &body[i + t.len()..];
            let child_attrs = &child[..child.find('>').unwrap_or(child.len())];
            outcome = Outcome { kind, message: attr(child_attrs, "message").unwrap_or_default() };
        }
        out.insert(id, outcome);
    }
    out
}

fn attr(attrs: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = attrs.find(&key)? + key.len();
    let j = attrs[i..].find('"')? + i;
    Some(
        attrs[i..j]
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#10;", "\n")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" time="0.001" />
<testcase classname="tests.test_a" name="test_bad[x &quot;y&quot;]" time="0.002"><failure message="assert 1 == 2">tb</failure></testcase>
<testcase classname="tests.test_b" name="test_skip" time="0"><skipped type="pytest.skip" message="no db">s</skipped></testcase>
<testcase classname="" name="tests.test_c" time="0"><error message="collection failure">ImportError</error></testcase>
</testsuite></testsuites>"#;

    #[test]
    fn junit_outcomes_by_test_id() {
        let o = junit_outcomes(XML);
        assert_eq!(o.len(), 4);
        assert_eq!(o["tests.test_a::test_ok"].kind, "passed");
        assert_eq!(o["tests.test_a::test_bad[x \"y\"]"], Outcome { kind: "failed", message: "assert 1 == 2".into() });
        assert_eq!(o["tests.test_b::test_skip"].kind, "skipped");
        assert_eq!(o["::tests.test_c"].kind, "error");
    }

    fn run(outcomes: &[(&str, &'static str)], status: i32) -> TestRun {
        TestRun {
            status: Some(status),
            timed_out: false,
            outcomes: Some(
                outcomes.iter().map(|(id, k)| (id.to_string(), Outcome { kind: k, message: "boom".into() })).collect(),
            ),
            last_line: String::new(),
        }
    }

    #[test]
    fn a_suite_that_already_fails_is_compared_test_by_test() {
        let before = run(&[("a", "passed"), ("b", "failed")], 1);
        assert_eq!(compare_tests(&before, &run(&[("a", "passed"), ("b", "failed")], 1)), None);
        let broke = compare_tests(&before, &run(&[("a", "failed"), ("b", "failed")], 1)).unwrap();
        assert_eq!(broke, "1 test outcome changed: a (passed → failed: boom)");
        let gone = compare_tests(&before, &run(&[("b", "failed")], 1)).unwrap();
        assert!(gone.contains("a (passed → absent)"), "{gone}");
    }

    #[test]
    fn without_a_report_the_exit_status_is_compared() {
        let mk = |s| TestRun { status: Some(s), timed_out: false, outcomes: None, last_line: "FAILED".into() };
        assert_eq!(compare_tests(&mk(0), &mk(0)), None);
        assert_eq!(compare_tests(&mk(0), &mk(1)).unwrap(), "the test command exited 1 (before: 0): FAILED");
    }
}
