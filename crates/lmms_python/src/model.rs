//! The import model every later stage reads. These types are the contract
//! between the parser adapter and the graph, lint, usage, plan and fix
//! stages: no ruff type leaks past this crate.

use serde::Serialize;

/// A half-open byte range `[start, end)` into the file's UTF-8 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ByteRange {
    pub start: u32,
    pub end: u32,
}

/// Where an import statement sits, innermost meaningful context first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportScope {
    /// Top level of the module, unconditionally executed at import time.
    Module,
    /// Inside a function (or method/lambda); `function` is the qualified
    /// name (`Class.method`, `outer.<locals>.inner` style: `outer.inner`).
    Function { function: String },
    /// Directly in a class body (runs at import time).
    Class { class: String },
    /// Under `if TYPE_CHECKING:` (never runs).
    TypeChecking,
    /// In a `try:` whose handlers catch ImportError/ModuleNotFoundError.
    TryImportError,
    /// Any other conditional at module level (`if`, `with`, `try` …).
    Conditional,
}

/// One name an import statement binds in its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundName {
    /// The name bound in the namespace (`np` for `import numpy as np`,
    /// `os` for `import os.path`).
    pub bound: String,
    /// The module the name refers to when used as a module
    /// (`numpy` for `import numpy as np`, `os` for `import os.path`,
    /// `a.b.c` for `from a.b import c` only if `c` is a submodule — unknown
    /// statically, so for `from` imports this is `a.b` + the attribute `c`).
    /// Relative `from` imports keep their leading dots (`.`, `..pkg`) so a
    /// target never collides with an absolute module name.
    pub target: String,
    /// For `from m import x`: `Some("x")`; for `import m`: `None`.
    pub attribute: Option<String>,
    /// The alias's own byte range (for trimming one name from a statement).
    pub range: ByteRange,
}

/// How a bound name is referenced outside annotations, at import time, or in
/// function bodies. The fix and usage stages depend on this split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RefContext {
    /// Evaluated while the module is imported.
    ModuleLevel { what: ModuleLevelUse },
    /// Inside a function body; `function` is the qualified name of the
    /// *outermost* enclosing function (where a lazy import would go) and
    /// `innermost` the function whose body holds the reference.
    Function { function: String, innermost: String },
    /// Only in an annotation that is not evaluated at runtime
    /// (`from __future__ import annotations`, string annotations, function
    /// annotations under PEP 649/563, or variable annotations in functions).
    Annotation { evaluated_at_import: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModuleLevelUse {
    ClassBase,
    Decorator,
    DefaultArgument,
    /// A call whose callee is rooted at the name (`boto3.client("s3")`).
    Call,
    /// Stored as a value, e.g. a dispatch table `{"a": feature.handle}`.
    Value,
    /// `__all__` lists the name.
    DunderAll,
    /// `global name` inside a function rebinds it.
    GlobalRebind,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameRef {
    pub bound: String,
    pub range: ByteRange,
    pub context: RefContext,
}

/// One `import` / `from … import …` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportRecord {
    /// The module as written, without leading dots (`""` for `from . import x`).
    pub module: String,
    /// Leading dots of a relative import (0 = absolute).
    pub level: u32,
    pub is_from: bool,
    pub is_star: bool,
    /// PEP 810 `lazy import`.
    pub is_lazy: bool,
    pub names: Vec<BoundName>,
    /// The whole statement.
    pub range: ByteRange,
    pub scope: ImportScope,
    /// Inside a `for`/`while` body (at any depth within its function).
    pub in_loop: bool,
    /// 1-based line of the statement start.
    pub line: u32,
}

/// A function definition (for inserting lazy imports and for attributing
/// per-request use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionDef {
    /// Qualified name, `Class.method` / `outer.inner`.
    pub qualname: String,
    pub line: u32,
    pub range: ByteRange,
    /// Byte offset where the first body statement starts (after a docstring
    /// if there is one), and its indentation: where a lazy import goes.
    pub body_insert_at: u32,
    pub body_indent: String,
    pub is_async: bool,
}

/// A module-level assignment whose value is a call rooted at an imported
/// name (`S3 = boto3.client("s3")`): cost the import move cannot remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleLevelCall {
    /// Target names assigned (`S3`), empty for a bare expression statement.
    pub targets: Vec<String>,
    /// The import-bound name the call is rooted at (`boto3`).
    pub root: String,
    /// Dotted callee as written (`boto3.client`).
    pub callee: String,
    pub range: ByteRange,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxIssue {
    pub message: String,
    pub range: ByteRange,
    pub line: u32,
    pub column: u32,
}

/// Everything the adapter extracts from one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct ParsedModule {
    pub imports: Vec<ImportRecord>,
    /// References to names bound by *module-level* imports (any scope kind
    /// except `Function` and `Class` — a class-body import binds a class
    /// attribute, not a module name), in source order. Names shadowed by a
    /// local binding (parameter, assignment, comprehension target) are not
    /// references.
    pub refs: Vec<NameRef>,
    pub functions: Vec<FunctionDef>,
    pub module_calls: Vec<ModuleLevelCall>,
    /// `from __future__ import annotations` present.
    pub future_annotations: bool,
    /// Names listed in a literal `__all__`.
    pub dunder_all: Vec<String>,
    pub syntax_errors: Vec<SyntaxIssue>,
}
