//! The aligned case (`|a| = |c|`): one product automaton in three phases.

use super::{Nfa, Outcome, Problem, Set, MAX_BEHAVIOURS};
use std::collections::{HashMap, VecDeque};

impl Problem {
    /// `|a| = |c|`: `s = a·u·d` with `a ∈ α ∩ γ`, `u` a value, `d ∈ β ∩ δ`. One product in
    /// three phases (state: phase, then the phase's globs' sets, then the text globs' sets,
    /// then one set per negated template `C = γ_C·u·δ_C`: γ_C's set while `a` is read, then
    /// whether γ_C accepted `a` (1 or 0) while `u` is, then δ_C's set from its start if it
    /// did: `C` matches with its `u` on this one exactly when δ_C accepts `d` at the end),
    /// then `u`'s relation on the other strings' texts, laid end to end (identity until
    /// the value is read; `joint.rs`).
    pub(super) fn aligned(&self) -> Outcome {
        let texts: Vec<&Nfa> = self.texts().collect();
        let nt = texts.len();
        let na = self.avoid.len();
        let other_texts = self.other_texts();
        let step_others = |flat: &[Set], c: char| -> Vec<Set> {
            let mut out = Vec::with_capacity(flat.len());
            let mut rest = flat;
            for n in &other_texts {
                let (mine, more) = rest.split_at((n.tokens.len() + 1).min(rest.len()));
                out.extend(n.step_rel(mine, c));
                rest = more;
            }
            out
        };
        let values: Vec<&Nfa> = self.values().collect();
        let phase_globs = |phase: u128| -> Vec<&Nfa> {
            match phase {
                0 => vec![&self.alpha, &self.gamma],
                1 => values.clone(),
                _ => vec![&self.beta, &self.delta],
            }
        };
        let starts =
            |phase: u128| -> Vec<Set> { phase_globs(phase).iter().map(|n| n.start()).collect() };
        // The phase may end here: its globs accept (the value's as the constraints say).
        let phase_done = |phase: u128, sets: &[Set]| -> bool {
            match phase {
                1 => self.value_admits(sets),
                _ => sets
                    .iter()
                    .zip(phase_globs(phase))
                    .all(|(s, n)| s & n.accept() != 0),
            }
        };
        // Switch phases as far as the current sets allow (an empty part is allowed).
        let settle = |mut state: Vec<Set>| -> Vec<Vec<Set>> {
            let mut out = vec![state.clone()];
            while state[0] < 2 {
                let phase = state[0];
                let own = phase_globs(phase).len();
                if !phase_done(phase, &state[1..=own]) {
                    break;
                }
                let mut next = vec![phase + 1];
                next.extend(starts(phase + 1));
                next.extend_from_slice(&state[1 + own..1 + own + nt]);
                for ((gamma, delta), set) in self.avoid.iter().zip(&state[1 + own + nt..]) {
                    next.push(match phase {
                        0 => Set::from(set & gamma.accept() != 0),
                        _ if *set != 0 => delta.start(),
                        _ => 0,
                    });
                }
                next.extend_from_slice(&state[1 + own + nt + na..]);
                out.push(next.clone());
                state = next;
            }
            out
        };
        let mut first = vec![0];
        first.extend(starts(0));
        first.extend(texts.iter().map(|n| n.start()));
        first.extend(self.avoid.iter().map(|(gamma, _)| gamma.start()));
        first.extend(other_texts.iter().flat_map(|n| n.identity()));
        // The words of each phase, recorded by state to cut the text at the phase switches.
        type Parts = (String, String, String);
        let mut parts: HashMap<Vec<Set>, Parts> = HashMap::new();
        let mut queue = VecDeque::new();
        for s in settle(first) {
            parts.insert(s.clone(), Parts::default());
            queue.push_back(s);
        }
        while let Some(state) = queue.pop_front() {
            let phase = state[0];
            let globs = phase_globs(phase);
            let own = globs.len();
            let avoided = || {
                self.avoid
                    .iter()
                    .zip(&state[1 + own + nt..])
                    .all(|((_, delta), set)| set & delta.accept() == 0)
            };
            if phase == 2
                && phase_done(2, &state[1..=own])
                && self.text_admits(&state[1 + own..1 + own + nt])
                && avoided()
                && self.others_admit_flat(&state[1 + own + nt + na..])
            {
                let (a, u, d) = parts.get(&state).cloned().unwrap_or_default();
                let text = format!("{a}{u}{d}");
                if self.exact(&u, &text) {
                    return Some(Some((u, text)));
                }
            }
            for &c in &self.alphabet {
                let mut next = vec![phase];
                next.extend(
                    globs
                        .iter()
                        .zip(&state[1..=own])
                        .map(|(n, s)| n.step(*s, c)),
                );
                next.extend(
                    texts
                        .iter()
                        .zip(&state[1 + own..1 + own + nt])
                        .map(|(n, s)| n.step(*s, c)),
                );
                let avoid_sets = self.avoid.iter().zip(&state[1 + own + nt..]);
                next.extend(avoid_sets.map(|((gamma, delta), set)| match phase {
                    0 => gamma.step(*set, c),
                    1 => *set,
                    _ => delta.step(*set, c),
                }));
                let flat = &state[1 + own + nt + na..];
                if phase == 1 {
                    next.extend(step_others(flat, c));
                } else {
                    next.extend_from_slice(flat);
                }
                // Dead: a glob the phase must still accept is stuck (the value's positives
                // only), or a positive text glob is.
                let stuck_own = match phase {
                    1 => next[1..=self.value_pos.len()].contains(&0),
                    _ => next[1..=own].contains(&0),
                };
                let stuck_text = next[1 + own..1 + own + self.text_pos.len()].contains(&0);
                if stuck_own || stuck_text {
                    continue;
                }
                let mut words = parts.get(&state).cloned().unwrap_or_default();
                match phase {
                    0 => words.0.push(c),
                    1 => words.1.push(c),
                    _ => words.2.push(c),
                }
                for s in settle(next) {
                    if parts.contains_key(&s) {
                        continue;
                    }
                    if parts.len() >= MAX_BEHAVIOURS {
                        return None;
                    }
                    parts.insert(s.clone(), words.clone());
                    queue.push_back(s);
                }
            }
        }
        Some(None)
    }
}
