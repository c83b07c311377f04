//! The shifted cases (`|a| ≠ |c|`): `s = a·(pq)^(k+1)·p·d`, `u = (pq)^k·p`.

use super::{co_set, compose, explore, image, Nfa, Outcome, Problem, Rel, Set, MAX_CHECKS};
use std::collections::{HashMap, HashSet};

impl Problem {
    /// `|a| < |c|` (or, `swapped`, `|c| < |a|` with the templates' roles exchanged).
    ///
    /// A negated template `C = γ_C·u·δ_C` is asked not to match with its `u` on either copy
    /// the equation knows, at `|a|` (`a ∈ γ_C`, `qpd ∈ δ_C`) and at `|apq|` (`apq ∈ γ_C`,
    /// `d ∈ δ_C`): what `a` does to γ_C, what `d` does to δ_C and the relations of `p`, `q`
    /// on both are kept with the other behaviours.
    pub(super) fn shifted(&self, swapped: bool) -> Outcome {
        let (alpha, beta, gamma, delta) = if swapped {
            (&self.gamma, &self.delta, &self.alpha, &self.beta)
        } else {
            (&self.alpha, &self.beta, &self.gamma, &self.delta)
        };
        let texts: Vec<&Nfa> = self.texts().collect();
        let values: Vec<&Nfa> = self.values().collect();
        let (nt, na) = (texts.len(), self.avoid.len());
        let gammas: Vec<&Nfa> = self.avoid.iter().map(|(g, _)| g).collect();
        let deltas: Vec<&Nfa> = self.avoid.iter().map(|(_, d)| d).collect();
        // a: a ∈ α; keep what γ, the texts and the negated templates' γ_C have read.
        let a_reads: Vec<&Nfa> = texts.iter().chain(&gammas).copied().collect();
        let mut a_start = vec![alpha.start(), gamma.start()];
        a_start.extend(a_reads.iter().map(|n| n.start()));
        let a_states = explore(a_start, &self.alphabet, 2 + a_reads.len(), |s, c| {
            let mut next = vec![alpha.step(s[0], c), gamma.step(s[1], c)];
            next.extend(a_reads.iter().zip(&s[2..]).map(|(n, x)| n.step(*x, c)));
            (next[0] != 0 && next[1] != 0).then_some(next)
        })?;
        let mut after_a: HashMap<Vec<Set>, String> = HashMap::new();
        for (s, word) in a_states {
            if s[0] & alpha.accept() != 0 {
                after_a.entry(s[1..].to_vec()).or_insert(word);
            }
        }
        // d: d ∈ δ; keep from where β, the texts and the δ_C accept after reading it.
        let d_reads: Vec<&Nfa> = texts.iter().chain(&deltas).copied().collect();
        let mut d_start: Vec<Rel> = vec![vec![delta.start()], beta.identity()];
        d_start.extend(d_reads.iter().map(|n| n.identity()));
        let d_sets =
            1 + beta.tokens.len() + d_reads.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let d_states = explore(d_start, &self.alphabet, d_sets, |r, c| {
            let mut next = vec![vec![delta.step(r[0][0], c)], beta.step_rel(&r[1], c)];
            next.extend(d_reads.iter().zip(&r[2..]).map(|(n, x)| n.step_rel(x, c)));
            (next[0][0] != 0).then_some(next)
        })?;
        let mut before_d: HashMap<Vec<Set>, String> = HashMap::new();
        for (r, word) in d_states {
            if r[0][0] & delta.accept() != 0 {
                let mut co = vec![co_set(&r[1], beta.accept())];
                co.extend(
                    d_reads
                        .iter()
                        .zip(&r[2..])
                        .map(|(n, x)| co_set(x, n.accept())),
                );
                before_d.entry(co).or_insert(word);
            }
        }
        if after_a.is_empty() || before_d.is_empty() {
            return Some(None);
        }
        // p and q: what they do to γ, β, the values, the texts, the γ_C, the δ_C and the
        // other strings' texts (`joint.rs`).
        let other_texts = self.other_texts();
        let every: Vec<&Nfa> = [gamma, beta]
            .into_iter()
            .chain(values.iter().copied())
            .chain(texts.iter().copied())
            .chain(gammas.iter().copied())
            .chain(deltas.iter().copied())
            .chain(other_texts.iter().copied())
            .collect();
        let others_at = 2 + values.len() + nt + 2 * na;
        let other_identity: Vec<Rel> = other_texts.iter().map(|n| n.identity()).collect();
        let w_start: Vec<Rel> = every.iter().map(|n| n.identity()).collect();
        let w_sets = every.iter().map(|n| n.tokens.len() + 1).sum::<usize>();
        let words = explore(w_start, &self.alphabet, w_sets, |r, c| {
            Some(every.iter().zip(r).map(|(n, x)| n.step_rel(x, c)).collect())
        })?;
        let nv = values.len();
        let value_starts: Vec<Set> = values.iter().map(|n| n.start()).collect();
        let mut checks = 0usize;
        for (p, p_word) in &words {
            for (q, q_word) in &words {
                // pq ≠ ε. Only the empty word acts as the identity (from the accepting
                // position of γ every non-empty word leads nowhere), so this is the one pair.
                if p_word.is_empty() && q_word.is_empty() {
                    continue;
                }
                checks += 1;
                if checks > MAX_CHECKS {
                    return None;
                }
                // β after q·p, from its start.
                let beta_qp = image(image(beta.start(), &q[1]), &p[1]);
                if beta_qp == 0 {
                    continue;
                }
                for (a_sets, a_word) in &after_a {
                    checks += 1;
                    if checks > MAX_CHECKS {
                        return None;
                    }
                    // a·p·q ∈ γ.
                    if image(image(a_sets[0], &p[0]), &q[0]) & gamma.accept() == 0 {
                        continue;
                    }
                    // k = 0, 1, ...: the values' sets after (pq)^k, the texts' after a(pq)^(k+1).
                    let mut value_sets = value_starts.clone();
                    // No negated template matches with its value on a known copy: per
                    // template, (a ∈ γ_C, apq ∈ γ_C, δ_C's set after qp, δ_C's start),
                    // then the test on the co-set of δ_C before the `d` chosen.
                    let known: Vec<(bool, bool, Set, Set)> = (0..na)
                        .map(|j| {
                            let (g, d) = (gammas[j], deltas[j]);
                            let a_g = a_sets[1 + nt + j];
                            let (pg, qg) = (&p[2 + nv + nt + j], &q[2 + nv + nt + j]);
                            let (pd, qd) = (&p[2 + nv + nt + na + j], &q[2 + nv + nt + na + j]);
                            (
                                a_g & g.accept() != 0,
                                image(image(a_g, pg), qg) & g.accept() != 0,
                                image(image(d.start(), qd), pd),
                                d.start(),
                            )
                        })
                        .collect();
                    let avoided = |co: &[Set]| {
                        known
                            .iter()
                            .zip(&co[1 + nt..])
                            .all(|(&(a_in, apq_in, qp, st), c)| {
                                !(a_in && qp & c != 0 || apq_in && st & c != 0)
                            })
                    };
                    let mut text_sets: Vec<Set> = a_sets[1..1 + nt]
                        .iter()
                        .enumerate()
                        .map(|(i, s)| image(image(*s, &p[2 + nv + i]), &q[2 + nv + i]))
                        .collect();
                    // u's relation on the other strings' texts is that of (pq)^k·p.
                    let (p_others, q_others) = (&p[others_at..], &q[others_at..]);
                    let mut others_pq = other_identity.clone();
                    let mut seen: HashSet<(Vec<Set>, Vec<Set>, Vec<Rel>)> = HashSet::new();
                    let mut k = 0usize;
                    while seen.insert((value_sets.clone(), text_sets.clone(), others_pq.clone())) {
                        checks += 1;
                        if checks > MAX_CHECKS {
                            return None;
                        }
                        let value_end: Vec<Set> = value_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(*s, &p[2 + i]))
                            .collect();
                        if self.value_admits(&value_end)
                            && self.others_admit(&compose(&others_pq, p_others))
                        {
                            let text_end: Vec<Set> = text_sets
                                .iter()
                                .enumerate()
                                .map(|(i, s)| image(*s, &p[2 + nv + i]))
                                .collect();
                            let ds = before_d.iter().filter(|(co, _)| {
                                beta_qp & co[0] != 0
                                    && self.text_meets(&text_end, &co[1..1 + nt])
                                    && avoided(co)
                            });
                            for (_, d_word) in ds {
                                checks += 1;
                                if checks > MAX_CHECKS {
                                    return None;
                                }
                                let pq = format!("{p_word}{q_word}");
                                let value = format!("{}{p_word}", pq.repeat(k));
                                let text = format!("{a_word}{pq}{value}{d_word}");
                                if self.exact(&value, &text) {
                                    return Some(Some((value, text)));
                                }
                            }
                        }
                        value_sets = value_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(image(*s, &p[2 + i]), &q[2 + i]))
                            .collect();
                        others_pq = compose(&compose(&others_pq, p_others), q_others);
                        text_sets = text_sets
                            .iter()
                            .enumerate()
                            .map(|(i, s)| image(image(*s, &p[2 + nv + i]), &q[2 + nv + i]))
                            .collect();
                        k += 1;
                    }
                }
            }
        }
        Some(None)
    }

    /// Reading the rest (sets `co`, from where it accepts) after `sets`: positive text
    /// globs accept, negative ones do not.
    fn text_meets(&self, sets: &[Set], co: &[Set]) -> bool {
        sets.iter().zip(co).enumerate().all(|(i, (s, c))| {
            let accepts = s & c != 0;
            accepts == (i < self.text_pos.len())
        })
    }
}
