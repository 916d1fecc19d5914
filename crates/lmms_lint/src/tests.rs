use super::*;
use lmms_graph::Environment;
use std::collections::HashSet;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(files: &[(&str, &str)], settings: impl FnOnce(&mut Settings)) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        write(dir.path(), rel, text);
    }
    let root = dir.path().to_path_buf();
    let (graph, issues) = ImportGraph::load(
        &[root.clone()],
        &root,
        &[root.clone()],
        &[],
        Environment::builtin(),
    );
    let mut s = Settings {
        root: root.clone(),
        ..Settings::default()
    };
    s.costs = Costs::new(
        None,
        [
            ("boto3".to_string(), 350.0),
            ("pandas".to_string(), 1200.0),
            ("json".to_string(), 1.0),
            ("yaml".to_string(), 40.0),
        ],
    );
    settings(&mut s);
    check(&graph, &s, &issues)
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.rel_path,
                d.start.line,
                d.start.column,
                d.code(),
                d.message
            )
        })
        .collect()
}

#[test]
fn every_rule_has_a_documented_unique_code() {
    let mut codes = HashSet::new();
    for r in RULES {
        assert!(codes.insert(r.code), "duplicate {}", r.code);
        let doc = r.doc();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Use instead",
            "## Fix safety",
        ] {
            assert!(doc.contains(heading), "{} lacks {heading}", r.code);
        }
        assert_eq!(Rule::from_code(r.code), Some(r.rule));
    }
}

#[test]
fn heavy_module_level_imports_fire_and_cheap_ones_do_not() {
    let out = run(&[("app.py", "import json\nimport boto3\nfrom pandas import DataFrame\nif TYPE_CHECKING:\n    import yaml\n")], |_| {});
    assert_eq!(out.len(), 2, "{out:#?}");
    assert!(
        out[0].starts_with("app.py:2:8 LMM001 Module-level import of `boto3` costs 350 ms"),
        "{}",
        out[0]
    );
    assert!(
        out[0].contains("from the [tool.lmms] heavy table")
            && out[0].contains("DEC-01 tier >100 ms")
    );
    assert!(
        out[1].starts_with("app.py:3:1 LMM001 Module-level import of `pandas`"),
        "{}",
        out[1]
    );
}

#[test]
fn hot_usage_exempts_a_heavy_import() {
    let out = run(&[("app.py", "import boto3\nimport yaml\n")], |s| {
        s.usage = Some(Usage::from_pairs([
            ("boto3".to_string(), 0.9),
            ("yaml".to_string(), 0.3),
        ]));
    });
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(
        out[0].contains("`yaml` costs 40.0 ms") && out[0].contains("used on 30% of requests"),
        "{}",
        out[0]
    );
}

#[test]
fn hot_path_is_limited_to_what_the_entry_imports() {
    let files = [
        ("app.py", "import feat\n"),
        ("feat.py", "import boto3\n"),
        ("tool.py", "import pandas\n"),
    ];
    let out = run(&files, |s| s.entry_module = Some("app".into()));
    let codes: Vec<_> = out
        .iter()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        codes,
        ["app.py:1:1 LMM002", "feat.py:1:8 LMM001"],
        "{out:#?}"
    );
    assert!(out[0].contains("app → feat → boto3"), "{}", out[0]);
}

#[test]
fn over_lazy_imports_need_measurements() {
    let out = run(
        &[(
            "app.py",
            "def f():\n    import json\n    import boto3\n    import unknown_mod\n",
        )],
        |_| {},
    );
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(
        out[0].starts_with("app.py:2:5 LMM003") && out[0].contains("costs only 1.0 ms"),
        "{}",
        out[0]
    );
}

/// A plan row for statement `id` of `app.py`.
fn plan_row(id: &str, module: &str, ms: f64, strategy: &str) -> lmms_plan::PlannedImport {
    serde_json::from_value(serde_json::json!({
        "id": format!("app.py:{id}"), "path": "app.py", "line": 2, "module": module, "import_ms": ms, "usage": 0.5,
        "tier": 1, "strategy": strategy, "reason": "", "blocked_by": [], "current": "function-level",
        "origin": "third-party", "loaded_by": null, "models": null, "disagreement": null, "pinned": false
    }))
    .unwrap()
}

#[test]
fn over_lazy_reads_the_plans_row_for_the_same_statement_instead_of_its_own_figure() {
    // By the heavy table json is cheap (1 ms) and yaml is not (40 ms); the
    // plan, which decided from the profile, says the opposite for these
    // two statements, and check repeats the plan's verdict and figure.
    let src = "def f():\n    import json\n    import yaml\n";
    let (json, yaml) = (src.find("import json").unwrap(), src.find("import yaml").unwrap());
    let id = |start: usize, len: usize| format!("{start}-{}", start + len);
    let rows = [
        plan_row(&id(json, "import json".len()), "json", 12.0, "function-level"),
        plan_row(&id(yaml, "import yaml".len()), "yaml", 3.5, "module-level"),
    ];
    let out = run(&[("app.py", src)], |s| s.plan = PlanRows::from_rows(rows));
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(out[0].starts_with("app.py:3:5 LMM003"), "{}", out[0]);
    assert!(out[0].contains("kept at module level by `lmms plan` (3.5 ms, used by 50%)"), "{}", out[0]);
    // Without the plan, the rule judges by its own figures again.
    let alone = run(&[("app.py", src)], |_| {});
    assert!(alone.len() == 1 && alone[0].starts_with("app.py:2:5 LMM003"), "{alone:#?}");
}

#[test]
fn over_lazy_finds_the_plans_row_of_a_submodule_from_import_by_its_package() {
    // `lmms fix` wrote `from dateutil import parser` into a function for the
    // plan's row of module `dateutil`, while the graph resolves the name to
    // the installed submodule `dateutil.parser`: the row is still this
    // statement's, and check must not call the import fix wrote over-lazy.
    let dir = tempfile::tempdir().unwrap();
    let (root, site) = (dir.path().join("app"), dir.path().join("site"));
    let src = "def f():\n    from dateutil import parser\n";
    write(&root, "app.py", src);
    write(&site, "dateutil/__init__.py", "");
    write(&site, "dateutil/parser.py", "");
    let start = src.find("from dateutil").unwrap();
    let id = format!("{start}-{}", start + "from dateutil import parser".len());
    let env = Environment::builtin().with_site_packages(vec![site]);
    let (graph, issues) = ImportGraph::load(std::slice::from_ref(&root), &root, std::slice::from_ref(&root), &[], env);
    let mut s = Settings { root: root.clone(), ..Settings::default() };
    s.costs = Costs::new(None, [("dateutil".to_string(), 8.0), ("dateutil.parser".to_string(), 8.0)]);
    let codes = |s: &Settings| check(&graph, s, &issues).diagnostics.iter().map(|d| d.code()).collect::<Vec<_>>();
    assert_eq!(codes(&s), ["LMM003"], "without the plan the import is judged by its own 8 ms");
    s.plan = PlanRows::from_rows([plan_row(&id, "dateutil", 27.0, "function-level")]);
    assert!(codes(&s).is_empty(), "the plan defers it: {:?}", codes(&s));
}

#[test]
fn loop_imports_and_import_time_calls_are_reported() {
    let out = run(&[("app.py", "import boto3\nimport json\nS3 = boto3.client('s3')\nX = json.dumps({})\ndef f(rows):\n    for r in rows:\n        import decimal\n")], |s| {
        s.selection = Selection::new(vec!["LMM004".into(), "LMM005".into()], vec![]).unwrap();
    });
    assert_eq!(out.len(), 2, "{out:#?}");
    assert!(
        out[0].starts_with(
            "app.py:3:1 LMM005 Import-time call `S3` = `boto3.client(…)` on heavy `boto3` (350 ms)"
        ),
        "{}",
        out[0]
    );
    assert!(
        out[1].starts_with("app.py:7:9 LMM004 Import of `decimal`"),
        "{}",
        out[1]
    );
}

#[test]
fn noqa_and_per_file_ignores_suppress() {
    let files = [
        (
            "app.py",
            "import boto3  # noqa: LMM001\nimport pandas  # noqa\n",
        ),
        ("tests/t.py", "import boto3\n"),
        ("b.py", "import boto3  # noqa: LMM004\n"),
    ];
    let out = run(&files, |s| {
        s.per_file_ignores = crate::PerFileIgnores::new([("tests/*.py".into(), vec!["LMM001".into()])]).unwrap()
    });
    assert_eq!(out.len(), 1, "{out:#?}");
    assert!(out[0].starts_with("b.py:1:8 LMM001"));
}

#[test]
fn every_code_is_unique_and_fast_path_rules_match_their_implementation() {
    let mut codes: Vec<&str> = RULES.iter().map(|r| r.code).collect();
    codes.sort_unstable();
    let n = codes.len();
    codes.dedup();
    assert_eq!(codes.len(), n, "duplicate code");
    for fp in lmms_fast_path::FastPathRule::ALL {
        let info = Rule::from_fast_path(fp).info();
        assert_eq!(info.fast_path, Some(fp), "{}", info.code);
        assert!(info.doc().starts_with("## What it does"), "{}", info.code);
    }
    for info in RULES {
        let doc = info.doc();
        for h in ["## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"] {
            assert!(doc.contains(h), "{} lacks {h}", info.code);
        }
    }
    for (old, new) in REDIRECTS {
        assert!(
            !RULES.iter().any(|r| r.code == *old || r.name == *old),
            "{old} reused"
        );
        assert_eq!(Rule::from_code(old), Rule::from_code(new));
    }
    assert_eq!(Rule::from_code("LMM006"), Some(Rule::FastPathBypassed));
}

#[test]
fn syntax_errors_and_bad_encodings_are_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.py", "import boto3\n");
    write(dir.path(), "broken.py", "import boto3\ndef f(:\n");
    std::fs::write(dir.path().join("latin.py"), b"x = '\xe9'\n").unwrap();
    let root = dir.path().to_path_buf();
    let (graph, issues) = ImportGraph::load(
        &[root.clone()],
        &root,
        &[root.clone()],
        &[],
        Environment::builtin(),
    );
    let s = Settings {
        root,
        costs: Costs::new(None, [("boto3".to_string(), 350.0)]),
        ..Settings::default()
    };
    let mut codes: Vec<_> = check(&graph, &s, &issues)
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.rel_path, d.code()))
        .collect();
    codes.dedup();
    assert_eq!(
        codes,
        [
            "broken.py LMM001",
            "broken.py LMM900",
            "latin.py LMM901",
            "ok.py LMM001"
        ]
    );
}

#[test]
fn profile_costs_use_the_largest_measured_prefix_and_skip_project_modules() {
    let json = r#"{"schema":"lmms.profile/1","entry":"app:h","python":{"executable":"p","version":"3.12"},"runs":1,
      "init_ms":{"median":1,"mad":0,"min":1,"max":1},"floor_ms":{"median":1,"mad":0,"min":1,"max":1},"rss_mb":{"median":1,"mad":0,"min":1,"max":1},
      "module_count":3,"profiled_at":"2026-01-01T00:00:00Z","src":["."],"modules":[
      {"name":"boto3","origin":"third-party","file":null,"self_ms":{"median":1,"mad":0,"min":1,"max":1},"cumulative_ms":{"median":300,"mad":0,"min":1,"max":1},"imported_by":null,"chain":[],"seen_in_runs":1},
      {"name":"boto3.session","origin":"third-party","file":null,"self_ms":{"median":1,"mad":0,"min":1,"max":1},"cumulative_ms":{"median":20,"mad":0,"min":1,"max":1},"imported_by":null,"chain":[],"seen_in_runs":1},
      {"name":"feat","origin":"project","file":null,"self_ms":{"median":1,"mad":0,"min":1,"max":1},"cumulative_ms":{"median":500,"mad":0,"min":1,"max":1},"imported_by":null,"chain":[],"seen_in_runs":1}]}"#;
    let doc = lmms_profile::doc::ProfileDoc::from_json(json).unwrap();
    let costs = Costs::new(Some(&doc), []);
    let c = costs
        .lookup("boto3.session", ModuleKind::ThirdParty)
        .unwrap();
    assert_eq!(
        (c.ms, c.measured.as_str(), c.source),
        (300.0, "boto3", CostSource::Profile)
    );
    assert!(costs.lookup("feat", ModuleKind::Project).is_none());
    assert!(costs.lookup("json", ModuleKind::Stdlib).is_none());
}

#[test]
fn stdlib_modules_are_charged_their_own_package_not_shared_infrastructure() {
    let row = |name: &str, origin: &str, self_ms: f64, cum: f64, chain: &str| {
        format!(
            r#"{{"name":"{name}","origin":"{origin}","file":null,"self_ms":{{"median":{self_ms},"mad":0,"min":0,"max":0}},"cumulative_ms":{{"median":{cum},"mad":0,"min":0,"max":0}},"imported_by":null,"chain":[{chain}],"seen_in_runs":1}}"#
        )
    };
    let s = r#"{"median":1,"mad":0,"min":1,"max":1}"#;
    let modules = [
        row("json", "stdlib", 0.5, 12.0, r#""app","json""#),
        row(
            "json.decoder",
            "stdlib",
            0.7,
            11.0,
            r#""app","json","json.decoder""#,
        ),
        row(
            "re",
            "stdlib",
            10.0,
            10.0,
            r#""app","json","json.decoder","re""#,
        ),
        row("boto3", "third-party", 2.0, 300.0, r#""app","boto3""#),
    ]
    .join(",");
    let json = format!(
        r#"{{"schema":"lmms.profile/1","entry":"app:h","python":{{"executable":"p","version":"3.12"}},"runs":1,"init_ms":{s},"floor_ms":{s},"rss_mb":{s},"module_count":4,"profiled_at":"2026-01-01T00:00:00Z","src":["."],"modules":[{modules}]}}"#
    );
    let doc = lmms_profile::doc::ProfileDoc::from_json(&json).unwrap();
    let costs = Costs::new(Some(&doc), []);
    let j = costs.lookup("json", ModuleKind::Stdlib).unwrap();
    assert!(
        (j.ms - 1.2).abs() < 1e-9 && j.source == CostSource::ProfileOwnPackage,
        "{j:?}"
    );
    assert_eq!(
        costs.lookup("boto3", ModuleKind::ThirdParty).unwrap().ms,
        300.0
    );
}

#[test]
fn chains_through_installed_packages_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let sp = tempfile::tempdir().unwrap();
    write(dir.path(), "app.py", "import mylib\nimport feat\n");
    write(dir.path(), "feat.py", "from mylib import frames\n");
    write(sp.path(), "mylib/__init__.py", "");
    write(sp.path(), "mylib/frames.py", "import pandas\n");
    write(sp.path(), "pandas/__init__.py", "");
    let root = dir.path().to_path_buf();
    let env = Environment::builtin().with_site_packages(vec![sp.path().to_path_buf()]);
    let (graph, issues) =
        ImportGraph::load(&[root.clone()], &root, &[root.clone()], &[], env.clone());
    let installed = lmms_graph::InstalledGraph::expand(
        &env,
        ["mylib".to_string(), "mylib.frames".to_string()],
        &|m| m == "pandas",
        100,
    );
    let s = Settings {
        root,
        costs: Costs::new(None, [("pandas".to_string(), 1200.0)]),
        installed: Some(std::sync::Arc::new(installed)),
        selection: Selection::new(vec!["LMM002".into()], vec![]).unwrap(),
        ..Settings::default()
    };
    let out: Vec<String> = check(&graph, &s, &issues)
        .diagnostics
        .iter()
        .map(|d| format!("{}:{} {}", d.rel_path, d.start.line, d.message))
        .collect();
    assert_eq!(
        out,
        [
            "app.py:2 Importing `feat` at module level pulls in heavy `pandas` (1200 ms): app → feat → mylib.frames → pandas",
            "feat.py:1 Importing `mylib.frames` at module level pulls in heavy `pandas` (1200 ms): feat → mylib.frames → pandas",
        ],
        "{out:#?}"
    );
}

#[test]
fn stubs_are_never_executed_so_only_syntax_is_checked() {
    let out = run(
        &[
            ("app.pyi", "import boto3\ndef f(:\n"),
            ("app.py", "import boto3\n"),
        ],
        |_| {},
    );
    let mut codes: Vec<_> = out
        .iter()
        .map(|l| l.split(':').next().unwrap().to_string() + " " + l.split(' ').nth(1).unwrap())
        .collect();
    codes.dedup();
    assert_eq!(codes, ["app.py LMM001", "app.pyi LMM900"], "{out:#?}");
}

#[test]
fn one_statement_naming_a_module_twice_is_reported_once() {
    let out = run(
        &[("app.py", "from boto3 import client, resource\n")],
        |_| {},
    );
    assert_eq!(out.len(), 1, "{out:#?}");
}

/// Diagnostics are sorted per file on the pool and once more at the end:
/// with many files (paths whose `Path` order differs from their text order)
/// the result is the one global order, the same on every run.
#[test]
fn many_files_give_the_same_globally_sorted_diagnostics_every_run() {
    let mut files = Vec::new();
    for d in ["a", "a.b", "a-b", "b"] {
        for i in 0..40 {
            files.push((format!("{d}/m{i}.py"), "import pandas\nimport boto3\nfor x in []:\n    import json\n"));
        }
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), *t)).collect();
    let first = run(&files, |_| {});
    assert_eq!(first.len(), 160 * 3, "{first:?}");
    let mut sorted = first.clone();
    sorted.sort_by(|a, b| {
        let key = |s: &str| {
            let (path, rest) = s.split_once(':').unwrap();
            let line: u32 = rest.split(':').next().unwrap().parse().unwrap();
            (path.to_string(), line)
        };
        key(a).cmp(&key(b))
    });
    assert_eq!(first, sorted);
    assert!(first.iter().position(|d| d.starts_with("a.b/")) < first.iter().position(|d| d.starts_with("a/")));
    for _ in 0..2 {
        assert_eq!(run(&files, |_| {}), first);
    }
}

/// A plan row for the module-level statement `text` of `rel` in `src`.
fn module_row(rel: &str, src: &str, text: &str, module: &str, strategy: &str, pinned: bool) -> lmms_plan::PlannedImport {
    let start = src.find(text).unwrap();
    let mut row = plan_row("", module, 9.1, strategy);
    row.id = format!("{rel}:{start}-{}", start + text.len());
    row.path = rel.to_string();
    row.current = lmms_plan::plan::Placement::ModuleLevel;
    row.pinned = pinned;
    row
}

#[test]
fn module_level_imports_follow_the_plans_row_when_there_is_one() {
    // By the heavy table all three are heavy. The plan keeps yaml (its
    // marginal cost is small), keeps boto3 pinned by a use its fix options
    // leave in place, and moves pandas: check reports pandas alone, in the
    // plan's figures and with the plan's blocker.
    let src = "import yaml\nimport boto3\nimport pandas\n";
    let mut pandas = module_row("app.py", src, "import pandas", "pandas", "function-level", false);
    pandas.tier = Some(lmms_plan::Tier::T4);
    pandas.blocked_by = vec![lmms_plan::plan::Blocker {
        kind: lmms_plan::plan::BlockerKind::Annotation,
        line: 5,
        column: 3,
        code: String::new(),
        cost_ms: None,
        message: String::new(),
    }];
    let rows = [
        module_row("app.py", src, "import yaml", "yaml", "module-level", false),
        module_row("app.py", src, "import boto3", "boto3", "function-level", true),
        pandas,
    ];
    let out = run(&[("app.py", src)], |s| s.plan = PlanRows::from_rows(rows));
    assert_eq!(
        out,
        ["app.py:3:8 LMM001 Module-level import of `pandas` is on INIT, but `lmms plan` moves it to function level \
          (9.1 ms, used by 50%, T4) once its module-level uses are made lazy (5:3 annotation)"]
    );
    // Without a plan, every one is judged by its own figure, as before.
    let alone = run(&[("app.py", src)], |_| {});
    let codes: Vec<_> = alone.iter().map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(codes, ["app.py:1:8 LMM001", "app.py:2:8 LMM001", "app.py:3:8 LMM001"], "{alone:#?}");
}

#[test]
fn transitive_imports_follow_the_plans_rows() {
    // feat pulls in yaml, which the plan keeps; other pulls in boto3, which
    // the plan does not know, and the plan keeps `import other` itself
    // (its module is pinned on INIT); tool's `pandas` the plan moves.
    let app = "import feat\nimport other\nimport tool\n";
    let files = [("app.py", app), ("feat.py", "import yaml\n"), ("other.py", "import boto3\n"), ("tool.py", "import pandas\n")];
    let plan = || {
        PlanRows::from_rows([
            module_row("feat.py", "import yaml\n", "import yaml", "yaml", "module-level", false),
            module_row("app.py", app, "import other", "other", "module-level", true),
            module_row("tool.py", "import pandas\n", "import pandas", "pandas", "function-level", false),
        ])
    };
    let codes = |out: &[String]| out.iter().map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>();
    let out = run(&files, |s| {
        s.entry_module = Some("app".into());
        s.plan = plan();
    });
    assert_eq!(codes(&out), ["app.py:3:1 LMM002", "other.py:1:8 LMM001", "tool.py:1:8 LMM001"], "{out:#?}");
    assert!(out[0].contains("app → tool → pandas"), "{}", out[0]);
    let alone = run(&files, |s| s.entry_module = Some("app".into()));
    assert_eq!(
        codes(&alone),
        [
            "app.py:1:1 LMM002",
            "app.py:2:1 LMM002",
            "app.py:3:1 LMM002",
            "feat.py:1:8 LMM001",
            "other.py:1:8 LMM001",
            "tool.py:1:8 LMM001"
        ],
        "{alone:#?}"
    );
}

#[test]
fn over_lazy_checks_only_what_the_entry_imports() {
    // Like the other rules, LMM003 judges the code requests run: the
    // entry's imports, eager or lazy, and not a test's own imports.
    let lazy = "def f():\n    import json\n";
    let files = [
        ("app.py", "import feat\n\ndef handler():\n    import later\n"),
        ("feat.py", lazy),
        ("later.py", lazy),
        ("tests/test_app.py", lazy),
    ];
    let paths = |out: &[String]| out.iter().map(|l| l.split(':').next().unwrap().to_string()).collect::<Vec<_>>();
    let out = run(&files, |s| s.entry_module = Some("app".into()));
    assert_eq!(paths(&out), ["feat.py", "later.py"], "{out:#?}");
    let no_entry = run(&files, |_| {});
    assert_eq!(paths(&no_entry), ["feat.py", "later.py", "tests/test_app.py"], "{no_entry:#?}");
}
