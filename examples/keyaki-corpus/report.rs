//! The numbers the runner prints: one table row per workload, then the slowest queries, the
//! unknowns with their reasons, and (with --breakdown) where the time went.

use crate::stages::Stages;
use std::collections::BTreeMap;
use std::time::Duration;

pub struct Measured {
    pub label: String,
    /// The query's time on the clock chosen with `--clock` (what the table and lists rank).
    pub time: Duration,
    /// Wall time and this thread's CPU time (`None` where the kernel does not report it).
    pub wall: Duration,
    pub cpu: Option<Duration>,
    pub verdict: &'static str,
    pub reason: Option<String>,
    pub stages: Option<Stages>,
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// This thread's CPU time so far (`CLOCK_THREAD_CPUTIME_ID`, nanosecond resolution). A query
/// runs on the calling thread (z3 included), so the difference around it is the query's CPU
/// time, unaffected by other processes competing for the cores.
pub fn thread_cpu() -> Option<Duration> {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    let secs = u64::try_from(t.tv_sec).ok()?;
    let nanos = u32::try_from(t.tv_nsec).ok()?;
    Some(Duration::new(secs, nanos))
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Peak resident set size of this process so far (kB), from /proc.
pub fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The slowest queries, the unknowns, and (with --breakdown) where the time went.
pub fn describe(name: &str, measured: &[Measured], slowest: usize, breakdown: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut by_time: Vec<&Measured> = measured.iter().collect();
    by_time.sort_by(|a, b| b.time.cmp(&a.time).then(a.label.cmp(&b.label)));
    let _ = writeln!(out, "\n{name}: slowest");
    for m in by_time.iter().take(slowest) {
        let _ = write!(out, "  {:9.2} ms  {:7}  {}", ms(m.time), m.verdict, m.label);
        if let Some(s) = m.stages {
            let _ = write!(
                out,
                "  [probe {:.2} ms{}, encode+lemmas {:.2} ms ({} lemmas, {} atoms), first solve {:.2} ms]",
                ms(s.probe),
                if s.probe_hit { " (answered)" } else { "" },
                ms(s.encode),
                s.lemma_count,
                s.atoms,
                ms(s.first_solve)
            );
        }
        out.push('\n');
    }
    if breakdown {
        let mut sum = BTreeMap::new();
        let mut answered = 0;
        for m in measured {
            if let Some(s) = m.stages {
                answered += usize::from(s.probe_hit);
                *sum.entry("1 probe").or_insert(Duration::ZERO) += s.probe;
                *sum.entry("2 encode + lemmas").or_insert(Duration::ZERO) += s.encode;
                *sum.entry("3 first solve").or_insert(Duration::ZERO) += s.first_solve;
                let rest = m.time.saturating_sub(s.probe + s.encode + s.first_solve);
                *sum.entry("4 rest (refine, concretize, replay)")
                    .or_insert(Duration::ZERO) += rest;
            }
        }
        let _ = writeln!(
            out,
            "{name}: the probe answered {answered} of {} queries",
            measured.len()
        );
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
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for m in &unknown {
            *reasons
                .entry(reason_class(m.reason.as_deref().unwrap_or_default()))
                .or_default() += 1;
        }
        for (reason, count) in &reasons {
            let _ = writeln!(out, "  {count:5} x {reason}");
        }
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

/// A reason without its numbers (timeouts and budgets differ only in them), for counting.
pub fn reason_class(reason: &str) -> String {
    let mut out = String::new();
    let mut in_number = false;
    for c in reason.chars().take(120) {
        if c.is_ascii_digit() {
            if !in_number {
                out.push('N');
            }
            in_number = true;
        } else {
            in_number = false;
            out.push(c);
        }
    }
    out
}

/// Resets this process's peak RSS (Linux `clear_refs` 5), so that each workload's row reports
/// its own peak. jemalloc may keep freed pages for a while, so a row can carry some of the
/// previous workload's memory: the figure is an upper bound.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// One table row.
pub fn row(name: &str, measured: &[Measured], wall: Duration) -> String {
    let mut times: Vec<Duration> = measured.iter().map(|m| m.time).collect();
    times.sort();
    let count = |v: &str| measured.iter().filter(|m| m.verdict == v).count();
    format!(
        "| {name} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} | {:.0} | {:.0} |",
        measured.len(),
        count("pass"),
        count("fail"),
        count("unknown"),
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 90.0)),
        ms(percentile(&times, 95.0)),
        ms(percentile(&times, 99.0)),
        ms(percentile(&times, 100.0)),
        wall.as_secs_f64(),
        measured.len() as f64 / wall.as_secs_f64().max(1e-9),
        peak_rss_kb().unwrap_or(0) as f64 / 1024.0,
    )
}

pub const HEADER: &str = "| workload | queries | pass | fail | unknown | p50 ms | p90 ms | p95 ms | p99 ms | max ms | total s | queries/s | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";
