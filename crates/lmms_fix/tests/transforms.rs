//! Fixture tests for every transform and skip reason. Each fixture's header
//! holds its arguments (`# args: --lazy json`, `# plan: LINE MODULE COMMENT`).
//! Besides the snapshot, the harness checks invariants (ruff's `test.rs`
//! idea): the output parses, a second run is a no-op, the declared
//! applicability holds, and the real interpreter compiles the result. A
//! fixture with a driver, `fixtures/NAME.run.py`, is also run: the driver
//! imports the fixture as `fixture` and prints what its code computes, once
//! against the source and once against the rewrite, and both outputs must
//! be the same (a construct whose rewrite changes a result fails here even
//! when its snapshot looks right).

use lmms_fix::select::{candidates, select_module, select_row};
use lmms_fix::{apply_fixes, rewrite, unified_diff, Applicability, Options, Request, Target};
use lmms_graph::{Environment, ImportGraph, SourceFile};
use lmms_profile::runner::{ProcessRunner, RunSpec, Runner};
use lmms_python::{parse_module, ParsedModule};

/// What a fixture asks for: `--lazy` modules, and plan rows as `lmms plan`
/// writes them (the statement starting on LINE, by id).
enum Ask {
    Lazy(String),
    Plan { line: u32, module: String, comment: String },
}

fn fixture_args(src: &str) -> (Vec<Ask>, Options) {
    let mut asks = Vec::new();
    let mut opts = Options::default();
    for line in src.lines().take_while(|l| l.starts_with('#')) {
        if let Some(args) = line.strip_prefix("# args:") {
            let mut lazy = false;
            let mut it = args.split_whitespace();
            while let Some(a) = it.next() {
                match a {
                    // The harness's one-file graph is the whole program.
                    "--unsafe-fixes" => {
                        opts.allow_unsafe = true;
                        opts.remove_unread = true;
                    }
                    "--target-version" => {
                        assert_eq!(it.next(), Some("py315"));
                        opts.target = Target::Py315;
                    }
                    "--lazy" => lazy = true,
                    m if lazy => asks.push(Ask::Lazy(m.into())),
                    other => panic!("unknown fixture arg {other}"),
                }
            }
        } else if let Some(p) = line.strip_prefix("# plan: ") {
            let mut parts = p.splitn(3, ' ');
            let line: u32 = parts.next().unwrap().parse().unwrap();
            let module = parts.next().unwrap().to_string();
            let comment = parts.next().unwrap_or("").to_string();
            asks.push(Ask::Plan { line, module, comment });
        }
    }
    (asks, opts)
}

/// The requests for `asks` in `src`, resolved the way `lmms fix` does:
/// through a graph of the one file.
fn requests(src: &str, parsed: &ParsedModule, asks: &[Ask]) -> Vec<Request> {
    let file = SourceFile {
        path: "fixture.py".into(),
        module: Some("fixture".into()),
        is_package: false,
        parsed: Ok((src.to_string(), parsed.clone())),
    };
    let graph = ImportGraph::new(vec![file], Vec::new(), Environment::builtin());
    let cands = candidates(&graph, 0);
    let mut reqs: Vec<Request> = Vec::new();
    for ask in asks {
        match ask {
            Ask::Lazy(m) => {
                for c in select_module(&cands, m) {
                    if !reqs.iter().any(|r| r.id == c.id) {
                        reqs.push(Request { id: c.id, comment: "lazy: test".into() });
                    }
                }
            }
            Ask::Plan { line, module, comment } => {
                let Some(rec) = parsed.imports.iter().find(|i| i.line == *line) else { continue };
                for c in select_row(&cands, rec.range, module).unwrap_or_default() {
                    reqs.push(Request { id: c.id, comment: comment.clone() });
                }
            }
        }
    }
    reqs
}

fn python_compiles(code: &str) -> Result<(), String> {
    let spec = RunSpec::new("python3")
        .args(["-c", "import sys; compile(sys.stdin.read(), 'fixture.py', 'exec')"])
        .timeout(std::time::Duration::from_secs(30));
    let spec = RunSpec { stdin: Some(code.as_bytes().to_vec()), ..spec };
    let out = ProcessRunner.run(&spec).map_err(|e| e.to_string())?;
    if out.success() {
        Ok(())
    } else {
        Err(out.stderr_text())
    }
}

/// The driver's stdout with `fixture.py` holding `code`. The interpreter is
/// `# python: PATH` of the driver's first line (relative to the repository),
/// or `python3`.
fn run_with_driver(code: &str, driver: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fixture.py"), code).unwrap();
    std::fs::write(dir.path().join("main.py"), driver).unwrap();
    let python = match driver.lines().next().and_then(|l| l.strip_prefix("# python: ")) {
        Some(rel) => format!("{}/../../{}", env!("CARGO_MANIFEST_DIR"), rel.trim()),
        None => "python3".into(),
    };
    let out = std::process::Command::new(&python)
        .arg("main.py")
        .current_dir(dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    assert!(out.status.success(), "the driver fails:\n{}\n{code}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `expect`: the applicability of the file's fix, or `None` for no change.
fn check(name: &str, expect: Option<Applicability>) {
    run_fixture(name, Some(expect));
}

/// A construct fixture of issue 10 (`docs/lmms.md`, "What `lmms fix`
/// checks"): it must have a driver; its snapshot records what moved.
fn construct(name: &str) {
    let driver = format!("{}/tests/fixtures/{name}.run.py", env!("CARGO_MANIFEST_DIR"));
    assert!(std::path::Path::new(&driver).exists(), "{name} has no driver {name}.run.py");
    run_fixture(name, None);
}

fn run_fixture(name: &str, expect: Option<Option<Applicability>>) {
    let path = format!("{}/tests/fixtures/{name}.py", env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(&path).unwrap();
    let (asks, opts) = fixture_args(&src);
    let parsed = parse_module(&src);
    assert!(parsed.syntax_errors.is_empty(), "fixture does not parse: {:?}", parsed.syntax_errors);
    let rw = rewrite(&src, &parsed, &requests(&src, &parsed, &asks), &opts);
    if let Some(expect) = expect {
        assert_eq!(rw.fix.as_ref().map(|f| f.applicability), expect, "declared applicability");
    }
    for m in &rw.moves {
        assert!(m.applicability >= rw.fix.as_ref().unwrap().applicability);
    }
    let after = match &rw.fix {
        Some(f) => apply_fixes(&src, [f]).unwrap(),
        None => src.clone(),
    };
    let reparsed = parse_module(&after);
    assert!(reparsed.syntax_errors.is_empty(), "output does not parse: {:?}\n{after}", reparsed.syntax_errors);
    // Every import the rewrite says it wrote into a function starts there in
    // the output, and comes from a statement it moved (plan rows find it).
    let edits = rw.fix.as_ref().map(|f| f.edits().to_vec()).unwrap_or_default();
    for w in &rw.written {
        let at = w.position(&edits).unwrap();
        let rec = reparsed.imports.iter().find(|r| r.range.start == at);
        assert!(
            rec.is_some_and(|r| matches!(r.scope, lmms_python::ImportScope::Function { .. })),
            "no function-level import starts at {at} for {w:?}:\n{after}"
        );
        assert!(rw.moves.iter().any(|m| m.statement == w.origin), "{w:?} comes from no move");
    }
    let again = rewrite(&after, &reparsed, &requests(&after, &reparsed, &asks), &opts);
    if let Some(f) = &again.fix {
        let twice = apply_fixes(&after, [f]).unwrap();
        panic!("second run is not a no-op:\n{}", unified_diff(name, &after, &twice));
    }
    if opts.target == Target::Classic {
        python_compiles(&after).unwrap_or_else(|e| panic!("python3 rejects the output: {e}\n{after}"));
    }
    let driver = format!("{}/tests/fixtures/{name}.run.py", env!("CARGO_MANIFEST_DIR"));
    if let Ok(driver) = std::fs::read_to_string(&driver) {
        let before = run_with_driver(&src, &driver);
        assert!(!before.trim().is_empty(), "the driver of {name} prints nothing");
        let after_out = run_with_driver(&after, &driver);
        assert_eq!(after_out, before, "{name}: running the rewrite prints something else than the source\n{after}");
    }

    let mut report = String::new();
    for m in &rw.moves {
        report.push_str(&format!(
            "moved {} (line {}) [{}] {:?} into {:?}{}\n",
            m.module,
            m.line,
            m.applicability.as_str(),
            m.names,
            m.into,
            if m.notes.is_empty() { String::new() } else { format!(" — {}", m.notes.join("; ")) }
        ));
    }
    for s in &rw.skips {
        report.push_str(&format!("skipped {} (line {}) {:?}: {}: {}\n", s.module, s.line, s.names, s.reason.as_str(), s.detail));
    }
    report.push('\n');
    report.push_str(&unified_diff(&format!("{name}.py"), &src, &after));
    insta::assert_snapshot!(name, report);
}

#[test]
fn uses_in_functions_move_into_each_outermost_function() {
    check("function_level", Some(Applicability::Safe));
}

#[test]
fn signature_annotations_are_quoted_and_imported_for_type_checking() {
    check("annotations", Some(Applicability::Safe));
}

#[test]
fn postponed_annotations_need_only_a_type_checking_import() {
    check("future_annotations", Some(Applicability::Safe));
}

#[test]
fn module_level_uses_are_skipped() {
    check("skip_module_level", None);
}

#[test]
fn dunder_all_reexport_keeps_the_whole_from_import() {
    check("skip_dunder_all", None);
}

#[test]
fn unused_import_is_kept_for_its_side_effects() {
    check("skip_side_effect", None);
}

#[test]
fn try_except_import_error_fallback_is_skipped() {
    check("skip_try_except", None);
}

#[test]
fn star_import_is_skipped() {
    check("skip_star", None);
}

#[test]
fn global_rebind_is_skipped() {
    check("skip_global", None);
}

#[test]
fn module_level_lambda_is_skipped() {
    check("skip_lambda", None);
}

#[test]
fn conditional_import_is_skipped() {
    check("skip_conditional", None);
}

#[test]
fn annotations_evaluated_by_dataclasses_are_skipped() {
    check("skip_evaluated_annotation", Some(Applicability::Safe));
}

#[test]
fn names_bound_by_two_imports_are_skipped() {
    check("skip_shared_name", None);
}

#[test]
fn client_and_dispatch_table_need_unsafe_fixes() {
    check("skip_needs_unsafe", None);
}

#[test]
fn module_level_clients_become_cached_getters() {
    check("unsafe_client", Some(Applicability::Unsafe));
}

#[test]
fn dispatch_table_entries_become_lazy_wrappers() {
    check("unsafe_dispatch", Some(Applicability::Unsafe));
}

#[test]
fn clients_used_at_import_time_are_not_rewritten() {
    check("unsafe_client_blocked", None);
}

#[test]
fn py315_target_writes_lazy_imports() {
    check("py315", Some(Applicability::Safe));
}

#[test]
fn plan_requests_match_statements_by_line() {
    check("plan_lines", Some(Applicability::Safe));
}

#[test]
fn client_calls_using_another_deferred_name_stay_eager() {
    // Moving `I1 = iinfo(int8)` into a getter would turn `int8`'s use into a
    // function-body use, so a second run would move `int8` too.
    check("unsafe_client_uses_deferred_name", None);
}

#[test]
fn client_built_from_another_deferred_client_stays_eager() {
    // Moving `DATA = os.path.join(BASE, …)` into a getter would leave BASE
    // used only in a function, and the next run would rewrite BASE too.
    check("unsafe_client_chain", None);
}

#[test]
fn getter_keeps_functools_at_module_level_even_when_functools_moves() {
    check("unsafe_client_functools_requested", Some(Applicability::Unsafe));
}

#[test]
fn class_body_reads_of_the_global_block_the_move() {
    // `_os = _os` in a class body reads the module global at import time.
    check("skip_class_body_alias", None);
}

#[test]
fn nested_function_annotations_are_uses_of_the_outer_function() {
    check("nested_function_annotation", Some(Applicability::Safe));
}

#[test]
fn module_level_rebinding_of_an_imported_name_is_skipped() {
    check("skip_rebound", None);
}

#[test]
fn dynamic_namespace_skips_every_move() {
    check("skip_dynamic_namespace", None);
}

#[test]
fn functions_run_at_shutdown_never_receive_an_import() {
    check("skip_shutdown", None);
}

#[test]
fn from_import_is_not_split_when_a_name_stays() {
    check("skip_split_from_import", None);
}

#[test]
fn runtime_annotation_readers_are_recognised_by_use() {
    check("runtime_annotation_readers", Some(Applicability::Safe));
}

#[test]
fn decorated_function_annotations_are_quoted() {
    check("decorated_function_annotation", Some(Applicability::Safe));
}

#[test]
fn unsafe_fixes_remove_an_import_nothing_reads_and_name_its_module() {
    check("unsafe_remove_unread", Some(Applicability::Unsafe));
}

#[test]
fn a_statement_whose_module_another_eager_statement_loads_is_not_moved() {
    // `from logging import getLogger` would move while `import logging`
    // stays: a `# lazy` comment would claim a saving that is not there.
    check("skip_module_stays_loaded", Some(Applicability::Safe));
}

// Issue 10's construct fixtures: each has a driver, so its rewrite is run.
#[test]
fn eval_in_a_function_makes_the_module_names_dynamic() {
    construct("dynamic_eval");
}

#[test]
fn exec_in_a_function_makes_the_module_names_dynamic() {
    construct("dynamic_exec");
}

#[test]
fn module_level_locals_makes_the_module_names_dynamic() {
    construct("dynamic_locals");
}

#[test]
fn vars_makes_the_module_names_dynamic() {
    construct("dynamic_vars");
}

#[test]
#[ignore = "needs .venv-heavy with attrs (scripts/heavy-venv.sh)"]
fn attrs_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_attrs");
}

#[test]
#[ignore = "needs .venv-heavy with attrs (scripts/heavy-venv.sh)"]
fn attrs_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_attrs_eager");
}

#[test]
fn command_callback_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_command_callback");
}

#[test]
fn command_callback_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_command_callback_eager");
}

#[test]
fn dataclass_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_dataclass");
}

#[test]
fn dataclass_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_dataclass_eager");
}

#[test]
fn a_decorated_handler_whose_decorator_reads_no_annotation_has_them_quoted() {
    construct("reader_decorated_handler_quoted");
}

#[test]
fn get_type_hints_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_get_type_hints");
}

#[test]
fn get_type_hints_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_get_type_hints_eager");
}

#[test]
fn namedtuple_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_namedtuple");
}

#[test]
fn namedtuple_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_namedtuple_eager");
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn pydantic_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_pydantic");
}

#[test]
#[ignore = "needs .venv-heavy (scripts/heavy-venv.sh)"]
fn pydantic_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_pydantic_eager");
}

#[test]
fn singledispatch_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_singledispatch");
}

#[test]
fn singledispatch_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_singledispatch_eager");
}

#[test]
fn typeddict_annotations_are_read_at_run_time_with_postponed_annotations() {
    construct("reader_typeddict");
}

#[test]
fn typeddict_annotations_are_read_at_run_time_without_postponed_annotations() {
    construct("reader_typeddict_eager");
}

#[test]
fn decorators_default_arguments_and_class_bodies_run_at_definition() {
    construct("scope_definition_time");
}

#[test]
fn annotations_of_a_function_and_a_class_nested_in_a_function_run_with_the_outer_function() {
    construct("scope_nested_annotation");
}

#[test]
fn a_module_level_assignment_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_assign");
}

#[test]
fn a_module_level_augmented_assignment_keeps_the_import_of_the_name() {
    construct("scope_rebind_augassign");
}

#[test]
fn a_module_level_class_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_class");
}

#[test]
fn a_module_level_del_of_an_imported_name_keeps_the_import() {
    construct("scope_rebind_del");
}

#[test]
fn a_module_level_except_name_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_except");
}

#[test]
fn a_module_level_for_target_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_for");
}

#[test]
fn a_second_import_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_import");
}

#[test]
fn a_module_level_with_target_that_rebinds_an_imported_name_keeps_the_import() {
    construct("scope_rebind_with");
}

#[test]
fn a_weakref_finalize_callback_never_receives_an_import() {
    construct("skip_weakref_finalize");
}
