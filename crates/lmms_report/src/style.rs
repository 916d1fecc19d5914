//! The one palette, defined in `lmms_style` so every stage's renderer can
//! take it; re-exported here, where `lmms check`'s renderers use it.

pub use lmms_style::*;
