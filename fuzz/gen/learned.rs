//! The oracle for the lemmas the search learns (`encodings/learned-lemmas.md`): each is
//! claimed true of every concrete request of the check's universe that the query describes,
//! so each is read, atom by atom (`oracles::read_lemmas`), on requests aimed at it.
//!
//! Aimed: a lemma is false only on a request meeting every literal of one of its falsifying
//! assignments (`¬(l1 ∧ … ∧ ln)`: all `li`), so requests are built from those literals
//! (`aimed_request`: each key and string given a member of a pattern the literals want),
//! besides the family's own requests and the check's counterexamples, read on every lemma.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use super::gen::Choices;
use super::oracles;
use keyaki::encode::{Atom, AtomId, MatchMode, PrincipalKindVar, Query, StrPattern, StrVar, Term};
use keyaki::eval::{evaluate, Decision};
use keyaki::explain::learned::{recording, LearnedLemmas};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::pattern::{
    chars_to_string, fold_case, fold_char, fold_class, Glob, TemplatePart, Token,
};
use keyaki::request::Request;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What reading one check's learned lemmas found.
#[derive(Debug, Default)]
pub struct Reading {
    /// Lemmas the check's searches learned (asserted after they started).
    pub learned: usize,
    /// Lemmas read on at least one request of the universe the query describes.
    pub read: usize,
    /// Lemmas some request met all but one literal of a falsifying assignment of: read
    /// where they bite, not only where their premise is far off.
    pub pressed: usize,
    /// The first false lemma, with the request (and whether it is a counterexample).
    pub false_lemma: Option<(String, Value)>,
    /// Lemmas false only through the string atoms of a slot the request leaves absent
    /// (`oracles::false_beyond_absent_slots`), and the first, with its request.
    pub false_where_absent: usize,
    pub first_where_absent: Option<(String, Value)>,
    /// Lemmas past the aimed budget of their search ([`aimed_budget`]): read on the shared
    /// requests only.
    pub unaimed: usize,
}

/// Lemmas per search read on aimed requests (`KEYAKI_LEARNED_AIMED_LEMMAS`, 2,000): one
/// lemma-shape pair (case 33481) learns 77,421 lemmas in one search, and aiming 24 requests
/// at each took 133 s (225 s in a loaded run): the family ran past 1,500 s in session 12.
/// Past the budget, lemmas spread evenly over the search are aimed at, the others read on
/// the shared requests (counted, so a run shows how much went unaimed).
pub fn aimed_budget() -> usize {
    std::env::var("KEYAKI_LEARNED_AIMED_LEMMAS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// The literals that make `term` false (one choice, by `c`, wherever one of several
/// would do: `First` takes the first).
pub fn falsifying(term: &Term, c: &mut dyn Choices) -> Vec<(AtomId, bool)> {
    let mut out = Vec::new();
    want(term, false, c, &mut out);
    out
}

/// Choices that always take the first.
pub struct First;

impl Choices for First {
    fn below(&mut self, _: usize) -> usize {
        0
    }
}

fn want(term: &Term, value: bool, c: &mut dyn Choices, out: &mut Vec<(AtomId, bool)>) {
    match term {
        Term::Const(_) => {}
        Term::Atom(a) => out.push((*a, value)),
        Term::Not(t) => want(t, !value, c, out),
        // All of them: an And made true, an Or made false.
        Term::And(ts) | Term::Or(ts) if value == matches!(term, Term::And(_)) => {
            for t in ts {
                want(t, value, c, out);
            }
        }
        // One of them.
        Term::And(ts) | Term::Or(ts) => {
            let i = c.below(ts.len());
            if let Some(t) = ts.get(i) {
                want(t, value, c, out);
            }
        }
    }
}

/// Reads each learned lemma of `entries` on `n` requests aimed at it, and every one on
/// `shared` requests (the family's, the counterexamples), those `admitted` keeps.
pub fn read_learned(
    entries: &[LearnedLemmas],
    c: &mut dyn Choices,
    n: usize,
    shared: &[Value],
    admitted: &dyn Fn(&Request) -> bool,
) -> Reading {
    let mut reading = Reading::default();
    for entry in entries {
        let query = &entry.query;
        let pool = pool(query);
        let mut read = vec![false; entry.lemmas.len()];
        let mut pressed = vec![false; entry.lemmas.len()];
        let mut false_where_absent = vec![false; entry.lemmas.len()];
        let wishes: Vec<Vec<(AtomId, bool)>> = entry
            .lemmas
            .iter()
            .map(|l| falsifying(l, &mut First))
            .collect();
        reading.learned += entry.lemmas.len();
        // `json` read on the lemmas `which` names (every one: `None`).
        let mut on = |json: &Value, which: Option<usize>, reading: &mut Reading| {
            // An aimed request AWS could not send (an empty action, say) is no request.
            let Some(request) = serde_json::to_vec(json)
                .ok()
                .and_then(|bytes| keyaki::parse::parse_request(&bytes, "aimed.json").ok())
            else {
                return;
            };
            if !admitted(&request) {
                return;
            }
            let range = match which {
                Some(i) => i..i + 1,
                None => 0..entry.lemmas.len(),
            };
            // One reader per request: the context is built once for all its atoms.
            let Some(reader) = oracles::RequestReader::new(query, &request) else {
                return;
            };
            for i in range {
                let Some(value) = reader.lemma(&entry.lemmas[i]) else {
                    continue;
                };
                read[i] = true;
                if !pressed[i] {
                    let missed = wishes[i]
                        .iter()
                        .filter(|(a, v)| reader.atom(*a) != Some(*v))
                        .take(2)
                        .count();
                    pressed[i] = missed <= 1;
                }
                if value {
                    continue;
                }
                let text = || oracles::describe_lemma(query, &entry.lemmas[i], &request);
                if oracles::false_beyond_absent_slots(query, &entry.lemmas[i], &request) {
                    if reading.false_lemma.is_none() {
                        reading.false_lemma = Some((text(), json.clone()));
                    }
                } else if !false_where_absent[i] {
                    false_where_absent[i] = true;
                    reading.false_where_absent += 1;
                    if reading.first_where_absent.is_none() {
                        reading.first_where_absent = Some((text(), json.clone()));
                    }
                }
            }
        };
        for json in shared {
            on(json, None, &mut reading);
        }
        // Every `stride`-th lemma when the search learned more than the budget.
        let stride = entry.lemmas.len().div_ceil(aimed_budget().max(1)).max(1);
        for i in 0..entry.lemmas.len() {
            if i % stride != 0 {
                reading.unaimed += 1;
                continue;
            }
            for _ in 0..n {
                let literals = falsifying(&entry.lemmas[i], c);
                let json = aimed_request(c, query, &literals, &pool);
                on(&json, Some(i), &mut reading);
            }
        }
        reading.read += read.iter().filter(|r| **r).count();
        reading.pressed += pressed.iter().filter(|r| **r).count();
    }
    reading
}

/// Texts the query's patterns spell, to fill wildcards and unconstrained keys with.
fn pool(query: &Query) -> Vec<String> {
    let mut out: BTreeSet<String> = ["x", "a", "K", "\u{212A}", "a/b", "x:y", "", "111122223333"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for atom in &query.atoms {
        if let Atom::Str { pattern, .. } = atom {
            match pattern {
                StrPattern::Glob(g) => {
                    let text: String = g
                        .tokens()
                        .iter()
                        .map(|t| match t {
                            Token::Lit(c) | Token::Fold(c) => *c,
                            _ => ' ',
                        })
                        .collect();
                    out.extend(text.split(' ').map(str::to_string));
                }
                StrPattern::IgnoreCase(w) => {
                    out.insert(w.clone());
                }
                StrPattern::Template(t, _) => {
                    for part in &t.parts {
                        if let TemplatePart::Text(x) = part {
                            out.extend(x.split(['*', '?']).map(str::to_string));
                        }
                    }
                }
            }
        }
    }
    out.into_iter().collect()
}

fn pick<'a>(c: &mut dyn Choices, pool: &'a [String]) -> &'a str {
    pool.get(c.below(pool.len())).map_or("x", String::as_str)
}

/// Each character in one of its case variants (the fold class: `K` KELVIN SIGN for `k`).
fn recase(c: &mut dyn Choices, text: &str) -> String {
    if c.flip() {
        return text.to_string();
    }
    text.chars()
        .map(|ch| {
            let class = fold_class(fold_char(ch));
            class.get(c.below(class.len())).copied().unwrap_or(ch)
        })
        .collect()
}

/// A member of `glob` (wildcards filled from the pool, or left empty), sometimes not quite.
fn member(c: &mut dyn Choices, glob: &Glob, pool: &[String]) -> String {
    let mut out = String::new();
    for token in glob.tokens() {
        match token {
            Token::Lit(ch) => out.push(*ch),
            Token::Fold(ch) => {
                let class = fold_class(*ch);
                out.push(class.get(c.below(class.len())).copied().unwrap_or(*ch));
            }
            Token::AnyChar | Token::SegChar => out.push(if c.flip() { 'x' } else { 'K' }),
            Token::AnyStr | Token::SegStr => {
                if !c.flip() {
                    let piece = pick(c, pool);
                    let segment = matches!(token, Token::SegStr);
                    out.extend(piece.chars().filter(|ch| !(segment && *ch == ':')));
                }
            }
            Token::Hole(_) => {}
        }
    }
    out
}

/// A text the pattern wants (`values`: the keys chosen so far, for templates); `None` for
/// a template reading a key with no single value yet.
fn wanted_text(
    c: &mut dyn Choices,
    pattern: &StrPattern,
    values: &BTreeMap<String, Vec<String>>,
    pool: &[String],
) -> Option<String> {
    match pattern {
        StrPattern::Glob(g) => Some(member(c, g, pool)),
        StrPattern::IgnoreCase(w) => Some(recase(c, w)),
        StrPattern::Template(t, mode) => {
            let chars = t.resolve(|k| match values.get(k).map(Vec::as_slice) {
                Some([v]) => Some(v.clone()),
                _ => None,
            })?;
            Some(match mode {
                MatchMode::Exact => chars_to_string(&chars),
                MatchMode::IgnoreCase => recase(c, &chars_to_string(&chars)),
                MatchMode::Like => member(c, &Glob::from_chars(&chars, false), pool),
                MatchMode::Arn => member(c, &Glob::from_chars(&chars, true), pool),
            })
        }
    }
}

/// Does `text` meet `pattern` (`values`: the keys chosen so far; a template reading a key
/// with no single value yet does not)?
fn pattern_holds(pattern: &StrPattern, text: &str, values: &BTreeMap<String, Vec<String>>) -> bool {
    match pattern {
        StrPattern::Glob(g) => g.matches(text),
        StrPattern::IgnoreCase(w) => fold_case(text) == *w,
        StrPattern::Template(t, mode) => {
            let resolved = t.resolve(|k| match values.get(k).map(Vec::as_slice) {
                Some([v]) => Some(v.clone()),
                _ => None,
            });
            resolved.is_some_and(|chars| match mode {
                MatchMode::Exact => chars_to_string(&chars) == text,
                MatchMode::IgnoreCase => fold_case(&chars_to_string(&chars)) == fold_case(text),
                MatchMode::Like => Glob::from_chars(&chars, false).matches(text),
                MatchMode::Arn => Glob::from_chars(&chars, true).matches(text),
            })
        }
    }
}

/// What a falsifying assignment wants of each string: patterns true, patterns false.
#[derive(Default)]
struct Wants<'q> {
    yes: BTreeMap<StrVar, Vec<&'q StrPattern>>,
    no: BTreeMap<StrVar, Vec<&'q StrPattern>>,
}

/// Tries for a text meeting every pattern `var` wants and none it does not.
const TRIES: usize = 6;

impl Wants<'_> {
    /// The best of a few texts built from the patterns `var` wants (the most wanted ones
    /// met, then the fewest unwanted); `None` when it wants none, or none can be built yet.
    fn text(
        &self,
        c: &mut dyn Choices,
        var: &StrVar,
        values: &BTreeMap<String, Vec<String>>,
        pool: &[String],
    ) -> Option<String> {
        let yes = self.yes.get(var).map_or(&[][..], Vec::as_slice);
        let no = self.no.get(var).map_or(&[][..], Vec::as_slice);
        let mut best: Option<(usize, usize, String)> = None;
        for _ in 0..TRIES {
            let pattern = yes.get(c.below(yes.len()))?;
            let Some(text) = wanted_text(c, pattern, values, pool) else {
                continue;
            };
            let met = yes
                .iter()
                .filter(|p| pattern_holds(p, &text, values))
                .count();
            let broken = no
                .iter()
                .filter(|p| pattern_holds(p, &text, values))
                .count();
            let better = best
                .as_ref()
                .is_none_or(|(m, b, _)| (met, *b) > (*m, broken));
            if better {
                best = Some((met, broken, text));
            }
            if met == yes.len() && broken == 0 {
                break;
            }
        }
        best.map(|(_, _, text)| text)
    }
}

/// A request aimed at `literals`: each variable given a member of one pattern it wants
/// true, keys first (templates on a key read the keys chosen before it), the rest from the
/// pool. Presence and principal kind as wanted.
pub fn aimed_request(
    c: &mut dyn Choices,
    query: &Query,
    literals: &[(AtomId, bool)],
    pool: &[String],
) -> Value {
    let mut wants = Wants::default();
    let mut present: BTreeMap<(String, usize), bool> = BTreeMap::new();
    let mut kind = PrincipalKindVar::Aws;
    let mut has_resource = true;
    for (id, value) in literals {
        match (&query.atoms[*id], value) {
            (Atom::Str { var, pattern }, true) => {
                wants.yes.entry(var.clone()).or_default().push(pattern)
            }
            (Atom::Str { var, pattern }, false) => {
                wants.no.entry(var.clone()).or_default().push(pattern)
            }
            (Atom::Present { key, slot }, v) => {
                present.insert((key.clone(), *slot), *v);
            }
            (Atom::PrincipalKind(k), true) => kind = *k,
            (Atom::HasResource, v) => has_resource = *v,
            _ => {}
        }
    }
    // Keys: those whose wanted templates read keys not chosen yet wait a round.
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let keys: Vec<&String> = query.keys.keys().collect();
    for round in 0..3 {
        for key in &keys {
            if values.contains_key(*key) {
                continue;
            }
            let slot0 = StrVar::Context {
                key: (*key).clone(),
                slot: 0,
            };
            if present.get(&((*key).clone(), 0)) == Some(&false) || (round == 0 && c.below(8) == 0)
            {
                values.insert((*key).clone(), vec![]);
                continue;
            }
            let waits = wants.yes.get(&slot0).is_some_and(|ps| {
                ps.iter().any(|p| match p {
                    StrPattern::Template(t, _) => t
                        .variable_keys()
                        .any(|k| k != key.as_str() && !values.contains_key(k)),
                    _ => false,
                })
            });
            if waits && round < 2 {
                continue;
            }
            let text = wants.text(c, &slot0, &values, pool).unwrap_or_else(|| {
                let piece = pick(c, pool);
                recase(c, piece)
            });
            let mut list = vec![text];
            if present.get(&((*key).clone(), 1)) == Some(&true) || c.below(10) == 0 {
                let piece = pick(c, pool);
                list.push(recase(c, piece));
            }
            values.insert((*key).clone(), list);
        }
    }
    let string = |c: &mut dyn Choices, var: StrVar, default: &str| {
        wants
            .text(c, &var, &values, pool)
            .unwrap_or_else(|| default.to_string())
    };
    let action = string(c, StrVar::Action, "s3:GetObject");
    let resource = string(c, StrVar::Resource, "arn:aws:s3:::b/x");
    let principal_text = string(c, StrVar::Principal, "arn:aws:iam::111122223333:user/u");
    let principal = match kind {
        PrincipalKindVar::Aws => json!({"AWS": principal_text}),
        PrincipalKindVar::Service => json!({"Service": principal_text}),
        PrincipalKindVar::Federated => json!({"Federated": principal_text}),
        PrincipalKindVar::CanonicalUser => json!({"CanonicalUser": principal_text}),
        PrincipalKindVar::Anonymous => json!("anonymous"),
    };
    let mut context = Map::new();
    for (key, list) in &values {
        let name = query
            .keys
            .get(key)
            .map_or(key.as_str(), |k| k.name.as_str());
        let value = match list.as_slice() {
            [one] if c.flip() => json!(one),
            _ => json!(list),
        };
        context.insert(name.to_string(), value);
    }
    let mut r =
        json!({"principal": principal, "action": action, "context": Value::Object(context)});
    if has_resource {
        r["resource"] = json!(resource);
    }
    r
}

/// Totals over a run, printed at its end.
#[derive(Debug, Default)]
pub struct Totals {
    pub checks: AtomicUsize,
    pub learning: AtomicUsize,
    pub learned: AtomicUsize,
    pub read: AtomicUsize,
    pub pressed: AtomicUsize,
    pub false_lemmas: AtomicUsize,
    pub false_where_absent: AtomicUsize,
    pub unaimed: AtomicUsize,
}

impl Totals {
    pub fn print(&self, name: &str) {
        let get = |a: &AtomicUsize| a.load(Ordering::Relaxed);
        println!(
            "{name}: {} checks, {} of them learning, {} lemmas learned, {} read, {} pressed, {} false, {} false only where a slot is absent, {} past the aimed budget",
            get(&self.checks),
            get(&self.learning),
            get(&self.learned),
            get(&self.read),
            get(&self.pressed),
            get(&self.false_lemmas),
            get(&self.false_where_absent),
            get(&self.unaimed),
        );
    }
}

/// One pair checked with its learned lemmas recorded, then read (`read_learned`) on `aimed`
/// requests per lemma, `shared` requests drawn by `requests`, and the counterexamples. The
/// verdict, and a report of the first false lemma (the pair, the lemma, the request, and
/// whether the request is a counterexample: only then can the lemma cost a pass).
pub fn check_and_read(
    proposed: &Value,
    baseline: &Value,
    options: &CheckOptions,
    seed: &[u8],
    (aimed, shared): (usize, usize),
    requests: &dyn Fn(&mut dyn Choices) -> Value,
    totals: &Totals,
) -> (Verdict, Option<String>) {
    let ty = options.policy_type;
    let p = oracles::parse_generated_policy(proposed);
    let b = oracles::parse_generated_policy(baseline);
    let (verdict, entries) = recording(|| check_no_new_access(&p, &b, options));
    oracles::assert_replays(&verdict, &p, &b, ty);
    let mut s = super::run::Seeded::from_bytes(&[seed, b"learned"].concat());
    let mut asked: Vec<Value> = (0..shared).map(|_| requests(&mut s)).collect();
    if let Verdict::Violated(list) = &verdict {
        asked.extend(
            list.iter()
                .filter_map(|ce| serde_json::to_value(&ce.request).ok()),
        );
    }
    let (actions, resources) = (options.action_universe, options.resource_universe);
    let admitted = |r: &Request| super::run::in_universe(actions, resources, r);
    let started = std::time::Instant::now();
    let reading = read_learned(&entries, &mut s, aimed, &asked, &admitted);
    // `KEYAKI_LEARNED_TRACE=1`: what the reading cost (a slow case is a check that learned
    // many lemmas, each read on `aimed` + `shared` requests).
    if std::env::var_os("KEYAKI_LEARNED_TRACE").is_some() {
        let atoms: usize = entries
            .iter()
            .flat_map(|e| e.lemmas.iter())
            .map(|l| falsifying(l, &mut First).len())
            .sum();
        let kind = match &verdict {
            Verdict::Holds => "pass",
            Verdict::Violated(_) => "fail",
            Verdict::Unknown(_) => "unknown",
        };
        eprintln!(
            "learned trace: {kind}, {} searches, {} lemmas ({atoms} atoms to falsify, {} past the aimed budget), read in {:.2} s\n  proposed: {proposed}\n  baseline: {baseline}",
            entries.len(),
            reading.learned,
            reading.unaimed,
            started.elapsed().as_secs_f64()
        );
    }
    totals.checks.fetch_add(1, Ordering::Relaxed);
    if reading.learned > 0 {
        totals.learning.fetch_add(1, Ordering::Relaxed);
    }
    totals.learned.fetch_add(reading.learned, Ordering::Relaxed);
    totals.read.fetch_add(reading.read, Ordering::Relaxed);
    totals.pressed.fetch_add(reading.pressed, Ordering::Relaxed);
    totals.unaimed.fetch_add(reading.unaimed, Ordering::Relaxed);
    totals
        .false_where_absent
        .fetch_add(reading.false_where_absent, Ordering::Relaxed);
    if let Some((lemma, json)) = &reading.first_where_absent {
        println!(
            "learned lemma false only where a slot is absent ({ty:?} {:?}/{:?}):\n  proposed: {proposed}\n  baseline: {baseline}\n  lemma: {lemma}\n  request: {json}",
            options.action_universe, options.resource_universe
        );
    }
    // Since session 11 a learned lemma names its slot's presence (`witness_or_learn`): one
    // false where a slot is absent is a false lemma like any other.
    let report = reading.false_lemma.or(reading.first_where_absent).map(|(lemma, json)| {
        totals.false_lemmas.fetch_add(1, Ordering::Relaxed);
        let r = oracles::parse_generated_request(&json);
        let counterexample = evaluate(&p, &r, ty).decision == Decision::Allow
            && evaluate(&b, &r, ty).decision != Decision::Allow;
        format!(
            "{ty:?} {actions:?}/{resources:?}\n  proposed: {proposed}\n  baseline: {baseline}\n  lemma: {lemma}\n  request: {json}\n  a counterexample: {counterexample}"
        )
    });
    (verdict, report)
}
