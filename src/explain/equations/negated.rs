//! Templates the model makes *false* that read the key once, as negated constraints of the
//! word equation (`s ∉ C[u]`): `automata::word_equation::common_string_avoiding` decides
//! them on the two copies of the value the equation knows, and checks every solution by
//! the reference matcher (encodings/policy-variables.md, "Session 9 (words)").

use super::super::context::ContextBuilder;
use super::Reason;
use crate::automata::word_equation::OneHole;
use crate::encode::{AtomId, StrPattern, StrVar};
use std::collections::BTreeSet;

impl ContextBuilder<'_> {
    /// The false template atoms on `var` that read `key` once, split at the value, each with
    /// the keys a lemma must name. Only exact readings: another key read through its glob
    /// (an approximation) gives a superset of the template, and "not in a superset" is not
    /// implied by "not in the template", so such a template is left out (asking less).
    pub(in crate::explain) fn false_one_hole_templates(
        &self,
        var: &StrVar,
        key: &str,
    ) -> Vec<(AtomId, OneHole, BTreeSet<Reason>)> {
        let mut out = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let StrPattern::Template(t, mode) = pattern else {
                continue;
            };
            if self.a.atom(id) || !t.variable_keys().any(|k| k == key) {
                continue;
            }
            let Some((hole, reasons)) = self.holed_template(t, *mode, key) else {
                continue;
            };
            if reasons
                .iter()
                .any(|r| matches!(r, Reason::Approximated(..)))
            {
                continue;
            }
            out.push((id, hole, reasons));
        }
        out
    }
}
