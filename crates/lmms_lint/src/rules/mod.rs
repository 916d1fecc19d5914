//! One file per rule. Each file's `//!` comment is the rule's user
//! documentation, printed by `lmms rule CODE`.

pub(crate) mod heavy_module_level_import;
pub(crate) mod import_in_loop;
pub(crate) mod import_time_call;
pub(crate) mod invalid_syntax;
pub(crate) mod over_lazy_import;
pub(crate) mod transitive_heavy_import;
pub(crate) mod unreadable_file;
