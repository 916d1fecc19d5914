//! The plan artifact, `.lmms/plan.json` (`lmms.plan/1`), and the enums its
//! rows are made of: [`Tier`], [`Strategy`], [`Placement`], [`BlockerKind`],
//! the models' figures ([`Models`], [`SeedsCost`], [`ContainerCost`]) and
//! [`Prediction`]. `lmms_plan` decides them; `lmms fix`, `lmms fast-path`,
//! `lmms check` and `lmms report` read them through these types.
//!
//! Field names are a public contract: add fields; never rename or remove one.

use std::collections::BTreeSet;

use lmms_stats::Summary;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Document, FieldError, Origin};

pub const PLAN_SCHEMA: &str = "lmms.plan/1";

/// Where the statement sits today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Runs while the module is imported (top level, class body, conditional).
    ModuleLevel,
    FunctionLevel,
}

/// What kind of module-level use keeps an import on INIT; serialized as
/// its kebab-case name (`class-base`, `module-level-call`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BlockerKind {
    /// A class base: evaluated when the class statement runs.
    ClassBase,
    Decorator,
    DefaultArgument,
    /// Called at import time.
    Call,
    /// Stored in a module-level value (a dispatch table).
    Value,
    DunderAll,
    GlobalRebind,
    /// An annotation evaluated at definition time.
    Annotation,
    /// A client built at import (`S3 = boto3.client("s3")`).
    ModuleLevelCall,
    Other,
}

impl BlockerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockerKind::ClassBase => "class-base",
            BlockerKind::Decorator => "decorator",
            BlockerKind::DefaultArgument => "default-argument",
            BlockerKind::Call => "call",
            BlockerKind::Value => "value",
            BlockerKind::DunderAll => "dunder-all",
            BlockerKind::GlobalRebind => "global-rebind",
            BlockerKind::Annotation => "annotation",
            BlockerKind::ModuleLevelCall => "module-level-call",
            BlockerKind::Other => "other",
        }
    }

    /// A use no lazy rewrite can remove (see [`HARD_BLOCKERS`]).
    pub fn is_hard(self) -> bool {
        HARD_BLOCKERS.contains(&self)
    }
}

impl std::fmt::Display for BlockerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A module-level use that keeps an import on INIT.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Blocker {
    pub kind: BlockerKind,
    pub line: u32,
    pub column: u32,
    /// The source line, trimmed.
    pub code: String,
    /// Measured cost that stays on INIT while this use remains.
    pub cost_ms: Option<f64>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlannedImport {
    /// The statement's import id (`path:start-end`), what `lmms fix` acts on.
    /// Empty in a plan written before ids existed: fix refuses such rows.
    #[serde(default)]
    pub id: String,
    /// Once `lmms fix` moved the statement: the ids of the import statements
    /// it wrote into functions for it (the row's `id` is then gone), so
    /// `lmms check` reads this row for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub written: Vec<String>,
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
    /// A use that the fix (with the plan's options) leaves in place keeps
    /// this statement eager while its file loads: a class base, decorator or
    /// default argument always; a value built at import or a dispatch entry
    /// unless `unsafe_fixes`; a plain call or `__all__` entry. `false` in a
    /// plan written before the field existed.
    #[serde(default)]
    pub pinned: bool,
    /// The module-level value built from this import that requests read
    /// most (`CONFIG = yaml.safe_load(...)`), from the usage document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<ValueRead>,
    /// The planner's working state, never written: the names the statement
    /// binds, the profile keys it owns, and its file's module.
    #[serde(skip)]
    pub bound: Vec<String>,
    #[serde(skip)]
    #[doc(hidden)]
    pub keys: Vec<String>,
    #[serde(skip)]
    #[doc(hidden)]
    pub file_module: String,
    /// Why the statement stays on INIT whatever is decided: a module-level
    /// use the chosen fix options do not rewrite (planner state, never written).
    #[serde(skip)]
    #[doc(hidden)]
    pub held: Option<String>,
}

/// A module-level value built from an import, and how often it is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValueRead {
    /// The name bound (`CONFIG`).
    pub name: String,
    pub line: u32,
    /// Fraction of requests that run code reading it.
    pub usage: f64,
}

impl PlannedImport {
    /// The plan asks for this statement to move into functions.
    pub fn defers(&self) -> bool {
        self.strategy == Strategy::FunctionLevel && self.current != Placement::FunctionLevel
    }

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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Simulation {
    pub runs: u32,
    /// INIT of the entry as it is today, measured the same way.
    pub current_init_ms: Summary,
    /// INIT of the tree `lmms fix` writes for this plan, measured the same way.
    pub predicted_init_ms: Summary,
    /// Kept for readers of older plans, which measured the eager libraries
    /// alone and added the project modules' own time: 0 now, as the
    /// simulation runs the project's own rewritten code.
    pub project_own_ms: f64,
    pub improvement_pct: Option<f64>,
    pub target_pct: f64,
    pub meets_target: bool,
    /// `lmms fix`'s verification of the rewrite in the shadow copy (the
    /// same checks `lmms fix` runs with the same flags); `null` with
    /// `--no-verify` and in plans written before it was recorded.
    #[serde(default)]
    pub verification: Option<SimulatedVerification>,
}

/// What `lmms fix`'s verification did in `--simulate`'s shadow copy: the
/// predicted INIT is that of the tree without the dropped rewrites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SimulatedVerification {
    pub checks: Vec<VerifiedCheck>,
    pub dropped: Vec<DroppedRewrite>,
}

/// One check of the verification, as `lmms fix` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VerifiedCheck {
    /// `import`, `events` or `tests`.
    pub name: String,
    /// `passed`, `failed` (then some rewrites were dropped) or `skipped`.
    pub status: String,
    /// Why it was skipped or failed; empty when it passed.
    #[serde(default)]
    pub detail: String,
}

/// A file whose rewrite the verification dropped, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DroppedRewrite {
    pub path: String,
    /// The check the rewrite broke.
    pub check: String,
    /// The first line of the error, or the tests whose outcome changed.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanDoc {
    #[schemars(extend("const" = PLAN_SCHEMA))]
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
    /// The profiled modules the fast estimate expects no longer to load at
    /// INIT after `lmms fix` (the closure of the code after the fix); the
    /// estimate is today's INIT minus their median self time.
    #[serde(default)]
    pub off_init: Vec<String>,
    pub simulation: Option<Simulation>,
    /// Planned with the rewrites `lmms fix --unsafe-fixes` makes (module-level
    /// values into cached getters, dispatch entries into wrappers); without
    /// them such values keep their imports on INIT.
    #[serde(default)]
    pub unsafe_fixes: bool,
    /// Today's and the planned INIT from one series, named. The figure to
    /// quote: `current_init_ms` is the profile's and `predicted_init_ms`
    /// `--simulate`'s, which do not compare with each other.
    #[serde(default)]
    pub prediction: Option<Prediction>,
    pub notes: Vec<String>,
}

/// Where an INIT figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Series {
    /// `lmms profile`'s runs: the measured INIT median, and after the plan
    /// the profile-tree estimate (a model, not a measurement).
    Profile,
    /// `lmms plan --simulate`: interleaved fresh starts of today's entry and
    /// of the planned eager set.
    Simulate,
}

impl Series {
    /// How a sentence names the series.
    pub fn describe(self) -> &'static str {
        match self {
            Series::Profile => "the profile's INIT and its profile-tree estimate",
            Series::Simulate => "`lmms plan --simulate`'s interleaved fresh starts",
        }
    }
}

/// Today's INIT and the planned INIT, both from `series`, so they compare.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Prediction {
    pub series: Series,
    pub current_init_ms: f64,
    pub predicted_init_ms: f64,
    /// Positive when the plan is faster.
    pub improvement_pct: Option<f64>,
}

impl Prediction {
    /// `884 ms → 64.7 ms (92.7% faster; from the profile's INIT and its
    /// profile-tree estimate)`: one series, and a slower plan says so.
    pub fn describe(&self) -> String {
        let change = match self.improvement_pct {
            Some(p) if p >= 0.0 => format!("{p:.1}% faster; "),
            Some(p) => format!("{:.1}% slower; ", -p),
            None => String::new(),
        };
        format!(
            "{} → {} ({change}from {})",
            fmt_ms(self.current_init_ms),
            fmt_ms(self.predicted_init_ms),
            self.series.describe()
        )
    }
}

impl PlanDoc {
    /// Parse and check a `plan.json` (see [`Document::check`]).
    pub fn from_json(text: &str) -> Result<PlanDoc, crate::ParseError> {
        crate::parse(text)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("plan serialises")
    }

    /// Today's and the planned INIT from the best series the plan has:
    /// `--simulate`'s when it ran, else the profile's.
    pub fn init_prediction(&self) -> Prediction {
        let (series, current, predicted) = match &self.simulation {
            Some(s) => (Series::Simulate, s.current_init_ms.median, s.predicted_init_ms.median),
            None => (Series::Profile, self.current_init_ms.median, self.estimated_init_ms),
        };
        let improvement_pct =
            lmms_stats::improvement_pct(current, predicted).map(|p| (p * 10.0).round() / 10.0);
        Prediction { series, current_init_ms: current, predicted_init_ms: predicted, improvement_pct }
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

/// Uses a lazy rewrite cannot remove: the statement has to run when its
/// module loads. Calls, dispatch-table values and annotations can be made
/// lazy (a getter, a lazy table, `from __future__ import annotations`).
impl Document for PlanDoc {
    const SCHEMA: &'static str = PLAN_SCHEMA;
    const KIND: &'static str = "plan";

    /// Every row's usage a fraction in [0, 1] and its cost never negative:
    /// `lmms fix` and `fast_path.py` act on them.
    fn check(&self) -> Result<(), FieldError> {
        for (i, r) in self.imports.iter().enumerate() {
            if !r.id.is_empty() && !is_statement_id(&r.id) {
                return Err(FieldError::new(format!("imports[{i}].id"), format!("{:?}, not an import id (`path:start-end`)", r.id)));
            }
            if let Some(u) = r.usage.filter(|u| !(0.0..=1.0).contains(u)) {
                return Err(FieldError::new(format!("imports[{i}].usage"), format!("{u}, but it is a fraction in [0, 1]")));
            }
            if let Some(ms) = r.import_ms.filter(|ms| !(ms.is_finite() && *ms >= 0.0)) {
                return Err(FieldError::new(format!("imports[{i}].import_ms"), format!("{ms}; times are never negative")));
            }
        }
        Ok(())
    }
}

/// `rel/path.py:START-END`, as `lmms_python::StatementId` writes it (the
/// path may itself hold `:`).
fn is_statement_id(id: &str) -> bool {
    let Some((path, range)) = id.rsplit_once(':') else { return false };
    let Some((a, b)) = range.split_once('-') else { return false };
    matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a <= b) && !path.is_empty()
}

pub const HARD_BLOCKERS: &[BlockerKind] = &[BlockerKind::ClassBase, BlockerKind::Decorator, BlockerKind::DefaultArgument];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Lightweight: under `module-level-ms`.
    T1,
    /// Moderate and hot: 10–100 ms, used by more than `hot-usage`.
    T2,
    /// Moderate, medium usage: 10–100 ms, used by 20–80%.
    T3,
    /// Heavy: over `function-level-ms`.
    T4,
    /// Moderate and rarely used: 10–100 ms, used by less than `cold-usage`.
    T5,
}

impl Tier {
    pub fn number(self) -> u8 {
        match self {
            Tier::T1 => 1,
            Tier::T2 => 2,
            Tier::T3 => 3,
            Tier::T4 => 4,
            Tier::T5 => 5,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Tier::T1 => "T1",
            Tier::T2 => "T2",
            Tier::T3 => "T3",
            Tier::T4 => "T4",
            Tier::T5 => "T5",
        }
    }
}

/// JSON carries the tier as its number, as the seeds write "TIER4".
impl Serialize for Tier {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

/// The schema of the number [`Serialize`] writes (hand-serialized, so not derived).
impl schemars::JsonSchema for Tier {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Tier".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "DEC-01's tier, 1-5 (TIER1-TIER5 in the LMMS decisions).",
            "type": "integer",
            "minimum": 1,
            "maximum": 5,
        })
    }
}

impl<'de> Deserialize<'de> for Tier {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u8::deserialize(d)? {
            1 => Ok(Tier::T1),
            2 => Ok(Tier::T2),
            3 => Ok(Tier::T3),
            4 => Ok(Tier::T4),
            5 => Ok(Tier::T5),
            n => Err(serde::de::Error::custom(format!("tier {n} is not 1-5"))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    ModuleLevel,
    FunctionLevel,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::ModuleLevel => "module-level",
            Strategy::FunctionLevel => "function-level",
        }
    }
}

/// `12.3 ms` below 100, `350 ms` above: the precision a reader can use.
pub fn fmt_ms(ms: f64) -> String {
    if ms.abs() < 100.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Usage fraction as a percentage, with a decimal only when it matters.
pub fn fmt_pct(fraction: f64) -> String {
    let p = fraction * 100.0;
    if p != 0.0 && p.abs() < 1.0 || (p.fract() != 0.0 && p < 10.0) {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// Thousands separators, as the seeds write "3,150,000ms".
pub fn fmt_thousands(x: f64) -> String {
    let neg = x < 0.0;
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if neg {
        format!("-{out}")
    } else {
        out
    }
}

/// The DEC-02 `is_hot_path` calculation, term for term.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeedsCost {
    pub daily_requests: f64,
    pub cold_start_ratio: f64,
    /// `daily_requests × cold_start_ratio` (DEC-02 as written assumes 0.1).
    pub daily_cold_starts: f64,
    /// Computed by DEC-02's formula as written, and not used in its decision.
    pub daily_lazy_cost_ms: f64,
    /// `import_ms × daily_cold_starts`.
    pub module_level_cost_ms: f64,
    /// `import_ms × usage × daily_requests`.
    pub function_level_cost_ms: f64,
    pub strategy: Strategy,
}

/// Three decimals: microsecond resolution, which no import timing exceeds.
pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

impl SeedsCost {
    pub fn rounded(self) -> SeedsCost {
        SeedsCost {
            daily_cold_starts: r3(self.daily_cold_starts),
            daily_lazy_cost_ms: r3(self.daily_lazy_cost_ms),
            module_level_cost_ms: r3(self.module_level_cost_ms),
            function_level_cost_ms: r3(self.function_level_cost_ms),
            ..self
        }
    }

    /// "Module level: 350ms × 1,000 cold starts = 350,000ms; function level: …".
    pub fn explain(&self, import_ms: f64, usage: f64) -> String {
        let (better, factor) = match self.strategy {
            Strategy::ModuleLevel => (
                "module level",
                self.function_level_cost_ms / self.module_level_cost_ms,
            ),
            Strategy::FunctionLevel => (
                "function level",
                self.module_level_cost_ms / self.function_level_cost_ms,
            ),
        };
        let factor = if factor.is_finite() {
            format!(" ({factor:.1}× better)")
        } else {
            String::new()
        };
        format!(
            "DEC-02's cost formula: module level {}ms × {} cold starts = {}ms/day; function level {}ms × {} requests = {}ms/day → {better}{factor}",
            fmt_thousands(import_ms),
            fmt_thousands(self.daily_cold_starts),
            fmt_thousands(self.module_level_cost_ms),
            fmt_thousands(import_ms),
            fmt_thousands(usage * self.daily_requests),
            fmt_thousands(self.function_level_cost_ms),
        )
    }
}

/// Where the requests-per-container figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerSource {
    /// `requests-per-container` in `[tool.lmms]`.
    ConfigRequestsPerContainer,
    /// `cold-start-ratio` in `[tool.lmms]`.
    ConfigColdStartRatio,
    /// `cold_start_ratio` in `.lmms/usage.json` (from `lmms usage --logs`).
    Measured,
    /// Nothing said: DEC-02's assumed 10% cold starts.
    Assumed,
}

impl ContainerSource {
    pub fn describe(self) -> &'static str {
        match self {
            ContainerSource::ConfigRequestsPerContainer => "config `requests-per-container`",
            ContainerSource::ConfigColdStartRatio => "config `cold-start-ratio`",
            ContainerSource::Measured => "measured cold-start ratio in .lmms/usage.json",
            ContainerSource::Assumed => "assumed: 1 request in 10 is a cold start (set `cold-start-ratio` or run `lmms usage --logs`)",
        }
    }
}

/// Requests served per container and where that number came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Containers {
    pub requests_per_container: f64,
    pub source: ContainerSource,
}

impl Containers {
    pub fn cold_start_ratio(&self) -> f64 {
        1.0 / self.requests_per_container
    }
}

/// The container model's numbers for one import.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ContainerCost {
    pub requests_per_container: f64,
    /// Probability a container ever needs the module: `1 − (1 − p)^n`.
    pub p_needed_per_container: f64,
    /// Paid at every INIT.
    pub module_level_ms_per_container: f64,
    /// Expected: `import_ms × p_needed_per_container`.
    pub function_level_ms_per_container: f64,
    /// Expected saving of the lazy import per container.
    pub saving_ms_per_container: f64,
    /// Expected saving on the cold-start request itself: `import_ms × (1 − p)`.
    pub cold_request_saving_ms: f64,
    pub strategy: Strategy,
}

impl ContainerCost {
    pub fn rounded(self) -> ContainerCost {
        ContainerCost {
            requests_per_container: r3(self.requests_per_container),
            p_needed_per_container: (self.p_needed_per_container * 1e6).round() / 1e6,
            module_level_ms_per_container: r3(self.module_level_ms_per_container),
            function_level_ms_per_container: r3(self.function_level_ms_per_container),
            saving_ms_per_container: r3(self.saving_ms_per_container),
            cold_request_saving_ms: r3(self.cold_request_saving_ms),
            ..self
        }
    }

    pub fn explain(&self) -> String {
        format!(
            "container model: {:.0} requests/container, needed in {} of containers; lazy saves {} per container → {}",
            self.requests_per_container,
            fmt_pct(self.p_needed_per_container),
            fmt_ms(self.saving_ms_per_container),
            self.strategy.as_str().replace('-', " "),
        )
    }
}

/// Every model's view of one import, so disagreements can be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Models {
    /// The DEC-01 table with the DEC-02 exception.
    pub table: Strategy,
    /// DEC-02's cost formula, as the LMMS decisions write it (needs usage;
    /// the field name is kept for readers of older plans).
    pub seeds_formula: Option<SeedsCost>,
    /// The CPython container model (needs usage).
    pub container: Option<ContainerCost>,
}

