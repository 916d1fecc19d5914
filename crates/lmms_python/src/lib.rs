//! PLACEHOLDER: the parser adapter over ruff_python_parser; owner fills it in.
pub mod model;
pub use model::*;
