//! The profile artifact, `.lmms/profile.json` (`lmms.profile/1`).
//!
//! Field names are a public contract: later commands and other tools read
//! them. Add fields; never rename or remove one.

use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

use crate::{Document, FieldError, ParseError};

pub const PROFILE_SCHEMA: &str = "lmms.profile/1";

/// Where a module comes from: the one origin enum of every stage (the
/// profile's modules, the graph's resolved imports, usage attribution, the
/// plan's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// A module of the project's own sources.
    Project,
    Stdlib,
    ThirdParty,
    Builtin,
    /// Frozen or otherwise unlocatable (e.g. namespace package with no file).
    Unknown,
}

impl Origin {
    pub const ALL: [Origin; 5] = [Origin::Project, Origin::Stdlib, Origin::ThirdParty, Origin::Builtin, Origin::Unknown];

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

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Origin`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown origin {0:?} (the origins are project, stdlib, third-party, builtin and unknown)")]
pub struct UnknownOrigin(pub String);

/// The names serde reads and writes; anything else is an error, never a
/// guess.
impl std::str::FromStr for Origin {
    type Err = UnknownOrigin;
    fn from_str(s: &str) -> Result<Origin, UnknownOrigin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == s).ok_or_else(|| UnknownOrigin(s.to_string()))
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
    /// Set when project code loaded the module by name, through
    /// `importlib.import_module(...)` or `__import__(...)`; `imported_by` is
    /// then the project module whose code made the call (not necessarily
    /// the module `-X importtime` nests it under) and `chain` runs through it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynamic: Option<DynamicImport>,
    /// Every import of this module the entry's import executed (statements,
    /// `__import__`, `importlib.import_module`; hits on a module already
    /// loaded too), recorded in one untimed run: `imported_by` names the
    /// first importer only, and a library's own dynamic import has no
    /// statement any file shows. Empty in profiles made before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub importers: Vec<Importer>,
}

/// One executed import of a module at INIT.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Importer {
    /// The module whose code ran the import.
    pub module: String,
    /// The line of that code in its file.
    pub line: u32,
    /// The function it ran in (qualified name, `Class.method`); `null` at
    /// module level.
    #[serde(default)]
    pub function: Option<String>,
    /// The module whose module-level code was running (itself, when
    /// `function` is `null`): the import happened because that module was
    /// being imported.
    pub during: String,
    /// The line of `during`'s module-level code that was running (its
    /// import statement, or the call that led here).
    pub during_line: u32,
}

/// A project function that ran while the entry was imported.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FunctionAtInit {
    pub module: String,
    /// Qualified name (`Class.method`; the bare name before Python 3.11).
    pub function: String,
}

/// How project code loaded a module by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub enum DynamicImport {
    #[serde(rename = "importlib.import_module")]
    ImportModule,
    #[serde(rename = "__import__")]
    DunderImport,
}

impl DynamicImport {
    pub fn as_str(self) -> &'static str {
        match self {
            DynamicImport::ImportModule => "importlib.import_module",
            DynamicImport::DunderImport => "__import__",
        }
    }
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
    /// The project functions that ran while the entry was imported (the
    /// untimed run that records [`ModuleProfile::importers`]): an import
    /// moved into one of them still runs at INIT.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions_at_init: Vec<FunctionAtInit>,
    /// Modules the entry's import loaded that have no timed row in
    /// `modules` (a library's own `importlib.import_module`, which `-X
    /// importtime` does not time: its imports are charged to the module
    /// importing then), each with its importers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untimed_modules: Vec<UntimedModule>,
}

/// A module loaded at INIT without a timed row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct UntimedModule {
    pub name: String,
    pub importers: Vec<Importer>,
}

impl ProfileDoc {
    pub fn module(&self, name: &str) -> Option<&ModuleProfile> {
        self.modules.iter().find(|m| m.name == name)
    }

    /// The entry module's name (`app` of `app:handler`).
    pub fn entry_module(&self) -> &str {
        self.entry.split_once(':').map_or(self.entry.as_str(), |(m, _)| m)
    }

    /// Parse and check a `profile.json` (see [`Document::check`]).
    pub fn from_json(text: &str) -> Result<ProfileDoc, ParseError> {
        crate::parse(text)
    }
}

impl Document for ProfileDoc {
    const SCHEMA: &'static str = PROFILE_SCHEMA;
    const KIND: &'static str = "profile";

    /// At least one run, and no negative time or size. Later stages decide
    /// on these numbers; a hand-edited or foreign file must not steer them
    /// silently.
    fn check(&self) -> Result<(), FieldError> {
        if self.runs == 0 {
            return Err(FieldError::new("runs", "0; a profile has at least one run"));
        }
        let mut summaries =
            vec![("init_ms".to_string(), &self.init_ms), ("floor_ms".into(), &self.floor_ms), ("rss_mb".into(), &self.rss_mb)];
        for (i, m) in self.modules.iter().enumerate() {
            summaries.push((format!("modules[{i}].self_ms"), &m.self_ms));
            summaries.push((format!("modules[{i}].cumulative_ms"), &m.cumulative_ms));
        }
        for (field, s) in summaries {
            for (part, v) in [("median", s.median), ("mad", s.mad), ("min", s.min), ("max", s.max)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(FieldError::new(format!("{field}.{part}"), format!("{v}; times and sizes are never negative")));
                }
            }
        }
        Ok(())
    }
}

/// Why a `profile.json` cannot be used.
pub type ProfileReadError = ParseError;

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"schema":"lmms.profile/1","entry":"app:h","python":{"executable":"p","version":"3.12.0"},
        "runs":3,"init_ms":{"median":50.0,"mad":1.0,"min":49.0,"max":52.0},
        "floor_ms":{"median":10.0,"mad":0.5,"min":9.0,"max":11.0},"rss_mb":{"median":9.0,"mad":0.0,"min":9.0,"max":9.0},
        "module_count":1,"modules":[{"name":"app","origin":"project","file":null,
        "self_ms":{"median":1.0,"mad":0.0,"min":1.0,"max":1.0},
        "cumulative_ms":{"median":2.0,"mad":0.0,"min":2.0,"max":2.0},"imported_by":null,"chain":["app"]}]}"#;

    #[test]
    fn every_origin_reads_back_by_its_name_and_an_unknown_one_is_an_error_naming_the_field() {
        for o in Origin::ALL {
            assert_eq!(o.as_str().parse::<Origin>(), Ok(o));
            assert_eq!(serde_json::to_string(&o).unwrap(), format!("\"{o}\""));
        }
        assert_eq!("vendored".parse::<Origin>().unwrap_err().0, "vendored");
        let e = ProfileDoc::from_json(&GOOD.replace(r#""origin":"project""#, r#""origin":"vendored""#))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `vendored`"), "{e}");
    }

    #[test]
    fn a_measured_profile_reads_back() {
        assert_eq!(ProfileDoc::from_json(GOOD).unwrap().modules[0].name, "app");
    }

    #[test]
    fn a_wrong_schema_or_a_negative_time_is_rejected_naming_the_field() {
        let e = ProfileDoc::from_json(&GOOD.replace("lmms.profile/1", "lmms.profile/2")).unwrap_err().to_string();
        assert!(e.starts_with("`schema` is \"lmms.profile/2\""), "{e}");
        let e = ProfileDoc::from_json(&GOOD.replace(r#""self_ms":{"median":1.0"#, r#""self_ms":{"median":-1.0"#))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("`modules[0].self_ms.median` is -1"), "{e}");
        let e = ProfileDoc::from_json(&GOOD.replace(r#""runs":3"#, r#""runs":0"#)).unwrap_err().to_string();
        assert!(e.starts_with("`runs` is 0"), "{e}");
        let e = ProfileDoc::from_json(&GOOD.replace(r#""runs":3,"#, "")).unwrap_err().to_string();
        assert!(e.contains("missing field `runs`"), "{e}");
    }
}
