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

/// How an alias binds its name, after ruff's `BindingKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BindingKind {
    /// `import a` or `import a.b as c`: the name is the module named.
    Import,
    /// `import a.b`: binds `a`, loads `a.b` (and `a`).
    SubmoduleImport,
    /// `from m import x [as y]`.
    FromImport,
    /// `from m import *`: names known only from `m` (no [`BoundName`]).
    Star,
}

/// One name an import statement binds in its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundName {
    /// The name bound in the namespace (`np` for `import numpy as np`,
    /// `os` for `import os.path`).
    pub bound: String,
    /// The module the statement names for this alias: the full dotted
    /// name for `import` (`numpy` for `import numpy as np`, `os.path` for
    /// `import os.path`, which binds `os`); for `from a.b import c` the
    /// module `a.b` (whether `c` is a submodule is the graph's question).
    /// Relative `from` imports keep their leading dots (`.`, `..pkg`) so a
    /// target never collides with an absolute module name.
    pub target: String,
    /// For `from m import x`: `Some("x")`; for `import m`: `None`.
    pub attribute: Option<String>,
    /// The alias's own byte range (for trimming one name from a statement).
    pub range: ByteRange,
    pub kind: BindingKind,
    /// The fully qualified name the alias refers to: `a.b` for `import a.b`
    /// and `import a.b as c`, `m.x` for `from m import x`, `..m.x` for
    /// `from ..m import x` (relative names keep their dots; `lmms_graph`
    /// resolves them against the importing file's package).
    pub qualified_name: String,
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

/// The identity of one import statement: the project-relative path of its
/// file (`/`-separated) and the statement's byte range. Stable as long as
/// the file is unchanged; its string form `path:start-end` is what plan rows
/// and fix requests carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StatementId {
    pub path: String,
    pub range: ByteRange,
}

/// One alias of a statement: `path:start-end#index` (index into
/// [`ImportRecord::names`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AliasId {
    pub statement: StatementId,
    pub index: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an import id (expected `path:start-end` or `path:start-end#index`)")]
pub struct BadId(pub String);

impl std::fmt::Display for StatementId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}-{}", self.path, self.range.start, self.range.end)
    }
}

impl std::fmt::Display for AliasId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.statement, self.index)
    }
}

impl std::str::FromStr for StatementId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, BadId> {
        let bad = || BadId(s.to_string());
        // The path may itself contain `:`; the range is after the last one.
        let (path, range) = s.rsplit_once(':').ok_or_else(bad)?;
        let (a, b) = range.split_once('-').ok_or_else(bad)?;
        let (start, end) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        if path.is_empty() || start > end {
            return Err(bad());
        }
        Ok(StatementId { path: path.to_string(), range: ByteRange { start, end } })
    }
}

impl std::str::FromStr for AliasId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<Self, BadId> {
        let (stmt, index) = s.rsplit_once('#').ok_or_else(|| BadId(s.to_string()))?;
        Ok(AliasId {
            statement: stmt.parse().map_err(|_| BadId(s.to_string()))?,
            index: index.parse().map_err(|_| BadId(s.to_string()))?,
        })
    }
}

impl serde::Serialize for StatementId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for StatementId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for AliasId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for AliasId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
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

impl ImportRecord {
    /// This statement's id in the file at `path` (project-relative, `/`).
    pub fn id(&self, path: &str) -> StatementId {
        StatementId { path: path.to_string(), range: self.range }
    }

    /// The id of alias `index` of this statement.
    pub fn alias_id(&self, path: &str, index: usize) -> AliasId {
        AliasId { statement: self.id(path), index: index as u32 }
    }
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

/// A module-level binding of a name a module-level import also binds
/// (`def dumps`, `dumps = …`, `for dumps in`, `with … as dumps`,
/// `except … as dumps`, `del dumps`): which object the name holds depends on
/// the order of statements, so the import cannot move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rebinding {
    pub name: String,
    pub range: ByteRange,
    pub line: u32,
}

/// A call that reads or writes a namespace by name (`globals()`, `eval`,
/// `exec`, `vars()`, `locals()`): the module's names are dynamic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DynamicNamespace {
    /// The builtin called (`globals`, `eval`, …).
    pub call: String,
    pub line: u32,
}

/// A function that may run at interpreter shutdown, when imports can fail:
/// a `__del__` method, an `atexit.register` target, a `weakref.finalize`
/// callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShutdownHook {
    /// The function's name as the registration spells its last part
    /// (`close` for `atexit.register(self.close)`), or its qualified name.
    pub function: String,
    /// `__del__`, `atexit.register`, `weakref.finalize`.
    pub how: String,
    pub line: u32,
}

/// A `def` or `class` whose annotations something reads at run time
/// (`@dataclass`, a pydantic `BaseModel` subclass, `NamedTuple`,
/// `TypedDict`, `@singledispatch`'s `.register`, `typing.get_type_hints(f)`,
/// `@validate_call`, a typer command…): the names they use must stay
/// importable from the module's globals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnnotationReader {
    /// The whole definition (decorators included); the whole file when the
    /// reader's target is not a name (`get_type_hints(type(self))`).
    pub range: ByteRange,
    /// What reads them, as written (`@dataclass`, `BaseModel`, `get_type_hints`).
    pub reader: String,
    /// Line of the reader (the decorator, base or call).
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntaxIssue {
    pub message: String,
    pub range: ByteRange,
    pub line: u32,
    pub column: u32,
}

/// A module-level `__lazy_modules__ = …` statement (PEP 810's compatibility
/// form: the imports of the modules it names are lazy from Python 3.15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LazyModules {
    /// The whole statement.
    pub range: ByteRange,
    /// The assigned value (`[...]`); empty at the statement's end for a bare annotation.
    pub value: ByteRange,
    /// The strings of a literal list or tuple, in order; `None` for any other value.
    pub names: Option<Vec<String>>,
    /// Written as a tuple.
    pub tuple: bool,
}

/// How a module binds PEP 562's module `__getattr__`, for a rewrite that
/// has to merge its own lookup with the module's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub enum ModuleGetattr {
    /// Nothing in the module binds `__getattr__`.
    #[default]
    Absent,
    /// One unconditional, undecorated, synchronous module-level
    /// `def __getattr__(param)`, and nothing else binds the name.
    Def {
        range: ByteRange,
        param: String,
    },
    /// Bound in a way a rewrite cannot prove it can merge with: `why` says
    /// how (`assigned at line 3`, `decorated`, …), `line` where.
    Other { why: String, line: u32 },
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
    /// Each unconditional module-level binding of PEP 810's `__lazy_modules__`.
    pub lazy_modules: Vec<LazyModules>,
    pub syntax_errors: Vec<SyntaxIssue>,
    /// Module-level rebindings of names module-level imports bind.
    pub rebindings: Vec<Rebinding>,
    /// Uses of `globals()`, `eval`, `exec`, `vars()`, `locals()` anywhere.
    pub dynamic_namespace: Vec<DynamicNamespace>,
    pub shutdown_hooks: Vec<ShutdownHook>,
    pub annotation_readers: Vec<AnnotationReader>,
    pub module_getattr: ModuleGetattr,
    /// What this file reads of other modules' namespaces (with refs only).
    #[serde(skip)]
    pub namespace: crate::NamespaceFacts,
}
