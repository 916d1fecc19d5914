//! Replaying recorded events through the handler, and measuring closures.
//!
//! Both run the embedded Python scripts through a [`Runner`]: the replay in
//! ONE interpreter for all events (module-level code runs once, as at a cold
//! start, and never counts as use), each closure measurement in its own
//! fresh interpreter so what `import M` loads is not hidden by earlier imports.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lmms_profile::progress::{NoProgress, Progress, Started};
use lmms_profile::runner::{RunError, RunSpec, Runner};

use crate::attribute::{self, EventUse, Kind, Measured};
use crate::doc::{Source, UsageDoc, USAGE_SCHEMA};
use crate::project::{self, Sources};

pub const REPLAY_PY: &str = include_str!("../python/replay.py");
pub const CLOSURE_PY: &str = include_str!("../python/closure.py");

#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("{path}: {message}")]
    Events { path: PathBuf, message: String },
    #[error("importing the entry `{entry}` failed, so no event can be replayed: {message}")]
    Init { entry: String, message: String },
    #[error("the replay interpreter {what}{}", if .stderr.is_empty() { String::new() } else { format!("; its stderr ends with:\n{}", .stderr) })]
    Crashed { what: String, stderr: String },
    #[error(
        "every one of the {count} events raised, so no usage was measured and usage.json was left as it was; the first, {name}:\n{traceback}"
    )]
    AllEventsFailed { count: usize, name: String, traceback: String },
    #[error(transparent)]
    Run(#[from] RunError),
}

/// An event the handler raised on (or that timed out), with the user's
/// part of the traceback.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFailure {
    pub name: String,
    pub error: String,
    pub traceback: String,
}

/// What a replay returns: per-event use, and the events that failed.
#[derive(Debug, Clone, Default)]
pub struct Replayed {
    pub uses: Vec<EventUse>,
    pub failures: Vec<EventFailure>,
    /// Per event, what the handler returned: `{"json": value}` or
    /// `{"repr": text}`; `None` when it raised.
    pub responses: Vec<Option<serde_json::Value>>,
}

/// One recorded event and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub name: String,
    pub value: serde_json::Value,
}

/// Events from a JSON-lines file, a file holding one JSON array (or one
/// object), or a directory of `*.json` files (SAM's `events/`), in name order.
pub fn load_events(path: &Path) -> Result<Vec<Event>, UsageError> {
    let err = |message: String| UsageError::Events { path: path.to_path_buf(), message };
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| err(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(err("no *.json files in this directory".into()));
        }
        let mut out = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| UsageError::Events { path: f.clone(), message: e.to_string() })?;
            let label = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.extend(parse_events(&text, &label).map_err(|message| UsageError::Events { path: f.clone(), message })?);
        }
        return Ok(out);
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let label = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let events = parse_events(&text, &label).map_err(err)?;
    if events.is_empty() {
        return Err(err("no events in this file".into()));
    }
    Ok(events)
}

/// Parse one file's text: a JSON array, a single JSON value, or JSON lines.
pub fn parse_events(text: &str, label: &str) -> Result<Vec<Event>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(trimmed) {
        return Ok(match v {
            serde_json::Value::Array(items) => {
                items.into_iter().enumerate().map(|(i, value)| Event { name: format!("{label}[{i}]"), value }).collect()
            }
            value => vec![Event { name: label.to_owned(), value }],
        });
    }
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", i + 1))?;
        out.push(Event { name: format!("{label}:{}", i + 1), value });
    }
    Ok(out)
}

/// How to run the project's interpreter.
#[derive(Debug, Clone)]
pub struct PySetup {
    pub python: PathBuf,
    pub src_roots: Vec<PathBuf>,
    pub cwd: PathBuf,
    /// The function's environment (a template's `Environment.Variables`).
    pub env: Vec<(String, String)>,
}

fn src_json(src: &[PathBuf]) -> Vec<String> {
    src.iter().map(|p| p.to_string_lossy().into_owned()).collect()
}

fn stderr_tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// What `import module` loads in a fresh interpreter.
pub fn measure(
    runner: &dyn Runner,
    py: &PySetup,
    module: &str,
    names: &[String],
    timeout: Duration,
) -> Result<Measured, UsageError> {
    let config = serde_json::json!({"src": src_json(&py.src_roots), "module": module, "names": names});
    let spec = RunSpec::new(&py.python)
        .args([OsString::from("-c"), CLOSURE_PY.into(), config.to_string().into()])
        .cwd(&py.cwd)
        .envs(py.env.iter().cloned())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .timeout(timeout);
    let out = runner.run(&spec)?;
    parse_measure_output(module, &out.stdout_text(), out.timed_out)
}

/// Parse the closure script's answer. A crash or timeout is a failed
/// measurement of that one module (an empty closure), not a fatal error.
pub fn parse_measure_output(module: &str, stdout: &str, timed_out: bool) -> Result<Measured, UsageError> {
    let bad = |why: &str| Measured { error: Some(format!("measuring `import {module}` {why}")), ..Default::default() };
    if timed_out {
        return Ok(bad("timed out"));
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(stdout.trim()) else {
        return Ok(bad("printed no result"));
    };
    let mut loaded = Vec::new();
    for (i, p) in v["loaded"].as_array().into_iter().flatten().enumerate() {
        let (Some(name), Some(origin)) = (p.get(0).and_then(|n| n.as_str()), p.get(1).and_then(|o| o.as_str())) else {
            continue;
        };
        // An origin the script never writes means a foreign script: say so
        // rather than count the module as third-party.
        match origin.parse::<Kind>() {
            Ok(kind) => loaded.push((name.to_owned(), kind)),
            Err(e) => return Ok(bad(&format!("printed `loaded[{i}]` with an {e}"))),
        }
    }
    let submodules = v["submodules"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let error = v["error"].as_str().map(|e| format!("`import {module}` failed: {e}"));
    Ok(Measured { loaded, submodules, error })
}

/// Run every event through `entry` in one interpreter. `targets` are the
/// non-project modules the project imports: calls from project code into
/// them (or their submodules) are reported per event.
pub fn replay(
    runner: &dyn Runner,
    py: &PySetup,
    entry: &str,
    targets: &[String],
    events: &[Event],
    per_event: Duration,
) -> Result<Replayed, UsageError> {
    replay_reporting(runner, py, entry, targets, events, per_event, &NoProgress)
}

/// [`replay`], telling `progress` of each event as the interpreter finishes
/// it (one step of `events.len()` units).
pub fn replay_reporting(
    runner: &dyn Runner,
    py: &PySetup,
    entry: &str,
    targets: &[String],
    events: &[Event],
    per_event: Duration,
    progress: &dyn Progress,
) -> Result<Replayed, UsageError> {
    let config = serde_json::json!({
        "entry": entry,
        "src": src_json(&py.src_roots),
        "timeout": per_event.as_secs_f64(),
        "targets": targets,
    });
    let mut stdin = Vec::new();
    for e in events {
        serde_json::to_writer(&mut stdin, &serde_json::json!({"name": e.name, "event": e.value}))
            .expect("JSON values serialise");
        stdin.push(b'\n');
    }
    // The whole run may take every event's budget plus the cold start.
    let total = per_event.saturating_mul(events.len() as u32 + 1) + Duration::from_secs(120);
    let spec = RunSpec {
        stdin: Some(stdin),
        ..RunSpec::new(&py.python)
            .args([OsString::from("-c"), REPLAY_PY.into(), config.to_string().into()])
            .cwd(&py.cwd)
            .envs(py.env.iter().cloned())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .timeout(total)
    };
    let step = Started::new(progress, events.len() as u64, &format!("replaying {} events", events.len()));
    // One line per event, `{"i": N, …}`, flushed as each event ends.
    let out = runner.run_lines(&spec, &|line: &[u8]| {
        if line.starts_with(b"{\"i\"") {
            step.inc(1);
        }
    })?;
    drop(step);
    parse_replay_output(entry, &out.stdout_text(), &out.stderr_text(), out.timed_out, events.len())
}

/// Parse the replay script's JSON lines.
pub fn parse_replay_output(
    entry: &str,
    stdout: &str,
    stderr: &str,
    timed_out: bool,
    expected: usize,
) -> Result<Replayed, UsageError> {
    let mut events = Vec::new();
    let mut failures = Vec::new();
    let mut responses = Vec::new();
    let mut done = false;
    let strings = |v: &serde_json::Value| -> BTreeSet<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect()).unwrap_or_default()
    };
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if v.get("fatal").is_some() {
            return Err(UsageError::Init {
                entry: entry.to_owned(),
                message: v["message"].as_str().unwrap_or("unknown error").to_owned(),
            });
        }
        if v.get("done").is_some() {
            done = true;
            continue;
        }
        if let Some(error) = v["error"].as_str() {
            let name = v["name"].as_str().map_or_else(|| format!("event {}", events.len() + 1), str::to_owned);
            let traceback = v["traceback"].as_str().unwrap_or(error).trim_end().to_owned();
            failures.push(EventFailure { name, error: error.to_owned(), traceback });
        }
        responses.push(Some(v["response"].clone()).filter(|r| !r.is_null()));
        events.push(EventUse {
            name: v["name"].as_str().map(str::to_owned),
            error: v["error"].as_str().map(str::to_owned),
            modules: strings(&v["modules"]),
            functions: strings(&v["functions"]),
            called: strings(&v["called"]),
        });
    }
    if !done || events.len() != expected {
        let what = if timed_out {
            format!("timed out after {} of {expected} events", events.len())
        } else {
            format!("stopped after {} of {expected} events", events.len())
        };
        return Err(UsageError::Crashed { what, stderr: stderr_tail(stderr) });
    }
    Ok(Replayed { uses: events, failures, responses })
}

/// Everything `lmms usage --events` needs.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    pub root: PathBuf,
    pub py: PySetup,
    pub entry: String,
    pub exclude: Vec<String>,
    pub per_event_timeout: Duration,
    pub measure_timeout: Duration,
    /// Project modules loaded by name at INIT ([`modules_loaded_by_name`]).
    pub loaded_by_name: Vec<String>,
}

/// The project modules `.lmms/profile.json` saw loaded by name
/// (`importlib.import_module`, `__import__`): their files run in the
/// function although no import statement reaches them. No profile (or an
/// unreadable one) gives none.
pub fn modules_loaded_by_name(artifact_dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(artifact_dir.join("profile.json")) else { return Vec::new() };
    let Ok(doc) = lmms_profile::doc::ProfileDoc::from_json(&text) else { return Vec::new() };
    doc.modules
        .into_iter()
        .filter(|m| m.dynamic.is_some() && m.origin == lmms_profile::doc::Origin::Project)
        .map(|m| m.name)
        .collect()
}

/// The outcome of a replay plus what the user should hear about.
#[derive(Debug)]
pub struct ReplayReport {
    pub doc: UsageDoc,
    pub warnings: Vec<String>,
    /// Events that raised; fewer than all of them, or there is no report.
    pub failures: Vec<EventFailure>,
}

/// Parse the project, measure closures, replay, attribute.
/// `progress` hears two steps: measuring what each import loads (length
/// unknown: submodules add to the queue), then the replay, one unit per event.
pub fn usage_by_replay(
    runner: &dyn Runner,
    opts: &ReplayOptions,
    events: &[Event],
    progress: &dyn Progress,
) -> Result<ReplayReport, UsageError> {
    let mut sources = project::load(&opts.root, &opts.py.src_roots, &opts.exclude);
    sources.retain_reachable_with(opts.entry.split(':').next().unwrap_or_default(), &opts.loaded_by_name);
    let mut warnings = sources.problems.clone();
    let is_project = |m: &str| project_module_exists(&sources, m);

    // Round 1: every imported module; round 2: submodules named by `from`.
    let mut from_names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for st in &sources.statements {
        from_names.entry(st.module.clone()).or_default().extend(st.from_names.iter().cloned());
    }
    let mut measured: BTreeMap<String, Measured> = BTreeMap::new();
    let mut project_targets = BTreeSet::new();
    let mut queue: Vec<String> = from_names.keys().cloned().collect();
    let mut targets = BTreeSet::new();
    let step = Started::new(progress, 0, "measuring what each import loads");
    while let Some(m) = queue.pop() {
        if !targets.insert(m.clone()) {
            continue;
        }
        let names: Vec<String> = from_names.get(&m).map(|s| s.iter().cloned().collect()).unwrap_or_default();
        if is_project(&m) {
            project_targets.insert(m.clone());
            for a in names {
                let full = format!("{m}.{a}");
                if is_project(&full) {
                    queue.push(full);
                }
            }
            continue;
        }
        let res = measure(runner, &opts.py, &m, &names, opts.measure_timeout)?;
        step.inc(1);
        if let Some(e) = &res.error {
            warnings.push(e.clone());
        }
        for a in &res.submodules {
            queue.push(format!("{m}.{a}"));
        }
        measured.insert(m, res);
    }
    drop(step);
    let closures = attribute::exclusive_closures(&targets, &project_targets, &measured);
    let external: Vec<String> = targets.difference(&project_targets).cloned().collect();
    let Replayed { uses, failures, .. } =
        replay_reporting(runner, &opts.py, &opts.entry, &external, events, opts.per_event_timeout, progress)?;
    // Usage measured on no successful request is no measurement: a failing
    // handler must not replace a good usage.json with zeros.
    if !uses.is_empty() && failures.len() == uses.len() {
        let first = failures.into_iter().next().expect("non-empty");
        return Err(UsageError::AllEventsFailed { count: uses.len(), name: first.name, traceback: first.traceback });
    }
    let targets_of = |st: &project::Statement| attribute::statement_targets(st, &|m: &str| targets.contains(m));
    let (imports, modules) = attribute::attribute(&sources, &targets_of, &closures, &uses);
    let values = attribute::attribute_values(&sources, &uses);
    let errors = failures.len() as u64;
    Ok(ReplayReport {
        doc: UsageDoc {
            schema: USAGE_SCHEMA.into(),
            requests: uses.len() as u64,
            errors,
            imports,
            modules,
            cold_start_ratio: None,
            source: Source::Replay,
            logs: None,
            values,
        },
        warnings,
        failures,
    })
}

/// A project module: a file under a source root or a package prefix of one.
fn project_module_exists(sources: &Sources, m: &str) -> bool {
    !m.is_empty() && sources.modules.contains(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_parse_from_array_object_and_json_lines() {
        let a = parse_events("[{\"type\":\"a\"},{\"type\":\"b\"}]", "e.json").unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].name, "e.json[1]");
        let o = parse_events("{\n  \"type\": \"ping\"\n}\n", "ping.json").unwrap();
        assert_eq!(o.len(), 1);
        let l = parse_events("{\"type\":\"a\"}\n\n{\"type\":\"b\"}\n", "e.jsonl").unwrap();
        assert_eq!(l[1].name, "e.jsonl:3");
        let bad = parse_events("{\"type\":\"a\"}\nnope\n", "e.jsonl").unwrap_err();
        assert!(bad.contains("line 2"), "{bad}");
    }

    #[test]
    fn replay_output_requires_every_event_and_the_done_marker() {
        let ok = "{\"i\":0,\"name\":\"a\",\"error\":null,\"ms\":1.0,\"modules\":[\"app\"],\"functions\":[\"app:h\"]}\n{\"done\":1}\n";
        let ev = parse_replay_output("app:h", ok, "", false, 1).unwrap().uses;
        assert_eq!(ev[0].functions.iter().next().unwrap(), "app:h");
        let err = parse_replay_output(
            "app:h",
            "{\"i\":0,\"name\":\"a\",\"error\":null,\"modules\":[],\"functions\":[]}\n",
            "Segmentation fault",
            false,
            2,
        )
        .unwrap_err();
        assert!(err.to_string().contains("stopped after 1 of 2 events"), "{err}");
        assert!(err.to_string().contains("Segmentation fault"));
    }

    #[test]
    fn each_replayed_event_is_one_unit_of_progress() {
        use lmms_profile::progress::{Recorder, Step};
        use lmms_profile::runner::{RunOutput, ScriptedRunner};
        let stdout = "{\"i\": 0, \"name\": \"a\", \"error\": null, \"modules\": [], \"functions\": []}\n\
                      {\"i\": 1, \"name\": \"b\", \"error\": null, \"modules\": [], \"functions\": []}\n{\"done\": 2}\n";
        let runner = ScriptedRunner::new([RunOutput { status: Some(0), stdout: stdout.into(), ..Default::default() }]);
        let py = PySetup { python: "python3".into(), src_roots: Vec::new(), cwd: ".".into(), env: Vec::new() };
        let events: Vec<Event> =
            ["a", "b"].iter().map(|n| Event { name: n.to_string(), value: serde_json::json!({}) }).collect();
        let progress = Recorder::default();
        let r = replay_reporting(&runner, &py, "app:h", &[], &events, Duration::from_secs(1), &progress).unwrap();
        assert_eq!(r.uses.len(), 2);
        assert_eq!(progress.steps(), [Step { label: "replaying 2 events".into(), len: 2, done: 2, finished: true }]);
    }

    #[test]
    fn a_failed_event_carries_its_traceback() {
        let out = concat!(
            "{\"i\":0,\"name\":\"e.json[0]\",\"error\":\"KeyError: 'x'\",",
            "\"traceback\":\"Traceback (most recent call last):\\n  File \\\"app.py\\\", line 3, in handler\\nKeyError: 'x'\\n\",",
            "\"modules\":[],\"functions\":[]}\n",
            "{\"i\":1,\"name\":\"e.json[1]\",\"error\":null,\"modules\":[],\"functions\":[]}\n{\"done\":2}\n"
        );
        let r = parse_replay_output("app:handler", out, "", false, 2).unwrap();
        assert_eq!(r.uses.len(), 2);
        assert_eq!(r.failures.len(), 1);
        assert_eq!(r.failures[0].name, "e.json[0]");
        assert!(r.failures[0].traceback.starts_with("Traceback") && r.failures[0].traceback.ends_with("KeyError: 'x'"));
    }

    #[test]
    fn failed_entry_import_is_an_init_error() {
        let err = parse_replay_output(
            "app:h",
            "{\"fatal\":\"init\",\"message\":\"ModuleNotFoundError: No module named 'app'\"}\n",
            "",
            false,
            3,
        )
        .unwrap_err();
        assert!(matches!(err, UsageError::Init { .. }));
        assert!(err.to_string().contains("No module named 'app'"));
    }

    #[test]
    fn failed_measurement_is_a_warning_not_an_error() {
        let m = parse_measure_output(
            "nope",
            "{\"module\":\"nope\",\"error\":\"ModuleNotFoundError: x\",\"loaded\":[],\"submodules\":[]}",
            false,
        )
        .unwrap();
        assert!(m.error.unwrap().contains("`import nope` failed"));
        let t = parse_measure_output("slow", "", true).unwrap();
        assert!(t.error.unwrap().contains("timed out"));
    }

    #[test]
    fn an_unknown_origin_fails_the_measurement_instead_of_counting_as_third_party() {
        let ok = r#"{"loaded":[["yaml","third-party"],["json","stdlib"]],"submodules":[]}"#;
        let m = parse_measure_output("yaml", ok, false).unwrap();
        assert_eq!(m.loaded, [("yaml".to_string(), Kind::ThirdParty), ("json".to_string(), Kind::Stdlib)]);
        let m = parse_measure_output("yaml", &ok.replace("\"stdlib\"", "\"vendored\""), false).unwrap();
        assert!(m.loaded.is_empty());
        let e = m.error.unwrap();
        assert!(e.contains("`loaded[1]`") && e.contains("unknown origin \"vendored\""), "{e}");
    }
}
