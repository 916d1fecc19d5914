//! Finding the interpreter to measure.
//!
//! Order: `--python`, config `python`, `$VIRTUAL_ENV`, `.venv/bin/python`,
//! then `python3` on `PATH`. A pyenv shim is a shell script that costs ~90 ms
//! per start; measuring through it would drown every import, so shims are
//! resolved to the real interpreter once.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::runner::{RunSpec, Runner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpreter {
    pub path: PathBuf,
    /// Where it came from, for the "using …" line.
    pub source: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("the interpreter {path} from {origin} does not exist or is not executable")]
    Missing { path: PathBuf, origin: &'static str },
    #[error(
        "no Python interpreter found (tried --python, config `python`, $VIRTUAL_ENV, .venv/bin/python, python3 on PATH); pass --python PATH"
    )]
    NotFound,
    #[error(
        "VIRTUAL_ENV is {venv}, but {path} does not exist or is not executable; activate the environment again, unset VIRTUAL_ENV, or pass --python PATH"
    )]
    VirtualEnv { venv: PathBuf, path: PathBuf },
    #[error("{path} could not tell its own sys.executable: {detail}")]
    Unresolvable { path: PathBuf, detail: String },
}

/// Inputs to discovery, gathered by the caller so this stays testable.
#[derive(Debug, Default, Clone)]
pub struct Hints<'a> {
    pub cli: Option<&'a Path>,
    /// Config value, already joined onto the config file's directory.
    pub config: Option<PathBuf>,
    pub virtual_env: Option<PathBuf>,
    pub project_root: Option<&'a Path>,
    pub path_var: Option<std::ffi::OsString>,
}

impl Hints<'_> {
    pub fn from_env<'a>(cli: Option<&'a Path>, config: Option<PathBuf>, project_root: &'a Path) -> Hints<'a> {
        Hints {
            cli,
            config,
            // An empty VIRTUAL_ENV is how shells and test harnesses unset it.
            virtual_env: std::env::var_os("VIRTUAL_ENV").filter(|v| !v.is_empty()).map(PathBuf::from),
            project_root: Some(project_root),
            path_var: std::env::var_os("PATH"),
        }
    }
}

#[cfg(unix)]
fn executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn executable(p: &Path) -> bool {
    p.is_file()
}

/// Where a virtual environment keeps its interpreter.
fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts/python.exe")
    } else {
        venv.join("bin/python")
    }
}

fn which(name: &str, path_var: Option<&OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?).map(|d| d.join(name)).find(|p| executable(p))
}

/// Pick the interpreter without running anything.
pub fn choose(h: &Hints<'_>) -> Result<Interpreter, DiscoveryError> {
    let explicit = [(h.cli.map(Path::to_path_buf), "--python"), (h.config.clone(), "config `python`")];
    for (cand, source) in explicit {
        if let Some(p) = cand {
            // A bare name like `python3.12` is looked up on PATH.
            let p = if p.components().count() == 1 && !p.exists() {
                which(&p.to_string_lossy(), h.path_var.as_deref()).unwrap_or(p)
            } else {
                p
            };
            return if executable(&p) {
                // Absolute, because the child runs in the project root; but not
                // canonical: resolving a venv's `python` symlink would lose the venv.
                let p = std::path::absolute(&p).unwrap_or(p);
                Ok(Interpreter { path: p, source })
            } else {
                Err(DiscoveryError::Missing { path: p, origin: source })
            };
        }
    }
    // An activated environment is a statement of intent: measuring another
    // interpreter instead would profile different packages without a word.
    if let Some(venv) = &h.virtual_env {
        let p = venv_python(venv);
        return if executable(&p) {
            Ok(Interpreter { path: p, source: "$VIRTUAL_ENV" })
        } else {
            Err(DiscoveryError::VirtualEnv { venv: venv.clone(), path: p })
        };
    }
    if let Some(root) = h.project_root {
        let p = venv_python(&root.join(".venv"));
        if executable(&p) {
            return Ok(Interpreter { path: p, source: ".venv" });
        }
    }
    which("python3", h.path_var.as_deref())
        .map(|path| Interpreter { path, source: "PATH" })
        .ok_or(DiscoveryError::NotFound)
}

/// A launcher script (pyenv shim, asdf, …) rather than a real binary.
pub fn is_shim(p: &Path) -> bool {
    if p.components().any(|c| c.as_os_str() == "shims") {
        return true;
    }
    let Ok(real) = std::fs::canonicalize(p) else { return false };
    let mut head = [0u8; 2];
    use std::io::Read;
    std::fs::File::open(real).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == b"#!"
}

/// Replace a shim by the interpreter it launches (one process run).
pub fn resolve(interp: Interpreter, runner: &dyn Runner) -> Result<Interpreter, DiscoveryError> {
    if !is_shim(&interp.path) {
        return Ok(interp);
    }
    let spec = RunSpec::new(&interp.path)
        .args(["-c", "import sys; print(sys.executable)"])
        .timeout(Duration::from_secs(30));
    let out = runner
        .run(&spec)
        .map_err(|e| DiscoveryError::Unresolvable { path: interp.path.clone(), detail: e.to_string() })?;
    let real = PathBuf::from(out.stdout_text().trim());
    if !out.success() || !executable(&real) {
        return Err(DiscoveryError::Unresolvable { path: interp.path, detail: out.stderr_text() });
    }
    Ok(Interpreter { path: real, source: interp.source })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(dir: &Path, rel: &str) -> PathBuf {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn cli_beats_config_and_venvs() {
        let d = tempfile::tempdir().unwrap();
        let cli = exe(d.path(), "cli/python");
        let cfg = exe(d.path(), "cfg/python");
        let h = Hints { cli: Some(&cli), config: Some(cfg), ..Default::default() };
        assert_eq!(choose(&h).unwrap(), Interpreter { path: cli, source: "--python" });
    }

    #[test]
    fn missing_explicit_interpreter_is_an_error_not_a_fallback() {
        let d = tempfile::tempdir().unwrap();
        let h = Hints { config: Some(d.path().join("nope/python")), ..Default::default() };
        assert!(matches!(choose(&h), Err(DiscoveryError::Missing { .. })));
    }

    #[test]
    fn virtual_env_then_dot_venv_then_path() {
        let d = tempfile::tempdir().unwrap();
        let venv = d.path().join("venv");
        exe(d.path(), "venv/bin/python");
        exe(d.path(), "proj/.venv/bin/python");
        exe(d.path(), "bin/python3");
        let root = d.path().join("proj");
        let path_var = Some(d.path().join("bin").into_os_string());
        let h = Hints { virtual_env: Some(venv), project_root: Some(&root), path_var: path_var.clone(), ..Default::default() };
        assert_eq!(choose(&h).unwrap().source, "$VIRTUAL_ENV");
        let h = Hints { project_root: Some(&root), path_var: path_var.clone(), ..Default::default() };
        assert_eq!(choose(&h).unwrap().source, ".venv");
        let h = Hints { path_var, ..Default::default() };
        assert_eq!(choose(&h).unwrap().source, "PATH");
        assert!(matches!(choose(&Hints::default()), Err(DiscoveryError::NotFound)));
    }

    #[test]
    fn venv_symlinks_are_kept_not_resolved_to_the_base_interpreter() {
        let d = tempfile::tempdir().unwrap();
        let real = exe(d.path(), "base/python3.11");
        std::fs::create_dir_all(d.path().join("venv/bin")).unwrap();
        let link = d.path().join("venv/bin/python");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let h = Hints { cli: Some(&link), ..Default::default() };
        // The venv path, not the base interpreter it points to: sys.prefix
        // (and so site-packages) comes from the path python was started as.
        assert_eq!(choose(&h).unwrap().path, link);
    }

    #[test]
    fn a_virtual_env_without_an_interpreter_is_an_error_naming_it() {
        let d = tempfile::tempdir().unwrap();
        exe(d.path(), "bin/python3");
        let h = Hints {
            virtual_env: Some(PathBuf::from("/nonexistent")),
            path_var: Some(d.path().join("bin").into_os_string()),
            ..Default::default()
        };
        let err = choose(&h).unwrap_err();
        assert!(matches!(err, DiscoveryError::VirtualEnv { .. }));
        let msg = err.to_string();
        assert!(msg.starts_with("VIRTUAL_ENV is /nonexistent, but /nonexistent/bin/python does not exist"), "{msg}");
    }

    #[test]
    fn shims_directory_marks_a_shim() {
        assert!(is_shim(Path::new("~/.pyenv/shims/python3")));
    }
}
