//! `keyaki-corpus`: timing and unknown counts for the prover over the shared corpus.
//!
//! Every query runs in-process on one thread, one after another, exactly as `keyaki scan`
//! runs a file (fresh z3 context per check). Parsing is done before timing starts.
//! Run it in release mode: `cargo run --release --bin keyaki-corpus`.
#![forbid(unsafe_code)]

/// jemalloc for Rust and (unprefixed) for z3's C++ allocations: see Cargo.toml.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use clap::Parser;
use keyaki::query::resolve_policy_type as resolve_type;
use keyaki::encode::{add_domain_lemmas, Encoder, Query};
use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::model::Policy;
use keyaki::solve::{Backend, Z3Backend};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The broad baseline of the `baseline` workload: everything except identity, organization and
/// account administration — the shape of a "power user" guardrail.
const BROAD_BASELINE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "NoAdministration", "Effect": "Deny",
     "Action": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
  ]
}"#;

const WORKLOADS: [&str; 5] = ["versions", "baseline", "self", "access-analyzer", "quacky"];

#[derive(Parser, Debug)]
#[command(
    name = "keyaki-corpus",
    about = "Times the prover on the shared corpus workloads."
)]
struct Args {
    /// The shared corpus directory.
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Only these workloads (repeatable): versions, baseline, self, access-analyzer, quacky.
    #[arg(long)]
    workload: Vec<String>,
    /// At most N queries per workload (the first N in sorted order).
    #[arg(long)]
    limit: Option<usize>,
    /// Seconds per query before "unknown" (the CLI default is 10).
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
    /// Counterexamples per query (scan's default is 1).
    #[arg(long, default_value_t = 1)]
    counterexamples: usize,
    /// Also time the stages of each query (encode, lemmas, first solve) in extra runs.
    #[arg(long)]
    breakdown: bool,
    /// Use z3's per-thread default context instead of a fresh one per query.
    #[arg(long)]
    shared_context: bool,
    /// Print the broad baseline policy of the `baseline` workload and exit (to reproduce the
    /// workload with `keyaki scan --baseline`).
    #[arg(long)]
    print_baseline: bool,
    /// How many of the slowest queries to list per workload.
    #[arg(long, default_value_t = 5)]
    slowest: usize,
}

/// One comparison: does `proposed` allow anything `baseline` does not?
struct Job {
    label: String,
    proposed: Policy,
    baseline: Policy,
    policy_type: PolicyType,
}

/// Loaded jobs plus the files that did not parse.
#[derive(Default)]
struct Workload {
    jobs: Vec<Job>,
    invalid: Vec<String>,
}

impl Workload {
    fn load(&mut self, path: &Path) -> Option<Policy> {
        let label = path.display().to_string();
        match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| keyaki::parse::parse_policy(&b, &label).map_err(|e| e.to_string()))
        {
            Ok(p) => Some(p),
            Err(e) => {
                self.invalid.push(first_line(&e));
                None
            }
        }
    }

    /// Both directions of a pair.
    fn both_ways(&mut self, label: &str, a: &Path, b: &Path, ty: Option<PolicyType>) {
        let (Some(pa), Some(pb)) = (self.load(a), self.load(b)) else {
            return;
        };
        let ty = ty.unwrap_or_else(|| resolve_type(None, &[&pa, &pb]));
        self.jobs.push(Job {
            label: format!("{label} (new ⊆ old?)"),
            proposed: pb.clone(),
            baseline: pa.clone(),
            policy_type: ty,
        });
        self.jobs.push(Job {
            label: format!("{label} (old ⊆ new?)"),
            proposed: pa,
            baseline: pb,
            policy_type: ty,
        });
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn is_json(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|x| x == "json")
}

fn versions(corpus: &Path) -> Workload {
    let mut w = Workload::default();
    for dir in sorted_entries(&corpus.join("managed-policy-versions")) {
        let (old, new) = (dir.join("old.json"), dir.join("new.json"));
        if old.is_file() && new.is_file() {
            let name = dir.file_name().unwrap_or_default().to_string_lossy();
            w.both_ways(&name, &old, &new, None);
        }
    }
    w
}

fn managed_policies(corpus: &Path) -> Vec<PathBuf> {
    sorted_entries(&corpus.join("aws-managed-policies/policies"))
        .into_iter()
        .filter(|p| is_json(p))
        .collect()
}

fn against_baseline(corpus: &Path) -> Workload {
    let mut w = Workload::default();
    let baseline = match keyaki::parse::parse_policy(BROAD_BASELINE.as_bytes(), "broad-baseline") {
        Ok(p) => p,
        Err(e) => {
            w.invalid.push(format!("broad baseline: {e}"));
            return w;
        }
    };
    for path in managed_policies(corpus) {
        if let Some(p) = w.load(&path) {
            w.jobs.push(Job {
                label: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into(),
                policy_type: resolve_type(None, &[&p, &baseline]),
                proposed: p,
                baseline: baseline.clone(),
            });
        }
    }
    w
}

fn against_itself(corpus: &Path) -> Workload {
    let mut w = Workload::default();
    for path in managed_policies(corpus) {
        if let Some(p) = w.load(&path) {
            w.jobs.push(Job {
                label: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into(),
                policy_type: resolve_type(None, &[&p]),
                proposed: p.clone(),
                baseline: p,
            });
        }
    }
    w
}

fn access_analyzer(corpus: &Path) -> Workload {
    let mut w = Workload::default();
    let dir = corpus.join("expectations/access-analyzer-check-no-new-access");
    let cases: serde_json::Value = match std::fs::read(dir.join("cases.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
    {
        Some(v) => v,
        None => {
            w.invalid
                .push(format!("{}: unreadable cases.json", dir.display()));
            return w;
        }
    };
    for case in cases["cases"].as_array().into_iter().flatten() {
        let (Some(reference), Some(candidate)) =
            (case["reference"].as_str(), case["candidate"].as_str())
        else {
            continue;
        };
        let policy_type = match case["policy_type"].as_str() {
            Some("RESOURCE_POLICY") => PolicyType::Resource,
            _ => PolicyType::Identity,
        };
        let (Some(r), Some(c)) = (w.load(&dir.join(reference)), w.load(&dir.join(candidate)))
        else {
            continue;
        };
        w.jobs.push(Job {
            label: candidate.to_string(),
            proposed: c,
            baseline: r,
            policy_type,
        });
    }
    w
}

/// Quacky: every pair of policies sharing a sample directory (initial/fixed, policy1/policy2),
/// and every mutant against the policy it was mutated from; all in both directions.
fn quacky(corpus: &Path) -> Workload {
    let mut w = Workload::default();
    let samples = corpus.join("quacky/samples");
    let mut dirs = vec![samples.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = sorted_entries(&dir);
        let is_mutation_leaf = dir
            .strip_prefix(&samples)
            .is_ok_and(|rel| rel.starts_with("mutations") && rel.components().count() == 5);
        let jsons: Vec<&PathBuf> = entries.iter().filter(|p| is_json(p)).collect();
        if is_mutation_leaf {
            // mutations/<svc>/exp_single/<name>/<sub>/<k>.json was mutated from
            // <svc>/exp_single/<name>/<sub>.json.
            let rel = dir.strip_prefix(samples.join("mutations")).unwrap_or(&dir);
            let original = samples.join(rel).with_extension("json");
            if original.is_file() {
                for mutant in jsons {
                    let label = mutant.strip_prefix(&samples).unwrap_or(mutant);
                    w.both_ways(&label.display().to_string(), &original, mutant, None);
                }
            } else {
                w.invalid
                    .push(format!("{}: no original policy", dir.display()));
            }
        } else {
            for (i, a) in jsons.iter().enumerate() {
                for b in &jsons[i + 1..] {
                    let label = b.strip_prefix(&samples).unwrap_or(b);
                    w.both_ways(&label.display().to_string(), a, b, None);
                }
            }
        }
        dirs.extend(entries.into_iter().filter(|p| p.is_dir()).rev());
    }
    w
}

/// Stage timings of one query, from separate runs of each stage.
#[derive(Debug, Clone, Copy, Default)]
struct Stages {
    encode: Duration,
    lemmas: Duration,
    first_solve: Duration,
    atoms: usize,
    lemma_count: usize,
}

fn stages(job: &Job, options: &CheckOptions) -> Stages {
    let mut s = Stages::default();
    let t = Instant::now();
    let mut query = Query::default();
    let encoded = Encoder::new(&mut query, &[&job.proposed, &job.baseline], job.policy_type)
        .and_then(|mut enc| {
            let allowed = enc.allows(&job.proposed)?;
            let baseline_allows = enc.allows(&job.baseline)?;
            Ok((allowed, baseline_allows))
        });
    let Ok((allowed, baseline_allows)) = encoded else {
        return s;
    };
    query.assertions.push(allowed);
    query
        .assertions
        .push(keyaki::encode::Term::not(baseline_allows));
    s.encode = t.elapsed();
    let t = Instant::now();
    add_domain_lemmas(&mut query);
    s.lemmas = t.elapsed();
    s.atoms = query.atoms.len();
    s.lemma_count = query.lemmas.len();
    let t = Instant::now();
    z3::with_z3_config(&z3::Config::new(), || {
        let mut backend = Z3Backend::new(Some(options.timeout));
        for term in query.lemmas.iter().chain(&query.assertions) {
            backend.assert(&query, term);
        }
        let _ = backend.check(&query);
    });
    s.first_solve = t.elapsed();
    s
}

struct Measured {
    label: String,
    time: Duration,
    verdict: &'static str,
    reason: Option<String>,
    stages: Option<Stages>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size of this process so far (kB), from /proc.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn run_workload(name: &str, workload: Workload, args: &Args) -> Vec<Measured> {
    let options = CheckOptions {
        counterexamples: args.counterexamples.max(1),
        timeout: Duration::from_secs_f64(args.timeout),
        ..CheckOptions::default()
    };
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut measured = Vec::new();
    for job in workload.jobs.into_iter().take(limit) {
        let options = CheckOptions {
            policy_type: job.policy_type,
            ..options.clone()
        };
        let t = Instant::now();
        let verdict = if args.shared_context {
            check_no_new_access(&job.proposed, &job.baseline, &options)
        } else {
            keyaki::scan::check_deterministic(&job.proposed, &job.baseline, &options)
        };
        let time = t.elapsed();
        let (verdict, reason) = match verdict {
            Verdict::Holds => ("pass", None),
            Verdict::Violated(_) => ("fail", None),
            Verdict::Unknown(r) => ("unknown", Some(r)),
        };
        let stages = args.breakdown.then(|| stages(&job, &options));
        measured.push(Measured {
            label: job.label,
            time,
            verdict,
            reason,
            stages,
        });
    }
    if !workload.invalid.is_empty() {
        eprintln!(
            "{name}: {} file(s) skipped (do not parse), e.g. {}",
            workload.invalid.len(),
            workload.invalid[0]
        );
    }
    measured
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_baseline {
        println!("{BROAD_BASELINE}");
        return ExitCode::SUCCESS;
    }
    if !args.corpus.is_dir() {
        eprintln!(
            "SKIPPED: {} not found (pass --corpus DIR)",
            args.corpus.display()
        );
        return ExitCode::from(2);
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("--timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let selected: Vec<&str> = if args.workload.is_empty() {
        WORKLOADS.to_vec()
    } else {
        match args
            .workload
            .iter()
            .map(|w| WORKLOADS.iter().copied().find(|k| k == w).ok_or(w))
            .collect::<Result<Vec<_>, _>>()
        {
            Ok(v) => v,
            Err(unknown) => {
                eprintln!(
                    "unknown workload {unknown:?}; choose from {}",
                    WORKLOADS.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    };
    warm_up();
    println!(
        "| workload | queries | pass | fail | unknown | p50 ms | p90 ms | p99 ms | max ms | total s | queries/s | peak RSS MB |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut details = String::new();
    let mut any_unknown = false;
    for name in selected {
        let workload = match name {
            "versions" => versions(&args.corpus),
            "baseline" => against_baseline(&args.corpus),
            "self" => against_itself(&args.corpus),
            "access-analyzer" => access_analyzer(&args.corpus),
            _ => quacky(&args.corpus),
        };
        let wall = Instant::now();
        let measured = run_workload(name, workload, &args);
        let wall = wall.elapsed();
        let mut times: Vec<Duration> = measured.iter().map(|m| m.time).collect();
        times.sort();
        let count = |v: &str| measured.iter().filter(|m| m.verdict == v).count();
        let unknowns = count("unknown");
        any_unknown |= unknowns > 0;
        println!(
            "| {name} | {} | {} | {} | {unknowns} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.0} | {:.0} |",
            measured.len(),
            count("pass"),
            count("fail"),
            ms(percentile(&times, 50.0)),
            ms(percentile(&times, 90.0)),
            ms(percentile(&times, 99.0)),
            ms(percentile(&times, 100.0)),
            wall.as_secs_f64(),
            measured.len() as f64 / wall.as_secs_f64().max(1e-9),
            peak_rss_kb().unwrap_or(0) as f64 / 1024.0,
        );
        details.push_str(&describe(name, &measured, &args));
    }
    print!("{details}");
    if any_unknown {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// Loads what every process loads once (the service catalog, ~0.2 s) so that the first timed
/// query does not carry it.
fn warm_up() {
    let parse = |text: &str| keyaki::parse::parse_policy(text.as_bytes(), "warm-up");
    let (Ok(proposed), Ok(baseline)) = (
        parse(r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#),
        parse(r#"{"Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#),
    ) else {
        return;
    };
    let _ = keyaki::scan::check_deterministic(&proposed, &baseline, &CheckOptions::default());
}

/// The slowest queries, the unknowns, and (with --breakdown) where the time went.
fn describe(name: &str, measured: &[Measured], args: &Args) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut by_time: Vec<&Measured> = measured.iter().collect();
    by_time.sort_by(|a, b| b.time.cmp(&a.time).then(a.label.cmp(&b.label)));
    let _ = writeln!(out, "\n{name}: slowest");
    for m in by_time.iter().take(args.slowest) {
        let _ = write!(out, "  {:9.2} ms  {:7}  {}", ms(m.time), m.verdict, m.label);
        if let Some(s) = m.stages {
            let _ = write!(
                out,
                "  [encode {:.2} ms, lemmas {:.2} ms ({} lemmas, {} atoms), first solve {:.2} ms]",
                ms(s.encode),
                ms(s.lemmas),
                s.lemma_count,
                s.atoms,
                ms(s.first_solve)
            );
        }
        out.push('\n');
    }
    if args.breakdown {
        let mut sum = BTreeMap::new();
        for m in measured {
            if let Some(s) = m.stages {
                *sum.entry("1 encode").or_insert(Duration::ZERO) += s.encode;
                *sum.entry("2 lemmas").or_insert(Duration::ZERO) += s.lemmas;
                *sum.entry("3 first solve").or_insert(Duration::ZERO) += s.first_solve;
                let rest = m.time.saturating_sub(s.encode + s.lemmas + s.first_solve);
                *sum.entry("4 rest (refine, concretize, replay)")
                    .or_insert(Duration::ZERO) += rest;
            }
        }
        let total: Duration = measured.iter().map(|m| m.time).sum();
        let _ = writeln!(
            out,
            "{name}: time by stage (sum over queries, total {:.0} ms)",
            ms(total)
        );
        for (stage, d) in sum {
            let _ = writeln!(
                out,
                "  {stage:40} {:9.1} ms  {:5.1}%",
                ms(d),
                100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-9)
            );
        }
    }
    let unknown: Vec<&Measured> = measured.iter().filter(|m| m.verdict == "unknown").collect();
    if !unknown.is_empty() {
        let _ = writeln!(out, "{name}: {} unknown", unknown.len());
        for m in unknown.iter().take(20) {
            let _ = writeln!(
                out,
                "  {}: {}",
                m.label,
                m.reason.as_deref().unwrap_or_default()
            );
        }
    }
    out
}
