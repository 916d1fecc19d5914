//! The part of the import graph inside installed packages: what an
//! installed module imports while it is being imported. Built on demand,
//! breadth-first from the modules the project imports, so a chain such as
//! `app → mylib → mylib.frames → pandas` is visible without a profile.
//! Only modules reached are read; the walk stops at modules the caller
//! calls terminal (already known to be heavy) and at a file budget.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;

use rayon::prelude::*;

use crate::{runs_at_import, Environment};

/// Import-time edges between installed modules.
#[derive(Debug, Default)]
pub struct InstalledGraph {
    /// module → modules its import-time imports load (absolute names),
    /// for every installed module that was found and read.
    deps: HashMap<String, Vec<String>>,
    /// Files that could not be read or parsed cleanly, with the reason.
    pub problems: Vec<(PathBuf, String)>,
    /// The file budget ran out before the walk finished.
    pub truncated: bool,
}

/// The file that `import module` would execute from site-packages, and
/// whether it is a package `__init__`.
pub fn locate(env: &Environment, module: &str) -> Option<(PathBuf, bool)> {
    let parts: Vec<&str> = module.split('.').collect();
    for dir in env.site_packages() {
        let base = parts.iter().fold(dir.clone(), |p, part| p.join(part));
        let init = base.join("__init__.py");
        if init.is_file() {
            return Some((init, true));
        }
        let file = base.with_extension("py");
        if file.is_file() {
            return Some((file, false));
        }
    }
    None
}

impl InstalledGraph {
    /// Follow import-time imports from `starts` through installed packages.
    /// `terminal` modules are recorded as reached but not read.
    pub fn expand(
        env: &Environment,
        starts: impl IntoIterator<Item = String>,
        terminal: &dyn Fn(&str) -> bool,
        max_files: usize,
    ) -> InstalledGraph {
        let mut g = InstalledGraph::default();
        let mut seen: HashSet<String> = HashSet::new();
        let mut frontier: Vec<String> = Vec::new();
        for s in starts {
            if seen.insert(s.clone()) {
                frontier.push(s);
            }
        }
        let mut read = 0usize;
        while !frontier.is_empty() {
            let layer: Vec<String> = std::mem::take(&mut frontier)
                .into_iter()
                .filter(|m| !terminal(m) && env.installed_path(top(m)).is_some())
                .collect();
            if read + layer.len() > max_files {
                g.truncated = true;
                break;
            }
            read += layer.len();
            let results: Vec<(String, DepsResult)> =
                crate::parse_pool().install(|| {
                    layer
                        .into_par_iter()
                        .map(|m| {
                            let r = module_deps(env, &m);
                            (m, r)
                        })
                        .collect()
                });
            for (m, r) in results {
                match r {
                    Ok(deps) => {
                        for d in &deps {
                            if seen.insert(d.clone()) {
                                frontier.push(d.clone());
                            }
                        }
                        g.deps.insert(m, deps);
                    }
                    Err(p) => {
                        g.problems.push(p);
                        g.deps.insert(m, Vec::new());
                    }
                }
            }
        }
        g
    }

    pub fn deps(&self, module: &str) -> Option<&[String]> {
        self.deps.get(module).map(Vec::as_slice)
    }

    /// Shortest import-time chain from `start` to a module `is_heavy`
    /// accepts, `start` first.
    pub fn chain_to(&self, start: &str, is_heavy: &dyn Fn(&str) -> bool) -> Option<Vec<String>> {
        let mut prev: HashMap<&str, &str> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = HashSet::from([start]);
        while let Some(m) = queue.pop_front() {
            for d in self.deps(m).unwrap_or_default() {
                if !seen.insert(d.as_str()) {
                    continue;
                }
                prev.insert(d.as_str(), m);
                if is_heavy(d) {
                    let mut chain = vec![d.clone()];
                    let mut cur = d.as_str();
                    while let Some(&p) = prev.get(cur) {
                        chain.push(p.to_string());
                        cur = p;
                    }
                    chain.reverse();
                    return Some(chain);
                }
                queue.push_back(d.as_str());
            }
        }
        None
    }
}

/// A module's import-time dependencies, or the file and why it was unreadable.
type DepsResult = Result<Vec<String>, (PathBuf, String)>;

fn top(m: &str) -> &str {
    m.split('.').next().unwrap_or(m)
}

/// Absolute modules one installed module's import-time imports load
/// (packages on the way included: `import a.b` runs `a` then `a.b`).
fn module_deps(env: &Environment, module: &str) -> DepsResult {
    let Some((path, is_package)) = locate(env, module) else {
        return Ok(Vec::new());
    };
    file_deps(module, &path, is_package, &|m: &str| locate(env, m).is_some())
}

impl InstalledGraph {
    /// The import-time edges of modules whose files are already known
    /// (`(module, file)`, as a profile records them: stdlib and
    /// site-packages alike), read in parallel; no walk. `is_module` says
    /// whether `from a import b` names the module `a.b`. A file that is not
    /// Python source (an extension module) has no edges.
    pub fn from_files(files: Vec<(String, PathBuf)>, is_module: &(dyn Fn(&str) -> bool + Sync)) -> InstalledGraph {
        let results: Vec<(String, DepsResult)> = crate::parse_pool().install(|| {
            files
                .into_par_iter()
                .filter(|(_, path)| path.extension().is_some_and(|e| e == "py"))
                .map(|(m, path)| {
                    let is_package = path.file_name().is_some_and(|n| n == "__init__.py");
                    let r = file_deps(&m, &path, is_package, is_module);
                    (m, r)
                })
                .collect()
        });
        let mut g = InstalledGraph::default();
        for (m, r) in results {
            match r {
                Ok(deps) => {
                    g.deps.insert(m, deps);
                }
                Err(p) => g.problems.push(p),
            }
        }
        g
    }

    /// Modules with edges, for callers that build a graph of their own.
    pub fn from_deps(deps: impl IntoIterator<Item = (String, Vec<String>)>) -> InstalledGraph {
        InstalledGraph { deps: deps.into_iter().collect(), ..InstalledGraph::default() }
    }
}

fn file_deps(module: &str, path: &std::path::Path, is_package: bool, is_module: &dyn Fn(&str) -> bool) -> DepsResult {
    let (_, parsed) =
        lmms_python::read_and_parse_with(path, lmms_python::Extract::IMPORTS_ONLY)
            .map_err(|e| (path.to_path_buf(), e.to_string()))?;
    let mut out: Vec<String> = Vec::new();
    let mut push = |name: &str| {
        for m in crate::loaded_modules(name) {
            if m != module && !out.iter().any(|o| o == m) {
                out.push(m.to_string());
            }
        }
    };
    for rec in parsed.imports.iter().filter(|r| runs_at_import(r)) {
        let base = if rec.is_from {
            match crate::statement_base(Some(module), is_package, rec) {
                Some(b) => b,
                None => continue,
            }
        } else {
            String::new()
        };
        for n in &rec.names {
            push(&crate::alias_module(&base, n, is_module));
        }
        if rec.is_from {
            push(&base);
        }
    }
    Ok(out)
}
