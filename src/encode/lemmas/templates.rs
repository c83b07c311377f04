//! Lemmas about templates (patterns with policy variables) that hold for every substitution.

use crate::encode::query::{Atom, AtomId, MatchMode, Query, StrPattern, StrVar};
use crate::encode::term::Term;
use crate::pattern::{Glob, Template};

// decide (#10): wildcard templates whose text between the same variables and colons nests.
mod chunks;

/// A template's language, whatever its variables resolve to, lies inside the template with
/// each variable read as `*` (and all wildcards unbounded); a variable with no default
/// needs its key present and single-valued.
pub(super) fn template_lemmas(query: &mut Query) -> Vec<Term> {
    let mut lemmas = Vec::new();
    let templates: Vec<(AtomId, StrVar, Template, MatchMode)> = query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, a)| match a {
            Atom::Str {
                var,
                pattern: StrPattern::Template(t, mode),
            } => Some((id, var.clone(), t.clone(), *mode)),
            _ => None,
        })
        .collect();
    // The same template on the same variable: the exact reading is inside every other one
    // (a text matches itself as a Like or ARN pattern, and ignoring case).
    for (i, (a, var_a, t_a, mode_a)) in templates.iter().enumerate() {
        for (b, var_b, t_b, mode_b) in templates.iter().skip(i + 1) {
            if var_a != var_b || t_a != t_b {
                continue;
            }
            if *mode_a == MatchMode::Exact {
                lemmas.push(Term::implies(Term::Atom(*a), Term::Atom(*b)));
            }
            if *mode_b == MatchMode::Exact {
                lemmas.push(Term::implies(Term::Atom(*b), Term::Atom(*a)));
            }
        }
    }
    lemmas.extend(chunks::chunk_inclusion_lemmas(&templates));
    lemmas.extend(mutual_equality_lemmas(query, &templates));
    lemmas.extend(self_reference_lemmas(query, &templates));
    for (id, var, template, mode) in templates {
        let this = Term::Atom(id);
        let over = template_over_approximation(&template, mode);
        let over_atom = query.str_atom(var, StrPattern::Glob(over));
        lemmas.push(Term::implies(this.clone(), over_atom));
        for part in &template.parts {
            if let crate::pattern::TemplatePart::Var {
                key_lower,
                default: None,
                ..
            } = part
            {
                let present = query.present(key_lower, 0);
                lemmas.push(Term::implies(this.clone(), present));
                if query.keys.get(key_lower).is_some_and(|k| k.slots > 1) {
                    let second = query.present(key_lower, 1);
                    lemmas.push(Term::implies(this.clone(), Term::not(second)));
                }
            }
        }
    }
    lemmas
}

/// The keys a template atom numbered `from` or later reads with no default: the atom is
/// false unless each is present and single-valued (the template is unresolvable and matches
/// nothing otherwise), as `template_lemmas` says of the policies' own templates. Atoms made
/// after those lemmas (an offset relation's `k1 like ${k2}:user/*`, a chained equality) had
/// no such lemma, and a model made one true with its key absent: the concretizer gave up
/// ("cannot be resolved in this model"). Only presence atoms the query already has are named
/// (a key with none is left out: fewer lemmas, still sound).
pub(crate) fn read_key_lemmas(query: &Query, from: AtomId) -> Vec<Term> {
    let mut lemmas = Vec::new();
    for (id, atom) in query.atoms.iter().enumerate().skip(from) {
        let Atom::Str {
            pattern: StrPattern::Template(template, _),
            ..
        } = atom
        else {
            continue;
        };
        for part in &template.parts {
            let crate::pattern::TemplatePart::Var {
                key_lower,
                default: None,
                ..
            } = part
            else {
                continue;
            };
            let present = |slot| {
                query.atom_id(&Atom::Present {
                    key: key_lower.clone(),
                    slot,
                })
            };
            let Some(first) = present(0) else {
                continue;
            };
            lemmas.push(Term::implies(Term::Atom(id), Term::Atom(first)));
            if query.keys.get(key_lower).is_some_and(|k| k.slots > 1) {
                if let Some(second) = present(1) {
                    lemmas.push(Term::implies(Term::Atom(id), Term::not(Term::Atom(second))));
                }
            }
        }
    }
    lemmas
}

/// `A = ${B}` and `B = ${A}` (both single-valued and present) say the same thing: equality
/// is symmetric. Without this the two atoms are free apart, and a model can ask for `A = B`
/// and `B != A` at once, which no request meets (the concretizer would have to give up).
fn mutual_equality_lemmas(
    query: &mut Query,
    templates: &[(AtomId, StrVar, Template, MatchMode)],
) -> Vec<Term> {
    use crate::pattern::TemplatePart;
    let lone_variable = |t: &Template| match t.parts.as_slice() {
        [TemplatePart::Var {
            key_lower,
            default: None,
            ..
        }] => Some(key_lower.clone()),
        _ => None,
    };
    let mut lemmas = Vec::new();
    for (i, (a, var_a, t_a, mode_a)) in templates.iter().enumerate() {
        for (b, var_b, t_b, mode_b) in templates.iter().skip(i + 1) {
            let (
                StrVar::Context {
                    key: key_a,
                    slot: 0,
                },
                StrVar::Context {
                    key: key_b,
                    slot: 0,
                },
            ) = (var_a, var_b)
            else {
                continue;
            };
            if lone_variable(t_a).as_ref() != Some(key_b)
                || lone_variable(t_b).as_ref() != Some(key_a)
                || key_a == key_b
            {
                continue;
            }
            let both_single = Term::and([query.single_valued(key_a), query.single_valued(key_b)]);
            let (ta, tb) = (Term::Atom(*a), Term::Atom(*b));
            let mut implies = |from: &MatchMode, to: &MatchMode, x: &Term, y: &Term| {
                // Exact equality implies equality ignoring case; the same mode is symmetric.
                // A value's characters are literal in a Like or ARN pattern
                // (`Template::resolve`): `A like ${B}` is `A = B`.
                let exact = |m: &MatchMode| !matches!(m, MatchMode::IgnoreCase);
                let holds = exact(from) || !exact(to);
                if holds {
                    lemmas.push(Term::implies(
                        Term::and(vec![both_single.clone(), x.clone()]),
                        y.clone(),
                    ));
                }
            };
            implies(mode_a, mode_b, &ta, &tb);
            implies(mode_b, mode_a, &tb, &ta);
        }
    }
    lemmas
}

/// A key compared with a template that reads itself. With one value `v`, a template reading
/// only `v` (`aws:username` against `${aws:username}` or `*${aws:username}*`) resolves to
/// `t1·v·t2`, which `v` matches exactly when `t1` and `t2` can be empty — no text at all for
/// the equality operators, only `*` for the Like/ARN ones. A template reading `v` and other
/// keys (`${team}/${aws:username}`) is false when it has a character every match needs
/// (`mandatory_chars`): its matches are longer than `v` whatever the other keys read
/// (substituted text is literal, folding maps one character to one, an unresolvable
/// template matches nothing). Without this the atom is free and a model can ask for `v !=
/// v`, which no request meets (the concretizer would give up).
fn self_reference_lemmas(
    query: &mut Query,
    templates: &[(AtomId, StrVar, Template, MatchMode)],
) -> Vec<Term> {
    let mut lemmas = Vec::new();
    for (id, var, template, mode) in templates {
        let StrVar::Context { key, slot: 0 } = var else {
            continue;
        };
        let vars: Vec<&str> = template.variable_keys().collect();
        let holds = if vars == [key.as_str()] {
            mandatory_chars(template, *mode) == 0
        } else if vars.contains(&key.as_str()) && mandatory_chars(template, *mode) > 0 {
            false
        } else if vars.contains(&key.as_str()) {
            lemmas.extend(only_empty_values(query, *id, key, template));
            continue;
        } else {
            continue;
        };
        let single = query.single_valued(key);
        let this = Term::Atom(*id);
        let holds = if holds { this } else { Term::not(this) };
        lemmas.push(Term::implies(single, holds));
    }
    lemmas
}

/// A template on a key's first value `v` that reads `v` and other holes (or `v` twice) and
/// has no character every match needs (`${team}*${u}` on `u`, Like; `${u}*${u}`): its
/// matches are at least as long as `v` and every hole's text together, so `v` matches only
/// when each other hole reads the empty string and `v` is read once or is empty itself; then
/// the template is its wildcards around `v` (or nothing), which `v` matches. So, with `v`
/// single: atom ↔ every other hole reads "" ∧ (`v` read once ∨ `v` = ""). A hole reads ""
/// when its key is single with first value "", or when the key is not single (absent, or
/// several values) and the hole's default is "" (a hole with no default then leaves the
/// template unresolvable, one with a non-empty default reads that text: no match either way).
/// Without it a cycle broke at a key whose value then fitted no other (`project` like
/// `${team}*${project}`, `team` chosen first as `example`: the cycle give-up); without the
/// empty-default case, `u ≠ ${u}${aws:TagKeys}${team, ''}` was such a cycle too, `aws:TagKeys`
/// chosen `example` (encodings/multivalued-templates.md).
fn only_empty_values(query: &mut Query, id: AtomId, key: &str, template: &Template) -> Vec<Term> {
    use crate::pattern::TemplatePart;
    let empty = |query: &mut Query, k: &str| {
        let var = StrVar::Context {
            key: k.to_string(),
            slot: 0,
        };
        query.str_atom(var, StrPattern::Glob(Glob::literal("")))
    };
    let mut reads_empty = Vec::new();
    let mut own_reads = 0;
    for part in &template.parts {
        let TemplatePart::Var {
            key_lower, default, ..
        } = part
        else {
            continue;
        };
        if key_lower == key {
            own_reads += 1;
            continue;
        }
        let single = query.single_valued(key_lower);
        let single_empty = Term::and([single.clone(), empty(query, key_lower)]);
        reads_empty.push(if default.as_deref().is_some_and(str::is_empty) {
            Term::or([Term::not(single), single_empty])
        } else {
            single_empty
        });
    }
    if own_reads > 1 {
        reads_empty.push(empty(query, key));
    }
    let single = query.single_valued(key);
    let this = Term::Atom(id);
    let all_empty = Term::and(reads_empty);
    vec![
        Term::implies(Term::and([single.clone(), this.clone()]), all_empty.clone()),
        Term::implies(Term::and([single, all_empty]), this),
    ]
}

/// How many characters every text a template matches has besides its variables' values: all
/// its text for the equality operators (ignoring case too: folding maps one character to
/// one), all but `*` for the Like/ARN ones (`?` and a literal match one character each).
pub(super) fn mandatory_chars(t: &Template, mode: MatchMode) -> usize {
    use crate::pattern::TemplatePart;
    t.parts
        .iter()
        .map(|part| match part {
            TemplatePart::Var { .. } => 0,
            TemplatePart::Text(text) => match mode {
                MatchMode::Exact | MatchMode::IgnoreCase => text.chars().count(),
                MatchMode::Like | MatchMode::Arn => text.chars().filter(|&c| c != '*').count(),
            },
            TemplatePart::Escaped(_) => 1,
        })
        .sum()
}

/// Variables read as `*`, policy wildcards as unbounded wildcards (Exact mode keeps text literal).
pub fn template_over_approximation(template: &Template, mode: MatchMode) -> Glob {
    use crate::pattern::{TemplatePart, Token};
    let mut tokens = Vec::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => {
                for c in t.chars() {
                    tokens.push(match (mode, c) {
                        (MatchMode::Exact, c) => Token::Lit(c),
                        (MatchMode::IgnoreCase, c) => crate::pattern::fold_token(c),
                        (_, '*') => Token::AnyStr,
                        (_, '?') => Token::AnyChar,
                        (_, c) => Token::Lit(c),
                    });
                }
            }
            TemplatePart::Escaped(c) => tokens.push(Token::Lit(*c)),
            TemplatePart::Var { .. } => tokens.push(Token::AnyStr),
        }
    }
    Glob::from_tokens(tokens)
}
