//! The thin loader: what a plan is built from, read from `.lmms/` and the
//! project's sources. Everything after this is pure.

use std::path::{Path, PathBuf};

use lmms_config::Config;
use lmms_profile::doc::{Origin, ProfileDoc};

use crate::plan::{plan, PlanDoc, PlanRequest, SourceFile, PLAN_SCHEMA};
use crate::usage::{UsageDoc, UsageError};

/// Everything the plan is built from.
pub struct Inputs {
    pub profile: ProfileDoc,
    pub usage: Option<UsageDoc>,
    pub files: Vec<SourceFile>,
    /// The last plan made, `.lmms/plan.json` (whatever profile it came
    /// from): its tiers hold within the noise (hysteresis).
    pub previous: Option<PlanDoc>,
    /// Files that could not be read or parsed cleanly (reported, never fatal).
    pub warnings: Vec<String>,
    /// Plan what `lmms fix --unsafe-fixes` writes (`lmms plan --unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Import-time edges of the profiled libraries ([`library_imports`]).
    pub libraries: Option<lmms_graph::InstalledGraph>,
}

impl Inputs {
    /// The request that plans these inputs, refined by `hot` (profiles of
    /// the eager set alone, from `--simulate`).
    pub fn request<'a>(&'a self, config: &'a Config, hot: &'a [ProfileDoc]) -> PlanRequest<'a> {
        PlanRequest {
            profile: &self.profile,
            usage: self.usage.as_ref(),
            files: &self.files,
            config,
            hot,
            previous: self.previous.as_ref(),
            unsafe_fixes: self.unsafe_fixes,
            libraries: self.libraries.as_ref(),
        }
    }
}

/// `.lmms/plan.json` if it is a readable plan; a broken one is simply not
/// a previous decision.
fn saved_plan(artifact_dir: &Path) -> Option<PlanDoc> {
    std::fs::read_to_string(artifact_dir.join("plan.json"))
        .ok()
        .and_then(|t| PlanDoc::from_json(&t).ok())
        .filter(|p| p.schema == PLAN_SCHEMA)
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("no profile at {}: run `lmms profile` first (DEC-03: measure before deciding)", path.display())]
    NoProfile { path: PathBuf },
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid profile", path.display())]
    Profile {
        path: PathBuf,
        #[source]
        source: lmms_profile::doc::ProfileReadError,
    },
    #[error("{} is not a valid usage document", path.display())]
    Usage {
        path: PathBuf,
        #[source]
        source: UsageError,
    },
}

/// Where the project is: `root` for displayed paths, `src_roots` to find
/// each profiled project module's file, `artifact_dir` for `.lmms/`.
pub struct Project<'a> {
    pub root: &'a Path,
    pub src_roots: &'a [PathBuf],
    pub artifact_dir: &'a Path,
}

fn read_optional(path: &Path) -> Result<Option<String>, InputError> {
    match std::fs::read_to_string(path) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(InputError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Read the profile (required), usage (optional) and every project module
/// the profile saw loaded during INIT — the only files whose imports cost
/// anything at cold start.
pub fn load(project: &Project<'_>) -> Result<Inputs, InputError> {
    let profile_path = project.artifact_dir.join("profile.json");
    let Some(text) = read_optional(&profile_path)? else {
        return Err(InputError::NoProfile { path: profile_path });
    };
    let profile = ProfileDoc::from_json(&text).map_err(|source| InputError::Profile {
        path: profile_path.clone(),
        source,
    })?;
    let usage_path = project.artifact_dir.join("usage.json");
    let usage = match read_optional(&usage_path)? {
        Some(t) => Some(UsageDoc::from_json(&t).map_err(|source| InputError::Usage {
            path: usage_path,
            source,
        })?),
        None => None,
    };
    let root = std::fs::canonicalize(project.root).unwrap_or_else(|_| project.root.to_path_buf());
    let roots: Vec<PathBuf> = project
        .src_roots
        .iter()
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
        .collect();
    let (files, warnings) = project_files(&profile, &root, &roots);
    let previous = saved_plan(project.artifact_dir);
    let libraries = Some(library_imports(&profile));
    Ok(Inputs {
        profile,
        usage,
        files,
        previous,
        warnings,
        unsafe_fixes: false,
        libraries,
    })
}

/// What each profiled library imports at import time, read from the file
/// the profile recorded for it (the interpreter's stdlib and site-packages;
/// a file that is gone or not Python source has no edges). The profile tree
/// shows a shared dependency under its first importer only; these edges say
/// which libraries that stay eager import it too.
pub fn library_imports(profile: &ProfileDoc) -> lmms_graph::InstalledGraph {
    let files: Vec<(String, PathBuf)> = profile
        .modules
        .iter()
        .filter(|m| m.origin != Origin::Project)
        .filter_map(|m| Some((m.name.clone(), PathBuf::from(m.file.as_deref()?))))
        .collect();
    let profiled: std::collections::HashSet<&str> = profile.modules.iter().map(|m| m.name.as_str()).collect();
    lmms_graph::InstalledGraph::from_files(files, &|m: &str| profiled.contains(m))
}

fn project_files(profile: &ProfileDoc, root: &Path, roots: &[PathBuf]) -> (Vec<SourceFile>, Vec<String>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for m in profile.modules.iter().filter(|m| m.origin == Origin::Project) {
        // The module as it is in this checkout; the profile's absolute path
        // only when the module cannot be found (a profile copied from
        // elsewhere must not make us read another tree's sources).
        let local = lmms_graph::locate_source(roots, &m.name);
        let Some(path) = local.or_else(|| m.file.as_deref().map(PathBuf::from)) else {
            continue;
        };
        match lmms_python::read_and_parse(&path) {
            Ok((source, parsed)) => {
                let display = rel(root, &path);
                for e in &parsed.syntax_errors {
                    warnings.push(format!(
                        "{display}:{}:{}: syntax error: {}",
                        e.line, e.column, e.message
                    ));
                }
                files.push(SourceFile {
                    path: display,
                    module: m.name.clone(),
                    is_package: path.file_name().is_some_and(|n| n == "__init__.py"),
                    source,
                    parsed,
                });
            }
            Err(e) => warnings.push(format!("skipped: {e}")),
        }
    }
    (files, warnings)
}

/// `p` relative to `root`, `/`-separated, as shown to users.
pub fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

/// The plan later commands act on: `.lmms/plan.json` when it was made from
/// the current profile, policy and usage (it may carry `--simulate`'s
/// measured costs), else a fresh plan. The flag says which.
pub fn current_plan(artifact_dir: &Path, inputs: &Inputs, config: &Config) -> (PlanDoc, bool) {
    let usage = if inputs.usage.is_some() { "measured" } else { "unknown" };
    let saved = saved_plan(artifact_dir).filter(|p| {
        p.profiled_at == inputs.profile.profiled_at && p.policy == config.policy.as_str() && p.usage == usage
    });
    match saved {
        Some(p) => (p, true),
        None => (plan(&inputs.request(config, &[])), false),
    }
}
