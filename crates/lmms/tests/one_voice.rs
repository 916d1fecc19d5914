//! What `lmms fix` writes, `lmms check` accepts: the loop on a copy of the
//! stdlib example with the real `python3`, then `check --select LMM003`.
//! `urllib.request` and `email.mime.text` cost little themselves and much
//! through what they load (`http.client`, `ssl`, `email.*`); the plan defers
//! them by the latter, so LMM003 must not call the moved imports cheap.

mod common;
use common::{copy_app, lmms_ok as ok, lmms_output, repo_root};

#[test]
fn imports_fix_moved_are_never_over_lazy_in_check() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path();
    copy_app(&repo_root().join("examples/lambda_app"), app);
    ok(app, &["profile", "--runs", "3"]);
    ok(app, &["usage", "--events", "events/"]);
    ok(app, &["plan"]);
    let fixed = ok(app, &["fix"]);
    assert!(fixed.contains("moved "), "the plan deferred nothing to check against:\n{fixed}");
    let out = lmms_output(app, &["check", "--select", "LMM003"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "check contradicts fix:\n{}\n{fixed}",
        String::from_utf8_lossy(&out.stdout)
    );
}
