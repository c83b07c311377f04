//! What a key chosen to break a cycle of policy variables asks of the keys it reads.
//!
//! When every pending key waits on another (`team` unlike `${username}`, `username` equal to
//! `${team}` ignoring case), one key `x` is chosen first without its templates that read
//! keys not chosen yet. Its value `v` is then fixed, and a template `T` on `x` that reads a
//! key `k` holds for exactly the values `u` of `k` with `v ∈ T[u]`. A value's characters are
//! literal where it is substituted (`Template::resolve`), and folding maps one character to
//! one, so such a `u` is a substring of `v` (ignoring case: a case variant of one): a finite
//! set, found by trying every substring. A true `T` asks `k` to be one of them, a false one
//! asks it to be none of them. Before, `k` was chosen without these and the first key's
//! template was checked afterwards: the give-up "the value chosen to break it does not fit"
//! (`team` = `example`, then `username` = `example` from the equality, which makes `team`
//! like `${username}` after all; now `username` = `Example`).

use super::concretize::Step;
use super::context::ContextBuilder;
use crate::encode::{MatchMode, StrPattern, StrVar};
use crate::pattern::{chars_to_string, Glob};
use std::collections::BTreeSet;

/// Values longer than this are not split (the later check still catches a broken template).
const MAX_SPLIT_CHARS: usize = 128;
/// At most this many substrings are taken as negative globs.
const MAX_EXCLUDED: usize = 64;

/// Globs on a key's first value implied by the templates of keys chosen first in a cycle.
#[derive(Default)]
pub(super) struct CycleSides {
    pub(super) pos: Vec<Glob>,
    pub(super) neg: Vec<Glob>,
}

impl ContextBuilder<'_> {
    /// The globs the deferred keys' chosen values put on `key`'s first value, or a give-up
    /// when a true template on a deferred key holds for no value of `key`.
    pub(super) fn cycle_sides(&self, key: &str) -> Result<CycleSides, Step<String>> {
        let mut sides = CycleSides::default();
        if self.deferred.is_empty() || self.values.contains_key(key) || !self.model_single(key) {
            return Ok(sides);
        }
        for ((owner, slot), chosen) in &self.slot_values {
            if !self.deferred.contains(owner) || owner == key {
                continue;
            }
            let var = StrVar::Context {
                key: owner.clone(),
                slot: *slot,
            };
            for (id, pattern) in self.str_atoms_on(&var) {
                let StrPattern::Template(t, mode) = pattern else {
                    continue;
                };
                if !t.variable_keys().any(|k| k == key) {
                    continue;
                }
                let Some(values) = self.values_holding(t, *mode, key, chosen) else {
                    continue;
                };
                let glob = |u: &String| match mode {
                    MatchMode::IgnoreCase => Glob::ignore_case(u),
                    _ => Glob::literal(u),
                };
                if self.a.atom(id) {
                    match values.len() {
                        0 => {
                            return Err(Step::GiveUp(format!(
                                "policy variables refer to each other in a cycle through key {owner}, and no value of {key} fits the value chosen to break it"
                            )))
                        }
                        // Several: the later check of the deferred key decides.
                        1 => sides.pos.extend(values.iter().map(glob)),
                        _ => {}
                    }
                } else if values.len() <= MAX_EXCLUDED {
                    sides.neg.extend(values.iter().map(glob));
                }
            }
        }
        Ok(sides)
    }

    /// The keys of `still` (every one waiting on another) a cycle may be broken at, best
    /// first. A key whose own value carries no template is only read, and the keys reading
    /// it then see its value (`arn = user/${u}`, `arn = user/${t}`: `u` first, then `t` and
    /// `arn` from it; `arn` first is a guess that breaks both); among those, the one most
    /// true templates read (their word equations pin it: an account chosen before the user
    /// name that the resource pins, and equal to it ignoring case, was refuted value by
    /// value). Then the others in name order: when the value chosen for one leaves no value
    /// for another (`team` chosen without `team ≡ ${u}*${u}`, no `u` fits it), the cycle is
    /// broken at the next (`u` first, then `team` from its template): finitely many tries.
    pub(super) fn cycle_break_order(&self, still: &[String]) -> Vec<String> {
        let unchosen: Vec<&String> = still
            .iter()
            .filter(|k| !self.deferred.contains(*k))
            .collect();
        let mut only_read: Vec<(usize, &String)> = unchosen
            .iter()
            .filter(|k| !self.carries_templates(k))
            .map(|k| (self.true_templates_reading(k), *k))
            .collect();
        only_read.sort_by_key(|(reads, _)| std::cmp::Reverse(*reads));
        let mut order: Vec<String> = only_read.into_iter().map(|(_, k)| k.clone()).collect();
        for key in unchosen {
            if !order.contains(key) {
                order.push(key.clone());
            }
        }
        order
    }

    /// How many true templates on strings other than `key`'s own values read `key`: the
    /// word equations that pin its value.
    pub(super) fn true_templates_reading(&self, key: &str) -> usize {
        self.str_atoms
            .keys()
            .filter(|var| !matches!(var, StrVar::Context { key: k, .. } if k == key))
            .map(|var| {
                self.str_atoms_on(var)
                    .filter(|(id, p)| {
                        matches!(p, StrPattern::Template(t, _)
                            if self.a.atom(*id) && t.variable_keys().any(|k| k == key))
                    })
                    .count()
            })
            .sum()
    }

    /// The values `u` of `key` with `text ∈ t[u]` (other keys read as chosen), lowercased
    /// when `t` ignores case; `None` when another key it reads has no value yet or `text`
    /// is too long to split.
    pub(super) fn values_holding(
        &self,
        t: &crate::pattern::Template,
        mode: MatchMode,
        key: &str,
        text: &str,
    ) -> Option<BTreeSet<String>> {
        let chars: Vec<char> = text.chars().collect();
        if chars.len() > MAX_SPLIT_CHARS {
            return None;
        }
        let mut out = BTreeSet::new();
        for i in 0..=chars.len() {
            for j in i..=chars.len() {
                let u: String = chars[i..j].iter().collect();
                let u = if mode == MatchMode::IgnoreCase {
                    crate::pattern::fold_case(&u)
                } else {
                    u
                };
                if out.contains(&u) {
                    continue;
                }
                let mut unresolved = false;
                let resolved = t.resolve(|k| {
                    if k == key {
                        return Some(u.clone());
                    }
                    match self.values.get(k).map(Vec::as_slice) {
                        Some([v]) => Some(v.clone()),
                        Some(_) => None,
                        None => {
                            unresolved |= self.query.keys.contains_key(k);
                            None
                        }
                    }
                });
                if unresolved {
                    return None;
                }
                let Some(resolved) = resolved else {
                    continue;
                };
                let glob = match mode {
                    MatchMode::Exact => Glob::literal(&chars_to_string(&resolved)),
                    MatchMode::IgnoreCase => Glob::ignore_case(&chars_to_string(&resolved)),
                    MatchMode::Like => Glob::from_chars(&resolved, false),
                    MatchMode::Arn => Glob::from_chars(&resolved, true),
                };
                if glob.matches(text) {
                    out.insert(u);
                }
            }
        }
        Some(out)
    }
}
