//! What the user sees while lmms works: progress bars (indicatif, on
//! stderr, only when stderr is a terminal and not `-q`) and the `-v` lines
//! (each process started, with its exit and wall time). Libraries report
//! through [`lmms_profile::progress::Progress`] and start processes through
//! a [`Runner`]; this module is where both become text.

use std::ffi::OsStr;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lmms_profile::progress::Progress;
use lmms_profile::runner::{ProcessRunner, RunError, RunOutput, RunSpec, Runner};

/// The one reporter of a run: draws bars and prints `-v` lines above them.
pub struct Reporter {
    /// Bars are drawn (stderr is a terminal, no `-q`).
    bars: bool,
    verbose: u8,
    bar: Mutex<Option<ProgressBar>>,
}

impl Reporter {
    pub fn new(bars: bool, verbose: u8) -> Reporter {
        Reporter { bars, verbose, bar: Mutex::new(None) }
    }

    pub fn verbose(&self) -> u8 {
        self.verbose
    }

    /// Print `line` on stderr if `-v` was given `level` times or more,
    /// above the bar being drawn.
    pub fn detail(&self, level: u8, line: impl FnOnce() -> String) {
        if self.verbose < level {
            return;
        }
        let line = line();
        match &*self.lock() {
            Some(bar) => bar.suspend(|| eprintln!("lmms: {line}")),
            None => eprintln!("lmms: {line}"),
        }
    }

    /// The runner every command starts its processes with: the real one,
    /// logging each start under `-v`.
    pub fn runner(&self) -> Logged<'_> {
        Logged { reporter: self }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Progress for Reporter {
    fn start(&self, len: u64, label: &str) {
        if !self.bars {
            return;
        }
        let bar = if len == 0 {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{spinner} {msg}: {pos} done, {elapsed}").expect("valid"));
            bar
        } else {
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({elapsed}, {eta} left)")
                .expect("valid")
                .progress_chars("=> ");
            bar.set_style(style);
            bar
        };
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Some(old) = self.lock().replace(bar) {
            old.finish_and_clear();
        }
    }

    fn inc(&self, n: u64) {
        if let Some(bar) = &*self.lock() {
            bar.inc(n);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.lock().take() {
            bar.finish_and_clear();
        }
    }
}

/// [`ProcessRunner`], telling `-v` what it started and how it ended.
pub struct Logged<'a> {
    reporter: &'a Reporter,
}

impl Logged<'_> {
    fn log(&self, spec: &RunSpec, out: &Result<RunOutput, RunError>) {
        self.reporter.detail(1, || {
            let how = match out {
                Ok(o) if o.timed_out => format!("killed after the timeout, {:.0} ms", o.wall_ms),
                Ok(o) => match o.status {
                    Some(code) => format!("exit {code}, {:.1} ms", o.wall_ms),
                    None => format!("killed by a signal, {:.1} ms", o.wall_ms),
                },
                Err(e) => e.to_string(),
            };
            format!("ran {} ({how})", command_line(spec))
        });
    }
}

impl Runner for Logged<'_> {
    fn run(&self, spec: &RunSpec) -> Result<RunOutput, RunError> {
        let out = ProcessRunner.run(spec);
        self.log(spec, &out);
        out
    }

    fn run_lines(&self, spec: &RunSpec, on_line: &(dyn Fn(&[u8]) + Sync)) -> Result<RunOutput, RunError> {
        let out = ProcessRunner.run_lines(spec, on_line);
        self.log(spec, &out);
        out
    }
}

/// The command as a user could read it: an embedded `-c` script is shown
/// by its size, not its hundreds of lines.
fn command_line(spec: &RunSpec) -> String {
    let mut words = vec![quote(spec.program.as_os_str())];
    let mut after_c = false;
    for a in &spec.args {
        let s = a.to_string_lossy();
        if after_c && s.contains('\n') {
            words.push(format!("<script, {} lines>", s.lines().count()));
        } else {
            words.push(quote(a));
        }
        after_c = s == "-c";
    }
    words.join(" ")
}

fn quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_shows_scripts_by_size_and_quotes_the_rest() {
        let spec = RunSpec::new("/usr/bin/python3").args(["-X", "importtime", "-c", "import sys\nprint(1)\n", "a b"]);
        assert_eq!(command_line(&spec), "/usr/bin/python3 -X importtime -c <script, 2 lines> 'a b'");
    }

    #[test]
    fn without_a_terminal_no_bar_is_kept() {
        let r = Reporter::new(false, 0);
        r.start(3, "runs");
        r.inc(1);
        assert!(r.lock().is_none());
        r.finish();
    }
}
