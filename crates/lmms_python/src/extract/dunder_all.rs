//! A literal `__all__`: the names it lists are re-exports.

use ruff_python_ast::Expr;

use super::*;

impl<'a> Extractor<'a> {
    pub(super) fn dunder_all(&mut self, value: &'a Expr) {
        let elts = match value {
            Expr::List(l) => &l.elts,
            Expr::Tuple(t) => &t.elts,
            _ => return,
        };
        for e in elts {
            if let Expr::StringLiteral(s) = e {
                let name = s.value.to_str();
                self.out.dunder_all.push(name.to_string());
                // Only literal text can be borrowed for the candidate; an
                // implicitly concatenated literal is skipped.
                if let Some(lit) = s
                    .value
                    .iter()
                    .next()
                    .filter(|_| !s.value.is_implicit_concatenated())
                {
                    let name: &'a str = lit.value.as_ref();
                    self.cands.push(Candidate {
                        name,
                        range: s.range,
                        ctx: Ctx::Module(ModuleLevelUse::DunderAll),
                        skip_class: true,
                    });
                }
            }
        }
    }
}
