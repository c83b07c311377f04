//! Inclusion and disjointness between the fixed patterns on one variable, decided with automata.

use crate::encode::query::{Atom, AtomId, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::Glob;
use std::collections::BTreeMap;
use std::time::Instant;

/// Inclusion (and, for patterns sharing a literal prefix, disjointness) between the patterns on
/// each string variable, decided with automata. Only pairs involving an atom numbered `from` or
/// later are related (refinement adds atoms later and relates just the new ones). Pairs whose
/// literal prefixes diverge are disjoint; that is left to refinement, which learns it only
/// where a model needs it, instead of a quadratic number of clauses up front.
pub fn pattern_relation_lemmas(
    query: &Query,
    from: AtomId,
    deadline: Option<Instant>,
) -> Vec<Term> {
    let mut by_var: BTreeMap<&StrVar, Vec<(AtomId, &StrPattern)>> = BTreeMap::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        if let Atom::Str { var, pattern } = atom {
            by_var.entry(var).or_default().push((id, pattern));
        }
    }
    let mut lemmas = Vec::new();
    // Atoms added during the search: the keys their templates read must be present.
    if from > 0 {
        lemmas.extend(super::templates::read_key_lemmas(query, from));
    }
    for atoms in by_var.values() {
        if from == 0 {
            let globs: Vec<(AtomId, &Glob)> = atoms
                .iter()
                .filter_map(|(id, p)| match p {
                    StrPattern::Glob(g) => Some((*id, g)),
                    _ => None,
                })
                .collect();
            glob_relation_lemmas(&globs, deadline, &mut lemmas);
        }
        // The remaining pairs: those with a non-glob pattern (from == 0), or with an atom
        // added since `from`. Each is visited once, from its "driving" side, so the work is
        // linear in the number of such atoms times the atoms on the variable.
        for (i, (a, pa)) in atoms.iter().enumerate() {
            let drives = if from == 0 {
                !matches!(pa, StrPattern::Glob(_))
            } else {
                *a >= from
            };
            if !drives {
                continue;
            }
            for (j, (b, pb)) in atoms.iter().enumerate() {
                if i == j {
                    continue;
                }
                let b_drives = if from == 0 {
                    !matches!(pb, StrPattern::Glob(_))
                } else {
                    *b >= from
                };
                // A pair where both sides drive is visited once, from the smaller index.
                if b_drives && j < i {
                    continue;
                }
                lemmas.extend(relate(*a, pa, *b, pb));
            }
        }
    }
    lemmas
}

/// Subset and (same-prefix) disjointness lemmas among fixed globs on one variable.
///
/// Pairs are visited in literal-prefix order, so only pairs whose prefixes are compatible
/// are compared (the rest are disjoint and left to refinement). ARN-shaped globs (five
/// colons, wildcards bounded by segments before the last) decompose: `a ⊆ b` iff every
/// segment is included, disjoint iff some segment is; segments are short, so this avoids
/// a product automaton over whole ARNs.
fn glob_relation_lemmas(
    globs: &[(AtomId, &Glob)],
    deadline: Option<Instant>,
    lemmas: &mut Vec<Term>,
) {
    let prefixes: Vec<String> = globs.iter().map(|(_, g)| g.literal_prefix()).collect();
    let segments: Vec<Option<Vec<Glob>>> = globs.iter().map(|(_, g)| arn_segments(g)).collect();
    let mut order: Vec<usize> = (0..globs.len()).collect();
    order.sort_by(|&x, &y| prefixes[x].cmp(&prefixes[y]).then(x.cmp(&y)));
    let mut visited = 0usize;
    for (rank, &first) in order.iter().enumerate() {
        for &second in order[rank + 1..]
            .iter()
            .take_while(|&&o| prefixes[o].starts_with(prefixes[first].as_str()))
        {
            visited += 1;
            if visited % 1024 == 0 && deadline.is_some_and(|d| Instant::now() >= d) {
                return;
            }
            let (i, j) = (first.min(second), first.max(second));
            let (i_in_j, j_in_i, disjoint) = match (&segments[i], &segments[j]) {
                (Some(si), Some(sj)) => segment_relation(si, sj),
                _ => cached_relation(globs[i].1, globs[j].1),
            };
            let (ti, tj) = (Term::Atom(globs[i].0), Term::Atom(globs[j].0));
            if disjoint {
                lemmas.push(Term::not(Term::and([ti, tj])));
                continue;
            }
            if i_in_j {
                lemmas.push(Term::implies(ti.clone(), tj.clone()));
            }
            if j_in_i {
                lemmas.push(Term::implies(tj, ti));
            }
        }
    }
}

/// The six segments of an ARN-shaped glob: five literal colons, and no unbounded wildcard
/// before the fifth (so every matched string splits at its first five colons the same way).
pub fn arn_segments(glob: &Glob) -> Option<Vec<Glob>> {
    use crate::pattern::Token;
    let tokens = glob.tokens();
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        match t {
            Token::Lit(':') => {
                parts.push(Glob::from_tokens(tokens[start..i].to_vec()));
                start = i + 1;
            }
            Token::AnyStr | Token::AnyChar => return None,
            _ => {}
        }
    }
    if parts.len() != 5 {
        return None;
    }
    parts.push(Glob::from_tokens(tokens[start..].to_vec()));
    Some(parts)
}

/// (a ⊆ b, b ⊆ a, disjoint) from per-segment relations; "unknown" reads as "not proved".
fn segment_relation(a: &[Glob], b: &[Glob]) -> (bool, bool, bool) {
    let mut a_in_b = true;
    let mut b_in_a = true;
    for (x, y) in a.iter().zip(b) {
        let (x_in_y, y_in_x, disjoint) = cached_relation(x, y);
        if disjoint {
            return (false, false, true);
        }
        a_in_b &= x_in_y;
        b_in_a &= y_in_x;
    }
    (a_in_b, b_in_a, false)
}

thread_local! {
    /// Pair relations already decided on this thread: a diff asks both directions, and a scan
    /// compares many policies with one baseline.
    static RELATION_CACHE: std::cell::RefCell<std::collections::HashMap<(Glob, Glob), Relation>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// (a ⊆ b, b ⊆ a, disjoint).
type Relation = (bool, bool, bool);

/// Entries kept before the cache is cleared (bounds memory on long scans).
const RELATION_CACHE_LIMIT: usize = 200_000;

/// (a ⊆ b, b ⊆ a, disjoint), proved with automata; memoized per thread.
fn cached_relation(a: &Glob, b: &Glob) -> (bool, bool, bool) {
    if a == b {
        return (true, true, false);
    }
    let key = (a.clone(), b.clone());
    if let Some(r) = RELATION_CACHE.with(|c| c.borrow().get(&key).copied()) {
        return r;
    }
    let r = if crate::automata::is_disjoint(a, b) {
        (false, false, true)
    } else {
        (
            crate::automata::is_subset(a, b),
            crate::automata::is_subset(b, a),
            false,
        )
    };
    RELATION_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= RELATION_CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, r);
    });
    r
}

fn relate(a: AtomId, pa: &StrPattern, b: AtomId, pb: &StrPattern) -> Vec<Term> {
    use crate::automata;
    let (ta, tb) = (Term::Atom(a), Term::Atom(b));
    let mut out = Vec::new();
    match (pa, pb) {
        (StrPattern::Glob(ga), StrPattern::Glob(gb)) => {
            if automata::is_disjoint(ga, gb) {
                out.push(Term::not(Term::and([ta, tb])));
            } else {
                if automata::is_subset(ga, gb) {
                    out.push(Term::implies(ta.clone(), tb.clone()));
                }
                if automata::is_subset(gb, ga) {
                    out.push(Term::implies(tb, ta));
                }
            }
        }
        (StrPattern::IgnoreCase(x), StrPattern::IgnoreCase(y)) if x != y => {
            out.push(Term::not(Term::and([ta, tb])));
        }
        (StrPattern::IgnoreCase(w), StrPattern::Glob(g))
        | (StrPattern::Glob(g), StrPattern::IgnoreCase(w)) => {
            let (ti, tg) = if matches!(pa, StrPattern::IgnoreCase(_)) {
                (ta, tb)
            } else {
                (tb, ta)
            };
            if let Some(lit) = g.as_literal() {
                if crate::pattern::fold_case(&lit) == *w {
                    out.push(Term::implies(tg, ti));
                } else {
                    out.push(Term::not(Term::and([tg, ti])));
                }
            }
        }
        _ => {}
    }
    out
}
