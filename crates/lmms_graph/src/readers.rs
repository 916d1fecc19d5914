//! Who reads which name of which module, across the whole tree the user
//! runs (sources, tests, `conftest.py`): the index `lmms fix` asks before it
//! moves a module-level binding out of a module's namespace.
//!
//! A module's namespace is its API. [`ReaderIndex::build`] turns the facts
//! `lmms_python` extracted from every parsed file of an [`ImportGraph`]
//! into readers of `(module, name)`, resolving relative imports and module
//! bindings with the graph:
//!
//! * `from M import NAME` (absolute or relative, any scope except
//!   `if TYPE_CHECKING:`);
//! * `M.NAME`, where `M` is bound to a module by `import M`, `import a.M`,
//!   `import a.M as x`, `from a import M` or `x = importlib.import_module("M")`
//!   (stores count: a module that rebinds another's attribute relies on it);
//! * `from M import *`: the names of M's `__all__` (every form, also one
//!   built from another module's `__all__`), or every public name;
//! * `mock.patch("M.NAME")`, `monkeypatch.setattr("M.NAME", …)`,
//!   `mock.patch.object(M, "NAME")`, `monkeypatch.setattr(M, "NAME", …)`,
//!   `setattr`/`getattr`/`hasattr`/`delattr(M, "NAME")`;
//! * a string literal `"from M import "`: generated code reads every name;
//! * M's own `__all__`, and every public name of a package `__init__.py`;
//! * an entry point `pkg.mod:attr` in `pyproject.toml` or `setup.cfg`
//!   ([`ReaderIndex::add_entry_points`]).
//!
//! Submodule attributes are indexed apart: `import a` then `a.b.x` relies on
//! someone else having imported `a.b` ([`ReaderIndex::submodule_readers`]).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use lmms_python::{AllSource, BindingKind, ImportScope, NamespaceFacts};
use serde::Serialize;

use crate::ImportGraph;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReaderKind {
    /// `from M import NAME`.
    FromImport,
    /// `M.NAME` (a load or a store).
    Attribute,
    /// `from M import *`.
    StarImport,
    /// `mock.patch("M.NAME")`, `monkeypatch.setattr("M.NAME", …)`.
    PatchTarget,
    /// `monkeypatch.setattr(M, "NAME", …)`, `getattr(M, "NAME")`, ….
    NamedAttribute,
    /// `"from M import …"` in a string: code generated at run time.
    GeneratedImport,
    /// M's own `__all__` lists it.
    DunderAll,
    /// A public name of a package's `__init__.py`.
    PackageApi,
    /// `import a` then `a.b.x`: relies on `a.b` being imported elsewhere.
    SubmoduleAttribute,
    /// An entry point (`pkg.mod:attr` in `pyproject.toml` or `setup.cfg`),
    /// which `importlib.metadata` loads with `getattr(pkg.mod, "attr")`.
    EntryPoint,
}

impl ReaderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReaderKind::FromImport => "from-import",
            ReaderKind::Attribute => "attribute",
            ReaderKind::StarImport => "star import",
            ReaderKind::PatchTarget => "patch target",
            ReaderKind::NamedAttribute => "attribute by name",
            ReaderKind::GeneratedImport => "generated import",
            ReaderKind::DunderAll => "__all__",
            ReaderKind::PackageApi => "package API",
            ReaderKind::SubmoduleAttribute => "submodule attribute",
            ReaderKind::EntryPoint => "entry point",
        }
    }
}

/// One place that reads a name of a module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reader {
    /// Index into [`ImportGraph::files`].
    #[serde(skip)]
    pub file: usize,
    /// Project-relative, `/`-separated.
    pub path: String,
    pub line: u32,
    pub kind: ReaderKind,
    /// The reading code, short (`from pkg.runtime import concat`, `utils.strip`).
    pub what: String,
}

impl std::fmt::Display for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} ({}: `{}`)", self.path, self.line, self.kind.as_str(), self.what)
    }
}

/// What a module's `__all__` holds: `None` when some part is unknown.
type AllNames = Option<HashSet<String>>;

#[derive(Debug, Default)]
pub struct ReaderIndex {
    names: HashMap<(String, String), Vec<Reader>>,
    star: HashMap<String, Vec<Reader>>,
    everything: HashMap<String, Vec<Reader>>,
    submodules: HashMap<String, Vec<Reader>>,
    /// module → (its `__all__`, the line defining it, its file).
    all: HashMap<String, (AllNames, u32, usize)>,
    all_paths: HashMap<usize, String>,
}

impl ReaderIndex {
    /// Index every parsed file of `graph` (files without a module name,
    /// such as tests outside the source roots, read but are never read).
    pub fn build(graph: &ImportGraph) -> ReaderIndex {
        let mut ix = ReaderIndex::default();
        for file in 0..graph.files.len() {
            ix.add_file(graph, file);
        }
        ix.resolve_all(graph);
        ix
    }

    /// Every reader of `name` in `module`'s namespace outside `file` (the
    /// module's own file, whose uses the rewrite itself handles), plus
    /// `module`'s own `__all__` and package API (recorded at `file` itself).
    pub fn readers_of(&self, file: usize, module: &str, name: &str) -> Vec<Reader> {
        let mut out: Vec<Reader> = Vec::new();
        let key = (module.to_string(), name.to_string());
        // A package's API is read by whoever imports the package, even
        // though the index records it at the package's own file.
        let outside = |r: &&Reader| r.file != file || r.kind == ReaderKind::PackageApi;
        out.extend(self.names.get(&key).into_iter().flatten().filter(outside).cloned());
        let all = self.all.get(module);
        let starred = match all {
            Some((Some(names), _, _)) => names.contains(name),
            Some((None, _, _)) => true,
            None => !name.starts_with('_'),
        };
        if starred {
            out.extend(self.star.get(module).into_iter().flatten().filter(|r| r.file != file).cloned());
        }
        out.extend(self.everything.get(module).into_iter().flatten().filter(|r| r.file != file).cloned());
        if let Some((Some(names), line, f)) = all {
            if names.contains(name) {
                out.push(Reader {
                    file: *f,
                    path: self.all_paths.get(f).cloned().unwrap_or_default(),
                    line: *line,
                    kind: ReaderKind::DunderAll,
                    what: format!("__all__ of {module}"),
                });
            }
        }
        out.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        out.dedup();
        out
    }

    /// Add the entry points the project at `root` declares: `[project.scripts]`,
    /// `[project.gui-scripts]`, `[project.entry-points.GROUP]`, Poetry's
    /// `scripts`/`plugins` in `pyproject.toml`, and `[options.entry_points]` in
    /// `setup.cfg`. Each `pkg.mod:attr.rest` reads `attr` of `pkg.mod`. A file
    /// that does not parse adds nothing (`lmms_config` reports TOML errors).
    pub fn add_entry_points(&mut self, root: &Path) {
        for (file, specs) in [("pyproject.toml", pyproject_entry_points(root)), ("setup.cfg", setup_cfg_entry_points(root))] {
            for (line, spec) in specs {
                let Some((module, object)) = spec.split_once(':') else { continue };
                let (module, attr) = (module.trim(), object.trim().split('.').next().unwrap_or_default());
                let attr = attr.split_whitespace().next().unwrap_or_default();
                if module.is_empty() || attr.is_empty() {
                    continue;
                }
                let r = Reader { file: usize::MAX, path: file.into(), line, kind: ReaderKind::EntryPoint, what: spec.trim().to_string() };
                self.push(module, attr, r);
            }
        }
    }

    /// `a.b` reached as an attribute of `a` by files (other than `file`)
    /// that never import `a.b` themselves.
    pub fn submodule_readers(&self, file: usize, submodule: &str) -> Vec<Reader> {
        self.submodules.get(submodule).into_iter().flatten().filter(|r| r.file != file).cloned().collect()
    }

    /// The names `module`'s `__all__` lists (`None`: no `__all__`, or one
    /// the adapter cannot read).
    pub fn dunder_all(&self, module: &str) -> Option<&HashSet<String>> {
        self.all.get(module).and_then(|(n, _, _)| n.as_ref())
    }

    fn push(&mut self, module: &str, name: &str, r: Reader) {
        self.names.entry((module.to_string(), name.to_string())).or_default().push(r);
    }

    fn add_file(&mut self, graph: &ImportGraph, file: usize) {
        let Some(parsed) = graph.files[file].module_ast() else { return };
        let path = graph.rel_path(file);
        let reader = |line: u32, kind: ReaderKind, what: String| Reader { file, path: path.clone(), line, kind, what };
        // Names bound to modules, and every module this file imports itself.
        let mut bound: HashMap<&str, Vec<String>> = HashMap::new();
        let mut loads: HashSet<&str> = HashSet::new();
        for (rec, targets) in parsed.imports.iter().zip(graph.import_targets(file)) {
            if matches!(rec.scope, ImportScope::TypeChecking) {
                continue;
            }
            let base = graph.absolute_module(file, rec);
            let written = format!("{}{}", ".".repeat(rec.level as usize), rec.module);
            for (ni, t) in targets {
                loads.extend(t.loads());
                let Some(ni) = ni else {
                    if let Some(base) = &base {
                        let r = reader(rec.line, ReaderKind::StarImport, format!("from {written} import *"));
                        self.star.entry(base.clone()).or_default().push(r);
                    }
                    continue;
                };
                let n = &rec.names[*ni];
                match t.binding {
                    BindingKind::Import => bound.entry(n.bound.as_str()).or_default().push(t.module.clone()),
                    BindingKind::SubmoduleImport => {
                        let top = t.module.split('.').next().unwrap_or_default().to_string();
                        bound.entry(n.bound.as_str()).or_default().push(top);
                    }
                    BindingKind::FromImport => {
                        let (Some(base), Some(attr)) = (&base, &n.attribute) else { continue };
                        let r = reader(rec.line, ReaderKind::FromImport, format!("from {written} import {attr}"));
                        self.push(base, attr, r);
                        if t.module != *base {
                            bound.entry(n.bound.as_str()).or_default().push(t.module.clone());
                        }
                    }
                    BindingKind::Star => {}
                }
            }
        }
        let facts: &NamespaceFacts = &parsed.namespace;
        for a in &facts.module_aliases {
            bound.entry(a.bound.as_str()).or_default().push(a.module.clone());
            loads.insert(a.module.as_str());
        }
        for a in &facts.attributes {
            let Some(mods) = bound.get(a.root.as_str()) else { continue };
            for m in mods {
                let mut cur = m.clone();
                let mut text = a.root.clone();
                for (i, attr) in a.attrs.iter().enumerate() {
                    text.push('.');
                    text.push_str(attr);
                    self.push(&cur, attr, reader(a.line, ReaderKind::Attribute, text.clone()));
                    cur = format!("{cur}.{attr}");
                    if i + 1 < a.attrs.len() && !loads.contains(cur.as_str()) {
                        let r = reader(a.line, ReaderKind::SubmoduleAttribute, text.clone());
                        self.submodules.entry(cur.clone()).or_default().push(r);
                    }
                }
            }
        }
        for a in &facts.named_attributes {
            let Some(mods) = bound.get(a.root.as_str()) else { continue };
            for m in mods {
                let mut object = m.clone();
                let mut text = a.root.clone();
                for attr in &a.attrs {
                    object = format!("{object}.{attr}");
                    text = format!("{text}.{attr}");
                }
                let r = reader(a.line, ReaderKind::NamedAttribute, format!("{text}, \"{}\"", a.name));
                self.push(&object, &a.name, r);
            }
        }
        for t in &facts.dotted_targets {
            let parts: Vec<&str> = t.dotted.split('.').collect();
            // The longest importable prefix is the module; which one that is
            // depends on the run-time tree, so every split is a reader.
            for i in 1..parts.len() {
                let r = reader(t.line, ReaderKind::PatchTarget, format!("\"{}\"", t.dotted));
                self.push(&parts[..i].join("."), parts[i], r);
            }
        }
        for g in &facts.generated_imports {
            let r = reader(g.line, ReaderKind::GeneratedImport, format!("\"from {} import …\"", g.module));
            self.everything.entry(g.module.clone()).or_default().push(r);
        }
        // A package's public names are its API.
        let f = &graph.files[file];
        if let (true, Some(module)) = (f.is_package, &f.module) {
            for name in module_level_names(parsed) {
                if !name.starts_with('_') {
                    let r = reader(1, ReaderKind::PackageApi, format!("public name of package {module}"));
                    self.push(module, &name, r);
                }
            }
        }
    }

    fn resolve_all(&mut self, graph: &ImportGraph) {
        let mut done: HashMap<String, (AllNames, u32, usize)> = HashMap::new();
        for file in 0..graph.files.len() {
            let mut stack = Vec::new();
            all_of(graph, file, &mut done, &mut stack);
        }
        self.all_paths = done.values().map(|(_, _, f)| (*f, graph.rel_path(*f))).collect();
        self.all = done;
    }
}

/// `(line, "pkg.mod:attr")` of every entry point in `root/pyproject.toml`.
fn pyproject_entry_points(root: &Path) -> Vec<(u32, String)> {
    let Ok(text) = std::fs::read_to_string(root.join("pyproject.toml")) else { return Vec::new() };
    let Ok(doc) = text.parse::<toml::Table>() else { return Vec::new() };
    let mut specs: Vec<String> = Vec::new();
    let mut table = |v: Option<&toml::Value>| {
        for (_, spec) in v.and_then(toml::Value::as_table).into_iter().flatten() {
            match spec {
                toml::Value::String(s) => specs.push(s.clone()),
                // Poetry: `name = { reference = "pkg.mod:attr", type = "console" }` or `callable`.
                toml::Value::Table(t) => specs.extend(
                    ["reference", "callable"].iter().filter_map(|k| t.get(*k)?.as_str().map(str::to_string)),
                ),
                _ => {}
            }
        }
    };
    let project = doc.get("project");
    table(project.and_then(|p| p.get("scripts")));
    table(project.and_then(|p| p.get("gui-scripts")));
    let poetry = doc.get("tool").and_then(|t| t.get("poetry"));
    table(poetry.and_then(|p| p.get("scripts")));
    let groups = [project.and_then(|p| p.get("entry-points")), poetry.and_then(|p| p.get("plugins"))];
    for g in groups.into_iter().flatten().filter_map(toml::Value::as_table) {
        for (_, group) in g {
            table(Some(group));
        }
    }
    specs.into_iter().map(|s| (line_of(&text, &s), s)).collect()
}

/// `(line, "pkg.mod:attr")` of every `name = pkg.mod:attr` under
/// `[options.entry_points]` in `root/setup.cfg` (one per line, groups as keys).
fn setup_cfg_entry_points(root: &Path) -> Vec<(u32, String)> {
    let Ok(text) = std::fs::read_to_string(root.join("setup.cfg")) else { return Vec::new() };
    let mut inside = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = t == "[options.entry_points]";
            continue;
        }
        if !inside || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        // `group =` then indented `name = spec`, or `group = name = spec` on one line.
        let value = t.rsplit_once('=').map_or("", |(_, v)| v.trim());
        if value.contains(':') {
            out.push((i as u32 + 1, value.to_string()));
        }
    }
    out
}

fn line_of(text: &str, needle: &str) -> u32 {
    text.find(needle).map_or(1, |at| text[..at].matches('\n').count() as u32 + 1)
}

/// Module-level names an import binds, plus `__all__`-free names: enough
/// for a package's API (what `lmms fix` could move is an import binding).
fn module_level_names(parsed: &lmms_python::ParsedModule) -> Vec<String> {
    parsed
        .imports
        .iter()
        .filter(|r| !matches!(r.scope, ImportScope::Function { .. } | ImportScope::Class { .. } | ImportScope::TypeChecking))
        .flat_map(|r| r.names.iter().map(|n| n.bound.clone()))
        .chain(parsed.module_calls.iter().flat_map(|c| c.targets.iter().cloned()))
        .collect()
}

/// `file`'s `__all__`, following `from .x import __all__` and `x.__all__`.
fn all_of(
    graph: &ImportGraph,
    file: usize,
    done: &mut HashMap<String, (AllNames, u32, usize)>,
    stack: &mut Vec<usize>,
) -> Option<AllNames> {
    let f = &graph.files[file];
    let module = f.module.as_ref()?;
    if let Some((names, _, _)) = done.get(module) {
        return Some(names.clone());
    }
    let parsed = f.module_ast()?;
    let facts = parsed.namespace.dunder_all.as_ref()?;
    if stack.contains(&file) {
        return Some(None);
    }
    stack.push(file);
    let mut names: AllNames = (!facts.dynamic).then(|| facts.names.iter().cloned().collect());
    for s in &facts.sources {
        let source = match s {
            AllSource::Imported { module: m } => {
                let level = m.chars().take_while(|c| *c == '.').count() as u32;
                lmms_python::resolve_relative(module, f.is_package, level, &m[level as usize..])
            }
            AllSource::Attribute { root, attrs } => bound_module(graph, file, root).map(|m| {
                attrs.iter().fold(m, |acc, a| format!("{acc}.{a}"))
            }),
        };
        let got = source.and_then(|m| graph.file_of_module(&m)).and_then(|g| all_of(graph, g, done, stack)).flatten();
        match (&mut names, got) {
            (Some(n), Some(more)) => n.extend(more),
            _ => names = None,
        }
    }
    stack.pop();
    done.insert(module.clone(), (names.clone(), facts.line, file));
    Some(names)
}

/// The module an import of `file` binds to `name` (first one wins).
fn bound_module(graph: &ImportGraph, file: usize, name: &str) -> Option<String> {
    let parsed = graph.files[file].module_ast()?;
    for (rec, targets) in parsed.imports.iter().zip(graph.import_targets(file)) {
        for (ni, t) in targets {
            let Some(ni) = ni else { continue };
            if rec.names[*ni].bound != name {
                continue;
            }
            return match t.binding {
                BindingKind::SubmoduleImport => t.module.split('.').next().map(str::to_string),
                _ => Some(t.module.clone()),
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Environment, SourceFile};

    fn index(files: &[(&str, Option<&str>, &str)]) -> (ImportGraph, ReaderIndex) {
        let files = files
            .iter()
            .map(|(path, module, src)| SourceFile {
                path: path.into(),
                module: module.map(str::to_string),
                is_package: path.ends_with("__init__.py"),
                parsed: Ok((src.to_string(), lmms_python::parse_module(src))),
            })
            .collect();
        let g = ImportGraph::new(files, Vec::new(), Environment::builtin());
        let ix = ReaderIndex::build(&g);
        (g, ix)
    }

    /// `path:line kind` of every reader of `module.name` outside file 0.
    fn found(ix: &ReaderIndex, module: &str, name: &str) -> Vec<String> {
        ix.readers_of(0, module, name).iter().map(|r| format!("{}:{} {}", r.path, r.line, r.kind.as_str())).collect()
    }

    const UTILS: (&str, Option<&str>, &str) = ("pkg/utils.py", Some("pkg.utils"), "from pkg._compat import strip\n");
    const INIT: (&str, Option<&str>, &str) = ("pkg/__init__.py", Some("pkg"), "");

    #[test]
    fn absolute_and_relative_from_imports_read_the_name() {
        let (_, ix) = index(&[
            UTILS,
            INIT,
            ("pkg/a.py", Some("pkg.a"), "\n\nfrom pkg.utils import strip\n"),
            ("pkg/b.py", Some("pkg.b"), "def f():\n    from .utils import strip\n"),
            ("pkg/c.py", Some("pkg.c"), "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .utils import strip\n"),
        ]);
        assert_eq!(found(&ix, "pkg.utils", "strip"), ["pkg/a.py:3 from-import", "pkg/b.py:2 from-import"]);
    }

    #[test]
    fn attributes_of_names_bound_to_the_module_read_it_in_every_binding_form() {
        let (_, ix) = index(&[
            UTILS,
            INIT,
            ("t1.py", None, "import pkg.utils\npkg.utils.strip\n"),
            ("t2.py", None, "from pkg import utils\nutils.strip = None\n"),
            ("t3.py", None, "import pkg.utils as u\nu.strip(1)\n"),
            ("t4.py", None, "import importlib\nm = importlib.import_module(\"pkg.utils\")\nm.strip\n"),
        ]);
        assert_eq!(
            found(&ix, "pkg.utils", "strip"),
            ["t1.py:2 attribute", "t2.py:2 attribute", "t3.py:2 attribute", "t4.py:3 attribute"]
        );
    }

    #[test]
    fn star_imports_read_dunder_all_in_every_form_or_every_public_name() {
        let (_, ix) = index(&[
            ("pkg/m.py", Some("pkg.m"), "from os import sep, _x\n"),
            INIT,
            ("pkg/s.py", Some("pkg.s"), "from .m import *\n"),
            ("pkg/l.py", Some("pkg.l"), "__all__ = ['a']\n__all__ += ['b']\n__all__.extend(['c'])\n__all__.append('d')\n"),
            ("pkg/k.py", Some("pkg.k"), "from .l import __all__\n__all__ = __all__ + ['e']\n"),
            ("pkg/u.py", Some("pkg.u"), "from .l import *\nfrom .k import *\n"),
        ]);
        assert_eq!(found(&ix, "pkg.m", "sep"), ["pkg/s.py:1 star import"]);
        assert!(found(&ix, "pkg.m", "_x").is_empty());
        assert_eq!(ix.dunder_all("pkg.l").map(|s| s.len()), Some(4));
        assert_eq!(found(&ix, "pkg.l", "d"), ["pkg/l.py:1 __all__", "pkg/u.py:1 star import"]);
        assert_eq!(ix.dunder_all("pkg.k").map(|s| s.len()), Some(5));
        assert_eq!(found(&ix, "pkg.k", "e"), ["pkg/k.py:1 __all__", "pkg/u.py:2 star import"]);
    }

    #[test]
    fn patch_targets_and_attributes_by_name_read_the_name() {
        let (_, ix) = index(&[
            UTILS,
            INIT,
            ("t1.py", None, "from unittest import mock\n@mock.patch(\"pkg.utils.strip\")\ndef t(): pass\n"),
            ("t2.py", None, "import pkg.utils\ndef t(monkeypatch):\n    monkeypatch.setattr(pkg.utils, \"strip\", 1)\n"),
            ("t3.py", None, "def t(monkeypatch):\n    monkeypatch.setattr(\"pkg.utils.strip\", 1)\n"),
            ("t4.py", None, "from unittest import mock\nfrom pkg import utils\nmock.patch.object(utils, \"strip\")\n"),
            ("t5.py", None, "from pkg import utils\nhasattr(utils, \"strip\")\n"),
        ]);
        assert_eq!(
            found(&ix, "pkg.utils", "strip"),
            [
                "t1.py:2 patch target",
                "t2.py:3 attribute by name",
                "t3.py:2 patch target",
                "t4.py:3 attribute by name",
                "t5.py:2 attribute by name"
            ]
        );
    }

    #[test]
    fn a_string_holding_an_import_of_the_module_reads_all_its_names() {
        let (_, ix) = index(&[
            UTILS,
            INIT,
            ("pkg/gen.py", Some("pkg.gen"), "def f(names):\n    return \"from pkg.utils import \" + names\n"),
            ("pkg/doc.py", Some("pkg.doc"), "\"\"\"from pkg.utils import strip (a docstring)\"\"\"\n"),
        ]);
        assert_eq!(found(&ix, "pkg.utils", "anything"), ["pkg/gen.py:2 generated import"]);
    }

    #[test]
    fn a_package_init_exports_its_public_names() {
        let (_, ix) = index(&[("pkg/__init__.py", Some("pkg"), "from .core import Command, _private\n")]);
        let r = ix.readers_of(usize::MAX, "pkg", "Command");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, ReaderKind::PackageApi);
        assert!(ix.readers_of(usize::MAX, "pkg", "_private").is_empty());
    }

    #[test]
    fn entry_points_in_pyproject_and_setup_cfg_read_their_attribute() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n\n[project.scripts]\ntool = \"pkg.cli:main\"\n\n\
             [project.entry-points.\"pkg.plugins\"]\nyaml = \"pkg.fmt:YamlFormat.load\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("setup.cfg"),
            "[metadata]\nname = x\n\n[options.entry_points]\nconsole_scripts =\n    old = pkg.legacy:run [extra]\n",
        )
        .unwrap();
        let (_, mut ix) = index(&[INIT]);
        ix.add_entry_points(dir.path());
        assert_eq!(found(&ix, "pkg.cli", "main"), ["pyproject.toml:5 entry point"]);
        assert_eq!(found(&ix, "pkg.fmt", "YamlFormat"), ["pyproject.toml:8 entry point"]);
        assert_eq!(found(&ix, "pkg.legacy", "run"), ["setup.cfg:6 entry point"]);
    }

    #[test]
    fn a_submodule_reached_through_its_package_needs_someone_else_to_import_it() {
        let (_, ix) = index(&[
            ("a.py", Some("a"), "import urllib.parse\n"),
            ("b.py", Some("b"), "import urllib\ndef f():\n    return urllib.parse.quote('x')\n"),
            ("c.py", Some("c"), "import urllib\nimport urllib.parse\nurllib.parse.quote('x')\n"),
        ]);
        let r: Vec<String> = ix.submodule_readers(0, "urllib.parse").iter().map(ToString::to_string).collect();
        assert_eq!(r, ["b.py:3 (submodule attribute: `urllib.parse`)"]);
    }
}
