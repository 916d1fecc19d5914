//! `lmms schema`: the JSON Schema (draft 2020-12) of each `lmms.<kind>/1`
//! artifact, generated from the Rust type that writes it, so the schema and
//! the writer cannot drift apart.

use std::io::Write;
use std::process::ExitCode;

use anyhow::bail;
use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The artifact: `profile`, `usage`, `plan`, `baseline`, `bench`, `check` or `functions`.
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub kind: Option<String>,
    /// List the kinds, one a line, with the file or command that writes each.
    #[arg(long)]
    pub list: bool,
}

/// Each kind, what writes it, and its schema.
const KINDS: &[(&str, &str, fn(SchemaGenerator) -> Schema)] = &[
    ("profile", ".lmms/profile.json", |g| g.into_root_schema_for::<lmms_schema::ProfileDoc>()),
    ("usage", ".lmms/usage.json", |g| g.into_root_schema_for::<lmms_schema::UsageDoc>()),
    ("plan", ".lmms/plan.json", |g| g.into_root_schema_for::<lmms_schema::PlanDoc>()),
    ("baseline", ".lmms/baseline.json", |g| g.into_root_schema_for::<lmms_schema::BaselineDoc>()),
    ("bench", "lmms bench --format json", |g| g.into_root_schema_for::<lmms_schema::BenchDoc>()),
    ("check", "lmms check --format json", lmms_report::check_json_schema),
    (
        "functions",
        "lmms functions --format json",
        super::functions::json_schema,
    ),
];

/// The schema of `kind`, or `None` for a kind lmms does not write.
pub fn schema_of(kind: &str) -> Option<Schema> {
    // The serialize contract: the schema says what lmms writes (a field
    // `#[serde(default)]` lets readers omit is still always written).
    let generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map(|(.., schema)| schema(generator))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for (kind, written, _) in KINDS {
            writeln!(out, "{:<10} lmms.{kind}/1  {written}", kind)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let kind = args.kind.unwrap_or_default();
    let Some(schema) = schema_of(&kind) else {
        let kinds: Vec<&str> = KINDS.iter().map(|(k, ..)| *k).collect();
        bail!("unknown artifact kind `{kind}`; the kinds are: {}", kinds.join(", "))
    };
    writeln!(out, "{}", serde_json::to_string_pretty(&schema)?)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
