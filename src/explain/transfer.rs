//! Templates carried across an equality between keys (`encodings/policy-variables.md`,
//! "Session 10 (segments)").
//!
//! A true `x = ${k}` (exactly, Like or ARN: a value's characters are literal where it is
//! substituted, so each is equality) with `x` and `k` single makes their values equal, so a
//! template `T` reading `x` and the template `T'` reading `k` in its place resolve to the
//! same text in every request that meets the premise (each reads the value, not its default,
//! since both keys are single). Lemma `E ∧ x single ∧ k single ∧ T → T'`: atoms only, one per
//! (equality, template), learned when the model breaks it. `k` is chosen before `x` (the
//! equality reads it), and its word equations then see `T'`: team like `${aws:username}`,
//! the resource in `arn:aws:s3:::${team, 'eng'}` and in the format atom `arn:aws:s3:::b/*/*`
//! gives the user name a value inside `b/*/*` at once, where before each user name chosen
//! without the template broke the format and was refuted by name, one per round.

use super::context::ContextBuilder;
use crate::encode::{pattern_relation_lemmas, Atom, AtomId, StrPattern, StrVar, Term};
use crate::pattern::{Template, TemplatePart};

/// `t` with every `${x, d}` read as `${k, d}`.
fn renamed(t: &Template, x: &str, k: &str) -> Template {
    let parts = t
        .parts
        .iter()
        .map(|p| match p {
            TemplatePart::Var {
                key_lower, default, ..
            } if key_lower == x => TemplatePart::Var {
                key: k.to_string(),
                key_lower: k.to_string(),
                default: default.clone(),
            },
            other => other.clone(),
        })
        .collect();
    Template { parts }
}

impl ContextBuilder<'_> {
    /// The lemma for the first true template reading a tied key whose renamed copy the model
    /// leaves false.
    pub(super) fn transferred_template_conflict(&mut self) -> Option<Vec<Term>> {
        let mut found: Option<(AtomId, String, String, AtomId, StrVar, StrPattern)> = None;
        'outer: for (equality, x, k) in self.equalities() {
            for (var, ids) in &self.str_atoms {
                if matches!(var, StrVar::Context { key, .. } if *key == x || *key == k) {
                    continue;
                }
                for &id in ids.iter().filter(|id| self.a.atom(**id)) {
                    let Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } = &self.query.atoms[id]
                    else {
                        continue;
                    };
                    if !t.variable_keys().any(|key| key == x) {
                        continue;
                    }
                    let pattern = StrPattern::Template(renamed(t, &x, &k), *mode);
                    let copy = Atom::Str {
                        var: var.clone(),
                        pattern: pattern.clone(),
                    };
                    if self.query.atom_id(&copy).is_some_and(|c| self.a.atom(c)) {
                        continue;
                    }
                    found = Some((equality, x.clone(), k.clone(), id, var.clone(), pattern));
                    break 'outer;
                }
            }
        }
        let (equality, x, k, id, var, pattern) = found?;
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: a template reading {x} carried to {k} (equal)");
        }
        let before = self.query.atoms.len();
        let copy = self.query.str_atom(var, pattern);
        let premise = Term::and(vec![
            Term::Atom(equality),
            self.query.single_valued(&x),
            self.query.single_valued(&k),
            Term::Atom(id),
        ]);
        let mut lemmas = pattern_relation_lemmas(self.query, before, None);
        lemmas.push(Term::implies(premise, copy));
        Some(lemmas)
    }
}
