//! The catalog resource universe in the search (`encodings/resource-universe.md`).
//!
//! The formula leaves the resource free; in the catalog universe the concretizer chooses the
//! action and the resource together: some action meeting the model's action patterns and a
//! resource in that action's [`ResourceShapes`] meeting the resource patterns. When none
//! exists, the lemma "not this combination of action and resource atoms" rules the model
//! out (finitely many combinations: the refinement ends). The shapes are the ones the
//! evaluator's entry points refuse requests by, so the two universes are one.

use super::concretize::{Step, EXAMPLE_ACCOUNT};
use super::context::ContextBuilder;
use super::strings::realistic_arn;
use super::ActionUniverse;
use crate::automata::{self, Witness};
use crate::catalog::catalog;
use crate::encode::{pattern_relation_lemmas, Atom, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Glob, PatternChar, TemplatePart};
use crate::request::universe::{resource_shapes, ResourceShapes};
use std::collections::{BTreeSet, HashMap, HashSet};

mod formats;

/// Invented action names tried before the open action universe is declared undecided.
const INVENTED_TRIES: usize = 8;

/// An action name outside the catalog meeting the model's action patterns.
enum Invented {
    Name(String),
    /// Proved: every name meeting the patterns is a catalog action.
    None,
    Unsure,
}

/// An action and a resource of the catalog universe for the model, or the lemma ruling out
/// its combination of action and resource atoms.
pub(super) fn action_and_resource(
    ctx: &mut ContextBuilder,
    actions: ActionUniverse,
) -> Step<(String, String)> {
    let (apos, aneg, apos_ids, aneg_ids) = match ctx.constraints(&StrVar::Action) {
        Ok(c) => c,
        Err(step) => return blocked_is_give_up(step),
    };
    let (rpos, rneg, rpos_ids, rneg_ids) = match ctx.constraints(&StrVar::Resource) {
        Ok(c) => c,
        Err(step) => return blocked_is_give_up(step),
    };
    let (wanted_ci, unwanted_ci) = match ctx.case_insensitive_texts(&StrVar::Resource) {
        Ok(t) => t,
        Err(step) => return blocked_is_give_up(step),
    };
    if !wanted_ci.is_empty() || !unwanted_ci.is_empty() {
        return Step::GiveUp(
            "the catalog resource universe does not support case-insensitive resource patterns"
                .into(),
        );
    }
    let action_fits =
        |name: &str| apos.iter().all(|g| g.matches(name)) && !aneg.iter().any(|g| g.matches(name));
    let resources = Resources {
        pos: rpos.iter().collect(),
        neg: rneg.iter().collect(),
    };
    // Catalog actions first, in name order; the shapes' answers are shared by every action
    // with the same resource types.
    let cat = catalog();
    let candidates: Vec<_> = match apos.first() {
        Some(g) => cat.actions_matching(g),
        None => cat.all_actions().collect(),
    };
    let mut by_format: HashMap<String, Option<String>> = HashMap::new();
    // Actions with the same service and resource types have the same shapes.
    let mut fruitless: HashSet<(&str, Vec<(&str, bool)>)> = HashSet::new();
    for info in &candidates {
        if !action_fits(&info.lower_name) {
            continue;
        }
        let types = (
            info.service.as_str(),
            info.resource_types
                .iter()
                .map(|r| (r.name.as_str(), r.required))
                .collect::<Vec<_>>(),
        );
        if fruitless.contains(&types) {
            continue;
        }
        match resources.in_shapes(&resource_shapes(&info.lower_name), &mut by_format) {
            Found::Yes(resource) => return Step::Done((info.full_name.clone(), resource)),
            Found::No => {
                fruitless.insert(types);
            }
            Found::Undecided => {
                return Step::GiveUp("wildcard patterns too large to decide".into())
            }
        }
    }
    // An action the catalog does not know (open action universe): `*` or any ARN.
    let mut only_catalog_actions = actions == ActionUniverse::Catalog;
    if actions == ActionUniverse::Open {
        let positive: Vec<&Glob> = apos.iter().collect();
        let mut excluded: Vec<Glob> = aneg.clone();
        let mut invented = Invented::Unsure;
        for _ in 0..INVENTED_TRIES {
            let negative: Vec<&Glob> = excluded.iter().collect();
            match automata::witness_with_hint(&positive, &negative, "service:example") {
                // A catalog name was tried above: look for another.
                Witness::Found(name) if cat.action(&name).is_some() => {
                    excluded.push(Glob::literal(&name))
                }
                Witness::Found(name) => {
                    invented = Invented::Name(name);
                    break;
                }
                // Every name meeting the patterns is a catalog action, tried above.
                Witness::Empty => {
                    invented = Invented::None;
                    break;
                }
                Witness::TooLarge => break,
            }
        }
        only_catalog_actions = matches!(invented, Invented::None);
        if !only_catalog_actions {
            match (
                resources.in_shapes(&ResourceShapes::AnyArn, &mut by_format),
                invented,
            ) {
                (Found::Yes(resource), Invented::Name(name)) => {
                    return Step::Done((name, resource))
                }
                (Found::No, _) => {}
                _ => return Step::GiveUp(
                    "no action name outside the catalog found for the catalog resource universe"
                        .into(),
                ),
            }
        }
    }
    // No action of the universe has a resource meeting these patterns.
    // Whatever values the keys take: templates widened (a value is any text), the negated
    // ones left out. The formats of the fitting actions that still meet them decide the
    // lemma: none, and it names only the query's atoms, not the keys' current values (one of
    // finitely many); a few, and the resource is learned to lie in one of them, so that the
    // keys' values are chosen inside the formats (`formats.rs`).
    let widened = widened_resources(ctx, &rpos, &rpos_ids, &rneg, &rneg_ids);
    let widened = Resources {
        pos: widened.0.iter().collect(),
        neg: widened.1.iter().collect(),
    };
    let fitting: Vec<_> = candidates
        .iter()
        .copied()
        .filter(|info| action_fits(&info.lower_name))
        .collect();
    // An action atom reading a key (none today) would make the fitting actions depend on its
    // value: then only the lemma naming the values is sound.
    let action_reads_keys = apos_ids
        .iter()
        .chain(&aneg_ids)
        .any(|&id| reads_variables(ctx, id));
    let formats = if action_reads_keys {
        None
    } else {
        formats::formats_meeting(&widened, &fitting, !only_catalog_actions)
    };
    let mut premises: Vec<Term> = Vec::new();
    let atoms = [
        (&apos_ids, true),
        (&aneg_ids, false),
        (&rpos_ids, true),
        (&widened_neg_ids(ctx, &rneg_ids), false),
    ];
    for (ids, positive) in atoms {
        for &id in ids.iter() {
            premises.push(if positive {
                Term::Atom(id)
            } else {
                Term::not(Term::Atom(id))
            });
        }
    }
    if let Some(id) = ctx.query.atom_id(&Atom::HasResource) {
        premises.push(Term::Atom(id));
    }
    match formats {
        Some(list) if list.is_empty() => {
            // Every action atom of the query that names only actions as fruitless as these
            // is false with these resource atoms too: one round for all of them, not one per
            // action listed in the policy.
            let resource_premises: Vec<Term> = premises
                .iter()
                .filter(|t| !action_literal(ctx, t))
                .cloned()
                .collect();
            let mut lemmas = vec![Term::not(Term::and(premises))];
            let fruitless = formats::fruitless_action_atoms(ctx, &widened, actions);
            if fruitless.len() > 1 {
                let none = fruitless.into_iter().map(|id| Term::not(Term::Atom(id)));
                lemmas.push(Term::implies(Term::and(resource_premises), Term::and(none)));
            }
            return Step::Learn(lemmas);
        }
        Some(list) if !list.iter().any(|g| resource_atom_holds(ctx, g)) => {
            let before = ctx.query.atoms.len();
            let in_a_format: Vec<Term> = list
                .into_iter()
                .map(|g| ctx.query.str_atom(StrVar::Resource, StrPattern::Glob(g)))
                .collect();
            let mut lemmas = pattern_relation_lemmas(ctx.query, before, None);
            lemmas.push(Term::implies(Term::and(premises), Term::or(in_a_format)));
            return Step::Learn(lemmas);
        }
        // Too many formats, or the model already puts the resource in one: the keys'
        // values as chosen are named.
        _ => {}
    }
    let mut literals: Vec<Term> = Vec::new();
    let mut read_keys = BTreeSet::new();
    let mut add = |ctx: &ContextBuilder, id: usize, positive: bool| {
        if let Atom::Str {
            pattern: StrPattern::Template(t, _),
            ..
        } = &ctx.query.atoms[id]
        {
            read_keys.extend(t.variable_keys().map(str::to_string));
        }
        literals.push(if positive {
            Term::Atom(id)
        } else {
            Term::not(Term::Atom(id))
        });
    };
    for (ids, positive) in [
        (&apos_ids, true),
        (&aneg_ids, false),
        (&rpos_ids, true),
        (&rneg_ids, false),
    ] {
        for &id in ids.iter() {
            add(ctx, id, positive);
        }
    }
    if let Some(id) = ctx.query.atom_id(&Atom::HasResource) {
        literals.push(Term::Atom(id));
    }
    let before = ctx.query.atoms.len();
    for key in read_keys {
        let pinned = ctx.key_value_literals(&key);
        literals.extend(pinned);
    }
    let mut lemmas = pattern_relation_lemmas(ctx.query, before, None);
    lemmas.push(Term::not(Term::and(literals)));
    Step::Learn(lemmas)
}

/// Is `t` an action atom or its negation?
fn action_literal(ctx: &ContextBuilder, t: &Term) -> bool {
    let id = match t {
        Term::Atom(id) => *id,
        Term::Not(inner) => match inner.as_ref() {
            Term::Atom(id) => *id,
            _ => return false,
        },
        _ => return false,
    };
    matches!(
        &ctx.query.atoms[id],
        Atom::Str {
            var: StrVar::Action,
            ..
        }
    )
}

/// Is `glob` already a resource atom the model holds true?
fn resource_atom_holds(ctx: &ContextBuilder, glob: &Glob) -> bool {
    let atom = Atom::Str {
        var: StrVar::Resource,
        pattern: StrPattern::Glob(glob.clone()),
    };
    ctx.query.atom_id(&atom).is_some_and(|id| ctx.a.atom(id))
}

/// A template atom that reads policy variables.
fn reads_variables(ctx: &ContextBuilder, id: usize) -> bool {
    matches!(
        &ctx.query.atoms[id],
        Atom::Str { pattern: StrPattern::Template(t, _), .. } if t.has_variables()
    )
}

/// The negated resource atoms that read no policy variable.
fn widened_neg_ids(ctx: &ContextBuilder, ids: &[usize]) -> Vec<usize> {
    ids.iter()
        .copied()
        .filter(|&id| !reads_variables(ctx, id))
        .collect()
}

/// The resource patterns for every value of the keys: a true template becomes its text with
/// each variable as a free `*` (segment bounds dropped too, since a value may hold `:`; an
/// exact or ignore-case one is dropped), a false template is dropped. Wider on both sides.
fn widened_resources(
    ctx: &ContextBuilder,
    pos: &[Glob],
    pos_ids: &[usize],
    neg: &[Glob],
    neg_ids: &[usize],
) -> (Vec<Glob>, Vec<Glob>) {
    let mut widened_pos = Vec::new();
    for (glob, &id) in pos.iter().zip(pos_ids) {
        match &ctx.query.atoms[id] {
            Atom::Str {
                pattern: StrPattern::Template(t, mode),
                ..
            } if t.has_variables() => {
                if let Some(tight) = formats::widened_template(t, *mode)
                    .filter(|_| matches!(mode, MatchMode::Like | MatchMode::Arn))
                {
                    widened_pos.push(tight);
                } else if matches!(mode, MatchMode::Like | MatchMode::Arn) {
                    let chars: Vec<PatternChar> = t
                        .parts
                        .iter()
                        .flat_map(|part| match part {
                            TemplatePart::Text(text) => text
                                .chars()
                                .map(|c| match c {
                                    '*' | '?' => PatternChar::Wild(c),
                                    _ => PatternChar::Lit(c),
                                })
                                .collect::<Vec<_>>(),
                            TemplatePart::Escaped(c) => vec![PatternChar::Lit(*c)],
                            TemplatePart::Var { .. } => vec![PatternChar::Wild('*')],
                        })
                        .collect();
                    widened_pos.push(Glob::from_chars(&chars, false));
                }
            }
            _ => widened_pos.push(glob.clone()),
        }
    }
    let widened_neg = neg
        .iter()
        .zip(neg_ids)
        .filter(|(_, &id)| !reads_variables(ctx, id))
        .map(|(glob, _)| glob.clone())
        .collect();
    (widened_pos, widened_neg)
}

fn blocked_is_give_up<T>(step: Step<T>) -> Step<(String, String)> {
    match step {
        Step::Learn(l) => Step::Learn(l),
        Step::GiveUp(r) => Step::GiveUp(r),
        Step::Blocked | Step::Done(_) => {
            Step::GiveUp("resource depends on an unresolved policy variable".into())
        }
    }
}

enum Found {
    Yes(String),
    No,
    Undecided,
}

/// The model's resource patterns (templates resolved).
struct Resources<'g> {
    pos: Vec<&'g Glob>,
    neg: Vec<&'g Glob>,
}

impl Resources<'_> {
    fn fits(&self, s: &str) -> bool {
        self.pos.iter().all(|g| g.matches(s)) && !self.neg.iter().any(|g| g.matches(s))
    }

    /// A resource in `shapes` meeting the patterns (ARNs first, made realistic); answers
    /// per format glob are remembered in `memo`.
    fn in_shapes(
        &self,
        shapes: &ResourceShapes,
        memo: &mut HashMap<String, Option<String>>,
    ) -> Found {
        let (globs, star) = shapes.globs();
        let examples: Vec<String> = match shapes {
            ResourceShapes::Formats { formats, .. } => {
                formats.iter().map(|f| f.example.clone()).collect()
            }
            ResourceShapes::AnyArn => {
                vec![format!(
                    "arn:aws:service:us-east-1:{EXAMPLE_ACCOUNT}:example"
                )]
            }
        };
        let mut undecided = false;
        for (glob, example) in globs.iter().zip(examples) {
            let key = glob.to_string();
            if let Some(known) = memo.get(&key) {
                match known {
                    Some(r) => return Found::Yes(r.clone()),
                    None => continue,
                }
            }
            let mut positive = self.pos.clone();
            positive.push(glob);
            let found = match automata::witness_with_hint(&positive, &self.neg, &example) {
                Witness::Found(s) if glob.matches(&s) && self.fits(&s) => {
                    Some(realistic_arn(&s, &|x: &str| {
                        glob.matches(x) && self.fits(x)
                    }))
                }
                Witness::Empty => None,
                // Too large, or a witness that does not check: never read as "none".
                _ => {
                    undecided = true;
                    continue;
                }
            };
            memo.insert(key, found.clone());
            if let Some(r) = found {
                return Found::Yes(r);
            }
        }
        if star && self.fits("*") {
            return Found::Yes("*".into());
        }
        if undecided {
            Found::Undecided
        } else {
            Found::No
        }
    }
}

impl ContextBuilder<'_> {
    /// Literals pinning `key` to its chosen value (or absence, or several values): a
    /// template's language depends on them, so a lemma about template atoms names them.
    pub(super) fn key_value_literals(&mut self, key: &str) -> Vec<Term> {
        let mut literals = Vec::new();
        match self.values.get(key).cloned().as_deref() {
            Some([value]) => {
                literals.push(self.query.str_atom(
                    StrVar::Context {
                        key: key.to_string(),
                        slot: 0,
                    },
                    StrPattern::Glob(Glob::literal(value)),
                ));
                // Only for exactly one value: a second one would leave it unresolved.
                if self.query.keys.get(key).is_some_and(|k| k.slots > 1) {
                    literals.push(Term::not(self.query.present(key, 1)));
                }
            }
            Some([]) | None => literals.push(Term::not(self.query.present(key, 0))),
            Some(_) => literals.push(self.query.present(key, 1)),
        }
        literals
    }
}
