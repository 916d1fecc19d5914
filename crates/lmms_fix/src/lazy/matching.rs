//! Which aliases a file's requests select, and how every reference to a
//! selected name classifies: into a function, under `TYPE_CHECKING`, quoted,
//! an unsafe getter or dispatch wrapper, or a reason to skip.

use lmms_python::{BoundName, ByteRange, ImportRecord, ImportScope, ModuleLevelUse, NameRef, RefContext};

use super::dispatch::dispatch_entry;
use super::getter::client_call;
use super::skip::{describe_unsafe, use_words};
use super::{Builder, NamePlan, Planned, Request, SkipReason, Target};
use crate::edit::Applicability;
use crate::text::*;

/// Whether `r` names alias `alias` of `rec` (`None`: the star of a star import).
pub(super) fn hits(rec: &ImportRecord, alias: Option<usize>, r: &Request) -> bool {
    r.id.statement == rec.range && r.id.alias == alias.map(|a| a as u32)
}

impl Builder<'_> {
    /// Analyse each selected alias; those that can move, with their plan.
    pub(super) fn plans<'r>(&mut self, idx: usize, rec: &ImportRecord, selected: &[(usize, &'r Request)]) -> Vec<Planned<'r>> {
        let mut plans: Vec<Planned<'r>> = Vec::new();
        for &(ni, req) in selected {
            let name = &rec.names[ni];
            match self.analyse(idx, name) {
                Ok((plan, app)) => {
                    if app < Applicability::Safe && !self.opts.allow_unsafe {
                        let what = describe_unsafe(&plan);
                        self.skip(rec, &[name], SkipReason::NeedsUnsafe, what);
                    } else {
                        plans.push((ni, req, plan, app));
                    }
                }
                Err((reason, detail)) => self.skip(rec, &[name], reason, detail),
            }
        }
        plans
    }

    /// Classify every reference to `name`; `Err` is why it cannot move.
    pub(super) fn analyse(
        &mut self,
        idx: usize,
        name: &BoundName,
    ) -> Result<(NamePlan, Applicability), (SkipReason, String)> {
        let src = self.src;
        let shared = self.parsed.imports.iter().enumerate().any(|(j, other)| {
            j != idx
                && !matches!(other.scope, ImportScope::Function { .. } | ImportScope::Class { .. })
                && other.names.iter().any(|n| n.bound == name.bound)
        });
        if shared {
            let d = format!("`{}` is also bound by another module-level import", name.bound);
            return Err((SkipReason::SharedName, d));
        }
        if let Some(rb) = self.parsed.rebindings.iter().find(|r| r.name == name.bound) {
            let d = format!("`{}` is rebound at module level at line {}", name.bound, rb.line);
            return Err((SkipReason::Rebound, d));
        }
        let reachable = self.reachable.contains(&name.bound);
        let refs: Vec<&NameRef> = self.parsed.refs.iter().filter(|r| r.bound == name.bound).collect();
        let classic = self.opts.target == Target::Classic;
        if refs.is_empty() {
            // Read only by other modules: the module `__getattr__` imports it.
            // Read by no one (the namespace filter saw no reader, `__all__`
            // has no entry): `--unsafe-fixes` removes it, since an import can
            // have side effects.
            let plan = NamePlan { reachable, removed: !reachable, ..NamePlan::default() };
            if classic && (reachable || (self.opts.allow_unsafe && self.opts.remove_unread)) {
                if let Some(at) = self.unclassified_use(name, idx, &refs) {
                    let line = self.lines.line(at);
                    let d = format!("`{}` appears at line {line} in a use the analysis cannot classify", name.bound);
                    return Err((SkipReason::ModuleLevelUse, d));
                }
                return Ok((plan, Applicability::Unsafe));
            }
            return Err((SkipReason::SideEffectOnly, format!("`{}` is never used in this file", name.bound)));
        }
        let py315 = self.opts.target == Target::Py315;
        let mut plan = NamePlan { reachable: reachable && classic, ..NamePlan::default() };
        let mut app = if plan.reachable { Applicability::Unsafe } else { Applicability::Safe };
        let mut client_calls: Vec<usize> = Vec::new();
        for r in &refs {
            let line = self.lines.line(r.range.start);
            if matches!(r.context, RefContext::Annotation { .. }) {
                let reader = self.parsed.annotation_readers.iter().find(|a| a.range.start <= r.range.start && r.range.end <= a.range.end);
                if let Some(a) = reader {
                    let d = format!("annotation at line {line} is read at run time by {} (line {})", a.reader, a.line);
                    return Err((SkipReason::EvaluatedAnnotation, d));
                }
            }
            match &r.context {
                RefContext::Function { function, .. } => {
                    if py315 {
                        continue;
                    }
                    let f = self.parsed.functions.iter().position(|f| {
                        &f.qualname == function && f.range.start <= r.range.start && r.range.end <= f.range.end
                    });
                    match f {
                        Some(f) if !plan.fns.contains(&f) => plan.fns.push(f),
                        Some(_) => {}
                        None => {
                            let d = format!("`{}` is used in a lambda at line {line}", name.bound);
                            return Err((SkipReason::ModuleLambda, d));
                        }
                    }
                }
                RefContext::Annotation { evaluated_at_import: false } => plan.type_checking = !py315,
                RefContext::Annotation { evaluated_at_import: true } => {
                    if py315 {
                        let d = format!("annotation at line {line} is evaluated at import time");
                        return Err((SkipReason::EvaluatedAnnotation, d));
                    }
                    plan.quotes.push(self.quote(r)?);
                    plan.type_checking = true;
                }
                // `from M import *` asks the module `__getattr__` for every
                // name of `__all__` it does not find.
                RefContext::ModuleLevel { what: ModuleLevelUse::DunderAll } if plan.reachable => {}
                RefContext::ModuleLevel { what: ModuleLevelUse::DunderAll } => {
                    let d = format!("`{}` is listed in __all__", name.bound);
                    return Err((SkipReason::DunderAll, d));
                }
                RefContext::ModuleLevel { what: ModuleLevelUse::GlobalRebind } => {
                    let d = format!("`global {}` at line {line}", name.bound);
                    return Err((SkipReason::GlobalRebind, d));
                }
                RefContext::ModuleLevel { what } => {
                    let plain = || (SkipReason::ModuleLevelUse, format!("{} at line {line}", use_words(*what)));
                    if py315 {
                        return Err(plain());
                    }
                    if let Some(ci) = client_call(self.parsed, r) {
                        if !client_calls.contains(&ci) {
                            client_calls.push(ci);
                        }
                    } else if let Some(expr) = dispatch_entry(src, r, *what) {
                        plan.dispatch.push((ByteRange { start: r.range.start, end: r.range.start + expr.len() as u32 }, expr));
                    } else {
                        return Err(plain());
                    }
                }
            }
        }
        if !py315 {
            if let Some(at) = self.unclassified_use(name, idx, &refs) {
                let line = self.lines.line(at);
                let d = format!("`{}` appears at line {line} outside any function, in a use the analysis cannot classify", name.bound);
                return Err((SkipReason::ModuleLevelUse, d));
            }
        }
        for &f in &plan.fns {
            let def = &self.parsed.functions[f];
            let last = def.qualname.rsplit('.').next().unwrap_or(&def.qualname);
            let hook = self.parsed.shutdown_hooks.iter().find(|h| h.function == def.qualname || h.function == last);
            if let Some(h) = hook {
                let d = format!("`{}` runs at interpreter shutdown ({}, line {}), when imports can fail", def.qualname, h.how, h.line);
                return Err((SkipReason::ShutdownFunction, d));
            }
        }
        for ci in client_calls {
            let call = &self.parsed.module_calls[ci];
            let client = self.client_plan(call)?;
            plan.clients.push(client);
        }
        if !plan.clients.is_empty() || !plan.dispatch.is_empty() {
            app = Applicability::Unsafe;
        }
        Ok((plan, app))
    }

    /// A second line of defence for moves into functions: an occurrence of
    /// the name outside every function body that no reference accounts for
    /// (e.g. `_os = _os` in a class body, which reads the global) might run
    /// at import time. Comments and text before the first import (the
    /// module docstring) are ignored.
    pub(super) fn unclassified_use(&self, name: &BoundName, idx: usize, refs: &[&NameRef]) -> Option<u32> {
        let src = self.src;
        let word = name.bound.as_str();
        let first_import = self.parsed.imports.iter().map(|i| i.range.start).min().unwrap_or(0) as usize;
        let own = self.parsed.imports[idx].range;
        let mut from = first_import;
        while let Some(i) = src[from..].find(word) {
            let s = from + i;
            let e = s + word.len();
            from = e;
            let before_ok = src[..s].chars().next_back().is_none_or(|c| !is_ident_char(c) && c != '.');
            let after_ok = src[e..].chars().next().is_none_or(|c| !is_ident_char(c));
            if !before_ok || !after_ok {
                continue;
            }
            let at = s as u32;
            if (own.start..own.end).contains(&at) || refs.iter().any(|r| r.range.start == at) {
                continue;
            }
            // Function bodies and docstrings; signatures are fully
            // classified by the adapter.
            if self.parsed.functions.iter().any(|f| f.range.start <= at && at < f.range.end) {
                continue;
            }
            if self.inside_triple_quoted(at) {
                continue;
            }
            // Another import statement mentioning the name (`import x.y`).
            if self.parsed.imports.iter().any(|i| (i.range.start..i.range.end).contains(&at)) {
                continue;
            }
            let line = &src[line_start(src, at) as usize..s];
            if line.contains('#') || line.contains('"') || line.contains('\'') {
                continue;
            }
            return Some(at);
        }
        None
    }

    /// Heuristic: an odd number of `"""` (or `'''`) before `at` means a
    /// docstring or other long string is open there.
    pub(super) fn inside_triple_quoted(&self, at: u32) -> bool {
        let before = |q: &Vec<u32>| q.partition_point(|p| *p < at);
        before(&self.triple_quotes.0) % 2 == 1 || before(&self.triple_quotes.1) % 2 == 1
    }
}
