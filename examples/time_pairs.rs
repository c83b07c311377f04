//! Quick timing of the prover on the managed-policy version pairs (both directions):
//! `cargo run --release --example time_pairs [CORPUS]`. The full runner is `keyaki-corpus`.
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use std::time::Instant;

fn main() {
    let corpus = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus".into());
    let dir = std::path::Path::new(&corpus).join("managed-policy-versions");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    if let Some(filter) = std::env::args().nth(2) {
        names.retain(|n| n.to_string_lossy().contains(&filter));
    }
    let opts = CheckOptions {
        counterexamples: 1,
        ..Default::default()
    };
    let mut times = Vec::new();
    let mut unknown = 0;
    for d in names {
        let load =
            |f: &str| keyaki::parse::parse_policy(&std::fs::read(d.join(f)).unwrap_or_default(), f);
        let (Ok(old), Ok(new)) = (load("old.json"), load("new.json")) else {
            continue;
        };
        let repeat = std::env::var("REPEAT")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(1usize);
        for (a, b) in std::iter::repeat_n([(&new, &old), (&old, &new)], repeat).flatten() {
            let t = Instant::now();
            let v = check_no_new_access(a, b, &opts);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if let Verdict::Unknown(r) = &v {
                unknown += 1;
                eprintln!("UNKNOWN {}: {r}", d.display());
            }
            if ms > 50.0 {
                eprintln!("slow {:.1} ms {}", ms, d.display());
            }
            times.push(ms);
        }
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let q = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    println!(
        "n={} unknown={} p50={:.2} p90={:.2} p99={:.2} max={:.2} total={:.0} ms",
        times.len(),
        unknown,
        q(0.5),
        q(0.9),
        q(0.99),
        q(1.0),
        times.iter().sum::<f64>()
    );
}
