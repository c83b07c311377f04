//! Validates every policy file under the given paths (default: the managed-policy corpus) on
//! `--jobs N` threads and prints the wall time and the finding counts per code; with
//! `--print` the findings themselves as text.
//!
//! `cargo run --release --example validate_corpus -- [--jobs 2] [--no-proofs] [--timeout-ms 2000] [--print] [PATH...]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::validate::{render, validate_bytes, Filter, PolicyKind, ValidateOptions};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut jobs = 2usize;
    let mut proofs = true;
    let mut print = false;
    let mut timeout_ms = 2000u64;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--jobs" => jobs = args.next().and_then(|n| n.parse().ok()).unwrap_or(2),
            "--no-proofs" => proofs = false,
            "--print" => print = true,
            "--timeout-ms" => timeout_ms = args.next().and_then(|n| n.parse().ok()).unwrap_or(2000),
            other => paths.push(PathBuf::from(other)),
        }
    }
    if paths.is_empty() {
        paths.push(PathBuf::from(
            "../shared/corpus/aws-managed-policies/policies",
        ));
    }
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<_> = std::fs::read_dir(&p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(p);
        }
    }
    let contents: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.display().to_string(), std::fs::read(f).unwrap()))
        .collect();
    let options = ValidateOptions {
        policy_kind: PolicyKind::Identity,
        proofs,
        proof_timeout: std::time::Duration::from_millis(timeout_ms),
        ..ValidateOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .unwrap();
    let started = Instant::now();
    let reports: Vec<_> = pool.install(|| {
        contents
            .par_iter()
            .map(|(name, bytes)| validate_bytes(bytes, name, &options))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &reports {
        for f in &r.findings {
            *counts.entry(f.issue_code.clone()).or_default() += 1;
        }
        if print && !r.findings.is_empty() {
            print!("{}", render::text_report(r, &Filter::default()));
        }
    }
    for (code, n) in &counts {
        println!("{code:<60} {n}");
    }
    println!(
        "{} policies validated in {:.3} s on {jobs} threads (proofs {})",
        reports.len(),
        elapsed.as_secs_f64(),
        if proofs { "on" } else { "off" }
    );
}
