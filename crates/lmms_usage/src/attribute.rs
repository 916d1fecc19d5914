//! From "what ran per event" to "how often is each import used".
//!
//! The rules (issue 4): a statement importing M is used by a request when,
//! during it, a project function runs that references a name the statement
//! binds, or code runs in any module of M's *exclusive closure* — what
//! `import M` loads in a fresh interpreter that no other module imported by
//! the project loads. Refinements that make that exact in practice:
//!
//! - A module the project also reaches through another library is in
//!   nobody's exclusive closure (urllib3 under boto3 and requests; logging,
//!   which botocore loads too). So a third rule: a statement importing M is
//!   used when project code *calls directly into* M or `M.*` — the frame of
//!   M's code has a project function as its caller — whoever else loads M.
//!   `logger.info(...)` in the handler runs `logging.Logger.info` called by
//!   the handler, so `import logging` is used, although `logger` is a
//!   module-level object (rule 1 sees no reference to `logging` in the
//!   function) and botocore loads logging too. A library calling M
//!   (fastlib calling the shared sharedlib, urllib3 logging a connection)
//!   does not make the project's `import M` used. Calls into C functions
//!   leave no frame and are not seen (`time.perf_counter`); rule 1 covers
//!   those through the name.
//! - When M itself is exclusive, so is everything under it (`M.*`),
//!   including submodules M loads lazily during a request.
//! - Beyond `M.*`, a third-party M's closure keeps only the third-party
//!   modules it loads exclusively. The standard library is shared plumbing:
//!   botocore loads `multiprocessing`, and `logging` calls into it on every
//!   log call, which would otherwise credit boto3 with every logged request.
//! - A stdlib M's closure is only `M` and `M.*`, not the other stdlib
//!   modules `import M` happens to load first (`json` loads `re`, `logging`
//!   loads `threading` and `string`). Those run on behalf of any caller —
//!   every library matching a regex runs `re` — so crediting them to the one
//!   import that loaded them first would be a guess; the project's own use
//!   of them is counted by its own import statements.
//! - A project module's closure is its own code; what it imports is credited
//!   to its own import statements. `from pkg import mod` also covers the
//!   submodule `pkg.mod`.
//! - Rule 1 sees through `from proj import *` of a project module: the star
//!   statement binds `proj`'s exported names ([`crate::project`] works them
//!   out), and a function of the importing file referencing one of them
//!   uses both the star statement and the statement in `proj` (or further
//!   down a chain of star imports) that binds the name.
//!
//! Import-time work never counts as use: the replay records no `<module>`
//! frames, and nothing at all while an import is in progress — a lazy import
//! mid-request runs the imported module's code and other libraries' import
//! hooks (botocore's vendored six installs a meta-path finder), none of
//! which is use. Rule 1 has function granularity: a function that references
//! a bound name counts as using it whenever it runs, whichever branch it
//! takes (line tracing would say more, at a cost the replay avoids).
//! Everything here is pure.

use std::collections::{BTreeMap, BTreeSet};

use crate::doc::{ImportUsage, ModuleUsage, NameUsage, ValueUsage};
use crate::project::{normalise_qualname, Sources, Statement};

/// Where a loaded module comes from: `lmms_schema`'s one origin enum.
pub use lmms_schema::Origin as Kind;

/// What `import M` loaded in a fresh interpreter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Measured {
    pub loaded: Vec<(String, Kind)>,
    /// `from M import a`: the names that are submodules `M.a`.
    pub submodules: Vec<String>,
    pub error: Option<String>,
}

/// What ran during one replayed event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EventUse {
    pub name: Option<String>,
    pub error: Option<String>,
    /// Modules whose (non-module-level) code ran.
    pub modules: BTreeSet<String>,
    /// Project functions that ran, `module:qualname` as Python reports it.
    pub functions: BTreeSet<String>,
    /// Non-project modules whose code project code called directly (the
    /// caller's frame is a project function), among the import targets.
    pub called: BTreeSet<String>,
}

/// Where code must run for a request to use an imported module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Closure {
    /// The imported module.
    pub root: String,
    /// Modules `import root` loaded that no other import of the project
    /// loads (for a project module: itself).
    pub exclusive: BTreeSet<String>,
    /// Whether everything under `root` belongs too, including submodules
    /// loaded later: when `root` itself is exclusive (never for a project
    /// module, whose submodules have import statements of their own).
    pub submodules: bool,
    /// Whether code of `root` or `root.*` that project code calls directly
    /// counts, whoever else loads it (every non-project module).
    pub direct_calls: bool,
}

impl Closure {
    fn project(module: &str) -> Closure {
        Closure {
            root: module.to_owned(),
            exclusive: BTreeSet::from([module.to_owned()]),
            submodules: false,
            direct_calls: false,
        }
    }

    fn under_root(&self, modules: &BTreeSet<String>) -> bool {
        if modules.contains(&self.root) {
            return true;
        }
        let prefix = format!("{}.", self.root);
        modules.range(prefix.clone()..).next().is_some_and(|m| m.starts_with(&prefix))
    }

    /// Whether a request that ran code in `ran`, and called code in `called`
    /// directly from project functions, used the module.
    pub fn used(&self, ran: &BTreeSet<String>, called: &BTreeSet<String>) -> bool {
        self.exclusive.iter().any(|m| ran.contains(m))
            || (self.submodules && self.under_root(ran))
            || (self.direct_calls && self.under_root(called))
    }
}

/// The closure of every target. `project` holds the targets that are
/// project modules; every other target should have a `measured` entry (a
/// missing or failed measurement leaves only direct calls).
pub fn exclusive_closures(
    targets: &BTreeSet<String>,
    project: &BTreeSet<String>,
    measured: &BTreeMap<String, Measured>,
) -> BTreeMap<String, Closure> {
    let external: Vec<&String> = targets.iter().filter(|t| !project.contains(*t)).collect();
    let mut out = BTreeMap::new();
    for t in targets {
        if project.contains(t) {
            out.insert(t.clone(), Closure::project(t));
            continue;
        }
        let mut closure =
            Closure { root: t.clone(), exclusive: BTreeSet::new(), submodules: false, direct_calls: true };
        if let Some(m) = measured.get(t) {
            // The target's own kind decides which loaded modules can count.
            let own = m.loaded.iter().find(|(n, _)| n == t).map(|(_, k)| *k).unwrap_or(if is_stdlib_looking(m) {
                Kind::Stdlib
            } else {
                Kind::ThirdParty
            });
            let prefix = format!("{t}.");
            closure.exclusive = m
                .loaded
                .iter()
                .filter(|(n, k)| match own {
                    Kind::Stdlib => n == t || n.starts_with(&prefix),
                    _ => *k == own,
                })
                .map(|(n, _)| n.clone())
                .collect();
            for other in &external {
                // `from pkg.validation import validator` names the package
                // and its submodule: each loads the other, and subtracting
                // one from the other would leave both empty.
                if *other == t || other.starts_with(&prefix) || t.starts_with(&format!("{other}.")) {
                    continue;
                }
                if let Some(om) = measured.get(*other) {
                    for (n, _) in &om.loaded {
                        closure.exclusive.remove(n);
                    }
                }
            }
            closure.submodules = closure.exclusive.contains(t);
        }
        out.insert(t.clone(), closure);
    }
    out
}

fn is_stdlib_looking(m: &Measured) -> bool {
    !m.loaded.is_empty() && m.loaded.iter().all(|(_, k)| *k == Kind::Stdlib)
}

/// The modules a statement imports: M itself plus submodules named in its
/// `from` list (which the measurement, or the project's file set, confirmed).
/// The resolution is `lmms_graph`'s, the one every stage shares.
pub fn statement_targets(st: &Statement, is_module: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut v = vec![st.module.clone()];
    for a in &st.from_names {
        let m = lmms_graph::from_import_module(&st.module, a, is_module);
        if !v.contains(&m) {
            v.push(m);
        }
    }
    v
}

/// Per-statement and per-module usage over `events`.
pub fn attribute(
    sources: &Sources,
    targets_of: &dyn Fn(&Statement) -> Vec<String>,
    closures: &BTreeMap<String, Closure>,
    events: &[EventUse],
) -> (Vec<ImportUsage>, Vec<ModuleUsage>) {
    // Normalise each event's functions once.
    let ran: Vec<BTreeSet<String>> = events.iter().map(normalised_functions).collect();
    let requests = events.len() as u64;
    let frac = |n: u64| if requests == 0 { 0.0 } else { n as f64 / requests as f64 };
    let mut imports = Vec::new();
    let mut per_module: BTreeMap<String, Vec<bool>> = BTreeMap::new();
    let used_by = |keys: &BTreeSet<String>, closure: &[&Closure]| -> Vec<bool> {
        events
            .iter()
            .zip(&ran)
            .map(|(e, fns)| {
                keys.iter().any(|k| fns.contains(k)) || closure.iter().any(|c| c.used(&e.modules, &e.called))
            })
            .collect()
    };
    let count = |v: &[bool]| v.iter().filter(|u| **u).count() as u64;
    for st in &sources.statements {
        let name_keys = |b: &String| -> BTreeSet<String> {
            let mut keys = BTreeSet::new();
            let key = (st.file_module.clone(), b.clone());
            if let Some(fns) = sources.refs.get(&key) {
                keys.extend(fns.iter().map(|f| format!("{}:{f}", st.file_module)));
            }
            // Functions elsewhere that reach the name through `import *`.
            if let Some(fns) = sources.star_refs.get(&key).filter(|_| st.function_scope.is_none()) {
                keys.extend(fns.iter().cloned());
            }
            if let Some(f) = &st.function_scope {
                keys.insert(format!("{}:{f}", st.file_module));
            }
            keys
        };
        let mut keys: BTreeSet<String> = st.bound.iter().flat_map(name_keys).collect();
        if let Some(f) = &st.function_scope {
            keys.insert(format!("{}:{f}", st.file_module));
        }
        let targets = targets_of(st);
        let closure: Vec<&Closure> = targets.iter().filter_map(|t| closures.get(t)).collect();
        let used = used_by(&keys, &closure);
        let n = count(&used);
        // Each name of a from-import on its own: its references, and the
        // closure of what it names (the submodule `M.a`, else `M`).
        let mut names = Vec::new();
        for (i, a) in st.from_names.iter().enumerate() {
            let (Some(bound), Some(alias)) = (st.bound.get(i), st.alias_ids.get(i)) else { continue };
            let sub = format!("{}.{a}", st.module);
            let module = if targets.contains(&sub) { sub } else { st.module.clone() };
            let closure = closures.get(&module);
            // A name bound to a project module is used when that module's
            // code runs: the handler naming five feature modules in one
            // function runs one of them per request, not five.
            let keys = if closure.is_some_and(|c| !c.direct_calls) && module != st.module {
                BTreeSet::new()
            } else {
                name_keys(bound)
            };
            let used = used_by(&keys, &closure.into_iter().collect::<Vec<_>>());
            let k = count(&used);
            if module != st.module {
                let slot = per_module.entry(module.clone()).or_insert_with(|| vec![false; events.len()]);
                for (s, u) in slot.iter_mut().zip(&used) {
                    *s |= *u;
                }
            }
            names.push(NameUsage { alias: alias.clone(), name: bound.clone(), module, usage: frac(k), requests_using: k });
        }
        imports.push(ImportUsage {
            path: st.path.clone(),
            line: st.line,
            module: st.module.clone(),
            usage: frac(n),
            requests_using: n,
            names,
            id: st.id.clone(),
        });
        let slot = per_module.entry(st.module.clone()).or_insert_with(|| vec![false; events.len()]);
        for (s, u) in slot.iter_mut().zip(used) {
            *s |= u;
        }
    }
    imports.sort_by(|a, b| (&a.path, a.line, &a.module).cmp(&(&b.path, b.line, &b.module)));
    let mut modules: Vec<ModuleUsage> = per_module
        .into_iter()
        .map(|(name, v)| ModuleUsage { name, usage: frac(v.iter().filter(|u| **u).count() as u64) })
        .collect();
    modules.sort_by(|a, b| b.usage.total_cmp(&a.usage).then_with(|| a.name.cmp(&b.name)));
    (imports, modules)
}

/// How often each module-level value is read: a request reads one when a
/// function that references its name runs.
pub fn attribute_values(sources: &Sources, events: &[EventUse]) -> Vec<ValueUsage> {
    let ran: Vec<BTreeSet<String>> = events.iter().map(normalised_functions).collect();
    let requests = events.len() as u64;
    let mut out: Vec<ValueUsage> = sources
        .values
        .iter()
        .map(|v| {
            let n = ran.iter().filter(|fns| v.readers.iter().any(|r| fns.contains(r))).count() as u64;
            ValueUsage {
                path: v.path.clone(),
                line: v.line,
                name: v.name.clone(),
                module: v.file_module.clone(),
                built_from: v.built_from.clone(),
                usage: if requests == 0 { 0.0 } else { n as f64 / requests as f64 },
                requests_using: n,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.path, a.line, &a.name).cmp(&(&b.path, b.line, &b.name)));
    out
}

fn normalised_functions(e: &EventUse) -> BTreeSet<String> {
    e.functions
        .iter()
        .filter_map(|f| f.split_once(':').map(|(m, q)| format!("{m}:{}", normalise_qualname(q))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(loaded: &[(&str, Kind)]) -> Measured {
        Measured { loaded: loaded.iter().map(|(n, k)| (n.to_string(), *k)).collect(), ..Default::default() }
    }

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn shared_dependency_belongs_to_neither_importer() {
        use Kind::*;
        let measured = BTreeMap::from([
            (
                "boto3".to_string(),
                m(&[
                    ("boto3", ThirdParty),
                    ("botocore", ThirdParty),
                    ("urllib3", ThirdParty),
                    ("multiprocessing", Stdlib),
                ]),
            ),
            ("requests".to_string(), m(&[("requests", ThirdParty), ("idna", ThirdParty), ("urllib3", ThirdParty)])),
            ("json".to_string(), m(&[("json", Stdlib), ("json.decoder", Stdlib), ("re", Stdlib)])),
        ]);
        let c =
            exclusive_closures(&set(&["boto3", "requests", "json", "app.feature"]), &set(&["app.feature"]), &measured);
        assert_eq!(c["boto3"].exclusive, set(&["boto3", "botocore"]));
        assert_eq!(c["requests"].exclusive, set(&["idna", "requests"]));
        // Other stdlib modules json loads are plumbing.
        assert_eq!(c["json"].exclusive, set(&["json", "json.decoder"]));
        assert_eq!(c["app.feature"].exclusive, set(&["app.feature"]));
        assert!(c["boto3"].submodules && !c["app.feature"].submodules && !c["app.feature"].direct_calls);
    }

    #[test]
    fn a_shared_module_is_used_only_when_project_code_calls_into_it() {
        use Kind::*;
        let measured = BTreeMap::from([
            (
                "boto3".to_string(),
                m(&[
                    ("boto3", ThirdParty),
                    ("botocore", ThirdParty),
                    ("logging", Stdlib),
                    ("jmespath", ThirdParty),
                    ("jmespath.parser", ThirdParty),
                ]),
            ),
            ("logging".to_string(), m(&[("logging", Stdlib), ("string", Stdlib), ("threading", Stdlib)])),
            ("jmespath".to_string(), m(&[("jmespath", ThirdParty), ("jmespath.parser", ThirdParty)])),
            ("pandas".to_string(), m(&[("pandas", ThirdParty), ("pandas.core", ThirdParty)])),
        ]);
        let c = exclusive_closures(&set(&["boto3", "logging", "jmespath", "pandas"]), &BTreeSet::new(), &measured);
        let none = BTreeSet::new();
        // botocore loads logging and jmespath: their code running is not enough...
        assert!(!c["logging"].used(&set(&["logging"]), &none));
        assert!(!c["jmespath"].used(&set(&["jmespath.parser"]), &none));
        // ...project code calling into them is.
        assert!(c["logging"].used(&none, &set(&["logging"])));
        assert!(c["jmespath"].used(&none, &set(&["jmespath.parser"])));
        assert!(!c["logging"].used(&set(&["threading", "string"]), &set(&["loggingx"])));
        // An exclusive module owns its submodules, also those loaded later.
        assert!(c["pandas"].used(&set(&["pandas.io.parsers"]), &none));
        assert!(!c["boto3"].used(&set(&["jmespath", "logging"]), &none));
        assert!(c["boto3"].used(&set(&["botocore"]), &none));
        // Without a measurement only direct calls count.
        let c = exclusive_closures(&set(&["lost"]), &BTreeSet::new(), &BTreeMap::new());
        assert!(!c["lost"].used(&set(&["lost"]), &none));
        assert!(c["lost"].used(&none, &set(&["lost.core"])));
    }

    #[test]
    fn usage_comes_from_function_refs_or_closure_code_never_from_nothing() {
        let parsed = lmms_python::parse_module(
            "import requests\nimport boto3\nimport json\n\nS3 = boto3.client('s3')\n\ndef fetch(e):\n    return requests.get(e)\n\ndef handler(e, c):\n    return json.dumps(e)\n",
        );
        let mut s = Sources::default();
        crate::project::add_file(&mut s, "app.py", "app", false, &parsed);
        let closure = |root: &str, exclusive: &[&str]| Closure {
            root: root.to_string(),
            exclusive: set(exclusive),
            submodules: exclusive.contains(&root),
            direct_calls: true,
        };
        let closures = BTreeMap::from([
            ("requests".to_string(), closure("requests", &["requests"])),
            ("boto3".to_string(), closure("boto3", &["boto3", "botocore"])),
            ("json".to_string(), closure("json", &[])),
        ]);
        let ev =
            |mods: &[&str], fns: &[&str]| EventUse { modules: set(mods), functions: set(fns), ..Default::default() };
        let events = vec![
            ev(&["app"], &["app:handler", "app:fetch"]),
            ev(&["app", "botocore"], &["app:handler"]),
            ev(&["app"], &["app:handler"]),
            ev(&["app", "urllib3"], &["app:handler"]),
        ];
        let targets = |st: &Statement| vec![st.module.clone()];
        let (imports, modules) = attribute(&s, &targets, &closures, &events);
        let got: Vec<(&str, u64)> = imports.iter().map(|i| (i.module.as_str(), i.requests_using)).collect();
        assert_eq!(got, [("requests", 1), ("boto3", 1), ("json", 4)]);
        assert_eq!(imports[0].usage, 0.25);
        assert_eq!(modules[0].name, "json");
        assert_eq!(modules[0].usage, 1.0);
    }

    #[test]
    fn nested_function_refs_match_runtime_qualnames() {
        let parsed = lmms_python::parse_module(
            "import pandas\n\ndef outer():\n    def inner():\n        return pandas.DataFrame()\n    return inner\n",
        );
        let mut s = Sources::default();
        crate::project::add_file(&mut s, "app.py", "app", false, &parsed);
        let events = vec![
            EventUse { functions: set(&["app:outer"]), ..Default::default() },
            EventUse { functions: set(&["app:outer", "app:outer.<locals>.inner"]), ..Default::default() },
        ];
        let (imports, _) = attribute(&s, &|st| vec![st.module.clone()], &BTreeMap::new(), &events);
        assert_eq!(imports[0].requests_using, 1, "only the event where inner ran uses pandas");
    }

    #[test]
    fn each_name_of_a_from_import_gets_its_own_figure() {
        // One function names both modules; each request runs one of them.
        let parsed = lmms_python::parse_module(
            "from features import alexa, s3_export\n\ndef handler(e, c):\n    if e:\n        return s3_export.run(e)\n    return alexa.run(e)\n",
        );
        let mut s = Sources::default();
        crate::project::add_file(&mut s, "app.py", "app", false, &parsed);
        let closures = BTreeMap::from([
            ("features.alexa".to_string(), Closure::project("features.alexa")),
            ("features.s3_export".to_string(), Closure::project("features.s3_export")),
        ]);
        let ev = |mods: &[&str]| EventUse { modules: set(mods), functions: set(&["app:handler"]), ..Default::default() };
        let events = vec![ev(&["features.alexa"]), ev(&["features.alexa"]), ev(&["features.alexa"]), ev(&["features.s3_export"])];
        let targets = |st: &Statement| statement_targets(st, &|m: &str| closures.contains_key(m));
        let (imports, modules) = attribute(&s, &targets, &closures, &events);
        assert_eq!(imports[0].requests_using, 4, "the statement: any of its names");
        let names: Vec<(&str, &str, u64)> =
            imports[0].names.iter().map(|n| (n.name.as_str(), n.module.as_str(), n.requests_using)).collect();
        assert_eq!(names, [("alexa", "features.alexa", 3), ("s3_export", "features.s3_export", 1)]);
        assert!(imports[0].names[1].alias.ends_with("#1"), "{}", imports[0].names[1].alias);
        let m = |name: &str| modules.iter().find(|m| m.name == name).map(|m| m.usage);
        assert_eq!((m("features.alexa"), m("features.s3_export")), (Some(0.75), Some(0.25)));
    }

    #[test]
    fn a_package_and_its_submodule_do_not_cancel_each_other_out() {
        use Kind::*;
        let pkg = [("pkg", ThirdParty), ("pkg.validation", ThirdParty), ("pkg.validation.validator", ThirdParty)];
        let measured = BTreeMap::from([
            ("pkg.validation".to_string(), m(&pkg)),
            ("pkg.validation.validator".to_string(), m(&pkg)),
            ("other".to_string(), m(&[("other", ThirdParty), ("pkg", ThirdParty)])),
        ]);
        let c = exclusive_closures(&set(&["pkg.validation", "pkg.validation.validator", "other"]), &BTreeSet::new(), &measured);
        // The wrapper's code runs in the submodule on every request.
        assert!(c["pkg.validation.validator"].used(&set(&["pkg.validation.validator"]), &BTreeSet::new()));
        assert!(c["pkg.validation"].used(&set(&["pkg.validation.validator"]), &BTreeSet::new()));
        assert!(!c["pkg.validation"].exclusive.contains("pkg"), "still shared with an unrelated target");
    }

    #[test]
    fn a_module_level_value_is_read_when_a_function_referencing_it_runs() {
        let files = [
            ("config.py", "config", "import yaml\nimport requests\n\nCONFIG = yaml.safe_load('a: 1')\nSESSION = requests.Session()\n\ndef table():\n    return CONFIG['a']\n"),
            ("app.py", "app", "import config\nfrom config import SESSION as http\n\ndef handler(e, c):\n    if e:\n        return http.get(e)\n    return config.CONFIG\n"),
        ];
        let parsed: Vec<_> = files.iter().map(|(_, _, t)| lmms_python::parse_module(t)).collect();
        let project: Vec<crate::project::ProjectFile> = files
            .iter()
            .zip(&parsed)
            .map(|((rel, module, text), parsed)| crate::project::ProjectFile { rel, module, is_package: false, text, parsed })
            .collect();
        let s = crate::project::index(&project);
        let readers = |name: &str| s.values.iter().find(|v| v.name == name).unwrap().readers.clone();
        assert_eq!(readers("CONFIG"), set(&["app:handler", "config:table"]));
        assert_eq!(readers("SESSION"), set(&["app:handler"]));
        let ev = |fns: &[&str]| EventUse { functions: set(fns), ..Default::default() };
        let values = attribute_values(&s, &[ev(&["app:handler"]), ev(&["config:table"]), ev(&[])]);
        let got: Vec<(&str, &[String], u64)> =
            values.iter().map(|v| (v.name.as_str(), v.built_from.as_slice(), v.requests_using)).collect();
        assert_eq!(got, [("CONFIG", &["yaml".to_string()][..], 2), ("SESSION", &["requests".to_string()][..], 1)]);
    }
}
