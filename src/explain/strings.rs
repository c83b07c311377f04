//! String variables: the patterns a model wants on each, and a witness or a learned lemma.

use super::concretize::{capitalize, Step};
use super::context::ContextBuilder;
use crate::automata::{self, Witness};
use crate::catalog::resource_formats::ResourceFormat;
use crate::encode::{pattern_relation_lemmas, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{chars_to_string, Glob};
use std::collections::BTreeSet;

// decide (#10): a character a glob asks of a string, carried to the key a template reads.
mod required;

/// The atom id given to a glob a cycle's first key puts on another (`cycle.rs`): no atom,
/// so a conflict it takes part in teaches nothing.
const CYCLE_SIDE: AtomId = usize::MAX - 1;

impl ContextBuilder<'_> {
    /// Positive and negative fixed globs for a variable (templates resolved with chosen keys).
    #[allow(clippy::type_complexity)]
    pub(super) fn constraints(
        &self,
        var: &StrVar,
    ) -> Result<(Vec<Glob>, Vec<Glob>, Vec<AtomId>, Vec<AtomId>), Step<String>> {
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        let mut pos_ids = Vec::new();
        let mut neg_ids = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let value = self.a.atom(id);
            let glob = match pattern {
                StrPattern::Glob(g) => g.clone(),
                StrPattern::IgnoreCase(_) => continue,
                StrPattern::Template(t, mode) => {
                    // A template on a key's own value that reads only that key, the key not
                    // chosen yet: with one value its truth is the same for every value (the
                    // self-reference lemma), so it constrains nothing; with none or several
                    // it reads its default. It never waits on itself.
                    let own = self.own_unchosen_key(var, t);
                    if own.is_some_and(|k| self.model_single(k)) {
                        continue;
                    }
                    let mut blocked = false;
                    let resolved = t.resolve(|k| match self.values.get(k) {
                        Some(vals) if vals.len() == 1 => Some(vals[0].clone()),
                        Some(_) => None,
                        // Not single in the model: the template reads its default (or
                        // nothing) whatever the key's values, so it waits on nothing.
                        None if !self.model_single(k) => None,
                        None => {
                            if self.query.keys.contains_key(k) && own != Some(k) {
                                blocked = true;
                            }
                            None
                        }
                    });
                    if blocked {
                        if self.is_deferred(var) {
                            continue;
                        }
                        return Err(Step::Blocked);
                    }
                    match resolved {
                        // Unresolvable: matches nothing.
                        None => {
                            if value {
                                return Err(Step::GiveUp(format!(
                                    "policy variable in `{}` cannot be resolved in this model",
                                    t.display_text()
                                )));
                            }
                            continue;
                        }
                        Some(chars) => match mode {
                            MatchMode::Exact => Glob::literal(&chars_to_string(&chars)),
                            MatchMode::IgnoreCase => Glob::ignore_case(&chars_to_string(&chars)),
                            MatchMode::Like => Glob::from_chars(&chars, false),
                            MatchMode::Arn => Glob::from_chars(&chars, true),
                        },
                    }
                }
            };
            // Template atoms enter a learned lemma together with the values of the keys
            // they read (see `witness_or_learn`).
            if value {
                pos.push(glob);
                pos_ids.push(id);
            } else {
                neg.push(glob);
                neg_ids.push(id);
            }
        }
        Ok((pos, neg, pos_ids, neg_ids))
    }

    /// `var`'s own key when `var` is a key's first value, `t` reads that key once and no
    /// other (the self-reference lemma's case), and the key has no value yet.
    pub(super) fn own_unchosen_key<'k>(
        &self,
        var: &'k StrVar,
        t: &crate::pattern::Template,
    ) -> Option<&'k str> {
        match var {
            StrVar::Context { key, slot: 0 }
                if !self.values.contains_key(key)
                    && t.variable_keys().collect::<Vec<_>>() == [key.as_str()] =>
            {
                Some(key.as_str())
            }
            _ => None,
        }
    }

    /// Does the model give `key` exactly one value?
    pub(super) fn model_single(&self, key: &str) -> bool {
        let present = |slot| {
            self.query
                .atom_id(&Atom::Present {
                    key: key.to_string(),
                    slot,
                })
                .is_some_and(|id| self.a.atom(id))
        };
        present(0) && !present(1)
    }

    /// Candidate values for `key`: for each true template atom `prefix ${key} suffix` whose
    /// variable also has a true literal pattern `L`, the middle of `L` between a split that
    /// matches the prefix and suffix texts. Only candidates: every value is still checked.
    pub(super) fn template_candidates(&self, key: &str) -> Vec<String> {
        use crate::pattern::TemplatePart;
        let mut out = Vec::new();
        for (id, atom) in self.query.atoms.iter().enumerate() {
            let Atom::Str {
                var,
                pattern: StrPattern::Template(t, _),
            } = atom
            else {
                continue;
            };
            if !self.a.atom(id) {
                continue;
            }
            let vars: Vec<&str> = t.variable_keys().collect();
            if vars != [key] {
                continue;
            }
            let Some(at) = t
                .parts
                .iter()
                .position(|p| matches!(p, TemplatePart::Var { .. }))
            else {
                continue;
            };
            let text = |parts: &[TemplatePart]| -> String {
                parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(t) => t.clone(),
                        TemplatePart::Escaped(c) => c.to_string(),
                        TemplatePart::Var { .. } => String::new(),
                    })
                    .collect()
            };
            let prefix = Glob::wildcard(&text(&t.parts[..at]));
            let suffix = Glob::wildcard(&text(&t.parts[at + 1..]));
            // Members of what the model wants on the variable: first one string meeting
            // every fixed pattern at once (true and false), then one per true pattern.
            let (mut wanted, mut unwanted) = (Vec::new(), Vec::new());
            for (lid, lpattern) in self.str_atoms_on(var) {
                if let StrPattern::Glob(g) = lpattern {
                    if self.a.atom(lid) {
                        wanted.push(g);
                    } else {
                        unwanted.push(g);
                    }
                }
            }
            let mut samples = Vec::new();
            if let Witness::Found(w) = automata::witness_with_hint(&wanted, &unwanted, "") {
                samples.push(w);
            }
            for g in &wanted {
                // A member of the pattern (readable: stars filled with "example").
                match g.as_literal() {
                    Some(l) => samples.push(l),
                    None => {
                        if let Witness::Found(w) = automata::witness_with_hint(&[g], &[], "") {
                            samples.push(w);
                        }
                    }
                }
            }
            for literal in samples {
                let chars: Vec<(usize, char)> = literal.char_indices().collect();
                let bounds: Vec<usize> = chars
                    .iter()
                    .map(|(i, _)| *i)
                    .chain([literal.len()])
                    .collect();
                'split: for &i in &bounds {
                    if !prefix.matches(&literal[..i]) {
                        continue;
                    }
                    for &j in bounds.iter().rev() {
                        if j < i {
                            break;
                        }
                        if suffix.matches(&literal[j..]) {
                            let middle = literal[i..j].to_string();
                            if !middle.is_empty() && !out.contains(&middle) {
                                out.push(middle);
                            }
                            break 'split;
                        }
                    }
                }
                if out.len() >= 8 {
                    return out;
                }
            }
        }
        out
    }

    /// The lowercased texts `var` must equal ignoring case (true atoms) and must not (false).
    #[allow(clippy::type_complexity)]
    pub(super) fn case_insensitive_texts(
        &self,
        var: &StrVar,
    ) -> Result<(Vec<String>, Vec<String>), Step<String>> {
        let mut wanted_ci = Vec::new();
        let mut unwanted_ci = Vec::new();
        for (id, pattern) in self.str_atoms_on(var) {
            let text = match pattern {
                StrPattern::IgnoreCase(w) => w.clone(),
                _ => continue,
            };
            if self.a.atom(id) {
                wanted_ci.push(text);
            } else {
                unwanted_ci.push(text);
            }
        }
        Ok((wanted_ci, unwanted_ci))
    }

    /// A string for the variable satisfying its atoms, or a lemma when none exists.
    pub(super) fn string(&mut self, var: &StrVar, hints: &[String]) -> Step<String> {
        let hint = hints.first().map(String::as_str).unwrap_or("example");
        let (mut pos, mut neg, mut pos_ids, mut neg_ids) = match self.constraints(var) {
            Ok(c) => c,
            Err(Step::Blocked) => return Step::Blocked,
            Err(Step::GiveUp(r)) => return Step::GiveUp(r),
            Err(_) => return Step::GiveUp("internal error in constraints".into()),
        };
        // What the keys chosen first in a cycle ask of this one (`cycle.rs`).
        if let StrVar::Context { key, slot: 0 } = var {
            match self.cycle_sides(key) {
                Ok(sides) => {
                    pos_ids.extend(sides.pos.iter().map(|_| CYCLE_SIDE));
                    pos.extend(sides.pos);
                    neg_ids.extend(sides.neg.iter().map(|_| CYCLE_SIDE));
                    neg.extend(sides.neg);
                }
                Err(step) => return step,
            }
        }
        // Case-insensitive equalities: try the case variants of the wanted text.
        let (wanted_ci, unwanted_ci) = match self.case_insensitive_texts(var) {
            Ok(texts) => texts,
            Err(step) => return step,
        };
        let ok_ci = |s: &str| {
            let lower = s.to_lowercase();
            wanted_ci.iter().all(|w| *w == lower) && !unwanted_ci.contains(&lower)
        };
        let fits = |s: &str| pos.iter().all(|g| g.matches(s)) && !neg.iter().any(|g| g.matches(s));
        if let Some(w) = wanted_ci.first() {
            let candidates = [w.clone(), w.to_uppercase(), capitalize(w)];
            return match candidates.iter().find(|c| fits(c) && ok_ci(c)) {
                Some(c) => Step::Done(c.clone()),
                None => Step::GiveUp(format!(
                    "no value found for {var} that equals `{w}` ignoring case and meets the other patterns"
                )),
            };
        }
        // Readable candidates first, in order.
        if let Some(h) = hints.iter().find(|h| fits(h) && ok_ci(h)) {
            return Step::Done(h.clone());
        }
        // Rule out case-variants of unwanted texts by retrying with them excluded.
        for _ in 0..8 {
            match self.witness_or_learn(&pos, &neg, &pos_ids, &neg_ids, hint) {
                Step::Done(s) if ok_ci(&s) => {
                    let fits_all = |x: &str| {
                        pos.iter().all(|g| g.matches(x))
                            && !neg.iter().any(|g| g.matches(x))
                            && ok_ci(x)
                    };
                    return Step::Done(match var {
                        StrVar::Resource | StrVar::Principal => realistic_arn(&s, &fits_all),
                        _ => s,
                    });
                }
                Step::Done(s) => {
                    neg.push(Glob::literal(&s));
                    neg_ids.push(usize::MAX);
                }
                other => return other,
            }
        }
        Step::GiveUp(format!(
            "no value found for {var} avoiding the case-insensitive values {unwanted_ci:?}"
        ))
    }

    /// A resource in one of the action's ARN formats (in order) that meets the model's
    /// patterns, made realistic; `None` when no format fits (the caller falls back to any
    /// string the patterns allow).
    pub(super) fn resource_in_formats(&self, formats: &[ResourceFormat]) -> Option<String> {
        let (pos, neg, _, _) = self.constraints(&StrVar::Resource).ok()?;
        let (wanted_ci, unwanted_ci) = self.case_insensitive_texts(&StrVar::Resource).ok()?;
        if !wanted_ci.is_empty() || !unwanted_ci.is_empty() {
            return None;
        }
        let negative: Vec<&Glob> = neg.iter().collect();
        for format in formats {
            // The loose format first (its witness gets readable filler), kept only if it
            // is well-formed; then the strict one.
            for glob in [&format.loose, &format.glob] {
                let mut positive: Vec<&Glob> = pos.iter().collect();
                positive.push(glob);
                let fits = |x: &str| {
                    format.glob.matches(x)
                        && pos.iter().all(|g| g.matches(x))
                        && !negative.iter().any(|g| g.matches(x))
                };
                if let Witness::Found(s) =
                    automata::witness_with_hint(&positive, &negative, &format.example)
                {
                    if fits(&s) {
                        return Some(realistic_arn(&s, &fits));
                    }
                }
            }
        }
        None
    }

    pub(super) fn witness_or_learn(
        &mut self,
        pos: &[Glob],
        neg: &[Glob],
        pos_ids: &[AtomId],
        neg_ids: &[AtomId],
        hint: &str,
    ) -> Step<String> {
        let p: Vec<&Glob> = pos.iter().collect();
        let n: Vec<&Glob> = neg.iter().collect();
        match automata::witness_with_hint(&p, &n, hint) {
            Witness::Found(s) => Step::Done(s),
            Witness::TooLarge => Step::GiveUp("wildcard patterns too large to decide".into()),
            Witness::Empty => {
                let (pi, ni) = automata::minimal_conflict(&p, &n)
                    .unwrap_or_else(|| ((0..pos.len()).collect(), (0..neg.len()).collect()));
                let involved: Vec<(Option<AtomId>, bool)> = pi
                    .iter()
                    .map(|i| (pos_ids.get(*i).copied(), true))
                    .chain(ni.iter().map(|i| (neg_ids.get(*i).copied(), false)))
                    .collect();
                // A character the conflict asks of a key, as an atom: one lemma for every
                // value of the key that lacks it, not one per value (`strings/required.rs`).
                let atoms: Vec<(AtomId, bool)> = (involved.iter())
                    .filter_map(|(id, positive)| {
                        Some((id.filter(|id| *id < CYCLE_SIDE)?, *positive))
                    })
                    .collect();
                if let Some(lemmas) = self.required_character_lemma(&atoms) {
                    return Step::Learn(lemmas);
                }
                let mut literals = Vec::new();
                let mut read_keys = BTreeSet::new();
                let mut slots = BTreeSet::new();
                for (id, positive) in involved {
                    if id == Some(CYCLE_SIDE) {
                        return Step::GiveUp(
                            "policy variables refer to each other in a cycle, and no value fits the value chosen to break it".into(),
                        );
                    }
                    let Some(id) = id.filter(|id| *id != usize::MAX) else {
                        return Step::GiveUp(
                            "no value found that avoids the case-insensitive values as well".into(),
                        );
                    };
                    if let Atom::Str { var, pattern } = &self.query.atoms[id] {
                        if let StrVar::Context { key, slot } = var {
                            slots.insert((key.clone(), *slot));
                        }
                        if let StrPattern::Template(t, _) = pattern {
                            read_keys.extend(t.variable_keys().map(str::to_string));
                        }
                    }
                    literals.push(if positive {
                        Term::Atom(id)
                    } else {
                        Term::not(Term::Atom(id))
                    });
                }
                // A template's language depends on the keys it reads: the conflict holds for
                // these values of those keys, so the lemma names them.
                let before = self.query.atoms.len();
                // The conflict is about a present slot's text: the lemma says so, or it would
                // claim "some pattern holds" of a slot that is absent, where the oracle reads
                // every string atom as false (encodings/learned-lemmas.md, "Absent slots").
                for (key, slot) in slots {
                    literals.push(self.query.present(&key, slot));
                }
                for key in read_keys {
                    match self.values.get(&key).map(Vec::as_slice) {
                        Some([value]) => {
                            literals.push(self.query.str_atom(
                                StrVar::Context {
                                    key: key.clone(),
                                    slot: 0,
                                },
                                StrPattern::Glob(Glob::literal(value)),
                            ));
                            // Only for exactly one value: a second one would leave it unresolved.
                            if self.query.keys.get(&key).is_some_and(|k| k.slots > 1) {
                                literals.push(Term::not(self.query.present(&key, 1)));
                            }
                        }
                        // The key being chosen (a template on its own later slot): with
                        // two values in the model the template read its default, so the
                        // lemma names that, not an absence the model does not have (which
                        // left the model standing: the same lemma for 2,000 rounds).
                        None if self.model_present(&key, 1) => {
                            literals.push(self.query.present(&key, 1))
                        }
                        Some([]) | None => literals.push(Term::not(self.query.present(&key, 0))),
                        Some(_) => literals.push(self.query.present(&key, 1)),
                    }
                }
                let mut lemmas = pattern_relation_lemmas(self.query, before, None);
                lemmas.push(Term::not(Term::and(literals)));
                Step::Learn(lemmas)
            }
        }
    }
}

/// An ARN with a real-looking partition, region and 12-digit account where the witness put
/// filler text, each replacement kept only if the string still meets every pattern.
pub(super) fn realistic_arn(text: &str, fits: &dyn Fn(&str) -> bool) -> String {
    let mut parts: Vec<String> = text.splitn(6, ':').map(str::to_string).collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return text.to_string();
    }
    let region_like =
        |r: &str| r.split('-').count() >= 3 && r.chars().last().is_some_and(|c| c.is_ascii_digit());
    let wanted: [(usize, &str, bool); 3] = [
        (
            1,
            "aws",
            matches!(parts[1].as_str(), "aws" | "aws-cn" | "aws-us-gov"),
        ),
        (
            3,
            "us-east-1",
            parts[3].is_empty() || region_like(&parts[3]),
        ),
        (
            4,
            super::concretize::EXAMPLE_ACCOUNT,
            parts[4].is_empty() || crate::request::is_account_id(&parts[4]),
        ),
    ];
    for (index, value, already_real) in wanted {
        if already_real {
            continue;
        }
        let previous = std::mem::replace(&mut parts[index], value.to_string());
        if !fits(&parts.join(":")) {
            parts[index] = previous;
        }
    }
    parts.join(":")
}
