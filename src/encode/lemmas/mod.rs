//! Lemmas: facts every concrete request satisfies, added to every query up front.

mod beyond;
mod cancelled_ends;
mod chained;
mod length_cycles;
mod pins;
mod readings;
mod relations;
mod substitute;
mod symbolic;
mod templates;
use templates::template_lemmas;

pub use readings::{fold_glob, is_case_closed};
pub use relations::{arn_segments, pattern_relation_lemmas};
pub use symbolic::one_variable_glob;
pub use templates::template_over_approximation;

use super::query::{Atom, AtomId, Query, StrPattern, StrVar, ValueView, PRINCIPAL_KINDS};
use super::term::Term;
use super::{MAX_PARSED_DATE_MS, MIN_PARSED_DATE_MS};
use crate::eval::PolicyType;
use crate::model::Comparison;
use crate::pattern::Glob;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Facts every concrete request satisfies: one principal kind, value slots filled in order,
/// relations between string patterns, template over-approximations, principal-derived keys.
pub fn add_domain_lemmas(query: &mut Query) {
    add_domain_lemmas_until(query, None);
}

/// As [`add_domain_lemmas`]; relating patterns stops at `deadline` (dropping helper lemmas
/// keeps the answer sound).
pub fn add_domain_lemmas_until(query: &mut Query, deadline: Option<Instant>) {
    let mut lemmas = Vec::new();
    if query.policy_type == Some(PolicyType::Resource) {
        let kinds: Vec<Term> = PRINCIPAL_KINDS.iter().map(|k| query.kind(*k)).collect();
        lemmas.push(Term::or(kinds.clone()));
        for i in 0..kinds.len() {
            for j in i + 1..kinds.len() {
                lemmas.push(Term::not(Term::and([kinds[i].clone(), kinds[j].clone()])));
            }
        }
    }
    let keys: Vec<(String, usize)> = query
        .keys
        .iter()
        .map(|(k, s)| (k.clone(), s.slots))
        .collect();
    for (key, slots) in &keys {
        for slot in 1..*slots {
            let later = query.present(key, slot);
            let earlier = query.present(key, slot - 1);
            lemmas.push(Term::implies(later, earlier));
        }
    }
    // A parsed date lies within what `parse_date_millis` can return: the epoch form reaches far
    // beyond years 0001–9999, so no narrower bound holds of every request (session 14).
    let date_slots: Vec<(String, usize)> = query
        .atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Parses {
                key,
                slot,
                view: ValueView::Date,
            } => Some((key.clone(), *slot)),
            _ => None,
        })
        .collect();
    for (key, slot) in date_slots {
        let parses = query.atom(Atom::Parses {
            key: key.clone(),
            slot,
            view: ValueView::Date,
        });
        let low = query.atom(Atom::Cmp {
            key: key.clone(),
            slot,
            view: ValueView::Date,
            cmp: Comparison::Ge,
            value: i128::from(MIN_PARSED_DATE_MS),
        });
        let high = query.atom(Atom::Cmp {
            key,
            slot,
            view: ValueView::Date,
            cmp: Comparison::Le,
            value: i128::from(MAX_PARSED_DATE_MS),
        });
        lemmas.push(Term::implies(parses, Term::and([low, high])));
    }
    // The empty string parses in no typed view (a typed key's null data set).
    let empty_typed: Vec<(String, usize, ValueView)> = query
        .atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Str {
                var: StrVar::Context { key, slot },
                pattern: StrPattern::Glob(g),
            } if g.as_literal().is_some_and(|l| l.is_empty()) => {
                let view = query.keys.get(key)?.view?;
                Some((key.clone(), *slot, view))
            }
            _ => None,
        })
        .collect();
    for (key, slot, view) in empty_typed {
        let empty = query.str_atom(
            StrVar::Context {
                key: key.clone(),
                slot,
            },
            StrPattern::Glob(Glob::literal("")),
        );
        let parses = query.atom(Atom::Parses { key, slot, view });
        lemmas.push(Term::implies(empty, Term::not(parses)));
    }
    // Every request's action is `service:name`, both parts non-empty (the request parser
    // reads nothing else back).
    if query.atoms.iter().any(|a| {
        matches!(
            a,
            Atom::Str {
                var: StrVar::Action,
                ..
            }
        )
    }) {
        lemmas.push(query.str_atom(StrVar::Action, StrPattern::Glob(Glob::wildcard("?*:?*"))));
    }
    // Principal-derived keys get no presence lemmas: a request may give any of them, or give
    // one as an empty array (absent), and the evaluator reads it so ("given values win"). The
    // concretizer writes absent derived keys as `[]` (see encodings/principals.md).
    // First: its atoms on the keys read are related by every lemma below.
    lemmas.extend(cancelled_ends::cancelled_end_lemmas(query));
    lemmas.extend(template_lemmas(query));
    lemmas.extend(length_cycles::length_cycle_lemmas(query));
    let after_templates = query.atoms.len();
    lemmas.extend(symbolic::symbolic_template_lemmas(query, deadline));
    lemmas.extend(substitute::substitution_lemmas(query, deadline));
    // After the substitutions, which give keys read by templates atoms of their own.
    lemmas.extend(chained::chained_equality_lemmas(query));
    // The template atoms made since `template_lemmas` need their keys too.
    lemmas.extend(templates::read_key_lemmas(query, after_templates));
    lemmas.extend(pattern_relation_lemmas(query, 0, deadline));
    lemmas.extend(prefix_trie_lemmas(query));
    query.lemmas.extend(lemmas);
}

/// Patterns whose literal prefixes diverge are disjoint. Rather than one clause per such pair
/// (quadratic), each variable gets a compressed trie of its patterns' literal prefixes: a
/// pattern implies "starts with its prefix", a trie node implies its parent, and the children
/// of a node (which differ at their next character) are at most one true (a ladder: linear).
/// Without this the solver may combine patterns no string satisfies together (two services,
/// two literal values), and each such model would cost a refinement round.
fn prefix_trie_lemmas(query: &mut Query) -> Vec<Term> {
    let mut by_var: BTreeMap<StrVar, Vec<(AtomId, String)>> = BTreeMap::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        if let Atom::Str {
            var,
            pattern: StrPattern::Glob(g),
        } = atom
        {
            let prefix = g.literal_prefix();
            if !prefix.is_empty() {
                by_var.entry(var.clone()).or_default().push((id, prefix));
            }
        }
    }
    let mut lemmas = Vec::new();
    let mut ladder_index = 0usize;
    for (var, atoms) in by_var {
        let mut prefixes: Vec<String> = atoms.iter().map(|(_, p)| p.clone()).collect();
        prefixes.sort();
        prefixes.dedup();
        if prefixes.len() < 2 {
            continue;
        }
        // Nodes: the prefixes and the longest common prefixes of sorted neighbours.
        let mut nodes: BTreeSet<String> = prefixes.iter().cloned().collect();
        for pair in prefixes.windows(2) {
            let common: String = pair[0]
                .chars()
                .zip(pair[1].chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect();
            nodes.insert(common);
        }
        let node_atom = |query: &mut Query, prefix: &str| -> Option<Term> {
            (!prefix.is_empty()).then(|| {
                query.atom(Atom::Prefix {
                    var: var.clone(),
                    prefix: prefix.to_string(),
                })
            })
        };
        for (id, prefix) in &atoms {
            if let Some(node) = node_atom(query, prefix) {
                lemmas.push(Term::implies(Term::Atom(*id), node));
            }
        }
        // Parent of a node: its longest proper prefix among the nodes.
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for node in &nodes {
            if node.is_empty() {
                continue;
            }
            let parent = nodes
                .range(..node.clone())
                .rev()
                .find(|candidate| node.starts_with(candidate.as_str()))
                .cloned()
                .unwrap_or_default();
            if let (Some(child), Some(parent_atom)) =
                (node_atom(query, node), node_atom(query, &parent))
            {
                lemmas.push(Term::implies(child, parent_atom));
            }
            children.entry(parent).or_default().push(node.clone());
        }
        for siblings in children.values().filter(|c| c.len() > 1) {
            let mut previous: Option<Term> = None;
            for sibling in siblings {
                let Some(this) = node_atom(query, sibling) else {
                    continue;
                };
                let ladder = query.atom(Atom::Aux {
                    family: "prefix-ladder",
                    index: ladder_index,
                });
                ladder_index += 1;
                lemmas.push(Term::implies(this.clone(), ladder.clone()));
                if let Some(prev) = previous {
                    lemmas.push(Term::implies(prev.clone(), ladder.clone()));
                    lemmas.push(Term::implies(this, Term::not(prev)));
                }
                previous = Some(ladder);
            }
        }
    }
    lemmas
}

/// IAM user ARNs, for which the evaluator derives `aws:username`.
pub fn iam_user_glob() -> Glob {
    Glob::arn("arn:*:iam::*:user/*")
}
