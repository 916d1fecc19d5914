//! The import tree of a profile, rebuilt from each module's `imported_by`,
//! as every view draws it: children by median cumulative time, descending.

use std::collections::HashMap;

use lmms_schema::profile::{ModuleProfile, ProfileDoc};

/// Indices into `ProfileDoc::modules`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportTree {
    /// Modules no other loaded module imported: the entry, and what the
    /// bootstrap imports itself. Entry first.
    pub roots: Vec<usize>,
    pub children: Vec<Vec<usize>>,
    pub parent: Vec<Option<usize>>,
}

impl ImportTree {
    pub fn new(doc: &ProfileDoc) -> ImportTree {
        let n = doc.modules.len();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, m) in doc.modules.iter().enumerate() {
            index.entry(m.name.as_str()).or_insert(i);
        }
        let mut parent: Vec<Option<usize>> = doc
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| m.imported_by.as_deref().and_then(|p| index.get(p).copied()).filter(|&p| p != i))
            .collect();
        // A hand-edited document can make `imported_by` circular; a module
        // no root reaches becomes a root, so every module is drawn once and
        // no walk loops.
        let mut reached = vec![false; n];
        loop {
            let children = child_lists(doc, &parent);
            reached.iter_mut().for_each(|r| *r = false);
            let mut stack: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
            while let Some(i) = stack.pop() {
                if !std::mem::replace(&mut reached[i], true) {
                    stack.extend(&children[i]);
                }
            }
            match (0..n).find(|&i| !reached[i]) {
                Some(i) => parent[i] = None,
                None => break,
            }
        }
        let children = child_lists(doc, &parent);
        let entry = doc.entry_module();
        let mut roots: Vec<usize> = (0..n).filter(|&i| parent[i].is_none()).collect();
        sort_by_cumulative(&doc.modules, &mut roots);
        roots.sort_by_key(|&i| doc.modules[i].name != entry);
        ImportTree { roots, children, parent }
    }

    /// Depth-first, parents before children, siblings in drawing order.
    pub fn preorder(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.parent.len());
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(self.children[i].iter().rev());
        }
        out
    }

    /// Root first, `i` last.
    pub fn path(&self, i: usize) -> Vec<usize> {
        let mut p = vec![i];
        let mut cur = i;
        while let Some(up) = self.parent[cur] {
            p.push(up);
            cur = up;
        }
        p.reverse();
        p
    }
}

fn child_lists(doc: &ProfileDoc, parent: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); parent.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    for c in &mut children {
        sort_by_cumulative(&doc.modules, c);
    }
    children
}

fn sort_by_cumulative(modules: &[ModuleProfile], v: &mut [usize]) {
    v.sort_by(|&a, &b| {
        let (a, b) = (&modules[a], &modules[b]);
        b.cumulative_ms.median.total_cmp(&a.cumulative_ms.median).then_with(|| a.name.cmp(&b.name))
    });
}

/// Milliseconds to whole microseconds; negative and NaN medians count as 0.
pub fn micros(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        (ms * 1000.0).round() as u64
    } else {
        0
    }
}
