//! Debugging views of one check query (proposed P against baseline B):
//! `cargo run --release --example inspect -- VIEW P.json B.json [identity|resource]`, VIEW one of
//! - `smtlib`: the query's SMT-LIB text, then the verdict;
//! - `atoms`: atom and lemma counts, and the string variables with more than three atoms;
//! - `relations`: per string variable, its globs and the time `automata::relations` takes;
//! - `profile`: stage timings (encode, solver, assert, check, full search, unpruned), three rounds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

use keyaki::encode::{Atom, Query, StrPattern};
use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::model::Policy;
use std::collections::BTreeMap;
use std::time::Instant;

fn load(path: &str) -> Policy {
    keyaki::parse::parse_policy(&std::fs::read(path).unwrap_or_default(), path)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Holds => "holds",
        Verdict::Violated(_) => "violated",
        _ => "unknown",
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, view, proposed, baseline, rest @ ..] = args.as_slice() else {
        panic!("usage: inspect smtlib|atoms|relations|profile P.json B.json [identity|resource]");
    };
    let ty = match rest.first().map(String::as_str) {
        Some("resource") => PolicyType::Resource,
        _ => PolicyType::Identity,
    };
    let (p, b) = (load(proposed), load(baseline));
    let query =
        || keyaki::encode::verify_no_new_access(&p, &b, ty).unwrap_or_else(|e| panic!("{e}"));
    let options = |prune: bool| CheckOptions {
        policy_type: ty,
        counterexamples: 1,
        prune,
        ..Default::default()
    };
    match view.as_str() {
        "smtlib" => {
            print!("{}", keyaki::solve::to_smtlib(&query(), &[]));
            let verdict = check_no_new_access(&p, &b, &options(true));
            println!("; verdict: {verdict:?}");
        }
        "atoms" => atoms(&query()),
        "relations" => relations(&query()),
        "profile" => profile(&p, &b, ty, &query, &options),
        other => panic!("unknown view {other}"),
    }
}

fn atoms(q: &Query) {
    println!("atoms {} lemmas {}", q.atoms.len(), q.lemmas.len());
    let mut by_var = BTreeMap::new();
    for atom in &q.atoms {
        if let Atom::Str { var, .. } = atom {
            *by_var.entry(var.to_string()).or_insert(0) += 1;
        }
    }
    for (var, count) in by_var.iter().filter(|(_, count)| **count > 3) {
        println!("  {var}: {count}");
    }
}

fn relations(q: &Query) {
    let mut by_var: BTreeMap<String, Vec<keyaki::pattern::Glob>> = BTreeMap::new();
    for atom in &q.atoms {
        if let Atom::Str {
            var,
            pattern: StrPattern::Glob(glob),
        } = atom
        {
            by_var
                .entry(var.to_string())
                .or_default()
                .push(glob.clone());
        }
    }
    for (var, globs) in by_var {
        let start = Instant::now();
        let relations = keyaki::automata::relations(&globs);
        println!(
            "{var}: {} globs, {} compatible pairs, {:?}",
            globs.len(),
            relations.compatible_pair_count(),
            start.elapsed()
        );
    }
}

fn profile(
    p: &Policy,
    b: &Policy,
    ty: PolicyType,
    query: &dyn Fn() -> Query,
    options: &dyn Fn(bool) -> CheckOptions,
) {
    use keyaki::solve::Backend;
    let _ = keyaki::catalog::catalog().action_count();
    for round in 0..3 {
        let start = Instant::now();
        let q = query();
        let encode = start.elapsed();
        let start = Instant::now();
        let mut backend = keyaki::solve::Z3Backend::new(None);
        let solver_new = start.elapsed();
        for term in q.lemmas.iter().chain(&q.assertions) {
            backend.assert(&q, term);
        }
        let assert = start.elapsed();
        let outcome = backend.check(&q);
        let check = start.elapsed();
        let start = Instant::now();
        let verdict = check_no_new_access(p, b, &options(true));
        let full = start.elapsed();
        let start = Instant::now();
        let _ = check_no_new_access(p, b, &options(false));
        let unpruned = start.elapsed();
        println!(
            "round {round} ({ty:?}): atoms={} lemmas={} encode={encode:?} solver_new={solver_new:?} \
             assert={assert:?} check={check:?} sat={} full={full:?} unpruned={unpruned:?} verdict={}",
            q.atoms.len(),
            q.lemmas.len(),
            matches!(outcome, keyaki::solve::Outcome::Sat(_)),
            verdict_name(&verdict),
        );
    }
}
