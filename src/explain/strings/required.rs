//! A character a glob asks of a string, carried through a template to the key it reads
//! (`encodings/required-characters.md`).
//!
//! A string `s` with `s ~ T` (exactly, ignoring case, or Like with no wildcard in `T`'s text)
//! where `T` reads one key `k` with one value `u`, and `s ~ G` where `G` holds a literal `c`
//! (every member of `G` holds `c`): `s` holds `c`, so `T[u]` holds a character like it (equal,
//! or with the same fold when `T` ignores case: folding maps one character to one, position
//! by position). When `T`'s own text has none, `u` has one. Lemma `s present ∧ s ~ T ∧ s ~ G ∧
//! k single → k ~ *c*`: atoms only, one per (template, glob, character), where naming `u`
//! learned one lemma per value of `k` (case 33481: 77,421 lemmas, a value per round).

use crate::encode::{pattern_relation_lemmas, Atom, AtomId, MatchMode, StrPattern, StrVar, Term};
use crate::explain::context::ContextBuilder;
use crate::pattern::{fold_token, Glob, Template, TemplatePart, Token};

/// The characters `k`'s value must hold one of, given that the string holds one `token`
/// accepts and is `T[u]` in `mode`: the token itself, or its fold class ignoring case.
fn carried(token: Token, mode: MatchMode) -> Option<Token> {
    match (token, mode) {
        (Token::Lit(c), MatchMode::IgnoreCase) => Some(fold_token(c)),
        (Token::Lit(c), _) => Some(Token::Lit(c)),
        (Token::Fold(x), _) => Some(Token::Fold(x)),
        _ => None,
    }
}

/// `T`'s literal characters (its text outside the variables), or `None` when they are not
/// all literal under `mode` (a Like wildcard may stand for any character; ARN matching is
/// per segment).
fn literal_text(t: &Template, mode: MatchMode) -> Option<Vec<char>> {
    let mut out = Vec::new();
    for part in &t.parts {
        match part {
            TemplatePart::Text(text) => {
                match mode {
                    MatchMode::Exact | MatchMode::IgnoreCase => {}
                    MatchMode::Like if !text.contains(['*', '?']) => {}
                    _ => return None,
                }
                out.extend(text.chars());
            }
            TemplatePart::Escaped(c) if mode != MatchMode::Arn => out.push(*c),
            TemplatePart::Escaped(_) => return None,
            TemplatePart::Var { .. } => {}
        }
    }
    Some(out)
}

impl ContextBuilder<'_> {
    /// The lemma of the module comment for a true template and a true glob among `involved`
    /// (one conflict's atoms, all on one string), when some literal of the glob is missing
    /// from both the template's text and the value its key was given; `None` otherwise.
    pub(in crate::explain) fn required_character_lemma(
        &mut self,
        involved: &[(AtomId, bool)],
    ) -> Option<Vec<Term>> {
        let atom = |id: AtomId| match &self.query.atoms[id] {
            Atom::Str { var, pattern } => Some((var, pattern)),
            _ => None,
        };
        let mut found = None;
        'search: for &(tid, t_true) in involved {
            let Some((var, StrPattern::Template(t, mode))) = atom(tid) else {
                continue;
            };
            if !t_true {
                continue;
            }
            let mut keys = t.variable_keys();
            let Some(key) = keys.next() else { continue };
            if !keys.all(|k| k == key)
                || matches!(var, StrVar::Context { key: own, .. } if own == key)
            {
                continue;
            }
            // The premise must hold in this model, or the lemma would not rule it out.
            let Some([value]) = self.values.get(key).map(Vec::as_slice) else {
                continue;
            };
            let var_present = match var {
                StrVar::Context { key: own, slot } => self.model_present(own, *slot),
                _ => true,
            };
            if !self.model_single(key) || !var_present {
                continue;
            }
            let Some(text) = literal_text(t, *mode) else {
                continue;
            };
            for &(gid, g_true) in involved {
                let Some((gvar, StrPattern::Glob(g))) = atom(gid) else {
                    continue;
                };
                if !g_true || gvar != var {
                    continue;
                }
                for &token in g.tokens() {
                    let Some(wanted) = carried(token, *mode) else {
                        continue;
                    };
                    if !text.iter().any(|c| wanted.accepts(*c))
                        && !value.chars().any(|c| wanted.accepts(c))
                    {
                        found = Some((var.clone(), tid, gid, key.to_string(), wanted));
                        break 'search;
                    }
                }
            }
        }
        let (var, tid, gid, key, wanted) = found?;
        if std::env::var_os("KEYAKI_TRACE").is_some() {
            eprintln!("keyaki: a character {wanted:?} the string {var} needs carried to {key}");
        }
        let before = self.query.atoms.len();
        let mut premise = vec![Term::Atom(tid), Term::Atom(gid)];
        if let StrVar::Context { key: own, slot } = &var {
            premise.push(self.query.present(own, *slot));
        }
        premise.push(self.query.single_valued(&key));
        let holds = Glob::from_tokens(vec![Token::AnyStr, wanted, Token::AnyStr]);
        let conclusion = self
            .query
            .str_atom(StrVar::Context { key, slot: 0 }, StrPattern::Glob(holds));
        let mut lemmas = pattern_relation_lemmas(self.query, before, None);
        lemmas.push(Term::implies(Term::and(premise), conclusion));
        Some(lemmas)
    }
}
