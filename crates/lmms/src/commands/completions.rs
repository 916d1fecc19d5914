//! `lmms completions SHELL` and `lmms man`: generated from the same clap
//! definition as `--help`, so they cannot drift from the real flags. Neither
//! reads a config: `source <(lmms completions bash)` in a shell's rc file
//! must work in any directory.

use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {}

pub fn completions(args: CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    // clap_complete panics when its writer fails, so a closed pipe would
    // panic: render into memory, then write with an error we can handle.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "lmms", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(_args: ManArgs, cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    std::io::stdout().lock().write_all(&page)?;
    Ok(ExitCode::SUCCESS)
}
