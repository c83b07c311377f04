//! Times checks of pairs in order, to see whether one query slows later ones:
//! `cargo run --release --example z3probe P1 B1 [P2 B2 ...]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

use keyaki::explain::CheckOptions;
use std::time::Instant;
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let opts = CheckOptions {
        counterexamples: 1,
        ..Default::default()
    };
    for pair in a.chunks(2) {
        let (p, b) = (load(&pair[0]), load(&pair[1]));
        for round in 0..3 {
            let t = Instant::now();
            let v = keyaki::explain::check_no_new_access(&p, &b, &opts);
            println!(
                "{} round {round}: {:?} {}",
                pair[0],
                t.elapsed(),
                matches!(v, keyaki::explain::Verdict::Holds)
            );
        }
    }
}
