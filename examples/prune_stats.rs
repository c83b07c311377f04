//! What pruning keeps of a proposal, and how long it takes:
//! `cargo run --release --example prune_stats PROPOSED BASELINE`.
use keyaki::encode::prune::without_covered;
use keyaki::eval::PolicyType;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p).unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        })
    };
    let (Some(a), Some(b)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: prune_stats PROPOSED BASELINE");
        std::process::exit(2);
    };
    let (p, q) = (load(a), load(b));
    let ty = keyaki::query::resolve_policy_type(None, &[&p, &q]);
    let start = Instant::now();
    let (reduced, pruned) = without_covered(&p, &q, ty);
    println!(
        "{:.2} ms: removed {} statements and {} action patterns; kept {} of {} statements",
        start.elapsed().as_secs_f64() * 1e3,
        pruned.statements,
        pruned.actions,
        reduced.statements.len(),
        p.statements.len()
    );
    for s in &reduced.statements {
        println!(
            "  kept Statement[{}] {:?} {:?} actions {:?}",
            s.index,
            s.sid,
            s.effect,
            s.action
                .patterns()
                .iter()
                .map(|a| &a.text)
                .take(8)
                .collect::<Vec<_>>()
        );
    }
    let _ = PolicyType::Identity;
}
