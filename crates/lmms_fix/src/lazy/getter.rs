//! The unsafe rewrite of a module-level client: `S3 = boto3.client("s3")`
//! becomes an `lru_cache`d getter `_s3()` that imports and builds it on
//! first use, with its configuration calls and every use inside functions.

use lmms_python::{parse_module, BoundName, ByteRange, ImportRecord, ModuleLevelCall, ModuleLevelUse, NameRef, ParsedModule, RefContext};

use super::into_functions::{stmt_text, with_comment};
use super::{Builder, NamePlan, Request, SkipReason};
use crate::edit::Edit;
use crate::text::*;

pub(super) struct ClientPlan {
    pub(super) call: ModuleLevelCall,
    pub(super) target: String,
    pub(super) getter: String,
    /// Bare configuration calls on the client (`SESSION.headers.update(…)`).
    config: Vec<ByteRange>,
    /// References inside functions, rewritten to `getter()`.
    uses: Vec<ByteRange>,
}

impl Builder<'_> {
    /// Every getter `plan` asks for, with what it adds to the move's report.
    pub(super) fn getters(
        &mut self,
        rec: &ImportRecord,
        name: &BoundName,
        req: &Request,
        plan: &NamePlan,
        into: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) {
        for c in &plan.clients {
            self.client(rec, name, req, c);
            into.push(c.getter.clone());
            notes.push(format!("{} → {}() (built on first use)", c.target, c.getter));
            if self.reachable.contains(&c.target) {
                self.keep_reachable(&c.target, vec![format!("value = {}()", c.getter)], None, into, notes);
            }
        }
    }

    /// Check a `NAME = lib.factory(...)` statement for the getter rewrite:
    /// `NAME` may only be used inside functions or configured by bare calls.
    pub(super) fn client_plan(&mut self, call: &ModuleLevelCall) -> Result<ClientPlan, (SkipReason, String)> {
        let src = self.src;
        let line = call.line;
        let reject = |why: &str| (SkipReason::ModuleLevelUse, format!("`{}` at line {line}: {why}", call.callee));
        let [target] = call.targets.as_slice() else {
            return Err(reject("the call's result is not bound to exactly one name"));
        };
        let stmt = &src[call.range.start as usize..call.range.end as usize];
        if line_start(src, call.range.start) != call.range.start || !only_comment_after(src, call.range.end) {
            return Err(reject("the statement does not stand on its own lines"));
        }
        if stmt.contains("\"\"\"") || stmt.contains("'''") {
            return Err(reject("a multi-line string would change when re-indented"));
        }
        // Find every use of `target`: parse a copy where the assignment is
        // blanked to an `import target` of the same byte length, so the
        // adapter reports the name's references at unchanged offsets.
        let stub = format!("import {target}");
        let first_line = stmt.split('\n').next().unwrap_or(stmt);
        if stub.len() > first_line.len() {
            return Err(reject("statement too short to analyse"));
        }
        let mut bytes = src.as_bytes().to_vec();
        for b in &mut bytes[call.range.start as usize..call.range.end as usize] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
        bytes[call.range.start as usize..call.range.start as usize + stub.len()].copy_from_slice(stub.as_bytes());
        let Ok(probe_src) = String::from_utf8(bytes) else {
            return Err(reject("cannot analyse"));
        };
        let probe = parse_module(&probe_src);
        let mut config = Vec::new();
        let mut uses = Vec::new();
        for r in probe.refs.iter().filter(|r| &r.bound == target) {
            let rl = self.lines.line(r.range.start);
            match &r.context {
                RefContext::Function { .. } => uses.push(r.range),
                RefContext::ModuleLevel { what: ModuleLevelUse::Call } => {
                    let cfg = probe.module_calls.iter().find(|c| {
                        c.targets.is_empty()
                            && &c.root == target
                            && c.range.start == r.range.start
                            && c.range.start > call.range.end
                            && line_start(src, c.range.start) == c.range.start
                            && only_comment_after(src, c.range.end)
                    });
                    match cfg {
                        Some(c) if !config.contains(&c.range) => config.push(c.range),
                        Some(_) => {}
                        None => return Err(reject(&format!("`{target}` is used at import time at line {rl}"))),
                    }
                }
                _ => return Err(reject(&format!("`{target}` is used at import time at line {rl}"))),
            }
        }
        // A getter moves these statements into a function body: another
        // deferred name used there would change placement on the next run
        // (its use is no longer module-level), so the rewrite would not be
        // a fixed point. Keep the client eager instead.
        let moved_ranges: Vec<ByteRange> = std::iter::once(call.range).chain(config.iter().copied()).collect();
        if let Some(other) = self.parsed.refs.iter().find(|r| {
            r.bound != call.root
                && self.requested.contains(&r.bound)
                && moved_ranges.iter().any(|m| m.start <= r.range.start && r.range.end <= m.end)
        }) {
            return Err(reject(&format!("it also uses `{}`, which is deferred too", other.bound)));
        }
        // The same holds for another client built from a deferred import:
        // once this statement moves, that client's last module-level use
        // may be gone and the next run would rewrite it.
        for other in &self.parsed.module_calls {
            if other.range == call.range || !self.requested.contains(&other.root) {
                continue;
            }
            for t in &other.targets {
                let used = moved_ranges.iter().any(|m| contains_word(&src[m.start as usize..m.end as usize], t));
                if used && t != target {
                    return Err(reject(&format!("it also uses `{t}`, built from a deferred import")));
                }
            }
        }
        for c in &config {
            let t = &src[c.start as usize..c.end as usize];
            if t.contains("\"\"\"") || t.contains("'''") {
                return Err(reject("a configuration call holds a multi-line string"));
            }
        }
        let lower = target.to_lowercase();
        let getter = [format!("_{lower}"), format!("_get_{lower}"), format!("_lmms_{lower}")]
            .into_iter()
            .find(|n| !contains_word(src, n) && !self.taken_names.contains(n))
            .ok_or_else(|| reject("no free name for the getter"))?;
        self.taken_names.push(getter.clone());
        Ok(ClientPlan { call: call.clone(), target: target.clone(), getter, config, uses })
    }

    pub(super) fn client(&mut self, rec: &ImportRecord, name: &BoundName, req: &Request, c: &ClientPlan) {
        let nl = self.nl;
        let src = self.src;
        let functools = self.functools();
        let imp = with_comment(&stmt_text(src, rec, &[name]), &req.comment);
        let mut body = vec![
            format!("\"\"\"`{}`, built on first use instead of at import time (lmms fix).\"\"\"", c.target),
            imp,
        ];
        body.push(src[c.call.range.start as usize..c.call.range.end as usize].to_string());
        for r in &c.config {
            body.push(src[r.start as usize..r.end as usize].to_string());
        }
        body.push(format!("return {}", c.target));
        let body: Vec<String> = body.iter().map(|s| indent_block(s, "    ", nl)).collect();
        let text = format!(
            "{nl}@{functools}.lru_cache(maxsize=None){nl}def {}():{nl}{}{nl}",
            c.getter,
            body.join(nl)
        );
        self.edits.push(Edit::replacement(c.call.range.start, c.call.range.end, text));
        for r in &c.config {
            self.edits.push(Edit::deletion(r.start, next_line_start(src, r.end)));
        }
        for u in &c.uses {
            self.edits.push(Edit::replacement(u.start, u.end, format!("{}()", c.getter)));
        }
    }

    /// The name to write for `functools`, importing it when needed.
    pub(super) fn functools(&mut self) -> String {
        // A requested `import functools` may be on its way into functions.
        if self.bound_at_module("functools", "functools") && !self.requested.contains("functools") {
            return "functools".into();
        }
        self.add_header("import functools");
        "functools".into()
    }
}

/// The module-level call statement (a client candidate) whose callee is
/// rooted at this reference.
pub(super) fn client_call(parsed: &ParsedModule, r: &NameRef) -> Option<usize> {
    if !matches!(r.context, RefContext::ModuleLevel { what: ModuleLevelUse::Call }) {
        return None;
    }
    parsed.module_calls.iter().position(|c| {
        c.root == r.bound && c.targets.len() == 1 && c.range.start <= r.range.start && r.range.end <= c.range.end
    })
}
