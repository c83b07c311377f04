//! Stage timings for one pair: `cargo run --release --example profile_one OLD NEW`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

use keyaki::explain::CheckOptions;
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (p, b) = (load(&a[1]), load(&a[2]));
    let _ = keyaki::catalog::catalog().action_count();
    for round in 0..3 {
        let t = Instant::now();
        let q = keyaki::encode::verify_no_new_access(&p, &b, keyaki::eval::PolicyType::Identity)
            .unwrap();
        let t_enc = t.elapsed();
        let t2 = Instant::now();
        let mut backend = keyaki::solve::Z3Backend::new(None);
        let t_new = t2.elapsed();
        use keyaki::solve::Backend;
        for l in &q.lemmas {
            backend.assert(&q, l);
        }
        for l in &q.assertions {
            backend.assert(&q, l);
        }
        let t_assert = t2.elapsed();
        let r = backend.check(&q);
        let t_check = t2.elapsed();
        let t3 = Instant::now();
        let v = keyaki::explain::check_no_new_access(
            &p,
            &b,
            &CheckOptions {
                counterexamples: 1,
                ..Default::default()
            },
        );
        let t_full = t3.elapsed();
        let t4 = Instant::now();
        let _ = keyaki::explain::check_no_new_access(
            &p,
            &b,
            &CheckOptions {
                counterexamples: 1,
                prune: false,
                ..Default::default()
            },
        );
        println!("unpruned full={:?}", t4.elapsed());
        println!("round {round}: atoms={} lemmas={} encode={:?} solver_new={:?} assert={:?} check={:?} sat={} full={:?} verdict={}",
          q.atoms.len(), q.lemmas.len(), t_enc, t_new, t_assert, t_check, matches!(r, keyaki::solve::Outcome::Sat(_)), t_full,
          match v { keyaki::explain::Verdict::Holds => "holds", keyaki::explain::Verdict::Violated(_) => "violated", _ => "unknown" });
    }
}
