//! The project's import statements, from the import graph (`lmms_graph`).
//!
//! Only files the entry module reaches count ([`Sources::retain_reachable`]):
//! tests, scripts and event generators next to the function never run in
//! it. A file that cannot be read or parsed is reported and skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lmms_python::{ImportScope, ParsedModule, RefContext};

/// One import statement, resolved to absolute module names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
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
}

/// Resolve `from ..x import y` inside `file_module` to an absolute name.
pub fn resolve_relative(file_module: &str, is_package: bool, level: u32, module: &str) -> Option<String> {
    if level == 0 {
        return Some(module.to_owned());
    }
    let mut parts: Vec<&str> = file_module.split('.').collect();
    if !is_package {
        parts.pop();
    }
    for _ in 1..level {
        parts.pop()?;
    }
    if !module.is_empty() {
        parts.push(module);
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

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
    let mut s = Sources::default();
    s.problems.extend(issues.into_iter().map(|i| format!("{}: {}", i.path.display(), i.message)));
    for f in &graph.files {
        // Stubs never run; a file outside every root has no module name.
        let Some(file_module) = f.module.as_deref().filter(|_| f.path.extension().is_some_and(|e| e == "py")) else {
            continue;
        };
        let rel = f.path.strip_prefix(root).unwrap_or(&f.path).to_string_lossy().replace('\\', "/");
        let parsed = match &f.parsed {
            Ok((_, p)) => p,
            Err(e) => {
                s.problems.push(e.to_string());
                continue;
            }
        };
        if let Some(e) = parsed.syntax_errors.first() {
            s.problems.push(format!("{rel}:{}:{}: syntax error: {}", e.line, e.column, e.message));
        }
        add_file(&mut s, &rel, file_module, f.is_package, parsed);
    }
    s
}

impl Sources {
    /// Keep only files the entry module imports, directly or transitively
    /// (with their parent packages, which Python runs first). Scripts, tools
    /// and event generators next to the function are not part of it. When
    /// the entry module is not a project file, everything is kept.
    pub fn retain_reachable(&mut self, entry_module: &str) {
        if !self.modules.contains(entry_module) {
            return;
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = vec![entry_module.to_owned()];
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
            path: rel.to_owned(),
            line: imp.line,
            file_module: file_module.to_owned(),
            module,
            from_names,
            bound: imp.names.iter().map(|n| n.bound.clone()).collect(),
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
}
