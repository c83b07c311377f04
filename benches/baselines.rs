//! Criterion benchmarks of `check` against every organization baseline of `benches/baselines/`:
//! three managed policies of different shapes per baseline, and the issue's two-statement repro.
//!
//! `cargo bench --bench baselines` (the managed policies need ../shared/corpus next to the
//! project; without it only the repro runs). The per-query timeout is 2 s here, so an undecided
//! pair costs 2 s per iteration instead of hanging the bench: read such a row as "unknown".

/// The binaries' allocator (see Cargo.toml), so benches measure what users run.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use criterion::Criterion;
use keyaki::eval::PolicyType;
use keyaki::explain::CheckOptions;
use keyaki::model::Policy;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Managed policies of different shapes: many actions, wildcards and conditions, templates.
const SAMPLES: [&str; 3] = [
    "ReadOnlyAccess",
    "AmazonEC2FullAccess",
    "IAMUserChangePassword",
];

/// Issue #10's repro: the baseline never allows iam:ChangePassword, so this is a quick fail.
const REPRO_PROPOSED: &str = r#"{"Statement":[{"Effect":"Allow","Action":"iam:ChangePassword",
  "Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/*/${aws:username}"]}]}"#;
const REPRO_BASELINE: &str = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
  {"Effect":"Deny","NotAction":"sts:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#;

fn parse_file(path: &Path) -> Option<Policy> {
    let bytes = std::fs::read(path).ok()?;
    keyaki::parse::parse_policy(&bytes, &path.display().to_string()).ok()
}

fn family(root: &Path) -> Vec<(String, Policy)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root.join("benches/baselines"))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| {
            let name = p.file_stem()?.to_string_lossy().to_string();
            Some((name, parse_file(&p)?))
        })
        .collect()
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/aws-managed-policies/policies");
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    let options = CheckOptions {
        counterexamples: 1,
        timeout: Duration::from_secs(2),
        policy_type: PolicyType::Identity,
        ..CheckOptions::default()
    };
    let parse = |text: &str| keyaki::parse::parse_policy(text.as_bytes(), "repro");
    if let (Ok(proposed), Ok(baseline)) = (parse(REPRO_PROPOSED), parse(REPRO_BASELINE)) {
        c.bench_function("check/issue-10-repro", |b| {
            b.iter(|| keyaki::scan::check_deterministic(black_box(&proposed), &baseline, &options))
        });
    }
    let samples: Vec<(&str, Policy)> = SAMPLES
        .iter()
        .filter_map(|name| Some((*name, parse_file(&corpus.join(format!("{name}.json")))?)))
        .collect();
    if samples.is_empty() {
        println!("SKIPPED: the managed policies are not in ../shared/corpus");
    }
    for (baseline_name, baseline) in family(root) {
        for (sample, proposed) in &samples {
            c.bench_function(&format!("check/{sample}-vs-{baseline_name}"), |b| {
                b.iter(|| {
                    keyaki::scan::check_deterministic(black_box(proposed), &baseline, &options)
                })
            });
        }
    }
    c.final_summary();
}
