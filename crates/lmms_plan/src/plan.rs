//! How the plan document (`lmms.plan/1`, defined in `lmms_schema::plan`) is built from a profile,
//! optional usage, and the parsed project files: [`crate::rows`] lists one
//! row per imported module, [`crate::blockers`] finds the module-level uses
//! that keep one eager, [`crate::solve`] decides them to a fixed point and
//! [`crate::estimate`] adds up what stays on INIT. Pure: the caller reads the
//! files; nothing here touches the disk or spawns anything.

use std::collections::{BTreeMap, BTreeSet};

use lmms_config::Config;
use lmms_profile::doc::ProfileDoc;
use lmms_python::ParsedModule;

use crate::blockers::blockers;
use crate::marginal::Attribution;
use crate::policy::{PolicyContext, Strategy};
use crate::solve::Solver;
use crate::usage::UsageDoc;
use crate::{estimate, rows};

pub use lmms_schema::plan::{
    Blocker, BlockerKind, Placement, PlanDoc, PlannedImport, Prediction, Series, Simulation, ValueRead, HARD_BLOCKERS,
    PLAN_SCHEMA,
};

/// DEC-03's "Expect >40% improvement".
pub const TARGET_IMPROVEMENT_PCT: f64 = 40.0;

/// One project file, already read and parsed by the caller.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project root, `/`-separated (as shown to users).
    pub path: String,
    /// Dotted module name under its source root.
    pub module: String,
    /// `__init__.py`: relative imports resolve against the module itself.
    pub is_package: bool,
    pub source: String,
    pub parsed: ParsedModule,
}

pub use lmms_python::resolve_relative;

/// Build the plan. `files` are the project's parsed sources; only files the
/// profile saw loaded during INIT (and the entry) contribute imports, since
/// the others cost nothing at cold start.
pub fn build_plan(
    profile: &ProfileDoc,
    usage: Option<&UsageDoc>,
    files: &[SourceFile],
    config: &Config,
) -> PlanDoc {
    build_plan_measured(profile, usage, files, config, &[])
}

/// [`build_plan`], refined by a profile of the planned eager set imported
/// alone (`lmms plan --simulate` measures it). The entry's profile charges a
/// shared dependency to whichever module loaded it first — `ssl` to boto3,
/// not to websocket — so once boto3 is deferred, websocket's true cost only
/// shows when the eager set is measured without it. With `hot`:
/// - a library measured there costs what that profile attributes to it (the
///   latest of `hot` that has it: rounds of `--simulate` each add one, so a
///   library deferred after being measured keeps its measured cost);
/// - any other library costs its modules from the entry's profile minus
///   those the latest eager set loads anyway.
pub fn build_plan_measured(
    profile: &ProfileDoc,
    usage: Option<&UsageDoc>,
    files: &[SourceFile],
    config: &Config,
    hot: &[ProfileDoc],
) -> PlanDoc {
    plan(&PlanRequest { profile, usage, files, config, hot, previous: None, unsafe_fixes: false, libraries: None })
}

/// Everything a plan is decided from.
pub struct PlanRequest<'a> {
    pub profile: &'a ProfileDoc,
    pub usage: Option<&'a UsageDoc>,
    pub files: &'a [SourceFile],
    pub config: &'a Config,
    /// Profiles of the eager set imported alone (see [`build_plan_measured`]).
    pub hot: &'a [ProfileDoc],
    /// The last plan made (`.lmms/plan.json`): its tiers hold unless an
    /// import's median moves past a threshold by more than its MAD
    /// ([`crate::hysteresis`]).
    pub previous: Option<&'a PlanDoc>,
    /// Plan the code `lmms fix --unsafe-fixes` writes, not `lmms fix`'s.
    pub unsafe_fixes: bool,
    /// Import-time edges of the profiled libraries, read from their files
    /// ([`crate::inputs::library_imports`]): without them the estimate
    /// knows a library's imports only from the profile tree.
    pub libraries: Option<&'a lmms_graph::InstalledGraph>,
}

/// Build the plan from a [`PlanRequest`].
pub fn plan(req: &PlanRequest<'_>) -> PlanDoc {
    let PlanRequest { profile, usage, files, config, hot, previous, unsafe_fixes, libraries } = *req;
    let cx = PolicyContext::new(config, usage.and_then(|u| u.cold_start_ratio));
    let project: BTreeSet<&str> = files.iter().map(|f| f.module.as_str()).collect();
    let file_of: BTreeMap<&str, &SourceFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut notes = Vec::new();

    let (mut rows, skipped_files) = rows::project_rows(profile, files);
    if skipped_files > 0 {
        notes.push(format!(
            "{skipped_files} project file(s) were not loaded during INIT and are not planned (they cost nothing at cold start)"
        ));
    }
    if usage.is_none() {
        notes.push(
            "no .lmms/usage.json: usage is unknown, so no hot-path exception can be granted; run `lmms usage --events …`"
                .into(),
        );
    }
    rows::annotate(&mut rows, usage, &file_of, files, unsafe_fixes);

    let keys: BTreeSet<String> = rows.iter().flat_map(|r| r.keys.iter().cloned()).collect();
    let attribution = Attribution::new(profile, &keys);
    let hot_attrs: Vec<Attribution<'_>> = hot.iter().map(|h| Attribution::new(h, &keys)).collect();
    let mut solver = Solver::new(&cx, profile.entry_module(), &project, &attribution, &hot_attrs, hot);
    solver.previous = crate::hysteresis::history(previous, &profile.entry);
    solver.loaded_by_name = rows::loaded_by_name(profile, &project);
    solver.file_of = Some(&file_of);
    // What a module-level call on a deferred library loads is not known
    // before the decisions (`estimate` says): the solver keeps it loaded.
    let no_calls_moved = BTreeSet::new();
    let code = crate::after_fix::Code {
        profile,
        file_of: &file_of,
        project: &project,
        libraries,
        calls_moved: &no_calls_moved,
        loaded_by_name: &solver.loaded_by_name.clone(),
    };
    solver.code = Some(&code);
    solver.solve(&mut rows);

    for r in rows.iter_mut() {
        if r.current == Placement::ModuleLevel && r.strategy == Strategy::FunctionLevel {
            if let Some(f) = file_of.get(r.path.as_str()) {
                r.blocked_by = blockers(f, &r.bound, r.import_ms, &r.module);
            }
        }
        // What the fix leaves in place is not a move: the row says it stays.
        if let (Some(why), Strategy::FunctionLevel) = (r.held.clone(), r.strategy) {
            r.strategy = Strategy::ModuleLevel;
            r.reason = format!("{why} (on its own: {})", r.reason);
        }
    }
    estimate::round(&mut rows);
    let inputs = estimate::EstimateInputs { file_of: &file_of, files, profile, project: &project, libraries, unsafe_fixes };
    let est = estimate::estimate(&rows, &inputs, &mut notes);
    estimate::policy_notes(&rows, config, &cx, &mut notes);

    let mut plan = PlanDoc {
        schema: PLAN_SCHEMA.into(),
        policy: config.policy.as_str().into(),
        entry: profile.entry.clone(),
        snapstart: cx.snapstart,
        usage: if usage.is_some() { "measured" } else { "unknown" }.into(),
        containers: cx.containers,
        profiled_at: profile.profiled_at.clone(),
        imports: rows,
        hot_set: est.hot_set,
        current_init_ms: profile.init_ms,
        predicted_init_ms: None,
        estimated_init_ms: est.estimated_init_ms,
        own_time_excluded: est.own_time_excluded,
        off_init: est.off_init,
        simulation: None,
        unsafe_fixes,
        prediction: None,
        notes,
    };
    plan.prediction = Some(plan.init_prediction());
    plan
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tier::Tier;

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(
            resolve_relative("pkg.sub.mod", false, 1, "x").as_deref(),
            Some("pkg.sub.x")
        );
        assert_eq!(
            resolve_relative("pkg.sub.mod", false, 2, "").as_deref(),
            Some("pkg")
        );
        assert_eq!(
            resolve_relative("pkg", true, 1, "models").as_deref(),
            Some("pkg.models")
        );
        assert_eq!(resolve_relative("mod", false, 2, "x"), None);
    }

    use crate::blockers::line_col;
    use crate::marginal::tests::profile;

    fn file(path: &str, module: &str, source: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            module: module.into(),
            is_package: false,
            source: source.into(),
            parsed: lmms_python::parse_module(source),
        }
    }

    /// A usage document whose import rows are `(path, line, module, usage)`.
    pub(crate) fn usage(rows: &[(&str, u32, &str, f64)]) -> UsageDoc {
        UsageDoc {
            schema: crate::usage::USAGE_SCHEMA.into(),
            requests: 100,
            errors: 0,
            imports: rows
                .iter()
                .map(|(p, l, m, u)| crate::usage::ImportUsage {
                    path: p.to_string(),
                    line: *l,
                    module: m.to_string(),
                    usage: *u,
                    requests_using: (u * 100.0).round() as u64,
                    names: vec![],
                    id: String::new(),
                })
                .collect(),
            modules: vec![],
            cold_start_ratio: None,
            source: lmms_schema::usage::Source::Replay,
            logs: None,
            values: vec![],
        }
    }

    const APP: &str = "import json\nimport boto3\nimport websocket\n\ndef handler(e, c):\n    return json.dumps(e)\n";

    fn app_profile() -> ProfileDoc {
        // boto3 loads ssl first, so the entry's tree charges ssl to boto3
        // and websocket looks nearly free.
        profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("json", 2.0, &["app", "json"]),
                ("boto3", 150.0, &["app", "boto3"]),
                ("ssl", 40.0, &["app", "boto3", "ssl"]),
                ("websocket", 5.0, &["app", "websocket"]),
            ],
        )
    }

    #[test]
    fn shared_dependency_hides_in_the_first_loader_without_measurement() {
        let u = usage(&[
            ("app.py", 1, "json", 1.0),
            ("app.py", 2, "boto3", 0.05),
            ("app.py", 3, "websocket", 0.04),
        ]);
        let plan = build_plan(
            &app_profile(),
            Some(&u),
            &[file("app.py", "app", APP)],
            &Config::default(),
        );
        let ws = plan
            .imports
            .iter()
            .find(|i| i.module == "websocket")
            .unwrap();
        assert_eq!(ws.import_ms, Some(5.0));
        assert_eq!(ws.strategy, Strategy::ModuleLevel);
        assert_eq!(plan.hot_set, vec!["json", "websocket"]);
        assert!((plan.estimated_init_ms - (plan.current_init_ms.median - 190.0)).abs() < 1e-9);
    }

    #[test]
    fn measuring_the_eager_set_alone_reveals_the_shared_dependency() {
        let u = usage(&[
            ("app.py", 1, "json", 1.0),
            ("app.py", 2, "boto3", 0.05),
            ("app.py", 3, "websocket", 0.04),
        ]);
        // The eager set (json, websocket) imported alone: ssl now lands under websocket.
        let hot = profile(
            "lmms_hot_set",
            &[
                ("lmms_hot_set", 0.1, &["lmms_hot_set"]),
                ("json", 2.0, &["lmms_hot_set", "json"]),
                ("websocket", 5.0, &["lmms_hot_set", "websocket"]),
                ("ssl", 40.0, &["lmms_hot_set", "websocket", "ssl"]),
            ],
        );
        let files = [file("app.py", "app", APP)];
        let plan =
            build_plan_measured(&app_profile(), Some(&u), &files, &Config::default(), &[hot]);
        let ws = plan
            .imports
            .iter()
            .find(|i| i.module == "websocket")
            .unwrap();
        assert_eq!(ws.import_ms, Some(45.0));
        assert_eq!(ws.strategy, Strategy::FunctionLevel);
        assert!(ws.reason.contains("measured with the eager set alone"));
        assert_eq!(plan.hot_set, vec!["json"]);
    }

    #[test]
    fn class_base_pins_the_import_and_charges_it_to_the_importing_module() {
        let models = "from pydantic import BaseModel\n\nclass Record(BaseModel):\n    key: str\n";
        let entry = "from models import Record\n\ndef handler(e, c):\n    return Record(key='k')\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("models", 1.0, &["app", "models"]),
                ("pydantic", 90.0, &["app", "models", "pydantic"]),
            ],
        );
        let u = usage(&[
            ("app.py", 1, "models", 0.07),
            ("models.py", 1, "pydantic", 0.07),
        ]);
        let files = [
            file("app.py", "app", entry),
            file("models.py", "models", models),
        ];
        let plan = build_plan(&p, Some(&u), &files, &Config::default());
        let pyd = plan
            .imports
            .iter()
            .find(|i| i.module == "pydantic")
            .unwrap();
        assert!(pyd.pinned);
        assert_eq!(pyd.blocked_by[0].kind, BlockerKind::ClassBase);
        let m = plan.imports.iter().find(|i| i.module == "models").unwrap();
        assert_eq!(m.import_ms, Some(91.0));
        assert_eq!(m.strategy, Strategy::FunctionLevel);
        assert!(plan.hot_set.is_empty(), "{:?}", plan.hot_set);
    }

    #[test]
    fn blocker_kinds_serialize_to_their_kebab_case_names() {
        let all = [
            BlockerKind::ClassBase,
            BlockerKind::Decorator,
            BlockerKind::DefaultArgument,
            BlockerKind::Call,
            BlockerKind::Value,
            BlockerKind::DunderAll,
            BlockerKind::GlobalRebind,
            BlockerKind::Annotation,
            BlockerKind::ModuleLevelCall,
            BlockerKind::Other,
        ];
        for k in all {
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
            assert_eq!(serde_json::from_str::<BlockerKind>(&json).unwrap(), k);
        }
        let hard: Vec<_> = all.into_iter().filter(|k| k.is_hard()).collect();
        assert_eq!(hard, [BlockerKind::ClassBase, BlockerKind::Decorator, BlockerKind::DefaultArgument]);
        let strategies = [(Strategy::ModuleLevel, "\"module-level\""), (Strategy::FunctionLevel, "\"function-level\"")];
        for (s, json) in strategies {
            assert_eq!(serde_json::to_string(&s).unwrap(), json);
            assert_eq!(s.as_str(), &json[1..json.len() - 1]);
        }
        assert_eq!(serde_json::to_string(&Tier::T4).unwrap(), "4");
        assert_eq!(serde_json::from_str::<Tier>("4").unwrap(), Tier::T4);
    }

    #[test]
    fn a_prediction_takes_both_figures_from_one_series() {
        let u = usage(&[("app.py", 1, "json", 1.0), ("app.py", 2, "boto3", 0.05), ("app.py", 3, "websocket", 0.04)]);
        let mut plan = build_plan(&app_profile(), Some(&u), &[file("app.py", "app", APP)], &Config::default());
        let p = plan.prediction.clone().unwrap();
        assert_eq!(p.series, Series::Profile);
        assert_eq!((p.current_init_ms, p.predicted_init_ms), (plan.current_init_ms.median, plan.estimated_init_ms));
        plan.simulation = crate::simulate::simulation(&[120.0, 122.0, 121.0], &[40.0, 42.0, 41.0], 4.0);
        let s = plan.init_prediction();
        assert_eq!(s.series, Series::Simulate);
        assert_eq!((s.current_init_ms, s.predicted_init_ms), (121.0, 45.0));
        assert_eq!(s.improvement_pct, Some(62.8));
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["series"], "simulate");
        assert_eq!(s.describe(), "121 ms → 45.0 ms (62.8% faster; from `lmms plan --simulate`'s interleaved fresh starts)");
        let slower = Prediction { predicted_init_ms: 142.0, improvement_pct: Some(-23.0), ..s };
        assert_eq!(slower.describe(), "121 ms → 142 ms (23.0% slower; from `lmms plan --simulate`'s interleaved fresh starts)");
    }

    #[test]
    fn a_tier_holds_until_the_median_clears_the_threshold_by_its_mad() {
        let src = "import yaml\n\ndef handler(e, c):\n    return yaml\n";
        let files = [file("app.py", "app", src)];
        let u = usage(&[("app.py", 1, "yaml", 0.5)]);
        let at = |ms: f64, mad: f64| {
            let mut p = profile("app", &[("app", 1.0, &["app"]), ("yaml", ms, &["app", "yaml"])]);
            p.modules[1].self_ms.mad = mad;
            p
        };
        let cfg = Config::default();
        let run = |p: &ProfileDoc, previous: Option<&PlanDoc>| {
            plan(&PlanRequest { profile: p, usage: Some(&u), files: &files, config: &cfg, hot: &[], previous, unsafe_fixes: false, libraries: None })
        };
        let yaml = |doc: &PlanDoc| doc.imports.iter().find(|r| r.module == "yaml").unwrap().clone();
        let first = run(&at(9.8, 0.3), None);
        assert_eq!((yaml(&first).tier, yaml(&first).strategy), (Some(Tier::T1), Strategy::ModuleLevel));
        // 10.4 ms ± 1.2 ms: T3 on its own, but within the noise of 10 ms.
        let noisy = at(10.4, 1.2);
        assert_eq!(yaml(&run(&noisy, None)).tier, Some(Tier::T3));
        let held = yaml(&run(&noisy, Some(&first)));
        assert_eq!((held.tier, held.strategy), (Some(Tier::T1), Strategy::ModuleLevel));
        assert_eq!(held.import_ms, Some(10.4), "the figure is the new median");
        assert!(held.reason.contains("as in the previous plan"), "{}", held.reason);
        // 12.0 ms ± 1.2 ms is clearly past: the tier moves.
        let moved = yaml(&run(&at(12.0, 1.2), Some(&first)));
        assert_eq!((moved.tier, moved.strategy), (Some(Tier::T3), Strategy::FunctionLevel));
    }

    fn planned(p: &ProfileDoc, u: &UsageDoc, files: &[SourceFile], unsafe_fixes: bool) -> PlanDoc {
        let cfg = Config::default();
        plan(&PlanRequest { profile: p, usage: Some(u), files, config: &cfg, hot: &[], previous: None, unsafe_fixes, libraries: None })
    }

    fn at<'d>(doc: &'d PlanDoc, path: &str, module: &str) -> &'d PlannedImport {
        doc.imports.iter().find(|r| r.path == path && r.module == module).unwrap()
    }

    fn value(path: &str, line: u32, name: &str, usage: f64) -> crate::usage::ValueUsage {
        crate::usage::ValueUsage {
            path: path.into(),
            line,
            name: name.into(),
            module: String::new(),
            built_from: vec![],
            usage,
            requests_using: (usage * 100.0).round() as u64,
        }
    }

    #[test]
    fn a_module_level_session_keeps_its_import_on_init_unless_the_fix_is_unsafe() {
        let src = "import json\nimport requests\n\nSESSION = requests.Session()\n\ndef handler(e, c):\n    return SESSION.get(e)\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("json", 2.0, &["app", "json"]),
                ("requests", 60.0, &["app", "requests"]),
                ("urllib3", 30.0, &["app", "requests", "urllib3"]),
            ],
        );
        let mut u = usage(&[("app.py", 1, "json", 1.0), ("app.py", 2, "requests", 0.2)]);
        u.values = vec![value("app.py", 4, "SESSION", 0.2)];
        let files = [file("app.py", "app", src)];
        let safe = planned(&p, &u, &files, false);
        let r = at(&safe, "app.py", "requests");
        assert_eq!((r.strategy, r.pinned), (Strategy::ModuleLevel, true));
        assert!(r.reason.starts_with("stays on INIT: `SESSION = requests.Session()` (line 4)"), "{}", r.reason);
        assert!(safe.hot_set.contains(&"requests".to_string()));
        assert!(!safe.unsafe_fixes);
        let unsafe_plan = planned(&p, &u, &files, true);
        let r = at(&unsafe_plan, "app.py", "requests");
        assert_eq!((r.strategy, r.pinned), (Strategy::FunctionLevel, false));
        assert_eq!(r.blocked_by[0].kind, BlockerKind::ModuleLevelCall);
        assert_eq!(r.value.as_ref().map(|v| v.usage), Some(0.2));
        assert_eq!(unsafe_plan.hot_set, vec!["json"]);
        assert!(unsafe_plan.estimated_init_ms < safe.estimated_init_ms - 89.0);
    }

    #[test]
    fn a_value_most_requests_read_stays_built_at_init_with_its_import() {
        let config = "import yaml\n\nCONFIG = yaml.safe_load('a: 1')\n";
        let entry = "import config\n\ndef handler(e, c):\n    return config.CONFIG['a']\n";
        let p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("config", 1.0, &["app", "config"]), ("yaml", 120.0, &["app", "config", "yaml"])],
        );
        let mut u = usage(&[("app.py", 1, "config", 1.0), ("config.py", 1, "yaml", 0.0)]);
        u.values = vec![value("config.py", 3, "CONFIG", 1.0)];
        let files = [file("app.py", "app", entry), file("config.py", "config", config)];
        let doc = planned(&p, &u, &files, true);
        let y = at(&doc, "config.py", "yaml");
        assert_eq!(y.strategy, Strategy::ModuleLevel);
        assert_eq!(y.usage, Some(1.0), "the value's figure, not yaml's own code's 0%");
        assert!(y.reason.contains("`CONFIG` (line 3), built from it at import, is read by 100% of requests"), "{}", y.reason);
        assert!(doc.hot_set.contains(&"yaml".to_string()));
    }

    #[test]
    fn each_name_of_a_from_import_is_planned_with_its_own_usage() {
        let entry = "from features import alexa, s3_export\n\ndef handler(e, c):\n    return alexa.run(e) or s3_export.run(e)\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("features", 0.5, &["app", "features"]),
                ("features.alexa", 40.0, &["app", "features", "features.alexa"]),
                ("features.s3_export", 150.0, &["app", "features", "features.s3_export"]),
            ],
        );
        let mut u = usage(&[("app.py", 1, "features", 0.45)]);
        u.imports[0].names = ["alexa", "s3_export"]
            .iter()
            .zip([0.45, 0.07])
            .enumerate()
            .map(|(i, (n, usage))| crate::usage::NameUsage {
                alias: format!("app.py:0-37#{i}"),
                name: n.to_string(),
                module: format!("features.{n}"),
                usage,
                requests_using: (usage * 100.0).round() as u64,
            })
            .collect();
        let files = [file("app.py", "app", entry), file("features/__init__.py", "features", "")];
        let doc = planned(&p, &u, &files, false);
        assert_eq!(at(&doc, "app.py", "features.s3_export").usage, Some(0.07));
        assert_eq!(at(&doc, "app.py", "features.alexa").usage, Some(0.45));
    }

    #[test]
    fn a_module_another_eager_statement_imports_costs_nothing_and_does_not_move() {
        let entry = "import pandas\nimport report\n\ndef handler(e, c):\n    return pandas, report\n";
        let report = "import pandas\n\ndef run():\n    return pandas.DataFrame()\n";
        let p = profile(
            "app",
            &[("app", 1.0, &["app"]), ("pandas", 50.0, &["app", "pandas"]), ("report", 1.0, &["app", "report"])],
        );
        let u = usage(&[("app.py", 1, "pandas", 0.9), ("app.py", 2, "report", 0.9), ("report.py", 1, "pandas", 0.1)]);
        let files = [file("app.py", "app", entry), file("report.py", "report", report)];
        let doc = planned(&p, &u, &files, false);
        assert_eq!(at(&doc, "app.py", "pandas").strategy, Strategy::ModuleLevel, "hot path");
        let r = at(&doc, "report.py", "pandas");
        assert_eq!((r.import_ms, r.strategy, r.moves()), (Some(0.0), Strategy::ModuleLevel, false));
        assert!(r.reason.contains("deferring this one saves nothing"), "{}", r.reason);
    }

    #[test]
    fn a_submodule_imported_from_its_packages_init_is_not_charged_the_package() {
        let init = "from .errors import NeedsKey\nimport heavy\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("llm", 5.0, &["app", "llm"]),
                ("llm.errors", 2.0, &["app", "llm", "llm.errors"]),
                ("heavy", 900.0, &["app", "llm", "heavy"]),
            ],
        );
        let u = usage(&[("app.py", 1, "llm", 1.0)]);
        let mut pkg = file("llm/__init__.py", "llm", init);
        pkg.is_package = true;
        let files = [file("app.py", "app", "import llm\n\ndef handler(e, c):\n    return llm\n"), pkg];
        let doc = planned(&p, &u, &files, false);
        assert_eq!(at(&doc, "llm/__init__.py", "llm.errors").import_ms, Some(2.0));
        assert_eq!(at(&doc, "llm/__init__.py", "heavy").import_ms, Some(900.0));
    }

    #[test]
    fn deferring_the_value_that_keeps_a_submodule_eager_frees_its_package_too() {
        // The issue's `requests` at 0.0 ms, "already loaded by requests.adapters,
        // which stays eager": eager only because of a module-level adapter.
        let http = "import requests\nfrom requests.adapters import HTTPAdapter\n\nADAPTER = HTTPAdapter(max_retries=3)\n\ndef get(url):\n    s = requests.Session()\n    s.mount('https://', ADAPTER)\n    return s.get(url)\n";
        let entry = "import http_client\n\ndef handler(e, c):\n    return http_client.get(e)\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("http_client", 1.0, &["app", "http_client"]),
                ("requests", 40.0, &["app", "http_client", "requests"]),
                ("requests.adapters", 20.0, &["app", "http_client", "requests", "requests.adapters"]),
                ("urllib3", 30.0, &["app", "http_client", "requests", "requests.adapters", "urllib3"]),
            ],
        );
        let mut u = usage(&[
            ("app.py", 1, "http_client", 1.0),
            ("http_client.py", 1, "requests", 0.2),
            ("http_client.py", 2, "requests.adapters", 0.2),
        ]);
        u.values = vec![value("http_client.py", 4, "ADAPTER", 0.2)];
        let files = [file("app.py", "app", entry), file("http_client.py", "http_client", http)];
        let safe = planned(&p, &u, &files, false);
        let r = at(&safe, "http_client.py", "requests");
        assert_eq!((r.import_ms, r.loaded_by.as_deref()), (Some(0.0), Some("requests.adapters")));
        assert_eq!(at(&safe, "http_client.py", "requests.adapters").strategy, Strategy::ModuleLevel);
        let unsafe_plan = planned(&p, &u, &files, true);
        let r = at(&unsafe_plan, "http_client.py", "requests");
        assert_eq!((r.import_ms, r.strategy, r.loaded_by.as_deref()), (Some(40.0), Strategy::FunctionLevel, None));
        assert_eq!(at(&unsafe_plan, "http_client.py", "requests.adapters").strategy, Strategy::FunctionLevel);
        assert!(!unsafe_plan.hot_set.iter().any(|m| m.starts_with("requests")), "{:?}", unsafe_plan.hot_set);
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}
