//! Lambda functions read from the templates that deploy them: SAM and
//! CloudFormation (`template.yaml`, `template.yml`), the Serverless
//! Framework (`serverless.yml`) and CDK's synthesized
//! `cdk.out/*.template.json`.
//!
//! Each Python function becomes what lmms needs to start it as Lambda does:
//! its `Handler` (Lambda's `app.handler` notation) as the entry, its code
//! folder (`CodeUri`, the service folder, the CDK asset) as the source root
//! and working directory, the `python/` folder of each local layer after it
//! on `sys.path` (Lambda mounts a layer at `/opt`, and `/opt/python` is on
//! its path), and the environment the template gives it, globals merged
//! with the function's own. A value known only at deploy time (`!Ref`,
//! `!GetAtt`, `!Sub`, `${…}`) becomes a stable placeholder string, never an
//! error. Functions lmms cannot start (another runtime, inline code, a
//! container image, code in S3) are listed as ignored with the reason.
//!
//! This crate reads files and spawns nothing; YAML goes through a real YAML
//! parser that keeps CloudFormation's tags (`serde_norway`'s
//! `Value::Tagged`), JSON through `serde_json`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_norway::Value;

mod cfn;
mod serverless;
mod value;

/// The file names lmms looks for in a directory, in this order; CDK's
/// `cdk.out/*.template.json` comes after them.
pub const TEMPLATE_FILES: &[&str] = &["template.yaml", "template.yml", "serverless.yml", "serverless.yaml"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// SAM, or plain CloudFormation in a SAM-named file.
    Sam,
    Serverless,
    Cdk,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Sam => "SAM",
            Kind::Serverless => "Serverless",
            Kind::Cdk => "CDK",
        }
    }
}

/// One Python function, resolved to what starting it needs.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// The logical id (SAM, CloudFormation, CDK) or the key under
    /// `functions:` (Serverless).
    pub name: String,
    /// Other names `--function` accepts: a literal `FunctionName`, the CDK
    /// construct id (`OrdersFunction` for `OrdersFunction1A2B3C4D`).
    pub aliases: Vec<String>,
    /// The template that defines it.
    pub template: PathBuf,
    /// `Handler` as written (`app.handler`).
    pub handler: String,
    /// The module Lambda imports (`pkg/mod.handler` → `pkg.mod`).
    pub module: String,
    pub function: String,
    /// Source root and working directory, as Lambda's task root.
    pub code_dir: PathBuf,
    pub runtime: String,
    /// Globals merged with the function's own; placeholders for deploy-time values.
    pub env: BTreeMap<String, String>,
    /// `sys.path` entries after the code folder, one per local layer.
    pub layers: Vec<PathBuf>,
    /// What lmms could not reproduce (a layer that is an ARN, …).
    pub notes: Vec<String>,
}

impl Function {
    /// The entry in lmms' canonical `module:function` form.
    pub fn entry(&self) -> String {
        format!("{}:{}", self.module, self.function)
    }

    /// The function as an lmms project: rooted at its code folder, layers
    /// after it on `sys.path`, every other setting at its default.
    pub fn project(&self) -> lmms_config::Project {
        let mut src = vec![PathBuf::from(".")];
        src.extend(self.layers.iter().cloned());
        let config = lmms_config::Config {
            entry: Some(self.entry()),
            src,
            ..Default::default()
        };
        lmms_config::Project {
            root: self.code_dir.clone(),
            config_file: Some(self.template.clone()),
            config,
        }
    }

    /// The environment every process started for this function gets.
    pub fn env_pairs(&self) -> Vec<(String, String)> {
        self.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }
}

/// A function the template defines that lmms does not start.
#[derive(Debug, Clone, Serialize)]
pub struct Ignored {
    pub name: String,
    pub template: PathBuf,
    pub reason: String,
}

/// Every function found in one directory's template(s).
#[derive(Debug, Clone, Serialize)]
pub struct Catalog {
    pub kind: Kind,
    /// The directory holding the template (for CDK, the one holding `cdk.out`).
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
    pub functions: Vec<Function>,
    pub ignored: Vec<Ignored>,
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: invalid {format}: {message}")]
    Syntax {
        path: PathBuf,
        format: &'static str,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{} is a CDK app without a synthesized template: run `cdk synth` first (lmms reads cdk.out/*.template.json)", .dir.display())]
    NotSynthesized { dir: PathBuf },
    #[error("no Python function named {name:?} in {}; its Python functions:\n{listing}", .template.display())]
    UnknownFunction {
        name: String,
        template: PathBuf,
        listing: String,
    },
    #[error("{} defines {count} Python functions; pick one with --function NAME:\n{listing}", .template.display())]
    Ambiguous {
        template: PathBuf,
        count: usize,
        listing: String,
    },
}

impl Catalog {
    /// The function `name` picks, else the only one, else the one whose
    /// code folder (below the template's) holds `cwd`; `None` when there is
    /// no Python function, or several and `required` is false (a command
    /// that works on the whole template).
    pub fn select(&self, name: Option<&str>, cwd: &Path, required: bool) -> Result<Option<&Function>, TemplateError> {
        let inside: Vec<&Function> = self
            .functions
            .iter()
            .filter(|f| f.code_dir != self.dir && cwd.starts_with(&f.code_dir))
            .collect();
        match name {
            Some(n) => match self.functions.iter().find(|f| f.answers_to(n)) {
                Some(f) => Ok(Some(f)),
                None => Err(TemplateError::UnknownFunction {
                    name: n.to_string(),
                    template: self.display_file(),
                    listing: self.listing(),
                }),
            },
            None if self.functions.len() == 1 => Ok(self.functions.first()),
            None if inside.len() == 1 => Ok(inside.first().copied()),
            None if self.functions.len() > 1 && required => Err(TemplateError::Ambiguous {
                template: self.display_file(),
                count: self.functions.len(),
                listing: self.listing(),
            }),
            None => Ok(None),
        }
    }

    /// Every Python function as one project at the template's directory:
    /// no entry, each code folder and layer a source root (for linting the
    /// whole template).
    pub fn project_all(&self) -> Option<lmms_config::Project> {
        if self.functions.is_empty() {
            return None;
        }
        let mut src: Vec<PathBuf> = Vec::new();
        for f in &self.functions {
            for p in std::iter::once(&f.code_dir).chain(&f.layers) {
                if !src.contains(p) {
                    src.push(p.clone());
                }
            }
        }
        let config = lmms_config::Config {
            src,
            ..Default::default()
        };
        Some(lmms_config::Project {
            root: self.dir.clone(),
            config_file: self.files.first().cloned(),
            config,
        })
    }

    /// One line per Python function: name, handler, source root.
    pub fn listing(&self) -> String {
        let width = self.functions.iter().map(|f| f.name.len()).max().unwrap_or(0);
        let lines: Vec<String> = self
            .functions
            .iter()
            .map(|f| {
                format!(
                    "  {:width$}  {} in {}",
                    f.name,
                    f.handler,
                    self.relative(&f.code_dir).display()
                )
            })
            .collect();
        lines.join("\n")
    }

    /// `path` relative to the template's directory, `.` for the directory itself.
    pub fn relative(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.dir) {
            Ok(p) if p.as_os_str().is_empty() => PathBuf::from("."),
            Ok(p) => p.to_path_buf(),
            Err(_) => path.to_path_buf(),
        }
    }

    fn display_file(&self) -> PathBuf {
        match self.files.as_slice() {
            [one] => self.relative(one),
            _ => self.relative(&self.dir.join("cdk.out")),
        }
    }
}

/// Whether `--config FILE` names a template rather than an lmms TOML file:
/// any YAML or JSON file (`infra.yaml`, `cdk.out/Stack.template.json`).
pub fn is_template_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
}

/// The template in `dir` itself, if any.
fn template_in(dir: &Path) -> Result<Option<Catalog>, TemplateError> {
    for name in TEMPLATE_FILES {
        let path = dir.join(name);
        if path.is_file() {
            return load(&path).map(Some);
        }
    }
    let cdk_out = dir.join("cdk.out");
    let mut synthesized: Vec<PathBuf> = match std::fs::read_dir(&cdk_out) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".template.json"))
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    if synthesized.is_empty() {
        return if dir.join("cdk.json").is_file() {
            Err(TemplateError::NotSynthesized { dir: dir.into() })
        } else {
            Ok(None)
        };
    }
    synthesized.sort();
    let mut catalog = Catalog {
        kind: Kind::Cdk,
        dir: dir.to_path_buf(),
        files: Vec::new(),
        functions: Vec::new(),
        ignored: Vec::new(),
    };
    for path in &synthesized {
        let one = load(path)?;
        catalog.files.extend(one.files);
        catalog.functions.extend(one.functions);
        catalog.ignored.extend(one.ignored);
    }
    Ok(Some(catalog))
}

/// Walk up from `start` to the first directory with a template and read
/// it, stopping at `config_dir` (the directory of an lmms configuration
/// found by `lmms_config::discover`): there and above it, that
/// configuration wins, and templates are not read.
pub fn discover(start: &Path, config_dir: Option<&Path>) -> Result<Option<Catalog>, TemplateError> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if config_dir.is_some_and(|c| c == d) {
            return Ok(None);
        }
        if let Some(catalog) = template_in(d)? {
            return Ok(Some(catalog));
        }
        dir = d.parent();
    }
    Ok(None)
}

/// Read one template file.
pub fn load(path: &Path) -> Result<Catalog, TemplateError> {
    let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
        path: path.into(),
        source,
    })?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let json = name.ends_with(".json");
    let doc: Value = if json {
        serde_json::from_str(&text).map_err(|e| TemplateError::Syntax {
            path: path.into(),
            format: "JSON",
            message: e.to_string(),
        })?
    } else {
        let syntax = |e: serde_norway::Error| TemplateError::Syntax {
            path: path.into(),
            format: "YAML",
            message: e.to_string(),
        };
        let mut doc: Value = serde_norway::from_str(&text).map_err(syntax)?;
        // Serverless files share settings through anchors and `<<:` merge keys.
        doc.apply_merge().map_err(syntax)?;
        doc
    };
    let file_dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (kind, dir) = if name.starts_with("serverless.") {
        (Kind::Serverless, file_dir.to_path_buf())
    } else if json {
        // CDK writes templates into cdk.out/; the app lives one level up.
        let app = if file_dir.file_name().is_some_and(|n| n == "cdk.out") {
            file_dir.parent()
        } else {
            None
        };
        (Kind::Cdk, app.unwrap_or(file_dir).to_path_buf())
    } else {
        (Kind::Sam, file_dir.to_path_buf())
    };
    let mut catalog = Catalog {
        kind,
        dir,
        files: vec![path.to_path_buf()],
        functions: Vec::new(),
        ignored: Vec::new(),
    };
    if !doc.is_mapping() {
        return Err(TemplateError::Invalid {
            path: path.into(),
            message: "the template is not a mapping".into(),
        });
    }
    match kind {
        Kind::Serverless => serverless::read(&doc, path, file_dir, &mut catalog),
        Kind::Sam | Kind::Cdk => cfn::read(&doc, path, file_dir, &mut catalog),
    }
    Ok(catalog)
}

/// Whether Lambda's `Runtime` is a Python one (`python3.12`).
pub(crate) fn is_python(runtime: &str) -> bool {
    runtime.starts_with("python")
}

/// Module and function of a `Handler`, in Lambda's notation or lmms'.
pub(crate) fn split_handler(handler: &str) -> Option<(String, String)> {
    lmms_config::parse_entry(handler).map(|(m, f)| (m.into_owned(), f.to_string()))
}

/// The `sys.path` entry for a local layer folder: its `python/`, as Lambda
/// mounts it; the folder itself when the layer is built from it into
/// `python/` (SAM's `BuildMethod: python3.x`).
pub(crate) fn layer_path(dir: &Path, built_by_sam: bool) -> Option<PathBuf> {
    let python = dir.join("python");
    if python.is_dir() {
        Some(python)
    } else if built_by_sam && dir.is_dir() {
        Some(dir.to_path_buf())
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
