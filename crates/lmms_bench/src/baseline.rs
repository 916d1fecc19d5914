//! A saved baseline, `.lmms/baseline.json`, read for one entry and written
//! atomically. The document is `lmms_schema::bench::BaselineDoc`.

use std::path::Path;

use crate::{BaselineDoc, BenchError};

/// Read a saved baseline and check it belongs to `entry`.
pub fn read(path: &Path, entry: &str) -> Result<BaselineDoc, BenchError> {
    let doc: BaselineDoc = lmms_schema::read(path).map_err(BenchError::ReadBaseline)?;
    if doc.entry != entry {
        return Err(BenchError::BaselineEntry { path: path.to_path_buf(), saved: doc.entry, entry: entry.to_string() });
    }
    Ok(doc)
}

/// Write atomically, creating `.lmms/`: a failed run never leaves half a
/// baseline, and the previous one stays until the new one is complete.
pub fn write(doc: &BaselineDoc, path: &Path) -> Result<(), BenchError> {
    lmms_config::write_artifact(path, lmms_schema::to_json(doc).as_bytes())
        .map_err(|source| BenchError::WriteBaseline { path: path.to_path_buf(), source })
}
