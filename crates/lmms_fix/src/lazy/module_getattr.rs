//! PEP 562: a moved name that other modules read (`from M import NAME`,
//! `M.NAME`, `from M import *` through `__all__`) stays a module attribute.
//! One module-level `def __getattr__(name)` imports (or builds, for a client
//! a getter replaced) each such name on first access and stores it on the
//! module, so later reads are plain attribute reads of the same object; M's
//! own functions import it locally, like every other move.
//!
//! Applicability: **unsafe**. Readers see the same object as before, but the
//! namespace itself changes until the first access: `dir(M)`, `vars(M)`,
//! `M.__dict__`, `inspect.getmembers(M)` and `from M import *` without
//! `__all__` do not list the name, and an error of the import (or of the
//! client's construction) surfaces at first access instead of at import.
//! Patching `M.NAME` would no longer reach M's functions, which import their
//! own binding; `lmms_fix::namespace` therefore keeps a name that anything
//! patches, rebinds or reads at INIT.
//!
//! A module that already has a `__getattr__` keeps it: when it is one plain
//! `def __getattr__(name)` ([`lmms_python::ModuleGetattr::Def`]), the
//! lookup of the moved names goes at the top of its body, before the user's
//! first statement, and every other name falls through to the user's code
//! unchanged (its `AttributeError` messages, its own lazy names, its
//! recursion through `__getattr__`). A `__dir__` is left as it is: it
//! cannot read the module's globals (`globals()`/`vars()` would have made
//! the namespace dynamic and refused the move), so `dir(M)` is unchanged.
//! The block's own locals are `_lmms_`-prefixed, and the moved names it
//! binds are locals the move gives the function anyway when it reads them;
//! its imports stay in `__getattr__`, so the next run still counts them as
//! loading at INIT ([`crate::namespace::init_files`]). Any other binding of
//! `__getattr__` (assigned, imported, conditional, decorated) is refused by
//! `lmms_fix::namespace` with the way it is bound.
//!
//! The function goes at the end of the module: it is only consulted after a
//! normal lookup fails, and no code of M reads the moved name at import time
//! (that would have blocked the move). Its body writes no `globals()` (which
//! would mark the module's namespace dynamic for the next run): it stores
//! through `sys.modules[__name__]`.

use lmms_python::{ByteRange, ModuleGetattr};

use super::{Builder, Written};
use crate::edit::Edit;

impl Builder<'_> {
    /// Keep `name` reachable: `lines` bind `value` to it inside `__getattr__`.
    /// `origin`: the statement the first line (an import) was moved from.
    pub(super) fn keep_reachable(
        &mut self,
        name: &str,
        lines: Vec<String>,
        origin: Option<ByteRange>,
        into: &mut Vec<String>,
        notes: &mut Vec<String>,
    ) {
        if self.getattr_entries.iter().any(|(n, _, _)| n == name) {
            return;
        }
        self.getattr_entries.push((name.to_string(), lines, origin));
        if !into.iter().any(|i| i == "__getattr__") {
            into.push("__getattr__".into());
        }
        notes.push(format!("`{name}` stays a module attribute through `__getattr__` (PEP 562), built on first access"));
    }

    /// The module has its own plain `def __getattr__`: queue the lookup of
    /// the moved names at the top of its body, ahead of the imports the move
    /// itself puts there.
    pub(super) fn merge_module_getattr(&mut self) {
        if self.getattr_entries.is_empty() {
            return;
        }
        let ModuleGetattr::Def { range, param } = &self.parsed.module_getattr else { return };
        let Some(f) = self.parsed.functions.iter().position(|d| d.qualname == "__getattr__" && d.range == *range) else {
            return;
        };
        let unit = self.parsed.functions[f].body_indent.clone();
        let at = |level: usize, line: &str| format!("{}{line}", unit.repeat(level));
        let entries = std::mem::take(&mut self.getattr_entries);
        let names: Vec<String> = entries.iter().map(|(n, _, _)| format!("{n:?}")).collect();
        let test = if names.len() == 1 {
            format!("{param} == {}", names[0])
        } else {
            format!("{param} in ({})", names.join(", "))
        };
        let mut block: Vec<(String, Option<ByteRange>)> = vec![(
            format!("if {test}:  # lmms fix: moved out of import time, built on first access (PEP 562)"),
            None,
        )];
        for (i, (name, lines, origin)) in entries.iter().enumerate() {
            let (level, kw) = if entries.len() == 1 { (1, None) } else { (2, Some(if i == 0 { "if" } else { "elif" })) };
            if let Some(kw) = kw {
                block.push((at(1, &format!("{kw} {param} == {name:?}:")), None));
            }
            // The first line is the moved import, as in `insert_module_getattr`.
            for (j, l) in lines.iter().enumerate() {
                let l = l.strip_prefix("value = ").map_or_else(|| l.clone(), |v| format!("_lmms_value = {v}"));
                block.push((at(level, &l), if j == 0 { *origin } else { None }));
            }
        }
        block.push((at(1, "import sys as _lmms_sys"), None));
        block.push((at(1, &format!("setattr(_lmms_sys.modules[__name__], {param}, _lmms_value)")), None));
        block.push((at(1, "return _lmms_value"), None));
        self.fn_lines.entry(f).or_default().splice(0..0, block);
    }

    pub(super) fn insert_module_getattr(&mut self) {
        if self.getattr_entries.is_empty() {
            return;
        }
        let nl = self.nl;
        let mut body = vec![
            "def __getattr__(name):".to_string(),
            "    \"\"\"Names lmms fix moved out of import time, built on first access (PEP 562).\"\"\"".to_string(),
        ];
        let mut firsts: Vec<(usize, ByteRange)> = Vec::new();
        for (i, (name, lines, origin)) in self.getattr_entries.iter().enumerate() {
            let kw = if i == 0 { "if" } else { "elif" };
            body.push(format!("    {kw} name == {name:?}:"));
            if let Some(o) = origin {
                firsts.push((body.len(), *o));
            }
            body.extend(lines.iter().map(|l| format!("        {l}")));
        }
        body.push("    else:".into());
        body.push("        raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")".into());
        body.push("    import sys".into());
        body.push("    setattr(sys.modules[__name__], name, value)".into());
        body.push("    return value".into());
        let src = self.src;
        let trailing = src.len() - src.trim_end_matches(['\n', '\r']).len();
        // Two blank lines before the `def`, whatever the file ended with.
        let lead = if src.is_empty() { String::new() } else { nl.repeat(3usize.saturating_sub(trailing).max(1)) };
        let text = format!("{lead}{}{nl}", body.join(nl));
        let end = src.len() as u32;
        for (line, origin) in firsts {
            let before: usize = body[..line].iter().map(|l| l.len() + nl.len()).sum();
            let offset = (lead.len() + before + "        ".len()) as u32;
            self.written.push(Written { origin, edit_start: end, edit_end: end, offset });
        }
        self.edits.push(Edit::insertion(src.len() as u32, text));
    }
}
