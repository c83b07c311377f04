//! What remedies cost and what they find, on the managed-policy version pairs (both
//! directions), in CPU time of this thread (`/proc/thread-self/schedstat`, ns):
//! `cargo run --release --example remedy_cost [CORPUS] [COUNTEREXAMPLES]`.
//! "plain" is the check alone (`check_report`), "with remedies" is `keyaki::check` (the
//! check plus the remedy proofs); both run once per pair, plain first.
use keyaki::explain::{check_no_new_access, CheckOptions};
use std::collections::BTreeMap;

fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn quantile(sorted: &[f64], p: f64) -> f64 {
    sorted
        .get(((sorted.len().max(1) - 1) as f64 * p) as usize)
        .copied()
        .unwrap_or(0.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "../shared/corpus".into());
    let counterexamples = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
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
    let options = CheckOptions {
        counterexamples,
        ..Default::default()
    };
    let (mut plain, mut with) = (Vec::new(), Vec::new());
    let mut extra: Vec<(f64, String, usize)> = Vec::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let (mut findings, mut advice, mut none, mut unknown_candidates) = (0, 0, 0, 0);
    for d in names {
        let load =
            |f: &str| keyaki::parse::parse_policy(&std::fs::read(d.join(f)).unwrap_or_default(), f);
        let (Ok(old), Ok(new)) = (load("old.json"), load("new.json")) else {
            continue;
        };
        for (a, b) in [(&new, &old), (&old, &new)] {
            let t = cpu_ns();
            let report = keyaki::query::check_report(check_no_new_access(a, b, &options));
            plain.push((cpu_ns() - t) as f64 / 1e6);
            let t = cpu_ns();
            let full = keyaki::check(a, b, &options);
            with.push((cpu_ns() - t) as f64 / 1e6);
            let tried: usize = full.advice.iter().map(|a| a.tried.len() + 1).sum();
            extra.push((
                with[with.len() - 1] - plain[plain.len() - 1],
                d.file_name().unwrap_or_default().to_string_lossy().into(),
                tried,
            ));
            findings += report.counterexamples.len();
            for item in &full.advice {
                advice += 1;
                unknown_candidates += item.tried.iter().filter(|t| t.outcome == "unknown").count();
                match &item.remedy {
                    Some(r) => {
                        *kinds
                            .entry(format!("{} ({:?})", r.edit.as_str(), r.scope))
                            .or_default() += 1
                    }
                    None => none += 1,
                }
            }
        }
    }
    for (label, times) in [("plain", &mut plain), ("with remedies", &mut with)] {
        let total: f64 = times.iter().sum();
        times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        println!(
            "{label:>14}: n={} cpu total={total:.0} ms p50={:.2} p90={:.2} p99={:.2} max={:.2} ms",
            times.len(),
            quantile(times, 0.5),
            quantile(times, 0.9),
            quantile(times, 0.99),
            quantile(times, 1.0),
        );
    }
    println!(
        "findings={findings} advice (distinct action+statement)={advice} no-remedy={none} undecided candidates={unknown_candidates}"
    );
    extra.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
    for (ms, name, tried) in extra.iter().take(6) {
        println!("  slowest extra: {ms:.1} ms {name} ({tried} candidates)");
    }
    for (kind, n) in kinds {
        println!("  {kind}: {n}");
    }
}
