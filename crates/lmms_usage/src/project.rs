//! The project's import statements, from the import graph (`lmms_graph`).
//!
//! Only files the entry module reaches count ([`Sources::retain_reachable`]):
//! tests, scripts and event generators next to the function never run in
//! it. A file that cannot be read or parsed is reported and skipped.
//!
//! `from proj import *` of a project module binds what `proj` exports: its
//! `__all__` when that is a literal list, else its public (no leading `_`)
//! names bound by module-level imports, including what `proj` itself
//! star-imports from project modules. Only import-bound names matter here,
//! since only they can credit an import statement. The importing file is
//! parsed again with those names known ([`lmms_python::parse_module_star`]),
//! so its functions' references to them are found. A module-level
//! assignment in the importing file that rebinds such a name is not seen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lmms_python::{ImportScope, ParsedModule, RefContext};

/// One import statement, resolved to absolute module names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement's import id (`path:start-end`), as the plan's rows carry it.
    pub id: String,
    /// Relative to the project root, `/`-separated.
    pub path: String,
    pub line: u32,
    /// Dotted name of the file holding the statement.
    pub file_module: String,
    /// The imported module, absolute.
    pub module: String,
    /// For `from M import a, b`: `a`, `b` (candidates for submodules `M.a`).
    pub from_names: Vec<String>,
    /// Names the statement binds.
    pub bound: Vec<String>,
    /// For an import inside a function: that function's qualified name.
    pub function_scope: Option<String>,
    /// The id of each alias of `bound`, in order (`path:start-end#index`);
    /// empty for a star import, whose names come from the star target.
    pub alias_ids: Vec<String>,
}

/// A module-level value built at import by a call rooted at an imported
/// name (`CONFIG = yaml.safe_load(...)`), and the functions that read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub path: String,
    pub line: u32,
    pub file_module: String,
    pub name: String,
    /// The module of the import the call is rooted at.
    pub built_from: Vec<String>,
    /// Functions (`module:qualname`) that read the name: in its own file,
    /// through `from module import name`, or as `module.name`.
    pub readers: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub struct Sources {
    pub statements: Vec<Statement>,
    /// `(file module, bound name)` → innermost functions whose body references it.
    pub refs: BTreeMap<(String, String), BTreeSet<String>>,
    /// Dotted names of every project module (file) found, and every package
    /// prefix of one (namespace packages have no file).
    pub modules: BTreeSet<String>,
    /// Files that could not be read or parsed, with the reason.
    pub problems: Vec<String>,
    /// `(module, name)` → functions (`file_module:qualname`) of *other*
    /// files that reference `name` through `from <module> import *`,
    /// directly or down a chain of star imports.
    pub star_refs: BTreeMap<(String, String), BTreeSet<String>>,
    /// Module-level values built at import (see [`Value`]).
    pub values: Vec<Value>,
}

/// One parsed project file, as [`index`] needs it.
#[derive(Debug, Clone, Copy)]
pub struct ProjectFile<'a> {
    /// Relative to the project root, `/`-separated.
    pub rel: &'a str,
    pub module: &'a str,
    pub is_package: bool,
    pub text: &'a str,
    pub parsed: &'a ParsedModule,
}

pub use lmms_python::resolve_relative;

/// Normalise a runtime qualified name to the parser's: `outer.<locals>.inner`
/// → `outer.inner`; comprehension and lambda code counts as the function
/// that holds it (`f.<locals>.<listcomp>` → `f`).
pub fn normalise_qualname(q: &str) -> String {
    let parts: Vec<&str> = q.split('.').filter(|p| *p != "<locals>").collect();
    let kept: Vec<&str> = {
        let mut v = parts.clone();
        while v.len() > 1 && v.last().is_some_and(|p| p.starts_with('<')) {
            v.pop();
        }
        v
    };
    kept.join(".")
}

/// Read and index every project file through the import graph (the same
/// walk, ignore rules and parse `lmms check` uses).
pub fn load(root: &Path, roots: &[PathBuf], exclude: &[String]) -> Sources {
    let (graph, issues) =
        lmms_graph::ImportGraph::load(roots, root, roots, exclude, lmms_graph::Environment::builtin());
    let mut problems: Vec<String> =
        issues.into_iter().map(|i| format!("{}: {}", i.path.display(), i.message)).collect();
    let mut files: Vec<(String, &str, bool, &str, &ParsedModule)> = Vec::new();
    for f in &graph.files {
        // Stubs never run; a file outside every root has no module name.
        let Some(file_module) = f.module.as_deref().filter(|_| f.path.extension().is_some_and(|e| e == "py")) else {
            continue;
        };
        let rel = f.path.strip_prefix(root).unwrap_or(&f.path).to_string_lossy().replace('\\', "/");
        let (text, parsed) = match &f.parsed {
            Ok((text, p)) => (text.as_str(), p),
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        if let Some(e) = parsed.syntax_errors.first() {
            problems.push(format!("{rel}:{}:{}: syntax error: {}", e.line, e.column, e.message));
        }
        files.push((rel, file_module, f.is_package, text, parsed));
    }
    let files: Vec<ProjectFile> = files
        .iter()
        .map(|(rel, module, is_package, text, parsed)| ProjectFile {
            rel,
            module,
            is_package: *is_package,
            text,
            parsed,
        })
        .collect();
    let mut s = index(&files);
    s.problems = problems;
    s
}

/// Index parsed project files, seeing through star imports between them.
pub fn index(files: &[ProjectFile]) -> Sources {
    let mut s = Sources::default();
    for f in files {
        add_file(&mut s, f.rel, f.module, f.is_package, f.parsed);
    }
    link_star_imports(&mut s, files);
    link_values(&mut s, files);
    s
}

/// The module a name bound by an import of `file_module` refers to:
/// `import a.b` binds `a` (the module `a`), `import a.b as c` binds `a.b`,
/// `from pkg import config` binds `pkg.config`.
fn bound_module(s: &Sources, file_module: &str, name: &str) -> Option<String> {
    s.statements.iter().filter(|st| st.file_module == file_module).find_map(|st| {
        let i = st.bound.iter().position(|b| b == name)?;
        Some(match st.from_names.get(i) {
            Some(a) => format!("{}.{a}", st.module),
            None if st.module.split('.').next() == Some(name) => name.to_owned(),
            None => st.module.clone(),
        })
    })
}

/// The innermost function of `parsed` whose body holds `line`.
fn function_at(text: &str, parsed: &ParsedModule, line: u32) -> Option<String> {
    let lines = lmms_python::LineIndex::new(text);
    parsed
        .functions
        .iter()
        .filter(|f| f.line < line && line <= lines.line(f.range.end))
        .max_by_key(|f| f.line)
        .map(|f| f.qualname.clone())
}

/// Every module-level value built from an imported name, with its readers:
/// the file's own functions (found by parsing it again with the value's
/// name taken as import-bound, which is all the reference pass tracks),
/// functions of files that `from module import name` it, and functions
/// that read `module.name` through an import of the module.
fn link_values(s: &mut Sources, files: &[ProjectFile]) {
    for f in files {
        let mut built: Vec<(String, u32, String)> = Vec::new();
        for c in &f.parsed.module_calls {
            for t in &c.targets {
                built.push((t.clone(), c.line, c.root.clone()));
            }
        }
        if built.is_empty() {
            continue;
        }
        let names: Vec<&str> = built.iter().map(|(n, _, _)| n.as_str()).collect();
        let own = parse_star(f.text, &names);
        for (name, line, root) in &built {
            let built_from: Vec<String> = s
                .statements
                .iter()
                .filter(|st| st.file_module == f.module && st.function_scope.is_none())
                .filter_map(|st| {
                    let i = st.bound.iter().position(|b| b == root)?;
                    Some(st.from_names.get(i).map_or_else(|| st.module.clone(), |a| format!("{}.{a}", st.module)))
                })
                .take(1)
                .collect();
            let mut readers: BTreeSet<String> = own
                .refs
                .iter()
                .filter(|r| &r.bound == name)
                .filter_map(|r| match &r.context {
                    RefContext::Function { innermost, .. } => Some(format!("{}:{innermost}", f.module)),
                    _ => None,
                })
                .collect();
            for st in s.statements.iter().filter(|st| st.module == f.module && st.file_module != f.module) {
                for (i, a) in st.from_names.iter().enumerate() {
                    if a != name {
                        continue;
                    }
                    if let Some(fns) = s.refs.get(&(st.file_module.clone(), st.bound[i].clone())) {
                        readers.extend(fns.iter().map(|q| format!("{}:{q}", st.file_module)));
                    }
                }
            }
            for g in files.iter().filter(|g| g.module != f.module) {
                for a in &g.parsed.namespace.attributes {
                    let Some(root_module) = bound_module(s, g.module, &a.root) else { continue };
                    let full = std::iter::once(root_module.as_str())
                        .chain(a.attrs.iter().map(String::as_str))
                        .collect::<Vec<_>>()
                        .join(".");
                    let value = format!("{}.{name}", f.module);
                    if full != value && !full.starts_with(&format!("{value}.")) {
                        continue;
                    }
                    if let Some(q) = function_at(g.text, g.parsed, a.line) {
                        readers.insert(format!("{}:{q}", g.module));
                    }
                }
            }
            s.values.push(Value {
                path: f.rel.to_owned(),
                line: *line,
                file_module: f.module.to_owned(),
                name: name.clone(),
                built_from,
                readers,
            });
        }
    }
}


/// Imports that bind module globals when the module runs.
fn binds_global(scope: &ImportScope) -> bool {
    matches!(scope, ImportScope::Module | ImportScope::Conditional | ImportScope::TryImportError)
}

struct StarIndex<'f, 'a> {
    files: BTreeMap<&'a str, &'f ProjectFile<'a>>,
    exports: BTreeMap<String, BTreeSet<String>>,
}

impl<'f, 'a> StarIndex<'f, 'a> {
    /// Project modules `file` star-imports at module level.
    fn star_targets(&self, file: &ProjectFile) -> Vec<String> {
        file.parsed
            .imports
            .iter()
            .filter(|i| i.is_star && binds_global(&i.scope))
            .filter_map(|i| resolve_relative(file.module, file.is_package, i.level, &i.module))
            .filter(|m| self.files.contains_key(m.as_str()))
            .collect()
    }

    /// What `from module import *` binds (see the module doc). A cycle of
    /// star imports contributes nothing more on its second visit.
    fn exports(&mut self, module: &str, visiting: &mut Vec<String>) -> BTreeSet<String> {
        if let Some(e) = self.exports.get(module) {
            return e.clone();
        }
        let Some(file) = self.files.get(module).copied() else { return BTreeSet::new() };
        if visiting.iter().any(|v| v == module) {
            return BTreeSet::new();
        }
        let out: BTreeSet<String> = if !file.parsed.dunder_all.is_empty() {
            file.parsed.dunder_all.iter().cloned().collect()
        } else {
            visiting.push(module.to_owned());
            let mut names: BTreeSet<String> = own_globals(file.parsed);
            for t in self.star_targets(file) {
                names.extend(self.exports(&t, visiting));
            }
            visiting.pop();
            names.retain(|n| !n.starts_with('_'));
            names
        };
        self.exports.insert(module.to_owned(), out.clone());
        out
    }

    /// The modules whose statements bind `name` for `from module import *`:
    /// `module` itself, and down the star chain while `module` does not bind
    /// the name with an import of its own.
    fn chain(&mut self, module: &str, name: &str, out: &mut Vec<String>) {
        if out.iter().any(|m| m == module) {
            return;
        }
        let Some(file) = self.files.get(module).copied() else { return };
        out.push(module.to_owned());
        if own_globals(file.parsed).contains(name) {
            return;
        }
        for t in self.star_targets(file) {
            if self.exports(&t, &mut Vec::new()).contains(name) {
                self.chain(&t, name, out);
            }
        }
    }
}

/// Names bound by the module's own (non-star) module-level imports.
fn own_globals(parsed: &ParsedModule) -> BTreeSet<String> {
    parsed
        .imports
        .iter()
        .filter(|i| binds_global(&i.scope))
        .flat_map(|i| i.names.iter().map(|n| n.bound.clone()))
        .collect()
}

fn link_star_imports(s: &mut Sources, files: &[ProjectFile]) {
    let mut ix = StarIndex { files: files.iter().map(|f| (f.module, f)).collect(), exports: BTreeMap::new() };
    for f in files {
        let targets = ix.star_targets(f);
        if targets.is_empty() {
            continue;
        }
        let own = own_globals(f.parsed);
        let mut star_names: BTreeSet<String> = BTreeSet::new();
        for t in &targets {
            let exported = ix.exports(t, &mut Vec::new());
            // The star statement binds what the target exports, except names
            // the file imports itself (taken to win, wherever they stand).
            let exported: Vec<String> = exported.into_iter().filter(|n| !own.contains(n)).collect();
            for st in s.statements.iter_mut().filter(|st| {
                st.file_module == f.module && &st.module == t && st.bound.is_empty() && st.function_scope.is_none()
            }) {
                st.bound = exported.clone();
            }
            star_names.extend(exported);
        }
        if star_names.is_empty() {
            continue;
        }
        let names: Vec<&str> = star_names.iter().map(String::as_str).collect();
        let parsed = parse_star(f.text, &names);
        for r in &parsed.refs {
            let RefContext::Function { innermost, .. } = &r.context else { continue };
            if !star_names.contains(&r.bound) {
                continue;
            }
            s.refs.entry((f.module.to_owned(), r.bound.clone())).or_default().insert(innermost.clone());
            let mut chain = Vec::new();
            for t in &targets {
                if ix.exports(t, &mut Vec::new()).contains(&r.bound) {
                    ix.chain(t, &r.bound, &mut chain);
                }
            }
            for m in chain {
                s.star_refs.entry((m, r.bound.clone())).or_default().insert(format!("{}:{innermost}", f.module));
            }
        }
    }
}

/// Parse again on a thread with a deep stack: ruff's parser recurses once
/// per nesting level, and the first parse ran on such threads too.
fn parse_star(text: &str, names: &[&str]) -> ParsedModule {
    std::thread::scope(|scope| {
        match std::thread::Builder::new()
            .name("lmms-star-parse".into())
            .stack_size(1 << 30)
            .spawn_scoped(scope, || lmms_python::parse_module_star(text, names))
        {
            // The same text parsed once already; a panic now finds nothing.
            Ok(h) => h.join().unwrap_or_default(),
            Err(_) => lmms_python::parse_module_star(text, names),
        }
    })
}

impl Sources {
    /// Keep only files the entry module imports, directly or transitively
    /// (with their parent packages, which Python runs first). Scripts, tools
    /// and event generators next to the function are not part of it. When
    /// the entry module is not a project file, everything is kept.
    pub fn retain_reachable(&mut self, entry_module: &str) {
        self.retain_reachable_with(entry_module, &[]);
    }

    /// [`Sources::retain_reachable`], also reaching `loaded_by_name`: the
    /// project modules that project code loads with
    /// `importlib.import_module`/`__import__` at INIT (the profile's
    /// `dynamic` rows), which no import statement names.
    pub fn retain_reachable_with(&mut self, entry_module: &str, loaded_by_name: &[String]) {
        if !self.modules.contains(entry_module) {
            return;
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = vec![entry_module.to_owned()];
        queue.extend(loaded_by_name.iter().cloned());
        while let Some(m) = queue.pop() {
            let mut prefix = String::new();
            for part in m.split('.') {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(part);
                if self.modules.contains(&prefix) && seen.insert(prefix.clone()) {
                    for st in self.statements.iter().filter(|st| st.file_module == prefix) {
                        queue.push(st.module.clone());
                        queue.extend(st.from_names.iter().map(|a| format!("{}.{a}", st.module)));
                    }
                }
            }
        }
        self.statements.retain(|st| seen.contains(&st.file_module));
    }
}

/// Index one parsed file (exposed for tests that need no files).
pub fn add_file(s: &mut Sources, rel: &str, file_module: &str, is_package: bool, parsed: &ParsedModule) {
    let mut prefix = String::new();
    for part in file_module.split('.') {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(part);
        s.modules.insert(prefix.clone());
    }
    for imp in &parsed.imports {
        if matches!(imp.scope, ImportScope::TypeChecking) || imp.module == "__future__" {
            continue;
        }
        let Some(module) = resolve_relative(file_module, is_package, imp.level, &imp.module) else { continue };
        let from_names = if imp.is_from && !imp.is_star {
            imp.names.iter().filter_map(|n| n.attribute.clone()).collect()
        } else {
            Vec::new()
        };
        let function_scope = match &imp.scope {
            ImportScope::Function { function } => Some(function.clone()),
            _ => None,
        };
        s.statements.push(Statement {
            id: imp.id(rel).to_string(),
            path: rel.to_owned(),
            line: imp.line,
            file_module: file_module.to_owned(),
            module,
            from_names,
            bound: imp.names.iter().map(|n| n.bound.clone()).collect(),
            alias_ids: if imp.is_star {
                Vec::new()
            } else {
                (0..imp.names.len()).map(|i| imp.alias_id(rel, i).to_string()).collect()
            },
            function_scope,
        });
    }
    for r in &parsed.refs {
        if let RefContext::Function { innermost, .. } = &r.context {
            s.refs.entry((file_module.to_owned(), r.bound.clone())).or_default().insert(innermost.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(resolve_relative("pkg.mod", false, 1, "util").as_deref(), Some("pkg.util"));
        assert_eq!(resolve_relative("pkg", true, 1, "util").as_deref(), Some("pkg.util"));
        assert_eq!(resolve_relative("pkg.sub.mod", false, 2, "").as_deref(), Some("pkg"));
        assert_eq!(resolve_relative("mod", false, 2, "x"), None);
        assert_eq!(resolve_relative("a", false, 0, "json").as_deref(), Some("json"));
    }

    #[test]
    fn runtime_qualnames_match_parser_qualnames() {
        assert_eq!(normalise_qualname("outer.<locals>.inner"), "outer.inner");
        assert_eq!(normalise_qualname("f.<locals>.<listcomp>"), "f");
        assert_eq!(normalise_qualname("C.m.<locals>.<lambda>"), "C.m");
        assert_eq!(normalise_qualname("<lambda>"), "<lambda>");
    }

    #[test]
    fn only_files_reachable_from_the_entry_are_kept() {
        let mut s = Sources::default();
        for (rel, module, src) in [
            ("app.py", "app", "from pkg import feature\n"),
            ("pkg/__init__.py", "pkg", "import json\n"),
            ("pkg/feature.py", "pkg.feature", "import requests\n"),
            ("pkg/unused.py", "pkg.unused", "import pandas\n"),
            ("tools/gen.py", "tools.gen", "import random\n"),
        ] {
            add_file(&mut s, rel, module, rel.ends_with("__init__.py"), &lmms_python::parse_module(src));
        }
        s.retain_reachable("app");
        let kept: Vec<&str> = s.statements.iter().map(|st| st.module.as_str()).collect();
        assert_eq!(kept, ["pkg", "json", "requests"]);
    }

    #[test]
    fn statements_and_function_refs_are_indexed() {
        let src = "import json\nfrom . import util\nimport typing\nif typing.TYPE_CHECKING:\n    import pandas\n\ndef f():\n    import boto3\n    return json.dumps(util.x)\n";
        let parsed = lmms_python::parse_module(src);
        let mut s = Sources::default();
        add_file(&mut s, "pkg/app.py", "pkg.app", false, &parsed);
        let mods: Vec<(&str, u32)> = s.statements.iter().map(|st| (st.module.as_str(), st.line)).collect();
        assert_eq!(mods, [("json", 1), ("pkg", 2), ("typing", 3), ("boto3", 8)]);
        assert_eq!(s.statements[1].from_names, ["util"]);
        assert_eq!(s.statements[3].function_scope.as_deref(), Some("f"));
        assert!(s.refs[&("pkg.app".to_string(), "json".to_string())].contains("f"));
    }
    fn index_sources(files: &[(&str, &str, &str)]) -> Sources {
        let parsed: Vec<ParsedModule> = files.iter().map(|(_, _, src)| lmms_python::parse_module(src)).collect();
        let project: Vec<ProjectFile> = files
            .iter()
            .zip(&parsed)
            .map(|((rel, module, text), parsed)| ProjectFile {
                rel,
                module,
                is_package: rel.ends_with("__init__.py"),
                text,
                parsed,
            })
            .collect();
        index(&project)
    }

    fn bound_of<'s>(s: &'s Sources, path: &str, line: u32) -> Vec<&'s str> {
        let st = s.statements.iter().find(|st| st.path == path && st.line == line).unwrap();
        st.bound.iter().map(String::as_str).collect()
    }

    #[test]
    fn star_imports_bind_all_or_public_names_through_chains() {
        let s = index_sources(&[
            ("app.py", "app", "from fast import *\nfrom pkg.tools import *\n\ndef h():\n    return time.time(), math.pi, json, stats\n"),
            ("fast.py", "fast", "import json\nimport time\nimport os\n__all__ = ['json', 'time']\n"),
            ("pkg/__init__.py", "pkg", ""),
            ("pkg/tools.py", "pkg.tools", "from .base import *\nimport statistics as stats\nimport re as _re\n"),
            ("pkg/base.py", "pkg.base", "import math\nfrom pkg.tools import *\n"),
        ]);
        assert_eq!(bound_of(&s, "app.py", 1), ["json", "time"], "__all__ decides");
        assert_eq!(bound_of(&s, "app.py", 2), ["math", "stats"], "public names, through the chain; the cycle ends");
        let star = |m: &str, n: &str| s.star_refs.get(&(m.to_string(), n.to_string())).cloned().unwrap_or_default();
        assert_eq!(star("fast", "time"), BTreeSet::from(["app:h".to_string()]));
        assert!(star("fast", "os").is_empty());
        // math flows app → pkg.tools (its star statement) → pkg.base (the import).
        assert_eq!(star("pkg.tools", "math"), BTreeSet::from(["app:h".to_string()]));
        assert_eq!(star("pkg.base", "math"), BTreeSet::from(["app:h".to_string()]));
        assert!(star("pkg.tools", "_re").is_empty());
        // The importing file's own refs credit its star statements.
        assert!(s.refs[&("app".to_string(), "time".to_string())].contains("h"));
    }

    #[test]
    fn a_name_the_importing_file_imports_itself_is_not_star_bound() {
        let s = index_sources(&[
            ("app.py", "app", "from fast import *\nimport time\n\ndef h():\n    return time.time()\n"),
            ("fast.py", "fast", "import time\n"),
        ]);
        assert!(s.star_refs.is_empty());
        assert!(bound_of(&s, "app.py", 1).is_empty());
    }
}
