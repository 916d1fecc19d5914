//! `lmms schema`: every artifact lmms writes validates against the schema
//! `lmms schema KIND` prints, checked with the `jsonschema` crate on real
//! runs (python3 on examples/lambda_app: profile, usage, plan, baseline,
//! bench, check; a SAM template: functions) and on the committed fixture
//! documents, which also read through their one reader (`lmms_schema`).

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{copy_app, repo_root};

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lmms"));
    c.current_dir(dir).env("NO_COLOR", "1").env_remove("VIRTUAL_ENV");
    c
}

fn stdout_json(out: std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The schema exactly as a user gets it: from the command's output.
fn schema(kind: &str) -> jsonschema::Validator {
    let schema = stdout_json(lmms(&repo_root()).args(["schema", kind]).output().unwrap());
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["properties"]["schema"]["const"], format!("lmms.{kind}/1"));
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(kind: &str, doc: &serde_json::Value, what: &str) {
    let errors: Vec<String> = schema(kind)
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against `lmms schema {kind}`:\n{}",
        errors.join("\n")
    );
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn has_python3() -> bool {
    Command::new("python3")
        .arg("-c")
        .arg("pass")
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn every_artifact_of_a_real_run_validates_against_its_schema() {
    assert!(has_python3(), "python3 is required");
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    copy_app(&repo_root().join("examples/lambda_app"), app);
    for args in [
        &["profile", "--runs", "1", "--python", "python3"][..],
        &["usage", "--events", "events/recorded.jsonl", "--python", "python3"],
        &["plan"],
        &["bench", "--save-baseline", "--runs", "1", "--python", "python3"],
    ] {
        let out = lmms(app).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "lmms {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for kind in ["profile", "usage", "plan", "baseline"] {
        let path = app.join(format!(".lmms/{kind}.json"));
        assert_valid(kind, &read_json(&path), &format!(".lmms/{kind}.json"));
    }
    let bench = stdout_json(
        lmms(app)
            .args(["bench", "--runs", "1", "--python", "python3", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(bench["baseline_kind"], "saved", "{bench}");
    assert_valid("bench", &bench, "lmms bench --format json");
    lmms_schema::parse::<lmms_schema::BenchDoc>(&bench.to_string()).unwrap();
    let check = lmms(app).args(["check", "--format", "json"]).output().unwrap();
    let check: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert!(
        !check["diagnostics"].as_array().unwrap().is_empty(),
        "the profiled app has findings: {check}"
    );
    assert_valid("check", &check, "lmms check --format json");
}

#[test]
fn a_usage_document_from_logs_validates_and_satisfies_the_plans_reader() {
    let dir = tempfile::tempdir().unwrap();
    let log = repo_root().join("crates/lmms/tests/fixtures/usage/logs/report_37_of_500.log");
    let out = lmms(dir.path())
        .args(["usage", "--format", "json", "--logs"])
        .arg(&log)
        .output()
        .unwrap();
    let doc = stdout_json(out);
    assert_valid("usage", &doc, "lmms usage --logs");
    // Every stage reads usage through the one type, so what `lmms usage`
    // writes is what `lmms plan`, `lmms check` and `lmms report` read.
    let read = lmms_schema::UsageDoc::from_json(&doc.to_string()).unwrap();
    assert_eq!(read.cold_start_ratio, doc["cold_start_ratio"].as_f64());
}

#[test]
fn functions_of_a_sam_template_validate_against_their_schema() {
    let sam = repo_root().join("crates/lmms/tests/fixtures/templates/sam");
    let doc = stdout_json(lmms(&sam).args(["functions", "--format", "json"]).output().unwrap());
    assert!(doc["functions"].as_array().unwrap().len() >= 2, "{doc}");
    assert_valid("functions", &doc, "lmms functions --format json");
    let none = tempfile::tempdir().unwrap();
    let empty = stdout_json(
        lmms(none.path())
            .args(["functions", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_valid("functions", &empty, "lmms functions --format json without a template");
}

/// Committed documents under tests/fixtures (named after their kind).
fn fixture_documents() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![repo_root().join("crates/lmms/tests/fixtures")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(kind) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".json"))
            {
                let kind = kind.rsplit('_').next().unwrap_or(kind);
                if KINDS.contains(&kind) {
                    out.push((kind.to_string(), path));
                }
            }
        }
    }
    out.sort();
    out
}

/// The kinds with committed fixture documents' names (`*_plan.json`, `plan.json`).
const KINDS: &[&str] = &["profile", "usage", "plan", "baseline", "bench"];

/// What the document types accept (the deserialize contract: a field with
/// `#[serde(default)]` may be missing), for committed inputs, some written
/// before a field existed. `lmms schema` prints what lmms writes.
fn reader_schema(kind: &str) -> jsonschema::Validator {
    let generator = || {
        schemars::generate::SchemaSettings::draft2020_12()
            .for_deserialize()
            .into_generator()
    };
    let schema = match kind {
        "profile" => generator().into_root_schema_for::<lmms_schema::ProfileDoc>(),
        "usage" => generator().into_root_schema_for::<lmms_schema::UsageDoc>(),
        "plan" => generator().into_root_schema_for::<lmms_schema::PlanDoc>(),
        "baseline" => generator().into_root_schema_for::<lmms_schema::BaselineDoc>(),
        "bench" => generator().into_root_schema_for::<lmms_schema::BenchDoc>(),
        _ => unreachable!("{kind}"),
    };
    jsonschema::validator_for(schema.as_value()).unwrap()
}

/// The reader every stage uses: schema string, fields, field validation.
fn one_reader(kind: &str, path: &Path) -> Result<(), lmms_schema::ReadError> {
    match kind {
        "profile" => lmms_schema::read::<lmms_schema::ProfileDoc>(path).map(drop),
        "usage" => lmms_schema::read::<lmms_schema::UsageDoc>(path).map(drop),
        "plan" => lmms_schema::read::<lmms_schema::PlanDoc>(path).map(drop),
        "baseline" => lmms_schema::read::<lmms_schema::BaselineDoc>(path).map(drop),
        "bench" => lmms_schema::read::<lmms_schema::BenchDoc>(path).map(drop),
        _ => unreachable!("{kind}"),
    }
}

#[test]
fn committed_fixture_documents_validate_against_their_schemas() {
    let docs = fixture_documents();
    assert!(docs.len() >= 5, "{docs:?}");
    for (kind, path) in docs {
        let doc = read_json(&path);
        assert_eq!(doc["schema"], format!("lmms.{kind}/1"), "{}", path.display());
        let rel = path.strip_prefix(repo_root()).unwrap().display().to_string();
        let errors: Vec<String> = reader_schema(&kind)
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{rel} is not a {kind} document lmms reads:\n{}",
            errors.join("\n")
        );
        if let Err(e) = one_reader(&kind, &path) {
            panic!("{rel} does not read through its one reader: {e}");
        }
    }
}

#[test]
fn a_document_of_another_kind_or_with_a_missing_field_is_rejected() {
    let profile = schema("profile");
    let mut doc = read_json(&repo_root().join("crates/lmms/tests/fixtures/check/profiled/profile.json"));
    assert!(profile.is_valid(&doc));
    doc["schema"] = "lmms.plan/1".into();
    assert!(!profile.is_valid(&doc));
    doc["schema"] = "lmms.profile/1".into();
    doc.as_object_mut().unwrap().remove("init_ms");
    assert!(!profile.is_valid(&doc));
}

#[test]
fn unknown_kind_exits_2_listing_the_kinds() {
    let out = lmms(&repo_root()).args(["schema", "fix"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown artifact kind `fix`; the kinds are: profile, usage, plan, baseline, bench, check, functions"),
        "{err}"
    );
    let list = lmms(&repo_root()).args(["schema", "--list"]).output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let kinds: Vec<&str> = list.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(kinds, ["profile", "usage", "plan", "baseline", "bench", "check", "functions"]);
}
