//! Which aliases a fix acts on. A request names an alias by its id (the
//! statement's byte range and the alias index), never by line or by
//! module-name text: plan rows carry the statement id, and `--lazy MODULE`
//! selects the aliases whose module `lmms_graph` resolved to `MODULE` or one
//! of its submodules.

use lmms_graph::{is_within, ImportGraph, ImportRef};
use lmms_python::{ByteRange, ImportRecord, ImportScope};

/// One import to defer: the alias (`alias: None` for a star import) and the
/// justification written after the moved import, without the `#`
/// (`lazy: 142 ms, used by 7% of requests (T4)`); empty for none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: ImportRef,
    pub comment: String,
}

/// One alias of a file and the absolute names it answers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: ImportRef,
    /// Index into the file's `ParsedModule::imports`.
    pub statement: usize,
    /// The module the graph resolved the alias to.
    pub module: String,
    /// The alias's absolute qualified name (`from a import b` → `a.b`),
    /// which a plan or a user may know to be a module when the graph
    /// cannot see it (the stdlib, an uninstalled package).
    pub qualified: String,
}

/// Every alias of `file` with its resolution.
pub fn candidates(graph: &ImportGraph, file: usize) -> Vec<Candidate> {
    let Some(parsed) = graph.files[file].module_ast() else { return Vec::new() };
    let mut out = Vec::new();
    for (si, (rec, targets)) in parsed.imports.iter().zip(graph.import_targets(file)).enumerate() {
        let base = graph.absolute_module(file, rec);
        for (ni, t) in targets {
            let qualified = match (ni, rec.is_from, &base) {
                (Some(ni), true, Some(base)) => {
                    lmms_graph::from_import_module(base, rec.names[*ni].attribute.as_deref().unwrap_or_default(), &|_| true)
                }
                _ => t.module.clone(),
            };
            out.push(Candidate { id: t.id, statement: si, module: t.module.clone(), qualified });
        }
    }
    out
}

/// `--lazy MODULE`: every alias naming exactly `module` or a submodule
/// (`a.b` selects `import a.b`, `import a.b.c`, `from a.b import x`,
/// `from a import b`, and a relative import resolving to one of them; never
/// `other.b` nor `from .b import x` in another package).
pub fn select_module<'c>(cands: &'c [Candidate], module: &str) -> impl Iterator<Item = &'c Candidate> + 'c {
    let module = module.to_string();
    cands.iter().filter(move |c| is_within(&c.module, &module) || c.qualified == module)
}

/// Why a plan row no longer applies to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stale {
    /// No import statement starts and ends at the row's byte range.
    NoStatement,
    /// The statement there imports something else.
    OtherModule,
}

/// A plan row: the aliases of the statement at `range` that import `module`.
pub fn select_row<'c>(cands: &'c [Candidate], range: ByteRange, module: &str) -> Result<Vec<&'c Candidate>, Stale> {
    let at: Vec<&Candidate> = cands.iter().filter(|c| c.id.statement == range).collect();
    if at.is_empty() {
        return Err(Stale::NoStatement);
    }
    let hits: Vec<&Candidate> = at.into_iter().filter(|c| c.module == module || c.qualified == module).collect();
    if hits.is_empty() {
        return Err(Stale::OtherModule);
    }
    Ok(hits)
}

/// Whether `module` is imported in this file only inside functions, under
/// `TYPE_CHECKING` or as a PEP 810 `lazy import`: a plan row an earlier
/// `lmms fix` applied, as opposed to a stale one.
pub fn already_deferred(cands: &[Candidate], imports: &[ImportRecord], module: &str) -> bool {
    let of_module = || cands.iter().filter(|c| c.module == module || c.qualified == module).map(|c| &imports[c.statement]);
    let deferred = of_module().any(|i| matches!(i.scope, ImportScope::Function { .. } | ImportScope::TypeChecking));
    let eager = of_module().any(|i| matches!(i.scope, ImportScope::Module) && !i.is_lazy);
    deferred && !eager || of_module().any(|i| i.is_lazy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lmms_graph::{Environment, SourceFile};

    fn graph(files: &[(&str, &str, &str)]) -> ImportGraph {
        let files = files
            .iter()
            .map(|(path, module, src)| SourceFile {
                path: path.into(),
                module: Some(module.to_string()),
                is_package: path.ends_with("__init__.py"),
                parsed: Ok((src.to_string(), lmms_python::parse_module(src))),
            })
            .collect();
        ImportGraph::new(files, Vec::new(), Environment::builtin())
    }

    fn selected(g: &ImportGraph, file: usize, module: &str) -> Vec<String> {
        let cands = candidates(g, file);
        select_module(&cands, module).map(|c| c.qualified.clone()).collect()
    }

    #[test]
    fn a_module_selects_itself_its_submodules_and_names_imported_from_them() {
        let src = "import a.b\nimport a.b.c as abc\nimport xa.b\nimport a.bc\nfrom a import b\nfrom a.b import d\nfrom a import e\n";
        let g = graph(&[("m.py", "m", src)]);
        assert_eq!(selected(&g, 0, "a.b"), ["a.b", "a.b.c", "a.b", "a.b.d"]);
    }

    #[test]
    fn relative_imports_select_by_their_resolved_module() {
        let g = graph(&[
            ("other/use.py", "other.use", "from .models import X\nfrom . import models\n"),
            ("features/use.py", "features.use", "from .models import X\n"),
            ("other/models.py", "other.models", ""),
        ]);
        assert!(selected(&g, 0, "features.models").is_empty());
        assert_eq!(selected(&g, 0, "other.models"), ["other.models.X", "other.models"]);
        assert_eq!(selected(&g, 1, "features.models"), ["features.models.X"]);
    }

    #[test]
    fn a_plan_row_is_stale_once_its_range_holds_another_import() {
        let g = graph(&[("m.py", "m", "import os\nimport csv\n")]);
        let cands = candidates(&g, 0);
        let csv = cands[1].id.statement;
        assert_eq!(select_row(&cands, csv, "csv").unwrap().len(), 1);
        assert_eq!(select_row(&cands, csv, "json"), Err(Stale::OtherModule));
        assert_eq!(select_row(&cands, ByteRange { start: 1, end: 5 }, "csv"), Err(Stale::NoStatement));
    }
}
