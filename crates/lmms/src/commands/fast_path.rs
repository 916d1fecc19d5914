//! PLACEHOLDER: owned by the helper implementing this command; replaced before landing.

use std::process::ExitCode;

use crate::context::Ctx;

#[derive(Debug, clap::Subcommand)]
pub enum FastPathCommand {
    Generate,
    Check,
}

pub fn run(_cmd: FastPathCommand, _ctx: &Ctx) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
