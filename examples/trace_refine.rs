//! Prints the lemmas each refinement round learns (debugging slow queries).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let (p, b) = (load(&a[1]), load(&a[2]));
    let q =
        keyaki::encode::verify_no_new_access(&p, &b, keyaki::eval::PolicyType::Identity).unwrap();
    println!("atoms {} lemmas {}", q.atoms.len(), q.lemmas.len());
    let mut by = std::collections::BTreeMap::new();
    for atom in &q.atoms {
        if let keyaki::encode::Atom::Str { var, .. } = atom {
            *by.entry(var.to_string()).or_insert(0) += 1;
        }
    }
    for (k, v) in by.iter().filter(|(_, v)| **v > 3) {
        println!("  {k}: {v}");
    }
}
