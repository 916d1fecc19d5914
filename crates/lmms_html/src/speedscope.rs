//! speedscope's file format (<https://www.speedscope.app/file-format-schema.json>):
//! one `sampled` profile whose samples are the import stacks, weighted by
//! microseconds of self time, so speedscope's left-heavy view is the import
//! tree and its time-order view follows the tree depth-first.

use serde::Serialize;

use crate::flame::Flame;

pub const SPEEDSCOPE_SCHEMA: &str = "https://www.speedscope.app/file-format-schema.json";

#[derive(Debug, Serialize)]
pub struct File<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub shared: Shared<'a>,
    pub profiles: Vec<Profile<'a>>,
    pub name: &'a str,
    #[serde(rename = "activeProfileIndex")]
    pub active_profile_index: usize,
    pub exporter: String,
}

#[derive(Debug, Serialize)]
pub struct Shared<'a> {
    pub frames: Vec<Frame<'a>>,
}

#[derive(Debug, Serialize)]
pub struct Frame<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct Profile<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'a str,
    pub unit: &'static str,
    #[serde(rename = "startValue")]
    pub start_value: u64,
    #[serde(rename = "endValue")]
    pub end_value: u64,
    pub samples: Vec<&'a [usize]>,
    pub weights: Vec<u64>,
}

pub fn file(flame: &Flame) -> File<'_> {
    File {
        schema: SPEEDSCOPE_SCHEMA,
        shared: Shared {
            frames: flame.frames.iter().map(|f| Frame { name: &f.name, file: f.file.as_deref() }).collect(),
        },
        profiles: vec![Profile {
            kind: "sampled",
            name: &flame.name,
            unit: "microseconds",
            start_value: 0,
            end_value: flame.total_micros(),
            samples: flame.samples.iter().map(|s| s.stack.as_slice()).collect(),
            weights: flame.samples.iter().map(|s| s.micros).collect(),
        }],
        name: &flame.name,
        active_profile_index: 0,
        exporter: format!("lmms {}", env!("CARGO_PKG_VERSION")),
    }
}

pub fn speedscope(flame: &Flame) -> String {
    serde_json::to_string(&file(flame)).expect("a speedscope file serialises") + "\n"
}
