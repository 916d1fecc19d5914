//! ## What it does
//! Reports a file that could not be checked: unreadable, not valid UTF-8,
//! too large, or a path the walk could not follow (such as a symlink loop).
//! Checking continues with the other files.
//!
//! ## Why is this bad?
//! Python refuses to import a source file that is not valid UTF-8 (without
//! an encoding declaration), and an unchecked file can hide heavy imports.
//!
//! ## Example
//! A file saved as Latin-1 containing `café`.
//!
//! ## Use instead
//! Save the file as UTF-8, or exclude it with `exclude` in `[tool.lmms]`.
//!
//! ## Fix safety
//! No fix.
