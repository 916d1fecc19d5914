//! `lmms rule`: print a rule's documentation (its source file's doc comment),
//! for `lmms check`'s own rules and DEC-04's fast-path rules alike.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use lmms_lint::{redirect, Rule, RULES};
use lmms_report::style::paint;

use crate::context::Ctx;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule code or name, e.g. `LMM001`, `LMM101` or `heavy-module-level-import`.
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub code: Option<String>,
    /// List every rule.
    #[arg(long)]
    pub all: bool,
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let theme = &ctx.theme;
    let mut out = std::io::stdout().lock();
    if args.all {
        for r in RULES {
            writeln!(out, "{}  {:<26}  {}", paint(theme.error, r.code), r.name, r.summary)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let code = args.code.unwrap_or_default();
    let Some(rule) = Rule::from_code(&code) else {
        bail!("unknown rule `{code}`; `lmms rule --all` lists the rules")
    };
    let info = rule.info();
    if redirect(&code).is_some() {
        writeln!(
            out,
            "{}: `{code}` is retired; its checks are {} ({}) now\n",
            paint(theme.warning, "note"),
            info.code, info.name
        )?;
    }
    writeln!(out, "{}\n", paint(theme.heading, &format!("# {} ({})", info.name, info.code)))?;
    write!(out, "{}", info.doc())?;
    Ok(ExitCode::SUCCESS)
}
