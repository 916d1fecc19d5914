//! The one resolver: which module an import alias names and which modules
//! executing it loads. Every stage (graph, installed walk, usage
//! attribution, plan, fix) asks these functions instead of re-deriving the
//! answer from module-name text.

use std::path::{Path, PathBuf};

use lmms_python::{AliasId, BindingKind, BoundName, ByteRange, ImportRecord, StatementId};

use crate::Origin;

/// One alias of one statement inside its file: the statement's byte range
/// and the alias index (`None` for `from m import *`). With the file's
/// project-relative path it becomes an [`AliasId`] ([`ImportRef::alias_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ImportRef {
    pub statement: ByteRange,
    pub alias: Option<u32>,
}

impl ImportRef {
    pub fn statement_id(&self, path: &str) -> StatementId {
        StatementId { path: path.to_string(), range: self.statement }
    }

    /// `None` for a star import, which has no alias.
    pub fn alias_id(&self, path: &str) -> Option<AliasId> {
        Some(AliasId { statement: self.statement_id(path), index: self.alias? })
    }
}

/// Where one alias leads, resolved once by the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedImport {
    pub id: ImportRef,
    pub binding: BindingKind,
    /// Absolute dotted module the alias names (`from a import b` → `a.b`
    /// when `b` is a module the graph knows, else `a`; `import a.b` → `a.b`).
    pub module: String,
    /// Where the module comes from.
    pub origin: Origin,
    /// Index into [`crate::ImportGraph::files`] for project modules that exist.
    pub file: Option<usize>,
}

impl ResolvedImport {
    /// Every module executing this alias loads, outermost first.
    pub fn loads(&self) -> impl Iterator<Item = &str> {
        loaded_modules(&self.module)
    }
}

/// The absolute module a statement names (`from ..a import b` in
/// `pkg.sub.mod` → `pkg.a`), relative imports resolved against the
/// importing module's package. `None` when the dots climb out of the top
/// level or nothing is named.
pub fn statement_base(file_module: Option<&str>, is_package: bool, rec: &ImportRecord) -> Option<String> {
    if rec.level == 0 {
        return Some(rec.module.clone()).filter(|m| !m.is_empty());
    }
    lmms_python::resolve_relative(file_module?, is_package, rec.level, &rec.module).filter(|m| !m.is_empty())
}

/// The absolute module one alias names. `base` is [`statement_base`]'s
/// answer for the statement; `is_module` says whether a dotted name is a
/// module (a file the caller knows, or one the measurement saw), deciding
/// whether `from a import b` names the submodule `a.b` or an attribute of `a`.
pub fn alias_module(base: &str, name: &BoundName, is_module: &dyn Fn(&str) -> bool) -> String {
    match name.kind {
        BindingKind::FromImport => from_import_module(base, name.attribute.as_deref().unwrap_or_default(), is_module),
        BindingKind::Import | BindingKind::SubmoduleImport | BindingKind::Star => name.target.clone(),
    }
}

/// `from base import attribute`: `base.attribute` when that is a module,
/// else `base`.
pub fn from_import_module(base: &str, attribute: &str, is_module: &dyn Fn(&str) -> bool) -> String {
    let sub = if base.is_empty() { attribute.to_string() } else { format!("{base}.{attribute}") };
    if is_module(&sub) {
        sub
    } else {
        base.to_string()
    }
}

/// Every module importing `module` loads, outermost first: `import a.b.c`
/// runs `a`, then `a.b`, then `a.b.c`.
pub fn loaded_modules(module: &str) -> impl Iterator<Item = &str> {
    module
        .match_indices('.')
        .map(|(i, _)| &module[..i])
        .chain((!module.is_empty()).then_some(module))
}

/// `module` is `selector` or one of its submodules (`a.b` selects `a.b` and
/// `a.b.c`, never `xa.b` or `a.bc`).
pub fn is_within(module: &str, selector: &str) -> bool {
    module.strip_prefix(selector).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// The source file `import module` executes from the first source root
/// holding it (`pkg/mod.py`, else `pkg/mod/__init__.py`): the inverse of
/// [`lmms_python::module_name`].
pub fn locate_source(roots: &[PathBuf], module: &str) -> Option<PathBuf> {
    let rel: PathBuf = module.split('.').collect();
    roots.iter().find_map(|r| {
        let f = r.join(&rel).with_extension("py");
        let pkg = r.join(&rel).join("__init__.py");
        if f.is_file() {
            Some(f)
        } else {
            pkg.is_file().then_some(pkg)
        }
    })
}

/// `path` relative to `root`, `/`-separated: the path part of an import id.
pub fn relative_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_loads_every_package_on_the_way() {
        assert_eq!(loaded_modules("a.b.c").collect::<Vec<_>>(), ["a", "a.b", "a.b.c"]);
        assert_eq!(loaded_modules("a").collect::<Vec<_>>(), ["a"]);
        assert_eq!(loaded_modules("").count(), 0);
    }

    #[test]
    fn a_from_import_names_the_submodule_only_when_it_is_one() {
        let m = lmms_python::parse_module("from a import b, c\nimport x.y as z\n");
        let is_module = |m: &str| m == "a.b";
        let got: Vec<String> = m.imports[0].names.iter().map(|n| alias_module("a", n, &is_module)).collect();
        assert_eq!(got, ["a.b", "a"]);
        assert_eq!(alias_module("", &m.imports[1].names[0], &is_module), "x.y");
    }

    #[test]
    fn relative_imports_resolve_against_the_importing_package() {
        let m = lmms_python::parse_module("from .models import X\nfrom .. import y\nfrom ... import z\n");
        assert_eq!(statement_base(Some("other.use"), false, &m.imports[0]).as_deref(), Some("other.models"));
        assert_eq!(statement_base(Some("pkg"), true, &m.imports[0]).as_deref(), Some("pkg.models"));
        assert_eq!(statement_base(Some("a.b.c"), false, &m.imports[1]).as_deref(), Some("a"));
        assert_eq!(statement_base(Some("a.b"), false, &m.imports[2]), None);
        assert_eq!(statement_base(None, false, &m.imports[0]), None);
    }

    #[test]
    fn a_selector_covers_its_submodules_and_nothing_sharing_a_suffix() {
        assert!(is_within("features.models", "features.models"));
        assert!(is_within("features.models.x", "features.models"));
        assert!(!is_within("other.models", "models"));
        assert!(!is_within("features.modelsx", "features.models"));
    }
}
