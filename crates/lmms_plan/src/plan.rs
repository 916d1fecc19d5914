//! The plan document (`lmms.plan/1`) and how it is built from a profile,
//! optional usage, and the parsed project files. Pure: the caller reads the
//! files; nothing here touches the disk or spawns anything.

use std::collections::{BTreeMap, BTreeSet};

use lmms_config::Config;
use lmms_profile::doc::{Origin, ProfileDoc};
use lmms_python::{ImportRecord, ImportScope, ModuleLevelUse, ParsedModule, RefContext};
use lmms_stats::Summary;
use serde::{Deserialize, Serialize};

use crate::marginal::{prefixes, Attribution};
use crate::policy::{
    decide, fmt_ms, r3, ContainerCost, Containers, Models, PolicyContext, SeedsCost, Strategy,
};
use crate::tier::Tier;
use crate::usage::UsageDoc;

pub const PLAN_SCHEMA: &str = "lmms.plan/1";

/// DEC-03's "Expect >40% improvement".
pub const TARGET_IMPROVEMENT_PCT: f64 = 40.0;

/// One project file, already read and parsed by the caller.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Relative to the project root, `/`-separated (as shown to users).
    pub path: String,
    /// Dotted module name under its source root.
    pub module: String,
    /// `__init__.py`: relative imports resolve against the module itself.
    pub is_package: bool,
    pub source: String,
    pub parsed: ParsedModule,
}

/// Where the statement sits today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Runs while the module is imported (top level, class body, conditional).
    ModuleLevel,
    FunctionLevel,
}

/// A module-level use that keeps an import on INIT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocker {
    /// `class-base`, `decorator`, `default-argument`, `call`, `value`
    /// (dispatch tables), `dunder-all`, `global-rebind`, `annotation`,
    /// `module-level-call` (clients built at import), `other`.
    pub kind: String,
    pub line: u32,
    pub column: u32,
    /// The source line, trimmed.
    pub code: String,
    /// Measured cost that stays on INIT while this use remains.
    pub cost_ms: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedImport {
    /// The statement's import id (`path:start-end`), what `lmms fix` acts on.
    pub id: String,
    pub path: String,
    pub line: u32,
    pub module: String,
    /// Marginal milliseconds; `null` when the module was never loaded during
    /// INIT and so never measured.
    pub import_ms: Option<f64>,
    pub usage: Option<f64>,
    pub tier: Option<Tier>,
    pub strategy: Strategy,
    pub reason: String,
    pub blocked_by: Vec<Blocker>,
    pub current: Placement,
    pub origin: Option<Origin>,
    /// The eager module whose import already loads this one.
    pub loaded_by: Option<String>,
    pub models: Option<Models>,
    pub disagreement: Option<String>,
    /// A use that no lazy rewrite can remove (class base, decorator,
    /// default argument) keeps this statement eager while its file loads.
    pub pinned: bool,
    #[serde(skip)]
    pub bound: Vec<String>,
    #[serde(skip)]
    keys: Vec<String>,
    #[serde(skip)]
    file_module: String,
}

impl PlannedImport {
    /// Changing placement is what the plan asks for.
    pub fn moves(&self) -> bool {
        !matches!(
            (self.current, self.strategy),
            (Placement::ModuleLevel, Strategy::ModuleLevel)
                | (Placement::FunctionLevel, Strategy::FunctionLevel)
        )
    }
}

/// `--simulate`'s measurements, taken interleaved in fresh processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    pub runs: u32,
    /// INIT of the entry as it is today, measured the same way.
    pub current_init_ms: Summary,
    /// INIT of the eager set alone, plus the hot project modules' own time.
    pub predicted_init_ms: Summary,
    /// The hot project modules' own code, from the profile (added above).
    pub project_own_ms: f64,
    pub improvement_pct: Option<f64>,
    pub target_pct: f64,
    pub meets_target: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub schema: String,
    pub policy: String,
    pub entry: String,
    pub snapstart: bool,
    /// `measured` with a usage document, else `unknown`.
    pub usage: String,
    pub containers: Containers,
    pub profiled_at: String,
    pub imports: Vec<PlannedImport>,
    /// Modules that stay eager at INIT under this plan.
    pub hot_set: Vec<String>,
    pub current_init_ms: Summary,
    /// Measured by `--simulate`; `null` otherwise.
    pub predicted_init_ms: Option<Summary>,
    /// Profile-tree estimate: current median minus what the deferred
    /// modules cost. A model, not a measurement.
    pub estimated_init_ms: f64,
    /// Project modules whose own time is dominated by module-level calls the
    /// plan moves out of INIT (left out of both estimates).
    pub own_time_excluded: Vec<String>,
    pub simulation: Option<Simulation>,
    pub notes: Vec<String>,
}

impl PlanDoc {
    /// Read `.lmms/plan.json` back (for `lmms fast-path generate`).
    pub fn from_json(text: &str) -> Result<PlanDoc, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plan serialises")
    }

    /// Eager modules that are not project code: what `--simulate` imports.
    pub fn eager_libraries(&self) -> Vec<String> {
        let project: BTreeSet<&str> = self
            .imports
            .iter()
            .filter(|i| i.origin == Some(Origin::Project))
            .map(|i| i.module.as_str())
            .collect();
        self.hot_set
            .iter()
            .filter(|m| !project.contains(m.as_str()))
            .cloned()
            .collect()
    }
}

pub use lmms_python::resolve_relative;

fn placement(scope: &ImportScope) -> Option<Placement> {
    match scope {
        ImportScope::TypeChecking => None,
        ImportScope::Function { .. } => Some(Placement::FunctionLevel),
        _ => Some(Placement::ModuleLevel),
    }
}

/// `(line, column)`, both 1-based, of a byte offset.
fn line_col(source: &str, offset: u32) -> (u32, u32) {
    let offset = (offset as usize).min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let col_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[col_start..].chars().count() as u32 + 1)
}

fn line_text(source: &str, line: u32) -> String {
    let text = source
        .lines()
        .nth(line.saturating_sub(1) as usize)
        .unwrap_or("")
        .trim();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text.to_string()
    }
}

struct RawRow {
    id: String,
    module: String,
    bound: Vec<String>,
    keys: Vec<String>,
    line: u32,
    current: Placement,
}

fn rows_of(file: &SourceFile, rec: &ImportRecord, known: &dyn Fn(&str) -> bool) -> Vec<RawRow> {
    let Some(current) = placement(&rec.scope) else {
        return Vec::new();
    };
    let Some(base) = lmms_graph::statement_base(Some(&file.module), file.is_package, rec) else {
        return Vec::new();
    };
    if base == "__future__" {
        return Vec::new();
    }
    let mut rows: Vec<RawRow> = Vec::new();
    let mut push = |module: String, bound: Option<&str>| {
        if let Some(r) = rows.iter_mut().find(|r| r.module == module) {
            r.bound.extend(bound.map(str::to_string));
        } else {
            rows.push(RawRow {
                id: rec.id(&file.path).to_string(),
                keys: prefixes(&module),
                module,
                bound: bound.map(str::to_string).into_iter().collect(),
                line: rec.line,
                current,
            });
        }
    };
    // The graph's resolution, shared with every other stage.
    if rec.is_star || rec.names.is_empty() {
        push(base, None);
    } else {
        for n in &rec.names {
            push(lmms_graph::alias_module(&base, n, known), Some(&n.bound));
        }
    }
    rows
}

/// Uses a lazy rewrite cannot remove: the statement has to run when its
/// module loads. Calls, dispatch-table values and annotations can be made
/// lazy (a getter, a lazy table, `from __future__ import annotations`).
pub const HARD_BLOCKERS: &[&str] = &["class-base", "decorator", "default-argument"];

fn use_kind(what: ModuleLevelUse) -> (&'static str, &'static str) {
    match what {
        ModuleLevelUse::ClassBase => ("class-base", "a class base is evaluated when the class statement runs"),
        ModuleLevelUse::Decorator => ("decorator", "a decorator runs when the function is defined"),
        ModuleLevelUse::DefaultArgument => ("default-argument", "default arguments are evaluated at definition time"),
        ModuleLevelUse::Call => ("call", "called at import time"),
        ModuleLevelUse::Value => {
            ("value", "stored in a module-level value such as a dispatch table: moving the import needs an unsafe rewrite")
        }
        ModuleLevelUse::DunderAll => ("dunder-all", "re-exported through __all__"),
        ModuleLevelUse::GlobalRebind => ("global-rebind", "rebound with `global` inside a function"),
        ModuleLevelUse::Other => ("other", "used at module level"),
    }
}

fn blockers(
    file: &SourceFile,
    bound: &[String],
    cost_ms: Option<f64>,
    module: &str,
) -> Vec<Blocker> {
    let mut out = Vec::new();
    let cost = cost_ms.map_or_else(|| "unmeasured".to_string(), fmt_ms);
    for call in &file.parsed.module_calls {
        if !bound.contains(&call.root) {
            continue;
        }
        let (line, column) = line_col(&file.source, call.range.start);
        let target = if call.targets.is_empty() {
            String::new()
        } else {
            format!("{} = ", call.targets.join(", "))
        };
        out.push(Blocker {
            kind: "module-level-call".into(),
            line,
            column,
            code: line_text(&file.source, line),
            cost_ms,
            message: format!(
                "`{target}{}(...)` runs at import: {module} ({cost}) stays on INIT until it is created lazily",
                call.callee
            ),
        });
    }
    let inside_call = |start: u32| {
        file.parsed
            .module_calls
            .iter()
            .any(|c| c.range.start <= start && start < c.range.end && bound.contains(&c.root))
    };
    for r in &file.parsed.refs {
        if !bound.contains(&r.bound) {
            continue;
        }
        let (kind, why) = match &r.context {
            RefContext::ModuleLevel { what } => use_kind(*what),
            RefContext::Annotation { evaluated_at_import: true } => {
                ("annotation", "an annotation evaluated at definition time (no `from __future__ import annotations`)")
            }
            _ => continue,
        };
        if kind == "call" && inside_call(r.range.start) {
            continue;
        }
        let (line, column) = line_col(&file.source, r.range.start);
        out.push(Blocker {
            kind: kind.into(),
            line,
            column,
            code: line_text(&file.source, line),
            cost_ms,
            message: format!("`{}`: {why}; {module} ({cost}) stays on INIT", r.bound),
        });
    }
    out.sort_by_key(|b| (b.line, b.column));
    // Two references on one line (`{"a": pd.x, "b": pd.y}`) are one blocker.
    out.dedup_by(|b, a| a.line == b.line && a.kind == b.kind);
    out
}

/// Build the plan. `files` are the project's parsed sources; only files the
/// profile saw loaded during INIT (and the entry) contribute imports, since
/// the others cost nothing at cold start.
pub fn build_plan(
    profile: &ProfileDoc,
    usage: Option<&UsageDoc>,
    files: &[SourceFile],
    config: &Config,
) -> PlanDoc {
    build_plan_measured(profile, usage, files, config, &[])
}

/// [`build_plan`], refined by a profile of the planned eager set imported
/// alone (`lmms plan --simulate` measures it). The entry's profile charges a
/// shared dependency to whichever module loaded it first — `ssl` to boto3,
/// not to websocket — so once boto3 is deferred, websocket's true cost only
/// shows when the eager set is measured without it. With `hot`:
/// - a library measured there costs what that profile attributes to it (the
///   latest of `hot` that has it: rounds of `--simulate` each add one, so a
///   library deferred after being measured keeps its measured cost);
/// - any other library costs its modules from the entry's profile minus
///   those the latest eager set loads anyway.
pub fn build_plan_measured(
    profile: &ProfileDoc,
    usage: Option<&UsageDoc>,
    files: &[SourceFile],
    config: &Config,
    hot: &[ProfileDoc],
) -> PlanDoc {
    let cx = PolicyContext::new(config, usage.and_then(|u| u.cold_start_ratio));
    let entry_module = profile.entry_module().to_string();
    let project_modules: BTreeSet<&str> = files.iter().map(|f| f.module.as_str()).collect();
    let known = |m: &str| profile.module(m).is_some() || project_modules.contains(m);
    let mut notes = Vec::new();

    // Rows, in file order.
    let mut rows: Vec<PlannedImport> = Vec::new();
    let mut skipped_files = 0;
    let mut sorted: Vec<&SourceFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        if file.module != entry_module && profile.module(&file.module).is_none() {
            skipped_files += 1;
            continue;
        }
        for rec in &file.parsed.imports {
            for raw in rows_of(file, rec, &known) {
                // A module whose file we parsed is project code, whatever
                // the profile guessed from its path.
                let origin = if project_modules.contains(raw.module.as_str()) {
                    Some(Origin::Project)
                } else {
                    profile.module(&raw.module).map(|m| m.origin)
                };
                rows.push(PlannedImport {
                    id: raw.id,
                    path: file.path.clone(),
                    line: raw.line,
                    module: raw.module,
                    import_ms: None,
                    usage: None,
                    tier: None,
                    strategy: match raw.current {
                        Placement::ModuleLevel => Strategy::ModuleLevel,
                        Placement::FunctionLevel => Strategy::FunctionLevel,
                    },
                    reason: String::new(),
                    blocked_by: Vec::new(),
                    current: raw.current,
                    origin,
                    loaded_by: None,
                    models: None,
                    disagreement: None,
                    pinned: false,
                    bound: raw.bound,
                    keys: raw.keys,
                    file_module: file.module.clone(),
                });
            }
        }
    }
    if skipped_files > 0 {
        notes.push(format!(
            "{skipped_files} project file(s) were not loaded during INIT and are not planned (they cost nothing at cold start)"
        ));
    }
    if usage.is_none() {
        notes.push(
            "no .lmms/usage.json: usage is unknown, so no hot-path exception can be granted; run `lmms usage --events …`"
                .into(),
        );
    }
    let file_of: BTreeMap<&str, &SourceFile> = files.iter().map(|f| (f.path.as_str(), f)).collect();
    for r in rows.iter_mut() {
        r.usage = usage.and_then(|u| u.lookup(&r.path, r.line, &r.module));
        if r.current == Placement::ModuleLevel {
            if let Some(f) = file_of.get(r.path.as_str()) {
                r.pinned = blockers(f, &r.bound, None, &r.module)
                    .iter()
                    .any(|b| HARD_BLOCKERS.contains(&b.kind.as_str()));
            }
        }
    }

    let keys: BTreeSet<String> = rows.iter().flat_map(|r| r.keys.iter().cloned()).collect();
    let attribution = Attribution::new(profile, &keys);
    let hot_attrs: Vec<Attribution<'_>> = hot.iter().map(|h| Attribution::new(h, &keys)).collect();
    let hot_loaded: BTreeSet<&str> = hot
        .last()
        .map(|h| h.modules.iter().map(|m| m.name.as_str()).collect())
        .unwrap_or_default();

    // Iterate: marginal costs depend on the eager set, which depends on the
    // decisions. A cheaper import joins the eager set, which makes others
    // cheaper still, so this settles in a few rounds; the cap guards against
    // a flip-flop between two decisions that each undo the other.
    let mut previous: Option<Vec<(Strategy, Option<u64>)>> = None;
    for _ in 0..12 {
        let eager = eager_rows(&rows, &entry_module, &project_modules);
        // key → module of an eager statement holding it.
        let mut loaders: BTreeMap<String, String> = BTreeMap::new();
        for &i in &eager {
            // A project module loads only what its own statements keep eager,
            // and those statements are rows of their own.
            for k in rows[i]
                .keys
                .iter()
                .filter(|k| !project_modules.contains(k.as_str()))
            {
                loaders
                    .entry(k.clone())
                    .or_insert_with(|| rows[i].module.clone());
            }
        }
        // What a project module drags in through statements it cannot defer.
        let mut pinned_ms: BTreeMap<String, f64> = BTreeMap::new();
        for r in rows
            .iter()
            .filter(|r| r.pinned && r.strategy == Strategy::FunctionLevel)
        {
            *pinned_ms.entry(r.file_module.clone()).or_default() += r.import_ms.unwrap_or(0.0);
        }
        for r in rows.iter_mut() {
            let library = r.origin != Some(Origin::Project);
            let measured = hot_attrs.iter().rev().find(|a| a.is_profiled(&r.module));
            if let (Some(ha), true) = (measured, library) {
                // Measured with the eager set alone: its cost on top of the
                // rest of that set, whether it stays there or not.
                let ms: f64 = r
                    .keys
                    .iter()
                    .filter(|k| {
                        ha.chain(k).is_none_or(|chain| {
                            !chain
                                .iter()
                                .any(|n| loaders.get(*n).is_some_and(|m| *m != r.module))
                        })
                    })
                    .map(|k| ha.excl.get(k).copied().unwrap_or(0.0))
                    .sum();
                let noise: f64 = r
                    .keys
                    .iter()
                    .map(|k| ha.excl_mad.get(k).copied().unwrap_or(0.0))
                    .sum();
                r.import_ms = Some(ms);
                r.loaded_by = None;
                apply(r, ms, &cx);
                r.reason = format!("{} (measured with the eager set alone)", r.reason);
                borderline(r, ms, noise, &cx);
                continue;
            }
            let profiled = attribution.is_profiled(&r.module);
            if !profiled {
                let (ms, reason) = match r.current {
                    Placement::ModuleLevel => (
                        Some(0.0),
                        "not in the profile although imported at INIT: already loaded when the interpreter started".to_string(),
                    ),
                    Placement::FunctionLevel => {
                        (None, "never loaded during INIT, so never measured: kept where it is".to_string())
                    }
                };
                r.import_ms = ms;
                match ms {
                    Some(ms) => {
                        apply(r, ms, &cx);
                        r.reason = format!("{} ({reason})", r.reason);
                    }
                    None => {
                        r.reason = reason;
                        r.tier = None;
                        r.models = None;
                        r.disagreement = None;
                    }
                }
                continue;
            }
            let mut ms = 0.0;
            let mut noise = 0.0;
            let mut loaded_by = None;
            for k in &r.keys {
                let by = attribution.chain(k).and_then(|chain| {
                    chain
                        .iter()
                        .find_map(|n| loaders.get(*n).filter(|m| **m != r.module))
                        .cloned()
                });
                match by {
                    Some(m) => {
                        if k == &r.module {
                            loaded_by = Some(m);
                        }
                    }
                    None if !hot.is_empty() && library => {
                        // Only what the eager set does not load anyway.
                        ms += attribution
                            .members
                            .get(k)
                            .map(|ms| {
                                ms.iter()
                                    .filter(|(n, _)| !hot_loaded.contains(n))
                                    .map(|(_, t)| t)
                                    .sum::<f64>()
                            })
                            .unwrap_or(0.0);
                        noise += attribution.excl_mad.get(k).copied().unwrap_or(0.0);
                    }
                    None => {
                        ms += attribution.excl.get(k).copied().unwrap_or(0.0);
                        noise += attribution.excl_mad.get(k).copied().unwrap_or(0.0);
                    }
                }
            }
            if loaded_by.is_none() && r.origin == Some(Origin::Project) {
                ms += pinned_ms.get(&r.module).copied().unwrap_or(0.0);
            }
            r.import_ms = Some(ms);
            r.loaded_by = loaded_by.clone();
            apply(r, ms, &cx);
            if let Some(by) = loaded_by {
                r.reason = format!("{} (already loaded by {by}, which stays eager)", r.reason);
            } else if let Some(p) = pinned_ms
                .get(&r.module)
                .filter(|p| **p > 0.0 && r.origin == Some(Origin::Project))
            {
                r.reason = format!(
                    "{} (includes {} of imports {} cannot defer)",
                    r.reason,
                    fmt_ms(*p),
                    r.module
                );
            }
            borderline(r, ms, noise, &cx);
        }
        let now: Vec<(Strategy, Option<u64>)> = rows
            .iter()
            .map(|r| (r.strategy, r.import_ms.map(|m| (m * 1000.0).round() as u64)))
            .collect();
        if previous.as_ref() == Some(&now) {
            break;
        }
        previous = Some(now);
    }

    for r in rows.iter_mut() {
        if r.current == Placement::ModuleLevel && r.strategy == Strategy::FunctionLevel {
            if let Some(f) = file_of.get(r.path.as_str()) {
                r.blocked_by = blockers(f, &r.bound, r.import_ms, &r.module);
            }
        }
    }

    // Rounded only now, so no decision above saw a rounded number.
    for r in rows.iter_mut() {
        r.import_ms = r.import_ms.map(r3);
        for b in r.blocked_by.iter_mut() {
            b.cost_ms = b.cost_ms.map(r3);
        }
        if let Some(m) = r.models.as_mut() {
            m.seeds_formula = m.seeds_formula.map(SeedsCost::rounded);
            m.container = m.container.map(ContainerCost::rounded);
        }
    }

    let eager = eager_rows(&rows, &entry_module, &project_modules);
    let hot_set: BTreeSet<String> = eager.iter().map(|&i| rows[i].module.clone()).collect();
    let hot_keys: BTreeSet<String> = eager
        .iter()
        .flat_map(|&i| rows[i].keys.iter().cloned())
        .collect();
    let covering: BTreeSet<String> = hot_keys
        .iter()
        .filter(|k| !project_modules.contains(k.as_str()))
        .cloned()
        .collect();
    let dropped = attribution.dropped_ms(&keys, &hot_keys, &covering);
    // A module-level call on a deferred import (`S3 = boto3.client(...)`)
    // runs inside its module's own (self) time; the plan moves it out of
    // INIT, and the profile cannot say how much of that self time it was.
    let mut own_time_excluded: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.strategy == Strategy::FunctionLevel
                && r.blocked_by.iter().any(|b| b.kind == "module-level-call")
        })
        .map(|r| r.file_module.clone())
        .collect();
    own_time_excluded.sort();
    own_time_excluded.dedup();
    let excluded_ms: f64 = own_time_excluded
        .iter()
        .filter_map(|m| profile.module(m))
        .map(|m| m.self_ms.median)
        .sum();
    if !own_time_excluded.is_empty() {
        notes.push(format!(
            "the own time of {} ({}) is left out of the estimates: it is dominated by module-level calls the plan moves out of INIT",
            own_time_excluded.join(", "),
            fmt_ms(excluded_ms)
        ));
    }
    let estimated_init_ms = r3((profile.init_ms.median - dropped - excluded_ms).max(0.0));
    let soft = rows
        .iter()
        .filter(|r| !r.blocked_by.is_empty() && !r.pinned)
        .count();
    let pinned = rows
        .iter()
        .filter(|r| r.pinned && r.strategy == Strategy::FunctionLevel)
        .count();
    if soft > 0 {
        notes.push(format!(
            "{soft} deferred import(s) have module-level uses that can be made lazy (calls, dispatch tables, annotations); the hot set and predictions assume they are"
        ));
    }
    if pinned > 0 {
        notes.push(format!(
            "{pinned} import(s) are pinned by a class base, decorator or default argument: they load whenever their module does, so the plan defers the module instead"
        ));
    }
    if config.policy == lmms_config::Policy::Cost && !cx.snapstart {
        notes.push(
            "cost policy: the seeds' DEC-02 formula reduces to `usage > cold-start ratio` (import time cancels out, and its 0.5 ms lazy-load overhead is computed but never used); it also charges a lazy import on every request that uses it, while CPython pays once per container — the container model is shown wherever it disagrees".into(),
        );
    }
    if cx.containers.source == crate::policy::ContainerSource::Assumed {
        notes.push(format!(
            "requests per container: {}",
            cx.containers.source.describe()
        ));
    }

    PlanDoc {
        schema: PLAN_SCHEMA.into(),
        policy: config.policy.as_str().into(),
        entry: profile.entry.clone(),
        snapstart: cx.snapstart,
        usage: if usage.is_some() {
            "measured"
        } else {
            "unknown"
        }
        .into(),
        containers: cx.containers,
        profiled_at: profile.profiled_at.clone(),
        imports: rows,
        hot_set: hot_set.into_iter().collect(),
        current_init_ms: profile.init_ms,
        predicted_init_ms: None,
        estimated_init_ms,
        own_time_excluded,
        simulation: None,
        notes,
    }
}

/// Say so when a threshold lies within the measurement's own noise (the
/// summed MAD of the modules it adds up): another profile may well decide
/// the other way, and the reader should know.
fn borderline(r: &mut PlannedImport, ms: f64, noise: f64, cx: &PolicyContext) {
    let t = &cx.thresholds;
    for threshold in [t.module_level_ms, t.function_level_ms] {
        if noise > 0.0 && (ms - threshold).abs() <= noise {
            r.reason = format!(
                "{} — borderline: within the measurement noise (± {}) of the {} threshold",
                r.reason,
                fmt_ms(noise),
                fmt_ms(threshold)
            );
            return;
        }
    }
}

fn apply(r: &mut PlannedImport, ms: f64, cx: &PolicyContext) {
    let v = decide(ms, r.usage, cx);
    r.tier = v.tier;
    r.strategy = v.strategy;
    r.reason = v.reason;
    r.models = Some(v.models);
    r.disagreement = v.disagreement;
}

/// Indices of statements that run at INIT under the plan: module-level
/// statements in files reachable from the entry through such statements.
fn eager_rows(rows: &[PlannedImport], entry: &str, project: &BTreeSet<&str>) -> Vec<usize> {
    let eager = |r: &PlannedImport| r.strategy == Strategy::ModuleLevel || r.pinned;
    let mut reached: BTreeSet<String> = [entry.to_string()].into();
    loop {
        let mut grew = false;
        for r in rows {
            if eager(r) && reached.contains(&r.file_module) {
                for k in &r.keys {
                    if project.contains(k.as_str()) && reached.insert(k.clone()) {
                        grew = true;
                    }
                }
            }
        }
        if !grew {
            break;
        }
    }
    rows.iter()
        .enumerate()
        .filter(|(_, r)| eager(r) && reached.contains(&r.file_module))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(
            resolve_relative("pkg.sub.mod", false, 1, "x").as_deref(),
            Some("pkg.sub.x")
        );
        assert_eq!(
            resolve_relative("pkg.sub.mod", false, 2, "").as_deref(),
            Some("pkg")
        );
        assert_eq!(
            resolve_relative("pkg", true, 1, "models").as_deref(),
            Some("pkg.models")
        );
        assert_eq!(resolve_relative("mod", false, 2, "x"), None);
    }

    use crate::marginal::tests::profile;

    fn file(path: &str, module: &str, source: &str) -> SourceFile {
        SourceFile {
            path: path.into(),
            module: module.into(),
            is_package: false,
            source: source.into(),
            parsed: lmms_python::parse_module(source),
        }
    }

    fn usage(rows: &[(&str, u32, &str, f64)]) -> UsageDoc {
        UsageDoc {
            schema: crate::usage::USAGE_SCHEMA.into(),
            requests: Some(100),
            imports: rows
                .iter()
                .map(|(p, l, m, u)| crate::usage::ImportUsage {
                    path: p.to_string(),
                    line: *l,
                    module: m.to_string(),
                    usage: *u,
                    requests_using: None,
                })
                .collect(),
            modules: vec![],
            cold_start_ratio: None,
        }
    }

    const APP: &str = "import json\nimport boto3\nimport websocket\n\ndef handler(e, c):\n    return json.dumps(e)\n";

    fn app_profile() -> ProfileDoc {
        // boto3 loads ssl first, so the entry's tree charges ssl to boto3
        // and websocket looks nearly free.
        profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("json", 2.0, &["app", "json"]),
                ("boto3", 150.0, &["app", "boto3"]),
                ("ssl", 40.0, &["app", "boto3", "ssl"]),
                ("websocket", 5.0, &["app", "websocket"]),
            ],
        )
    }

    #[test]
    fn shared_dependency_hides_in_the_first_loader_without_measurement() {
        let u = usage(&[
            ("app.py", 1, "json", 1.0),
            ("app.py", 2, "boto3", 0.05),
            ("app.py", 3, "websocket", 0.04),
        ]);
        let plan = build_plan(
            &app_profile(),
            Some(&u),
            &[file("app.py", "app", APP)],
            &Config::default(),
        );
        let ws = plan
            .imports
            .iter()
            .find(|i| i.module == "websocket")
            .unwrap();
        assert_eq!(ws.import_ms, Some(5.0));
        assert_eq!(ws.strategy, Strategy::ModuleLevel);
        assert_eq!(plan.hot_set, vec!["json", "websocket"]);
        assert!((plan.estimated_init_ms - (plan.current_init_ms.median - 190.0)).abs() < 1e-9);
    }

    #[test]
    fn measuring_the_eager_set_alone_reveals_the_shared_dependency() {
        let u = usage(&[
            ("app.py", 1, "json", 1.0),
            ("app.py", 2, "boto3", 0.05),
            ("app.py", 3, "websocket", 0.04),
        ]);
        // The eager set (json, websocket) imported alone: ssl now lands under websocket.
        let hot = profile(
            "lmms_hot_set",
            &[
                ("lmms_hot_set", 0.1, &["lmms_hot_set"]),
                ("json", 2.0, &["lmms_hot_set", "json"]),
                ("websocket", 5.0, &["lmms_hot_set", "websocket"]),
                ("ssl", 40.0, &["lmms_hot_set", "websocket", "ssl"]),
            ],
        );
        let files = [file("app.py", "app", APP)];
        let plan =
            build_plan_measured(&app_profile(), Some(&u), &files, &Config::default(), &[hot]);
        let ws = plan
            .imports
            .iter()
            .find(|i| i.module == "websocket")
            .unwrap();
        assert_eq!(ws.import_ms, Some(45.0));
        assert_eq!(ws.strategy, Strategy::FunctionLevel);
        assert!(ws.reason.contains("measured with the eager set alone"));
        assert_eq!(plan.hot_set, vec!["json"]);
    }

    #[test]
    fn class_base_pins_the_import_and_charges_it_to_the_importing_module() {
        let models = "from pydantic import BaseModel\n\nclass Record(BaseModel):\n    key: str\n";
        let entry = "from models import Record\n\ndef handler(e, c):\n    return Record(key='k')\n";
        let p = profile(
            "app",
            &[
                ("app", 1.0, &["app"]),
                ("models", 1.0, &["app", "models"]),
                ("pydantic", 90.0, &["app", "models", "pydantic"]),
            ],
        );
        let u = usage(&[
            ("app.py", 1, "models", 0.07),
            ("models.py", 1, "pydantic", 0.07),
        ]);
        let files = [
            file("app.py", "app", entry),
            file("models.py", "models", models),
        ];
        let plan = build_plan(&p, Some(&u), &files, &Config::default());
        let pyd = plan
            .imports
            .iter()
            .find(|i| i.module == "pydantic")
            .unwrap();
        assert!(pyd.pinned);
        assert_eq!(pyd.blocked_by[0].kind, "class-base");
        let m = plan.imports.iter().find(|i| i.module == "models").unwrap();
        assert_eq!(m.import_ms, Some(91.0));
        assert_eq!(m.strategy, Strategy::FunctionLevel);
        assert!(plan.hot_set.is_empty(), "{:?}", plan.hot_set);
    }

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}
