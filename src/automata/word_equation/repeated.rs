//! One template reading one value several times (`${v}/${v}`), decided exactly.
//!
//! `s = t0·u·t1·u·…·u·tk` (k ≥ 1), each `ti` a glob without holes, `u` one value: is there a
//! value meeting its constraints and a string meeting the text's? Whether `s` meets a text
//! glob depends only on the sets that glob's NFA reaches, and reading `u` maps those sets by
//! `u`'s relation on the glob; whether `u` meets a value glob depends only on the set its NFA
//! reaches from the start. So `u` matters only through its behaviour: the value globs' sets
//! and its relation on every text glob — finitely many, enumerated breadth-first over the
//! exploration alphabet as in the two-template case (a renaming that keeps every glob's
//! answer keeps a solution a solution, both occurrences of `u` included). For each behaviour
//! whose value sets meet the constraints, the parts are read in turn (a product of `ti`'s
//! NFA with the text sets, finitely many states), `u`'s relation applied between them; a
//! solution exists exactly when some final text sets meet the text constraints. Every
//! behaviour is tried, so "no solution" is a proof; a solution is re-checked by the
//! reference matcher.

use super::{explore, image, Constraints, Nfa, Rel, Set, Solution, MAX_BEHAVIOURS, MAX_CHECKS};
use crate::automata::product::exploration_alphabet;
use crate::pattern::{Glob, Token};
use std::collections::{HashMap, VecDeque};

/// The parts of a glob around its holes, when every hole is the same one and there are at
/// least two (`None` otherwise).
pub fn split_at_repeated_hole(glob: &Glob) -> Option<Vec<Glob>> {
    let mut parts = vec![Vec::new()];
    let mut hole = None;
    for token in glob.tokens() {
        match token {
            Token::Hole(n) => {
                if hole.is_some_and(|h| h != *n) {
                    return None;
                }
                hole = Some(*n);
                parts.push(Vec::new());
            }
            other => parts.last_mut()?.push(*other),
        }
    }
    (parts.len() >= 3).then(|| parts.into_iter().map(Glob::from_tokens).collect())
}

/// The parts with the value between each two, as one glob (the value's characters literal).
pub fn with_repeated_value(parts: &[Glob], value: &str) -> Glob {
    let mut tokens = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            tokens.extend(value.chars().map(Token::Lit));
        }
        tokens.extend_from_slice(part.tokens());
    }
    Glob::from_tokens(tokens)
}

/// Is there a value `u` and a string `t0·u·t1·…·u·tk` meeting the constraints?
pub fn repeated_value(parts: &[Glob], value: Constraints<'_>, text: Constraints<'_>) -> Solution {
    match Repeated::new(parts, value, text).and_then(|r| r.solve()) {
        Some(Some((u, s))) => {
            let fits =
                with_repeated_value(parts, &u).matches(&s) && value.admit(&u) && text.admit(&s);
            if fits {
                Solution::Found { value: u, text: s }
            } else {
                Solution::TooLarge
            }
        }
        Some(None) => Solution::Empty,
        None => Solution::TooLarge,
    }
}

struct Repeated {
    parts: Vec<Nfa>,
    value_pos: Vec<Nfa>,
    value_neg: Vec<Nfa>,
    text_pos: Vec<Nfa>,
    text_neg: Vec<Nfa>,
    alphabet: Vec<char>,
}

/// Text sets reached after a part, each with the text read so far.
type Reached = Vec<(Vec<Set>, String)>;

impl Repeated {
    fn new(parts: &[Glob], value: Constraints<'_>, text: Constraints<'_>) -> Option<Repeated> {
        if parts.len() < 2 {
            return None;
        }
        let all = || {
            parts
                .iter()
                .chain(value.positive.iter().copied())
                .chain(value.negative.iter().copied())
                .chain(text.positive.iter().copied())
                .chain(text.negative.iter().copied())
        };
        if all().any(|g| g.tokens().iter().any(|t| matches!(t, Token::Hole(_)))) {
            return None;
        }
        let nfas = |globs: &[&Glob]| globs.iter().map(|g| Nfa::new(g)).collect::<Option<_>>();
        Some(Repeated {
            parts: parts.iter().map(Nfa::new).collect::<Option<_>>()?,
            value_pos: nfas(value.positive)?,
            value_neg: nfas(value.negative)?,
            text_pos: nfas(text.positive)?,
            text_neg: nfas(text.negative)?,
            alphabet: exploration_alphabet(all()),
        })
    }

    fn texts(&self) -> impl Iterator<Item = &Nfa> {
        self.text_pos.iter().chain(&self.text_neg)
    }

    fn solve(&self) -> Option<Option<(String, String)>> {
        let texts: Vec<&Nfa> = self.texts().collect();
        let values: Vec<&Nfa> = self.value_pos.iter().chain(&self.value_neg).collect();
        let nv = values.len();
        let npos = self.value_pos.len();
        // The value's behaviour: each value glob's set from its start (as a one-row
        // relation), then its relation on each text glob.
        let mut start: Vec<Rel> = values.iter().map(|n| vec![n.start()]).collect();
        start.extend(texts.iter().map(|n| n.identity()));
        let sets = nv + texts.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let behaviours = explore(start, &self.alphabet, sets, |r, c| {
            let mut next: Vec<Rel> = values
                .iter()
                .zip(r)
                .map(|(n, x)| vec![n.step(x[0], c)])
                .collect();
            // A positive value glob stuck: no extension of this value meets it.
            if next[..npos].iter().any(|x| x[0] == 0) {
                return None;
            }
            next.extend(texts.iter().zip(&r[nv..]).map(|(n, x)| n.step_rel(x, c)));
            Some(next)
        })?;
        let first: Vec<Set> = texts.iter().map(|n| n.start()).collect();
        let mut memo: HashMap<(usize, Vec<Set>), Reached> = HashMap::new();
        let mut checks = 0usize;
        for (behaviour, u) in &behaviours {
            let value_sets: Vec<Set> = behaviour[..nv].iter().map(|x| x[0]).collect();
            if !self.value_admits(&value_sets) {
                continue;
            }
            let relations = &behaviour[nv..];
            let mut current: HashMap<Vec<Set>, String> =
                HashMap::from([(first.clone(), String::new())]);
            for index in 0..self.parts.len() {
                let mut next: HashMap<Vec<Set>, String> = HashMap::new();
                for (sets, prefix) in &current {
                    // Between two parts, the value.
                    let (sets, prefix) = if index == 0 {
                        (sets.clone(), prefix.clone())
                    } else {
                        let mapped: Vec<Set> = sets
                            .iter()
                            .zip(relations)
                            .map(|(s, r)| image(*s, r))
                            .collect();
                        (mapped, format!("{prefix}{u}"))
                    };
                    if sets[..self.text_pos.len()].contains(&0) {
                        continue;
                    }
                    let key = (index, sets.clone());
                    if !memo.contains_key(&key) {
                        let reached = self.read_part(index, &sets)?;
                        memo.insert(key.clone(), reached);
                    }
                    for (end, word) in memo.get(&key).into_iter().flatten() {
                        checks += 1;
                        if checks > MAX_CHECKS {
                            return None;
                        }
                        next.entry(end.clone())
                            .or_insert_with(|| format!("{prefix}{word}"));
                    }
                }
                current = next;
                if current.is_empty() {
                    break;
                }
            }
            if let Some((_, s)) = current.iter().find(|(sets, _)| self.text_admits(sets)) {
                return Some(Some((u.clone(), s.clone())));
            }
        }
        Some(None)
    }

    /// The text sets reached by reading a word of part `index` from `sets`, with one such
    /// word each (breadth-first, so the shortest).
    fn read_part(&self, index: usize, sets: &[Set]) -> Option<Reached> {
        let part = &self.parts[index];
        let texts: Vec<&Nfa> = self.texts().collect();
        let mut start = vec![part.start()];
        start.extend_from_slice(sets);
        let mut words: HashMap<Vec<Set>, String> = HashMap::from([(start.clone(), String::new())]);
        let mut queue = VecDeque::from([start]);
        let mut out: Reached = Vec::new();
        let mut ends: HashMap<Vec<Set>, ()> = HashMap::new();
        while let Some(state) = queue.pop_front() {
            let word = words.get(&state).cloned().unwrap_or_default();
            if state[0] & part.accept() != 0 && ends.insert(state[1..].to_vec(), ()).is_none() {
                out.push((state[1..].to_vec(), word.clone()));
            }
            for &c in &self.alphabet {
                let mut next = vec![part.step(state[0], c)];
                if next[0] == 0 {
                    continue;
                }
                next.extend(texts.iter().zip(&state[1..]).map(|(n, s)| n.step(*s, c)));
                if next[1..=self.text_pos.len()].contains(&0) || words.contains_key(&next) {
                    continue;
                }
                if words.len() >= MAX_BEHAVIOURS {
                    return None;
                }
                words.insert(next.clone(), format!("{word}{c}"));
                queue.push_back(next);
            }
        }
        Some(out)
    }

    fn value_admits(&self, sets: &[Set]) -> bool {
        let (pos, neg) = sets.split_at(self.value_pos.len());
        self.value_pos
            .iter()
            .zip(pos)
            .all(|(n, s)| s & n.accept() != 0)
            && self
                .value_neg
                .iter()
                .zip(neg)
                .all(|(n, s)| s & n.accept() == 0)
    }

    fn text_admits(&self, sets: &[Set]) -> bool {
        let (pos, neg) = sets.split_at(self.text_pos.len());
        self.text_pos
            .iter()
            .zip(pos)
            .all(|(n, s)| s & n.accept() != 0)
            && self
                .text_neg
                .iter()
                .zip(neg)
                .all(|(n, s)| s & n.accept() == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(
        template: &[&str],
        value: &[&str],
        not_value: &[&str],
        text: &[&str],
        not_text: &[&str],
    ) -> Solution {
        let parts: Vec<Glob> = template.iter().map(|t| Glob::wildcard(t)).collect();
        let g = |v: &[&str]| v.iter().map(|t| Glob::wildcard(t)).collect::<Vec<_>>();
        let (vp, vn, tp, tn) = (g(value), g(not_value), g(text), g(not_text));
        fn r(v: &[Glob]) -> Vec<&Glob> {
            v.iter().collect()
        }
        let (vp, vn, tp, tn) = (r(&vp), r(&vn), r(&tp), r(&tn));
        repeated_value(
            &parts,
            Constraints {
                positive: &vp,
                negative: &vn,
            },
            Constraints {
                positive: &tp,
                negative: &tn,
            },
        )
    }

    #[test]
    fn a_value_read_twice_meets_a_split_pattern() {
        // `b/${v}/${v}` with v in x*: always inside `b/x*/x*` (split at the middle `/`).
        assert_eq!(
            ask(&["b/", "/", ""], &["x*"], &[], &[], &["b/x*/x*"]),
            Solution::Empty
        );
        // Outside `b/x*/y*`: v = x… gives `b/x…/x…`, never `/y…` after a middle `/`…
        // unless v itself holds `/y`: `v = x/y` gives `b/x/y/x/y`.
        match ask(&["b/", "/", ""], &["x*"], &[], &["b/x*/y*"], &[]) {
            Solution::Found { value, text } => {
                assert!(value.starts_with('x') && value.contains("/y"), "{value}");
                assert_eq!(text, format!("b/{value}/{value}"));
            }
            other => panic!("{other:?}"),
        }
        // `${v}${v}` is never `ab`-shaped with v one character: a string of even length.
        assert_eq!(
            ask(&["", "", ""], &["?"], &[], &["a?"], &["aa"]),
            Solution::Empty
        );
        match ask(&["", "", ""], &["?"], &[], &["a?"], &[]) {
            Solution::Found { value, text } => {
                assert_eq!(value, "a");
                assert_eq!(text, "aa");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn split_needs_one_hole_read_twice() {
        let twice = Glob::from_tokens(vec![
            Token::Lit('a'),
            Token::Hole(0),
            Token::Lit('/'),
            Token::Hole(0),
        ]);
        let parts = split_at_repeated_hole(&twice).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            with_repeated_value(&parts, "v").to_string(),
            Glob::wildcard("av/v").to_string()
        );
        let once = Glob::from_tokens(vec![Token::Lit('a'), Token::Hole(0)]);
        assert!(split_at_repeated_hole(&once).is_none());
        let two = Glob::from_tokens(vec![Token::Hole(0), Token::Hole(1)]);
        assert!(split_at_repeated_hole(&two).is_none());
    }
}
