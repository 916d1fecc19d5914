use lmms_schema::profile::{ModuleProfile, Origin, ProfileDoc, PythonInfo, PROFILE_SCHEMA};
use lmms_stats::Summary;

use crate::artifacts::{Artifacts, LoadError};
use crate::{collapsed, flame, html, speedscope, Format};

fn s(ms: f64) -> Summary {
    Summary { median: ms, mad: 0.0, min: ms, max: ms }
}

fn module(name: &str, origin: Origin, self_ms: f64, cum_ms: f64, parent: Option<&str>) -> ModuleProfile {
    ModuleProfile {
        name: name.into(),
        origin,
        file: Some(format!("{{site}}/{}.py", name.replace('.', "/"))),
        self_ms: s(self_ms),
        cumulative_ms: s(cum_ms),
        imported_by: parent.map(str::to_string),
        chain: vec![],
        seen_in_runs: 1,
        dynamic: None,
        importers: Vec::new(),
    }
}

fn doc(init: f64, floor: f64, modules: Vec<ModuleProfile>) -> ProfileDoc {
    ProfileDoc {
        schema: PROFILE_SCHEMA.into(),
        entry: "app:handler".into(),
        python: PythonInfo { executable: "{venv}/bin/python".into(), version: "3.11.7".into() },
        runs: 10,
        init_ms: s(init),
        floor_ms: s(floor),
        rss_mb: s(40.0),
        module_count: modules.len() as u32,
        modules,
        profiled_at: "2026-12-01T08:00:00Z".into(),
        src: vec![],
        functions_at_init: Vec::new(),
        untimed_modules: Vec::new(),
    }
}

/// Self times add up to each cumulative time, as in a single run.
fn consistent() -> ProfileDoc {
    use Origin::*;
    doc(
        120.0,
        15.0,
        vec![
            module("app", Project, 2.0, 100.0, None),
            module("boto3", ThirdParty, 30.0, 38.0, Some("app")),
            module("botocore", ThirdParty, 8.0, 8.0, Some("boto3")),
            module("pandas", ThirdParty, 10.0, 60.0, Some("app")),
            module("numpy", ThirdParty, 50.0, 50.0, Some("pandas")),
            module("resource", Builtin, 1.0, 1.0, None),
        ],
    )
}

fn artifacts(profile: ProfileDoc) -> Artifacts {
    Artifacts { profile, plan: None, usage: None, baseline: None, bench: None }
}

/// Sum of the weights of every stack that starts with `prefix` (what a
/// flame-graph viewer draws as the frame's width).
fn folded_total(text: &str, prefix: &str) -> u64 {
    text.lines()
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(stack, _)| *stack == prefix || stack.starts_with(&format!("{prefix};")))
        .map(|(_, n)| n.parse::<u64>().unwrap())
        .sum()
}

#[test]
fn collapsed_stacks_carry_self_time_per_frame_and_sum_to_init() {
    let text = collapsed::collapsed(&flame::flame(&consistent()));
    assert_eq!(
        text,
        "[interpreter floor] 15000\n\
         [start-up outside imports] 4000\n\
         app 2000\n\
         app;pandas 10000\n\
         app;pandas;numpy 50000\n\
         app;boto3 30000\n\
         app;boto3;botocore 8000\n\
         resource 1000\n"
    );
    assert_eq!(folded_total(&text, "app"), 100_000, "the entry's cumulative time");
    assert_eq!(folded_total(&text, "app;pandas"), 60_000, "pandas' cumulative time");
    assert_eq!(folded_total(&text, "app;boto3"), 38_000, "boto3's cumulative time");
    let all: u64 = text.lines().map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap()).sum();
    assert_eq!(all, 120_000, "median INIT");
}

#[test]
fn medians_that_do_not_add_up_show_as_an_unattributed_frame_and_init_still_sums() {
    let mut d = consistent();
    // Across noisy runs the median cumulative time exceeds the medians of the parts.
    d.modules[0].cumulative_ms = s(110.0);
    d.init_ms = s(131.0);
    let f = flame::flame(&d);
    let text = collapsed::collapsed(&f);
    assert!(text.contains("\napp;[unattributed] 10000\n"), "{text}");
    assert_eq!(folded_total(&text, "app"), 110_000);
    assert_eq!(f.total_micros(), 131_000);
    assert!(text.contains("[start-up outside imports] 5000\n"), "{text}");
}

#[test]
fn init_below_its_parts_drops_the_start_up_frame_instead_of_going_negative() {
    let mut d = consistent();
    d.init_ms = s(90.0);
    let text = collapsed::collapsed(&flame::flame(&d));
    assert!(!text.contains("start-up"), "{text}");
    assert!(text.starts_with("[interpreter floor] 15000\napp 2000\n"), "{text}");
}

#[test]
fn frame_names_cannot_break_the_collapsed_format() {
    let mut d = consistent();
    d.modules[1].name = "bo;to\n3".into();
    d.modules[2].imported_by = Some("bo;to\n3".into());
    let text = collapsed::collapsed(&flame::flame(&d));
    assert!(text.contains("\napp;bo_to_3 30000\napp;bo_to_3;botocore 8000\n"), "{text}");
    assert!(text.lines().all(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().is_ok()));
}

#[test]
fn speedscope_file_is_a_sampled_profile_of_the_same_stacks() {
    let d = consistent();
    let json: serde_json::Value = serde_json::from_str(&speedscope::speedscope(&flame::flame(&d))).unwrap();
    assert_eq!(json["$schema"], "https://www.speedscope.app/file-format-schema.json");
    let p = &json["profiles"][0];
    assert_eq!(p["type"], "sampled");
    assert_eq!(p["unit"], "microseconds");
    assert_eq!(p["endValue"], 120_000);
    let frames: Vec<&str> =
        json["shared"]["frames"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    let stacks: Vec<String> = p["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array().unwrap().iter().map(|i| frames[i.as_u64().unwrap() as usize]).collect::<Vec<_>>().join(";")
        })
        .collect();
    let weights: Vec<u64> = p["weights"].as_array().unwrap().iter().map(|w| w.as_u64().unwrap()).collect();
    let as_collapsed: String = stacks.iter().zip(&weights).map(|(s, w)| format!("{s} {w}\n")).collect();
    assert_eq!(as_collapsed, collapsed::collapsed(&flame::flame(&d)));
    assert_eq!(weights.iter().sum::<u64>(), 120_000);
    assert_eq!(json["shared"]["frames"][0]["file"], "{site}/app.py");
}

#[test]
fn circular_imported_by_still_lists_every_module_once() {
    use Origin::*;
    let d = doc(
        30.0,
        10.0,
        vec![
            module("app", Project, 1.0, 1.0, None),
            module("a", ThirdParty, 4.0, 9.0, Some("b")),
            module("b", ThirdParty, 5.0, 9.0, Some("a")),
            module("orphan", ThirdParty, 2.0, 2.0, Some("not-loaded")),
        ],
    );
    let text = collapsed::collapsed(&flame::flame(&d));
    for name in ["app", "a", "b", "orphan"] {
        let n = text.lines().filter(|l| l.rsplit_once(' ').unwrap().0.rsplit(';').next() == Some(name)).count();
        assert_eq!(n, 1, "{name} in\n{text}");
    }
}

#[test]
fn html_escapes_names_in_markup_and_in_the_embedded_data() {
    let mut d = consistent();
    let evil = "</script><img src=x onerror=alert(1)>";
    d.modules[1].name = evil.into();
    d.modules[2].imported_by = Some(evil.into());
    d.entry = "<b>app</b>:handler".into();
    d.python.version = "3.11\"><script>alert(2)</script>".into();
    let page = html::html(&artifacts(d));
    assert!(!page.contains("<img"), "raw markup from a module name");
    assert!(!page.contains("alert(2)</script>"), "raw markup from the version");
    assert!(!page.contains("<b>app"), "raw markup from the entry");
    assert!(page.contains("\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e"));
    assert!(page.contains("&lt;b&gt;app&lt;/b&gt;:handler"));
    assert_eq!(page.matches("<script").count(), 2, "only the data and the drawing script");
}

#[test]
fn html_is_self_contained() {
    let page = html::html(&artifacts(consistent()));
    for banned in ["<link", " src=", "@import", "url("] {
        assert!(!page.contains(banned), "{banned} in the page");
    }
    let namespace = "http://www.w3.org/2000/svg";
    assert_eq!(page.matches("http").count(), page.matches(namespace).count(), "only the SVG namespace names a URL");
}

#[test]
fn html_tree_data_starts_at_init_with_floor_start_up_and_roots_as_its_children() {
    let page = html::html(&artifacts(consistent()));
    let start = page.find("id=\"lmms-data\">").unwrap() + "id=\"lmms-data\">".len();
    let end = start + page[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes[0]["n"], "INIT");
    let top: Vec<(&str, f64)> =
        nodes.iter().filter(|n| n["p"] == 0).map(|n| (n["n"].as_str().unwrap(), n["c"].as_f64().unwrap())).collect();
    assert_eq!(
        top,
        [("[interpreter floor]", 15.0), ("[start-up outside imports]", 4.0), ("app", 100.0), ("resource", 1.0)]
    );
    let pandas = nodes.iter().position(|n| n["n"] == "pandas").unwrap();
    let numpy = nodes.iter().find(|n| n["n"] == "numpy").unwrap();
    assert_eq!(numpy["p"], pandas);
    assert_eq!(numpy["o"], "third-party");
}

#[test]
fn a_missing_profile_names_the_file_and_the_command_that_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let err = crate::report(dir.path(), None, Format::Html).unwrap_err();
    assert!(matches!(err, LoadError::MissingProfile { .. }));
    let msg = err.to_string();
    assert!(msg.contains("profile.json") && msg.contains("`lmms profile`"), "{msg}");
}

#[test]
fn a_present_but_broken_artifact_is_an_error_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let profile = serde_json::to_string(&consistent()).unwrap();
    std::fs::write(dir.path().join("profile.json"), &profile).unwrap();
    std::fs::write(dir.path().join("plan.json"), "{\"schema\": \"lmms.plan/1\", \"policy\": 3}").unwrap();
    let msg = crate::report(dir.path(), None, Format::Html).unwrap_err().to_string();
    assert!(msg.contains("plan.json") && msg.contains("not an lmms plan document"), "{msg}");

    std::fs::write(dir.path().join("plan.json"), "{\"schema\": \"lmms.plan/2\"}").unwrap();
    let msg = crate::report(dir.path(), None, Format::Html).unwrap_err().to_string();
    assert!(msg.contains("schema \"lmms.plan/2\", expected \"lmms.plan/1\""), "{msg}");

    std::fs::remove_file(dir.path().join("plan.json")).unwrap();
    let missing = dir.path().join("bench.json");
    let msg = crate::report(dir.path(), Some(&missing), Format::Html).unwrap_err().to_string();
    assert!(msg.contains("lmms bench --format json >"), "{msg}");
    assert!(crate::report(dir.path(), None, Format::Collapsed).unwrap().ends_with("resource 1000\n"));
}

#[test]
fn the_plan_section_names_the_series_of_each_init_pair() {
    // The profile's INIT (320 ms) and `--simulate`'s (121 → 142 ms) are
    // different series: each planned figure stands beside its own today.
    let sm = |m: f64| serde_json::json!({"median": m, "mad": 1.0, "min": m, "max": m});
    let plan = serde_json::json!({
        "schema": "lmms.plan/1", "policy": "lmms", "entry": "app:handler", "snapstart": false, "usage": "measured",
        "containers": {"requests_per_container": 10.0, "source": "assumed"}, "profiled_at": "2026-12-01T08:00:00Z",
        "hot_set": [], "current_init_ms": sm(320.0), "predicted_init_ms": sm(142.0), "estimated_init_ms": 40.0,
        "own_time_excluded": [], "notes": [], "imports": [],
        "simulation": {"runs": 5, "current_init_ms": sm(121.0), "predicted_init_ms": sm(142.0), "project_own_ms": 0.0,
            "improvement_pct": -17.4, "target_pct": 40.0, "meets_target": false}
    });
    let plan = lmms_schema::plan::PlanDoc::from_json(&plan.to_string()).unwrap();
    let page = html::html(&Artifacts { plan: Some(plan), ..artifacts(consistent()) });
    assert!(page.contains("profile: INIT today 320 ms → estimated after the fix 40.0 ms"), "{page}");
    assert!(page.contains("--simulate: today 121 ms → planned 142 ms (5 interleaved fresh starts each)"), "{page}");
}
