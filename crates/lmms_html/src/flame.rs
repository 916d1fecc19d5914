//! A profile as weighted stacks, the common model of flame-graph tools: one
//! stack per module (the chain of `imported_by` from its root) weighted by its
//! *self* time, so a viewer that sums a frame's stacks gets its cumulative time
//! back. Three synthetic frames make the whole add up to the median INIT:
//!
//! - `[interpreter floor]`: `python -I -S -c pass`, measured beside INIT;
//! - `[start-up outside imports]`: INIT − floor − the import trees (site,
//!   `.pth` files, the launcher, handler lookup);
//! - `ROOT;[unattributed]`: a root's median cumulative time minus the median
//!   self times of its tree. Medians do not add: the per-run self times of a
//!   noisy module sum to its cumulative time, their medians need not.

use lmms_schema::profile::{Origin, ProfileDoc};

use crate::tree::{micros, ImportTree};

pub const FLOOR_FRAME: &str = "[interpreter floor]";
pub const STARTUP_FRAME: &str = "[start-up outside imports]";
pub const UNATTRIBUTED_FRAME: &str = "[unattributed]";

#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub name: String,
    /// `None` for the synthetic frames.
    pub origin: Option<Origin>,
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Indices into [`Flame::frames`], outermost first.
    pub stack: Vec<usize>,
    pub micros: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Flame {
    pub name: String,
    pub frames: Vec<Frame>,
    /// In import-tree preorder, synthetic frames first; zero weights dropped.
    pub samples: Vec<Sample>,
}

impl Flame {
    pub fn total_micros(&self) -> u64 {
        self.samples.iter().map(|s| s.micros).sum()
    }
}

pub fn flame(doc: &ProfileDoc) -> Flame {
    let tree = ImportTree::new(doc);
    // Module frames keep their index in `doc.modules`; synthetic ones follow.
    let mut frames: Vec<Frame> = doc
        .modules
        .iter()
        .map(|m| Frame { name: m.name.clone(), origin: Some(m.origin), file: m.file.clone() })
        .collect();
    let mut synthetic = |name: &str| {
        frames.push(Frame { name: name.to_string(), origin: None, file: None });
        frames.len() - 1
    };
    let floor_frame = synthetic(FLOOR_FRAME);
    let startup_frame = synthetic(STARTUP_FRAME);
    let unattributed_frame = synthetic(UNATTRIBUTED_FRAME);

    let self_us: Vec<u64> = doc.modules.iter().map(|m| micros(m.self_ms.median)).collect();
    let mut module_samples = Vec::new();
    let mut trees_us = 0u64;
    for &root in &tree.roots {
        let mut subtree_us = 0u64;
        let mut stack = vec![root];
        while let Some(i) = stack.pop() {
            subtree_us += self_us[i];
            if self_us[i] > 0 {
                module_samples.push((tree.path(i), self_us[i]));
            }
            stack.extend(tree.children[i].iter().rev());
        }
        let missing = micros(doc.modules[root].cumulative_ms.median).saturating_sub(subtree_us);
        if missing > 0 {
            module_samples.push((vec![root, unattributed_frame], missing));
        }
        trees_us += subtree_us + missing;
    }
    let init_us = micros(doc.init_ms.median);
    let floor_us = micros(doc.floor_ms.median);
    let startup_us = init_us.saturating_sub(floor_us).saturating_sub(trees_us);

    let mut samples = Vec::new();
    for (stack, us) in [(vec![floor_frame], floor_us), (vec![startup_frame], startup_us)] {
        if us > 0 {
            samples.push(Sample { stack, micros: us });
        }
    }
    samples.extend(module_samples.into_iter().map(|(stack, micros)| Sample { stack, micros }));
    Flame { name: format!("lmms profile {}", doc.entry), frames, samples }
}
