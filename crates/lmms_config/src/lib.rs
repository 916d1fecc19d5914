//! Project configuration: `[tool.lmms]` in `pyproject.toml`, or `lmms.toml`.
//!
//! Discovery walks up from a directory; the first file that *has* an lmms
//! section wins, so a monorepo's root `pyproject.toml` without one does not
//! shadow a function's own `lmms.toml`. Unknown keys are an error that names
//! them: a typo in a threshold must never silently fall back to a default.
//! This crate reads files but spawns nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod section;

pub use section::{ALLOWED_POLICIES, ALLOWED_TARGET_VERSIONS};

/// Why a configuration cannot be used. Every variant names the file, and
/// where the text is at fault, its line and column.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}: invalid TOML: {message}", at(.path, *.line, *.column))]
    Toml { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{}: unknown key{} in [{section}]: {}; known keys: {}", at(.path, *.line, *.column), if .keys.len() > 1 { "s" } else { "" }, .keys.join(", "), KNOWN_KEYS.join(", "))]
    UnknownKeys { path: PathBuf, line: usize, column: usize, section: String, keys: Vec<String> },
    #[error("{}: {message}", at(.path, *.line, *.column))]
    Invalid { path: PathBuf, line: usize, column: usize, message: String },
}

/// `path:line:column`, the form editors and terminals jump to; `0` means
/// the position is unknown and is left out.
fn at(path: &Path, line: usize, column: usize) -> String {
    match (line, column) {
        (0, _) => path.display().to_string(),
        (l, 0) => format!("{}:{l}", path.display()),
        (l, c) => format!("{}:{l}:{c}", path.display()),
    }
}

/// Every key `[tool.lmms]` accepts, in the order the docs list them.
pub const KNOWN_KEYS: &[&str] = &[
    "entry",
    "python",
    "src",
    "exclude",
    "runs",
    "timeout",
    "heavy",
    "select",
    "ignore",
    "per-file-ignores",
    "policy",
    "module-level-ms",
    "function-level-ms",
    "hot-usage",
    "cold-usage",
    "snapstart",
    "daily-requests",
    "cold-start-ratio",
    "requests-per-container",
    "cold-start-target-ms",
    "profile-max-age-days",
    "fast-path",
    "target-version",
    "test",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// The DEC-01 table with the DEC-02 >80% hot-path exception.
    #[default]
    Lmms,
    /// The DEC-02 cost model.
    Cost,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Lmms => "lmms",
            Policy::Cost => "cost",
        }
    }
}

/// The resolved settings. Defaults are the LMMS decision documents' numbers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct Config {
    /// `module:function` of the handler.
    pub entry: Option<String>,
    /// Interpreter path.
    pub python: Option<PathBuf>,
    /// Source roots, relative to the config file's directory.
    pub src: Vec<PathBuf>,
    /// Extra glob-like path fragments to skip when walking sources.
    pub exclude: Vec<String>,
    pub runs: Option<u32>,
    /// Seconds before a profiled process is killed.
    pub timeout: Option<f64>,
    /// User-declared import times in ms, used only without a profile.
    pub heavy: BTreeMap<String, f64>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    pub policy: Policy,
    pub module_level_ms: f64,
    pub function_level_ms: f64,
    pub hot_usage: f64,
    pub cold_usage: f64,
    pub snapstart: bool,
    pub daily_requests: f64,
    pub cold_start_ratio: Option<f64>,
    pub requests_per_container: Option<f64>,
    pub cold_start_target_ms: f64,
    pub profile_max_age_days: f64,
    /// Path of the fast-path module, relative to the first source root.
    pub fast_path: PathBuf,
    pub target_version: Option<String>,
    /// The project's test command, run by `lmms fix` before and after the rewrite.
    pub test: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            entry: None,
            python: None,
            src: vec![PathBuf::from(".")],
            exclude: Vec::new(),
            runs: None,
            timeout: None,
            heavy: BTreeMap::new(),
            select: Vec::new(),
            ignore: Vec::new(),
            per_file_ignores: BTreeMap::new(),
            policy: Policy::Lmms,
            module_level_ms: 10.0,
            function_level_ms: 100.0,
            hot_usage: 0.8,
            cold_usage: 0.2,
            snapstart: false,
            daily_requests: 10_000.0,
            cold_start_ratio: None,
            requests_per_container: None,
            cold_start_target_ms: 2000.0,
            profile_max_age_days: 30.0,
            fast_path: PathBuf::from("fast_path.py"),
            target_version: None,
            test: None,
        }
    }
}

/// A configuration together with where it came from.
#[derive(Debug, Clone)]
pub struct Project {
    /// Directory holding the config file (or the start directory without one).
    pub root: PathBuf,
    /// The file the settings came from, if any.
    pub config_file: Option<PathBuf>,
    pub config: Config,
}

impl Project {
    /// Source roots as absolute paths.
    pub fn src_roots(&self) -> Vec<PathBuf> {
        self.config.src.iter().map(|p| self.root.join(p)).collect()
    }

    /// Where the artifacts (`profile.json`, `usage.json`, …) live.
    pub fn artifact_dir(&self) -> PathBuf {
        self.root.join(".lmms")
    }

    pub fn fast_path_file(&self) -> PathBuf {
        let base = self.src_roots().into_iter().next().unwrap_or_else(|| self.root.clone());
        base.join(&self.config.fast_path)
    }
}

/// Walk up from `start` and load the first lmms configuration found.
/// Without any, the project is `start` with default settings.
///
/// A `pyproject.toml` is read as TOML, so `[ tool.lmms ]`, `[tool]` with
/// `lmms = {…}` and dotted keys all count; one that is not valid TOML is an
/// error (with its line and column) rather than skipped, because whether it
/// configures lmms cannot be known.
pub fn discover(start: &Path) -> Result<Project, ConfigError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let lmms = d.join("lmms.toml");
        if lmms.is_file() {
            return load_file(&lmms, false);
        }
        let py = d.join("pyproject.toml");
        if py.is_file() {
            let text = read(&py)?;
            if let Some(found) = section::find(&py, &text, true)? {
                return section::build(&py, &text, found);
            }
        }
        dir = d.parent();
    }
    Ok(Project { root: start.to_path_buf(), config_file: None, config: Config::default() })
}

/// Load a specific file (`pyproject.toml` is read from `[tool.lmms]`).
pub fn load_file(path: &Path, pyproject: bool) -> Result<Project, ConfigError> {
    let text = read(path)?;
    let pyproject = pyproject || path.file_name().is_some_and(|n| n == "pyproject.toml");
    parse(path, &text, pyproject)
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })
}

/// Parse config text. Exposed so tests need no files. A `pyproject.toml`
/// without `[tool.lmms]` gives the defaults.
pub fn parse(path: &Path, text: &str, pyproject: bool) -> Result<Project, ConfigError> {
    match section::find(path, text, pyproject)? {
        Some(found) => section::build(path, text, found),
        None => Ok(Project { root: root_of(path), config_file: Some(path.to_path_buf()), config: Config::default() }),
    }
}

fn root_of(path: &Path) -> PathBuf {
    let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
    if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root
    }
}

/// The longest timeout accepted. A start or an event that needs more than a
/// day is a hang, and `Duration` cannot hold every finite `f64` anyway.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// Why a number of seconds is not a timeout.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("must be a positive number of seconds up to 86400 (a day), got {0}")]
pub struct InvalidTimeout(pub f64);

/// A timeout from seconds as written by a user: finite, positive, at most a
/// day. `inf`, `nan`, `0` and negative values are errors, never a panic.
pub fn timeout_from_secs(secs: f64) -> Result<std::time::Duration, InvalidTimeout> {
    if secs > 0.0 && secs <= MAX_TIMEOUT_SECS {
        Ok(std::time::Duration::from_secs_f64(secs))
    } else {
        Err(InvalidTimeout(secs))
    }
}

/// Split `module:function`, or Lambda's own `Handler` notation
/// (`app.handler`, `src/app.handler`: the path before the last dot, `/`
/// read as `.`, exactly as the Lambda runtime imports it). Both halves
/// non-empty, module dotted identifiers.
pub fn parse_entry(entry: &str) -> Option<(std::borrow::Cow<'_, str>, &str)> {
    let ident = |s: &str| {
        !s.is_empty()
            && s.split('.').all(|p| {
                !p.is_empty()
                    && !p.starts_with(|c: char| c.is_ascii_digit())
                    && p.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    let (m, f) = match entry.split_once(':') {
        Some((m, f)) => (std::borrow::Cow::Borrowed(m), f),
        None => {
            let (path, f) = entry.rsplit_once('.')?;
            let path = path.strip_prefix("./").unwrap_or(path);
            (if path.contains('/') { path.replace('/', ".").into() } else { path.into() }, f)
        }
    };
    (ident(&m) && ident(f)).then_some((m, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Project, ConfigError> {
        parse(Path::new("/proj/pyproject.toml"), text, true)
    }

    #[test]
    fn pyproject_section_sets_entry_and_keeps_defaults() {
        let proj = p("[tool.lmms]\nentry = \"app:handler\"\n").unwrap();
        assert_eq!(proj.config.entry.as_deref(), Some("app:handler"));
        assert_eq!(proj.config.function_level_ms, 100.0);
        assert_eq!(proj.root, PathBuf::from("/proj"));
    }

    #[test]
    fn unknown_key_is_named_in_the_error() {
        let err = p("[tool.lmms]\nentri = \"app:handler\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown key in [tool.lmms]: entri"), "{err}");
    }

    #[test]
    fn wrong_type_is_an_error() {
        let err = p("[tool.lmms]\nruns = \"ten\"\n").unwrap_err().to_string();
        assert!(err.contains("pyproject.toml"), "{err}");
    }

    #[test]
    fn malformed_entry_is_rejected() {
        assert!(p("[tool.lmms]\nentry = \"app\"\n").is_err());
        assert_eq!(parse_entry("pkg.app:handler"), Some(("pkg.app".into(), "handler")));
        assert_eq!(parse_entry("app:"), None);
    }

    #[test]
    fn lambda_handler_notation_is_an_entry() {
        assert!(p("[tool.lmms]\nentry = \"app.handler\"\n").is_ok());
        assert_eq!(parse_entry("app.handler"), Some(("app".into(), "handler")));
        assert_eq!(parse_entry("src/app.handler"), Some(("src.app".into(), "handler")));
        assert_eq!(parse_entry("pkg/mod.handler"), Some(("pkg.mod".into(), "handler")));
        assert_eq!(parse_entry("pkg.mod.handler"), Some(("pkg.mod".into(), "handler")));
        for bad in ["handler", "app.", ".handler", "a//b.h", "/abs/app.handler", "app.1handler"] {
            assert_eq!(parse_entry(bad), None, "{bad}");
        }
    }

    #[test]
    fn heavy_table_and_kebab_keys_parse() {
        let proj = p("[tool.lmms]\nhot-usage = 0.9\n[tool.lmms.heavy]\npandas = 265\n").unwrap();
        assert_eq!(proj.config.hot_usage, 0.9);
        assert_eq!(proj.config.heavy["pandas"], 265.0);
    }

    #[test]
    fn bare_lmms_toml_is_accepted() {
        let proj = parse(Path::new("/x/lmms.toml"), "entry = \"a:b\"\n", false).unwrap();
        assert_eq!(proj.config.entry.as_deref(), Some("a:b"));
    }

    #[test]
    fn discovery_skips_pyproject_without_section() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lmms.toml"), "entry = \"a:b\"\n").unwrap();
        let sub = dir.path().join("pkg");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("pyproject.toml"), "[project]\nname = \"x\"\n").unwrap();
        let proj = discover(&sub).unwrap();
        assert_eq!(proj.root, dir.path());
    }
}

/// Write `contents` to `path` atomically: a uniquely named temp file in the
/// same directory (so the rename never crosses a filesystem), fsync'd, given
/// the target's permissions, then renamed over it. A reader — or a crash —
/// sees the old file or the new one, never half of one. A missing directory
/// is an error (a source file's folder is never invented); artifacts use
/// [`write_artifact`]. Every artifact and every rewritten source goes
/// through here.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new().prefix(".lmms-").suffix(".tmp").tempfile_in(&dir)?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    if let Some(p) = permissions {
        tmp.as_file().set_permissions(p)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomic`] for files under `.lmms/`: creates the directory first.
pub fn write_artifact(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    write_atomic(path, contents)
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn timeout_accepts_positive_finite_seconds_up_to_a_day() {
        assert_eq!(timeout_from_secs(0.5), Ok(std::time::Duration::from_millis(500)));
        assert_eq!(timeout_from_secs(MAX_TIMEOUT_SECS), Ok(std::time::Duration::from_secs(86_400)));
        for bad in [0.0, -1.0, f64::INFINITY, f64::NAN, 1e20, MAX_TIMEOUT_SECS + 1.0] {
            assert!(timeout_from_secs(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn config_timeout_inf_is_rejected_naming_the_key() {
        let err = parse(Path::new("/proj/pyproject.toml"), "[tool.lmms]\ntimeout = inf\n", true).unwrap_err().to_string();
        assert!(err.contains("`timeout`") && err.contains("inf"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/profile.json");
        write_artifact(&target, b"one").unwrap();
        write_artifact(&target, b"two").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(target.parent().unwrap()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }
}
