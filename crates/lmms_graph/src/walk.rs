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

/// Walk like [`discover_files`] and run `f` on each file on the big-stack
/// parse pool as soon as it is found. Results are sorted by path.
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
    // The walk and the parse overlap: each file found is queued, and a
    // parse task is started for it on the big-stack pool (ruff's parser and
    // the AST's drop recurse once per nesting level), so the pool is busy
    // from the first file on instead of waiting for the whole tree to be
    // listed. Each task parses the largest file queued so far: once the walk
    // is done that is largest first, so no thread is left parsing one big
    // file after the others ran out of work. Results are sorted by path
    // below: the order never depends on threads or directory order.
    let queue = std::sync::Mutex::new(Queue::default());
    let results: std::sync::Mutex<Vec<(PathBuf, T)>> = Default::default();
    let walk_issues: std::sync::Mutex<Vec<WalkIssue>> = Default::default();
    let f = &f;
    crate::parse_pool().in_place_scope(|s| {
        let (queue, results, walk_issues) = (&queue, &results, &walk_issues);
        builder.build_parallel().run(|| {
            Box::new(move |entry| {
                match entry {
                    Ok(e) => {
                        let is_file = e.file_type().is_some_and(|t| t.is_file());
                        if !(is_file && (e.depth() == 0 || is_python(e.path()))) {
                            return ignore::WalkState::Continue;
                        }
                        let size = e.metadata().map_or(0, |m| m.len());
                        if lock(queue).push(size, e.into_path()) {
                            s.spawn(move |_| {
                                let path = lock(queue).pop();
                                let value = f(&path);
                                lock(results).push((path, value));
                            });
                        }
                    }
                    Err(err) => lock(walk_issues).push(WalkIssue {
                        path: error_path(&err).unwrap_or_else(|| root.to_path_buf()),
                        message: err.to_string(),
                    }),
                }
                ignore::WalkState::Continue
            })
        });
    });
    issues.extend(walk_issues.into_inner().unwrap_or_else(|p| p.into_inner()));
    issues.extend(std::mem::take(&mut *lock(&*outside)));
    files = results.into_inner().unwrap_or_else(|p| p.into_inner());
    files.sort_by(|a, b| a.0.cmp(&b.0));
    issues.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    (files, issues)
}

/// Files found and not yet parsed, largest first; each path once (a file
/// can be named directly and found under a directory too).
#[derive(Default)]
struct Queue {
    pending: std::collections::BinaryHeap<(u64, std::cmp::Reverse<PathBuf>)>,
    seen: std::collections::HashSet<PathBuf>,
}

impl Queue {
    /// Queue `path`; false if it was queued before.
    fn push(&mut self, size: u64, path: PathBuf) -> bool {
        if !self.seen.insert(path.clone()) {
            return false;
        }
        self.pending.push((size, std::cmp::Reverse(path)));
        true
    }

    /// The largest file queued. Called once per successful push, after it.
    fn pop(&mut self) -> PathBuf {
        self.pending.pop().map(|(_, p)| p.0).expect("one task per queued file")
    }
}

/// A poisoned lock only means another task panicked; that panic is
/// propagated by the scope, and the data is still whole.
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
