//! What every subcommand shares: the project (config discovered once), the
//! output stream, and whether to colour — decided here once, for every
//! renderer.

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
    /// The function to work on, by name, from a SAM, Serverless or CDK template (`lmms functions` lists them).
    #[arg(long, global = true, value_name = "NAME")]
    pub function: Option<String>,
    /// When to colour output (`auto` honours NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE and the terminal).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only errors and the result: no progress bars, notes or warnings.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more: `plan` explains every import, every process started is
    /// listed with its exit and wall time (repeatable).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
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
    /// The template's functions, when the project comes from one.
    pub catalog: Option<lmms_template::Catalog>,
    /// The function picked from the template (`--function`, or the only one).
    pub function: Option<lmms_template::Function>,
    /// The styles every renderer paints with (plain unless stdout is coloured).
    pub theme: lmms_report::Theme,
    /// `-q`: only errors and the result lines.
    pub quiet: bool,
    /// Progress bars and `-v` lines, on stderr.
    pub reporter: crate::progress::Reporter,
}

impl Ctx {
    pub fn new(g: GlobalArgs, need: crate::commands::functions::Need) -> anyhow::Result<Ctx> {
        let cwd = match &g.directory {
            Some(d) => {
                let cwd = std::fs::canonicalize(d).with_context(|| format!("cannot enter {}", d.display()))?;
                if !cwd.is_dir() {
                    bail!("-C {}: not a directory", d.display());
                }
                cwd
            }
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        let (project, catalog, function) = crate::commands::functions::resolve(&cwd, &g, need)?;
        let color = colour_stdout(g.color, &|k| std::env::var_os(k));
        let bars = !g.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
        let reporter = crate::progress::Reporter::new(bars, g.verbose);
        let theme = lmms_report::Theme::new(color);
        Ok(Ctx { cwd, project, catalog, function, theme, quiet: g.quiet, reporter })
    }

    /// `lmms: …` on stderr, unless `-q`.
    pub fn info(&self, msg: impl std::fmt::Display) {
        if !self.quiet {
            self.reporter.detail(0, || msg.to_string());
        }
    }

    /// `lmms: warning: …` on stderr, unless `-q`.
    pub fn warn(&self, msg: impl std::fmt::Display) {
        self.info(format_args!("warning: {msg}"));
    }

    /// `lmms: note: …` on stderr, unless `-q`.
    pub fn note(&self, msg: impl std::fmt::Display) {
        self.info(format_args!("note: {msg}"));
    }

    /// The runner for every process the command starts (`-v` lists them).
    pub fn runner(&self) -> crate::progress::Logged<'_> {
        self.reporter.runner()
    }

    /// The environment every process started for the function gets.
    pub fn env(&self) -> Vec<(String, String)> {
        self.function.as_ref().map(lmms_template::Function::env_pairs).unwrap_or_default()
    }
}

/// The one colour decision. `--color always/never` wins; under `auto`, a
/// non-empty `NO_COLOR` turns colour off (no-color.org), then a non-empty
/// `FORCE_COLOR` turns it on (force-color.org, as ruff and CI systems use
/// it), then anstream decides from `CLICOLOR`, `CLICOLOR_FORCE`, `TERM` and
/// whether stdout is a terminal.
fn colour_stdout(choice: ColorChoice, env: &dyn Fn(&str) -> Option<std::ffi::OsString>) -> bool {
    let set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if set("NO_COLOR") => false,
        ColorChoice::Auto if set("FORCE_COLOR") => true,
        ColorChoice::Auto => anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.into())
    }

    #[test]
    fn the_flag_wins_then_no_color_then_force_color() {
        assert!(colour_stdout(ColorChoice::Always, &with(&[("NO_COLOR", "1")])));
        assert!(!colour_stdout(ColorChoice::Never, &with(&[("FORCE_COLOR", "1")])));
        assert!(!colour_stdout(ColorChoice::Auto, &with(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")])));
        assert!(colour_stdout(ColorChoice::Auto, &with(&[("FORCE_COLOR", "1")])));
        // Empty means unset for both.
        assert!(colour_stdout(ColorChoice::Auto, &with(&[("NO_COLOR", ""), ("FORCE_COLOR", "3")])));
    }
}
