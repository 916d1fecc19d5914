//! What every subcommand shares: the project (config discovered once), the
//! output stream, and whether to colour.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context as _};

#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Run as if started in this directory.
    #[arg(short = 'C', long = "directory", global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,
    /// Use this configuration file instead of discovering one.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub struct Ctx {
    pub cwd: PathBuf,
    pub project: lmms_config::Project,
    pub color: bool,
}

impl Ctx {
    /// `config: false` is for commands that read no configuration (`lmms
    /// rule`): a broken config file must not stop them.
    pub fn new(g: GlobalArgs, config: bool) -> anyhow::Result<Ctx> {
        let cwd = match g.directory {
            Some(d) => {
                let cwd = std::fs::canonicalize(&d).with_context(|| format!("cannot enter {}", d.display()))?;
                if !cwd.is_dir() {
                    bail!("-C {}: not a directory", d.display());
                }
                cwd
            }
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        let project = match &g.config {
            Some(f) if config => lmms_config::load_file(&cwd.join(f), false)?,
            None if config => lmms_config::discover(&cwd)?,
            _ => lmms_config::Project { root: cwd.clone(), config_file: None, config: Default::default() },
        };
        let color = match g.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Ok(Ctx { cwd, project, color })
    }
}

/// A closed stdout (`lmms profile | head`) is the reader's choice, not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// clap parser for every `--timeout SECONDS` flag: `inf`, `nan`, `0` and
/// negative values are usage errors (exit 2), never a panic later.
pub fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s.trim().parse().map_err(|_| format!("{s:?} is not a number of seconds"))?;
    lmms_config::timeout_from_secs(secs).map_err(|e| e.to_string())
}

/// The timeout a start may take: the flag, else config `timeout` (validated
/// when the config was read), else 60 s.
pub fn start_timeout(
    flag: Option<std::time::Duration>,
    cfg: &lmms_config::Config,
) -> anyhow::Result<std::time::Duration> {
    match (flag, cfg.timeout) {
        (Some(d), _) => Ok(d),
        (None, Some(secs)) => {
            lmms_config::timeout_from_secs(secs).map_err(|e| anyhow::anyhow!("config `timeout` {e}"))
        }
        (None, None) => Ok(std::time::Duration::from_secs(60)),
    }
}
