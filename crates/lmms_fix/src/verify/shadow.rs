//! The shadow copy: a temporary copy of the project in which rewrites are
//! tried. Every regular file is copied (never hard-linked), so nothing written
//! into the shadow can reach the user's tree; symlinks are recreated as
//! symlinks, and a rewritten file replaces the link instead of writing
//! through it.

use std::path::{Path, PathBuf};

/// Directories that are tool state, caches or environments, not the project.
const SKIP_DIRS: &[&str] = &[
    ".git", ".hg", ".lmms", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".nox",
    "node_modules", ".aws-sam",
];

pub struct Shadow {
    dir: tempfile::TempDir,
}

impl Shadow {
    /// Copy `root` into a new temporary directory. `.gitignore`d files are
    /// left out, as are virtual environments (any directory holding a
    /// `pyvenv.cfg`) and [`SKIP_DIRS`].
    pub fn copy(root: &Path) -> std::io::Result<Shadow> {
        let dir = tempfile::Builder::new().prefix("lmms-verify-").tempdir()?;
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .parents(false)
            .git_global(false)
            .git_exclude(false)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                let name = e.file_name().to_string_lossy();
                !(is_dir && (SKIP_DIRS.contains(&name.as_ref()) || e.path().join("pyvenv.cfg").exists()))
            })
            .build();
        for entry in walker {
            let Ok(entry) = entry else { continue };
            let Ok(rel) = entry.path().strip_prefix(root) else { continue };
            if rel.as_os_str().is_empty() {
                continue;
            }
            let dest = dir.path().join(rel);
            let Some(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                std::fs::create_dir_all(&dest)?;
            } else if kind.is_symlink() {
                let target = std::fs::read_link(entry.path())?;
                std::os::unix::fs::symlink(target, &dest)?;
            } else if kind.is_file() {
                std::fs::copy(entry.path(), &dest)?;
            }
        }
        Ok(Shadow { dir })
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Where `path` of the user's tree (under `root`) is in the shadow.
    pub fn map(&self, root: &Path, path: &Path) -> PathBuf {
        match path.strip_prefix(root) {
            Ok(rel) => self.dir.path().join(rel),
            Err(_) => path.to_path_buf(),
        }
    }

    /// Put `contents` at `rel` in the shadow, replacing (never following) a
    /// symlink there.
    pub fn put(&self, rel: &Path, contents: &str) -> std::io::Result<()> {
        let dest = self.dir.path().join(rel);
        if std::fs::symlink_metadata(&dest).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&dest)?;
        }
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(dest, contents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_sources_but_not_tool_state_venvs_or_ignored_files() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("pkg")).unwrap();
        std::fs::write(r.join("pkg/a.py"), "x = 1\n").unwrap();
        std::fs::create_dir_all(r.join(".lmms")).unwrap();
        std::fs::write(r.join(".lmms/plan.json"), "{}").unwrap();
        std::fs::create_dir_all(r.join("env/lib")).unwrap();
        std::fs::write(r.join("env/pyvenv.cfg"), "").unwrap();
        std::fs::write(r.join(".gitignore"), "build/\n").unwrap();
        std::fs::create_dir_all(r.join("build")).unwrap();
        std::fs::write(r.join("build/out.py"), "").unwrap();
        let s = Shadow::copy(r).unwrap();
        assert_eq!(std::fs::read_to_string(s.root().join("pkg/a.py")).unwrap(), "x = 1\n");
        assert!(!s.root().join(".lmms").exists());
        assert!(!s.root().join("env").exists());
        assert!(!s.root().join("build").exists());
    }

    #[test]
    fn a_put_replaces_a_symlink_instead_of_writing_through_it() {
        let root = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("real.py");
        std::fs::write(&target, "original\n").unwrap();
        std::os::unix::fs::symlink(&target, root.path().join("link.py")).unwrap();
        let s = Shadow::copy(root.path()).unwrap();
        s.put(Path::new("link.py"), "rewritten\n").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "original\n");
        assert_eq!(std::fs::read_to_string(s.root().join("link.py")).unwrap(), "rewritten\n");
    }
}
