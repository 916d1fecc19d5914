//! What `lmms fix` may write: PATHS, the project root, symlinks, read-only
//! files, the lock, temporary files of a killed run, unparsable files, and
//! `kill -9` at any moment leaving each file whole.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use insta_cmd::get_cargo_bin;

const SRC: &str = "import json\n\n\ndef handler(event, context):\n    return json.dumps(event)\n";
const FIXED: &str =
    "\n\ndef handler(event, context):\n    import json  # lazy: deferred by lmms fix --lazy\n    return json.dumps(event)\n";

fn project(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pyproject.toml"), "[tool.lmms]\nentry = \"app.main:handler\"\n").unwrap();
    for f in files {
        let p = dir.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, SRC).unwrap();
    }
    dir
}

fn fix(dir: &Path, args: &[&str]) -> Output {
    Command::new(get_cargo_bin("lmms")).current_dir(dir).env("NO_COLOR", "1").arg("fix").args(args).output().unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn paths_after_lazy_modules_limit_the_writes() {
    let dir = project(&["app/main.py", "app/other.py", "tests/test_main.py"]);
    let out = fix(dir.path(), &["--lazy", "json", "app/other.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/other.py"), FIXED);
    assert_eq!(read(dir.path(), "app/main.py"), SRC);
    assert_eq!(read(dir.path(), "tests/test_main.py"), SRC);
}

#[test]
fn a_path_outside_the_project_is_a_usage_error_and_nothing_is_written() {
    let dir = project(&["app/main.py"]);
    let other = tempfile::tempdir().unwrap();
    let out = fix(dir.path(), &["--lazy", "json", "--", other.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("is outside the project root"), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/main.py"), SRC);
}

#[test]
fn symlinks_out_of_the_project_are_neither_followed_nor_written() {
    let outside = project(&["lib/ext.py", "lib/pkg/deep.py"]);
    let dir = project(&["app/main.py"]);
    std::os::unix::fs::symlink(outside.path().join("lib/pkg"), dir.path().join("app/pkg")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("lib/ext.py"), dir.path().join("app/ext.py")).unwrap();
    std::fs::write(dir.path().join("app/real.py"), SRC).unwrap();
    std::os::unix::fs::symlink(dir.path().join("app/real.py"), dir.path().join("app/alias.py")).unwrap();
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read(outside.path(), "lib/ext.py"), SRC);
    assert_eq!(read(outside.path(), "lib/pkg/deep.py"), SRC);
    assert!(text(&out).contains("outside the project root; not rewritten"), "{}", text(&out));
    assert!(text(&out).contains("outside the project root; not followed"), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/real.py"), FIXED);
    assert!(std::fs::symlink_metadata(dir.path().join("app/alias.py")).unwrap().file_type().is_symlink());
}

#[test]
fn read_only_files_are_refused_and_the_rest_is_fixed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(&["app/main.py", "app/locked.py"]);
    let locked = dir.path().join("app/locked.py");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cannot rewrite app/locked.py: read-only"), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/locked.py"), SRC);
    assert_eq!(read(dir.path(), "app/main.py"), FIXED);
}

#[test]
fn a_held_lock_stops_a_second_run_and_a_dead_ones_is_taken_over() {
    let dir = project(&["app/main.py"]);
    std::fs::create_dir_all(dir.path().join(".lmms")).unwrap();
    let mut sleeper = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(dir.path().join(".lmms/fix.lock"), format!("{}\n", sleeper.id())).unwrap();
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let msg = text(&out);
    assert!(msg.contains("fix.lock") && msg.contains(&format!("pid {}", sleeper.id())), "{msg}");
    assert_eq!(read(dir.path(), "app/main.py"), SRC);
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    std::fs::write(dir.path().join("app/.lmms-Stale1.tmp"), "half").unwrap();
    std::fs::write(dir.path().join("app/.lmms-keep.tmp.py"), "x").unwrap();
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/main.py"), FIXED);
    assert!(!dir.path().join("app/.lmms-Stale1.tmp").exists() && dir.path().join("app/.lmms-keep.tmp.py").exists());
    assert!(!dir.path().join(".lmms/fix.lock").exists());
}

#[test]
fn a_file_too_deep_to_parse_is_skipped_and_the_rest_is_fixed() {
    let dir = project(&["app/main.py"]);
    let big = format!("{SRC}x = {}\n", vec!["1"; 200_000].join("+"));
    std::fs::write(dir.path().join("app/big.py"), &big).unwrap();
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert!(text(&out).contains("nested too deeply to parse safely"), "{}", text(&out));
    assert_eq!(read(dir.path(), "app/main.py"), FIXED);
    assert_eq!(read(dir.path(), "app/big.py"), big);
}

/// issue 12: `kill -9` at several moments; every file is the original or
/// the complete rewrite, and the next full run leaves no temporary file.
#[test]
fn kill_9_at_any_moment_leaves_each_file_whole_and_no_temp_after_the_next_run() {
    let files: Vec<String> = (0..2000).map(|i| format!("app/p{}/m{i}.py", i % 40)).collect();
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let dir = project(&refs);
    for ms in [20, 100, 300, 600, 1000] {
        let mut child = Command::new(get_cargo_bin("lmms"))
            .current_dir(dir.path())
            .args(["fix", "--lazy", "json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill();
        child.wait().unwrap();
        for f in &files {
            let now = read(dir.path(), f);
            assert!(now == SRC || now == FIXED, "{f} after a kill at {ms} ms:\n{now}");
        }
        // Start over so each kill meets a run with work left.
        for f in &files {
            std::fs::write(dir.path().join(f), SRC).unwrap();
        }
    }
    let out = fix(dir.path(), &["--lazy", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut temps = Vec::new();
    for d in 0..40 {
        for e in std::fs::read_dir(dir.path().join(format!("app/p{d}"))).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            if name.starts_with(".lmms-") {
                temps.push(name);
            }
        }
    }
    assert!(temps.is_empty(), "{temps:?}");
    assert!(files.iter().all(|f| read(dir.path(), f) == FIXED));
}
