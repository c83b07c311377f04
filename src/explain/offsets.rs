//! Two keys read at one offset of one string: one value is the other, or the other followed
//! by text one template spells after it (`encodings/policy-variables.md`, "Session 10
//! (segments)").
//!
//! Two true case-sensitive templates `A`, `B` on one string, read from an *anchor* both
//! place at the same offset of every string they match: the string's start when neither has
//! a wildcard before its first value, else the string's `c`-th colon, `c ≤ 5`, when every
//! wildcard before the first value is an ARN segment wildcard (it cannot cross `:`) before
//! the `c`-th literal colon of each. From the anchor on, a resolved template is literal up
//! to its first wildcard (values are literal where they are substituted), so the string
//! starts, from the anchor, with that text. When `A` and `B` spell the same items (the same
//! characters, the same `${k}` parts) up to a place where `A` reads the key `k1` and `B` the
//! key `k2`, both single, their values `u`, `t` start at one offset, followed by the literal
//! texts `L_A`, `L_B`: `u·L_A·X = t·L_B·Y` (`X`, `Y` empty where a template ends). So `u = t`,
//! or one is the other followed by a prefix of the other's literal text, or by all of it and
//! anything. Lemma `A ∧ B ∧ k1 single ∧ k2 single → ⋁ disjuncts`, each disjunct an atom
//! `k1 = ${k2}·w` (exact), `k1 like ${k2}·L_B*` or the same with the keys exchanged: atoms
//! only, one lemma per pair of templates, learned when the model breaks it.
//! `arn:aws:iam::${u}:user/*` and `arn:aws:iam::${team}:user/*`: `u = team`, or
//! `u like ${team}:user/*`, or the reverse, where before the search refuted one pair of
//! values per round.

use super::context::ContextBuilder;
use crate::encode::{pattern_relation_lemmas, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::pattern::{Template, TemplatePart};

/// A template's items: literal characters, wildcards, and variables.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Item<'t> {
    Lit(char),
    Wild,
    Var(&'t TemplatePart),
}

fn items(t: &Template, mode: MatchMode) -> Vec<Item<'_>> {
    let wild = mode != MatchMode::Exact;
    let mut out = Vec::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => out.extend(text.chars().map(|c| match c {
                '*' | '?' if wild => Item::Wild,
                _ => Item::Lit(c),
            })),
            TemplatePart::Escaped(c) => out.push(Item::Lit(*c)),
            TemplatePart::Var { .. } => out.push(Item::Var(part)),
        }
    }
    out
}

/// The fewest colons an anchor needs (0: the string's start) and the index after each of
/// the first five literal colons before the first variable; `None` when a wildcard before
/// the first variable can move the offsets (a free one, or one after the fifth colon).
fn anchors(items: &[Item], mode: MatchMode) -> Option<(usize, Vec<usize>)> {
    let first_var = items.iter().position(|i| matches!(i, Item::Var(_)))?;
    let prefix = &items[..first_var];
    let colons: Vec<usize> = prefix
        .iter()
        .enumerate()
        .filter(|(_, i)| **i == Item::Lit(':'))
        .map(|(n, _)| n + 1)
        .take(5)
        .collect();
    let Some(last_wild) = prefix.iter().rposition(|i| *i == Item::Wild) else {
        return Some((0, colons));
    };
    if mode != MatchMode::Arn {
        return None;
    }
    // Colons before the last wildcard, plus the one that closes its segment.
    let needed = colons.iter().filter(|&&after| after <= last_wild).count() + 1;
    (needed <= colons.len()).then_some((needed, colons))
}

/// Literal text after a value, and whether its template ends there.
type Tail = (Vec<char>, bool);

/// Where the two templates read two different keys at one offset: the keys, and the literal
/// text after each with whether its template ends there.
struct Meeting<'t> {
    keys: (&'t str, &'t str),
    after: (Tail, Tail),
}

fn meeting<'t>(
    a: &[Item<'t>],
    b: &[Item<'t>],
    ma: MatchMode,
    mb: MatchMode,
) -> Option<Meeting<'t>> {
    let (need_a, colons_a) = anchors(a, ma)?;
    let (need_b, colons_b) = anchors(b, mb)?;
    let c = need_a.max(need_b);
    let start = |colons: &[usize]| match c {
        0 => Some(0),
        _ => colons.get(c - 1).copied(),
    };
    let (mut i, mut j) = (start(&colons_a)?, start(&colons_b)?);
    loop {
        match (a.get(i)?, b.get(j)?) {
            (Item::Lit(x), Item::Lit(y)) if x == y => {}
            (Item::Var(x), Item::Var(y)) if x == y => {}
            (
                Item::Var(TemplatePart::Var { key_lower: k1, .. }),
                Item::Var(TemplatePart::Var { key_lower: k2, .. }),
            ) if k1 != k2 => {
                return Some(Meeting {
                    keys: (k1, k2),
                    after: (literal_after(a, i + 1), literal_after(b, j + 1)),
                })
            }
            _ => return None,
        }
        i += 1;
        j += 1;
    }
}

/// The literal characters from `from` on, and whether they run to the template's end.
fn literal_after(items: &[Item], from: usize) -> Tail {
    let mut text = Vec::new();
    for item in &items[from.min(items.len())..] {
        match item {
            Item::Lit(c) => text.push(*c),
            _ => return (text, false),
        }
    }
    (text, true)
}

/// Does an ARN template read a value before its fifth literal colon (where the value's
/// colons move segment bounds, so the word equation does not take it)?
fn segment_value(items: &[Item], mode: MatchMode) -> bool {
    let mut colons = 0;
    mode == MatchMode::Arn
        && items.iter().any(|i| match i {
            Item::Lit(':') => {
                colons += 1;
                false
            }
            Item::Var(_) => colons < 5,
            _ => false,
        })
}

/// Is there `x·X = y·Y` with `X` empty when `x_ends`, `Y` empty when `y_ends`?
fn compatible((x, x_ends): (&[char], bool), (y, y_ends): (&[char], bool)) -> bool {
    match (x_ends, y_ends) {
        (true, true) => x == y,
        (true, false) => x.starts_with(y),
        (false, true) => y.starts_with(x),
        (false, false) => x.starts_with(y) || y.starts_with(x),
    }
}

/// The texts `w` (non-empty) with `u = t·w` possible, when `u` is followed by `la` and `t`
/// by `lb`: prefixes of `lb` (exact), and `lb` followed by anything when `B` goes on.
fn longer_by(la: (&[char], bool), lb: (&[char], bool)) -> (Vec<String>, Option<String>) {
    let exact = (1..=lb.0.len())
        .filter(|&j| compatible(la, (&lb.0[j..], lb.1)))
        .map(|j| lb.0[..j].iter().collect())
        .collect();
    let starred = (!lb.1).then(|| lb.0.iter().collect());
    (exact, starred)
}

/// `${key}` followed by `text` (escaped), and a free `*` when `star`.
fn reading(key: &str, text: &str, star: bool) -> Option<Template> {
    let mut source = format!("${{{key}}}");
    for c in text.chars() {
        match c {
            '*' | '?' | '$' => source.push_str(&format!("${{{c}}}")),
            _ => source.push(c),
        }
    }
    if star {
        source.push('*');
    }
    Template::parse(&source, true).ok().map(|t| t.canonical())
}

impl ContextBuilder<'_> {
    /// The lemma for the first pair of true templates reading two keys at one offset whose
    /// relation the model breaks.
    pub(super) fn offset_keys_conflict(&mut self) -> Option<Vec<Term>> {
        let mut pairs = Vec::new();
        for ids in self.str_atoms.values() {
            let true_templates: Vec<(AtomId, &Template, MatchMode)> = ids
                .iter()
                .filter(|id| self.a.atom(**id))
                .filter_map(|&id| match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } if *mode != MatchMode::IgnoreCase => Some((id, t, *mode)),
                    _ => None,
                })
                .collect();
            for (n, &(ia, ta, ma)) in true_templates.iter().enumerate() {
                for &(ib, tb, mb) in &true_templates[n + 1..] {
                    let (a, b) = (items(ta, ma), items(tb, mb));
                    // Values in the resource part are the word equation's (exact there).
                    if !segment_value(&a, ma) && !segment_value(&b, mb) {
                        continue;
                    }
                    if let Some(m) = meeting(&a, &b, ma, mb) {
                        if self.model_single(m.keys.0) && self.model_single(m.keys.1) {
                            pairs.push((
                                ia,
                                ib,
                                m.keys.0.to_string(),
                                m.keys.1.to_string(),
                                m.after,
                            ));
                        }
                    }
                }
            }
        }
        for (ia, ib, k1, k2, (la, lb)) in pairs {
            if let Some(lemmas) = self.offset_lemma((ia, ib), (&k1, &k2), (&la, &lb)) {
                return Some(lemmas);
            }
        }
        None
    }

    /// The disjunction for one meeting; `None` when the model already meets it.
    fn offset_lemma(
        &mut self,
        (ia, ib): (AtomId, AtomId),
        (k1, k2): (&str, &str),
        (la, lb): (&Tail, &Tail),
    ) -> Option<Vec<Term>> {
        let (la, lb) = ((la.0.as_slice(), la.1), (lb.0.as_slice(), lb.1));
        // (variable's key, key read, template, mode)
        let mut disjuncts: Vec<(&str, Template, MatchMode)> = Vec::new();
        if compatible(la, lb) {
            disjuncts.push((k1, reading(k2, "", false)?, MatchMode::Exact));
        }
        for ((own, other), (x, y)) in [((k1, k2), (la, lb)), ((k2, k1), (lb, la))] {
            let (exact, starred) = longer_by(x, y);
            for w in exact {
                disjuncts.push((own, reading(other, &w, false)?, MatchMode::Exact));
            }
            if let Some(w) = starred {
                disjuncts.push((own, reading(other, &w, true)?, MatchMode::Like));
            }
        }
        let atom = |key: &str, t: &Template, mode: MatchMode| Atom::Str {
            var: StrVar::Context {
                key: key.to_string(),
                slot: 0,
            },
            pattern: StrPattern::Template(t.clone(), mode),
        };
        let held = disjuncts.iter().any(|(key, t, mode)| {
            self.query
                .atom_id(&atom(key, t, *mode))
                .is_some_and(|id| self.a.atom(id))
        });
        if held {
            return None;
        }
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: {k1} and {k2} read at one offset of one string");
        }
        let before = self.query.atoms.len();
        let one_of: Vec<Term> = disjuncts
            .into_iter()
            .map(|(key, t, mode)| {
                let var = StrVar::Context {
                    key: key.to_string(),
                    slot: 0,
                };
                self.query.str_atom(var, StrPattern::Template(t, mode))
            })
            .collect();
        let premise = Term::and(vec![
            Term::Atom(ia),
            Term::Atom(ib),
            self.query.single_valued(k1),
            self.query.single_valued(k2),
        ]);
        let mut lemmas = pattern_relation_lemmas(self.query, before, None);
        lemmas.push(Term::implies(premise, Term::or(one_of)));
        Some(lemmas)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Template {
        Template::parse(text, true).unwrap().canonical()
    }

    fn meet(
        a: &str,
        b: &str,
        mode: MatchMode,
    ) -> Option<(String, String, String, bool, String, bool)> {
        let (ta, tb) = (parse(a), parse(b));
        let (ia, ib) = (items(&ta, mode), items(&tb, mode));
        let m = meeting(&ia, &ib, mode, mode)?;
        let text = |v: &[char]| v.iter().collect::<String>();
        Some((
            m.keys.0.to_string(),
            m.keys.1.to_string(),
            text(&m.after.0 .0),
            m.after.0 .1,
            text(&m.after.1 .0),
            m.after.1 .1,
        ))
    }

    #[test]
    fn keys_in_one_account_segment_meet() {
        let m = meet(
            "arn:aws:iam::${aws:username}:user/*",
            "arn:aws:iam::${aws:PrincipalTag/team}:user/*",
            MatchMode::Arn,
        )
        .unwrap();
        assert_eq!(m.0, "aws:username");
        assert_eq!(
            (m.2.as_str(), m.3, m.4.as_str(), m.5),
            (":user/", false, ":user/", false)
        );
        // A segment wildcard before the fourth colon anchors there; the same key read first.
        let m = meet(
            "*arn:aws:iam::${aws:username}:user/${aws:username}",
            "arn:aws:iam::${aws:username}:user/${aws:PrincipalTag/team}",
            MatchMode::Arn,
        )
        .unwrap();
        assert_eq!((m.2.as_str(), m.3, m.4.as_str(), m.5), ("", true, "", true));
    }

    #[test]
    fn free_wildcards_and_unequal_text_do_not_meet() {
        // A free `*` (Like) before the value: offsets differ.
        assert!(meet("*/${a}", "*/${b}", MatchMode::Like).is_none());
        // A wildcard after the fifth colon: not bounded by the string's colons.
        assert!(meet("a:b:c:d:e:*/${a}", "a:b:c:d:e:*/${b}", MatchMode::Arn).is_none());
        // Different text before the keys.
        assert!(meet("x/${a}", "y/${b}", MatchMode::Exact).is_none());
        // The same key: nothing to relate.
        assert!(meet("x/${a}/${b}", "x/${a}/${b}", MatchMode::Exact).is_none());
    }

    /// Every disjunct set agrees with brute force over short values: `u·la = t·lb` (templates
    /// ending after the text) has a solution exactly where a disjunct allows it.
    #[test]
    fn disjuncts_cover_every_solution() {
        let alphabet = ['a', ':'];
        let words: Vec<String> = (0..4)
            .flat_map(|n| {
                (0..alphabet.len().pow(n)).map(move |mut i| {
                    (0..n)
                        .map(|_| {
                            let c = alphabet[i % 2];
                            i /= 2;
                            c
                        })
                        .collect()
                })
            })
            .collect();
        for (la, lb) in [(":", ":"), ("", ":a"), (":a", ":"), ("a:", ":")] {
            for ends in [(true, true), (true, false), (false, true), (false, false)] {
                let (xa, xb): (Vec<char>, Vec<char>) = (la.chars().collect(), lb.chars().collect());
                let (x, y) = ((xa.as_slice(), ends.0), (xb.as_slice(), ends.1));
                for u in &words {
                    for t in &words {
                        for (xs, ys) in [("", ""), ("a", ""), ("", "a"), (":", "a:")] {
                            if ends.0 && !xs.is_empty() || ends.1 && !ys.is_empty() {
                                continue;
                            }
                            if format!("{u}{la}{xs}") != format!("{t}{lb}{ys}") {
                                continue;
                            }
                            let covered = (u == t && compatible(x, y))
                                || covers(u, t, longer_by(x, y))
                                || covers(t, u, longer_by(y, x));
                            assert!(covered, "u={u} t={t} la={la} lb={lb} ends={ends:?}");
                        }
                    }
                }
            }
        }
    }

    fn covers(u: &str, t: &str, (exact, starred): (Vec<String>, Option<String>)) -> bool {
        let Some(w) = u.strip_prefix(t) else {
            return false;
        };
        exact.iter().any(|e| e == w) || starred.is_some_and(|s| w.starts_with(&s))
    }
}
