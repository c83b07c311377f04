//! Atom counts per string variable and the time `automata::relations` takes on each.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

use std::collections::BTreeMap;
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let q = keyaki::encode::verify_no_new_access(
        &load(&a[1]),
        &load(&a[2]),
        keyaki::eval::PolicyType::Identity,
    )
    .unwrap();
    let mut by: BTreeMap<String, Vec<keyaki::pattern::Glob>> = BTreeMap::new();
    for atom in &q.atoms {
        if let keyaki::encode::Atom::Str {
            var,
            pattern: keyaki::encode::StrPattern::Glob(g),
        } = atom
        {
            by.entry(var.to_string()).or_default().push(g.clone());
        }
    }
    for (v, globs) in by {
        let t = std::time::Instant::now();
        let r = keyaki::automata::relations(&globs);
        println!(
            "{v}: {} globs, {} compatible pairs, {:?}",
            globs.len(),
            r.compatible_pair_count(),
            t.elapsed()
        );
    }
}
