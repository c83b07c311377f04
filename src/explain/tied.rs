//! Templates of two keys the model ties together: `x = ${k}` makes `${x}` read `k`'s text.
//!
//! A true atom `x = ${k}` (Exact, Like or ARN: a value's characters are literal in the
//! pattern, `Template::resolve`) with both keys single-valued says that `x`'s value *is*
//! `k`'s. Every template reading `x` then reads the same text as that template with `x`
//! renamed `k`, so two templates on one string, `A` true and `C` false, with the renamed
//! `A` inside the renamed `C` for every value of `k` (the inclusion of `encode/lemmas/
//! symbolic.rs`, holes as symbols) cannot hold together. Refuted value by value, the
//! concretizer chose `k` and `x` equal, built the string from `A`, met `C`, and learned a
//! lemma naming the two values, one of infinitely many; this lemma names atoms only
//! (`team` like `${aws:username}`, resource `b/${aws:username}/*` true and
//! `b/${team, 'none'}/*` false: one lemma).

use super::context::ContextBuilder;
use crate::automata::is_subset;
use crate::encode::{one_variable_glob, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Template, TemplatePart};

impl ContextBuilder<'_> {
    /// A lemma for the first true template inside a false one on the same string once the
    /// keys tied by a true equality are renamed; `None` when there is none.
    pub(super) fn tied_template_conflict(&mut self) -> Option<Vec<Term>> {
        for (equality, tied, key) in self.equalities() {
            let Some((a, c)) = self.inclusion_under(&tied, &key) else {
                continue;
            };
            let mut literals = vec![
                Term::Atom(equality),
                self.query.single_valued(&tied),
                self.query.single_valued(&key),
                Term::Atom(a),
                Term::not(Term::Atom(c)),
            ];
            literals.dedup();
            return Some(vec![Term::not(Term::and(literals))]);
        }
        None
    }

    /// A string equal to `${k}` (exactly, or ignoring case: folding maps one character to
    /// one) and matching a template that reads `k` once with text of length at least one
    /// around it: `|x| = |T|` and `|x| ≥ |T| + 1` for the text `T` both read, whatever `k`'s
    /// value (with the same default, in every class; with different defaults, when `k` is
    /// single). `s3:prefix` equal to `${team, 'none'}` ignoring case and like
    /// `${team, 'none'}/*`: one lemma, where the value-by-value refutation never ended.
    pub(super) fn self_tied_conflict(&mut self) -> Option<Vec<Term>> {
        let mut found = None;
        'vars: for ids in self.str_atoms.values() {
            for &e in ids.iter().filter(|id| self.a.atom(**id)) {
                let Atom::Str {
                    pattern: StrPattern::Template(t, _),
                    ..
                } = &self.query.atoms[e]
                else {
                    continue;
                };
                let [TemplatePart::Var {
                    key_lower: key,
                    default: e_default,
                    ..
                }] = t.parts.as_slice()
                else {
                    continue;
                };
                for &a in ids.iter().filter(|id| **id != e && self.a.atom(**id)) {
                    let Atom::Str {
                        pattern: StrPattern::Template(u, mode),
                        ..
                    } = &self.query.atoms[a]
                    else {
                        continue;
                    };
                    let mut reads = u.parts.iter().filter_map(|p| match p {
                        TemplatePart::Var {
                            key_lower, default, ..
                        } => Some((key_lower, default)),
                        _ => None,
                    });
                    let (Some((a_key, a_default)), None) = (reads.next(), reads.next()) else {
                        continue;
                    };
                    if a_key != key {
                        continue;
                    }
                    let Some(glob) = one_variable_glob(u, *mode, key) else {
                        continue;
                    };
                    let at_least = glob
                        .tokens()
                        .iter()
                        .filter(|t| !t.is_star() && !matches!(t, crate::pattern::Token::Hole(_)))
                        .count();
                    if at_least > 0 {
                        found = Some((e, a, key.clone(), e_default != a_default));
                        break 'vars;
                    }
                }
            }
        }
        let (e, a, key, needs_single) = found?;
        let mut literals = vec![Term::Atom(e), Term::Atom(a)];
        if needs_single {
            literals.push(self.query.single_valued(&key));
        }
        Some(vec![Term::not(Term::and(literals))])
    }

    /// A string equal to `${k}` (exactly or ignoring case: either way as long as `k`'s value,
    /// folding maps one character to one), like `${k}*` (starting with `k`'s value, `*`s
    /// after it) and not exactly `${k}`, with `k` single: the first two make the rest after
    /// the value empty, so the string is the value and the third is true. The owner tag like
    /// `${aws:username}*` and equal to it ignoring case, against a baseline asking it equal:
    /// one lemma, where the value-by-value refutation never ended. Atoms only.
    pub(super) fn prefix_tied_conflict(&mut self) -> Option<Vec<Term>> {
        let lone_key = |t: &Template| match t.parts.as_slice() {
            [TemplatePart::Var { key_lower, .. }] => Some(key_lower.clone()),
            _ => None,
        };
        let mut found = None;
        'vars: for ids in self.str_atoms.values() {
            let template = |id: AtomId| match &self.query.atoms[id] {
                Atom::Str {
                    pattern: StrPattern::Template(t, mode),
                    ..
                } => Some((t, *mode)),
                _ => None,
            };
            let truth = |id: AtomId| self.a.atom(id);
            for &c in ids.iter().filter(|id| !truth(**id)) {
                let Some((t, MatchMode::Exact)) = template(c) else {
                    continue;
                };
                let Some(key) = lone_key(t) else { continue };
                let equal = ids.iter().copied().find(|&e| {
                    truth(e)
                        && template(e).is_some_and(|(t, mode)| {
                            mode != MatchMode::Arn && lone_key(t).as_ref() == Some(&key)
                        })
                });
                let prefix = ids.iter().copied().find(|&a| {
                    truth(a)
                        && template(a).is_some_and(|(t, mode)| {
                            mode == MatchMode::Like
                                && one_variable_glob(t, mode, &key).is_some_and(|g| {
                                    matches!(
                                        g.tokens().first(),
                                        Some(crate::pattern::Token::Hole(_))
                                    ) && g.tokens()[1..].iter().all(|t| t.is_star())
                                })
                        })
                });
                if let (Some(e), Some(a)) = (equal, prefix) {
                    found = Some((e, a, c, key));
                    break 'vars;
                }
            }
        }
        let (e, a, c, key) = found?;
        let literals = vec![
            self.query.single_valued(&key),
            Term::Atom(e),
            Term::Atom(a),
            Term::not(Term::Atom(c)),
        ];
        Some(vec![Term::not(Term::and(literals))])
    }

    /// `x = ${k, d}` true and `k = ${x, d'}` false, both keys single: `${k, d}` then reads
    /// `k`'s value whatever the default, so the two say the same thing (an exact equality
    /// implies one ignoring case; the same mode is symmetric). The encoder's symmetry lemma
    /// (`mutual_equality_lemmas`) takes templates without defaults only; with one, a model
    /// could ask for `x = k` and `k != x` at once, and the concretizer broke that cycle by
    /// choosing one key first, which the other then contradicted (a give-up). Atoms only.
    pub(super) fn mutual_equality_conflict(&mut self) -> Option<Vec<Term>> {
        let lone = |atom: &Atom| match atom {
            Atom::Str {
                var: StrVar::Context { key, slot: 0 },
                pattern: StrPattern::Template(t, mode),
            } => match t.parts.as_slice() {
                [TemplatePart::Var { key_lower, .. }] if key_lower != key => {
                    Some((key.clone(), key_lower.clone(), *mode))
                }
                _ => None,
            },
            _ => None,
        };
        let exact = |m: MatchMode| m != MatchMode::IgnoreCase;
        let mut found = None;
        'outer: for ids in self.str_atoms.values() {
            for &a in ids.iter().filter(|id| self.a.atom(**id)) {
                let Some((x, k, mode_a)) = lone(&self.query.atoms[a]) else {
                    continue;
                };
                if !self.model_single(&x) || !self.model_single(&k) {
                    continue;
                }
                let own_k = StrVar::Context {
                    key: k.clone(),
                    slot: 0,
                };
                for (b, _) in self.str_atoms_on(&own_k) {
                    if self.a.atom(b) {
                        continue;
                    }
                    let Some((_, reads, mode_b)) = lone(&self.query.atoms[b]) else {
                        continue;
                    };
                    if reads == x && (exact(mode_a) || !exact(mode_b)) {
                        found = Some((a, b, x, k));
                        break 'outer;
                    }
                }
            }
        }
        let (a, b, x, k) = found?;
        let literals = vec![
            Term::Atom(a),
            Term::not(Term::Atom(b)),
            self.query.single_valued(&x),
            self.query.single_valued(&k),
        ];
        Some(vec![Term::not(Term::and(literals))])
    }

    /// `x = ${k}` true, both keys single, and a template `T` on `k`'s first value that reads
    /// `x` once and no other key. With `x` renamed `k`, `T` reads `k`'s own value `v` as
    /// `t1·v'·t2` with `|v'| = |v|` (folding maps one character to one); `v` matches it only
    /// if `t1` and `t2` can be empty (the length argument of the self-reference lemma), so
    /// such a `T` is false. When they can, `v'` is `v` itself if the equality is exact, or
    /// `T` ignores case, and `T` is true. (`username = ${team}` and `team` like
    /// `${username}-*`: one lemma, where breaking the cycle left no value for either key.)
    /// Atoms only.
    pub(super) fn renamed_self_conflict(&mut self) -> Option<Vec<Term>> {
        let mut found = None;
        'outer: for (var, ids) in &self.str_atoms {
            let StrVar::Context { key: x, slot: 0 } = var else {
                continue;
            };
            for &e in ids.iter().filter(|id| self.a.atom(**id)) {
                let Atom::Str {
                    pattern: StrPattern::Template(t, mode_e),
                    ..
                } = &self.query.atoms[e]
                else {
                    continue;
                };
                let [TemplatePart::Var { key_lower: k, .. }] = t.parts.as_slice() else {
                    continue;
                };
                if k == x || !self.model_single(x) || !self.model_single(k) {
                    continue;
                }
                let own_k = StrVar::Context {
                    key: k.clone(),
                    slot: 0,
                };
                for (c, pattern) in self.str_atoms_on(&own_k) {
                    let StrPattern::Template(u, mode_t) = pattern else {
                        continue;
                    };
                    if u.variable_keys().collect::<Vec<_>>() != [x.as_str()] {
                        continue;
                    }
                    let empty_able = text_can_be_empty(u, *mode_t);
                    let same_text =
                        *mode_e != MatchMode::IgnoreCase || *mode_t == MatchMode::IgnoreCase;
                    let truth = self.a.atom(c);
                    if !empty_able && truth {
                        found = Some((e, c, x.clone(), k.clone(), true));
                        break 'outer;
                    }
                    if empty_able && same_text && !truth {
                        found = Some((e, c, x.clone(), k.clone(), false));
                        break 'outer;
                    }
                }
            }
        }
        let (e, c, x, k, truth) = found?;
        let c = if truth {
            Term::Atom(c)
        } else {
            Term::not(Term::Atom(c))
        };
        let literals = vec![
            Term::Atom(e),
            c,
            self.query.single_valued(&x),
            self.query.single_valued(&k),
        ];
        Some(vec![Term::not(Term::and(literals))])
    }

    /// True atoms `tied = ${key}` compared exactly (Exact, Like, ARN) on `tied`'s first
    /// value, both keys single-valued in the model.
    pub(super) fn equalities(&self) -> Vec<(AtomId, String, String)> {
        let mut out = Vec::new();
        for (var, ids) in &self.str_atoms {
            let StrVar::Context { key: tied, slot: 0 } = var else {
                continue;
            };
            for &id in ids {
                let Atom::Str {
                    pattern: StrPattern::Template(t, mode),
                    ..
                } = &self.query.atoms[id]
                else {
                    continue;
                };
                let [TemplatePart::Var { key_lower, .. }] = t.parts.as_slice() else {
                    continue;
                };
                if *mode != MatchMode::IgnoreCase
                    && key_lower != tied
                    && self.a.atom(id)
                    && self.model_single(tied)
                    && self.model_single(key_lower)
                {
                    out.push((id, tied.clone(), key_lower.clone()));
                }
            }
        }
        out
    }

    /// A true template `A` and a false one `C` on one string, each reading `tied` or `key`
    /// (at least one of them `tied`), with `A` inside `C` once `tied` reads as `key`.
    fn inclusion_under(&self, tied: &str, key: &str) -> Option<(AtomId, AtomId)> {
        for ids in self.str_atoms.values() {
            let renamed: Vec<(AtomId, bool, crate::pattern::Glob)> = ids
                .iter()
                .filter_map(|&id| match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } if t.variable_keys().any(|k| k == tied)
                        || t.variable_keys().any(|k| k == key) =>
                    {
                        let glob = one_variable_glob(&rename(t, tied, key), *mode, key)?;
                        Some((id, t.variable_keys().any(|k| k == tied), glob))
                    }
                    _ => None,
                })
                .collect();
            for (a, a_tied, a_glob) in &renamed {
                if !self.a.atom(*a) {
                    continue;
                }
                for (c, c_tied, c_glob) in &renamed {
                    if self.a.atom(*c) || !(*a_tied || *c_tied) {
                        continue;
                    }
                    if is_subset(a_glob, c_glob) {
                        return Some((*a, *c));
                    }
                }
            }
        }
        None
    }
}

/// `t` with every variable `tied` read as `key`.
fn rename(t: &Template, tied: &str, key: &str) -> Template {
    let parts = t
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Var {
                key_lower, default, ..
            } if key_lower == tied => TemplatePart::Var {
                key: key.to_string(),
                key_lower: key.to_string(),
                default: default.clone(),
            },
            other => other.clone(),
        })
        .collect();
    Template { parts }
}

/// Can the text around a template's values be empty? (No text for the equality operators,
/// only `*` for Like and ARN.) The rule of `self_reference_lemmas` (`encode/lemmas/
/// templates.rs`), which keeps its own copy inside the lemma loop.
fn text_can_be_empty(t: &Template, mode: MatchMode) -> bool {
    t.parts.iter().all(|part| match part {
        TemplatePart::Var { .. } => true,
        TemplatePart::Text(text) => match mode {
            MatchMode::Exact | MatchMode::IgnoreCase => text.is_empty(),
            MatchMode::Like | MatchMode::Arn => text.chars().all(|c| c == '*'),
        },
        TemplatePart::Escaped(_) => false,
    })
}
