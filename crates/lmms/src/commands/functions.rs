//! `lmms functions`: the Python functions of a SAM, Serverless or CDK
//! template, and the `--function NAME` choice every command shares.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::bail;
use lmms_config::Project;
use lmms_template::{Catalog, Function, TEMPLATE_FILES};

use crate::context::{Ctx, GlobalArgs};

pub const FUNCTIONS_SCHEMA: &str = "lmms.functions/1";

use super::Format;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// How much of a template a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// One function: with several and no `--function`, a usage error.
    One,
    /// One if picked, else every function at once (`lmms check`).
    Any,
    /// The list itself (`lmms functions`).
    List,
    /// No configuration and no template (`lmms rule`): a broken one must
    /// not stop a command that needs neither.
    Nothing,
}

/// The project a command works on: `--config FILE`, else the nearest
/// `[tool.lmms]`/`lmms.toml` or template (a configuration wins in its own
/// directory), and the function picked from the template.
pub fn resolve(cwd: &Path, g: &GlobalArgs, need: Need) -> anyhow::Result<(Project, Option<Catalog>, Option<Function>)> {
    if need == Need::Nothing {
        return Ok((Project { root: cwd.to_path_buf(), config_file: None, config: Default::default() }, None, None));
    }
    let pick = g.function.as_deref();
    let (project, catalog) = match &g.config {
        Some(f) if lmms_template::is_template_file(f) => (
            Project {
                root: cwd.to_path_buf(),
                config_file: None,
                config: Default::default(),
            },
            Some(lmms_template::load(&cwd.join(f))?),
        ),
        Some(f) => (lmms_config::load_file(&cwd.join(f), false)?, None),
        None => {
            let project = lmms_config::discover(cwd)?;
            let config_dir = project.config_file.as_deref().and_then(Path::parent);
            let catalog = lmms_template::discover(cwd, config_dir)?;
            (project, catalog)
        }
    };
    let Some(catalog) = catalog else {
        if let Some(name) = pick {
            match &project.config_file {
                Some(f) => bail!(
                    "--function {name}: {} configures the project, so templates are not read",
                    f.display()
                ),
                None => bail!(
                    "--function {name}: no {} or cdk.out/*.template.json in {} or above",
                    TEMPLATE_FILES.join(", "),
                    cwd.display()
                ),
            }
        }
        return Ok((project, None, None));
    };
    let function = catalog.select(pick, cwd, need == Need::One)?.cloned();
    if need != Need::List {
        let mut err = std::io::stderr().lock();
        for i in &catalog.ignored {
            let _ = writeln!(
                err,
                "lmms: note: {}: ignoring {}: {}",
                catalog.relative(&i.template).display(),
                i.name,
                i.reason
            );
        }
        for note in function.iter().flat_map(|f| &f.notes) {
            let _ = writeln!(err, "lmms: note: {note}");
        }
    }
    let project = match function
        .as_ref()
        .map(Function::project)
        .or_else(|| catalog.project_all())
    {
        Some(p) => p,
        // No Python function: the directory as a plain project, as without a template.
        None => project,
    };
    Ok((project, Some(catalog), function))
}

pub fn run(args: Args, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let Some(catalog) = &ctx.catalog else {
        let why = match &ctx.project.config_file {
            Some(f) => format!("{} configures the project, so templates are not read", f.display()),
            None => format!(
                "no {} or cdk.out/*.template.json in {} or above",
                TEMPLATE_FILES.join(", "),
                ctx.cwd.display()
            ),
        };
        match args.format {
            Format::Json => {
                let doc = FunctionsDoc {
                    schema: FUNCTIONS_SCHEMA,
                    kind: None,
                    templates: Vec::new(),
                    functions: Vec::new(),
                    ignored: Vec::new(),
                };
                writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
            }
            Format::Text => writeln!(out, "no functions: {why}")?,
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let selected = ctx.function.as_ref().map(|f| f.name.as_str());
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&to_json(catalog, selected))?)?,
        Format::Text => out.write_all(text(catalog, selected).as_bytes())?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn rel(catalog: &Catalog, p: &Path) -> String {
    catalog.relative(p).display().to_string()
}

/// `lmms.functions/1`. Paths are relative to the template's directory.
#[derive(serde::Serialize, schemars::JsonSchema)]
struct FunctionsDoc<'a> {
    #[schemars(extend("const" = FUNCTIONS_SCHEMA))]
    schema: &'static str,
    kind: Option<lmms_template::Kind>,
    templates: Vec<String>,
    functions: Vec<FunctionRow<'a>>,
    ignored: Vec<IgnoredRow<'a>>,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct FunctionRow<'a> {
    name: &'a str,
    aliases: &'a [String],
    template: String,
    handler: &'a str,
    entry: String,
    source_root: String,
    runtime: &'a str,
    env: Vec<&'a str>,
    layers: Vec<String>,
    notes: &'a [String],
    selected: bool,
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct IgnoredRow<'a> {
    name: &'a str,
    template: String,
    reason: &'a str,
}

/// The JSON Schema of `lmms.functions/1`, from the type `--format json` writes.
pub fn json_schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<FunctionsDoc>()
}

fn to_json<'a>(catalog: &'a Catalog, selected: Option<&str>) -> FunctionsDoc<'a> {
    let functions = catalog
        .functions
        .iter()
        .map(|f| FunctionRow {
            name: &f.name,
            aliases: &f.aliases,
            template: rel(catalog, &f.template),
            handler: &f.handler,
            entry: f.entry(),
            source_root: rel(catalog, &f.code_dir),
            runtime: &f.runtime,
            env: f.env.keys().map(String::as_str).collect(),
            layers: f.layers.iter().map(|l| rel(catalog, l)).collect(),
            notes: &f.notes,
            selected: selected == Some(f.name.as_str()),
        })
        .collect();
    let ignored = catalog
        .ignored
        .iter()
        .map(|i| IgnoredRow {
            name: &i.name,
            template: rel(catalog, &i.template),
            reason: &i.reason,
        })
        .collect();
    FunctionsDoc {
        schema: FUNCTIONS_SCHEMA,
        kind: Some(catalog.kind),
        templates: catalog.files.iter().map(|f| rel(catalog, f)).collect(),
        functions,
        ignored,
    }
}

fn text(catalog: &Catalog, selected: Option<&str>) -> String {
    let files: Vec<String> = catalog.files.iter().map(|f| rel(catalog, f)).collect();
    let n = catalog.functions.len();
    let mut s = format!(
        "{} ({}): {n} Python function{}\n",
        files.join(", "),
        catalog.kind.label(),
        if n == 1 { "" } else { "s" }
    );
    let rows: Vec<[String; 5]> = catalog
        .functions
        .iter()
        .map(|f| {
            let mark = if selected == Some(f.name.as_str()) { "*" } else { " " };
            let env: Vec<&str> = f.env.keys().map(String::as_str).collect();
            [
                format!("{mark} {}", f.name),
                f.handler.clone(),
                rel(catalog, &f.code_dir),
                f.runtime.clone(),
                if env.is_empty() { "-".into() } else { env.join(", ") },
            ]
        })
        .collect();
    let header = ["  NAME", "HANDLER", "SOURCE ROOT", "RUNTIME", "ENV"].map(String::from);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for (i, row) in std::iter::once(&header).chain(&rows).enumerate() {
        let mut line = String::new();
        for (w, cell) in widths.iter().zip(row) {
            line.push_str(&format!("{cell:w$}  "));
        }
        line.push_str(&row[4]);
        s.push_str(line.trim_end());
        s.push('\n');
        if let Some(f) = i.checked_sub(1).map(|i| &catalog.functions[i]) {
            for l in &f.layers {
                s.push_str(&format!("      layer {}\n", rel(catalog, l)));
            }
            for note in &f.notes {
                s.push_str(&format!("      note: {note}\n"));
            }
        }
    }
    for i in &catalog.ignored {
        s.push_str(&format!("ignored {}: {}\n", i.name, i.reason));
    }
    if n > 1 && selected.is_none() {
        s.push_str("pick one with --function NAME\n");
    }
    s
}
