//! SAM, Serverless and CDK projects end to end: `lmms functions`, the
//! `--function` choice, and the template's environment reaching the real
//! interpreter (`python3`). Each fixture's handler reads a template
//! variable at import (`TABLE = os.environ["TABLE_NAME"]`), so a start
//! without the template's environment fails with `KeyError`.

use std::path::Path;
use std::process::{Command, Output};

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};

mod common;
use common::{copy_app, regex_escape, repo_root};

fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_app(
        &repo_root().join("crates/lmms/tests/fixtures/templates").join(name),
        dir.path(),
    );
    dir
}

fn lmms(dir: &Path) -> Command {
    let mut c = Command::new(get_cargo_bin("lmms"));
    c.current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("VIRTUAL_ENV")
        .env_remove("TABLE_NAME");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    lmms(dir).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn module_names(doc: &serde_json::Value) -> Vec<&str> {
    doc["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect()
}

macro_rules! snap {
    ($dir:expr, $cmd:expr) => {{
        let d = regex_escape(&$dir.canonicalize().unwrap().display().to_string());
        insta::with_settings!({ filters => vec![(d.as_str(), "[APP]")] }, { assert_cmd_snapshot!($cmd) });
    }};
}

#[test]
fn sam_profile_of_the_picked_function_gets_the_template_environment_and_layer() {
    let app = fixture("sam");
    let doc = json(&run(
        app.path(),
        &[
            "profile",
            "--function",
            "OrdersFunction",
            "--runs",
            "2",
            "--format",
            "json",
        ],
    ));
    assert_eq!(doc["entry"], "app:handler");
    let names = module_names(&doc);
    assert!(names.contains(&"app"), "{names:?}");
    // `common` lives only in the layer's python/ folder.
    assert!(names.contains(&"common"), "the layer is on sys.path: {names:?}");
    let root = app.path().canonicalize().unwrap();
    assert!(
        root.join("orders/.lmms/profile.json").is_file(),
        "artifacts live beside the function's code"
    );
    let src: Vec<&str> = doc["src"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(src.iter().any(|s| s.ends_with("layers/common/python")), "{src:?}");
}

#[test]
fn sam_profile_without_function_exits_2_naming_both() {
    let app = fixture("sam");
    snap!(app.path(), lmms(app.path()).args(["profile", "--runs", "1"]));
    assert!(
        !app.path().join(".lmms").exists() && !app.path().join("orders/.lmms").exists(),
        "nothing written"
    );
}

#[test]
fn an_unknown_function_exits_2_listing_the_python_ones() {
    let app = fixture("sam");
    let out = run(app.path(), &["profile", "--function", "WebFunction"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no Python function named \"WebFunction\" in template.yaml"),
        "{err}"
    );
    assert!(err.contains("OrdersFunction") && err.contains("UsersFunction"), "{err}");
}

#[test]
fn the_folder_you_are_in_picks_its_function() {
    let app = fixture("sam");
    let doc = json(&run(
        &app.path().join("users"),
        &["profile", "--runs", "1", "--format", "json"],
    ));
    assert_eq!(doc["entry"], "app:handler");
    assert!(app.path().join("users/.lmms/profile.json").is_file());
}

#[test]
fn without_the_template_the_same_handler_fails_on_its_environment_variable() {
    // The control for the tests above: an lmms.toml beside the code wins over
    // the template (and takes Lambda's notation), so no template variable is set.
    let app = fixture("sam");
    std::fs::write(
        app.path().join("orders/lmms.toml"),
        "entry = \"app.handler\"\nsrc = [\".\", \"../layers/common/python\"]\n",
    )
    .unwrap();
    let out = run(&app.path().join("orders"), &["profile", "--runs", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("KeyError: 'TABLE_NAME'"), "{err}");
}

#[test]
fn usage_replay_plan_simulate_and_bench_start_the_function_with_its_environment() {
    let app = fixture("sam");
    let f = ["--function", "OrdersFunction"];
    let usage = run(
        app.path(),
        &[&f[..], &["usage", "--events", "events/order.json", "--format", "json"]].concat(),
    );
    let usage = json(&usage);
    assert_eq!(
        (usage["requests"].as_u64(), usage["errors"].as_u64()),
        (Some(1), Some(0)),
        "{usage}"
    );
    json(&run(
        app.path(),
        &[&f[..], &["profile", "--runs", "1", "--format", "json"]].concat(),
    ));
    let plan = run(
        app.path(),
        &[&f[..], &["plan", "--simulate", "--runs", "1", "--format", "json"]].concat(),
    );
    assert!(json(&plan)["simulation"]["current_init_ms"]["median"].is_number());
    let bench = run(
        app.path(),
        &[&f[..], &["bench", "--runs", "1", "--save-baseline"]].concat(),
    );
    assert!(bench.status.success(), "{}", stderr(&bench));
    assert!(app.path().join("orders/.lmms/baseline.json").is_file());
}

#[test]
fn check_without_function_lints_every_python_function() {
    let app = fixture("sam");
    let out = run(app.path(), &["check", "--format", "json", "--select", "LMM004"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ignoring WebFunction: nodejs20.x is not a Python runtime"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn serverless_single_function_profiles_without_function() {
    let app = fixture("serverless");
    let doc = json(&run(app.path(), &["profile", "--runs", "2", "--format", "json"]));
    assert_eq!(doc["entry"], "orders.app:handler");
    assert!(module_names(&doc).contains(&"orders.app"));
}

#[test]
fn cdk_synthesized_template_is_read_into_its_function() {
    let app = fixture("cdk");
    let list = json(&run(app.path(), &["functions", "--format", "json"]));
    assert_eq!(list["kind"], "cdk");
    assert_eq!(list["templates"], serde_json::json!(["cdk.out/Stack.template.json"]));
    let f = &list["functions"][0];
    assert_eq!(f["name"], "OrdersFunction1A2B3C4D");
    assert_eq!(f["aliases"], serde_json::json!(["OrdersFunction"]));
    assert_eq!(f["source_root"], "cdk.out/asset.4f3c2a");
    assert_eq!(f["runtime"], "python3.12");
    assert_eq!(f["env"], serde_json::json!(["POWERTOOLS_SERVICE_NAME", "TABLE_NAME"]));
    assert_eq!(list["functions"].as_array().unwrap().len(), 1);
    assert!(list["ignored"][0]["reason"].as_str().unwrap().contains("nodejs18.x"));
    let doc = json(&run(
        app.path(),
        &[
            "profile",
            "--function",
            "OrdersFunction",
            "--runs",
            "1",
            "--format",
            "json",
        ],
    ));
    assert_eq!(doc["entry"], "app:handler");
}

#[test]
fn lambda_notation_is_accepted_as_the_entry_argument() {
    let app = tempfile::tempdir().unwrap();
    copy_app(&repo_root().join("examples/lambda_app"), app.path());
    let doc = json(&run(
        app.path(),
        &[
            "profile",
            "lambda_function.lambda_handler",
            "--runs",
            "1",
            "--format",
            "json",
        ],
    ));
    assert_eq!(
        doc["entry"], "lambda_function:lambda_handler",
        "stored in lmms' own notation"
    );
}

#[test]
fn functions_lists_a_sam_template() {
    let app = fixture("sam");
    snap!(app.path(), lmms(app.path()).arg("functions"));
}

#[test]
fn functions_json_is_versioned_and_marks_the_picked_function() {
    let app = fixture("sam");
    snap!(
        app.path(),
        lmms(app.path()).args(["functions", "--format", "json", "--function", "UsersFunction"])
    );
}

#[test]
fn function_flag_without_a_template_is_a_usage_error() {
    let app = tempfile::tempdir().unwrap();
    let out = run(app.path(), &["profile", "--function", "OrdersFunction"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--function OrdersFunction: no template.yaml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn functions_without_a_template_says_where_it_looked() {
    let app = tempfile::tempdir().unwrap();
    let out = run(app.path(), &["functions"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("no functions: no template.yaml, template.yml, serverless.yml"),
        "{text}"
    );
    let doc = json(&run(app.path(), &["functions", "--format", "json"]));
    assert_eq!(
        (doc["schema"].as_str(), doc["functions"].as_array().map(Vec::len)),
        (Some("lmms.functions/1"), Some(0))
    );
}

#[test]
fn config_flag_reads_a_template_discovery_would_not_find() {
    let app = fixture("sam");
    std::fs::rename(app.path().join("template.yaml"), app.path().join("infra.template.yaml")).unwrap();
    let out = run(app.path(), &["functions"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("no functions"), "renamed away from discovery");
    let doc = json(&run(
        app.path(),
        &["--config", "infra.template.yaml", "profile", "--function", "UsersFunction", "--runs", "1", "--format", "json"],
    ));
    assert_eq!(doc["entry"], "app:handler");
}
