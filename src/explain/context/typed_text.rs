//! The text of a typed key's value when a template also reads it.
//!
//! The model gives a Numeric, Date or IpAddress key a value (an integer, an address) and, on
//! the same slot, string atoms: a policy variable `${k}` reads the key's text, and the template
//! lemmas relate that text to literals and patterns. One value has many texts the evaluator
//! reads alike (`5`, `05`, `5.0`, `+5`, ` 5`; a date in ISO 8601 or epoch seconds). We write
//! the first text that meets every typed atom of the slot (checked on the text itself, as the
//! evaluator parses it) and every string atom; when none does, a lemma true of every text, or
//! `unknown`. See `encodings/typed-values.md`, "Typed keys read by templates".

use super::super::concretize::{format_date, Step};
use super::ContextBuilder;
use crate::encode::{
    typed_atom_holds, Atom, MatchMode, Query, StrPattern, StrVar, Term, ValueView, MAX_DATE_MS,
    MIN_DATE_MS,
};
use crate::model::{parse_date_millis, Decimal};
use crate::pattern::{fold_case, Glob, Template, TemplatePart, Token};
use std::net::IpAddr;

/// Blanks around a typed value, which `Decimal::parse`, `parse_date_millis` and the address
/// parse ignore (a few of Unicode's White_Space, which `str::trim` removes).
const BLANKS: [&str; 5] = ["", " ", "\t", "\n", "\u{a0}"];

/// Texts `Decimal::parse` reads as exactly `value`: signs, leading zeros, trailing
/// fractional zeros, a bare point, blanks; the plainest first.
pub(super) fn number_texts(value: Decimal) -> Vec<String> {
    let printed = value.to_string();
    let Some(value) = Decimal::parse(&printed) else {
        return vec![printed];
    };
    let canonical = value.to_string();
    let body = canonical.trim_start_matches('-');
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let signs: &[&str] = match value.mantissa {
        m if m < 0 => &["-"],
        0 => &["", "+", "-"],
        _ => &["", "+"],
    };
    // `0.5` is also `.5`; `5` is also `5.`.
    let ints: &[&str] = if int == "0" { &["0", ""] } else { &[int] };
    let fracs: Vec<String> = if frac.is_empty() {
        ["", ".", ".0", ".00"].map(String::from).to_vec()
    } else {
        ["", "0", "00"].map(|z| format!(".{frac}{z}")).to_vec()
    };
    let mut out = vec![canonical.clone()];
    for lead in BLANKS {
        for sign in signs {
            for zeros in ["", "0", "00", "000"] {
                for i in ints {
                    for f in &fracs {
                        for trail in BLANKS {
                            out.push(format!("{lead}{sign}{zeros}{i}{f}{trail}"));
                        }
                    }
                }
            }
        }
    }
    plainest_first(out, |t| Decimal::parse(t) == Some(value))
}

/// Texts `parse_date_millis` reads: the instant in each ISO 8601 form and in epoch seconds.
/// Beyond years 0001–9999 every instant compares alike with every policy literal (literals
/// outside are refused), so the nearest epoch seconds on that side stand for it.
pub(super) fn date_texts(ms: i128) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(dt) = i64::try_from(ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        if (i128::from(MIN_DATE_MS)..=i128::from(MAX_DATE_MS)).contains(&ms) {
            out.push(format_date(ms));
        }
        let mut formats = vec![
            "%Y-%m-%dT%H:%M:%S%.3fZ",
            "%Y-%m-%dT%H:%M:%S%.3f",
            "%Y-%m-%dT%H:%M:%S%.3f+00:00",
            "%Y-%m-%d %H:%M:%S%.3f",
        ];
        if ms % 1000 == 0 {
            out.push((ms / 1000).to_string());
            formats.extend([
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M:%S+00:00",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%d",
            ]);
        }
        out.extend(formats.iter().map(|f| dt.format(f).to_string()));
        for hours in [1, -1] {
            if let Some(zone) = chrono::FixedOffset::east_opt(hours * 3600) {
                let local = dt.with_timezone(&zone);
                out.push(local.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string());
            }
        }
    }
    if ms > i128::from(MAX_DATE_MS) {
        out.push((i128::from(MAX_DATE_MS) / 1000 + 1).to_string());
        out.push((ms.div_euclid(1000) + 1).to_string());
    }
    if ms < i128::from(MIN_DATE_MS) {
        out.push((i128::from(MIN_DATE_MS) / 1000 - 1).to_string());
        out.push((ms.div_euclid(1000)).to_string());
    }
    let with_blanks = blanked(&out);
    plainest_first(with_blanks, |t| parse_date_millis(t).is_some())
}

/// Texts of the address: as Rust prints it, upper-case and fully written IPv6, blanks.
pub(super) fn ip_texts(ip: IpAddr) -> Vec<String> {
    let mut out = vec![ip.to_string()];
    if let IpAddr::V6(v6) = ip {
        out.push(v6.to_string().to_uppercase());
        let segments = v6.segments().map(|s| format!("{s:x}"));
        out.push(segments.join(":"));
        out.push(v6.segments().map(|s| format!("{s:04x}")).join(":"));
    }
    let with_blanks = blanked(&out);
    plainest_first(with_blanks, |t| t.trim().parse::<IpAddr>().ok() == Some(ip))
}

fn blanked(texts: &[String]) -> Vec<String> {
    let mut out = texts.to_vec();
    for text in texts {
        for lead in BLANKS {
            for trail in BLANKS {
                out.push(format!("{lead}{text}{trail}"));
            }
        }
    }
    out
}

/// The texts that `reads` accepts, without repeats, texts without blanks first, shortest first
/// (the order given breaks ties).
fn plainest_first(texts: Vec<String>, reads: impl Fn(&str) -> bool) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut kept: Vec<String> = texts
        .into_iter()
        .filter(|t| reads(t) && seen.insert(t.clone()))
        .collect();
    // `5.` reads oddly: after the other texts of its length.
    kept.sort_by_key(|t| (t.trim() != t, t.chars().count(), t.ends_with('.')));
    kept
}

/// Does the text give every typed atom the model's truth?
fn meets_typed(query: &Query, typed: &[(Atom, bool)], text: &str) -> bool {
    typed
        .iter()
        .all(|(atom, want)| typed_atom_holds(query, atom, text) == Some(*want))
}

impl ContextBuilder<'_> {
    /// The typed atoms of the slot the model decides, with their truths. When the text does
    /// not parse only the parse flag counts: the comparisons are read under it.
    fn typed_atoms(&self, key: &str, slot: usize) -> Vec<(Atom, bool)> {
        let on_slot = |k: &str, s: usize| k == key && s == slot;
        let decided = self.query.atoms.iter().enumerate().take(self.a.atoms.len());
        let all: Vec<(Atom, bool)> = decided
            .filter(|(_, atom)| match atom {
                Atom::Parses {
                    key: k, slot: s, ..
                }
                | Atom::Cmp {
                    key: k, slot: s, ..
                }
                | Atom::IsIpv6 { key: k, slot: s }
                | Atom::IpIn {
                    key: k, slot: s, ..
                } => on_slot(k, *s),
                _ => false,
            })
            .map(|(id, atom)| (atom.clone(), self.a.atom(id)))
            .collect();
        let parses = all
            .iter()
            .all(|(atom, truth)| !matches!(atom, Atom::Parses { .. }) || *truth);
        if parses {
            all
        } else {
            all.into_iter()
                .filter(|(atom, _)| matches!(atom, Atom::Parses { .. }))
                .collect()
        }
    }

    /// The first of `candidates` (texts of the model's typed value, or non-parsing texts)
    /// meeting the slot's typed and string atoms; else a literal the model wants on the slot
    /// read as the evaluator reads it (a lemma), a string conflict (a lemma), or any text the
    /// string atoms allow that meets the typed atoms.
    pub(super) fn typed_text(
        &mut self,
        key: &str,
        slot: usize,
        candidates: Vec<String>,
        model_text: String,
    ) -> Step<String> {
        let var = StrVar::Context {
            key: key.to_string(),
            slot,
        };
        let (pos, mut neg, pos_ids, mut neg_ids) = match self.constraints(&var) {
            Ok(c) => c,
            Err(step) => return step,
        };
        let (wanted_ci, unwanted_ci) = match self.case_insensitive_texts(&var) {
            Ok(texts) => texts,
            Err(step) => return step,
        };
        let typed = self.typed_atoms(key, slot);
        let meets_case = |s: &str| {
            let folded = fold_case(s);
            wanted_ci.iter().all(|w| *w == folded) && !unwanted_ci.contains(&folded)
        };
        let meets_strings = |s: &str, neg: &[Glob]| {
            pos.iter().all(|g| g.matches(s)) && !neg.iter().any(|g| g.matches(s)) && meets_case(s)
        };
        let literals: Vec<(usize, String)> = pos
            .iter()
            .zip(&pos_ids)
            .filter(|(_, id)| **id < self.a.atoms.len())
            .filter_map(|(g, id)| Some((*id, g.as_literal()?)))
            .collect();
        let wanted = literals.iter().map(|(_, l)| l.clone());
        let found = candidates
            .iter()
            .cloned()
            .chain(wanted)
            .find(|c| meets_strings(c, &neg) && meets_typed(self.query, &typed, c));
        if let Some(text) = found {
            return Step::Done(text);
        }
        if pos.is_empty() && neg.is_empty() && wanted_ci.is_empty() && unwanted_ci.is_empty() {
            // No string atom reads the text: the model's value as printed (the replay judges).
            return Step::Done(model_text);
        }
        // A literal fixes the text, so every typed atom's truth on it: a lemma the model breaks.
        // Only a glob atom is the same literal in every request: a template atom's text here is
        // resolved with the values chosen so far (`${t}` read as "0"), and a lemma naming it
        // would claim its truth for every value of the keys it reads (review, session 14).
        for (id, literal) in &literals {
            let same_in_every_request = matches!(
                self.query.atoms.get(*id),
                Some(Atom::Str {
                    pattern: StrPattern::Glob(_),
                    ..
                })
            );
            if !same_in_every_request {
                continue;
            }
            let mut lemmas = Vec::new();
            for (atom, truth) in &typed {
                let Some(holds) = typed_atom_holds(self.query, atom, literal) else {
                    continue;
                };
                if holds != *truth {
                    let atom = self.query.atom(atom.clone());
                    let reading = if holds { atom } else { Term::not(atom) };
                    lemmas.push(Term::implies(Term::Atom(*id), reading));
                }
            }
            if !lemmas.is_empty() {
                return Step::Learn(lemmas);
            }
        }
        // Any text the string atoms allow (a conflict among them is a lemma), if it meets the
        // typed atoms; a few retries without the texts tried.
        let hint = candidates.first().cloned().unwrap_or(model_text);
        for _ in 0..8 {
            match self.witness_or_learn(&pos, &neg, &pos_ids, &neg_ids, &hint) {
                Step::Done(s) if meets_typed(self.query, &typed, &s) && meets_strings(&s, &neg) => {
                    return Step::Done(s)
                }
                Step::Done(s) => {
                    neg.push(Glob::literal(&s));
                    neg_ids.push(usize::MAX);
                }
                other => return other,
            }
        }
        Step::GiveUp(format!(
            "no text of the value the model gives {key}[{slot}] meets both its typed and its string atoms"
        ))
    }
}

/// Can a text the view's parser reads contain `c`? `Decimal::parse` reads blanks, ASCII
/// digits, a sign and a point; the address parser an IPv4 address in digits and `.`, an IPv6
/// one in hex digits, `:` and `.` (after trimming blanks). Dates are left out: chrono reads
/// `UTC` and more, so no character is ruled out. `ipv4`: only IPv4 texts count.
fn readable_in(view: ValueView, ipv4: bool, c: char) -> bool {
    let ipv4_char = c.is_whitespace() || c.is_ascii_digit() || c == '.';
    match view {
        ValueView::Number => c.is_whitespace() || c.is_ascii_digit() || "+-.".contains(c),
        ValueView::Ip if ipv4 => ipv4_char,
        ValueView::Ip => ipv4_char || c.is_ascii_hexdigit() || c == ':',
        ValueView::Date => true,
    }
}

/// How often `c` is in the template's own text (not in what its variables read).
fn text_count(template: &Template, c: char) -> usize {
    template
        .parts
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.chars().filter(|x| *x == c).count(),
            TemplatePart::Escaped(x) => usize::from(*x == c),
            TemplatePart::Var { .. } => 0,
        })
        .sum()
}

/// A template whose resolved text is matched literally: every string it matches is its text
/// with the value substituted (no wildcard in its own text, or an exact comparison).
fn reads_literally(template: &Template, mode: MatchMode) -> bool {
    match mode {
        MatchMode::Exact => true,
        MatchMode::Arn | MatchMode::Like => template.parts.iter().all(|part| match part {
            TemplatePart::Text(text) => !text.contains(['*', '?']),
            _ => true,
        }),
        MatchMode::IgnoreCase => false,
    }
}

impl ContextBuilder<'_> {
    /// A true template `T` reading only `key` whose text is matched literally, beside a true
    /// glob `G` on the same string with more literal `c`s than `T`'s own text has: the value
    /// holds a `c`. When no text of the view holds one, `T ∧ G ∧ key single → ¬parses`:
    /// true of every request (the string is `T`'s text with the value, so the value's `c`s
    /// make up the difference), and it names atoms only (`b/${n}` beside `b/*x*`). A
    /// character only IPv6 texts hold (`a`, `:`) rules out IPv4: then `¬is IPv6` joins the
    /// premise.
    pub(super) fn foreign_character_lemma(&mut self, key: &str, view: ValueView) -> Option<Term> {
        let parses = self.query.atom_id(&Atom::Parses {
            key: key.to_string(),
            slot: 0,
            view,
        })?;
        if !self.a.atom(parses) || view == ValueView::Date {
            return None;
        }
        // An IPv4 address in the model: the lemma may name the family too.
        let ipv4 = (view == ValueView::Ip)
            .then(|| {
                self.query.atom_id(&Atom::IsIpv6 {
                    key: key.to_string(),
                    slot: 0,
                })
            })
            .flatten()
            .filter(|id| !self.a.atom(*id));
        let mut found = None;
        'vars: for (var, ids) in &self.str_atoms {
            if matches!(var, StrVar::Context { key: k, .. } if k == key) {
                continue;
            }
            let holding: Vec<usize> = ids.iter().copied().filter(|id| self.a.atom(*id)).collect();
            let templates = holding
                .iter()
                .filter_map(|&id| match &self.query.atoms[id] {
                    Atom::Str {
                        pattern: StrPattern::Template(t, mode),
                        ..
                    } if t.variable_keys().any(|k| k == key)
                        && t.variable_keys().all(|k| k == key)
                        && reads_literally(t, *mode) =>
                    {
                        Some((id, t))
                    }
                    _ => None,
                });
            for (t_id, template) in templates {
                for &g_id in &holding {
                    let Atom::Str {
                        pattern: StrPattern::Glob(glob),
                        ..
                    } = &self.query.atoms[g_id]
                    else {
                        continue;
                    };
                    let foreign = glob.tokens().iter().find_map(|token| match token {
                        Token::Lit(c) if !readable_in(view, ipv4.is_some(), *c) => {
                            let wanted = glob
                                .tokens()
                                .iter()
                                .filter(|t| **t == Token::Lit(*c))
                                .count();
                            (wanted > text_count(template, *c)).then_some(*c)
                        }
                        _ => None,
                    });
                    if let Some(c) = foreign {
                        // Only an IPv4 text lacks it: the family joins the premise.
                        let family = ipv4.filter(|_| readable_in(view, false, c));
                        found = Some((t_id, g_id, family));
                        break 'vars;
                    }
                }
            }
        }
        let (t_id, g_id, family) = found?;
        let single = self.query.single_valued(key);
        let mut premise = vec![
            Term::Atom(t_id),
            Term::Atom(g_id),
            single,
            Term::Atom(parses),
        ];
        premise.extend(family.map(|ipv6| Term::not(Term::Atom(ipv6))));
        Some(Term::not(Term::and(premise)))
    }
}
