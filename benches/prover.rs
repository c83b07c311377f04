//! Criterion benchmarks of each stage on fixed corpus inputs: parse, eval, encode, check, diff.
//!
//! `cargo bench --bench prover` (needs ../shared/corpus next to the project).

/// The binaries' allocator (see Cargo.toml), so benches measure what users run.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::Criterion;
use keyaki::eval::{evaluate, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::report::PolicyFile;
use keyaki::request::{Principal, Request};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The broad baseline also used by `keyaki-corpus`: all but IAM, Organizations and Account.
const BROAD_BASELINE: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":"*","Resource":"*"},
  {"Effect":"Deny","Action":["iam:*","organizations:*","account:*"],"Resource":"*"}]}"#;

/// A small version pair and the largest managed policy.
const PAIR: &str = "managed-policy-versions/AWSAppMeshFullAccess";
const LARGE: &str = "aws-managed-policies/policies/ReadOnlyAccess.json";
const CONDITIONS: &str = "aws-managed-policies/policies/AmazonEC2FullAccess.json";

fn load(path: &Path) -> Option<PolicyFile> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).ok()?;
    match keyaki::parse::parse_policy(&bytes, &label) {
        Ok(policy) => Some(PolicyFile {
            path: label,
            policy,
        }),
        Err(e) => {
            println!("SKIPPED: {e}");
            None
        }
    }
}

fn benches(c: &mut Criterion, corpus: &Path) {
    let (Some(old), Some(new), Some(large), Some(conditions), Ok(large_bytes), Ok(broad)) = (
        load(&corpus.join(PAIR).join("old.json")),
        load(&corpus.join(PAIR).join("new.json")),
        load(&corpus.join(LARGE)),
        load(&corpus.join(CONDITIONS)),
        std::fs::read(corpus.join(LARGE)),
        keyaki::parse::parse_policy(BROAD_BASELINE.as_bytes(), "broad"),
    ) else {
        println!("SKIPPED: the benchmark inputs are not in ../shared/corpus");
        return;
    };
    let options = CheckOptions {
        counterexamples: 1,
        ..CheckOptions::default()
    };

    c.bench_function("parse/ReadOnlyAccess", |b| {
        b.iter(|| keyaki::parse::parse_policy(black_box(&large_bytes), "ReadOnlyAccess.json"))
    });
    let request = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:user/example".into()),
        "s3:GetObject",
        Some("arn:aws:s3:::example-bucket/key"),
    );
    c.bench_function("eval/ReadOnlyAccess/s3:GetObject", |b| {
        b.iter(|| {
            evaluate(
                black_box(&large.policy),
                black_box(&request),
                PolicyType::Identity,
            )
        })
    });
    c.bench_function("encode/ReadOnlyAccess-vs-broad", |b| {
        b.iter(|| {
            keyaki::encode::verify_no_new_access(
                black_box(&large.policy),
                &broad,
                PolicyType::Identity,
            )
        })
    });

    let mut checks = c.benchmark_group("check");
    checks
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    checks.bench_function("AppMesh-new-vs-old", |b| {
        b.iter(|| keyaki::scan::check_deterministic(&new.policy, &old.policy, &options))
    });
    checks.bench_function("ReadOnlyAccess-vs-broad", |b| {
        b.iter(|| keyaki::scan::check_deterministic(&large.policy, &broad, &options))
    });
    checks.bench_function("AmazonEC2FullAccess-vs-itself", |b| {
        b.iter(|| {
            keyaki::scan::check_deterministic(&conditions.policy, &conditions.policy, &options)
        })
    });
    checks.finish();

    let mut diffs = c.benchmark_group("diff");
    diffs
        .sample_size(20)
        .measurement_time(Duration::from_secs(4));
    diffs.bench_function("AppMesh-old-new", |b| {
        b.iter(|| {
            z3::with_z3_config(&z3::Config::new(), || {
                keyaki::report::diff::diff(&old, &new, &options).relation
            })
        })
    });
    diffs.finish();
}

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        println!("SKIPPED: ../shared/corpus not found");
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &corpus);
    c.final_summary();
}
