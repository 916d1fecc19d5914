//! Deciding every row: marginal costs depend on the eager set, which
//! depends on the decisions, so the two are iterated to a fixed point.

use std::collections::{BTreeMap, BTreeSet};

use lmms_profile::doc::{Origin, ProfileDoc};

use crate::after_fix::{loaded_after_fix_except, Code};
use crate::hysteresis::{self, Band};
use crate::marginal::Attribution;
use crate::plan::{Placement, PlanDoc, PlannedImport, SourceFile};
use crate::policy::{decide, fmt_ms, PolicyContext, Strategy};

/// What the solver reads besides the rows.
pub(crate) struct Solver<'a> {
    pub cx: &'a PolicyContext,
    pub entry: &'a str,
    pub project: &'a BTreeSet<&'a str>,
    /// The entry's profile, attributed to the rows' keys.
    pub attribution: &'a Attribution<'a>,
    /// Profiles of the eager set imported alone (`--simulate` rounds).
    pub hot: &'a [Attribution<'a>],
    /// Modules the latest of those profiles loaded.
    pub hot_loaded: BTreeSet<&'a str>,
    /// The last plan, whose tiers hold within the noise (hysteresis).
    pub previous: Option<&'a PlanDoc>,
    /// `(importer, module)`: project modules loaded by name at INIT.
    pub loaded_by_name: Vec<(String, String)>,
    /// The parsed files by path, to quote the statement that holds a module.
    pub file_of: Option<&'a BTreeMap<&'a str, &'a SourceFile>>,
    /// The code after the fix: a row is charged only the modules that
    /// leave INIT if it moves (`typing`, which eager libraries import
    /// too, costs a project's `import typing` nothing).
    pub code: Option<&'a Code<'a>>,
}

impl<'a> Solver<'a> {
    pub fn new(
        cx: &'a PolicyContext,
        entry: &'a str,
        project: &'a BTreeSet<&'a str>,
        attribution: &'a Attribution<'a>,
        hot: &'a [Attribution<'a>],
        hot_profiles: &'a [ProfileDoc],
    ) -> Solver<'a> {
        let hot_loaded = hot_profiles
            .last()
            .map(|h| h.modules.iter().map(|m| m.name.as_str()).collect())
            .unwrap_or_default();
        Solver {
            cx,
            entry,
            project,
            attribution,
            hot,
            hot_loaded,
            previous: None,
            loaded_by_name: Vec::new(),
            file_of: None,
            code: None,
        }
    }

    /// Decide every row. A cheaper import joins the eager set, which makes
    /// others cheaper still, so this settles in a few rounds; the cap guards
    /// against a flip-flop between two decisions that each undo the other.
    pub fn solve(&self, rows: &mut [PlannedImport]) {
        // Start from the code after the fix: nothing eager but what the fix
        // leaves in place, so two statements never keep each other eager at
        // 0 ms (`import requests` and `from requests.adapters import …`,
        // each loading the other's package) when deferring both saves it all.
        for r in rows.iter_mut().filter(|r| !r.pinned) {
            r.strategy = Strategy::FunctionLevel;
        }
        let mut previous: Option<Vec<(Strategy, Option<u64>)>> = None;
        for _ in 0..12 {
            let eager = eager_rows(rows, self.entry, self.project, &self.loaded_by_name);
            let loaders = self.loaders(rows, &eager);
            let pinned_ms = pinned_costs(rows, &self.cx.thresholds);
            let charged = self.charged(rows);
            let ran = crate::after_fix::ran_at_init(self.attribution.profile());
            for (i, r) in rows.iter_mut().enumerate() {
                self.decide_row(i, r, &loaders, &pinned_ms, charged.as_ref().map(|c| &c[i]));
                self.hold_read_value(r);
                self.hold_moved_into_ran(r, &ran);
            }
            // Then a statement whose module another statement keeps eager on
            // its own merits costs nothing. Two passes, so two statements of
            // one module never keep each other eager at 0 ms.
            let standalone = eager_rows(rows, self.entry, self.project, &self.loaded_by_name);
            // A row that stays eager at 0 ms because another keeps its
            // module loaded after the fix says which one, too.
            let mut eager_modules: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for &j in &standalone {
                eager_modules.entry(rows[j].module.as_str()).or_default().push(j);
            }
            let holders: Vec<Option<(String, u32)>> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let j = *eager_modules.get(r.module.as_str())?.iter().find(|&&j| j != i)?;
                    // A pinned row stays on its own merits, and its reason says which.
                    let free = !standalone.contains(&i) || (r.import_ms == Some(0.0) && !r.pinned);
                    (free && r.import_ms.is_some()).then(|| (rows[j].path.clone(), rows[j].line))
                })
                .collect();
            for (r, at) in rows.iter_mut().zip(&holders) {
                if let Some(at) = at {
                    self.also_imported(r, at);
                }
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
    }

    /// Library key → the eager statements holding it (row index, module).
    /// A project module loads only what its own statements keep eager, and
    /// those statements are rows of their own.
    fn loaders(&self, rows: &[PlannedImport], eager: &[usize]) -> Loaders {
        let mut loaders = Loaders::new();
        for &i in eager {
            for k in rows[i].keys.iter().filter(|k| !self.project.contains(k.as_str())) {
                loaders.entry(k.clone()).or_default().push((i, rows[i].module.clone()));
            }
        }
        // And what those libraries import by name while they load.
        let profile = self.attribution.profile();
        let held = crate::after_fix::held_by_libraries(profile, self.project, &|n| loaders.contains_key(n));
        for (module, via) in held {
            let by = loaders[via].clone();
            loaders.entry(module.to_string()).or_default().extend(by);
        }
        loaders
    }

    /// Per row, each key's modules' self time that would leave INIT if the
    /// row moved: what stays loaded after the fix without it is free. The
    /// rows sharing a key with it move with it here, so two statements of
    /// one module never keep each other eager at 0 ms (`also_imported`
    /// holds a row only for one that stays eager on its own merits).
    fn charged(&self, rows: &[PlannedImport]) -> Option<Vec<BTreeMap<String, f64>>> {
        let code = self.code?;
        let mut anyway_by_keys: BTreeMap<&[String], BTreeSet<String>> = BTreeMap::new();
        for r in rows {
            if !anyway_by_keys.contains_key(r.keys.as_slice()) {
                let shares = |j: usize| rows[j].keys.iter().any(|k| r.keys.contains(k));
                anyway_by_keys.insert(r.keys.as_slice(), loaded_after_fix_except(rows, code, &shares));
            }
        }
        let charge = |r: &PlannedImport, anyway: &BTreeSet<String>| -> BTreeMap<String, f64> {
            r.keys
                .iter()
                .map(|k| {
                    let members = self.attribution.members.get(k).into_iter().flatten();
                    (k.clone(), members.filter(|(n, _)| !anyway.contains(*n)).map(|(_, t)| t).sum())
                })
                .collect()
        };
        Some(rows.iter().map(|r| charge(r, &anyway_by_keys[r.keys.as_slice()])).collect())
    }

    fn decide_row(
        &self,
        i: usize,
        r: &mut PlannedImport,
        loaders: &Loaders,
        pinned_ms: &BTreeMap<String, f64>,
        charged: Option<&BTreeMap<String, f64>>,
    ) {
        // What eager statements of other modules load (statements of this
        // very module are [`Self::also_imported`]'s).
        let others: BTreeMap<String, String> = loaders
            .iter()
            .filter_map(|(k, v)| {
                v.iter().find(|(j, m)| *j != i && *m != r.module).map(|(_, m)| (k.clone(), m.clone()))
            })
            .collect();
        let library = r.origin != Some(Origin::Project);
        let measured = self.hot.iter().rev().find(|a| a.is_profiled(&r.module));
        if let (Some(ha), true) = (measured, library) {
            self.measured_alone(r, ha, &others);
        } else if !self.attribution.is_profiled(&r.module) {
            self.unprofiled(r);
        } else {
            self.profiled(r, &others, pinned_ms, charged);
        }
    }

    /// Another statement that stays eager on its own merits imports this
    /// module too: deferring this one saves nothing, so it does not move.
    fn also_imported(&self, r: &mut PlannedImport, (path, line): &(String, u32)) {
        r.import_ms = Some(0.0);
        r.loaded_by = Some(r.module.clone());
        apply(r, 0.0, self.cx);
        let statement = self
            .file_of
            .and_then(|files| files.get(path.as_str()))
            .map(|f| format!("`{}` at ", crate::blockers::line_text(&f.source, *line)))
            .unwrap_or_default();
        r.reason = format!(
            "{} ({} stays loaded by {statement}{path}:{line}, which stays eager: deferring this one saves nothing)",
            r.reason, r.module
        );
        if r.current == Placement::ModuleLevel {
            r.strategy = Strategy::ModuleLevel;
        }
    }

    /// A value built at import that most requests read stays built at INIT
    /// with its imports: deferring it only moves its cost to the first
    /// request of every container.
    fn hold_read_value(&self, r: &mut PlannedImport) {
        let Some(v) = r.value.as_ref().filter(|v| v.usage > self.cx.thresholds.hot_usage) else { return };
        if r.current != Placement::ModuleLevel {
            return;
        }
        let read = format!(
            "`{}` (line {}), built from it at import, is read by {} of requests",
            v.name,
            v.line,
            crate::policy::fmt_pct(v.usage)
        );
        if r.strategy == Strategy::ModuleLevel {
            r.reason = format!("{}; {read}", r.reason);
            return;
        }
        r.strategy = Strategy::ModuleLevel;
        r.reason = format!("stays on INIT: {read}; deferring it would only move its cost to the first request");
    }

    /// The fix would move this import into a function that ran at INIT (a
    /// decorator, a class body or a module-level call reaches it), where it
    /// runs all the same: moving it saves nothing, and `lmms fix` takes such
    /// a move back when it imports the rewritten entry.
    fn hold_moved_into_ran(&self, r: &mut PlannedImport, ran: &BTreeSet<(String, String)>) {
        if r.strategy != Strategy::FunctionLevel || r.pinned {
            return;
        }
        let Some(code) = self.code else { return };
        let Some(function) = crate::after_fix::ran_function_reading(r, code, ran) else { return };
        r.strategy = Strategy::ModuleLevel;
        r.reason = format!(
            "stays on INIT: it would move into `{function}`, which runs at import (the profile saw it run), so deferring it saves nothing"
        );
    }

    /// Measured with the eager set alone: its cost on top of the rest of
    /// that set, whether it stays there or not.
    fn measured_alone(&self, r: &mut PlannedImport, ha: &Attribution<'_>, loaders: &BTreeMap<String, String>) {
        let ms: f64 = r
            .keys
            .iter()
            .filter(|k| ha.chain(k).is_none_or(|chain| !chain.iter().any(|n| loaders.contains_key(*n))))
            .map(|k| ha.excl.get(k).copied().unwrap_or(0.0))
            .sum();
        let noise: f64 = r.keys.iter().map(|k| ha.excl_mad.get(k).copied().unwrap_or(0.0)).sum();
        r.import_ms = Some(ms);
        r.loaded_by = None;
        apply(r, ms, self.cx);
        r.reason = format!("{} (measured with the eager set alone)", r.reason);
        self.settle(r, ms, noise);
    }

    /// Not in the entry's profile: already loaded at startup, or never
    /// loaded during INIT at all.
    fn unprofiled(&self, r: &mut PlannedImport) {
        match r.current {
            Placement::ModuleLevel => {
                r.import_ms = Some(0.0);
                apply(r, 0.0, self.cx);
                r.reason = format!(
                    "{} (not in the profile although imported at INIT: already loaded when the interpreter started)",
                    r.reason
                );
            }
            Placement::FunctionLevel => {
                r.import_ms = None;
                r.reason = "never loaded during INIT, so never measured: kept where it is".to_string();
                r.tier = None;
                r.models = None;
                r.disagreement = None;
            }
        }
    }

    /// The entry's profile: each key's exclusive time unless an eager
    /// statement of another module loads it first.
    fn profiled(
        &self,
        r: &mut PlannedImport,
        loaders: &BTreeMap<String, String>,
        pinned_ms: &BTreeMap<String, f64>,
        charged: Option<&BTreeMap<String, f64>>,
    ) {
        let library = r.origin != Some(Origin::Project);
        let a = self.attribution;
        let (mut ms, mut noise, mut loaded_by, mut freed) = (0.0, 0.0, None, 0.0);
        for k in &r.keys {
            let by = a.chain(k).and_then(|chain| chain.iter().find_map(|n| loaders.get(*n)).cloned());
            match by {
                Some(m) => {
                    if k == &r.module {
                        loaded_by = Some(m);
                    }
                }
                None if !self.hot.is_empty() && library => {
                    // Only what the eager set does not load anyway.
                    ms += a
                        .members
                        .get(k)
                        .map(|ms| {
                            ms.iter()
                                .filter(|(n, _)| !self.hot_loaded.contains(n))
                                .map(|(_, t)| t)
                                .sum::<f64>()
                        })
                        .unwrap_or(0.0);
                    noise += a.excl_mad.get(k).copied().unwrap_or(0.0);
                }
                None => {
                    let excl = a.excl.get(k).copied().unwrap_or(0.0);
                    let own = charged.and_then(|c| c.get(k)).copied().unwrap_or(excl);
                    ms += own;
                    freed += excl - own;
                    noise += a.excl_mad.get(k).copied().unwrap_or(0.0);
                }
            }
        }
        let project = r.origin == Some(Origin::Project);
        if loaded_by.is_none() && project {
            ms += pinned_ms.get(&r.module).copied().unwrap_or(0.0);
        }
        r.import_ms = Some(ms);
        r.loaded_by = loaded_by.clone();
        apply(r, ms, self.cx);
        if let Some(by) = loaded_by {
            r.reason = format!("{} (already loaded by {by}, which stays eager)", r.reason);
        } else if freed >= 0.05 {
            r.reason = format!(
                "{} (not counted: {} of what it loads, which other imports keep loaded after the fix)",
                r.reason,
                fmt_ms(freed)
            );
        } else if let Some(p) = pinned_ms.get(&r.module).filter(|p| **p > 0.0 && project) {
            r.reason = format!(
                "{} (includes {} of imports {} cannot defer)",
                r.reason,
                fmt_ms(*p),
                r.module
            );
        }
        self.settle(r, ms, noise);
    }
}

impl Solver<'_> {
    /// The band of this row's decision in the previous plan.
    fn previous_band(&self, r: &PlannedImport) -> Option<Band> {
        let p = self
            .previous?
            .imports
            .iter()
            .find(|p| p.path == r.path && p.line == r.line && p.module == r.module)?;
        // No tier with a time: a 10–100 ms import whose usage was unknown.
        p.tier.map(Band::of_tier).or(p.import_ms.map(|_| Band::Moderate))
    }

    /// Hold the previous plan's tier while `ms` is within its noise of the
    /// threshold it would cross; else say when it is borderline.
    fn settle(&self, r: &mut PlannedImport, ms: f64, noise: f64) {
        let t = &self.cx.thresholds;
        let plain = Band::of(ms, t);
        let held = hysteresis::band(self.previous_band(r), ms, noise, t);
        if held == plain {
            borderline(r, ms, noise, self.cx);
            return;
        }
        apply(r, held.clamp(ms, t), self.cx);
        let tier = r.tier.map_or_else(|| "its tier".to_string(), |t| t.label().to_string());
        r.reason = format!(
            "{tier}, {}, as in the previous plan: {} is not past the {} threshold by more than its measurement noise (± {})",
            r.strategy.as_str(),
            fmt_ms(ms),
            fmt_ms(held.threshold_towards(plain, t)),
            fmt_ms(noise)
        );
    }
}

type Loaders = BTreeMap<String, Vec<(usize, String)>>;

/// What a project module drags in through statements it cannot defer: uses
/// the fix leaves in place, and values most requests read.
fn pinned_costs(rows: &[PlannedImport], t: &crate::tier::Thresholds) -> BTreeMap<String, f64> {
    let mut pinned_ms: BTreeMap<String, f64> = BTreeMap::new();
    let read = |r: &PlannedImport| r.value.as_ref().is_some_and(|v| v.usage > t.hot_usage);
    for r in rows
        .iter()
        .filter(|r| (r.pinned && r.strategy == Strategy::FunctionLevel) || (read(r) && r.current == Placement::ModuleLevel))
    {
        *pinned_ms.entry(r.file_module.clone()).or_default() += r.import_ms.unwrap_or(0.0);
    }
    pinned_ms
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
/// statements in files reachable from the entry through such statements,
/// or loaded by name (`loaded_by_name`, `(importer, module)`) by a file
/// that is reached.
pub(crate) fn eager_rows(
    rows: &[PlannedImport],
    entry: &str,
    project: &BTreeSet<&str>,
    loaded_by_name: &[(String, String)],
) -> Vec<usize> {
    let eager = |r: &PlannedImport| r.strategy == Strategy::ModuleLevel || r.pinned;
    let mut reached: BTreeSet<String> = [entry.to_string()].into();
    loop {
        let mut grew = false;
        for (importer, module) in loaded_by_name {
            if reached.contains(importer) {
                for k in crate::marginal::prefixes(module) {
                    if project.contains(k.as_str()) && reached.insert(k) {
                        grew = true;
                    }
                }
            }
        }
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
