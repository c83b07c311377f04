//! The context builder: chooses each variable's value from the model's atoms.

use super::concretize::{default_value_hint, Step, EXAMPLE_ACCOUNT};
use super::ActionUniverse;
use crate::catalog;
use crate::encode::{
    iam_user_glob, Atom, AtomId, PrincipalKindVar, Query, StrPattern, StrVar, Term, ValueView,
};
use crate::eval::PolicyType;
use crate::request::Principal;
use crate::solve::Assignment;
use std::collections::{BTreeMap, BTreeSet};

// decide (#10): a typed key's text that its templates can read (session 14).
mod typed_text;

pub(super) struct ContextBuilder<'a> {
    pub(super) query: &'a mut Query,
    pub(super) a: &'a Assignment,
    /// The model's string atoms, indexed by variable once.
    pub(super) str_atoms: BTreeMap<StrVar, Vec<AtomId>>,
    /// Chosen values per context key (lowercased); empty = absent.
    pub(super) values: BTreeMap<String, Vec<String>>,
    /// The value chosen for each present slot, before a set drops repeats.
    pub(super) slot_values: BTreeMap<(String, usize), String>,
    /// Keys chosen while templates they must match still read unchosen keys (a cycle of
    /// policy variables); those templates are checked by `deferred_key_violated`.
    pub(super) deferred: BTreeSet<String>,
}

impl<'a> ContextBuilder<'a> {
    pub(super) fn new(query: &'a mut Query, a: &'a Assignment) -> ContextBuilder<'a> {
        let mut str_atoms: BTreeMap<StrVar, Vec<AtomId>> = BTreeMap::new();
        for (id, atom) in query.atoms.iter().enumerate() {
            if let Atom::Str { var, .. } = atom {
                str_atoms.entry(var.clone()).or_default().push(id);
            }
        }
        ContextBuilder {
            query,
            a,
            str_atoms,
            values: BTreeMap::new(),
            slot_values: BTreeMap::new(),
            deferred: BTreeSet::new(),
        }
    }

    /// The string atoms on `var` the model assigned, with their patterns (atoms added while
    /// concretizing have no value in the model and are left out).
    pub(super) fn str_atoms_on<'s>(
        &'s self,
        var: &StrVar,
    ) -> impl Iterator<Item = (AtomId, &'s StrPattern)> + 's {
        let ids = self.str_atoms.get(var).map(Vec::as_slice).unwrap_or(&[]);
        ids.iter().filter_map(|&id| match &self.query.atoms[id] {
            Atom::Str { pattern, .. } => Some((id, pattern)),
            _ => None,
        })
    }
}

impl ContextBuilder<'_> {
    pub(super) fn key_values(&mut self, key: &str) -> Step<Vec<String>> {
        let Some(shape) = self.query.keys.get(key).cloned() else {
            return Step::Done(vec![]);
        };
        let mut out = Vec::new();
        for slot in 0..shape.slots {
            let present = self
                .query
                .atom_id(&Atom::Present {
                    key: key.to_string(),
                    slot,
                })
                .map(|id| self.a.atom(id));
            // A slot with no presence atom is unconstrained: leave it out (absent).
            if present != Some(true) {
                break;
            }
            let value = match shape.view {
                Some(view) => match self.typed_value(key, slot, view, shape.scale) {
                    Step::Done(v) => v,
                    Step::Blocked => return Step::Blocked,
                    Step::Learn(l) => return Step::Learn(l),
                    Step::GiveUp(r) => return Step::GiveUp(r),
                },
                None => {
                    // Values that make a template reading this key equal a literal the model
                    // wants on the template's variable come first: otherwise the key's value
                    // and that literal are chosen apart and rarely meet.
                    let mut hints = self.template_candidates(key);
                    // Two keys given the same placeholder make their templates read the same
                    // text, which a model may rule out (`${a}` true, `${b}` false on one
                    // string); one retry per value would follow. Keys get distinct values.
                    // The shared placeholder stays first: policies that compare keys with
                    // each other (`aws:ResourceTag/p` = `${aws:PrincipalTag/p}`) are met by
                    // equal values, which distinct-first turned into a lemma per value.
                    let default = default_value_hint(key, &shape.name);
                    let taken = |v: &str| self.values.values().flatten().any(|x| x == v);
                    let fresh = taken(&default)
                        .then(|| {
                            (2..100)
                                .map(|n| format!("{default}{n}"))
                                .find(|v| !taken(v))
                        })
                        .flatten();
                    hints.push(default);
                    hints.extend(fresh);
                    // A key a false template reads: values with a fresh character first.
                    let mut hints = self.with_fresh_hints(key, hints);
                    // A later slot tries the values earlier slots took last: two values
                    // that differ are what a request with several values usually holds.
                    hints.sort_by_key(|h| out.contains(h));
                    // Two templates reading this key on one string: a value that solves
                    // their word equation (the readable hints first), or a lemma.
                    if std::env::var_os("KEYAKI_TRACE").is_some() {
                        eprintln!(
                            "keyaki: choosing {key}[{slot}], hints {hints:?}, second value {}",
                            single_slot_excluded(self, key)
                        );
                    }
                    if slot == 0 && !single_slot_excluded(self, key) {
                        // A literal read through a template: the finite set of values first.
                        match self.finite_values(key) {
                            super::finite::Finite::Learn(l) => return Step::Learn(l),
                            super::finite::Finite::Holds(values) => {
                                for (i, v) in values.into_iter().enumerate() {
                                    hints.insert(i, v);
                                }
                            }
                        }
                        match self.word_equation(key, &hints) {
                            Some(Step::Done(value)) => hints.insert(0, value),
                            Some(Step::Learn(l)) => return Step::Learn(l),
                            // Keys it is compared with come first.
                            Some(Step::Blocked) => return Step::Blocked,
                            _ => {}
                        }
                    }
                    match self.string(
                        &StrVar::Context {
                            key: key.to_string(),
                            slot,
                        },
                        &hints,
                    ) {
                        Step::Done(v) => v,
                        Step::Blocked => return Step::Blocked,
                        Step::Learn(l) => return Step::Learn(l),
                        Step::GiveUp(r) => return Step::GiveUp(r),
                    }
                }
            };
            self.slot_values
                .insert((key.to_string(), slot), value.clone());
            out.push(value);
        }
        if shape.multivalued && out.len() > 1 {
            // Two slots may have been given the same text; a set keeps one copy, unless that
            // leaves one value where the model has two: `${k}` reads a key only when it holds
            // one value, and the evaluator counts entries, so `[x, x]` keeps "not single".
            let mut seen = BTreeSet::new();
            let distinct: Vec<String> = out
                .iter()
                .filter(|v| seen.insert((*v).clone()))
                .cloned()
                .collect();
            if distinct.len() > 1 || !single_slot_excluded(self, key) {
                out = distinct;
            }
        }
        Step::Done(out)
    }

    /// The text of a typed key's slot: the model's number, date or address written in a form
    /// that also meets the string atoms on the slot (templates read that text), see
    /// `typed_text.rs`.
    pub(super) fn typed_value(
        &mut self,
        key: &str,
        slot: usize,
        view: ValueView,
        scale: u32,
    ) -> Step<String> {
        // The empty string (a null data set for the set operators) parses in no view.
        let empty_id = self.query.atom_id(&Atom::Str {
            var: StrVar::Context {
                key: key.to_string(),
                slot,
            },
            pattern: StrPattern::Glob(crate::pattern::Glob::literal("")),
        });
        let parses_id = self.query.atom_id(&Atom::Parses {
            key: key.to_string(),
            slot,
            view,
        });
        let empty = empty_id.is_some_and(|id| self.a.atom(id));
        let parses = parses_id.map(|id| self.a.atom(id));
        if empty {
            if let (Some(empty_id), Some(parses_id), Some(true)) = (empty_id, parses_id, parses) {
                // An atom made during the search has no up-front lemma: "" parses in no view,
                // true of every request (written "" it would not replay).
                return Step::Learn(vec![Term::implies(
                    Term::Atom(empty_id),
                    Term::not(Term::Atom(parses_id)),
                )]);
            }
            return Step::Done(String::new());
        }
        let (model_text, candidates) = if parses == Some(false) {
            let text = match view {
                ValueView::Number => "not-a-number",
                ValueView::Date => "not-a-date",
                ValueView::Ip => "not-an-ip-address",
            }
            .to_string();
            (text.clone(), vec![text])
        } else {
            self.model_texts(key, slot, view, scale)
        };
        let mut candidates = candidates;
        // A literal read through a template (`b/x` beside `b/${k}`) pins the text to finitely
        // many values: learned first, so a lemma on the text names one of them, not one of
        // the value's endless spellings (`finite.rs`).
        if slot == 0 && !single_slot_excluded(self, key) {
            if let Some(lemma) = self.foreign_character_lemma(key, view) {
                return Step::Learn(vec![lemma]);
            }
            match self.finite_values(key) {
                super::finite::Finite::Learn(l) => return Step::Learn(l),
                super::finite::Finite::Holds(values) => candidates.extend(values),
            }
        }
        candidates.extend(self.template_candidates(key));
        self.typed_text(key, slot, candidates, model_text)
    }

    /// The model's typed value as printed, and its texts the evaluator reads alike (the
    /// plainest first).
    fn model_texts(
        &self,
        key: &str,
        slot: usize,
        view: ValueView,
        scale: u32,
    ) -> (String, Vec<String>) {
        match view {
            ValueView::Number => {
                let v = self
                    .a
                    .ints
                    .get(&(key.to_string(), slot, view))
                    .copied()
                    .unwrap_or(0);
                let d = crate::model::Decimal { mantissa: v, scale };
                // Printed without trailing zeros.
                let printed = crate::model::Decimal::parse(&d.to_string())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| d.to_string());
                (printed, typed_text::number_texts(d))
            }
            ValueView::Date => {
                let ms = self
                    .a
                    .ints
                    .get(&(key.to_string(), slot, view))
                    .copied()
                    .unwrap_or(1_577_836_800_000);
                (
                    super::concretize::format_date(ms),
                    typed_text::date_texts(ms),
                )
            }
            ValueView::Ip => {
                let bits = self
                    .a
                    .ips
                    .get(&(key.to_string(), slot))
                    .copied()
                    .unwrap_or(0xCB00_7107);
                let v6 = self
                    .query
                    .atom_id(&Atom::IsIpv6 {
                        key: key.to_string(),
                        slot,
                    })
                    .map(|id| self.a.atom(id))
                    .unwrap_or(false);
                let ip = if v6 {
                    std::net::IpAddr::V6(std::net::Ipv6Addr::from(bits))
                } else {
                    std::net::IpAddr::V4(std::net::Ipv4Addr::from(bits as u32))
                };
                (ip.to_string(), typed_text::ip_texts(ip))
            }
        }
    }

    /// The action name: a real catalog action when one fits, else (open universe) any string.
    pub(super) fn action(&mut self, universe: ActionUniverse) -> Step<String> {
        let (pos, neg, pos_ids, neg_ids) = match self.constraints(&StrVar::Action) {
            Ok(c) => c,
            Err(step) => return step,
        };
        let cat = catalog::catalog();
        let candidates = match pos.first() {
            Some(g) => cat.actions_matching(g),
            None => Vec::new(),
        };
        let fits = |name: &str| {
            pos.iter().all(|g| g.matches(name)) && !neg.iter().any(|g| g.matches(name))
        };
        for info in &candidates {
            let lower = info.lower_name.clone();
            if fits(&lower) {
                return Step::Done(info.full_name.clone());
            }
        }
        if pos.is_empty() {
            // Unconstrained by positive patterns: try well-known actions before inventing one.
            for info in cat.all_actions() {
                if fits(&info.lower_name.clone()) {
                    return Step::Done(info.full_name.clone());
                }
            }
        }
        match universe {
            ActionUniverse::Catalog => {
                // No catalog action has this combination of patterns: rule the combination out.
                let literals = pos_ids
                    .iter()
                    .map(|id| Term::Atom(*id))
                    .chain(neg_ids.iter().map(|id| Term::not(Term::Atom(*id))));
                Step::Learn(vec![Term::not(Term::and(literals.collect::<Vec<_>>()))])
            }
            ActionUniverse::Open => {
                self.witness_or_learn(&pos, &neg, &pos_ids, &neg_ids, "service:example")
            }
        }
    }

    pub(super) fn principal(&mut self) -> Step<Principal> {
        let kind = if self.query.policy_type == Some(PolicyType::Resource) {
            crate::encode::PRINCIPAL_KINDS
                .iter()
                .copied()
                .find(|k| {
                    self.query
                        .atom_id(&Atom::PrincipalKind(*k))
                        .is_some_and(|id| self.a.atom(id))
                })
                .unwrap_or(PrincipalKindVar::Aws)
        } else {
            PrincipalKindVar::Aws
        };
        let hints: Vec<String> = match kind {
            PrincipalKindVar::Aws => vec![
                self.identity_principal_hint(),
                "arn:aws:iam::444455556666:user/external".to_string(),
                "arn:aws:sts::444455556666:assumed-role/external/session".to_string(),
                "arn:aws:iam::444455556666:root".to_string(),
            ],
            PrincipalKindVar::Service => vec!["example.amazonaws.com".to_string()],
            PrincipalKindVar::Federated => vec![
                "cognito-identity.amazonaws.com".to_string(),
                "arn:aws:iam::444455556666:oidc-provider/example.com".to_string(),
            ],
            PrincipalKindVar::CanonicalUser => {
                vec!["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_string()]
            }
            PrincipalKindVar::Anonymous => return Step::Done(Principal::Anonymous),
        };
        let value = match self.string(&StrVar::Principal, &hints) {
            Step::Done(v) => v,
            Step::Blocked => return Step::Blocked,
            Step::Learn(l) => return Step::Learn(l),
            Step::GiveUp(r) => return Step::GiveUp(r),
        };
        Step::Done(match kind {
            PrincipalKindVar::Service => Principal::Service(value),
            PrincipalKindVar::Federated => Principal::Federated(value),
            PrincipalKindVar::CanonicalUser => Principal::CanonicalUser(value),
            _ => Principal::Aws(value),
        })
    }

    /// An AWS principal consistent with the chosen principal-derived keys.
    pub(super) fn identity_principal_hint(&self) -> String {
        let single = |k: &str| self.values.get(k).and_then(|v| v.first()).cloned();
        let username_absent = self.query.keys.contains_key("aws:username")
            && self.values.get("aws:username").is_none_or(|v| v.is_empty());
        if let Some(arn) = single("aws:principalarn") {
            // A user ARN derives aws:username: only when the model has one.
            if arn.starts_with("arn:") && iam_user_glob().matches(&arn) && !username_absent {
                return arn;
            }
        }
        let account = single("aws:principalaccount")
            .filter(|a| crate::request::is_account_id(a))
            .unwrap_or_else(|| EXAMPLE_ACCOUNT.to_string());
        let wants_user = self.query.keys.contains_key("aws:username")
            && self
                .values
                .get("aws:username")
                .is_some_and(|v| !v.is_empty());
        let username_known = self.query.keys.contains_key("aws:username");
        if !username_known || wants_user {
            let name = single("aws:username")
                .filter(|n| !n.contains(['/', ':']))
                .unwrap_or_else(|| "example".into());
            format!("arn:aws:iam::{account}:user/{name}")
        } else {
            format!("arn:aws:sts::{account}:assumed-role/example/session")
        }
    }

    /// Does a template on one of `key`'s own values read another key?
    pub(super) fn carries_templates(&self, key: &str) -> bool {
        self.str_atoms.iter().any(|(var, ids)| {
            matches!(var, StrVar::Context { key: k, .. } if k == key)
                && ids.iter().any(|&id| {
                    matches!(&self.query.atoms[id], Atom::Str { pattern: StrPattern::Template(t, _), .. }
                        if t.variable_keys().any(|k| k != key))
                })
        })
    }

    pub(super) fn is_deferred(&self, var: &StrVar) -> bool {
        matches!(var, StrVar::Context { key, .. } if self.deferred.contains(key))
    }

    /// A deferred key whose chosen value breaks one of its atoms, now that every key it
    /// reads has a value.
    pub(super) fn deferred_key_violated(&mut self) -> Option<String> {
        let deferred = std::mem::take(&mut self.deferred);
        let chosen: Vec<((String, usize), String)> = self
            .slot_values
            .iter()
            .filter(|((key, _), _)| deferred.contains(key))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((key, slot), value) in chosen {
            let var = StrVar::Context {
                key: key.clone(),
                slot,
            };
            let fits = match (self.constraints(&var), self.case_insensitive_texts(&var)) {
                (Ok((pos, neg, _, _)), Ok((wanted, unwanted))) => {
                    let lower = value.to_lowercase();
                    pos.iter().all(|g| g.matches(&value))
                        && !neg.iter().any(|g| g.matches(&value))
                        && wanted.iter().all(|w| *w == lower)
                        && !unwanted.contains(&lower)
                }
                _ => false,
            };
            if !fits && std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: {key}[{slot}] = {value:?} breaks its own templates; values {:?}",
                    self.values
                );
            }
            if !fits {
                return Some(key);
            }
        }
        None
    }
}

/// The model gives `key` a second value (the templates then read its default, or nothing).
fn single_slot_excluded(ctx: &ContextBuilder<'_>, key: &str) -> bool {
    ctx.query
        .atom_id(&Atom::Present {
            key: key.to_string(),
            slot: 1,
        })
        .is_some_and(|id| ctx.a.atom(id))
}
