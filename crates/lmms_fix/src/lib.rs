//! Rewrites Python sources to defer imports (the `lmms fix` engine).
//!
//! Transforms read a file's [`lmms_python::ParsedModule`] and return
//! [`Fix`]es — plain data: byte-range [`Edit`]s plus an [`Applicability`].
//! Nothing here decides *which* imports to move (that is the plan's job) and
//! nothing writes until the caller asks: [`apply_fixes`] merges all fixes of
//! a file into one new text, the caller re-parses it and only then calls
//! [`write_atomic`]. [`unified_diff`] renders what would change.

pub mod diff;
pub mod edit;
pub mod fast_path;
pub mod held;
pub mod lazy;
pub mod lock;
pub mod namespace;
pub mod pipeline;
pub mod plan_file;
pub mod replan;
pub mod select;
mod text;
pub mod verify;
pub mod write;

pub use diff::{paint_diff, unified_diff};
pub use edit::{apply_edits, apply_fixes, Applicability, Edit, Fix, FixError};
pub use lazy::{rewrite, rewrite_keeping, FileRewrite, Move, MoveKind, Options, Request, Skip, SkipReason, Target, Written};
pub use write::{write_atomic, WriteError};
