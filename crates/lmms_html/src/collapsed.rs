//! Brendan Gregg's collapsed stacks (`a;b;c 1234`, one stack a line), the
//! input of `flamegraph.pl`, inferno, speedscope and most flame-graph tools.
//! Weights are microseconds of self time.

use std::fmt::Write as _;

use crate::flame::Flame;

pub fn collapsed(flame: &Flame) -> String {
    let mut out = String::new();
    for s in &flame.samples {
        let stack: Vec<String> = s.stack.iter().map(|&f| frame_name(&flame.frames[f].name)).collect();
        let _ = writeln!(out, "{} {}", stack.join(";"), s.micros);
    }
    out
}

/// `;` separates frames and a line ends the stack: neither may appear in a
/// name. The weight is after the *last* space, so spaces may stay.
fn frame_name(name: &str) -> String {
    name.chars().map(|c| if c == ';' || c.is_control() { '_' } else { c }).collect()
}
