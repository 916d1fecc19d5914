//! The project's static import graph.
//!
//! [`ImportGraph::load`] walks the source paths (honouring ignore files),
//! parses every file in parallel through `lmms_python`, and indexes modules by
//! the dotted name the interpreter would give them under the source roots.
//! Imports resolve the way CPython's path finder does: source roots first
//! (packages, namespace packages, relative imports, `.py`/`.pyi`), then the
//! standard library by name, then the interpreter's site-packages. Bad files
//! (unreadable, not UTF-8, too large) stay in the graph as errors so callers
//! can report them; nothing here panics on user input or spawns a process —
//! interpreter facts come in through [`Environment`].

mod installed;
pub mod readers;
pub mod resolve;
mod walk;

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use lmms_python::{ImportRecord, ImportScope, ParsedModule, SourceError};
use rayon::prelude::*;

pub use installed::{locate, InstalledGraph};
pub use readers::{Reader, ReaderIndex, ReaderKind};
pub use resolve::{
    alias_module, from_import_module, is_within, loaded_modules, locate_source, relative_path, statement_base, ImportRef,
    ResolvedImport,
};
pub use walk::{discover_files, walk_map, WalkIssue, DEFAULT_EXCLUDES};

/// `sys.stdlib_module_names` of CPython 3.11 plus the names later versions
/// added, so resolution works without asking an interpreter.
const STDLIB_NAMES: &str = include_str!("stdlib_names.txt");

/// Python that prints what [`Environment::from_probe_output`] reads. Run it
/// through `lmms_profile::runner::Runner` (`python -c PROBE_SCRIPT`).
pub const PROBE_SCRIPT: &str = "import json, site, sys\n\
try:\n    sp = site.getsitepackages()\nexcept AttributeError:\n    sp = []\n\
sp += [p for p in sys.path if p.endswith('site-packages') and p not in sp]\n\
print(json.dumps({'stdlib': sorted(getattr(sys, 'stdlib_module_names', ())), 'builtin': sorted(sys.builtin_module_names), 'site_packages': sp}))\n";

/// Threads with stacks deep enough for pathological but valid-size input
/// (ruff's parser and the AST's drop recurse once per nesting level; a
/// 200 kB file of nested brackets needs far more than the default 2 MB).
/// Only touched pages cost memory. Callers may run their own parallel work
/// here too, so one set of threads serves a whole command.
pub fn parse_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .thread_name(|i| format!("lmms-parse-{i}"))
            .stack_size(PARSE_STACK_BYTES)
            // Deep sources then parse right here, not on a thread of their own.
            .start_handler(|_| lmms_python::set_thread_stack_size(PARSE_STACK_BYTES))
            .build()
            .expect("a thread pool can be created")
    })
}

const PARSE_STACK_BYTES: usize = lmms_python::DEEP_STACK_BYTES;

#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    #[error("cannot understand the interpreter probe output: {0}")]
    Probe(String),
}

/// What the interpreter knows that the source tree does not.
#[derive(Debug, Clone)]
pub struct Environment {
    stdlib: HashSet<String>,
    site_packages: Vec<PathBuf>,
    /// Top-level names importable from site-packages (dirs, modules,
    /// extension modules), listed once per directory.
    installed: HashMap<String, PathBuf>,
}

impl Default for Environment {
    fn default() -> Self {
        Environment::builtin()
    }
}

impl Environment {
    /// The embedded stdlib list and no site-packages.
    pub fn builtin() -> Self {
        Environment {
            stdlib: STDLIB_NAMES
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            site_packages: Vec::new(),
            installed: HashMap::new(),
        }
    }

    /// Parse the JSON [`PROBE_SCRIPT`] prints, then index site-packages.
    pub fn from_probe_output(text: &str) -> Result<Self, GraphError> {
        #[derive(serde::Deserialize)]
        struct Probe {
            stdlib: Vec<String>,
            #[serde(default)]
            builtin: Vec<String>,
            site_packages: Vec<PathBuf>,
        }
        let p: Probe =
            serde_json::from_str(text.trim()).map_err(|e| GraphError::Probe(e.to_string()))?;
        let mut env = Environment::builtin();
        if !p.stdlib.is_empty() {
            env.stdlib = p.stdlib.into_iter().collect();
        }
        env.stdlib.extend(p.builtin);
        Ok(env.with_site_packages(p.site_packages))
    }

    pub fn with_site_packages(mut self, dirs: Vec<PathBuf>) -> Self {
        for dir in &dirs {
            let Ok(rd) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in rd.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let path = entry.path();
                let top = if path.is_dir() {
                    (!name.contains('.') && !name.contains('-')).then_some(name)
                } else {
                    // `mod.py`, `mod.pyi`, `mod.cpython-311-x86_64-linux-gnu.so`, `mod.pyd`
                    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
                    (ext == "py" || ext == "pyi" || ext.ends_with("so") || ext.ends_with("pyd"))
                        .then_some(stem)
                };
                if let Some(top) = top {
                    self.installed.entry(top.to_string()).or_insert(path);
                }
            }
        }
        self.site_packages = dirs;
        self
    }

    /// site-packages of the interpreter at `python`, found from its
    /// installation layout (`<prefix>/bin/python` → `<prefix>/lib/python3.*/
    /// site-packages`, venvs included) without running it.
    pub fn site_packages_of(python: &Path) -> Vec<PathBuf> {
        let Some(prefix) = python.parent().and_then(Path::parent) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for lib in ["lib", "lib64"] {
            let Ok(rd) = std::fs::read_dir(prefix.join(lib)) else {
                continue;
            };
            let mut dirs: Vec<PathBuf> = rd
                .flatten()
                .filter(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| n.starts_with("python3"))
                })
                .map(|e| e.path().join("site-packages"))
                .filter(|p| p.is_dir())
                .collect();
            dirs.sort();
            out.extend(dirs);
        }
        out.dedup();
        out
    }

    pub fn site_packages(&self) -> &[PathBuf] {
        &self.site_packages
    }

    pub fn is_stdlib(&self, top: &str) -> bool {
        self.stdlib.contains(top)
    }

    pub fn installed_path(&self, top: &str) -> Option<&Path> {
        self.installed.get(top).map(PathBuf::as_path)
    }
}

/// One file's parse result.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Dotted module name under the source roots, if it is under one.
    pub module: Option<String>,
    /// `__init__.py(i)`: relative imports start from the module itself.
    pub is_package: bool,
    pub parsed: Result<(String, ParsedModule), SourceError>,
}

impl SourceFile {
    pub fn text(&self) -> Option<&str> {
        self.parsed.as_ref().ok().map(|(t, _)| t.as_str())
    }
    pub fn module_ast(&self) -> Option<&ParsedModule> {
        self.parsed.as_ref().ok().map(|(_, m)| m)
    }
}

/// Where a module comes from: `lmms_schema`'s one origin enum. The graph
/// classifies into `Project`, `Stdlib`, `ThirdParty` and `Unknown` (it never
/// sees a builtin: those have no source to import from).
pub use lmms_schema::Origin;

/// The graph's former name of [`Origin`].
pub type ModuleKind = Origin;

/// Where one imported name leads (the name the rules know it by).
pub type Target = ResolvedImport;

/// Where each name of one import statement leads: `(index into the
/// statement's names, or `None` for a star import, target)`.
pub type StatementTargets = Vec<(Option<usize>, Target)>;

/// Does this import run when its module is imported?
pub fn runs_at_import(rec: &ImportRecord) -> bool {
    !rec.is_lazy
        && !matches!(
            rec.scope,
            ImportScope::Function { .. } | ImportScope::TypeChecking
        )
}

#[derive(Debug)]
pub struct ImportGraph {
    pub files: Vec<SourceFile>,
    pub roots: Vec<PathBuf>,
    by_module: HashMap<String, usize>,
    /// Every package prefix of a project module (namespace packages too).
    packages: HashSet<String>,
    env: Environment,
    /// What import ids are relative to (the project root when known).
    project_root: Option<PathBuf>,
    /// `resolved[file][import]`: every statement's targets, computed once
    /// in parallel because every rule and graph query needs them.
    resolved: Vec<Vec<StatementTargets>>,
}

impl ImportGraph {
    /// Walk `paths`, parse every Python file in parallel, index by module.
    pub fn load(
        paths: &[PathBuf],
        project_root: &Path,
        roots: &[PathBuf],
        exclude: &[String],
        env: Environment,
    ) -> (ImportGraph, Vec<WalkIssue>) {
        let (files, issues) = discover_files(paths, project_root, exclude);
        let mut g = ImportGraph::from_paths(files, roots, env);
        g.project_root = Some(project_root.to_path_buf());
        (g, issues)
    }

    /// Walk and parse at once (each file is parsed as soon as it is found), then
    /// resolve. The fastest way to build a graph of a large tree.
    pub fn load_with(
        paths: &[PathBuf],
        project_root: &Path,
        roots: &[PathBuf],
        exclude: &[String],
        env: Environment,
        what: lmms_python::Extract,
    ) -> (ImportGraph, Vec<WalkIssue>) {
        let (parsed, issues) = walk_map(paths, project_root, exclude, |path| {
            (lmms_python::module_name(path, roots), lmms_python::read_and_parse_with(path, what))
        });
        let files = parsed
            .into_iter()
            .map(|(path, (module, parsed))| {
                let is_package = path.file_stem().is_some_and(|s| s == "__init__");
                SourceFile {
                    path,
                    module,
                    is_package,
                    parsed,
                }
            })
            .collect();
        let mut g = ImportGraph::new(files, roots.to_vec(), env);
        g.project_root = Some(project_root.to_path_buf());
        (g, issues)
    }

    pub fn from_paths(files: Vec<PathBuf>, roots: &[PathBuf], env: Environment) -> ImportGraph {
        ImportGraph::from_paths_with(files, roots, env, lmms_python::Extract::ALL)
    }

    /// [`ImportGraph::from_paths`] extracting only what `what` asks for
    /// (the graph itself needs imports only).
    pub fn from_paths_with(
        files: Vec<PathBuf>,
        roots: &[PathBuf],
        env: Environment,
        what: lmms_python::Extract,
    ) -> ImportGraph {
        let parsed: Vec<SourceFile> = parse_pool().install(|| {
            files
                .into_par_iter()
                .map(|path| {
                    let module = lmms_python::module_name(&path, roots);
                    let is_package = path.file_stem().is_some_and(|s| s == "__init__");
                    let parsed = lmms_python::read_and_parse_with(&path, what);
                    SourceFile {
                        path,
                        module,
                        is_package,
                        parsed,
                    }
                })
                .collect()
        });
        ImportGraph::new(parsed, roots.to_vec(), env)
    }

    pub fn new(files: Vec<SourceFile>, roots: Vec<PathBuf>, env: Environment) -> ImportGraph {
        let mut by_module: HashMap<String, usize> = HashMap::with_capacity(files.len());
        let mut packages = HashSet::new();
        for (i, f) in files.iter().enumerate() {
            let Some(m) = &f.module else { continue };
            // `.py` shadows `.pyi` for the same module, as at runtime.
            let is_stub = f.path.extension().is_some_and(|e| e == "pyi");
            let replace = match by_module.get(m) {
                None => true,
                Some(&j) => !is_stub && files[j].path.extension().is_some_and(|e| e == "pyi"),
            };
            if replace {
                by_module.insert(m.clone(), i);
            }
            let mut prefix = m.as_str();
            while let Some((p, _)) = prefix.rsplit_once('.') {
                packages.insert(p.to_string());
                prefix = p;
            }
            if f.is_package {
                packages.insert(m.clone());
            }
        }
        let mut g = ImportGraph {
            files,
            roots,
            by_module,
            packages,
            env,
            project_root: None,
            resolved: Vec::new(),
        };
        g.resolved = parse_pool().install(|| {
            (0..g.files.len())
                .into_par_iter()
                .map(|f| match g.files[f].module_ast() {
                    Some(m) => m.imports.iter().map(|rec| g.targets(f, rec)).collect(),
                    None => Vec::new(),
                })
                .collect()
        });
        g
    }

    /// Targets of each import statement of `file`, parallel to its
    /// `ParsedModule::imports` (empty for files that did not parse).
    pub fn import_targets(&self, file: usize) -> &[StatementTargets] {
        self.resolved.get(file).map_or(&[], Vec::as_slice)
    }

    pub fn env(&self) -> &Environment {
        &self.env
    }

    /// Resolve import ids against `root` (the project root).
    pub fn with_project_root(mut self, root: &Path) -> Self {
        self.project_root = Some(root.to_path_buf());
        self
    }

    /// The path part of the import ids of `file`: relative to the project
    /// root, `/`-separated.
    pub fn rel_path(&self, file: usize) -> String {
        let path = &self.files[file].path;
        match &self.project_root {
            Some(r) => relative_path(path, r),
            None => relative_path(path, Path::new("")),
        }
    }

    /// Every alias of `file` resolved, with its statement, in source order.
    pub fn resolved_imports(&self, file: usize) -> impl Iterator<Item = (&ImportRecord, &ResolvedImport)> {
        let imports = self.files[file].module_ast().map_or(&[][..], |m| m.imports.as_slice());
        imports.iter().zip(self.import_targets(file)).flat_map(|(rec, ts)| ts.iter().map(move |(_, t)| (rec, t)))
    }

    /// Whether a dotted name is a module this graph can see: a project
    /// module or package, or a submodule of an installed package.
    pub fn is_module(&self, module: &str) -> bool {
        let top = module.split('.').next().unwrap_or_default();
        if self.is_project_module(top) {
            return self.is_project_module(module);
        }
        self.env.installed_path(top).is_some() && installed::locate(&self.env, module).is_some()
    }

    pub fn file_of_module(&self, module: &str) -> Option<usize> {
        self.by_module.get(module).copied()
    }

    fn is_project_module(&self, module: &str) -> bool {
        self.by_module.contains_key(module) || self.packages.contains(module)
    }

    /// Classify an absolute module name, source roots first.
    pub fn classify(&self, module: &str) -> (Origin, Option<usize>) {
        if let Some(&i) = self.by_module.get(module) {
            return (Origin::Project, Some(i));
        }
        let top = module.split('.').next().unwrap_or(module);
        if self.is_project_module(top) {
            return (Origin::Project, None);
        }
        if self.env.is_stdlib(top) {
            return (Origin::Stdlib, None);
        }
        if self.env.installed.contains_key(top) {
            return (Origin::ThirdParty, None);
        }
        (Origin::Unknown, None)
    }

    /// The absolute module an import statement names (`from ..a import b` →
    /// `pkg.a`). `None` for a relative import that climbs out of its roots.
    pub fn absolute_module(&self, file: usize, rec: &ImportRecord) -> Option<String> {
        let f = &self.files[file];
        statement_base(f.module.as_deref(), f.is_package, rec)
    }

    /// Where one bound name of an import statement leads (`name` is alias
    /// `index` of `rec`).
    pub fn target(&self, file: usize, rec: &ImportRecord, index: usize) -> Option<Target> {
        let name = rec.names.get(index)?;
        let base = if rec.is_from { self.absolute_module(file, rec)? } else { String::new() };
        let module = alias_module(&base, name, &|m| self.is_module(m));
        let (kind, file) = self.classify(&module);
        let id = ImportRef { statement: rec.range, alias: Some(index as u32) };
        Some(Target { id, binding: name.kind, module, origin: kind, file })
    }

    /// Every target of one statement (star imports lead to their module).
    pub fn targets(&self, file: usize, rec: &ImportRecord) -> Vec<(Option<usize>, Target)> {
        if rec.is_star || rec.names.is_empty() {
            let Some(module) = self.absolute_module(file, rec) else {
                return Vec::new();
            };
            let (kind, f) = self.classify(&module);
            let id = ImportRef { statement: rec.range, alias: None };
            return vec![(None, Target { id, binding: lmms_python::BindingKind::Star, module, origin: kind, file: f })];
        }
        (0..rec.names.len()).filter_map(|i| Some((Some(i), self.target(file, rec, i)?))).collect()
    }

    /// Project files one file executes while being imported: each
    /// import-time import's target plus the packages it passes through.
    pub fn import_time_project_deps(&self, file: usize) -> Vec<usize> {
        let Some(m) = self.files[file].module_ast() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (rec, targets) in m.imports.iter().zip(self.import_targets(file)) {
            if !runs_at_import(rec) {
                continue;
            }
            for (_, t) in targets {
                if t.origin != Origin::Project {
                    continue;
                }
                for m in t.loads() {
                    if let Some(&i) = self.by_module.get(m) {
                        if i != file && !out.contains(&i) {
                            out.push(i);
                        }
                    }
                }
            }
        }
        out
    }

    /// Files executed when `starts` are imported (import-time edges only).
    pub fn reachable(&self, starts: &[usize]) -> Vec<bool> {
        let mut seen = vec![false; self.files.len()];
        let mut queue: VecDeque<usize> = starts.iter().copied().collect();
        for &s in starts {
            seen[s] = true;
        }
        while let Some(f) = queue.pop_front() {
            for d in self.import_time_project_deps(f) {
                if !seen[d] {
                    seen[d] = true;
                    queue.push_back(d);
                }
            }
        }
        seen
    }

    /// For every project file, the shortest import-time chain to a module
    /// `is_heavy` accepts: `[file's module, …, heavy module]`. One reverse
    /// breadth-first search from all files that import a heavy module
    /// directly, so the cost is linear in the graph however many ask.
    /// `is_heavy` sees each target with its file and statement, so a caller
    /// can decide by the statement's identity.
    pub fn heavy_chains(
        &self,
        is_heavy: impl Fn(usize, &ImportRecord, &Target) -> bool + Sync,
    ) -> Vec<Option<Vec<String>>> {
        enum Next {
            Heavy(String),
            File(usize),
        }
        let n = self.files.len();
        // Each file's edges and direct heavy import, in parallel; only the
        // search itself is sequential.
        let per_file: Vec<(Vec<usize>, Option<String>)> = (0..n)
            .into_par_iter()
            .map(|f| {
                let direct = self.files[f].module_ast().and_then(|m| {
                    m.imports.iter().zip(self.import_targets(f)).filter(|(rec, _)| runs_at_import(rec)).find_map(
                        |(rec, targets)| {
                            targets
                                .iter()
                                .find(|(_, t)| t.origin != Origin::Project && is_heavy(f, rec, t))
                                .map(|(_, t)| t.module.clone())
                        },
                    )
                });
                (self.import_time_project_deps(f), direct)
            })
            .collect();
        let mut next: Vec<Option<Next>> = (0..n).map(|_| None).collect();
        let mut reverse: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut queue = VecDeque::new();
        for (f, (deps, direct)) in per_file.into_iter().enumerate() {
            for d in deps {
                reverse[d].push(f);
            }
            if let Some(m) = direct {
                next[f] = Some(Next::Heavy(m));
                queue.push_back(f);
            }
        }
        while let Some(f) = queue.pop_front() {
            for &g in &reverse[f] {
                if next[g].is_none() {
                    next[g] = Some(Next::File(f));
                    queue.push_back(g);
                }
            }
        }
        (0..n)
            .into_par_iter()
            .map(|f| {
                next[f].as_ref()?;
                let mut chain = vec![self.display_module(f)];
                let mut cur = f;
                for _ in 0..=n {
                    match next[cur].as_ref()? {
                        Next::Heavy(m) => {
                            chain.push(m.clone());
                            return Some(chain);
                        }
                        Next::File(g) => {
                            chain.push(self.display_module(*g));
                            cur = *g;
                        }
                    }
                }
                None
            })
            .collect()
    }

    pub fn display_module(&self, file: usize) -> String {
        let f = &self.files[file];
        f.module
            .clone()
            .unwrap_or_else(|| f.path.display().to_string())
    }
}

#[cfg(test)]
mod tests;
