//! The parser adapter: the only crate that sees ruff's AST.
//!
//! [`parse_module`] turns Python source into the [`model`] every later stage
//! reads — imports with their scope, references to module-level imports with
//! the context they run in, function insertion points, import-time calls and
//! syntax errors. Parsing is error-tolerant (`parse_unchecked`): a file with
//! a syntax error still yields everything the parser recovered, and nothing
//! here panics on bad input.

mod depth;
mod extract;
mod lines;
pub mod model;

use std::cell::Cell;
use std::io::Read as _;
use std::path::{Path, PathBuf};

pub use extract::namespace::{
    AllSource, AttributeRead, DottedTarget, DunderAllFacts, GeneratedImport, ModuleAlias, NamedAttribute, NamespaceFacts,
};
pub use lines::LineIndex;
pub use model::*;

use ruff_python_ast::PySourceType;

/// Files larger than this are reported, not parsed: ruff's offsets are u32
/// and nothing legitimate on an import path is this big.
pub const MAX_SOURCE_BYTES: u64 = 512 * 1024 * 1024;

/// Sources whose [`depth::nesting_bound`] exceeds this are reported, not
/// parsed. Measured: a debug build needs up to ~2 KB of stack per level
/// (`1+1+…`, nested lists, `if/else` chains; release less), so this fits in
/// [`DEEP_STACK_BYTES`] three times over. CPython itself refuses 200 nested
/// brackets; no real module comes near.
pub const MAX_NESTING: u32 = 150_000;

/// Above this bound the parse runs on a thread of its own with
/// [`DEEP_STACK_BYTES`], whatever thread called it (~0.5 MB at 2 KB a level
/// fits any caller's stack).
const SHALLOW_NESTING: u32 = 256;
pub const DEEP_STACK_BYTES: usize = 1 << 30;

thread_local! {
    /// Whether this thread's stack is at least [`DEEP_STACK_BYTES`].
    static DEEP_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Tell the parser the calling thread was created with a stack of
/// `bytes`: from [`DEEP_STACK_BYTES`] up, deep sources parse on it instead
/// of on a thread of their own. Call it first thing on such a thread (a
/// thread pool's start handler); a false claim can overflow the stack.
pub fn set_thread_stack_size(bytes: usize) {
    DEEP_STACK.with(|d| d.set(bytes >= DEEP_STACK_BYTES));
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not valid UTF-8 (first invalid byte at offset {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}: {size} bytes is larger than the {max} byte limit")]
    TooLarge { path: PathBuf, size: u64, max: u64 },
}

impl SourceError {
    pub fn path(&self) -> &Path {
        match self {
            SourceError::Read { path, .. }
            | SourceError::NotUtf8 { path, .. }
            | SourceError::TooLarge { path, .. } => path,
        }
    }
}

/// What to extract beyond imports, module-level calls, `__all__` and syntax
/// errors (always extracted). Consumers that need neither references nor
/// function records (`lmms check`) skip their cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extract {
    /// `ParsedModule::refs` (implies `functions`).
    pub refs: bool,
    /// `ParsedModule::functions`.
    pub functions: bool,
}

impl Extract {
    pub const ALL: Extract = Extract {
        refs: true,
        functions: true,
    };
    pub const IMPORTS_ONLY: Extract = Extract {
        refs: false,
        functions: false,
    };
}

impl Default for Extract {
    fn default() -> Self {
        Extract::ALL
    }
}

/// Parse one module's source. Never fails: syntax errors land in
/// `syntax_errors` next to whatever could be recovered.
pub fn parse_module(source: &str) -> ParsedModule {
    parse_module_with(source, Extract::ALL)
}

/// [`parse_module`] extracting only what `what` asks for.
pub fn parse_module_with(source: &str, what: Extract) -> ParsedModule {
    parse(source, what, &[])
}

/// [`parse_module`] for a file whose `from X import *` statements bind
/// `star_bound`: a star import's names depend on X (its `__all__` or public
/// names), which this file cannot tell, so the caller supplies them. They
/// are then treated as names bound by module-level imports, and references
/// to them appear in `refs` (the `imports` records are unchanged).
pub fn parse_module_star(source: &str, star_bound: &[&str]) -> ParsedModule {
    parse(source, Extract::ALL, star_bound)
}

fn parse(source: &str, what: Extract, star_bound: &[&str]) -> ParsedModule {
    if source.len() as u64 > MAX_SOURCE_BYTES {
        return ParsedModule {
            syntax_errors: vec![SyntaxIssue {
                message: format!("file too large to parse ({} bytes)", source.len()),
                range: ByteRange { start: 0, end: 0 },
                line: 1,
                column: 1,
            }],
            ..ParsedModule::default()
        };
    }
    // The bound never exceeds the source's length (each level takes at
    // least one byte), so a source of at most MAX_NESTING bytes is never
    // refused, and on a thread that already has the deep stack it parses
    // here whatever the bound: the pass over its bytes would decide nothing.
    if source.len() <= MAX_NESTING as usize && DEEP_STACK.with(Cell::get) {
        return parse_on_this_thread(source, what, star_bound);
    }
    let (depth, line) = depth::nesting_bound(source);
    if depth > MAX_NESTING {
        return too_deep(format!(
            "nested too deeply to parse safely (about {depth} levels at line {line}; the limit is {MAX_NESTING})"
        ), line);
    }
    if depth <= SHALLOW_NESTING {
        return parse_on_this_thread(source, what, star_bound);
    }
    std::thread::scope(|s| {
        let deep = std::thread::Builder::new()
            .name("lmms-deep-parse".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(s, || parse_on_this_thread(source, what, star_bound));
        match deep.map(|h| h.join()) {
            Ok(Ok(parsed)) => parsed,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(e) => too_deep(format!("cannot start a parser thread for {depth} nesting levels: {e}"), line),
        }
    })
}

fn too_deep(message: String, line: u32) -> ParsedModule {
    ParsedModule {
        syntax_errors: vec![SyntaxIssue { message, range: ByteRange { start: 0, end: 0 }, line, column: 1 }],
        ..ParsedModule::default()
    }
}

fn parse_on_this_thread(source: &str, what: Extract, star_bound: &[&str]) -> ParsedModule {
    let parsed = ruff_python_parser::parse_unchecked_source(source, PySourceType::Python);
    let lines = if parsed.errors().is_empty() {
        None
    } else {
        Some(LineIndex::new(source))
    };
    let mut syntax_errors: Vec<SyntaxIssue> = parsed
        .errors()
        .iter()
        .map(|e| {
            let start = e.location.start().to_u32();
            let (line, column) = lines.as_ref().map_or((1, 1), |l| l.line_col(source, start));
            SyntaxIssue {
                message: e.error.to_string(),
                range: ByteRange {
                    start,
                    end: e.location.end().to_u32(),
                },
                line,
                column,
            }
        })
        .collect();
    syntax_errors.sort_by_key(|e| e.range.start);
    let module = parsed.into_syntax();
    let mut out = extract::Extractor::new(source, what)
        .with_star_bound(star_bound)
        .run(&module.body);
    out.syntax_errors = syntax_errors;
    if what.refs {
        out.namespace = extract::namespace::facts(source, &module.body);
    }
    out
}

/// Read a file as UTF-8 and parse it.
pub fn read_and_parse(path: &Path) -> Result<(String, ParsedModule), SourceError> {
    read_and_parse_with(path, Extract::ALL)
}

/// [`read_and_parse`] extracting only what `what` asks for.
pub fn read_and_parse_with(
    path: &Path,
    what: Extract,
) -> Result<(String, ParsedModule), SourceError> {
    let text = read_source(path)?;
    let parsed = parse_module_with(&text, what);
    Ok((text, parsed))
}

/// Read a Python file, rejecting non-UTF-8 and oversized files with a
/// diagnosable error. A UTF-8 BOM is kept (the parser skips it).
pub fn read_source(path: &Path) -> Result<String, SourceError> {
    let read_error = |source| SourceError::Read {
        path: path.to_path_buf(),
        source,
    };
    // One open: the size is the open file's, and the path is looked up once.
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let len = file.metadata().map_err(read_error)?.len();
    if len > MAX_SOURCE_BYTES {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            size: len,
            max: MAX_SOURCE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.read_to_end(&mut bytes).map_err(read_error)?;
    String::from_utf8(bytes).map_err(|e| SourceError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Resolve the target of a relative import the way CPython's
/// `importlib._bootstrap._resolve_name` does: `from ..x import y` inside
/// `pkg.sub.mod` → `pkg.x`. `is_package` is true for an `__init__.py` (its
/// own name is the anchor). `None` when the dots climb above the top level.
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

/// The dotted module name of `file` under the first source root containing
/// it (`pkg/__init__.py` → `pkg`, `pkg/mod.py` → `pkg.mod`). `None` when the
/// file is under no root or a path component is not an identifier.
pub fn module_name(file: &Path, roots: &[PathBuf]) -> Option<String> {
    let rel = roots.iter().find_map(|r| file.strip_prefix(r).ok())?;
    let mut parts: Vec<&str> = Vec::new();
    let comps: Vec<_> = rel.components().collect();
    for (i, c) in comps.iter().enumerate() {
        let s = c.as_os_str().to_str()?;
        if i + 1 == comps.len() {
            let stem = s.strip_suffix(".py").or_else(|| s.strip_suffix(".pyi"))?;
            if stem != "__init__" {
                parts.push(stem);
            }
        } else {
            parts.push(s);
        }
    }
    if parts.is_empty() || !parts.iter().all(|p| is_identifier(p)) {
        return None;
    }
    Some(parts.join("."))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

#[cfg(test)]
mod tests;
