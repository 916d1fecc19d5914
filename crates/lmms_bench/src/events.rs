//! Event types from files and directories of `*.json`, named by file stem.

use std::path::{Path, PathBuf};

use crate::BenchError;

/// Sorted by path within a directory; the first file of a name wins.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, BenchError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            out.extend(json_files(p)?);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(BenchError::NoEventPath { path: p.clone() });
        }
    }
    let mut named: Vec<(String, PathBuf)> = Vec::new();
    for f in out {
        let name = f.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let f = std::fs::canonicalize(&f).unwrap_or(f);
        if !named.iter().any(|(n, _)| *n == name) {
            named.push((name, f));
        }
    }
    Ok(named)
}

fn json_files(dir: &Path) -> Result<Vec<PathBuf>, BenchError> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| BenchError::ListEvents { path: dir.to_path_buf(), source })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|f| f.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(BenchError::NoEvents { path: dir.to_path_buf() });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_give_their_json_files_by_stem_and_a_missing_path_is_named() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("b.json"), "{}").unwrap();
        std::fs::write(d.path().join("a.json"), "{}").unwrap();
        std::fs::write(d.path().join("notes.txt"), "").unwrap();
        let names: Vec<String> = collect(&[d.path().to_path_buf()]).unwrap().into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a", "b"]);
        let err = collect(&[d.path().join("nope")]).unwrap_err().to_string();
        assert!(err.contains("does not exist"), "{err}");
    }
}
