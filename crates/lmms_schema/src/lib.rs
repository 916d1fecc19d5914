//! Every `lmms.<kind>/1` document, defined once: the type that writes it,
//! its one reader and its one writer. Every stage and every other consumer
//! (the linter, the rewriter, the HTML report, `lmms schema`) uses these
//! types, so a field means the same thing everywhere and the JSON Schema
//! `lmms schema KIND` prints is derived from what is written.
//!
//! - [`profile`]: `lmms.profile/1`, `.lmms/profile.json`, and [`Origin`].
//! - [`usage`]: `lmms.usage/1`, `.lmms/usage.json`.
//! - [`plan`]: `lmms.plan/1`, `.lmms/plan.json`, with its enums ([`plan::Tier`],
//!   [`plan::Strategy`], [`plan::BlockerKind`], …).
//! - [`bench`]: `lmms.baseline/1` (`.lmms/baseline.json`) and `lmms.bench/1`
//!   (`lmms bench --format json`).
//!
//! Reading is [`parse`] (text) or [`read`]/[`read_optional`] (a file): the
//! schema string first, so a future `/2` document is reported as such, then
//! the typed fields, then [`Document::check`]'s field validation; every
//! error names the field (and, from a file, the file). Writing is
//! [`to_json`]; the atomic write to disk is `lmms_config::write_artifact`'s.
//! No I/O besides reading a file a caller names.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub mod bench;
pub mod plan;
pub mod profile;
pub mod usage;

pub use bench::{BaselineDoc, BenchDoc};
pub use plan::PlanDoc;
pub use profile::{Origin, ProfileDoc, UnknownOrigin};
pub use usage::UsageDoc;

/// A versioned JSON document lmms writes.
pub trait Document: Serialize + DeserializeOwned {
    /// `lmms.<kind>/1`.
    const SCHEMA: &'static str;
    /// What a message calls it (`profile`, `usage`, …).
    const KIND: &'static str;

    /// Field validation after a successful parse: the first field whose
    /// value no later stage may act on.
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }
}

/// One field's value is unusable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("`{field}` is {why}")]
pub struct FieldError {
    /// The JSON path, `modules[3].self_ms.median`.
    pub field: String,
    /// The value and why it cannot be used.
    pub why: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, why: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), why: why.into() }
    }
}

/// Why a document's text cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("not an lmms {kind} document: {source}")]
    Json { kind: &'static str, source: serde_json::Error },
    #[error("`schema` is {found:?}; this lmms reads {expected:?}")]
    Schema { found: String, expected: &'static str },
    #[error(transparent)]
    Field(#[from] FieldError),
}

/// Why a document file cannot be used; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}", describe(path, source))]
    Invalid { path: PathBuf, source: ParseError },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. } | ReadError::Invalid { path, .. } => path,
        }
    }
}

fn describe(path: &Path, e: &ParseError) -> String {
    let path = path.display();
    match e {
        ParseError::Json { kind, source } => format!("{path} is not an lmms {kind} document: {source}"),
        ParseError::Schema { found, expected } => format!("{path} has schema {found:?}, expected {expected:?}"),
        ParseError::Field(f) => format!("{path}: {f}"),
    }
}

/// Parse a document: its schema string first, then its fields, then
/// [`Document::check`].
pub fn parse<T: Document>(text: &str) -> Result<T, ParseError> {
    #[derive(Deserialize)]
    struct Versioned {
        schema: String,
    }
    let json = |source| ParseError::Json { kind: T::KIND, source };
    let Versioned { schema } = serde_json::from_str(text).map_err(json)?;
    if schema != T::SCHEMA {
        return Err(ParseError::Schema { found: schema, expected: T::SCHEMA });
    }
    let doc: T = serde_json::from_str(text).map_err(json)?;
    doc.check()?;
    Ok(doc)
}

/// Read and [`parse`] the document at `path`.
pub fn read<T: Document>(path: &Path) -> Result<T, ReadError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReadError::Io { path: path.to_path_buf(), source })?;
    parse(&text).map_err(|source| ReadError::Invalid { path: path.to_path_buf(), source })
}

/// [`read`], with `None` when there is no file at `path` (any other error
/// reading it is an error: a document that is there but unreadable is never
/// skipped).
pub fn read_optional<T: Document>(path: &Path) -> Result<Option<T>, ReadError> {
    match read(path) {
        Err(ReadError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        other => other.map(Some),
    }
}

/// The document as lmms writes it: pretty-printed, in field order, with a
/// final newline.
pub fn to_json<T: Document>(doc: &T) -> String {
    let mut text = serde_json::to_string_pretty(doc).expect("an lmms document always serializes");
    text.push('\n');
    text
}
