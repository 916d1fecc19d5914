//! What `lmms check` judges by, gathered before the rules run: the measured
//! import times and usage under `.lmms/`, and the environment imports
//! resolve in.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use lmms_graph::Environment;
use lmms_lint::{Costs, Usage};
use lmms_profile::doc::ProfileDoc;

/// The standard library by name plus the site-packages of the interpreter
/// the project would run with (found from its install layout, not run).
pub(super) fn installed_env(root: &Path, cfg: &lmms_config::Config) -> Environment {
    use lmms_profile::python;
    let config = cfg.python.as_ref().map(|p| root.join(p));
    match python::choose(&python::Hints::from_env(None, config, root)) {
        Ok(i) if !python::is_shim(&i.path) => {
            Environment::builtin().with_site_packages(Environment::site_packages_of(&i.path))
        }
        _ => Environment::builtin(),
    }
}

/// An explicitly named artifact must exist; the default one is optional.
pub(super) fn artifact(
    explicit: Option<&Path>,
    cwd: &Path,
    default: PathBuf,
) -> anyhow::Result<Option<(PathBuf, String)>> {
    let (path, required) = match explicit {
        Some(p) => (cwd.join(p), true),
        None => (default, false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((path, text))),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Import times (profile and heavy table) and usage, parsed and indexed.
pub(super) fn measurements(
    profile: Option<(PathBuf, String)>,
    usage: Option<(PathBuf, String)>,
    cfg: &lmms_config::Config,
) -> anyhow::Result<(Costs, Option<Usage>)> {
    let profile = match profile {
        Some((path, text)) => Some(
            ProfileDoc::from_json(&text).with_context(|| format!("{} is not a valid lmms profile", path.display()))?,
        ),
        None => None,
    };
    let usage = match usage {
        Some((path, text)) => Some(
            Usage::from_json(&text).with_context(|| format!("{} is not a valid lmms usage file", path.display()))?,
        ),
        None => None,
    };
    Ok((Costs::new(profile.as_ref(), cfg.heavy.iter().map(|(k, v)| (k.clone(), *v))), usage))
}
