//! Lambda developers work on macOS: the crates that hold platform code (the
//! runner, interpreter discovery, config paths, dates) must build for it.
//! The rest of the workspace is platform-neutral Rust, but cannot be
//! checked here: `psm` (under ruff's parser) and `mimalloc` compile C for
//! the target, which needs a macOS SDK this machine does not have.

use std::path::Path;
use std::process::Command;

const TARGET: &str = "x86_64-apple-darwin";

#[test]
#[ignore = "needs `rustup target add x86_64-apple-darwin` (.ci/run adds it)"]
fn the_platform_crates_type_check_for_macos() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap();
    // A target dir of its own: the outer `cargo test` holds the main one.
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("macos-check");
    let out = Command::new(cargo)
        .current_dir(workspace)
        .args(["check", "--locked", "--target", TARGET, "-p", "lmms_stats", "-p", "lmms_config", "-p", "lmms_profile"])
        .arg("--target-dir")
        .arg(&target_dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo check --target {TARGET} failed (if the target is missing: `rustup target add {TARGET}`):\n{stderr}"
    );
}
