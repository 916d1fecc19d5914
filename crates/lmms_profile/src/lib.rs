//! Measure imports in fresh interpreters.
pub mod doc;
pub mod runner;
