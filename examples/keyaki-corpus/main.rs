//! `keyaki-corpus`: timing and unknown counts for the prover over the shared corpus.
//!
//! Every query runs in-process on one thread, one after another, exactly as `keyaki scan`
//! runs a file (fresh z3 context per check). Parsing is done before timing starts.
//! Run it in release mode: `cargo run --release --example keyaki-corpus -- --help`.
//! (An example, not an installed binary: it is a measuring tool for this repository.)
#![forbid(unsafe_code)]

/// jemalloc for Rust and (unprefixed) for z3's C++ allocations: see Cargo.toml.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod family;
mod generate;
mod report;
mod stages;
mod workloads;

use clap::Parser;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use report::{describe, reset_peak_rss, row, Measured};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use workloads::{
    access_analyzer, against_baseline, against_itself, quacky, versions, Workload, BROAD_BASELINE,
};

const WORKLOADS: [&str; 6] = [
    "versions",
    "baseline",
    "self",
    "access-analyzer",
    "quacky",
    "baselines",
];

#[derive(Parser, Debug)]
#[command(
    name = "keyaki-corpus",
    about = "Times the prover on the shared corpus workloads."
)]
struct Args {
    /// The shared corpus directory.
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Only these workloads (repeatable): versions, baseline, self, access-analyzer, quacky,
    /// baselines. Default: the first five. `baselines` is the estate against every baseline of
    /// the family (--baselines-dir) and --generated random ones, one row per baseline.
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
    /// The baseline family of the `baselines` workload.
    #[arg(long, default_value = "benches/baselines")]
    baselines_dir: PathBuf,
    /// Generated baselines in the `baselines` workload (after the family's files).
    #[arg(long, default_value_t = 4)]
    generated: usize,
    /// Seed of the generated baselines.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Only the baselines whose name contains this text.
    #[arg(long)]
    only: Option<String>,
    /// Print generated baseline K of --seed and exit (to reproduce it with `keyaki scan`).
    #[arg(long)]
    print_generated: Option<usize>,
    /// Resource universe: open (default) or catalog (encodings/resource-universe.md).
    #[arg(long, default_value = "open")]
    resource_universe: String,
    /// Which time the table and the slowest lists use: `cpu` (this thread's CPU time, the
    /// default: stable on a loaded machine) or `wall`. Both go to --jsonl.
    #[arg(long, default_value = "cpu")]
    clock: String,
    /// Also write one JSON line per query (workload, label, verdict, ms, cpu_ms, wall_ms,
    /// reason) to this file; `ms` is on the --clock.
    #[arg(long)]
    jsonl: Option<PathBuf>,
}

fn run_workload(name: &str, workload: Workload, args: &Args) -> Vec<Measured> {
    let options = CheckOptions {
        counterexamples: args.counterexamples.max(1),
        timeout: Duration::from_secs_f64(args.timeout),
        resource_universe: match args.resource_universe.as_str() {
            "catalog" => keyaki::ResourceUniverse::Catalog,
            _ => keyaki::ResourceUniverse::Open,
        },
        ..CheckOptions::default()
    };
    let limit = args.limit.unwrap_or(usize::MAX);
    let mut measured = Vec::new();
    for job in workload.jobs.into_iter().take(limit) {
        let options = CheckOptions {
            policy_type: job.policy_type,
            ..options.clone()
        };
        let cpu_before = report::thread_cpu();
        let t = Instant::now();
        let verdict = if args.shared_context {
            check_no_new_access(&job.proposed, &job.baseline, &options)
        } else {
            keyaki::scan::check_deterministic(&job.proposed, &job.baseline, &options)
        };
        let wall = t.elapsed();
        let cpu = cpu_before
            .zip(report::thread_cpu())
            .map(|(before, after)| after.saturating_sub(before));
        let time = match (args.clock.as_str(), cpu) {
            ("cpu", Some(cpu)) => cpu,
            _ => wall,
        };
        let (verdict, reason) = match verdict {
            Verdict::Holds => ("pass", None),
            Verdict::Violated(_) => ("fail", None),
            Verdict::Unknown(r) => ("unknown", Some(r.to_string())),
        };
        let stages = args.breakdown.then(|| stages::stages(&job, &options));
        measured.push(Measured {
            label: job.label,
            time,
            wall,
            cpu,
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

/// The selected workloads, by name, in the order given.
fn selected(args: &Args) -> Result<Vec<&'static str>, String> {
    if args.workload.is_empty() {
        return Ok(WORKLOADS[..5].to_vec());
    }
    args.workload
        .iter()
        .map(|w| {
            WORKLOADS.iter().copied().find(|k| k == w).ok_or_else(|| {
                format!(
                    "unknown workload {w:?}; choose from {}",
                    WORKLOADS.join(", ")
                )
            })
        })
        .collect()
}

/// A row name and how to load its workload (just before it runs).
type Planned = (String, Box<dyn Fn() -> Workload>);

/// Every row to run, in order.
fn plan(args: &Args, names: &[&str]) -> Result<Vec<Planned>, String> {
    let mut out: Vec<Planned> = Vec::new();
    for &name in names {
        let corpus = args.corpus.clone();
        match name {
            "versions" => out.push((name.into(), Box::new(move || versions(&corpus)))),
            "baseline" => out.push((name.into(), Box::new(move || against_baseline(&corpus)))),
            "self" => out.push((name.into(), Box::new(move || against_itself(&corpus)))),
            "access-analyzer" => {
                out.push((name.into(), Box::new(move || access_analyzer(&corpus))))
            }
            "quacky" => out.push((name.into(), Box::new(move || quacky(&corpus)))),
            _ => {
                let baselines = family::family(&args.baselines_dir, args.generated, args.seed)?;
                let (estate, invalid) = family::estate(&args.corpus);
                let estate = std::rc::Rc::new(estate);
                for baseline in baselines {
                    if args
                        .only
                        .as_ref()
                        .is_some_and(|o| !baseline.name.contains(o))
                    {
                        continue;
                    }
                    let (estate, invalid) = (estate.clone(), invalid.clone());
                    let row_name = format!("baselines/{}", baseline.name);
                    out.push((
                        row_name,
                        Box::new(move || family::against(&estate, &invalid, &baseline)),
                    ));
                }
            }
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.print_baseline {
        println!("{BROAD_BASELINE}");
        return ExitCode::SUCCESS;
    }
    if let Some(index) = args.print_generated {
        println!("{}", generate::baseline(args.seed, index).1);
        return ExitCode::SUCCESS;
    }
    if !args.corpus.is_dir() {
        eprintln!(
            "SKIPPED: {} not found (pass --corpus DIR)",
            args.corpus.display()
        );
        return ExitCode::from(2);
    }
    if !["cpu", "wall"].contains(&args.clock.as_str()) {
        eprintln!("--clock must be cpu or wall");
        return ExitCode::from(2);
    }
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("--timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let plan = match selected(&args).and_then(|names| plan(&args, &names)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut jsonl = match args.jsonl.as_ref().map(std::fs::File::create).transpose() {
        Ok(f) => f.map(std::io::BufWriter::new),
        Err(e) => {
            eprintln!("--jsonl: {e}");
            return ExitCode::from(2);
        }
    };
    warm_up();
    println!(
        "clock: {} (per-query percentiles and the slowest lists; the total is wall time)\n",
        args.clock
    );
    println!("{}", report::HEADER);
    let mut details = String::new();
    // (unknowns, total time, name) of the worst row so far.
    let mut worst: Option<(usize, Duration, String)> = None;
    let mut any_unknown = false;
    for (name, load) in plan {
        let workload = load();
        reset_peak_rss();
        let wall = Instant::now();
        let measured = run_workload(&name, workload, &args);
        let wall = wall.elapsed();
        println!("{}", row(&name, &measured, wall));
        let _ = std::io::stdout().flush();
        let unknowns = measured.iter().filter(|m| m.verdict == "unknown").count();
        any_unknown |= unknowns > 0;
        let key = (unknowns, wall, name.clone());
        if worst.as_ref().is_none_or(|w| (key.0, key.1) > (w.0, w.1)) {
            worst = Some(key);
        }
        if let Some(out) = jsonl.as_mut() {
            for m in &measured {
                let line = serde_json::json!({"workload": name, "label": m.label,
                    "verdict": m.verdict, "ms": report::ms(m.time),
                    "cpu_ms": m.cpu.map(report::ms), "wall_ms": report::ms(m.wall),
                    "reason": m.reason});
                let _ = writeln!(out, "{line}");
            }
        }
        details.push_str(&describe(&name, &measured, args.slowest, args.breakdown));
    }
    if let Some((unknowns, wall, name)) = worst {
        println!(
            "\nworst: {name} ({unknowns} unknown, {:.2} s)",
            wall.as_secs_f64()
        );
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
