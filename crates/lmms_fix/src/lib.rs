//! PLACEHOLDER crate; its owner fills it in.
