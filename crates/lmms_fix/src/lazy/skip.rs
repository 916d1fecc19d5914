//! Why a requested import is not moved.

use lmms_python::{BoundName, ImportRecord, ModuleLevelUse};
use serde::Serialize;

use super::{display_module, Builder, NamePlan};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Another module (or a test, a patch, generated code) reads the name.
    NamespaceReader,
    /// Used while the module is imported (class base, decorator, call, …).
    ModuleLevelUse,
    /// Listed in `__all__`: a re-export other modules may import.
    DunderAll,
    /// Never referenced: imported for its side effects.
    SideEffectOnly,
    /// Inside `try: … except ImportError:`: the fallback needs it eagerly.
    TryExceptFallback,
    StarImport,
    /// A function rebinds it with `global`.
    GlobalRebind,
    /// Used in an annotation that runs at import time and cannot be quoted.
    EvaluatedAnnotation,
    /// Used in a lambda at module level: no function body to import into.
    ModuleLambda,
    /// Under a module-level `if`/`with`/`for`/`try` or in a class body.
    Conditional,
    /// Another module-level import binds the same name.
    SharedName,
    /// Only an unsafe rewrite can defer it; rerun with `--unsafe-fixes`.
    NeedsUnsafe,
    /// A module-level `def`/`class`/assignment/`for`/`with`/`except`/`del`
    /// rebinds the name.
    Rebound,
    /// `globals()`/`eval`/`exec`/`vars()`/`locals()` in the module.
    DynamicNamespace,
    /// A function that runs at interpreter shutdown would import it.
    ShutdownFunction,
    /// Another name of the statement stays, keeping the module loaded.
    ModuleStaysLoaded,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NamespaceReader => "read through the module's namespace",
            SkipReason::ModuleLevelUse => "module-level use",
            SkipReason::DunderAll => "__all__ re-export",
            SkipReason::SideEffectOnly => "side-effect-only import",
            SkipReason::TryExceptFallback => "try/except ImportError fallback",
            SkipReason::StarImport => "star import",
            SkipReason::GlobalRebind => "rebound with global",
            SkipReason::EvaluatedAnnotation => "annotation evaluated at runtime",
            SkipReason::ModuleLambda => "used in a module-level lambda",
            SkipReason::Conditional => "conditional import",
            SkipReason::SharedName => "name bound by another import",
            SkipReason::NeedsUnsafe => "needs --unsafe-fixes",
            SkipReason::Rebound => "rebound at module level",
            SkipReason::DynamicNamespace => "dynamic module namespace",
            SkipReason::ShutdownFunction => "used at interpreter shutdown",
            SkipReason::ModuleStaysLoaded => "module stays loaded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skip {
    pub module: String,
    pub line: u32,
    pub names: Vec<String>,
    pub reason: SkipReason,
    pub detail: String,
}

impl Builder<'_> {
    pub(super) fn skip(&mut self, rec: &ImportRecord, names: &[&BoundName], reason: SkipReason, detail: String) {
        self.skips.push(Skip {
            module: display_module(rec, names.first().copied()),
            line: rec.line,
            names: names.iter().map(|n| n.bound.clone()).collect(),
            reason,
            detail,
        });
    }
}

pub(super) fn describe_unsafe(plan: &NamePlan) -> String {
    if let Some(c) = plan.clients.first() {
        format!("module-level client `{} = {}(…)` (line {})", c.target, c.call.callee, c.call.line)
    } else if let Some((_, e)) = plan.dispatch.first() {
        format!("dispatch table entry `{e}`")
    } else {
        "unsafe rewrite".into()
    }
}

pub(super) fn use_words(what: ModuleLevelUse) -> &'static str {
    match what {
        ModuleLevelUse::ClassBase => "class base",
        ModuleLevelUse::Decorator => "decorator",
        ModuleLevelUse::DefaultArgument => "default argument",
        ModuleLevelUse::Call => "call at import time",
        ModuleLevelUse::Value => "value stored at import time",
        ModuleLevelUse::DunderAll => "__all__ entry",
        ModuleLevelUse::GlobalRebind => "global rebind",
        ModuleLevelUse::Other => "use at import time",
    }
}
