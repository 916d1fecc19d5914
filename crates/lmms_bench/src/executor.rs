//! One fresh interpreter start, spawned through the [`Runner`]: the bench
//! bootstrap imports the entry, stamps INIT, optionally invokes the handler
//! once with an event, and reports on stderr after a marker line.

use std::path::PathBuf;

use lmms_profile::runner::{RunOutput, RunSpec, Runner};

use crate::scheduler::{Setup, Variant};
use crate::BenchError;

/// Runs as `python -c <this> MODULE ATTR EVENT_FILE ROOT...`.
pub const BOOTSTRAP: &str = include_str!("../python/bootstrap.py");

pub(crate) const MARK: &str = "@@lmms-bench@@ ";

/// What one start measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub init_ms: f64,
    pub rss_mb: f64,
    /// First-invocation latency, when an event ran.
    pub first_ms: Option<f64>,
}

/// The last `n` lines of the interpreter's stderr without the bootstrap's
/// marker lines: what the user's code printed, traceback included.
fn user_stderr(text: &str, n: usize) -> String {
    let v: Vec<&str> = text.lines().filter(|l| !l.starts_with(MARK)).collect();
    let end = v.iter().rposition(|l| !l.trim().is_empty()).map_or(0, |i| i + 1);
    v[end.saturating_sub(n)..end].join("\n")
}

/// How a start treats the tree's bytecode cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bytecode {
    /// As the environment says (a measured start).
    AsEnvironment,
    /// Written even where `PYTHONDONTWRITEBYTECODE` is set (a warm-up
    /// start), so every tree is measured from a complete, fresh cache.
    Write,
}

/// Start `variant` once; `label` names it in errors (`baseline`, `current`).
pub fn start_once(
    runner: &dyn Runner,
    setup: &Setup,
    variant: &Variant,
    label: &str,
    event: Option<&(String, PathBuf)>,
    bytecode: Bytecode,
) -> Result<Start, BenchError> {
    let mut spec = RunSpec::new(&setup.python).envs(setup.env.iter().cloned());
    if bytecode == Bytecode::Write {
        // Empty is unset to Python; set after the function's environment, it
        // wins over a template's value too.
        spec = spec.env(lmms_profile::runner::NO_BYTECODE_VAR, "");
    }
    let spec = spec
        .timeout(setup.timeout)
        .cwd(&variant.cwd)
        .arg("-c")
        .arg(BOOTSTRAP)
        .arg(&setup.module)
        .arg(&setup.handler)
        .arg(event.map_or(std::ffi::OsString::new(), |e| e.1.clone().into_os_string()))
        .args(variant.src_roots.iter().map(|p| p.as_os_str().to_owned()));
    let out: RunOutput = runner.run(&spec)?;
    let what = match event {
        Some((name, _)) => format!("{label} ({name})"),
        None => label.to_string(),
    };
    parse(&out, setup, what, event.map(|e| e.0.as_str()))
}

fn parse(out: &RunOutput, setup: &Setup, what: String, event: Option<&str>) -> Result<Start, BenchError> {
    let stderr = out.stderr_text();
    if out.timed_out {
        return Err(BenchError::Timeout { what, seconds: setup.timeout.as_secs_f64() });
    }
    let marker = |m: &str| stderr.lines().any(|l| l.strip_prefix(MARK) == Some(m));
    if marker("import-error") {
        return Err(BenchError::Import { what, module: setup.module.clone(), stderr: user_stderr(&stderr, 20) });
    }
    if marker("handler-error") {
        let event = event.unwrap_or_default().to_string();
        return Err(BenchError::Handler { what, event, stderr: user_stderr(&stderr, 20) });
    }
    let numbers = stderr.lines().find_map(|l| l.strip_prefix(MARK)?.strip_prefix("ready ")).and_then(|ready| {
        let nums: Vec<i64> = ready.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        match nums[..] {
            [ready_ns, rss_kb, first_ns] => Some((ready_ns, rss_kb, first_ns)),
            _ => None,
        }
    });
    let Some((ready_ns, rss_kb, first_ns)) = numbers else {
        return Err(BenchError::Crashed {
            what,
            python: setup.python.clone(),
            status: describe_status(out.status),
            stderr: user_stderr(&stderr, 20),
        });
    };
    let init_ms = (ready_ns as u64).saturating_sub(out.spawned_at_ns) as f64 / 1e6;
    let first_ms = (first_ns >= 0).then(|| first_ns as f64 / 1e6);
    Ok(Start { init_ms, rss_mb: rss_kb as f64 / 1024.0, first_ms })
}

/// `exited with status 0`, `was killed by a signal`: words, not `Some(0)`.
fn describe_status(status: Option<i32>) -> String {
    match status {
        Some(code) => format!("exited with status {code}"),
        None => "was killed by a signal".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn setup() -> Setup {
        Setup {
            python: "/bin/true".into(),
            module: "app".into(),
            handler: "handler".into(),
            events: Vec::new(),
            runs: 1,
            timeout: Duration::from_secs(5),
            warmup: false,
            env: Vec::new(),
        }
    }

    #[test]
    fn a_program_that_exits_without_reporting_is_named_with_its_status_in_words() {
        let out = RunOutput { status: Some(0), ..Default::default() };
        let err = parse(&out, &setup(), "current".into(), None).unwrap_err().to_string();
        assert!(err.contains("/bin/true exited with status 0"), "{err}");
        assert!(err.contains("Python interpreter"), "{err}");
        assert!(!err.contains("Some("), "{err}");
    }

    #[test]
    fn the_marker_lines_never_reach_the_user() {
        let stderr = format!("Traceback (most recent call last):\nValueError: bad\n\n{MARK}handler-error\n");
        let out = RunOutput { status: Some(5), stderr: stderr.into_bytes(), ..Default::default() };
        let err = parse(&out, &setup(), "current (ping)".into(), Some("ping")).unwrap_err().to_string();
        assert!(err.ends_with("ValueError: bad"), "{err}");
        assert!(!err.contains("@@lmms-bench@@"), "{err}");
    }

    #[test]
    fn the_bootstrap_imports_nothing_but_sys_before_the_entry() {
        let before_entry = BOOTSTRAP.split("__import__(entry)").next().unwrap();
        let imports: Vec<&str> =
            before_entry.lines().map(str::trim).filter(|l| l.starts_with("import ") || l.starts_with("from ")).collect();
        // `traceback` is imported only on the error path, after the entry failed.
        assert_eq!(imports, ["import sys", "import traceback"], "{imports:?}");
    }
}
