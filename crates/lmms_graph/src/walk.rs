//! Finding Python files. Uses the `ignore` crate so `.gitignore`, `.ignore`
//! and hidden directories are honoured whether or not the tree is a git
//! repository, and symlink loops come back as errors instead of hangs.

use std::path::{Path, PathBuf};

/// Directories no project wants linted even when no ignore file says so
/// (the same ones ruff skips by default).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    "__pycache__",
    "node_modules",
    "site-packages",
    "venv",
    "__pypackages__",
];

/// A path the walk could not read; reported, never fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkIssue {
    pub path: PathBuf,
    pub message: String,
}

/// Every `.py`/`.pyi` file under `paths` (files given directly are kept as
/// is), sorted so output order never depends on directory order or threads.
/// `exclude` holds gitignore-style globs relative to `root`.
pub fn discover_files(
    paths: &[PathBuf],
    root: &Path,
    exclude: &[String],
) -> (Vec<PathBuf>, Vec<WalkIssue>) {
    let (found, issues) = walk_map(paths, root, exclude, |_| ());
    (found.into_iter().map(|(p, ())| p).collect(), issues)
}

/// Walk like [`discover_files`], then run `f` on each file in parallel on
/// big-stack threads. Results are sorted by path.
pub fn walk_map<T: Send>(
    paths: &[PathBuf],
    root: &Path,
    exclude: &[String],
    f: impl Fn(&Path) -> T + Sync,
) -> (Vec<(PathBuf, T)>, Vec<WalkIssue>) {
    let mut files = Vec::new();
    let mut issues = Vec::new();
    let Some((first, rest)) = paths.split_first() else {
        return (files, issues);
    };

    let mut overrides = ignore::overrides::OverrideBuilder::new(root);
    for pat in exclude {
        if let Err(e) = overrides.add(&format!("!{pat}")) {
            issues.push(WalkIssue {
                path: root.to_path_buf(),
                message: format!("invalid exclude pattern {pat:?}: {e}"),
            });
        }
    }
    let overrides = overrides
        .build()
        .unwrap_or_else(|_| ignore::overrides::Override::empty());

    // A symlinked directory is followed only while it stays in the project:
    // nothing outside the root is read as project code (or rewritten by fix).
    let outside: std::sync::Arc<std::sync::Mutex<Vec<WalkIssue>>> = Default::default();
    let root_real = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let outside_w = outside.clone();
    let mut builder = ignore::WalkBuilder::new(first);
    for p in rest {
        builder.add(p);
    }
    builder
        .require_git(false)
        .follow_links(true)
        .overrides(overrides)
        .filter_entry(move |e| {
            // Roots are always walked; default excludes apply below them.
            if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            if e.path_is_symlink() {
                let target = std::fs::canonicalize(e.path());
                if !target.as_ref().is_ok_and(|t| t.starts_with(&root_real)) {
                    let shown = target.map_or_else(|err| err.to_string(), |t| t.display().to_string());
                    outside_w.lock().unwrap_or_else(|p| p.into_inner()).push(WalkIssue {
                        path: e.path().to_path_buf(),
                        message: format!("symlink to {shown} outside the project root; not followed"),
                    });
                    return false;
                }
            }
            !e.file_name().to_str().is_some_and(|n| DEFAULT_EXCLUDES.contains(&n))
        });
    // Parallel walk: directory reads and ignore-file parsing overlap with
    // each other; results are merged and sorted below for stable output.
    let (tx, rx) = std::sync::mpsc::channel::<Result<(PathBuf, u64), WalkIssue>>();
    let fallback = root.to_path_buf();
    builder.build_parallel().run(|| {
        let tx = tx.clone();
        let fallback = fallback.clone();
        Box::new(move |entry| {
            let msg = match entry {
                Ok(e) => {
                    let is_file = e.file_type().is_some_and(|t| t.is_file());
                    if !(is_file && (e.depth() == 0 || is_python(e.path()))) {
                        return ignore::WalkState::Continue;
                    }
                    let size = e.metadata().map_or(0, |m| m.len());
                    Ok((e.into_path(), size))
                }
                Err(err) => Err(WalkIssue {
                    path: error_path(&err).unwrap_or_else(|| fallback.clone()),
                    message: err.to_string(),
                }),
            };
            let _ = tx.send(msg);
            ignore::WalkState::Continue
        })
    });
    drop(tx);
    let mut found: Vec<(PathBuf, u64)> = Vec::new();
    for msg in rx {
        match msg {
            Ok(p) => found.push(p),
            Err(i) => issues.push(i),
        }
    }
    issues.extend(std::mem::take(&mut *outside.lock().unwrap_or_else(|p| p.into_inner())));
    found.sort();
    found.dedup_by(|a, b| a.0 == b.0);
    // Largest files first, so no thread is left parsing one big file after
    // the others ran out of work; results go back to path order after.
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by(|&a, &b| found[b].1.cmp(&found[a].1));
    // `f` (parsing) runs on the big-stack pool: ruff's parser and the AST's
    // drop recurse once per nesting level.
    let f = &f;
    let found = &found;
    let mut results: Vec<(usize, T)> = crate::parse_pool().install(|| {
        use rayon::prelude::*;
        order.into_par_iter().with_max_len(1).map(|i| (i, f(&found[i].0))).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    files = results.into_iter().map(|(i, v)| (found[i].0.clone(), v)).collect();
    issues.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    (files, issues)
}

fn is_python(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "py" || e == "pyi")
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::Partial(errs) => errs.first().and_then(error_path),
        _ => None,
    }
}
