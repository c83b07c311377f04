//! Per-file timing of `check --spec` over a directory, slowest first:
//! `cargo run --release --example time_spec SPEC DIR [LIMIT]`.
use keyaki::access::spec::{check_spec, load_spec};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(spec), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: time_spec SPEC DIR [LIMIT]");
        std::process::exit(2);
    };
    let limit: usize = args.next().and_then(|l| l.parse().ok()).unwrap_or(20);
    let spec = match load_spec(&spec) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let files = keyaki::scan::discover(&[dir]).unwrap_or_default();
    let mut times = Vec::new();
    for file in &files {
        let Ok(policy) = keyaki::query::load_policy(file) else {
            continue;
        };
        let mut policies = vec![&policy.policy];
        policies.extend(spec.baseline.iter().map(|(_, p)| p));
        let options = keyaki::explain::CheckOptions {
            policy_type: keyaki::query::resolve_policy_type(None, &policies),
            counterexamples: 1,
            ..Default::default()
        };
        let start = Instant::now();
        let outcome = check_spec(&policy.policy, &spec, &options);
        times.push((
            start.elapsed().as_secs_f64() * 1e3,
            file.clone(),
            outcome.findings.len(),
            outcome.unknown.len(),
        ));
    }
    let total: f64 = times.iter().map(|t| t.0).sum();
    times.sort_by(|a, b| b.0.total_cmp(&a.0));
    let n = times.len().max(1);
    let pct = |p: f64| times[((1.0 - p) * n as f64) as usize].0;
    println!(
        "{} files, total {:.1} s, p50 {:.1} ms, p99 {:.1} ms",
        times.len(),
        total / 1e3,
        pct(0.5),
        pct(0.99)
    );
    for (ms, file, findings, unknown) in times.iter().take(limit) {
        println!("{ms:9.1} ms  {findings:3} findings {unknown} unknown  {file}");
    }
}
