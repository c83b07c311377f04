//! Measures `keyaki reach` graph construction on a synthetic organization.
//!
//! `cargo run --release --example reach_synthetic -- 5000` (roles; default 5000). Prints the
//! graph size, the candidate and solver counts and the wall time. Not a test: a measurement.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/reach_gen/mod.rs"]
mod reach_gen;

use keyaki::authz::context::parse_organization;
use keyaki::authz::reach::build;
use keyaki::authz::snapshot::parse_snapshot;
use keyaki::explain::CheckOptions;
use std::path::Path;
use std::time::Instant;

fn main() {
    let roles: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    let users = roles / 100;
    let bytes = serde_json::to_vec(&reach_gen::snapshot(roles, users)).unwrap();
    let org = serde_json::to_vec(&reach_gen::organization()).unwrap();
    let start = Instant::now();
    let mut snapshot = parse_snapshot(&bytes, "synthetic.json").unwrap();
    snapshot.organization = Some(parse_organization(&org, "org.json", Path::new(".")).unwrap());
    let parsed = start.elapsed();
    let graph = build(&snapshot, &CheckOptions::default());
    let total = start.elapsed();
    println!(
        "{roles} roles, {users} users: {} nodes, {} edges, {} candidates, {} solver searches, {} undecided; parse {:.2} s, total {:.2} s ({} threads)",
        graph.graph.node_count(),
        graph.graph.edge_count(),
        graph.candidates,
        graph.solver_calls,
        graph.undecided.len(),
        parsed.as_secs_f64(),
        total.as_secs_f64(),
        rayon::current_num_threads()
    );
}
