//! The profile pipeline over recorded interpreter output: statistics, tree,
//! chains, origins and the rendered report are deterministic.

use std::path::PathBuf;
use std::time::Duration;

use lmms_profile::doc::{DynamicImport, Origin};
use lmms_profile::measure::{profile, EntrySpec, ProfileError, ProfileRequest};
use lmms_profile::render::{text, TextOptions};
use lmms_profile::progress::{NoProgress, Recorder, Step};
use lmms_profile::runner::{RunOutput, ScriptedRunner};

const SPAWN_NS: u64 = 1_000_000_000;

fn entry_capture(init_ms: f64, scale: f64, dump: bool) -> RunOutput {
    let us = |x: f64| (x * scale) as u64;
    let mut err = String::from("import time: self [us] | cumulative | imported package\n");
    // start-up rows before the marker are not the entry's
    err += &format!("import time: {:9} | {:10} |   encodings\n", 900, 900);
    err += "\n@@lmms@@ begin\n";
    err += &format!("import time: {:9} | {:10} |       numpy\n", us(65_000.0), us(65_000.0));
    err += &format!("import time: {:9} | {:10} |       pytz\n", us(9_000.0), us(9_000.0));
    err += &format!("import time: {:9} | {:10} |     pandas\n", us(191_000.0), us(265_000.0));
    err += &format!("import time: {:9} | {:10} |   features.report\n", us(400.0), us(265_400.0));
    err += &format!("import time: {:9} | {:10} |   json\n", us(900.0), us(900.0));
    err += "user code wrote this to stderr\n";
    err += &format!("import time: {:9} | {:10} | lambda_function\n", us(600.0), us(266_900.0));
    err += &format!("\n@@lmms@@ ready {} 87040 412\n", SPAWN_NS + (init_ms * 1e6) as u64);
    err += "import time:        30 |         30 | resource\n";
    if dump {
        err += r#"@@lmms@@ info {"executable": "/venv/bin/python", "version": "3.11.7", "stdlib": ["/py/lib/python3.11", null], "purelib": ["/venv/lib/python3.11/site-packages"], "builtin": ["sys", "_json"], "stdlib_names": ["json", "sys"], "files": {"lambda_function": "/app/lambda_function.py", "features.report": "/app/features/report.py", "pandas": "/venv/lib/python3.11/site-packages/pandas/__init__.py", "numpy": "/venv/lib/python3.11/site-packages/numpy/__init__.py", "pytz": "/app/pytz/__init__.py", "json": "/py/lib/python3.11/json/__init__.py"}}"#;
        err += "\n";
    }
    RunOutput { status: Some(0), stderr: err.into_bytes(), spawned_at_ns: SPAWN_NS, wall_ms: init_ms + 20.0, max_rss_kb: Some(90_000), ..Default::default() }
}

fn floor(ms: f64) -> RunOutput {
    RunOutput { status: Some(0), wall_ms: ms, ..Default::default() }
}

fn request(runs: u32) -> ProfileRequest {
    ProfileRequest {
        entry: "lambda_function:lambda_handler".into(),
        spec: EntrySpec {
            python: PathBuf::from("/venv/bin/python"),
            cwd: PathBuf::from("/app"),
            src_roots: vec![PathBuf::from("/app")],
            module: "lambda_function".into(),
            handler: "lambda_handler".into(),
            timeout: Duration::from_secs(60),
            importtime: true,
            env: Vec::new(),
        },
        runs,
        profiled_at: "2026-11-23T12:00:00Z".into(),
    }
}

fn scripted() -> ScriptedRunner {
    ScriptedRunner::new([
        entry_capture(420.0, 1.0, true),
        floor(11.0),
        entry_capture(400.0, 0.9, false),
        floor(10.0),
        entry_capture(570.0, 1.2, false),
        floor(12.0),
    ])
}

#[test]
fn statistics_are_medians_over_runs() {
    let doc = profile(&scripted(), &request(3), &NoProgress).unwrap();
    assert_eq!(doc.init_ms.median, 420.0);
    assert_eq!(doc.init_ms.min, 400.0);
    assert_eq!(doc.init_ms.max, 570.0);
    assert_eq!(doc.init_ms.mad, 20.0);
    assert_eq!(doc.floor_ms.median, 11.0);
    assert_eq!(doc.rss_mb.median, 85.0);
    assert_eq!(doc.module_count, 412);
    let pandas = doc.module("pandas").unwrap();
    assert_eq!(pandas.cumulative_ms.median, 265.0);
    assert_eq!(pandas.self_ms.median, 191.0);
    assert_eq!(pandas.seen_in_runs, 3);
}

#[test]
fn each_run_is_one_unit_of_one_step() {
    let progress = Recorder::default();
    profile(&scripted(), &request(3), &progress).unwrap();
    let label = "profiling lambda_function:lambda_handler".to_string();
    assert_eq!(progress.steps(), [Step { label, len: 3, done: 3, finished: true }]);
}

#[test]
fn a_failed_run_still_ends_the_step() {
    let progress = Recorder::default();
    let hung = RunOutput { status: None, timed_out: true, ..Default::default() };
    profile(&ScriptedRunner::new([hung]), &request(2), &progress).unwrap_err();
    let steps = progress.steps();
    assert_eq!((steps.len(), steps[0].done, steps[0].finished), (1, 0, true), "{steps:?}");
}

#[test]
fn chains_start_at_the_entry_and_startup_rows_are_excluded() {
    let doc = profile(&scripted(), &request(3), &NoProgress).unwrap();
    assert_eq!(doc.module("numpy").unwrap().chain, ["lambda_function", "features.report", "pandas", "numpy"]);
    assert_eq!(doc.module("numpy").unwrap().imported_by.as_deref(), Some("pandas"));
    assert!(doc.module("encodings").is_none(), "interpreter start-up leaked into the profile");
    assert!(doc.module("resource").is_none(), "bootstrap bookkeeping leaked into the profile");
    assert_eq!(doc.modules[0].name, "lambda_function", "sorted by cumulative time");
}

#[test]
fn origins_come_from_the_interpreter_paths() {
    let doc = profile(&scripted(), &request(3), &NoProgress).unwrap();
    let origin = |n: &str| doc.module(n).unwrap().origin;
    assert_eq!(origin("lambda_function"), Origin::Project);
    assert_eq!(origin("pandas"), Origin::ThirdParty);
    assert_eq!(origin("json"), Origin::Stdlib);
    assert_eq!(doc.python.version, "3.11.7");
}

#[test]
fn a_failing_first_run_stops_with_the_traceback() {
    let bad = RunOutput {
        status: Some(3),
        stderr: b"\n@@lmms@@ begin\n\n@@lmms@@ import-error\nTraceback (most recent call last):\n  File \"<string>\", line 23, in _lmms_main\n  File \"/app/lambda_function.py\", line 1, in <module>\nModuleNotFoundError: No module named 'pandas'\n".to_vec(),
        ..Default::default()
    };
    let err = profile(&ScriptedRunner::new([bad]), &request(3), &NoProgress).unwrap_err();
    let ProfileError::ImportFailed { traceback, .. } = &err else { panic!("{err}") };
    assert!(traceback.contains("No module named 'pandas'"));
    assert!(!traceback.contains("<string>"), "bootstrap frame shown: {traceback}");
}

#[test]
fn a_killed_run_is_reported_as_a_timeout() {
    let hung = RunOutput { status: None, timed_out: true, stderr: b"\n@@lmms@@ begin\nTimeout (0:00:54)!\n  File \"/app/slow.py\", line 3 in <module>\n".to_vec(), ..Default::default() };
    let err = profile(&ScriptedRunner::new([hung]), &request(1), &NoProgress).unwrap_err();
    assert!(matches!(err, ProfileError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("/app/slow.py"));
}

#[test]
fn text_report_snapshot() {
    let doc = profile(&scripted(), &request(3), &NoProgress).unwrap();
    let opts = TextOptions {
        tree_min_ms: 2.0,
        tree_max_depth: 8,
        top: 5,
        module_level_ms: 10.0,
        function_level_ms: 100.0,
        hot_usage: 0.8,
        theme: Default::default(),
        notes: vec!["using /venv/bin/python (from config `python`)".into()],
    };
    insta::assert_snapshot!(text(&doc, &opts));
}

#[test]
fn json_document_snapshot() {
    let doc = profile(&scripted(), &request(3), &NoProgress).unwrap();
    let value = serde_json::to_value(&doc).unwrap();
    assert_eq!(value["schema"], "lmms.profile/1");
    insta::assert_json_snapshot!(value);
}

#[test]
fn the_function_environment_reaches_every_start_of_the_entry() {
    let runner = scripted();
    let mut req = request(3);
    req.spec.env = vec![("TABLE_NAME".into(), "lmms-placeholder-OrdersTable".into())];
    profile(&runner, &req, &NoProgress).unwrap();
    let seen = runner.seen.borrow();
    let entry_starts: Vec<_> = seen.iter().filter(|s| s.args.iter().any(|a| a == "lambda_function")).collect();
    // Three timed runs and the untimed one that records the import edges.
    assert_eq!(entry_starts.len(), 4);
    for s in entry_starts {
        assert!(s.env.iter().any(|(k, v)| k == "TABLE_NAME" && v == "lmms-placeholder-OrdersTable"), "{:?}", s.env);
        // The bootstrap's own setting is applied last, so a template cannot turn it off.
        assert_eq!(s.env.last().map(|(k, _)| k.as_os_str()), Some(std::ffi::OsStr::new("PYTHONUNBUFFERED")));
    }
}

/// A plugin that `plugins.registry` loads with `importlib.import_module`
/// while `app` is importing: `-X importtime` (with the bootstrap's routing)
/// nests it under `app`, the marker names the caller.
fn dynamic_capture() -> RunOutput {
    let mut err = String::from("\n@@lmms@@ begin\n");
    err += "import time:       300 |        300 |   plugins.registry\n";
    err += "\n@@lmms@@ dynamic import_module plugins.ai plugins.registry\n";
    err += "import time:     60000 |      60000 |     heavy_model\n";
    err += "import time:       200 |      60200 |   plugins.ai\n";
    err += "\n@@lmms@@ dynamic __import__ plugins.legacy app\n";
    err += "import time:       100 |        100 |   plugins.legacy\n";
    err += "\n@@lmms@@ dynamic import_module plugins.gone app\n";
    err += "import time:       700 |      61300 | app\n";
    err += "\n@@lmms@@ loaded\n";
    err += "import time:        30 |         30 | resource\n";
    err += &format!("\n@@lmms@@ ready {} 87040 412\n", SPAWN_NS + 70_000_000);
    RunOutput { status: Some(0), stderr: err.into_bytes(), spawned_at_ns: SPAWN_NS, ..Default::default() }
}

#[test]
fn a_module_loaded_by_name_belongs_to_the_project_module_that_asked_for_it() {
    let mut req = request(1);
    req.entry = "app:handler".into();
    req.spec.module = "app".into();
    let doc = profile(&ScriptedRunner::new([dynamic_capture(), floor(10.0)]), &req, &NoProgress).unwrap();
    let ai = doc.module("plugins.ai").unwrap();
    assert_eq!(ai.dynamic, Some(DynamicImport::ImportModule));
    assert_eq!(ai.imported_by.as_deref(), Some("plugins.registry"));
    assert_eq!(ai.chain, ["app", "plugins.registry", "plugins.ai"]);
    assert_eq!(ai.cumulative_ms.median, 60.2);
    let heavy = doc.module("heavy_model").unwrap();
    assert_eq!(heavy.chain, ["app", "plugins.registry", "plugins.ai", "heavy_model"]);
    assert_eq!(heavy.dynamic, None, "loaded by an import statement of the plugin");
    let legacy = doc.module("plugins.legacy").unwrap();
    assert_eq!((legacy.dynamic, legacy.imported_by.as_deref()), (Some(DynamicImport::DunderImport), Some("app")));
    assert!(doc.module("plugins.gone").is_none(), "a load that failed has no row");
    assert!(doc.module("resource").is_none(), "rows after `loaded` are the bootstrap's");
    let json = serde_json::to_value(&doc).unwrap();
    let row = |n: &str| json["modules"].as_array().unwrap().iter().find(|m| m["name"] == n).unwrap().clone();
    assert_eq!(row("plugins.ai")["dynamic"], "importlib.import_module");
    assert_eq!(row("plugins.legacy")["dynamic"], "__import__");
    assert!(row("heavy_model").get("dynamic").is_none(), "the field is written only when set");
}

#[test]
fn one_untimed_run_after_the_timed_ones_records_every_executed_import_and_the_project_functions_that_ran() {
    // pandas is imported twice (the second a hit on a loaded module, by a
    // function numpy's body called): importtime shows the first only.
    let edges = RunOutput {
        status: Some(0),
        stderr: br#"
@@lmms@@ ready 2000000000 87040 412
@@lmms@@ edges {"imports": [["pandas", "features.report", 1, null, "features.report", 1], ["pandas", "numpy.compat", 40, "load", "numpy", 12], ["numpy.core", "numpy", 9, "__getattr__", "lambda_function", 3]], "ran": [["features.report", "Report.load"]]}
"#
        .to_vec(),
        spawned_at_ns: SPAWN_NS,
        ..Default::default()
    };
    let runner = ScriptedRunner::new([entry_capture(420.0, 1.0, true), floor(11.0), edges]);
    let doc = profile(&runner, &request(1), &NoProgress).unwrap();
    assert_eq!(doc.init_ms.median, 420.0, "the edges run is not a timed run");
    let seen = runner.seen.borrow();
    let last = seen.last().unwrap();
    assert!(last.args.iter().any(|a| a == "edges"), "{:?}", last.args);
    assert!(!last.args.iter().any(|a| a == "importtime"), "the edges run has no -X importtime: {:?}", last.args);
    let importers = &doc.module("pandas").unwrap().importers;
    assert_eq!(importers.len(), 2);
    assert_eq!((importers[1].module.as_str(), importers[1].line), ("numpy.compat", 40));
    assert_eq!((importers[1].function.as_deref(), importers[1].during.as_str()), (Some("load"), "numpy"));
    assert_eq!((importers[0].function.as_deref(), importers[0].during_line), (None, 1));
    // A module loaded without a timed row (a library's import_module) keeps its importers too.
    assert_eq!(doc.untimed_modules.len(), 1);
    assert_eq!(doc.untimed_modules[0].name, "numpy.core");
    assert_eq!(doc.untimed_modules[0].importers[0].during_line, 3);
    assert_eq!(doc.functions_at_init.len(), 1);
    assert_eq!(doc.functions_at_init[0].function, "Report.load");
    // And it reads back.
    let back = lmms_profile::doc::ProfileDoc::from_json(&serde_json::to_string(&doc).unwrap()).unwrap();
    assert_eq!(back, doc);
}
