//! The measured facts rules judge by: import times (profile or the user's
//! `heavy` table) and per-module usage. Rules never invent a number: a module
//! absent from both sources has no cost and no rule fires on it.

use std::collections::HashMap;

use lmms_graph::ModuleKind;
use lmms_profile::doc::{Origin, ProfileDoc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostSource {
    /// Median cumulative import time from `.lmms/profile.json`.
    Profile,
    /// A standard-library module's own-package time from the profile.
    ProfileOwnPackage,
    /// The `[tool.lmms] heavy` table.
    HeavyTable,
    /// [`Costs::most`]: everything loaded beneath the module or its packages.
    ProfileMost,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    pub ms: f64,
    pub source: CostSource,
    /// The module the number belongs to (a package for a submodule import).
    pub measured: String,
}

impl Cost {
    pub fn describe_source(&self) -> &'static str {
        match self.source {
            CostSource::Profile => "median cumulative import time measured by `lmms profile`",
            CostSource::ProfileOwnPackage => {
                "median own-package import time measured by `lmms profile`"
            }
            CostSource::HeavyTable => "from the [tool.lmms] heavy table",
            CostSource::ProfileMost => "the most it loads by `lmms profile`, dependencies included",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Costs {
    profile: HashMap<String, (f64, Origin)>,
    heavy: Vec<(String, f64)>,
    /// `(name, median self ms, chain)` of every profiled module, for
    /// [`Costs::most`].
    modules: std::sync::Arc<Vec<(String, f64, Vec<String>)>>,
}

impl Costs {
    pub fn new(
        profile: Option<&ProfileDoc>,
        heavy: impl IntoIterator<Item = (String, f64)>,
    ) -> Costs {
        let modules = profile
            .map(|d| d.modules.iter().map(|m| (m.name.clone(), m.self_ms.median, m.chain.clone())).collect())
            .unwrap_or_default();
        let profile = profile.map(profile_costs).unwrap_or_default();
        let mut heavy: Vec<(String, f64)> = heavy.into_iter().collect();
        // Longest key first so `botocore.session` beats `botocore`.
        heavy.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Costs { profile, heavy, modules: std::sync::Arc::new(modules) }
    }

    /// The profiled chain of `module` (entry first, itself last).
    pub fn chain(&self, module: &str) -> Option<&[String]> {
        self.modules.iter().find(|(n, _, _)| n == module).map(|(_, _, c)| c.as_slice())
    }

    /// The most importing `module` can add to INIT by the profile: the
    /// self time of every profiled module loaded beneath it or one of its
    /// packages, or named inside them (`urllib.parse` for `urllib.request`).
    /// `lmms plan` charges a statement the share of exactly these modules
    /// that nothing eager loads first, so this is never below the figure the
    /// plan (and the `# lazy: … ms` comment `lmms fix` writes) uses: an
    /// import the plan deferred is never "cheap" by this number. The
    /// `[tool.lmms] heavy` table is used when the profile does not know it.
    pub fn most(&self, module: &str, kind: ModuleKind) -> Option<Cost> {
        let Some(own) = self.lookup(module, kind) else { return None };
        if own.source == CostSource::HeavyTable {
            return Some(own);
        }
        let packages: Vec<&str> =
            module.char_indices().filter(|(_, c)| *c == '.').map(|(i, _)| &module[..i]).chain([module]).collect();
        let inside = |name: &str| {
            packages.iter().any(|p| name == *p || (name.starts_with(p) && name.as_bytes().get(p.len()) == Some(&b'.')))
        };
        let ms = self
            .modules
            .iter()
            .filter(|(name, _, chain)| inside(name) || chain.iter().any(|c| packages.contains(&c.as_str())))
            .map(|(_, ms, _)| ms)
            .sum::<f64>();
        Some(Cost { ms: ms.max(own.ms), source: CostSource::ProfileMost, measured: own.measured })
    }

    pub fn is_empty(&self) -> bool {
        self.profile.is_empty() && self.heavy.is_empty()
    }

    /// What importing `module` costs. Profile numbers are used only for
    /// non-project modules (a project module's cost is its dependencies',
    /// which LMM002 reports with the chain); the user's table applies to
    /// whatever it names, submodules included.
    pub fn lookup(&self, module: &str, kind: ModuleKind) -> Option<Cost> {
        if kind != ModuleKind::Project && !self.profile.is_empty() {
            // Importing `a.b` imports `a` first: the larger of the two is
            // the least the statement costs. Called for every import target
            // (some of it in serial passes), so the name is copied once, for
            // the winner only.
            let mut best: Option<(f64, Origin, usize)> = None;
            let mut prefix_end = module.len();
            loop {
                let prefix = &module[..prefix_end];
                if let Some(&(ms, origin)) = self.profile.get(prefix) {
                    if origin != Origin::Project && best.is_none_or(|(b, _, _)| ms > b) {
                        best = Some((ms, origin, prefix_end));
                    }
                }
                match prefix.rfind('.') {
                    Some(i) => prefix_end = i,
                    None => break,
                }
            }
            if let Some((ms, origin, end)) = best {
                let source = if matches!(origin, Origin::Stdlib | Origin::Builtin) {
                    CostSource::ProfileOwnPackage
                } else {
                    CostSource::Profile
                };
                return Some(Cost { ms, source, measured: module[..end].to_string() });
            }
        }
        self.heavy
            .iter()
            .find(|(k, _)| {
                module == k
                    || (module.starts_with(k.as_str())
                        && module.as_bytes().get(k.len()) == Some(&b'.'))
            })
            .map(|(k, ms)| Cost {
                ms: *ms,
                source: CostSource::HeavyTable,
                measured: k.clone(),
            })
    }
}

/// Median cumulative time per profiled module, except for standard-library
/// modules, which are charged only their own package (`json` + `json.*`
/// loaded beneath it). `-X importtime` charges shared infrastructure (`re`,
/// `enum`, `functools`…) to whichever module happens to import it first;
/// the interpreter and nearly every library load it anyway, so deferring
/// `json` would not save it, and a verdict must not depend on import order.
fn profile_costs(doc: &ProfileDoc) -> HashMap<String, (f64, Origin)> {
    let mut own: HashMap<&str, f64> = HashMap::new();
    for m in &doc.modules {
        // Credit each ancestor-package prefix that is on the module's chain.
        let mut end = m.name.len();
        loop {
            let prefix = &m.name[..end];
            if m.chain.iter().any(|c| c == prefix) || prefix == m.name {
                *own.entry(prefix).or_default() += m.self_ms.median;
            }
            match prefix.rfind('.') {
                Some(i) => end = i,
                None => break,
            }
        }
    }
    doc.modules
        .iter()
        .map(|m| {
            let ms = match m.origin {
                Origin::Stdlib | Origin::Builtin => own
                    .get(m.name.as_str())
                    .copied()
                    .unwrap_or(m.self_ms.median),
                _ => m.cumulative_ms.median,
            };
            (m.name.clone(), (ms, m.origin))
        })
        .collect()
}

/// Per-module usage fractions from `.lmms/usage.json` (`lmms.usage/1`).
#[derive(Debug, Clone, Default)]
pub struct Usage {
    modules: HashMap<String, f64>,
}

#[derive(Debug, thiserror::Error)]
#[error("invalid usage file: {0}")]
pub struct UsageError(String);

impl Usage {
    /// Read through the one usage document type (`lmms_schema::usage`).
    pub fn from_json(text: &str) -> Result<Usage, UsageError> {
        let doc = lmms_schema::UsageDoc::from_json(text).map_err(|e| UsageError(e.to_string()))?;
        Ok(Usage::from_pairs(doc.modules.into_iter().map(|m| (m.name, m.usage))))
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, f64)>) -> Usage {
        Usage {
            modules: pairs.into_iter().collect(),
        }
    }

    /// Fraction of requests that use `module` (or its top-level package).
    pub fn of(&self, module: &str) -> Option<f64> {
        self.modules
            .get(module)
            .or_else(|| self.modules.get(module.split('.').next()?))
            .copied()
    }
}

/// The DEC-01 classification row a measured import time falls in.
pub fn tier(ms: f64, t: &crate::Thresholds) -> String {
    let (lo, hi, hot) = (t.module_level_ms, t.function_level_ms, fmt_pct(t.hot_usage));
    if ms < lo {
        format!("DEC-01 tier <{lo} ms: module level")
    } else if ms <= hi {
        format!("DEC-01 tier {lo}–{hi} ms: function level unless used on >{hot} of requests")
    } else {
        format!("DEC-01 tier >{hi} ms: function level (DEC-02 keeps it at module level only when used on >{hot} of requests)")
    }
}

pub fn fmt_ms(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

pub fn fmt_pct(f: f64) -> String {
    format!("{:.0}%", f * 100.0)
}

/// The plan's decision per statement: the rows of `.lmms/plan.json` by
/// their statement `id` (`path:start-end`, project-relative). A rule that
/// judges an import the plan has a row for reads the row's cost and
/// decision instead of deriving its own, so `check` and `plan` (and the
/// `# lazy:` figure `fix` copies from the row) speak with one voice.
#[derive(Debug, Clone, Default)]
pub struct PlanRows {
    by_id: HashMap<String, Vec<lmms_plan::PlannedImport>>,
}

impl PlanRows {
    pub fn new(plan: &lmms_plan::PlanDoc) -> PlanRows {
        PlanRows::from_rows(plan.imports.iter().cloned())
    }

    pub fn from_rows(rows: impl IntoIterator<Item = lmms_plan::PlannedImport>) -> PlanRows {
        let mut by_id: HashMap<String, Vec<lmms_plan::PlannedImport>> = HashMap::new();
        for r in rows {
            // A moved row is found by the statements `fix` wrote for it.
            let ids = (!r.id.is_empty()).then(|| r.id.clone()).into_iter().chain(r.written.iter().cloned());
            for id in ids.collect::<Vec<_>>() {
                by_id.entry(id).or_default().push(r.clone());
            }
        }
        PlanRows { by_id }
    }

    /// The row of statement `id` for the module it loads (one statement
    /// `import a, b` has a row per module, named by the graph's resolution).
    /// A row may name the package of a submodule the graph resolves
    /// (`from dateutil import parser`: row `dateutil`, target
    /// `dateutil.parser`); the same statement's package row then answers.
    pub fn row(&self, id: &str, module: &str) -> Option<&lmms_plan::PlannedImport> {
        let rows = self.by_id.get(id)?;
        rows.iter().find(|r| r.module == module).or_else(|| {
            rows.iter()
                .filter(|r| module.strip_prefix(r.module.as_str()).is_some_and(|rest| rest.starts_with('.')))
                .max_by_key(|r| r.module.len())
        })
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// The plan's decision on a module-level statement it has a row for:
/// `Some(what it says)` when it moves the statement into functions, `None`
/// when it keeps it on INIT: planned module-level, or pinned by a use the
/// plan's fix options leave in place (a class base, or a client built at
/// import without `--unsafe-fixes`). LMM001 and LMM002 report exactly the
/// moves, in the plan's figures.
pub fn plan_moves(row: &lmms_plan::PlannedImport) -> Option<String> {
    if !row.defers() || row.pinned {
        return None;
    }
    let ms = row.import_ms.map_or_else(|| "unmeasured".to_string(), fmt_ms);
    let usage = row.usage.map_or_else(|| "usage unknown".to_string(), |u| format!("used by {}", fmt_pct(u)));
    let tier = row.tier.map(|t| format!(", T{}", t.number())).unwrap_or_default();
    let blocked = match row.blocked_by.as_slice() {
        [] => String::new(),
        b => format!(
            " once its module-level uses are made lazy ({})",
            b.iter().map(|b| format!("{}:{} {}", b.line, b.column, b.kind)).collect::<Vec<_>>().join(", ")
        ),
    };
    Some(format!("`lmms plan` moves it to function level ({ms}, {usage}{tier}){blocked}"))
}
