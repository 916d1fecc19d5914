//! `lmms report --html` in a real browser: headless Chromium loads the page,
//! its script draws the icicle, and `--dump-dom` returns the DOM as drawn, so
//! these tests see what a reader sees, not the HTML we wrote.
//!
//! They need Debian's `chromium` package (`apt-get install chromium`; `.ci/run`
//! installs it) and are `#[ignore]`d for a plain `cargo test`; CI runs them
//! with `--include-ignored`. `LMMS_UPDATE_SCREENSHOT=1` also refreshes
//! `docs/report.png` from the recorded heavy-app report.

mod common;
mod report_support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use report_support::{project_with, report, ARTIFACTS};

const CHROMIUM: &str = "/usr/bin/chromium";
const WIDTH: u32 = 1280;

/// Run headless Chromium on `url` with `mode` (`--dump-dom` or
/// `--screenshot=FILE`) in a window `height` pixels high and return its
/// stdout, killing it after 120 s.
fn chromium(url: &str, mode: &str, height: u32) -> String {
    assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: apt-get install chromium");
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={WIDTH},{height}"))
        .arg(mode)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).unwrap();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish {mode} {url} within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium {mode} exited with {status}");
    reader.join().unwrap()
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// The attributes of one start tag, `<g class="…" data-name="…">`.
fn attrs(tag: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').unwrap_or(after.len());
        let value = after[..end].replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">");
        out.insert(key, value.replace("&amp;", "&"));
        rest = &after[(end + 1).min(after.len())..];
    }
    out
}

#[derive(Debug)]
struct Drawn {
    name: String,
    class: String,
    cum: f64,
    /// The drawn `<rect>`'s width, in CSS pixels.
    width: f64,
}

/// Every frame the script drew, from the dumped DOM.
fn frames(dom: &str) -> Vec<Drawn> {
    let mut out = Vec::new();
    for (at, _) in dom.match_indices("<g class=\"frame") {
        let g = &dom[at..at + dom[at..].find('>').unwrap()];
        let rect_at = at + dom[at..].find("<rect").unwrap();
        let rect = &dom[rect_at..rect_at + dom[rect_at..].find('>').unwrap()];
        let (g, rect) = (attrs(g), attrs(rect));
        out.push(Drawn {
            name: g["data-name"].clone(),
            class: g["class"].clone(),
            cum: g["data-cum"].parse().unwrap(),
            width: rect["width"].parse().unwrap(),
        });
    }
    out
}

fn frame<'a>(frames: &'a [Drawn], name: &str) -> &'a Drawn {
    frames.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("no frame {name} drawn"))
}

fn render(dir: &Path) -> PathBuf {
    let out = report(dir, &["--html", "report.html"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir.join("report.html")
}

#[test]
#[ignore = "needs /usr/bin/chromium (apt-get install chromium)"]
fn chromium_draws_the_heavy_app_tree_with_widths_proportional_to_time() {
    let dir = project_with(ARTIFACTS);
    let page = render(dir.path());
    let dom = chromium(&file_url(&page), "--dump-dom", 1500);
    let drawn = frames(&dom);
    assert!(drawn.len() > 200, "the script drew {} frames", drawn.len());
    let init = frame(&drawn, "INIT");
    assert!(init.width > (WIDTH as f64) * 0.8, "INIT spans the page: {}", init.width);
    for name in ["pandas", "boto3", "numpy", "lambda_function"] {
        let f = frame(&drawn, name);
        let expected = f.cum / init.cum;
        let actual = f.width / init.width;
        assert!((actual - expected).abs() < 0.01, "{name}: {actual:.4} of INIT's width, {expected:.4} of its time");
    }
    assert!(frame(&drawn, "pandas").class.contains("o-third-party"));
    assert!(frame(&drawn, "lambda_function").class.contains("o-project"));
    assert!(frame(&drawn, "[interpreter floor]").class.contains("k-floor"));
    let (pandas, boto3) = (frame(&drawn, "pandas"), frame(&drawn, "boto3"));
    assert!(pandas.width > boto3.width && pandas.cum > boto3.cum);
    // Tables are static HTML; the tree needed the script.
    assert!(dom.contains("function-level (T4)"));
    assert!(!std::fs::read_to_string(&page).unwrap().contains("<g class=\"frame"), "the file has no frames itself");

    let shot_dir = tempfile::tempdir().unwrap();
    let shot = shot_dir.path().join("report.png");
    // The README's picture: the INIT breakdown and the tree, above the plan.
    chromium(&file_url(&page), &format!("--screenshot={}", shot.display()), 1060);
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000, "a real screenshot");
    if std::env::var_os("LMMS_UPDATE_SCREENSHOT").is_some() {
        std::fs::copy(&shot, common::repo_root().join("docs/report.png")).unwrap();
    }
}

#[test]
#[ignore = "needs /usr/bin/chromium (apt-get install chromium)"]
fn a_focus_link_opens_zoomed_into_that_subtree() {
    let dir = project_with(&["profile.json"]);
    let page = render(dir.path());
    let dom = chromium(&format!("{}#focus=pandas", file_url(&page)), "--dump-dom", 1500);
    let drawn = frames(&dom);
    let pandas = frame(&drawn, "pandas");
    assert!(pandas.width > (WIDTH as f64) * 0.8, "pandas fills the width: {}", pandas.width);
    assert!(frame(&drawn, "lambda_function").class.contains("ancestor"));
    assert!(frame(&drawn, "numpy").width < pandas.width);
    assert!(!drawn.iter().any(|f| f.name == "boto3"), "only the pandas subtree is drawn");
    assert!(dom.contains("data-focus=\"pandas\""));
}

/// Drives the page as a reader would, after it has drawn itself, and leaves
/// what it saw on `<body>` for `--dump-dom`.
const READER: &str = r#"<script>
(() => {
  const svg = document.getElementById("icicle");
  const frame = (name) => [...svg.querySelectorAll("g.frame")].find((g) => g.dataset.name === name);
  const say = (key, value) => document.body.setAttribute("data-" + key, value);
  frame("numpy").dispatchEvent(new MouseEvent("mouseenter"));
  say("hover", document.getElementById("hover").textContent);
  frame("pandas").dispatchEvent(new MouseEvent("click", { bubbles: true }));
  say("after-click", svg.dataset.focus + " " + location.hash + " " + frame("pandas").dataset.w);
  say("boto3-after-click", String(Boolean(frame("boto3"))));
  frame("pandas").dispatchEvent(new MouseEvent("click", { bubbles: true }));
  say("after-second-click", svg.dataset.focus);
  frame("INIT").dispatchEvent(new MouseEvent("click", { bubbles: true }));
  frame("boto3").dispatchEvent(new MouseEvent("click", { bubbles: true }));
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
  say("after-escape", svg.dataset.focus);
  say("crumbs", document.getElementById("crumbs").textContent);
})();
</script>"#;

#[test]
#[ignore = "needs /usr/bin/chromium (apt-get install chromium)"]
fn hover_shows_the_chain_and_clicks_zoom_in_and_back_out() {
    let dir = project_with(&["profile.json"]);
    let page = render(dir.path());
    let html = std::fs::read_to_string(&page).unwrap().replace("</body>", &format!("{READER}\n</body>"));
    std::fs::write(&page, html).unwrap();
    let dom = chromium(&file_url(&page), "--dump-dom", 1500);
    let body_at = dom.find("<body").unwrap();
    let body = attrs(&dom[body_at..body_at + dom[body_at..].find('>').unwrap()]);
    assert!(body["data-hover"].starts_with("lambda_function → pandas → numpy"), "{}", body["data-hover"]);
    assert!(body["data-hover"].contains("ms cumulative") && body["data-hover"].contains("third-party"));
    let after_click: Vec<&str> = body["data-after-click"].split(' ').collect();
    assert_eq!(after_click[..2], ["pandas", "#focus=pandas"]);
    let width: f64 = after_click[2].parse().unwrap();
    assert!(width > (WIDTH as f64) * 0.8, "pandas fills the width once zoomed: {width}");
    assert_eq!(body["data-boto3-after-click"], "false");
    assert_eq!(body["data-after-second-click"], "lambda_function", "clicking the focus zooms out one level");
    assert_eq!(body["data-after-escape"], "lambda_function", "Esc zooms out of boto3 to its parent");
    assert!(body["data-crumbs"].starts_with("INIT › lambda_function"), "{}", body["data-crumbs"]);
}

#[test]
#[ignore = "needs /usr/bin/chromium (apt-get install chromium)"]
fn a_module_name_full_of_markup_is_drawn_as_text() {
    let dir = project_with(&["profile.json"]);
    let path = dir.path().join(".lmms/profile.json");
    let evil = r#"</script><img src=x onerror="document.body.setAttribute('data-pwned','1')">"#;
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for m in doc["modules"].as_array_mut().unwrap() {
        if m["name"] == "boto3" {
            m["name"] = evil.into();
        } else if m["imported_by"] == "boto3" {
            m["imported_by"] = evil.into();
        }
    }
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let dom = chromium(&file_url(&render(dir.path())), "--dump-dom", 1500);
    assert!(!dom.contains("data-pwned=\"1\""), "the name ran as markup");
    assert!(!dom.contains("<img"), "the name became an element");
    let drawn = frames(&dom);
    assert!(drawn.len() > 200, "the script still drew the tree");
    assert!(drawn.iter().any(|f| f.name == evil), "the name is drawn verbatim");
}
