//! The only code in lmms that spawns processes.
//!
//! [`Runner`] is the seam that keeps measurement swappable: the real
//! [`ProcessRunner`] starts the interpreter in its own process group and
//! kills the whole group on timeout; [`ScriptedRunner`] replays recorded
//! outputs so statistics and reports are tested deterministically.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::Read;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The variable that stops Python writing `.pyc` files: set (non-empty), a
/// module without a cached `.pyc` is compiled again on every start.
pub const NO_BYTECODE_VAR: &str = "PYTHONDONTWRITEBYTECODE";

/// The warning for a measurement whose interpreter writes no bytecode
/// cache, or `None` when it does. `extra` is what the run sets on top of the
/// inherited environment (a later pair wins, as in [`RunSpec::envs`]);
/// `inherited` reads the inherited value (`std::env::var_os` in use).
pub fn no_bytecode_warning(
    extra: &[(String, String)],
    inherited: &dyn Fn(&str) -> Option<OsString>,
) -> Option<String> {
    let value = match extra.iter().rev().find(|(k, _)| k == NO_BYTECODE_VAR) {
        Some((_, v)) => OsString::from(v),
        None => inherited(NO_BYTECODE_VAR)?,
    };
    // Python ignores an empty value.
    if value.is_empty() {
        return None;
    }
    Some(format!(
        "{NO_BYTECODE_VAR} is set, so Python writes no bytecode cache: every measured start compiles each module \
         that has no up-to-date .pyc, and INIT includes that compile time. Lambda pays it too, on every cold start, \
         for the modules a package ships without .pyc (its code directory is read-only, nothing is cached); to \
         measure a package that ships them (`python -m compileall`), run with the variable unset \
         (`env -u {NO_BYTECODE_VAR} lmms …`)"
    ))
}

/// What to run. Nothing here is shell-interpreted.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    /// Variables to set on top of the inherited environment.
    pub env: Vec<(OsString, OsString)>,
    /// Variables to remove from the inherited environment.
    pub env_remove: Vec<OsString>,
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl RunSpec {
    pub fn new(program: impl Into<PathBuf>) -> RunSpec {
        RunSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
            stdin: None,
            timeout: Duration::from_secs(60),
        }
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> RunSpec {
        self.args.push(a.into());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, it: I) -> RunSpec {
        self.args.extend(it.into_iter().map(Into::into));
        self
    }

    pub fn cwd(mut self, dir: impl Into<PathBuf>) -> RunSpec {
        self.cwd = Some(dir.into());
        self
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> RunSpec {
        self.env.push((k.into(), v.into()));
        self
    }

    /// [`RunSpec::env`] for each pair, in order (a later one wins).
    pub fn envs<I, K, V>(mut self, vars: I) -> RunSpec
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        self.env.extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    pub fn timeout(mut self, t: Duration) -> RunSpec {
        self.timeout = t;
        self
    }
}

/// What a finished (or killed) process left behind.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// Exit code; `None` when killed by a signal.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// The monotonic clock in ns, read immediately before the spawn: the
    /// clock Python's `time.monotonic_ns()` reads on this platform (see
    /// [`monotonic_ns`]), so a timestamp printed by the child minus this is
    /// "time since spawn".
    pub spawned_at_ns: u64,
    /// Spawn to reap.
    pub wall_ms: f64,
    /// Peak resident set of the child in KiB, from `wait4`'s rusage
    /// (normalised: macOS reports bytes, Linux KiB).
    pub max_rss_kb: Option<u64>,
    pub timed_out: bool,
}

impl RunOutput {
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn success(&self) -> bool {
        self.status == Some(0) && !self.timed_out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start {program}: {source}")]
    Spawn { program: PathBuf, source: std::io::Error },
    #[error("waiting for {program} failed: {source}")]
    Wait { program: PathBuf, source: std::io::Error },
    #[error("scripted runner has no more recorded outputs")]
    Exhausted,
}

/// Runs one process to completion.
pub trait Runner {
    fn run(&self, spec: &RunSpec) -> Result<RunOutput, RunError>;

    /// [`Runner::run`], calling `on_line` with each line of stdout (without
    /// its `\n`) as it arrives, so a long run can report progress. The
    /// output returned is the same. By default the lines come after the run.
    fn run_lines(&self, spec: &RunSpec, on_line: &(dyn Fn(&[u8]) + Sync)) -> Result<RunOutput, RunError> {
        let out = self.run(spec)?;
        out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()).for_each(on_line);
        Ok(out)
    }
}

/// Spawns real processes.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProcessRunner;

/// Now, on the clock the child's `time.monotonic_ns()` reads.
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(platform::PYTHON_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// What differs between the platforms the runner supports. Everything else
/// in the runner is plain POSIX.
#[cfg(target_os = "linux")]
mod platform {
    /// CPython's `time.monotonic()` is `clock_gettime(CLOCK_MONOTONIC)`.
    pub const PYTHON_MONOTONIC: libc::clockid_t = libc::CLOCK_MONOTONIC;
    /// Also reap children started with `clone()` flags other than SIGCHLD.
    pub const WAIT_FLAGS: libc::c_int = libc::__WALL;

    /// Linux reports `ru_maxrss` in KiB.
    pub fn max_rss_kb(ru_maxrss: libc::c_long) -> u64 {
        ru_maxrss.max(0) as u64
    }
}

#[cfg(any(target_os = "macos", target_os = "ios"))]
mod platform {
    /// CPython's `time.monotonic()` is `mach_absolute_time()` on Apple
    /// systems, which is `CLOCK_UPTIME_RAW` (`CLOCK_MONOTONIC` there keeps
    /// counting during sleep and would not line up).
    pub const PYTHON_MONOTONIC: libc::clockid_t = libc::CLOCK_UPTIME_RAW;
    pub const WAIT_FLAGS: libc::c_int = 0;

    /// Darwin reports `ru_maxrss` in bytes.
    pub fn max_rss_kb(ru_maxrss: libc::c_long) -> u64 {
        ru_maxrss.max(0) as u64 / 1024
    }
}

/// The BSDs: POSIX clocks and KiB, as their getrusage(2) pages say.
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "ios")))]
mod platform {
    pub const PYTHON_MONOTONIC: libc::clockid_t = libc::CLOCK_MONOTONIC;
    pub const WAIT_FLAGS: libc::c_int = 0;

    pub fn max_rss_kb(ru_maxrss: libc::c_long) -> u64 {
        ru_maxrss.max(0) as u64
    }
}

impl Runner for ProcessRunner {
    fn run(&self, spec: &RunSpec) -> Result<RunOutput, RunError> {
        std::thread::scope(|scope| run_process(spec, scope, None))
    }

    fn run_lines(&self, spec: &RunSpec, on_line: &(dyn Fn(&[u8]) + Sync)) -> Result<RunOutput, RunError> {
        std::thread::scope(|scope| run_process(spec, scope, Some(on_line)))
    }
}

/// Spawn, wait, collect. The stdout reader runs in `scope` so it can call
/// the borrowed `on_line`.
fn run_process<'scope>(
    spec: &RunSpec,
    scope: &'scope std::thread::Scope<'scope, '_>,
    on_line: Option<&'scope (dyn Fn(&[u8]) + Sync)>,
) -> Result<RunOutput, RunError> {
    {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        use std::sync::{mpsc, Arc, Mutex};

        let mut cmd = Command::new(&spec.program);
        cmd.args(&spec.args)
            .stdin(if spec.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Own process group, so a timeout kills grandchildren too.
            .process_group(0);
        if let Some(d) = &spec.cwd {
            cmd.current_dir(d);
        }
        for k in &spec.env_remove {
            cmd.env_remove(k);
        }
        for (k, v) in &spec.env {
            cmd.env(k, v);
        }
        let spawned_at_ns = monotonic_ns();
        let start = Instant::now();
        let mut child =
            cmd.spawn().map_err(|source| RunError::Spawn { program: spec.program.clone(), source })?;
        let pid = child.id() as libc::pid_t;
        running().push(pid);

        let stdin_thread = match (child.stdin.take(), spec.stdin.clone()) {
            (Some(mut w), Some(data)) => Some(std::thread::spawn(move || {
                use std::io::Write;
                // The child may exit without reading; that is its business.
                let _ = w.write_all(&data);
            })),
            _ => None,
        };
        let mut out_pipe = child.stdout.take().expect("piped stdout");
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        let out_thread = scope.spawn(move || {
            let mut buf = Vec::new();
            match on_line {
                None => {
                    let _ = out_pipe.read_to_end(&mut buf);
                }
                Some(on_line) => {
                    use std::io::BufRead;
                    let mut reader = std::io::BufReader::new(out_pipe);
                    loop {
                        let from = buf.len();
                        match reader.read_until(b'\n', &mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {
                                let line = &buf[from..];
                                on_line(line.strip_suffix(b"\n").unwrap_or(line));
                            }
                        }
                    }
                }
            }
            buf
        });
        let err_thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = err_pipe.read_to_end(&mut buf);
            buf
        });

        // The watchdog kills the group unless the main thread reaps first.
        // `reaped` is checked under the lock so we never signal a pid that
        // has been reaped and possibly reused.
        let reaped = Arc::new(Mutex::new(false));
        let timed_out = Arc::new(Mutex::new(false));
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let watchdog = {
            let reaped = Arc::clone(&reaped);
            let timed_out = Arc::clone(&timed_out);
            let timeout = spec.timeout;
            std::thread::spawn(move || {
                if done_rx.recv_timeout(timeout).is_err() {
                    let r = reaped.lock().unwrap();
                    if !*r {
                        *timed_out.lock().unwrap() = true;
                        // SAFETY: plain syscall; negative pid = the group.
                        unsafe { libc::kill(-pid, libc::SIGKILL) };
                    }
                }
            })
        };

        let mut status: libc::c_int = 0;
        // SAFETY: zeroed rusage is a valid initial value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let rc = loop {
            // SAFETY: wait4 on our own child with valid out-pointers. We
            // hold the lock across the call's return so the watchdog cannot
            // race a reaped pid.
            let rc = unsafe { libc::wait4(pid, &mut status, platform::WAIT_FLAGS, &mut usage) };
            if rc == -1 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            break rc;
        };
        let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
        running().retain(|&p| p != pid);
        *reaped.lock().unwrap() = true;
        let _ = done_tx.send(());
        let _ = watchdog.join();
        // Anything left in the group (daemonised grandchildren) would keep
        // the pipes open forever.
        // SAFETY: plain syscall on our own (now leaderless) group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
        if rc == -1 {
            return Err(RunError::Wait {
                program: spec.program.clone(),
                source: std::io::Error::last_os_error(),
            });
        }
        // std's Child would otherwise try to reap again on drop; it does not
        // (Child has no Drop reaping), so forgetting the handle is fine.
        drop(child);
        if let Some(t) = stdin_thread {
            let _ = t.join();
        }
        let stdout = out_thread.join().unwrap_or_default();
        let stderr = err_thread.join().unwrap_or_default();
        let exited = libc::WIFEXITED(status);
        let timed_out = *timed_out.lock().unwrap();
        Ok(RunOutput {
            status: exited.then(|| libc::WEXITSTATUS(status)),
            stdout,
            stderr,
            spawned_at_ns,
            wall_ms,
            max_rss_kb: Some(platform::max_rss_kb(usage.ru_maxrss)),
            timed_out,
        })
    }
}

/// Process groups [`ProcessRunner`] has spawned and not yet reaped.
static RUNNING: std::sync::Mutex<Vec<libc::pid_t>> = std::sync::Mutex::new(Vec::new());

fn running() -> std::sync::MutexGuard<'static, Vec<libc::pid_t>> {
    RUNNING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Kill every process group this process is running through
/// [`ProcessRunner`]: for a signal handler, before it cleans up and exits.
/// Each child runs in its own group, so a Ctrl-C at the terminal reaches
/// lmms only; without this, an interrupted run would leave them running.
pub fn kill_running() {
    for &pid in running().iter() {
        // SAFETY: plain syscall; negative pid = the group. A pid leaves the
        // list right after `wait4` reaps it, the same narrow window the
        // timeout watchdog accepts.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

/// Replays recorded outputs in order; records the specs it was asked to run.
#[derive(Debug, Default)]
pub struct ScriptedRunner {
    outputs: RefCell<VecDeque<RunOutput>>,
    pub seen: RefCell<Vec<RunSpec>>,
}

impl ScriptedRunner {
    pub fn new(outputs: impl IntoIterator<Item = RunOutput>) -> ScriptedRunner {
        ScriptedRunner { outputs: RefCell::new(outputs.into_iter().collect()), seen: RefCell::default() }
    }
}

impl Runner for ScriptedRunner {
    fn run(&self, spec: &RunSpec) -> Result<RunOutput, RunError> {
        self.seen.borrow_mut().push(spec.clone());
        self.outputs.borrow_mut().pop_front().ok_or(RunError::Exhausted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_process_reports_exit_code_and_output() {
        let out = ProcessRunner
            .run(&RunSpec::new("/bin/sh").args(["-c", "echo hi; echo err >&2; exit 3"]))
            .unwrap();
        assert_eq!(out.status, Some(3));
        assert_eq!(out.stdout_text(), "hi\n");
        assert_eq!(out.stderr_text(), "err\n");
        assert!(!out.timed_out);
        // A shell's peak RSS is a few MiB: in KiB on every platform, never
        // bytes (macOS) or pages.
        let kb = out.max_rss_kb.unwrap();
        assert!((200..200_000).contains(&kb), "{kb} KiB");
    }

    #[test]
    fn timeout_kills_the_whole_process_group() {
        let t = Instant::now();
        let out = ProcessRunner
            .run(&RunSpec::new("/bin/sh").args(["-c", "sleep 30 & sleep 30"]).timeout(Duration::from_millis(200)))
            .unwrap();
        assert!(out.timed_out);
        assert_eq!(out.status, None);
        assert!(t.elapsed() < Duration::from_secs(10), "grandchild kept the pipes open");
    }

    #[test]
    fn lines_arrive_while_the_process_runs() {
        let seen = std::sync::Mutex::new(Vec::new());
        let t = Instant::now();
        // The second line comes a second later: the first must be seen before.
        let spec = RunSpec::new("/bin/sh").args(["-c", "echo one; sleep 1; echo two"]);
        let out = ProcessRunner
            .run_lines(&spec, &|l: &[u8]| seen.lock().unwrap().push((String::from_utf8_lossy(l).into_owned(), t.elapsed())))
            .unwrap();
        assert_eq!(out.stdout_text(), "one\ntwo\n");
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(), ["one", "two"]);
        assert!(seen[1].1 - seen[0].1 >= Duration::from_millis(500), "{seen:?}");
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = ProcessRunner.run(&RunSpec::new("/nonexistent/python")).unwrap_err();
        assert!(matches!(err, RunError::Spawn { .. }));
    }

    #[test]
    fn no_bytecode_is_warned_when_the_interpreter_would_see_the_variable_set() {
        let set = |_: &str| Some(OsString::from("1"));
        let unset = |_: &str| None;
        let pair = |v: &str| vec![(NO_BYTECODE_VAR.to_string(), v.to_string())];
        assert!(no_bytecode_warning(&[], &set).unwrap().contains("PYTHONDONTWRITEBYTECODE is set"));
        assert_eq!(no_bytecode_warning(&[], &unset), None);
        assert_eq!(no_bytecode_warning(&[], &|_: &str| Some(OsString::new())), None, "Python ignores an empty value");
        assert!(no_bytecode_warning(&pair("1"), &unset).is_some(), "a function's environment sets it too");
        assert_eq!(no_bytecode_warning(&pair(""), &set), None, "the run's own value wins");
    }

    #[test]
    fn scripted_runner_replays_then_runs_dry() {
        let r = ScriptedRunner::new([RunOutput { status: Some(0), ..Default::default() }]);
        assert!(r.run(&RunSpec::new("python")).unwrap().success());
        assert!(matches!(r.run(&RunSpec::new("python")), Err(RunError::Exhausted)));
        assert_eq!(r.seen.borrow().len(), 2);
    }
}
