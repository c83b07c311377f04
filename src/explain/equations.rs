//! Values for a policy variable that two templates read at different offsets of one string.
//!
//! When a model wants two templates true on one variable, each reading the value of one
//! single-valued key once, the value and the string solve a one-variable word equation
//! (`a${v}` against `${v}a`: `v ∈ a*`). Guessing values one at a time may never end; the
//! exact procedure ([`common_string`]) either gives a value that works, or proves that none
//! does, and then the lemma it teaches names atoms only, not values: finitely many such
//! lemmas exist, so this refinement ends.

use super::concretize::Step;
use super::context::ContextBuilder;
use super::folded::FoldedAnswer;
use crate::automata::word_equation::{common_string_avoiding, Constraints, OneHole, Solution};
use crate::automata::{self, witness, Witness};
use crate::encode::{one_variable_glob, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{chars_to_string, fold_token, Glob, TemplatePart, Token};
use std::collections::{BTreeMap, BTreeSet};

/// Text globs taken into one question (each adds to the size of what is explored).
const MAX_TEXT_GLOBS: usize = 8;

impl ContextBuilder<'_> {
    /// A value for `key` from a word equation in the model, or a lemma when it has none.
    ///
    /// Templates it cannot take (a false one, a value read twice) are left out: that asks
    /// less, so "no value" stays a proof, and a value found is only a candidate that the
    /// caller checks against every atom. `hints` (readable values) are tried first.
    pub(super) fn word_equation(&mut self, key: &str, hints: &[String]) -> Option<Step<String>> {
        // Lengths first: a conflict there holds for every value and reads no other key.
        if let Some(step) = self.length_conflict(key) {
            return Some(step);
        }
        // Ignore-case templates on one string, however often they read the key: folded.
        if let Some(step) = self.ignore_case_words(key) {
            return Some(step);
        }
        let own = StrVar::Context {
            key: key.to_string(),
            slot: 0,
        };
        let Sides {
            pos: mut value_pos,
            neg: mut value_neg,
            read: mut value_read,
            waits: value_waits,
        } = self.fixed_sides(&own, key);
        // Keys this one is compared with are chosen first (then their templates here are
        // fixed globs, and a lemma names atoms, not a value guessed before them).
        let may_wait = !self.deferred.contains(key);
        if value_waits && may_wait {
            return Some(Step::Blocked);
        }
        // Ignore-case templates with text around the value: asked folded (`folded.rs`).
        let with_folded: Vec<String>;
        let hints = match self.folded_equation(key, hints) {
            Some(FoldedAnswer::Step(step)) => return Some(step),
            Some(FoldedAnswer::Hint(value)) => {
                with_folded = std::iter::once(value)
                    .chain(hints.iter().cloned())
                    .collect();
                &with_folded[..]
            }
            None => hints,
        };
        let vars: Vec<StrVar> = self.str_atoms.keys().cloned().collect();
        // Keys equal to this one (`x = ${key}` true): what the model wants of `x` it wants
        // of the value, so the keys compared with each other are chosen as one.
        let mut equalities: Vec<AtomId> = Vec::new();
        for var in vars.iter().filter(|v| **v != own) {
            let Some((id, ignore_case)) = self.equality_atom(var, key) else {
                continue;
            };
            let sides = self.fixed_sides(var, key);
            if sides.waits && may_wait {
                return Some(Step::Blocked);
            }
            equalities.push(id);
            value_read.extend(sides.read);
            if ignore_case {
                // `x` equals the value up to case: the value is in the case closure of
                // what `x` must match; a negative glob binds it only if closed under case.
                value_pos.extend(sides.pos.into_iter().map(|(i, g)| (i, case_closure(&g))));
                value_neg.extend(sides.neg.into_iter().filter(|(_, g)| case_closure(g) == *g));
            } else {
                value_pos.extend(sides.pos);
                value_neg.extend(sides.neg);
            }
        }
        let equal_to: Vec<Term> = equalities.iter().map(|id| Term::Atom(*id)).collect();
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!(
                "keyaki: value of {key}: equal to {} keys, value globs {:?} / not {:?}",
                equalities.len(),
                value_pos
                    .iter()
                    .map(|(_, g)| g.to_string())
                    .collect::<Vec<_>>(),
                value_neg
                    .iter()
                    .map(|(_, g)| g.to_string())
                    .collect::<Vec<_>>(),
            );
        }
        let mut candidate = None;
        // The strings with templates reading the key, for the joint question below.
        let mut strings: Vec<joint::StringAsk> = Vec::new();
        for var in vars.iter().filter(|v| **v != own) {
            let with_reasons = self.one_hole_templates_with_reasons(var, key);
            if with_reasons.is_empty() {
                // A template reading the value twice or more (`${v}/${v}`).
                match self.repeated_equation(
                    key,
                    var,
                    (&value_pos, &value_neg),
                    (&value_read, &equal_to),
                ) {
                    Some(Step::Done(value)) if value_fits(&value_pos, &value_neg, &value) => {
                        candidate = candidate.or(Some(value));
                    }
                    Some(Step::Blocked) if !may_wait => {}
                    Some(Step::Done(_)) | None => {}
                    Some(step) => return Some(step),
                }
                continue;
            }
            let Sides {
                pos: text_pos,
                neg: text_neg,
                mut read,
                waits,
            } = self.fixed_sides(var, key);
            if waits && may_wait {
                return Some(Step::Blocked);
            }
            read.extend(value_read.clone());
            let mut templates = Vec::new();
            for (id, hole, reasons) in with_reasons {
                if !reasons.is_empty() {
                    read.entry(id).or_default().extend(reasons);
                }
                templates.push((id, hole));
            }
            strings.push(joint::StringAsk {
                var: var.clone(),
                templates: templates.clone(),
                pos: text_pos.clone(),
                neg: text_neg.clone(),
                read: read.clone(),
            });
            // One template: the equation `s = α·u·β` (asked as the template against itself).
            let (a, b) = (&templates[0], templates.get(1).unwrap_or(&templates[0]));
            let fits_everywhere = |me: &Self, value: &str| {
                value_fits(&value_pos, &value_neg, value) && me.fits_all_vars(key, value, &own)
            };
            if let Some(hint) = hints.iter().find(|h| fits_everywhere(self, h)) {
                return Some(Step::Done(hint.clone()));
            }
            // A value holding a fresh character first, when a false template reads the key.
            if let Some(value) = self.fresh_equation(
                key,
                var,
                (a, b),
                (&value_pos, &value_neg),
                (&text_pos, &text_neg),
                (&read, &equal_to),
                &fits_everywhere,
            ) {
                return Some(Step::Done(value));
            }
            match self.equation_incrementally(
                key,
                var,
                (a, b),
                (&value_pos, &value_neg),
                (&text_pos, &text_neg),
                (&read, &equal_to),
            ) {
                Some(Step::Done(value)) if fits_everywhere(self, &value) => {
                    return Some(Step::Done(value))
                }
                // A value that breaks another variable's templates: a candidate only.
                Some(Step::Done(value)) => candidate = candidate.or(Some(value)),
                Some(step) => return Some(step),
                None => continue,
            }
        }
        if let Some(value) = candidate {
            // Every string has a value of its own, none found fits them all: ask them
            // together (a value, or an atom-only lemma), else keep the candidate.
            let value_side = (value_pos.as_slice(), value_neg.as_slice());
            return Some(
                self.joint_equation(key, &strings, value_side, (&value_read, &equal_to))
                    .unwrap_or(Step::Done(value)),
            );
        }
        if equalities.is_empty() {
            return None;
        }
        // Only equalities: the value meets its own globs and those of the keys equal to it.
        if let Some(hint) = hints.iter().find(|h| value_fits(&value_pos, &value_neg, h)) {
            return Some(Step::Done(hint.clone()));
        }
        let pos: Vec<&Glob> = value_pos.iter().map(|(_, g)| g).collect();
        let neg: Vec<&Glob> = value_neg.iter().map(|(_, g)| g).collect();
        match automata::witness_with_hint(&pos, &neg, hints.first().map_or("", String::as_str)) {
            Witness::Found(value) => Some(Step::Done(value)),
            Witness::TooLarge => None,
            Witness::Empty => {
                let (pi, ni) = automata::minimal_conflict(&pos, &neg)
                    .unwrap_or_else(|| ((0..pos.len()).collect(), (0..neg.len()).collect()));
                let mut literals = vec![self.query.single_valued(key)];
                literals.extend(equal_to);
                let mut keys_read = BTreeSet::new();
                for (id, positive) in pi
                    .iter()
                    .map(|i| (value_pos[*i].0, true))
                    .chain(ni.iter().map(|i| (value_neg[*i].0, false)))
                {
                    literals.push(if positive {
                        Term::Atom(id)
                    } else {
                        Term::not(Term::Atom(id))
                    });
                    keys_read.extend(value_read.get(&id).into_iter().flatten().cloned());
                }
                for reason in keys_read {
                    literals.extend(self.reason_literals(&reason));
                }
                Some(Step::Learn(vec![Term::not(Term::and(literals))]))
            }
        }
    }

    /// The true template atoms on `var` that read `key` once, split at the value, with what
    /// a lemma must name with each: other keys the template reads are read with their chosen
    /// values, or (not chosen yet) with their own glob in place of the value, a superset
    /// (see [`ContextBuilder::holed_template`]).
    fn one_hole_templates(&self, var: &StrVar, key: &str) -> Vec<(AtomId, OneHole)> {
        self.one_hole_templates_with_reasons(var, key)
            .into_iter()
            .map(|(id, h, _)| (id, h))
            .collect()
    }

    fn one_hole_templates_with_reasons(
        &self,
        var: &StrVar,
        key: &str,
    ) -> Vec<(AtomId, OneHole, BTreeSet<Reason>)> {
        let mut templates = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let StrPattern::Template(t, mode) = pattern else {
                continue;
            };
            if !t.variable_keys().any(|k| k == key) || !self.a.atom(id) {
                continue;
            }
            if let Some((h, reasons)) = self.holed_template(t, *mode, key) {
                templates.push((id, h, reasons));
            }
        }
        templates
    }

    /// A true atom `var = ${key}` (the whole template is the variable, compared exactly or
    /// ignoring case), with whether it ignores case. A value's characters are literal in a
    /// Like or ARN pattern (`Template::resolve`), so `x` like `${key}` is `x = key` too. Any value of a key, not only its first:
    /// `ForAllValues:StringNotEqualsIgnoreCase` compares every value of a set with `${x}`.
    fn equality_atom(&self, var: &StrVar, key: &str) -> Option<(AtomId, bool)> {
        if !matches!(var, StrVar::Context { .. }) {
            return None;
        }
        self.str_atoms_on(var).find_map(|(id, pattern)| match pattern {
            StrPattern::Template(t, mode)
                if self.a.atom(id)
                    && matches!(t.parts.as_slice(), [TemplatePart::Var { key_lower, .. }] if key_lower == key) =>
            {
                Some((id, *mode == MatchMode::IgnoreCase))
            }
            _ => None,
        })
    }

    /// Does `value` leave every other variable's true templates reading `key` satisfiable
    /// together with that variable's fixed globs? (Templates reading other keys not chosen
    /// yet are left out.)
    fn fits_all_vars(&self, key: &str, value: &str, own: &StrVar) -> bool {
        for (var, _) in self.str_atoms.iter().filter(|(v, _)| *v != own) {
            let templates = self.one_hole_templates(var, key);
            let equal = self.equality_atom(var, key);
            if templates.is_empty() && equal.is_none() {
                continue;
            }
            let sides = self.fixed_sides(var, key);
            // The false templates reading the key, with this value: fixed globs too.
            let avoided: Vec<Glob> = self
                .false_one_hole_templates(var, key)
                .iter()
                .map(|(_, h, _)| h.with_value(value))
                .collect();
            let mut positive: Vec<Glob> =
                templates.iter().map(|(_, h)| h.with_value(value)).collect();
            if let Some((_, ignore_case)) = equal {
                positive.push(if ignore_case {
                    Glob::ignore_case(value)
                } else {
                    Glob::literal(value)
                });
            }
            positive.extend(sides.pos.into_iter().map(|(_, g)| g));
            let mut negative: Vec<&Glob> = sides.neg.iter().map(|(_, g)| g).collect();
            negative.extend(&avoided);
            let positive: Vec<&Glob> = positive.iter().collect();
            if !matches!(witness(&positive, &negative), Witness::Found(_)) {
                return false;
            }
        }
        true
    }

    /// The equation asked with the fewest fixed globs that decide it: first with none, then
    /// with each glob a candidate broke added (a candidate that meets every glob is the
    /// answer). Each round adds at least one glob (the candidate met every glob asked), so
    /// it ends within as many rounds as there are globs; "no solution" with a subset is a
    /// proof for the whole (fewer constraints), and its lemma names only that subset. This
    /// keeps each question small: with every glob at once the behaviours of `p` and `q`
    /// over many ARN globs ran past the budgets.
    #[allow(clippy::type_complexity)]
    fn equation_incrementally(
        &mut self,
        key: &str,
        var: &StrVar,
        pair: (&(AtomId, OneHole), &(AtomId, OneHole)),
        value: (&[Sided], &[Sided]),
        text: (&[Sided], &[Sided]),
        reasons: (&ReadKeys, &[Term]),
    ) -> Option<Step<String>> {
        self.equation_asked(key, var, pair, value, text, reasons, false)
    }

    /// [`Self::equation_incrementally`] with a value glob that stands for no atom
    /// (`fresh.rs`): "no solution" teaches nothing and answers `None`.
    #[allow(clippy::type_complexity)]
    pub(super) fn equation_tentatively(
        &mut self,
        key: &str,
        var: &StrVar,
        pair: (&(AtomId, OneHole), &(AtomId, OneHole)),
        value: (&[Sided], &[Sided]),
        text: (&[Sided], &[Sided]),
        reasons: (&ReadKeys, &[Term]),
    ) -> Option<Step<String>> {
        self.equation_asked(key, var, pair, value, text, reasons, true)
    }

    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn equation_asked(
        &mut self,
        key: &str,
        var: &StrVar,
        (a, b): (&(AtomId, OneHole), &(AtomId, OneHole)),
        (value_pos, value_neg): (&[Sided], &[Sided]),
        (text_pos, text_neg): (&[Sided], &[Sided]),
        (read, equal_to): (&ReadKeys, &[Term]),
        tentative: bool,
    ) -> Option<Step<String>> {
        let n_text = text_pos.len() + text_neg.len();
        // False templates reading the key once on this string: asked from the first round.
        let mut avoid = self.false_one_hole_templates(var, key);
        let mut avoid_holes: Vec<OneHole> = avoid.iter().map(|(_, h, _)| h.clone()).collect();
        // Asked globs: indices into value_pos ++ value_neg and text_pos ++ text_neg.
        let (mut asked_value, mut asked_text): (BTreeSet<usize>, BTreeSet<usize>) =
            Default::default();
        loop {
            if asked_text.len() > MAX_TEXT_GLOBS {
                return None;
            }
            if super::deadline::passed() {
                return Some(Step::GiveUp("the check's deadline passed".into()));
            }
            let (vp, vn) = (
                pick(value_pos, &asked_value, 0),
                pick(value_neg, &asked_value, value_pos.len()),
            );
            let (tp, tn) = (
                pick(text_pos, &asked_text, 0),
                pick(text_neg, &asked_text, text_pos.len()),
            );
            let solution = common_string_avoiding(
                &a.1,
                &b.1,
                &avoid_holes,
                Constraints {
                    positive: &vp,
                    negative: &vn,
                },
                Constraints {
                    positive: &tp,
                    negative: &tn,
                },
            );
            if std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: word equation for {key} on {var} ({} and {}, {} of {} value and {} of {} text patterns): {solution:?}",
                    a.1.with_value("${}"),
                    b.1.with_value("${}"),
                    vp.len() + vn.len(),
                    value_pos.len() + value_neg.len(),
                    tp.len() + tn.len(),
                    n_text,
                );
            }
            match solution {
                Solution::Found { value, text } => {
                    let (ga, gb) = (a.1.with_value(&value), b.1.with_value(&value));
                    let value_broken: Vec<usize> = broken(value_pos, value_neg, &value);
                    let avoided: Vec<Glob> =
                        avoid_holes.iter().map(|c| c.with_value(&value)).collect();
                    if value_broken.is_empty()
                        && text_witness(&ga, &gb, text_pos, text_neg, &avoided).is_some()
                    {
                        return Some(Step::Done(value));
                    }
                    // One glob per round, those that read no other key first: a lemma
                    // then names other keys' chosen values only when it must (a lemma that
                    // names values is one of infinitely many; one that names atoms is not).
                    let text_broken = broken(text_pos, text_neg, &text);
                    let reads = |side: &[Sided], i: usize, offset: usize| {
                        let id = if i < offset { side[i].0 } else { usize::MAX };
                        read.contains_key(&id)
                    };
                    let before = asked_value.len() + asked_text.len();
                    let value_next = value_broken.iter().copied().find(|&i| {
                        !(i < value_pos.len() && reads(value_pos, i, value_pos.len())
                            || i >= value_pos.len()
                                && reads(value_neg, i - value_pos.len(), value_neg.len()))
                    });
                    let text_next = text_broken.iter().copied().find(|&i| {
                        !(i < text_pos.len() && reads(text_pos, i, text_pos.len())
                            || i >= text_pos.len()
                                && reads(text_neg, i - text_pos.len(), text_neg.len()))
                    });
                    match (value_next, text_next) {
                        (Some(i), _) => {
                            asked_value.insert(i);
                        }
                        (None, Some(i)) => {
                            asked_text.insert(i);
                        }
                        (None, None) => match (value_broken.first(), text_broken.first()) {
                            (Some(&i), _) => {
                                asked_value.insert(i);
                            }
                            (None, Some(&i)) => {
                                asked_text.insert(i);
                            }
                            (None, None) => {}
                        },
                    }
                    if asked_value.len() + asked_text.len() == before {
                        // Cannot happen (the solution met every glob asked); asking all at
                        // once is the safe fallback.
                        if asked_text.len() == n_text
                            && asked_value.len() == value_pos.len() + value_neg.len()
                        {
                            return None;
                        }
                        asked_value.extend(0..value_pos.len() + value_neg.len());
                        asked_text.extend(0..n_text);
                    }
                }
                Solution::Empty if tentative => return None,
                Solution::Empty => {
                    // For every value of `key`: these atoms cannot hold together with the key
                    // single (and the other keys the resolved templates read as they are).
                    let mut literals = vec![self.query.single_valued(key)];
                    literals.extend([Term::Atom(a.0), Term::Atom(b.0)]);
                    literals.extend(equal_to.iter().cloned());
                    literals.extend(avoid.iter().map(|(id, _, _)| Term::not(Term::Atom(*id))));
                    let sides = [
                        (value_pos, &asked_value, 0, true),
                        (value_neg, &asked_value, value_pos.len(), false),
                        (text_pos, &asked_text, 0, true),
                        (text_neg, &asked_text, text_pos.len(), false),
                    ];
                    // Other keys the two templates read, as chosen or approximated.
                    let mut keys_read: BTreeSet<Reason> = [a.0, b.0]
                        .iter()
                        .filter_map(|id| read.get(id))
                        .flatten()
                        .cloned()
                        .collect();
                    keys_read.extend(avoid.iter().flat_map(|(_, _, r)| r.iter().cloned()));
                    for (side, asked, offset, positive) in sides {
                        for (i, (id, _)) in side.iter().enumerate() {
                            if !asked.contains(&(i + offset)) {
                                continue;
                            }
                            literals.push(if positive {
                                Term::Atom(*id)
                            } else {
                                Term::not(Term::Atom(*id))
                            });
                            if let Some(keys) = read.get(id) {
                                keys_read.extend(keys.iter().cloned());
                            }
                        }
                    }
                    for reason in keys_read {
                        literals.extend(self.reason_literals(&reason));
                    }
                    return Some(Step::Learn(vec![Term::not(Term::and(literals))]));
                }
                // Undecided with the false templates (a third offset, or a budget): asked
                // again without them, as before session 9 (less is asked: "no solution" is
                // still a proof, a value found is a candidate).
                Solution::TooLarge if !avoid.is_empty() => {
                    avoid.clear();
                    avoid_holes.clear();
                }
                Solution::TooLarge => return None,
            }
        }
    }

    /// The fixed globs the model wants true and false on `var`, templates that do not read
    /// `key` resolved with the values chosen so far, and the keys those read. Templates
    /// waiting on a key not chosen yet are left out (the question asks less, so "no value"
    /// stays a proof) and reported in `waits`: the caller chooses those keys first.
    pub(super) fn fixed_sides(&self, var: &StrVar, key: &str) -> Sides {
        let mut sides = Sides::default();
        for (id, pattern) in self.str_atoms_on(var) {
            let glob = match pattern {
                StrPattern::Glob(g) => g.clone(),
                // Exact: the case classes of the text.
                StrPattern::IgnoreCase(text) => Glob::ignore_case(text),
                StrPattern::Template(t, _) if t.variable_keys().any(|k| k == key) => continue,
                StrPattern::Template(t, mode) => {
                    let mut chosen = true;
                    let resolved = t.resolve(|k| match self.values.get(k) {
                        Some(vals) if vals.len() == 1 => Some(vals[0].clone()),
                        Some(_) => None,
                        None => {
                            chosen &= !self.query.keys.contains_key(k);
                            None
                        }
                    });
                    if !chosen {
                        sides.waits = true;
                        // A true template reading one key not chosen yet still bounds the
                        // string: read with that key's own glob in place of its value.
                        if let Some((glob, reason)) =
                            self.approximation(t, *mode).filter(|_| self.a.atom(id))
                        {
                            sides.read.insert(id, BTreeSet::from([reason]));
                            sides.pos.push((id, glob));
                        }
                        continue;
                    }
                    match resolved {
                        Some(chars) => {
                            let keys = t
                                .variable_keys()
                                .map(|k| Reason::Chosen(k.to_string()))
                                .collect();
                            sides.read.insert(id, keys);
                            match mode {
                                MatchMode::Exact => Glob::literal(&chars_to_string(&chars)),
                                MatchMode::IgnoreCase => {
                                    Glob::ignore_case(&chars_to_string(&chars))
                                }
                                MatchMode::Like => Glob::from_chars(&chars, false),
                                MatchMode::Arn => Glob::from_chars(&chars, true),
                            }
                        }
                        // Matches nothing: left out.
                        None => continue,
                    }
                }
            };
            if self.a.atom(id) {
                sides.pos.push((id, glob));
            } else {
                sides.neg.push((id, glob));
            }
        }
        sides
    }

    /// What a lemma names for one reason.
    pub(super) fn reason_literals(&mut self, reason: &Reason) -> Vec<Term> {
        match reason {
            Reason::Chosen(key) => vec![self.key_as_chosen(key)],
            Reason::Approximated(key, glob) => {
                let mut out = vec![self.query.single_valued(key)];
                out.extend(glob.map(Term::Atom));
                out
            }
            Reason::Class(id, true) => vec![Term::Atom(*id)],
            Reason::Class(id, false) => vec![Term::not(Term::Atom(*id))],
        }
    }

    /// A true template reading only `other`, a key not chosen yet that the model makes
    /// single-valued, as a glob that holds it for every value meeting `other`'s first true
    /// glob (`*` when it has none): the hole replaced by that glob's tokens.
    fn approximation(
        &self,
        t: &crate::pattern::Template,
        mode: MatchMode,
    ) -> Option<(Glob, Reason)> {
        let mut keys = t.variable_keys();
        let other = keys.next()?.to_string();
        if keys.any(|k| k != other) {
            return None;
        }
        let present = |slot| {
            self.query
                .atom_id(&crate::encode::Atom::Present {
                    key: other.clone(),
                    slot,
                })
                .is_some_and(|id| self.a.atom(id))
        };
        if !present(0) || present(1) {
            return None;
        }
        let holed = one_variable_glob(t, mode, &other)?;
        let own = StrVar::Context {
            key: other.clone(),
            slot: 0,
        };
        let bound = self.str_atoms_on(&own).find_map(|(id, p)| match p {
            StrPattern::Glob(g) if self.a.atom(id) => Some((id, g.clone())),
            _ => None,
        });
        let fill: Vec<Token> = match &bound {
            Some((_, g)) => g.tokens().to_vec(),
            None => vec![Token::AnyStr],
        };
        let mut tokens = Vec::new();
        for token in holed.tokens() {
            match token {
                Token::Hole(_) => tokens.extend(fill.iter().copied()),
                other => tokens.push(*other),
            }
        }
        Some((
            Glob::from_tokens(tokens),
            Reason::Approximated(other, bound.map(|(id, _)| id)),
        ))
    }

    /// The chosen values of `key` as a formula (as `witness_or_learn` names them).
    fn key_as_chosen(&mut self, key: &str) -> Term {
        match self.values.get(key).cloned().as_deref() {
            Some([value]) => {
                let is = self.query.str_atom(
                    StrVar::Context {
                        key: key.to_string(),
                        slot: 0,
                    },
                    StrPattern::Glob(Glob::literal(value)),
                );
                if self.query.keys.get(key).is_some_and(|k| k.slots > 1) {
                    Term::and([is, Term::not(self.query.present(key, 1))])
                } else {
                    is
                }
            }
            Some([]) | None => Term::not(self.query.present(key, 0)),
            Some(_) => self.query.present(key, 1),
        }
    }
}

/// What the model wants of one variable, as fixed globs.
#[derive(Default)]
pub(super) struct Sides {
    pub(super) pos: Vec<Sided>,
    pub(super) neg: Vec<Sided>,
    pub(super) read: ReadKeys,
    /// A template on the variable reads a key not chosen yet.
    pub(super) waits: bool,
}

/// A fixed glob the model wants true (or false) on a variable, with its atom.
pub(super) type Sided = (AtomId, Glob);
/// Why a template atom stands as the fixed glob asked: what a lemma must name with it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reason {
    /// Resolved with this key's chosen value(s).
    Chosen(String),
    /// Read with this key's own glob (atom) in place of its value, `*` when `None`: a
    /// superset of the template for every value of the key that meets the glob.
    Approximated(String, Option<AtomId>),
    /// Exact for every value in the class where this atom has this truth value
    /// (`segment_hole.rs`: the value holds a colon, or none).
    Class(AtomId, bool),
}

/// The reasons of each template atom asked as a fixed glob.
pub(super) type ReadKeys = BTreeMap<AtomId, BTreeSet<Reason>>;

/// The globs of `side` whose index (plus `offset`) is asked.
fn pick<'s>(side: &'s [Sided], asked: &BTreeSet<usize>, offset: usize) -> Vec<&'s Glob> {
    side.iter()
        .enumerate()
        .filter(|(i, _)| asked.contains(&(i + offset)))
        .map(|(_, (_, g))| g)
        .collect()
}

/// Indices (positives first) of the globs `text` breaks.
fn broken(pos: &[Sided], neg: &[Sided], text: &str) -> Vec<usize> {
    let p = pos
        .iter()
        .enumerate()
        .filter(|(_, (_, g))| !g.matches(text))
        .map(|(i, _)| i);
    let n = neg
        .iter()
        .enumerate()
        .filter(|(_, (_, g))| g.matches(text))
        .map(|(i, _)| i + pos.len());
    p.chain(n).collect()
}

fn value_fits(pos: &[Sided], neg: &[Sided], value: &str) -> bool {
    broken(pos, neg, value).is_empty()
}

/// A string in both substituted templates meeting every fixed glob on the variable.
fn text_witness(
    a: &Glob,
    b: &Glob,
    pos: &[Sided],
    neg: &[Sided],
    avoided: &[Glob],
) -> Option<String> {
    let mut positive = vec![a, b];
    positive.extend(pos.iter().map(|(_, g)| g));
    let mut negative: Vec<&Glob> = neg.iter().map(|(_, g)| g).collect();
    negative.extend(avoided);
    match witness(&positive, &negative) {
        Witness::Found(s) => Some(s),
        _ => None,
    }
}

/// The glob with each literal read ignoring case: the smallest case-closed language that
/// holds it.
fn case_closure(glob: &Glob) -> Glob {
    Glob::from_tokens(
        glob.tokens()
            .iter()
            .map(|t| match t {
                Token::Lit(c) => fold_token(*c),
                other => *other,
            })
            .collect(),
    )
}

mod ic_words;
mod joint;
mod lengths;
mod negated;
mod substituted;
