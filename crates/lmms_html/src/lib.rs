//! `lmms report`: the measured artifacts in `.lmms/` as pictures.
//!
//! - [`artifacts`]: reads `profile.json` (required), `plan.json`,
//!   `usage.json`, `baseline.json` and saved bench results through their
//!   documents' types.
//! - [`tree`]: the import tree rebuilt from `imported_by`.
//! - [`flame`]: the tree as self-time-weighted stacks summing to INIT, which
//!   [`collapsed`] (Brendan Gregg's folded stacks) and [`speedscope`]
//!   (speedscope's JSON file format) write for existing flame-graph viewers.
//! - [`html`]: one self-contained page: an icicle of the import tree, INIT vs
//!   the interpreter floor, the plan and before/after bench figures.
//!
//! Pure apart from [`artifacts::load`]: every renderer returns a `String`;
//! the binary writes it.

pub mod artifacts;
pub mod collapsed;
pub mod flame;
pub mod html;
pub mod speedscope;
pub mod tree;

#[cfg(test)]
mod tests;

use std::path::Path;

pub use artifacts::{load, Artifacts, LoadError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Speedscope,
    Collapsed,
}

/// Load the artifacts in `artifact_dir` and render them in `format`.
pub fn report(artifact_dir: &Path, bench_file: Option<&Path>, format: Format) -> Result<String, LoadError> {
    let a = load(artifact_dir, bench_file)?;
    Ok(render(&a, format))
}

pub fn render(a: &Artifacts, format: Format) -> String {
    match format {
        Format::Html => html::html(a),
        Format::Speedscope => speedscope::speedscope(&flame::flame(&a.profile)),
        Format::Collapsed => collapsed::collapsed(&flame::flame(&a.profile)),
    }
}
