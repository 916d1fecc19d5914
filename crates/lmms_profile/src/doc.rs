//! The profile artifact, `.lmms/profile.json` (`lmms.profile/1`).
//!
//! Field names are a public contract: later commands and other tools read
//! them. Add fields; never rename or remove one.

use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

pub const PROFILE_SCHEMA: &str = "lmms.profile/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    Project,
    Stdlib,
    ThirdParty,
    Builtin,
    /// Frozen or otherwise unlocatable (e.g. namespace package with no file).
    Unknown,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Project => "project",
            Origin::Stdlib => "stdlib",
            Origin::ThirdParty => "third-party",
            Origin::Builtin => "builtin",
            Origin::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PythonInfo {
    pub executable: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ModuleProfile {
    pub name: String,
    pub origin: Origin,
    /// Source file, absolute; `null` for builtins and frozen modules.
    pub file: Option<String>,
    pub self_ms: Summary,
    pub cumulative_ms: Summary,
    /// The module whose import first loaded this one (`null` for the entry
    /// module and for modules imported directly by the bootstrap).
    pub imported_by: Option<String>,
    /// Entry module first, this module last.
    pub chain: Vec<String>,
    /// In how many of the runs the module was loaded at all (a module loaded
    /// in some runs only — e.g. by a timing-dependent branch — is flagged).
    #[serde(default)]
    pub seen_in_runs: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProfileDoc {
    #[schemars(extend("const" = PROFILE_SCHEMA))]
    pub schema: String,
    pub entry: String,
    pub python: PythonInfo,
    pub runs: u32,
    /// Spawn → entry module imported and handler resolved.
    pub init_ms: Summary,
    /// `python -I -S -c pass`, spawn → exit.
    pub floor_ms: Summary,
    /// Peak RSS at ready.
    pub rss_mb: Summary,
    pub module_count: u32,
    /// Sorted by median cumulative time, descending.
    pub modules: Vec<ModuleProfile>,
    /// RFC 3339 UTC timestamp of the measurement.
    #[serde(default)]
    pub profiled_at: String,
    /// Source roots put first on `sys.path`.
    #[serde(default)]
    pub src: Vec<String>,
}

impl ProfileDoc {
    pub fn module(&self, name: &str) -> Option<&ModuleProfile> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The entry module's name (`app` of `app:handler`).
    pub fn entry_module(&self) -> &str {
        self.entry.split_once(':').map_or(self.entry.as_str(), |(m, _)| m)
    }

    pub fn from_json(text: &str) -> Result<ProfileDoc, serde_json::Error> {
        serde_json::from_str(text)
    }
}
