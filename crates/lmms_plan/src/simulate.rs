//! --simulate scripts.
