//! What the decided rows add up to: the hot set that stays eager, the
//! profile-tree estimate of INIT, and the notes that qualify both.

use std::collections::{BTreeMap, BTreeSet};

use lmms_config::Config;
use lmms_graph::InstalledGraph;
use lmms_profile::doc::{Origin, ProfileDoc};

use crate::after_fix::{loaded_after_fix, Code};
use crate::plan::{BlockerKind, Placement, PlannedImport, SourceFile};
use crate::policy::{fmt_ms, r3, ContainerCost, ContainerSource, PolicyContext, SeedsCost, Strategy};
use crate::solve::eager_rows;

/// Round every figure, only after all decisions, so no decision saw a
/// rounded number.
pub(crate) fn round(rows: &mut [PlannedImport]) {
    for r in rows.iter_mut() {
        r.import_ms = r.import_ms.map(r3);
        for b in r.blocked_by.iter_mut() {
            b.cost_ms = b.cost_ms.map(r3);
        }
        if let Some(m) = r.models.as_mut() {
            m.seeds_formula = m.seeds_formula.map(SeedsCost::rounded);
            m.container = m.container.map(ContainerCost::rounded);
        }
    }
}

pub(crate) struct Estimate {
    pub hot_set: Vec<String>,
    pub estimated_init_ms: f64,
    pub own_time_excluded: Vec<String>,
    /// The profiled modules the estimate expects to load no more at INIT.
    pub off_init: Vec<String>,
}

/// What the estimate reads besides the rows.
pub(crate) struct EstimateInputs<'a> {
    pub file_of: &'a BTreeMap<&'a str, &'a SourceFile>,
    pub files: &'a [SourceFile],
    pub profile: &'a ProfileDoc,
    pub project: &'a BTreeSet<&'a str>,
    pub libraries: Option<&'a InstalledGraph>,
    pub unsafe_fixes: bool,
}

/// The hot set and the estimated INIT, all from the profile's series:
/// today's median minus the median self time of exactly the modules that
/// no longer load at INIT after the fix ([`crate::after_fix`]), and minus
/// their share of what the profile's medians leave unaccounted
/// ([`unaccounted_ms`]).
pub(crate) fn estimate(rows: &[PlannedImport], inp: &EstimateInputs<'_>, notes: &mut Vec<String>) -> Estimate {
    let EstimateInputs { file_of, files, profile, project, libraries, unsafe_fixes } = *inp;
    let entry = profile.entry_module();
    let (rows, kept) = as_fix_writes(rows, file_of, files, unsafe_fixes);
    if kept > 0 {
        let what = if unsafe_fixes {
            "sit in a module whose names are dynamic (`globals()`, `eval`, …) or that defines its own `__getattr__`"
        } else {
            "are a package's re-exports, are imported by name from another project file, or sit in a module whose names are dynamic (`globals()`, `eval`, …)"
        };
        notes.push(format!("{kept} deferred import(s) {what}: `lmms fix` keeps them, so the estimates count them eager"));
    }
    let rows = &rows[..];
    let loaded_by_name = crate::rows::loaded_by_name(profile, project);
    let eager = eager_rows(rows, entry, project, &loaded_by_name);
    let hot_set: BTreeSet<String> = eager.iter().map(|&i| rows[i].module.clone()).collect();
    // A module-level call on a deferred library (`S3 = boto3.client(...)`)
    // runs inside its module's own (self) time; the plan moves it out of
    // INIT, and the profile cannot say how much of that self time it was.
    // A call into the project or the stdlib (`re.compile`, `getLogger`) is
    // cheap and fix keeps it: that module's own time stays.
    let mut own_time_excluded: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.strategy == Strategy::FunctionLevel
                && r.origin == Some(Origin::ThirdParty)
                && r.blocked_by.iter().any(|b| b.kind == BlockerKind::ModuleLevelCall)
        })
        .map(|r| r.file_module.clone())
        .collect();
    own_time_excluded.sort();
    own_time_excluded.dedup();
    let calls_moved: BTreeSet<String> = own_time_excluded.iter().cloned().collect();
    let code = Code { profile, file_of, project, libraries, calls_moved: &calls_moved, loaded_by_name: &loaded_by_name };
    let loaded = loaded_after_fix(rows, &code);
    let off_init: Vec<String> =
        profile.modules.iter().filter(|m| !loaded.contains(&m.name)).map(|m| m.name.clone()).collect();
    let dropped: f64 = profile.modules.iter().filter(|m| !loaded.contains(&m.name)).map(|m| m.self_ms.median).sum();
    let excluded_ms: f64 = own_time_excluded
        .iter()
        .filter_map(|m| profile.module(m))
        .filter(|m| loaded.contains(&m.name))
        .map(|m| m.self_ms.median)
        .sum();
    if !own_time_excluded.is_empty() {
        notes.push(format!(
            "the own time of {} ({}) is left out of the estimates: it is dominated by module-level calls the plan moves out of INIT",
            own_time_excluded.join(", "),
            fmt_ms(excluded_ms)
        ));
    }
    let removed = dropped + excluded_ms;
    let (unaccounted, tree_ms) = unaccounted_ms(profile);
    let share = if tree_ms > 0.0 { (removed / tree_ms).min(1.0) } else { 0.0 };
    // No change to imports makes INIT faster than starting the interpreter.
    let estimated = (profile.init_ms.median - removed - unaccounted * share).max(profile.floor_ms.median).max(0.0);
    Estimate { hot_set: hot_set.into_iter().collect(), estimated_init_ms: r3(estimated), own_time_excluded, off_init }
}

/// The rows as `lmms fix` will act on them. Some of fix's rules keep an
/// import whatever the decision: no import moves in a module that uses
/// `globals()`, `eval`, `exec`, `vars()` or `locals()`; and a binding other
/// modules read (a package `__init__.py`'s re-export, a name another project
/// file imports from this module) stays, unless `--unsafe-fixes` serves it
/// through a PEP 562 `__getattr__` (not in a module that defines its own).
/// Returns the rows and how many were kept so.
fn as_fix_writes(
    rows: &[PlannedImport],
    file_of: &BTreeMap<&str, &SourceFile>,
    files: &[SourceFile],
    unsafe_fixes: bool,
) -> (Vec<PlannedImport>, usize) {
    let mut kept = 0;
    let rows = rows
        .iter()
        .cloned()
        .map(|mut r| {
            let moved = r.strategy == Strategy::FunctionLevel && r.current == Placement::ModuleLevel && !r.pinned;
            if let Some(f) = file_of.get(r.path.as_str()).filter(|_| moved) {
                let unused = |n: &String| !f.parsed.refs.iter().any(|x| &x.bound == n);
                let re_export =
                    f.is_package && r.bound.iter().any(|n| !n.starts_with('_')) && r.bound.iter().all(unused);
                let read_elsewhere =
                    || r.bound.iter().any(|n| crate::blockers::imported_elsewhere(files, &f.module, n).is_some());
                let own_getattr = f.parsed.functions.iter().any(|d| d.qualname == "__getattr__");
                let served = unsafe_fixes && !own_getattr;
                if !f.parsed.dynamic_namespace.is_empty() || (!served && (re_export || read_elsewhere())) {
                    r.strategy = Strategy::ModuleLevel;
                    kept += 1;
                }
            }
            r
        })
        .collect();
    (rows, kept)
}

/// What the profile's medians leave unaccounted, and the time they do
/// account for: the roots' median cumulative time minus the sum of every
/// module's median self time. Medians do not add up: on a busy machine a
/// run's preemptions land in its totals but rarely in one module's median,
/// so the remainder grows with load (a third of INIT at a load of 15 on two
/// cores). It is spread over the work the imports do, so deferring a share
/// of the tree removes that share of it too.
fn unaccounted_ms(profile: &ProfileDoc) -> (f64, f64) {
    let tree: f64 = profile.modules.iter().map(|m| m.self_ms.median).sum();
    let roots: f64 = profile.modules.iter().filter(|m| m.imported_by.is_none()).map(|m| m.cumulative_ms.median).sum();
    ((roots - tree).max(0.0), tree)
}

/// Notes on what the estimates assume and how the policy decided.
pub(crate) fn policy_notes(rows: &[PlannedImport], config: &Config, cx: &PolicyContext, notes: &mut Vec<String>) {
    let soft = rows.iter().filter(|r| !r.blocked_by.is_empty() && !r.pinned).count();
    let pinned = rows
        .iter()
        .filter(|r| r.pinned && r.strategy == Strategy::FunctionLevel)
        .count();
    if soft > 0 {
        notes.push(format!(
            "{soft} deferred import(s) have module-level uses that can be made lazy (calls, dispatch tables, annotations); the hot set and predictions assume they are"
        ));
    }
    if pinned > 0 {
        notes.push(format!(
            "{pinned} import(s) are pinned by a class base, decorator or default argument: they load whenever their module does, so the plan defers the module instead"
        ));
    }
    if config.policy == lmms_config::Policy::Cost && !cx.snapstart {
        notes.push(
            "cost policy: DEC-02's cost formula reduces to `usage > cold-start ratio` (import time cancels out, and its 0.5 ms lazy-load overhead is computed but never used); it also charges a lazy import on every request that uses it, while CPython pays once per container — the container model is shown wherever it disagrees".into(),
        );
    }
    if cx.containers.source == ContainerSource::Assumed {
        notes.push(format!("requests per container: {}", cx.containers.source.describe()));
    }
}

#[cfg(test)]
mod tests {
    use lmms_config::Config;

    use crate::marginal::tests::profile;
    use crate::plan::tests::usage;
    use crate::plan::{build_plan, SourceFile};

    /// The plan of a profile with no installed-library edges, the way each
    /// of these tests asks for it.
    fn plan_unlinked(
        p: &lmms_profile::doc::ProfileDoc,
        u: &crate::usage::UsageDoc,
        files: &[SourceFile],
        unsafe_fixes: bool,
    ) -> crate::PlanDoc {
        let config = Config::default();
        crate::plan::plan(&crate::plan::PlanRequest {
            profile: p,
            usage: Some(u),
            files,
            config: &config,
            hot: &[],
            previous: None,
            unsafe_fixes,
            libraries: None,
        })
    }

    fn file(path: &str, module: &str, source: &str) -> SourceFile {
        let is_package = path.ends_with("__init__.py");
        SourceFile { path: path.into(), module: module.into(), is_package, source: source.into(), parsed: lmms_python::parse_module(source) }
    }

    const APP: &str = "import json\nimport boto3\n\ndef handler(e, c):\n    return boto3, json\n";

    #[test]
    fn what_the_medians_leave_unaccounted_goes_with_the_share_of_the_tree_deferred() {
        // app 1 + json 2 + boto3 290 = 293 ms of medians; the entry's median
        // cumulative says 443 ms, so 150 ms of a busy machine's preemptions
        // are in no module's median. Deferring boto3 (290 of 293 ms) takes
        // that share of them too.
        let mut p = profile("app", &[("app", 1.0, &["app"]), ("json", 2.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        p.modules[0].cumulative_ms.median = 443.0;
        p.init_ms.median = 480.0;
        let plan = build_plan(&p, None, &[file("app.py", "app", APP)], &Config::default());
        assert_eq!(plan.hot_set, vec!["json"]);
        let expected = 480.0 - 290.0 - 150.0 * 290.0 / 293.0;
        assert!((plan.estimated_init_ms - expected).abs() < 0.01, "{} vs {expected}", plan.estimated_init_ms);
        // On a quiet machine the medians add up and nothing more is removed.
        let quiet = profile("app", &[("app", 1.0, &["app"]), ("json", 2.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        let plan = build_plan(&quiet, None, &[file("app.py", "app", APP)], &Config::default());
        assert!((plan.estimated_init_ms - (quiet.init_ms.median - 290.0)).abs() < 1e-9);
    }

    #[test]
    fn an_estimate_never_goes_below_the_interpreter_floor() {
        let mut p = profile("app", &[("app", 1.0, &["app"]), ("json", 1.0, &["app", "json"]), ("boto3", 290.0, &["app", "boto3"])]);
        p.init_ms.median = 250.0;
        let plan = build_plan(&p, None, &[file("app.py", "app", APP)], &Config::default());
        assert_eq!(plan.estimated_init_ms, p.floor_ms.median);
    }

    #[test]
    fn a_re_export_stays_eager_because_fix_has_no_function_to_move_it_into() {
        // pkg/__init__.py re-exports core's class and never uses it: fix
        // keeps that import, so pkg.core stays on INIT, whatever the tier.
        let init = "from pkg.core import Engine\n";
        let core = "import boto3\n\nclass Engine:\n    def run(self):\n        return boto3\n\ndef _helper():\n    return 1\n";
        let entry = "import pkg\n\ndef handler(e, c):\n    return pkg.Engine().run()\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("pkg", 1.0, &["app", "pkg"]),
                ("pkg.core", 150.0, &["app", "pkg", "pkg.core"]),
                ("boto3", 200.0, &["app", "pkg", "pkg.core", "boto3"]),
            ],
        );
        let files = [file("app.py", "app", entry), file("pkg/__init__.py", "pkg", init), file("pkg/core.py", "pkg.core", core)];
        let mut notes = Vec::new();
        let plan = build_plan(&p, None, &files, &Config::default());
        notes.extend(plan.notes.iter().cloned());
        let core_row = plan.imports.iter().find(|r| r.path == "pkg/__init__.py" && r.module == "pkg.core").unwrap();
        // The row says what fix does (issue 11's one voice): it stays.
        assert_eq!(core_row.strategy, crate::Strategy::ModuleLevel, "{}", core_row.reason);
        assert!(core_row.reason.starts_with("stays on INIT: `Engine` is part of the package's API"), "{}", core_row.reason);
        // Held there, it is the entry's `import pkg` that carries pkg.core's
        // cost, and that one moves (only the handler reads `pkg`).
        assert_eq!(plan.imports[0].strategy, crate::Strategy::FunctionLevel, "{}", plan.imports[0].reason);
        assert_eq!(plan.off_init, vec!["pkg", "pkg.core", "boto3"]);
    }

    #[test]
    fn imports_of_a_module_with_a_dynamic_namespace_stay_eager_because_fix_keeps_them() {
        let src = "import boto3\n\ndef handler(e, c):\n    return eval('boto3')\n";
        let p = profile("app", &[("app", 1.0, &["app"]), ("boto3", 290.0, &["app", "boto3"])]);
        let plan = build_plan(&p, None, &[file("app.py", "app", src)], &Config::default());
        assert_eq!(plan.imports[0].strategy, crate::Strategy::ModuleLevel);
        assert!(plan.imports[0].reason.starts_with("stays on INIT: `eval()` at line 4"), "{}", plan.imports[0].reason);
        assert_eq!(plan.hot_set, vec!["boto3"]);
        assert_eq!(plan.estimated_init_ms, p.init_ms.median);
    }

    fn planned(p: &lmms_profile::doc::ProfileDoc, files: &[SourceFile], unsafe_fixes: bool, libs: Option<&lmms_graph::InstalledGraph>) -> crate::PlanDoc {
        let cfg = Config::default();
        crate::plan::plan(&crate::plan::PlanRequest {
            profile: p,
            usage: None,
            files,
            config: &cfg,
            hot: &[],
            previous: None,
            unsafe_fixes,
            libraries: libs,
        })
    }

    #[test]
    fn a_shared_dependency_an_eager_library_imports_itself_stays_on_init() {
        // The tree charges typing to report's pandas, which the plan defers;
        // but yaml, which stays, imports typing at module level too (its
        // file says so): typing stays loaded and its time is not taken off.
        let src = "import yaml\nimport pandas\n\ndef handler(e, c):\n    return yaml, pandas\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("pandas", 200.0, &["app", "pandas"]),
                ("typing", 12.0, &["app", "pandas", "typing"]),
                ("yaml", 5.0, &["app", "yaml"]),
            ],
        );
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "yaml", 1.0), ("app.py", 2, "pandas", 0.05)]);
        let cfg = Config::default();
        let request = |libs| crate::plan::PlanRequest {
            profile: &p,
            usage: Some(&u),
            files: &files,
            config: &cfg,
            hot: &[],
            previous: None,
            unsafe_fixes: false,
            libraries: libs,
        };
        let tree_only = crate::plan::plan(&request(None));
        assert_eq!(tree_only.off_init, vec!["pandas", "typing"]);
        let libs = lmms_graph::InstalledGraph::from_deps([("yaml".to_string(), vec!["typing".to_string()])]);
        let plan = crate::plan::plan(&request(Some(&libs)));
        assert_eq!(plan.off_init, vec!["pandas"]);
        assert!((plan.estimated_init_ms - (p.init_ms.median - 200.0)).abs() < 1e-9, "{}", plan.estimated_init_ms);
    }

    fn importer(module: &str, line: u32, function: Option<&str>, during: (&str, u32)) -> lmms_profile::doc::Importer {
        lmms_profile::doc::Importer {
            module: module.into(),
            line,
            function: function.map(str::to_string),
            during: during.0.into(),
            during_line: during.1,
        }
    }

    #[test]
    fn a_module_an_eager_library_imports_by_name_stays_on_init_though_the_projects_statement_moves() {
        // jsonpickle's shape: backend's module body calls a constructor that
        // runs `__import__("yaml")`; no statement of backend's file names
        // yaml, and the tree shows yaml under app only. The executed edges
        // say backend imported it while backend was being imported.
        let src = "import backend\nimport yaml\n\ndef handler(e, c):\n    return backend, yaml\n";
        let mut p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("backend", 2.0, &["app", "backend"]), ("yaml", 200.0, &["app", "yaml"])],
        );
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "backend", 1.0), ("app.py", 2, "yaml", 0.05)]);
        let plan_of = |p: &lmms_profile::doc::ProfileDoc| {
            plan_unlinked(p, &u, &files, true)
        };
        // app's own statement ran the first import: that edge is the row's,
        // which the fix moves, so it holds nothing.
        let yaml = p.modules.iter_mut().find(|m| m.name == "yaml").unwrap();
        yaml.importers = vec![importer("app", 2, None, ("app", 2))];
        assert_eq!(plan_of(&p).off_init, vec!["yaml"]);
        let yaml = p.modules.iter_mut().find(|m| m.name == "yaml").unwrap();
        yaml.importers.push(importer("backend", 9, Some("Backend.__init__"), ("backend", 14)));
        let plan = plan_of(&p);
        assert!(plan.off_init.is_empty(), "{:?}", plan.off_init);
        assert_eq!(plan.estimated_init_ms, p.init_ms.median);
        // The solver sees it too: deferring app's statement saves nothing.
        let row = plan.imports.iter().find(|r| r.module == "yaml").unwrap();
        assert_eq!((row.import_ms, row.loaded_by.as_deref()), (Some(0.0), Some("backend")));
        assert_eq!(row.strategy, crate::Strategy::ModuleLevel);
    }

    #[test]
    fn an_edge_a_deferred_library_ran_holds_nothing_and_one_a_project_call_ran_holds_unless_fix_moves_the_call() {
        // The library that imported yaml by name is itself deferred: gone
        // with it. A project module-level call into a library that imports
        // yaml (`during` the project module, in a function) holds it.
        let src = "import backend\nimport yaml\n\ndef handler(e, c):\n    return backend, yaml\n";
        let mut p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("backend", 150.0, &["app", "backend"]), ("yaml", 200.0, &["app", "yaml"])],
        );
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "backend", 0.0), ("app.py", 2, "yaml", 0.05)]);
        let yaml = p.modules.iter_mut().find(|m| m.name == "yaml").unwrap();
        yaml.importers = vec![importer("backend", 9, Some("Backend.__init__"), ("backend", 14))];
        let plan_of = |p: &lmms_profile::doc::ProfileDoc| {
            plan_unlinked(p, &u, &files, true)
        };
        assert_eq!(plan_of(&p).off_init, vec!["backend", "yaml"]);
        let yaml = p.modules.iter_mut().find(|m| m.name == "yaml").unwrap();
        // app's line 7 is no import statement: a module-level call.
        yaml.importers = vec![importer("backend", 9, Some("load"), ("app", 7))];
        assert_eq!(plan_of(&p).off_init, vec!["backend"]);
        // Run inside app's `import backend` (a lazy attribute of backend's
        // loading yaml): it goes with that statement, which the fix moves.
        let yaml = p.modules.iter_mut().find(|m| m.name == "yaml").unwrap();
        yaml.importers = vec![importer("backend", 9, Some("__getattr__"), ("app", 1))];
        assert_eq!(plan_of(&p).off_init, vec!["backend", "yaml"]);
    }

    #[test]
    fn an_import_fix_moves_into_a_function_that_ran_at_init_stays_on_init() {
        // acai_aws' jsonref: the entry calls `SCHEMA.load()` at import, and
        // load is where the fix puts `import slowref` (its only reader), so
        // the moved import still runs at INIT.
        let src = "import slowref\n\nclass Schema:\n    def load(self):\n        if self.path:\n            return slowref.loads(self.path)\n\nSCHEMA = Schema()\nSCHEMA.load()\n\ndef handler(e, c):\n    return 1\n";
        let mut p = profile("app", &[("app", 1.0, &["app"]), ("slowref", 200.0, &["app", "slowref"])]);
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "slowref", 0.0)]);
        let plan_of = |p: &lmms_profile::doc::ProfileDoc| {
            plan_unlinked(p, &u, &files, true)
        };
        assert_eq!(plan_of(&p).off_init, vec!["slowref"]);
        let ran = |f: &str| lmms_profile::doc::FunctionAtInit { module: "app".into(), function: f.into() };
        p.functions_at_init = vec![ran("Schema"), ran("Schema.handler")];
        assert_eq!(plan_of(&p).off_init, vec!["slowref"], "no function that reads slowref ran");
        p.functions_at_init.push(ran("Schema.load"));
        let plan = plan_of(&p);
        assert!(plan.off_init.is_empty(), "{:?}", plan.off_init);
        // The row says so, naming the function, so fix has nothing to take back.
        let row = plan.imports.iter().find(|r| r.module == "slowref").unwrap();
        assert_eq!(row.strategy, crate::Strategy::ModuleLevel);
        assert!(row.reason.contains("`Schema.load`, which runs at import"), "{}", row.reason);
        // Before Python 3.11 the profile has bare names.
        p.python.version = "3.10.12".into();
        p.functions_at_init = vec![ran("load")];
        assert!(plan_of(&p).off_init.is_empty());
    }

    #[test]
    fn what_a_module_level_call_on_a_moving_library_loaded_is_charged_to_that_library() {
        // heavy_app's `S3 = boto3.client(...)`: the call loads botocore's
        // services (children of app in the tree, imported by botocore's
        // code while app's line 3 ran). With `--unsafe-fixes` the call
        // becomes a getter when boto3 moves, so what it loaded leaves too:
        // the row is charged its whole tree (boto3 and botocore, 200 ms),
        // none of it "kept loaded" through that call's loads.
        let src = "import boto3\n\nS3 = boto3.client('s3')\n\ndef handler(e, c):\n    return S3\n";
        let mut p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("boto3", 150.0, &["app", "boto3"]),
                ("botocore", 50.0, &["app", "boto3", "botocore"]),
                ("botocore.loaders", 80.0, &["app", "botocore.loaders"]),
            ],
        );
        let loaders = p.modules.iter_mut().find(|m| m.name == "botocore.loaders").unwrap();
        loaders.importers = vec![importer("botocore.client", 40, Some("create_client"), ("app", 3))];
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "boto3", 0.05)]);
        let plan = plan_unlinked(&p, &u, &files, true);
        let row = plan.imports.iter().find(|r| r.module == "boto3").unwrap();
        assert_eq!(row.strategy, crate::Strategy::FunctionLevel, "{}", row.reason);
        assert_eq!(row.import_ms, Some(200.0), "{}", row.reason);
        assert!(!row.reason.contains("not counted"), "{}", row.reason);
        assert_eq!(plan.off_init, vec!["boto3", "botocore", "botocore.loaders"]);
    }

    #[test]
    fn unsafe_fixes_serve_a_packages_re_exports_through_getattr_so_their_modules_leave_init() {
        // jinja2's shape: the entry imports the package, whose __init__
        // re-exports classes it never uses. The safe fix keeps them (the
        // package's API); --unsafe-fixes moves them into a PEP 562
        // __getattr__, and nothing at INIT asks for them.
        let init = "from .core import Engine\n";
        let core = "import json\n\nclass Engine:\n    def run(self):\n        return json\n";
        let entry = "import pkg\n\ndef handler(e, c):\n    return pkg.Engine().run()\n";
        let p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("pkg", 1.0, &["app", "pkg"]), ("pkg.core", 150.0, &["app", "pkg", "pkg.core"])],
        );
        let files =
            [file("app.py", "app", entry), file("pkg/__init__.py", "pkg", init), file("pkg/core.py", "pkg.core", core)];
        // The safe fix keeps the re-export, so the entry's `import pkg` now
        // costs pkg.core too, and it is the one that moves.
        let safe = planned(&p, &files, false, None);
        let reexport = safe.imports.iter().find(|r| r.path == "pkg/__init__.py").unwrap();
        assert_eq!(reexport.strategy, crate::Strategy::ModuleLevel, "{}", reexport.reason);
        assert_eq!(safe.imports[0].strategy, crate::Strategy::FunctionLevel, "{}", safe.imports[0].reason);
        assert_eq!(safe.off_init, vec!["pkg", "pkg.core"]);
        let plan = planned(&p, &files, true, None);
        assert_eq!(plan.off_init, vec!["pkg.core"]);
        assert!((plan.estimated_init_ms - (p.init_ms.median - 150.0)).abs() < 1e-9);
    }

    #[test]
    fn a_name_read_from_a_package_at_import_loads_the_statement_binding_it_wherever_fix_puts_it() {
        // `from pkg import Engine` at module level of the entry asks pkg's
        // namespace for Engine at INIT: a __getattr__ would import pkg.core
        // right then, so pkg.core stays whatever pkg's row decides.
        let init = "from .core import Engine\n";
        let core = "class Engine:\n    pass\n";
        let entry = "from pkg import Engine\n\nclass Handler(Engine):\n    pass\n\ndef handler(e, c):\n    return Handler()\n";
        let p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("pkg", 1.0, &["app", "pkg"]), ("pkg.core", 150.0, &["app", "pkg", "pkg.core"])],
        );
        let files =
            [file("app.py", "app", entry), file("pkg/__init__.py", "pkg", init), file("pkg/core.py", "pkg.core", core)];
        let plan = planned(&p, &files, true, None);
        assert!(plan.off_init.is_empty(), "{:?}", plan.off_init);
        assert_eq!(plan.estimated_init_ms, p.init_ms.median);
    }

    #[test]
    fn without_unsafe_fixes_a_binding_another_file_imports_stays_where_it_is() {
        // helpers' `import yaml` is read as `from helpers import yaml` by the
        // entry's function: the safe fix keeps the binding (its namespace is
        // its API), so yaml stays on INIT; --unsafe-fixes serves it lazily.
        let helpers = "import yaml\n\ndef load(t):\n    return yaml.safe_load(t)\n";
        let entry = "import helpers\n\ndef handler(e, c):\n    from helpers import yaml\n    return yaml, helpers\n";
        let p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("helpers", 1.0, &["app", "helpers"]), ("yaml", 40.0, &["app", "helpers", "yaml"])],
        );
        let files = [file("app.py", "app", entry), file("helpers.py", "helpers", helpers)];
        let safe = planned(&p, &files, false, None);
        let row = safe.imports.iter().find(|r| r.path == "helpers.py").unwrap();
        assert!(row.reason.starts_with("stays on INIT: `yaml` is read by app.py:4 (`from helpers import yaml`)"), "{}", row.reason);
        // So the entry's `import helpers` carries yaml, and it is the one that moves.
        assert_eq!(safe.off_init, vec!["helpers", "yaml"]);
        assert_eq!(planned(&p, &files, true, None).off_init, vec!["yaml"]);
    }
}
