//! The baseline of `--against REV`: a `git worktree` of that revision in a
//! temporary directory, removed again on drop — or, when the process is
//! interrupted, by [`Registry::remove_all`] from the binary's signal handler, so a
//! Ctrl-C never leaves a worktree registered in the user's repository.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use lmms_profile::runner::{RunSpec, Runner};

use crate::BenchError;

/// Every worktree this process has started to add and not yet removed:
/// (repository toplevel, worktree directory). Locked across `git worktree
/// add` and removal, so an interrupt waits for either to finish and then
/// sees every directory that may exist.
static LIVE: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<(PathBuf, PathBuf)>> {
    // A panic elsewhere must not stop the cleanup.
    LIVE.lock().unwrap_or_else(|p| p.into_inner())
}

/// A `git worktree` of the baseline revision, removed on drop.
pub struct Worktree<'r> {
    runner: &'r dyn Runner,
    toplevel: PathBuf,
    dir: PathBuf,
    project: PathBuf,
}

fn git(runner: &dyn Runner, dir: &Path, args: &[&str]) -> Result<String, BenchError> {
    let spec = RunSpec::new("git").arg("-C").arg(dir).args(args.iter().copied()).timeout(Duration::from_secs(120));
    let out = runner.run(&spec).map_err(|source| BenchError::GitMissing { source })?;
    if !out.success() {
        return Err(BenchError::Git { args: args.join(" "), stderr: out.stderr_text().trim().to_string() });
    }
    Ok(out.stdout_text().trim().to_string())
}

impl<'r> Worktree<'r> {
    /// Check out `rev` of the repository holding `project_root`.
    pub fn add(runner: &'r dyn Runner, project_root: &Path, rev: &str) -> Result<Worktree<'r>, BenchError> {
        let toplevel = git(runner, project_root, &["rev-parse", "--show-toplevel"])
            .map_err(|e| BenchError::NotARepository { source: Box::new(e) })?;
        let toplevel = PathBuf::from(toplevel);
        let root = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
        let rel = root.strip_prefix(&toplevel).unwrap_or(Path::new("")).to_path_buf();
        let dir = std::env::temp_dir().join(format!("lmms-bench-{}-{}", std::process::id(), sanitize(rev)));
        let dir_s = dir.to_string_lossy().into_owned();
        let mut live = live();
        // Registered before git runs: an interrupt during the checkout must
        // find the half-made directory too.
        live.push((toplevel.clone(), dir.clone()));
        if let Err(e) = git(runner, &toplevel, &["worktree", "add", "--detach", "--quiet", &dir_s, rev]) {
            live.pop();
            remove(runner, &toplevel, &dir);
            return Err(BenchError::Checkout { rev: rev.to_string(), source: Box::new(e) });
        }
        drop(live);
        let project = dir.join(rel);
        Ok(Worktree { runner, toplevel, dir, project })
    }

    /// The project root inside the worktree.
    pub fn project(&self) -> &Path {
        &self.project
    }
}

impl Drop for Worktree<'_> {
    fn drop(&mut self) {
        let mut live = live();
        if let Some(i) = live.iter().position(|(_, d)| *d == self.dir) {
            live.remove(i);
            remove(self.runner, &self.toplevel, &self.dir);
        }
    }
}

/// Best effort, in the order that leaves nothing behind: git forgets the
/// worktree, the directory goes, and `prune` drops a registration whose
/// directory a killed checkout left half-made.
fn remove(runner: &dyn Runner, toplevel: &Path, dir: &Path) {
    let dir_s = dir.to_string_lossy().into_owned();
    let _ = git(runner, toplevel, &["worktree", "remove", "--force", &dir_s]);
    if dir.exists() {
        let _ = std::fs::remove_dir_all(dir);
    }
    let _ = git(runner, toplevel, &["worktree", "prune"]);
}

/// The registry of live worktrees, locked: no worktree is added or removed
/// elsewhere while this lives. A signal handler takes it first, then stops
/// the running interpreter and removes the worktrees, and keeps it until the
/// process exits, so the interrupted main thread cannot race the cleanup.
pub struct Registry {
    live: MutexGuard<'static, Vec<(PathBuf, PathBuf)>>,
}

/// Wait for any `git worktree add` or removal in progress, then hold the registry.
pub fn lock() -> Registry {
    Registry { live: live() }
}

impl Registry {
    /// Remove every worktree this process added and still holds; how many.
    pub fn remove_all(&mut self, runner: &dyn Runner) -> usize {
        let entries = std::mem::take(&mut *self.live);
        for (toplevel, dir) in &entries {
            remove(runner, toplevel, dir);
        }
        entries.len()
    }
}

fn sanitize(rev: &str) -> String {
    rev.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_profile::runner::{RunOutput, ScriptedRunner};

    fn ok(stdout: &str) -> RunOutput {
        RunOutput { status: Some(0), stdout: stdout.as_bytes().to_vec(), ..Default::default() }
    }

    #[test]
    fn a_failed_checkout_names_the_revision_and_unregisters_its_directory() {
        let top = tempfile::tempdir().unwrap();
        let bad = RunOutput { status: Some(128), stderr: b"fatal: invalid reference: nope".to_vec(), ..Default::default() };
        let r = ScriptedRunner::new([ok(&top.path().to_string_lossy()), bad, ok(""), ok("")]);
        let err = Worktree::add(&r, top.path(), "nope").err().unwrap();
        let text = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(text.contains("cannot check out nope") && text.contains("invalid reference"), "{text}");
        assert!(!live().iter().any(|(t, _)| t == top.path()));
        let seen: Vec<String> = r.seen.borrow().iter().map(|s| s.args[2].to_string_lossy().into_owned()).collect();
        assert_eq!(seen, ["rev-parse", "worktree", "worktree", "worktree"], "add, then remove and prune");
    }

    #[test]
    fn revisions_become_safe_directory_names() {
        assert_eq!(sanitize("origin/main~2"), "origin_main_2");
    }
}
