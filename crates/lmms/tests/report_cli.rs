//! `lmms report` end to end on recorded artifacts.
//!
//! The recorded artifacts are described in `report_support`.

mod common;
mod report_support;

use std::path::Path;
use std::process::Output;

use report_support::{project_with, report, ARTIFACTS};

fn profile(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(".lmms/profile.json")).unwrap()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn without_a_profile_it_exits_2_naming_the_file_and_lmms_profile() {
    let dir = tempfile::tempdir().unwrap();
    let out = report(dir.path(), &["--html", "report.html"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out).replace(&dir.path().canonicalize().unwrap().display().to_string(), "[DIR]");
    insta::assert_snapshot!(err, @"lmms: error: no profile at [DIR]/.lmms/profile.json: run `lmms profile` first");
    assert!(!dir.path().join("report.html").exists());
}

#[test]
fn asking_for_nothing_is_a_usage_error() {
    let dir = project_with(&["profile.json"]);
    let out = report(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--html <FILE>|--format <FORMAT>"), "{}", stderr(&out));
}

#[test]
fn collapsed_stacks_of_the_heavy_app_sum_to_its_median_init() {
    let dir = project_with(&["profile.json"]);
    let out = report(dir.path(), &["--format", "collapsed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let weights: Vec<(&str, u64)> =
        text.lines().map(|l| l.rsplit_once(' ').unwrap()).map(|(s, w)| (s, w.parse().unwrap())).collect();
    let init_us = (profile(dir.path())["init_ms"]["median"].as_f64().unwrap() * 1000.0).round() as u64;
    assert_eq!(weights.iter().map(|w| w.1).sum::<u64>(), init_us);
    let doc = profile(dir.path());
    let pandas = doc["modules"].as_array().unwrap().iter().find(|m| m["name"] == "pandas").unwrap();
    let pandas_self = (pandas["self_ms"]["median"].as_f64().unwrap() * 1000.0).round() as u64;
    assert!(weights.contains(&("lambda_function;pandas", pandas_self)), "pandas carries its self time");
    assert!(weights.iter().any(|w| w.0 == "lambda_function;boto3"));
    assert!(weights.iter().any(|w| w.0.starts_with("lambda_function;pandas;numpy;")));
}

#[test]
fn collapsed_top_two_levels_of_the_heavy_app() {
    let dir = project_with(&["profile.json"]);
    let out = report(dir.path(), &["--format", "collapsed"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let top: Vec<&str> = text.lines().filter(|l| l.matches(';').count() <= 1).collect();
    insta::assert_snapshot!(top.join("\n"));
}

#[test]
fn speedscope_goes_to_a_file_with_o() {
    let dir = project_with(&["profile.json"]);
    let out = report(dir.path(), &["--format", "speedscope", "-o", "flame.speedscope.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("flame.speedscope.json")).unwrap()).unwrap();
    assert_eq!(file["profiles"][0]["type"], "sampled");
    let frames = file["shared"]["frames"].as_array().unwrap();
    for name in ["pandas", "boto3", "[interpreter floor]"] {
        assert!(frames.iter().any(|f| f["name"] == name), "{name}");
    }
}

#[test]
fn html_report_embeds_every_artifact_and_nothing_from_the_network() {
    let dir = project_with(ARTIFACTS);
    let out = report(dir.path(), &["--html", "report.html"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<section id=\"plan\"><h2>Plan</h2>") && page.contains("features/report.py:2"));
    assert!(page.contains("<th class=\"num\">before</th>") && page.contains("against HEAD, interleaved"));
    assert!(page.contains("1000 requests measured"));
    for banned in ["<link", " src=", "@import", "url("] {
        assert!(!page.contains(banned), "{banned}");
    }
}

#[test]
fn a_broken_artifact_fails_the_run_and_keeps_the_previous_report() {
    let dir = project_with(&["profile.json"]);
    assert!(report(dir.path(), &["--html", "report.html"]).status.success());
    let before = std::fs::read(dir.path().join("report.html")).unwrap();
    std::fs::write(dir.path().join(".lmms/plan.json"), "{\"schema\": \"lmms.plan/1\"").unwrap();
    let out = report(dir.path(), &["--html", "report.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("plan.json is not an lmms plan document"), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("report.html")).unwrap(), before);
}
