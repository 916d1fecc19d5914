//! The thin loader behind `lmms fast-path generate|check` and the LMM1xx
//! rules of `lmms check`: find the file, the plan inputs and the entry
//! module, then hand them to the pure [`generate`](crate::generate) and
//! [`check`](crate::check). Writing the result is the caller's.

use std::path::{Path, PathBuf};

use lmms_config::Project;
use lmms_plan::inputs::{self, InputError, Inputs};
use lmms_python::SourceError;

use crate::check::{check, CheckInput, EntryFile, Finding};
use crate::generate::{generate, GenerateInput, Generated};

#[derive(Debug, thiserror::Error)]
pub enum FastPathError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Inputs(#[from] InputError),
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// `p` relative to the project root, as shown to users.
pub fn display(project: &Project, p: &Path) -> String {
    let root = std::fs::canonicalize(&project.root).unwrap_or_else(|_| project.root.clone());
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    p.strip_prefix(&root).unwrap_or(&p).to_string_lossy().into_owned()
}

/// Dotted name of the fast-path module under its source root.
pub fn module_of(project: &Project, file: &Path) -> String {
    lmms_python::module_name(file, &project.src_roots())
        .or_else(|| file.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "fast_path".into())
}

fn load_inputs(project: &Project) -> Result<Inputs, InputError> {
    let src_roots = project.src_roots();
    let artifact_dir = project.artifact_dir();
    inputs::load(&inputs::Project {
        root: &project.root,
        src_roots: &src_roots,
        artifact_dir: &artifact_dir,
    })
}

/// An error and its causes on one line (`a: b: c`).
fn one_line(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// What `generate_file` produced, with what the user should be told.
pub struct GenerateOutcome {
    pub generated: Generated,
    /// The file it is meant for.
    pub file: PathBuf,
    /// Its dotted module name.
    pub module: String,
    /// The plan came from `.lmms/plan.json` (else it was planned afresh).
    pub saved_plan: bool,
    pub has_usage: bool,
    /// Project files that could not be read or parsed cleanly.
    pub warnings: Vec<String>,
}

/// Generate the configured `fast_path.py` from the current plan, keeping
/// the existing file's own lines. Nothing is written.
pub fn generate_file(project: &Project) -> Result<GenerateOutcome, FastPathError> {
    let inputs = load_inputs(project)?;
    let (plan, saved_plan) = inputs::current_plan(&project.artifact_dir(), &inputs, &project.config);
    let file = project.fast_path_file();
    let existing = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(FastPathError::Read { path: file, source }),
    };
    let module = module_of(project, &file);
    let generated = generate(&GenerateInput {
        plan: &plan,
        config: &project.config,
        fast_path_module: &module,
        existing: existing.as_deref(),
    });
    Ok(GenerateOutcome {
        generated,
        file,
        module,
        saved_plan,
        has_usage: inputs.usage.is_some(),
        warnings: inputs.warnings,
    })
}

/// The entry module's file under the source roots (`a.b` → `a/b.py` or
/// `a/b/__init__.py`).
fn entry_file(project: &Project, module: &str) -> Option<(PathBuf, bool)> {
    let rel: PathBuf = module.split('.').collect();
    project.src_roots().into_iter().find_map(|root| {
        let f = root.join(&rel).with_extension("py");
        if f.is_file() {
            return Some((f, false));
        }
        let p = root.join(&rel).join("__init__.py");
        p.is_file().then_some((p, true))
    })
}

/// Run the fast-path rules (LMM101–108) on `file`. `Ok(None)` when the file
/// does not exist. Measurements are optional: without a readable profile
/// only the static limits apply, and a note in `notes` says why.
/// `today_days` is today in days since 1970-01-01 (the caller reads the
/// clock).
pub fn check_file(
    project: &Project,
    file: &Path,
    today_days: i64,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<Finding>>, FastPathError> {
    let shown = display(project, file);
    let (source, parsed) = match lmms_python::read_and_parse(file) {
        Ok(x) => x,
        Err(SourceError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let module = module_of(project, file);
    let inputs = match load_inputs(project) {
        Ok(i) => Some(i),
        Err(e) => {
            notes.push(format!(
                "{}; measured limits (total time, drift, tiers) are not checked",
                one_line(&e)
            ));
            None
        }
    };
    let plan = inputs
        .as_ref()
        .map(|i| inputs::current_plan(&project.artifact_dir(), i, &project.config).0);
    let entry_name = inputs
        .as_ref()
        .map(|i| i.profile.entry_module().to_string())
        .or_else(|| {
            project
                .config
                .entry
                .as_deref()
                .and_then(lmms_config::parse_entry)
                .map(|(m, _)| m.to_string())
        });
    let entry = entry_name.as_deref().and_then(|m| {
        let (path, is_package) = entry_file(project, m)?;
        let (_, parsed) = lmms_python::read_and_parse(&path).ok()?;
        Some((display(project, &path), m.to_string(), is_package, parsed))
    });
    Ok(Some(check(&CheckInput {
        path: &shown,
        source: &source,
        parsed: &parsed,
        fast_path_module: &module,
        profile: inputs.as_ref().map(|i| &i.profile),
        plan: plan.as_ref(),
        usage: inputs.as_ref().and_then(|i| i.usage.as_ref()),
        config: &project.config,
        today_days,
        entry: entry.as_ref().map(|(path, module, is_package, parsed)| EntryFile {
            path,
            module,
            is_package: *is_package,
            parsed,
        }),
    })))
}
