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
        let Some((equality, x, k, id, var, pattern)) = found else {
            return self.template_on_tied_key_conflict();
        };
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: a template reading {x} carried to {k} (equal)");
        }
        let before = self.query.atoms.len();
        let copy = self.query.str_atom(var, pattern);
        let premise = Term::and([self.tied(equality, &x, &k), Term::Atom(id)]);
        let mut lemmas = pattern_relation_lemmas(self.query, before, None);
        lemmas.push(Term::implies(premise, copy));
        Some(lemmas)
    }

    /// `x = ${k}` holds with both keys single: their first values are one string.
    fn tied(&mut self, equality: AtomId, x: &str, k: &str) -> Term {
        Term::and(vec![
            Term::Atom(equality),
            self.query.single_valued(x),
            self.query.single_valued(k),
        ])
    }

    /// The lemma for the first template on `x`'s value that the model gives a different truth
    /// on `k`'s, for a true equality `x = ${k}`: the two values are one string, so every
    /// pattern holds of both or of neither. Lemma `E ∧ x single ∧ k single → (x ~ T ↔ k ~ T)`,
    /// atoms only, one per (equality, template on `x`): finitely many (the copies are the
    /// query's templates on the finitely many keys' first values). `aws:TagKeys` like
    /// `${aws:PrincipalAccount}` and like `${team}*` gives the account the template `${team}*`,
    /// so the team is chosen first and the account from it, where before every account chosen
    /// without it was refuted by name, one per round.
    fn template_on_tied_key_conflict(&mut self) -> Option<Vec<Term>> {
        let mut found = None;
        'outer: for (equality, x, k) in self.equalities() {
            let on_x = StrVar::Context {
                key: x.clone(),
                slot: 0,
            };
            let on_k = StrVar::Context {
                key: k.clone(),
                slot: 0,
            };
            for &id in self.str_atoms.get(&on_x).into_iter().flatten() {
                if id == equality {
                    continue;
                }
                let Atom::Str {
                    pattern: pattern @ StrPattern::Template(..),
                    ..
                } = &self.query.atoms[id]
                else {
                    continue;
                };
                let copy = Atom::Str {
                    var: on_k.clone(),
                    pattern: pattern.clone(),
                };
                let copy_holds = self.query.atom_id(&copy).map(|c| self.a.atom(c));
                if copy_holds == Some(self.a.atom(id)) {
                    continue;
                }
                found = Some((equality, x.clone(), k.clone(), id, on_k, pattern.clone()));
                break 'outer;
            }
        }
        let (equality, x, k, id, var, pattern) = found?;
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: a template on {x} carried to {k} (equal)");
        }
        let before = self.query.atoms.len();
        let copy = self.query.str_atom(var, pattern);
        let premise = self.tied(equality, &x, &k);
        let mut lemmas = pattern_relation_lemmas(self.query, before, None);
        let on_x = Term::Atom(id);
        lemmas.push(Term::implies(
            Term::and(vec![premise.clone(), on_x.clone()]),
            copy.clone(),
        ));
        lemmas.push(Term::implies(Term::and(vec![premise, copy]), on_x));
        Some(lemmas)
    }
}
