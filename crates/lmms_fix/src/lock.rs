//! What `lmms fix` may write, and the guard around writing: the files
//! inside the PATHS (all inside the project root, symlinks resolved), one
//! run per project at a time (`.lmms/fix.lock`), and no temporary files
//! left over from a run that was killed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The lock file under the artifact dir.
pub const LOCK_FILE: &str = "fix.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another `lmms fix` (pid {pid}) is running on this project: {} exists (delete it if that process is gone)", path.display())]
    Held { path: PathBuf, pid: String },
    #[error("cannot create the lock {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

/// Held while a `fix` run writes; removed on drop.
#[derive(Debug)]
pub struct FixLock {
    path: PathBuf,
    /// When the lock was taken: temporary files older than this belong to
    /// an earlier run.
    pub started: SystemTime,
}

impl FixLock {
    /// Take `<artifact_dir>/fix.lock`, created with `O_EXCL` and holding
    /// this process's pid. A lock whose pid is no longer alive (the run was
    /// killed) is taken over.
    pub fn acquire(artifact_dir: &Path) -> Result<FixLock, LockError> {
        let path = artifact_dir.join(LOCK_FILE);
        let io = |source| LockError::Io { path: path.clone(), source };
        std::fs::create_dir_all(artifact_dir).map_err(io)?;
        // Two attempts: the second after removing a stale lock.
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    let started = SystemTime::now();
                    writeln!(f, "{}", std::process::id()).and_then(|()| f.sync_all()).map_err(io)?;
                    return Ok(FixLock { path, started });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.trim().to_string();
                    if pid_alive(&pid) {
                        return Err(LockError::Held { path, pid });
                    }
                    // Removing a lock someone else removed first is fine.
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(io(e)),
            }
        }
        let pid = std::fs::read_to_string(&path).unwrap_or_default().trim().to_string();
        Err(LockError::Held { path, pid })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for FixLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `false` only when `pid` names no living process; an empty or garbled
/// lock (a run killed between create and write) counts as dead.
fn pid_alive(pid: &str) -> bool {
    let Ok(pid) = pid.parse::<i32>() else { return false };
    if pid <= 0 {
        return false;
    }
    if pid as u32 == std::process::id() {
        return true;
    }
    // Signal 0 checks existence; EPERM means it exists under another user.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The name [`lmms_config::write_atomic`] gives its temporary files:
/// `.lmms-` + random alphanumerics + `.tmp`.
pub fn is_temp_name(name: &str) -> bool {
    name.strip_prefix(".lmms-")
        .and_then(|r| r.strip_suffix(".tmp"))
        .is_some_and(|mid| !mid.is_empty() && mid.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Remove temporary files a killed run left in `dirs`: only names matching
/// [`is_temp_name`], only regular files, only those last modified before
/// `before`. Returns the files removed.
pub fn clean_stale_temps<'a>(dirs: impl IntoIterator<Item = &'a Path>, before: SystemTime) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for dir in dirs {
        if !seen.insert(dir.to_path_buf()) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for e in entries.flatten() {
            if !e.file_name().to_str().is_some_and(is_temp_name) {
                continue;
            }
            let Ok(meta) = e.path().symlink_metadata() else { continue };
            let old = meta.modified().is_ok_and(|m| m < before);
            if meta.is_file() && old && std::fs::remove_file(e.path()).is_ok() {
                removed.push(e.path());
            }
        }
    }
    removed
}

#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    #[error("{} is outside the project root {}: `lmms fix` only writes inside the project", path.display(), root.display())]
    Outside { path: PathBuf, root: PathBuf },
}

/// Check that every PATH exists and lies inside `root` (after resolving
/// symlinks).
pub fn check_paths(paths: &[PathBuf], root: &Path) -> Result<(), ScopeError> {
    let root_c = canonical(root);
    for p in paths {
        let c = std::fs::canonicalize(p).map_err(|_| ScopeError::Missing(p.clone()))?;
        if !c.starts_with(&root_c) {
            return Err(ScopeError::Outside { path: p.clone(), root: root.to_path_buf() });
        }
    }
    Ok(())
}

/// Why a file found under the PATHS is not written: its real location (a
/// symlink's target) is outside `root`.
pub fn outside_root(file: &Path, root: &Path) -> Option<String> {
    let target = std::fs::canonicalize(file).ok()?;
    if target.starts_with(canonical(root)) {
        return None;
    }
    Some(format!("{}: symlink to {} outside the project root; not rewritten", file.display(), target.display()))
}

/// `file` is one of the PATHS or under one of them (symlinks resolved on
/// both sides, so a file reached through a symlinked folder counts where
/// it really is as well as where it was found).
pub fn within(file: &Path, paths: &[PathBuf]) -> bool {
    let real = canonical(file);
    paths.iter().any(|p| file.starts_with(p) || real.starts_with(canonical(p)))
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_names_the_holder_and_a_dead_holder_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = FixLock::acquire(dir.path()).unwrap();
        let err = FixLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(err.contains(&std::process::id().to_string()) && err.contains("fix.lock"), "{err}");
        drop(first);
        assert!(!dir.path().join(LOCK_FILE).exists());
        // A pid that cannot be alive (beyond pid_max).
        std::fs::write(dir.path().join(LOCK_FILE), "2147483646\n").unwrap();
        let taken = FixLock::acquire(dir.path()).unwrap();
        let pid = std::fs::read_to_string(taken.path()).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
    }

    #[test]
    fn temp_pattern_matches_only_the_writers_names() {
        assert!(is_temp_name(".lmms-Ab3x9Z.tmp"));
        for other in [".lmms-.tmp", "lmms-abc.tmp", ".lmms-abc.tmp.py", ".lmms-a.b.tmp", ".lmms-abc.TMP", "x.tmp"] {
            assert!(!is_temp_name(other), "{other}");
        }
    }

    #[test]
    fn stale_temps_are_removed_but_newer_ones_and_other_files_stay() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".lmms-old123.tmp");
        let keep = [dir.path().join(".lmms-old123.tmp.bak"), dir.path().join("app.py")];
        std::fs::write(&stale, "x").unwrap();
        for k in &keep {
            std::fs::write(k, "x").unwrap();
        }
        let cutoff = SystemTime::now() + std::time::Duration::from_secs(1);
        let fresh = dir.path().join(".lmms-new456.tmp");
        std::fs::write(&fresh, "x").unwrap();
        let f = std::fs::File::options().write(true).open(&fresh).unwrap();
        f.set_modified(cutoff + std::time::Duration::from_secs(5)).unwrap();
        let removed = clean_stale_temps([dir.path()], cutoff);
        assert_eq!(removed, vec![stale.clone()]);
        assert!(!stale.exists() && fresh.exists() && keep.iter().all(|k| k.exists()));
    }

    #[test]
    fn paths_outside_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("proj");
        std::fs::create_dir_all(root.join("app")).unwrap();
        assert!(check_paths(&[root.join("app")], &root).is_ok());
        let err = check_paths(&[dir.path().to_path_buf()], &root).unwrap_err().to_string();
        assert!(err.contains("outside the project root"), "{err}");
        let err = check_paths(&[root.join("nope")], &root).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
