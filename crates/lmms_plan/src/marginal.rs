//! Marginal import cost from the profile's module tree.
//!
//! `-X importtime` charges every module to the import that loaded it
//! *first*, so the tree is a partition of INIT: each module appears once,
//! under one parent, and a module's cumulative time is its own time plus
//! the modules first loaded beneath it.
//!
//! The method:
//!
//! 1. Every project import statement names one or more *keys*: the module it
//!    imports and that module's parent packages (`import a.b` loads `a` and
//!    `a.b`).
//! 2. Each profiled module is *attributed* to the nearest key on its chain
//!    (walking from the module itself towards the entry). `excl[key]` is the
//!    sum of `self_ms` over the modules attributed to it: the key's
//!    cumulative time minus the subtrees of other keys nested inside it
//!    (numpy, when the project imports numpy itself, is not pandas' cost).
//!    A submodule of a key's package belongs to that key by name only when
//!    the package itself or project code loaded it: `dateutil.parser`,
//!    loaded by `botocore.utils`, is boto3's cost, not that of
//!    `import dateutil.relativedelta`, which never loads it.
//! 3. A key is *already loaded* for a statement when a key of an eager
//!    statement importing a different module lies on its chain (the key sits
//!    in that module's subtree) — then deferring the statement saves nothing
//!    for that key.
//! 4. A statement's marginal cost is the sum of `excl` over its keys that are
//!    not already loaded.
//!
//! What this cannot see: a dependency shared by a deferred and an eager
//! module that the tree happened to charge to the deferred one (urllib3
//! under botocore when requests stays eager). The tree records one order
//! only; `lmms plan --simulate` measures the eager set itself and so has no
//! such blind spot.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use lmms_profile::doc::ProfileDoc;

/// The profile tree indexed for attribution.
#[derive(Debug)]
pub struct Attribution<'a> {
    profile: &'a ProfileDoc,
    index: HashMap<&'a str, usize>,
    /// key → exclusive milliseconds (median self time summed).
    pub excl: BTreeMap<String, f64>,
    /// key → summed MAD of the attributed modules' self time: the noise a
    /// decision near a threshold should be read against.
    pub excl_mad: BTreeMap<String, f64>,
    /// key → the modules attributed to it, with their median self time.
    pub members: BTreeMap<String, Vec<(&'a str, f64)>>,
    /// Modules attributed to no key: the entry module's own code, modules it
    /// loads through module-level calls, and bootstrap-time imports.
    pub unattributed_ms: f64,
}

impl<'a> Attribution<'a> {
    pub fn new(profile: &'a ProfileDoc, keys: &BTreeSet<String>) -> Attribution<'a> {
        let index = profile
            .modules
            .iter()
            .enumerate()
            .map(|(i, m)| (m.name.as_str(), i))
            .collect();
        let project: HashMap<&str, bool> =
            profile.modules.iter().map(|m| (m.name.as_str(), m.origin == lmms_profile::doc::Origin::Project)).collect();
        let is_project = |n: &str| project.get(n).copied().unwrap_or(false);
        let mut excl: BTreeMap<String, f64> = keys.iter().map(|k| (k.clone(), 0.0)).collect();
        let mut members: BTreeMap<String, Vec<(&'a str, f64)>> = BTreeMap::new();
        let mut excl_mad: BTreeMap<String, f64> = BTreeMap::new();
        let mut unattributed_ms = 0.0;
        for m in &profile.modules {
            match attributed(&chain_of(m), keys, &is_project) {
                Some(k) => {
                    *excl.get_mut(k).expect("key present") += m.self_ms.median;
                    *excl_mad.entry(k.to_string()).or_default() += m.self_ms.mad;
                    members
                        .entry(k.to_string())
                        .or_default()
                        .push((m.name.as_str(), m.self_ms.median));
                }
                None => unattributed_ms += m.self_ms.median,
            }
        }
        Attribution {
            profile,
            index,
            excl,
            excl_mad,
            members,
            unattributed_ms,
        }
    }

    pub fn is_profiled(&self, module: &str) -> bool {
        self.index.contains_key(module)
    }

    /// The chain of a profiled module (entry first, itself last).
    /// The profile attributed.
    pub fn profile(&self) -> &'a ProfileDoc {
        self.profile
    }

    pub fn chain(&self, module: &str) -> Option<Vec<&'a str>> {
        self.index
            .get(module)
            .map(|&i| chain_of(&self.profile.modules[i]))
    }

    /// The first module on `key`'s chain that belongs to `loaders`, if any:
    /// who already loads `key` when those stay eager.
    pub fn loaded_by<'k>(
        &self,
        key: &str,
        loaders: &'k BTreeMap<String, String>,
    ) -> Option<&'k String> {
        let chain = self.chain(key)?;
        chain.iter().find_map(|n| loaders.get(*n))
    }

    /// Median self time of the profiled modules the plan stops loading: a
    /// module goes when the key it is attributed to is not eager and no
    /// eager *library* (`covering`) loads it on the way. Project modules do
    /// not cover: what they load is decided by their own statements.
    pub fn dropped_ms(
        &self,
        keys: &BTreeSet<String>,
        hot_keys: &BTreeSet<String>,
        covering: &BTreeSet<String>,
    ) -> f64 {
        let is_project = |n: &str| {
            self.index.get(n).is_some_and(|&i| self.profile.modules[i].origin == lmms_profile::doc::Origin::Project)
        };
        self.profile
            .modules
            .iter()
            .filter(|m| {
                let chain = chain_of(m);
                match attributed(&chain, keys, &is_project) {
                    None => false,
                    Some(k) => {
                        !hot_keys.contains(k) && !chain.iter().any(|n| owner(n, covering).is_some())
                    }
                }
            })
            .map(|m| m.self_ms.median)
            .sum()
    }
}

/// The key a module belongs to: itself, or its nearest enclosing package
/// that is a key. Packages that load submodules lazily (`pydantic`'s
/// `__getattr__`) make importtime show `pydantic.fields` beside `pydantic`,
/// not under it; the name says whose cost it is.
pub fn owner<'k>(name: &str, keys: &'k BTreeSet<String>) -> Option<&'k str> {
    let mut n = name;
    loop {
        if let Some(k) = keys.get(n) {
            return Some(k.as_str());
        }
        n = &n[..n.rfind('.')?];
    }
}

/// The key a module's cost belongs to, its chain walked from the entry: a
/// key is its own; a submodule of a key's package is the package's when the
/// package's own code loaded it or project code did (a lazy `__getattr__`
/// runs in the importer's frame), but what loaded it when another library's
/// code did; any other module is its importer's.
fn attributed<'k>(chain: &[&str], keys: &'k BTreeSet<String>, is_project: &dyn Fn(&str) -> bool) -> Option<&'k str> {
    let mut at: Option<&'k str> = None;
    for (i, n) in chain.iter().enumerate() {
        at = match owner(n, keys) {
            Some(k) if k == *n => Some(k),
            Some(k) => {
                let by_package = at.is_some_and(|a| a == k || a.strip_prefix(k).is_some_and(|r| r.starts_with('.')));
                if i == 0 || is_project(chain[i - 1]) || by_package {
                    Some(k)
                } else {
                    at
                }
            }
            None => at,
        };
    }
    at
}

/// A module's chain, tolerating profiles that left it empty.
fn chain_of(m: &lmms_profile::doc::ModuleProfile) -> Vec<&str> {
    if m.chain.is_empty() {
        vec![m.name.as_str()]
    } else {
        let mut c: Vec<&str> = m.chain.iter().map(String::as_str).collect();
        if c.last() != Some(&m.name.as_str()) {
            c.push(m.name.as_str());
        }
        c
    }
}

/// `a.b.c` → `a`, `a.b`, `a.b.c`.
pub fn prefixes(module: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut acc = String::new();
    for part in module.split('.').filter(|p| !p.is_empty()) {
        if !acc.is_empty() {
            acc.push('.');
        }
        acc.push_str(part);
        out.push(acc.clone());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lmms_profile::doc::{ModuleProfile, Origin, ProfileDoc, PythonInfo};
    use lmms_stats::Summary;

    pub fn s(ms: f64) -> Summary {
        Summary {
            median: ms,
            mad: 0.0,
            min: ms,
            max: ms,
        }
    }

    /// `(name, self_ms, chain)`; cumulative is derived from the chains.
    pub fn profile(entry: &str, rows: &[(&str, f64, &[&str])]) -> ProfileDoc {
        let modules: Vec<ModuleProfile> = rows
            .iter()
            .map(|(name, self_ms, chain)| {
                let cum: f64 = rows
                    .iter()
                    .filter(|(_, _, c)| c.contains(name))
                    .map(|(_, s, _)| s)
                    .sum();
                let origin = if chain.len() <= 2 && name.starts_with("features") || *name == entry {
                    Origin::Project
                } else {
                    Origin::ThirdParty
                };
                ModuleProfile {
                    name: name.to_string(),
                    origin,
                    file: None,
                    self_ms: s(*self_ms),
                    cumulative_ms: s(cum),
                    imported_by: (chain.len() > 1).then(|| chain[chain.len() - 2].to_string()),
                    chain: chain.iter().map(|c| c.to_string()).collect(),
                    seen_in_runs: 1,
                    dynamic: None,
                    importers: Vec::new(),
                }
            })
            .collect();
        let init: f64 = rows.iter().map(|r| r.1).sum::<f64>() + 20.0;
        ProfileDoc {
            schema: "lmms.profile/1".into(),
            entry: format!("{entry}:handler"),
            python: PythonInfo {
                executable: "/usr/bin/python3".into(),
                version: "3.12.3".into(),
            },
            runs: 10,
            init_ms: s(init),
            floor_ms: s(20.0),
            rss_mb: s(30.0),
            module_count: modules.len() as u32,
            modules,
            profiled_at: "2026-11-20T10:00:00Z".into(),
            src: vec![],
            functions_at_init: Vec::new(),
            untimed_modules: Vec::new(),
        }
    }

    #[test]
    fn nested_key_is_not_charged_to_its_parent() {
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("pandas", 100.0, &["app", "pandas"]),
                ("numpy", 80.0, &["app", "pandas", "numpy"]),
                (
                    "numpy.core",
                    20.0,
                    &["app", "pandas", "numpy", "numpy.core"],
                ),
                ("pytz", 5.0, &["app", "pandas", "pytz"]),
            ],
        );
        let keys: BTreeSet<String> = ["pandas", "numpy"].iter().map(|s| s.to_string()).collect();
        let a = Attribution::new(&p, &keys);
        assert_eq!(a.excl["pandas"], 105.0);
        assert_eq!(a.excl["numpy"], 100.0);
        assert_eq!(a.unattributed_ms, 1.0);
        let hot: BTreeSet<String> = ["numpy".to_string()].into();
        assert_eq!(a.dropped_ms(&keys, &hot, &hot), 105.0);
    }

    #[test]
    fn lazily_loaded_submodules_belong_to_their_package() {
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("models", 2.0, &["app", "models"]),
                ("pydantic", 30.0, &["app", "models", "pydantic"]),
                (
                    "pydantic.fields",
                    25.0,
                    &["app", "models", "pydantic.fields"],
                ),
            ],
        );
        let mut p = p;
        p.modules[1].origin = Origin::Project;
        let keys: BTreeSet<String> = ["models", "pydantic"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let a = Attribution::new(&p, &keys);
        assert_eq!(a.excl["pydantic"], 55.0);
        assert_eq!(a.excl["models"], 2.0);
    }

    #[test]
    fn a_submodule_another_library_loads_is_that_librarys_cost_not_its_packages() {
        // examples/shop_app: checkout imports dateutil.relativedelta, boto3's
        // botocore loads dateutil.parser and dateutil.tz, which
        // relativedelta never loads.
        let mut p = profile(
            "handler",
            &[
                ("handler", 1.0, &["handler"]),
                ("checkout", 1.0, &["handler", "checkout"]),
                ("dateutil.relativedelta", 0.5, &["handler", "checkout", "dateutil.relativedelta"]),
                ("dateutil", 0.4, &["handler", "checkout", "dateutil.relativedelta", "dateutil"]),
                ("dateutil._common", 0.2, &["handler", "checkout", "dateutil.relativedelta", "dateutil._common"]),
                ("six", 1.5, &["handler", "checkout", "dateutil.relativedelta", "six"]),
                ("export", 1.0, &["handler", "export"]),
                ("boto3", 20.0, &["handler", "export", "boto3"]),
                ("botocore.utils", 30.0, &["handler", "export", "boto3", "botocore.utils"]),
                ("dateutil.parser", 1.5, &["handler", "export", "boto3", "botocore.utils", "dateutil.parser"]),
                (
                    "dateutil.parser._parser",
                    1.5,
                    &["handler", "export", "boto3", "botocore.utils", "dateutil.parser", "dateutil.parser._parser"],
                ),
                ("dateutil.tz", 2.0, &["handler", "export", "boto3", "dateutil.tz"]),
            ],
        );
        for m in p.modules.iter_mut().filter(|m| ["checkout", "export"].contains(&m.name.as_str())) {
            m.origin = Origin::Project;
        }
        let keys: BTreeSet<String> =
            ["checkout", "export", "dateutil", "dateutil.relativedelta", "boto3"].iter().map(|s| s.to_string()).collect();
        let a = Attribution::new(&p, &keys);
        let rd = a.excl["dateutil"] + a.excl["dateutil.relativedelta"];
        assert!((rd - 2.6).abs() < 1e-9, "relativedelta's own closure only: {rd}");
        assert!((a.excl["boto3"] - 55.0).abs() < 1e-9, "{}", a.excl["boto3"]);
        // Deferring boto3 drops what it loads, dateutil's submodules included.
        let hot: BTreeSet<String> = ["checkout", "export", "dateutil", "dateutil.relativedelta"].iter().map(|s| s.to_string()).collect();
        assert!((a.dropped_ms(&keys, &hot, &BTreeSet::new()) - 55.0).abs() < 1e-9);
    }

    #[test]
    fn prefixes_walk_the_package_path() {
        assert_eq!(prefixes("a.b.c"), vec!["a", "a.b", "a.b.c"]);
        assert_eq!(prefixes("json"), vec!["json"]);
    }
}
