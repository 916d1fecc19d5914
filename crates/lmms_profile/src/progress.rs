//! How a long step reports how far it got, without printing.
//!
//! Libraries never print (see `ARCHITECTURE.md`); a run loop (profile runs,
//! event replay, `plan --simulate`, bench, fix verification) is handed a
//! [`Progress`] and tells it when a step starts, each unit done, and when
//! it ends. The binary draws that as a bar on a terminal; tests pass
//! [`NoProgress`] or a [`Recorder`] to check what was reported.

use std::sync::Mutex;

/// One long step at a time: `start`, any number of `inc`, `finish`.
///
/// `Sync` because the event replay reports from the thread that reads the
/// interpreter's output.
pub trait Progress: Sync {
    /// A step of `len` units begins; `len == 0` means the length is not known
    /// in advance (the halving of fix verification).
    fn start(&self, len: u64, label: &str);
    /// `n` more units are done.
    fn inc(&self, n: u64);
    /// The step is over (also after an error: the bar must not stay).
    fn finish(&self);
}

/// Reports nowhere: for library callers that show nothing, and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _len: u64, _label: &str) {}
    fn inc(&self, _n: u64) {}
    fn finish(&self) {}
}

/// One call a [`Recorder`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    Start { len: u64, label: String },
    Inc(u64),
    Finish,
}

/// Keeps every call, so a test can assert what a run loop reported.
#[derive(Debug, Default)]
pub struct Recorder {
    calls: Mutex<Vec<Call>>,
}

/// A step as a [`Recorder`] saw it, calls folded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub label: String,
    pub len: u64,
    /// The sum of its `inc`s.
    pub done: u64,
    pub finished: bool,
}

impl Recorder {
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The calls folded into steps, in order; an `inc` outside a step is
    /// counted in a step labelled `"<none>"` so a test sees it.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        let mut open = false;
        for c in self.calls() {
            match c {
                Call::Start { len, label } => {
                    steps.push(Step { label, len, done: 0, finished: false });
                    open = true;
                }
                Call::Inc(n) => {
                    if !open {
                        steps.push(Step { label: "<none>".into(), len: 0, done: 0, finished: false });
                        open = true;
                    }
                    steps.last_mut().expect("pushed above").done += n;
                }
                Call::Finish => {
                    if let Some(s) = steps.last_mut().filter(|_| open) {
                        s.finished = true;
                    }
                    open = false;
                }
            }
        }
        steps
    }

    fn push(&self, c: Call) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(c);
    }
}

impl Progress for Recorder {
    fn start(&self, len: u64, label: &str) {
        self.push(Call::Start { len, label: label.to_string() });
    }
    fn inc(&self, n: u64) {
        self.push(Call::Inc(n));
    }
    fn finish(&self) {
        self.push(Call::Finish);
    }
}

/// [`Progress::start`]s a step and [`Progress::finish`]es it when dropped,
/// so an early `?` return ends the step too.
pub struct Started<'a>(&'a dyn Progress);

impl<'a> Started<'a> {
    pub fn new(progress: &'a dyn Progress, len: u64, label: &str) -> Started<'a> {
        progress.start(len, label);
        Started(progress)
    }

    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Started<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorder_folds_calls_into_steps() {
        let r = Recorder::default();
        r.start(3, "runs");
        r.inc(1);
        r.inc(2);
        r.finish();
        let failed = || -> Result<(), ()> {
            let step = Started::new(&r, 0, "halving");
            step.inc(1);
            Err(())
        };
        assert!(failed().is_err());
        r.inc(1);
        assert_eq!(
            r.steps(),
            vec![
                Step { label: "runs".into(), len: 3, done: 3, finished: true },
                Step { label: "halving".into(), len: 0, done: 1, finished: true },
                Step { label: "<none>".into(), len: 0, done: 1, finished: false },
            ]
        );
    }
}
