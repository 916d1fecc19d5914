//! One module per subcommand.

/// `--format` of every command whose output is a text report or its JSON
/// document; commands with more formats (`check`, `bench`, `report`) keep
/// their own.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

pub mod bench;
pub mod check;
pub mod completions;
pub mod fast_path;
pub mod fix;
pub mod fix_verify;
pub mod functions;
pub mod plan;
pub mod profile;
pub mod report;
pub mod rule;
pub mod runtime;
pub mod schema;
pub mod usage;
