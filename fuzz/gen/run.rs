//! Running a differential family: case counts (`KEYAKI_DIFF_CASES` scales every family;
//! `KEYAKI_DIFF_FIRST_CASE` moves a run of any size to the numbered cases), a
//! proptest runner that shrinks below 1,000 cases, a rayon run seeded per case above, and a
//! tally of outcomes printed at the end (so a run shows it was not all `unknown`).
#![allow(dead_code, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// `default` cases, or `KEYAKI_DIFF_CASES` (the same variable `tests/differential.rs` reads).
pub fn cases(default: u32) -> u32 {
    std::env::var("KEYAKI_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs from this many cases on spread over every core with rayon (`RAYON_NUM_THREADS`),
/// without shrinking: a failure panics with the pair as JSON, which is the reproduction.
/// Below it, proptest runs the cases one by one and shrinks a failure.
const PARALLEL_FROM: u32 = 1_000;

/// How a family's choice streams are made. Each family keeps its own so a case number names
/// the same pair it always did (`tests/differential.rs` is older than the other families).
pub struct Streams {
    /// Mixed into case `i`'s seed.
    pub seed: u64,
    /// Stream lengths: `min_len..max_len` (parallel runs and proptest alike).
    pub min_len: usize,
    pub max_len: usize,
    pub max_shrink_iters: u32,
    /// A parallel run prints its progress every this many cases.
    pub progress_every: u64,
}

/// The streams of every family but `tests/differential.rs`'s.
pub const FAMILY_STREAMS: Streams = Streams {
    seed: 0x7EDD_7EA3,
    min_len: 100,
    max_len: 500,
    max_shrink_iters: 1_000,
    progress_every: 2_000,
};

/// Runs `body` on `cases(default)` choice streams. Small runs shrink a failure with proptest;
/// large ones run in parallel (the failing pair is in the panic message).
pub fn run_cases(default: u32, tally: &Tally, body: &(dyn Fn(&[u8]) + Sync)) {
    run_cases_with(default, &FAMILY_STREAMS, tally, body);
}

/// [`run_cases`] on the streams of `streams`.
pub fn run_cases_with(
    default: u32,
    streams: &Streams,
    tally: &Tally,
    body: &(dyn Fn(&[u8]) + Sync),
) {
    if let Err(e) = run_streams(default, streams, &|| tally.text(), body) {
        tally.print();
        panic!("{e}");
    }
}

/// Runs `body` on `cases(default)` streams of `streams`; `progress()` is printed as a
/// parallel run goes (so a run cut short by `timeout` still reports what it did). A proptest
/// failure (shrunk) is the error.
pub fn run_streams(
    default: u32,
    streams: &Streams,
    progress: &(dyn Fn() -> String + Sync),
    body: &(dyn Fn(&[u8]) + Sync),
) -> Result<(), String> {
    let n = cases(default);
    // A run given `KEYAKI_DIFF_FIRST_CASE` takes exactly the numbered cases at any size (proptest
    // would draw random streams and ignore the range, so a small run could not be repeated).
    if n < PARALLEL_FROM && std::env::var_os("KEYAKI_DIFF_FIRST_CASE").is_none() {
        // A fixed seed (unless `PROPTEST_RNG_SEED` names one): a family's tally requirements
        // (`Tally::require`) must not hang on the luck of 40 random streams in CI.
        let defaults = Config::default();
        let rng_seed = match defaults.rng_seed {
            RngSeed::Random => RngSeed::Fixed(streams.seed),
            chosen => chosen,
        };
        let mut runner = TestRunner::new(Config {
            cases: n,
            rng_seed,
            // A failure is reported with its pair as JSON, not in a persistence file.
            failure_persistence: None,
            max_shrink_iters: streams.max_shrink_iters,
            ..defaults
        });
        let bytes = prop::collection::vec(any::<u8>(), 0..streams.max_len);
        return runner
            .run(&bytes, |data| {
                body(&data);
                Ok(())
            })
            .map_err(|e| e.to_string());
    }
    use rayon::prelude::*;
    let done = std::sync::atomic::AtomicU64::new(0);
    // The slowest case (seconds, number): a run's worst case is what a finding's timeout needs.
    let slowest = Mutex::new((0.0f64, 0u32));
    let first = first_case();
    (first..first.saturating_add(n))
        .into_par_iter()
        .for_each(|i| {
            let started = std::time::Instant::now();
            body(&case_bytes(streams, i));
            let secs = started.elapsed().as_secs_f64();
            if let Ok(mut worst) = slowest.lock() {
                if secs > worst.0 {
                    *worst = (secs, i);
                }
            }
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if d % streams.progress_every == 0 {
                eprintln!("{d} cases: {}", progress());
            }
        });
    if let Ok(worst) = slowest.lock() {
        println!("slowest case: {} ({:.2} s)", worst.1, worst.0);
    }
    Ok(())
}

/// `KEYAKI_DIFF_FIRST_CASE`: where a large run starts (0), so a run can take new cases.
fn first_case() -> u32 {
    std::env::var("KEYAKI_DIFF_FIRST_CASE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Case `i`'s choice stream (splitmix64): the same cases on every run and thread count.
pub fn case_bytes(streams: &Streams, i: u32) -> Vec<u8> {
    let mut state = u64::from(i).wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ streams.seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let spread = (streams.max_len - streams.min_len) as u64;
    let len = streams.min_len + (next() % spread) as usize;
    (0..len).map(|_| next().to_le_bytes()[0]).collect()
}

/// Outcome counts by label, and a few example lines per label (unknown reasons, pairs).
pub struct Tally {
    name: &'static str,
    counts: Mutex<BTreeMap<String, u64>>,
    examples: Mutex<BTreeMap<String, Vec<String>>>,
}

impl Tally {
    pub const fn new(name: &'static str) -> Tally {
        Tally {
            name,
            counts: Mutex::new(BTreeMap::new()),
            examples: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn count(&self, label: &str) {
        if let Ok(mut m) = self.counts.lock() {
            *m.entry(label.to_string()).or_default() += 1;
        }
    }

    /// Keeps the first three examples of a label (printed at the end). With
    /// `KEYAKI_DIFF_SHOW_UNKNOWN` set, every `unknown` example is printed as it happens (the
    /// first three are not enough to shrink a family's unknowns).
    pub fn example(&self, label: &str, text: String) {
        if label == "unknown" && std::env::var_os("KEYAKI_DIFF_SHOW_UNKNOWN").is_some() {
            println!("unknown pair ({}): {text}", self.name);
        }
        if let Ok(mut m) = self.examples.lock() {
            let list = m.entry(label.to_string()).or_default();
            if list.len() < 3 {
                list.push(text);
            }
        }
    }

    pub fn get(&self, label: &str) -> u64 {
        self.counts
            .lock()
            .map(|m| m.get(label).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    pub fn text(&self) -> String {
        format!(
            "{:?}",
            self.counts.lock().map(|m| m.clone()).unwrap_or_default()
        )
    }

    pub fn print(&self) {
        println!("{}: {}", self.name, self.text());
        if let Ok(m) = self.examples.lock() {
            for (label, list) in m.iter() {
                for e in list {
                    println!("  {label}: {e}");
                }
            }
        }
    }

    /// After a run of at least the default size: every listed label occurred.
    pub fn require(&self, default: u32, labels: &[&str]) {
        self.print();
        if cases(default) < default {
            return;
        }
        for label in labels {
            assert!(
                self.get(label) > 0,
                "{}: no `{label}` in {}",
                self.name,
                self.text()
            );
        }
    }
}

/// The wrong answers a family finds (refuted passes, false lemmas): each is counted and printed
/// when found, and all fail the test together at the end, so one run lists every one.
pub struct Wrong {
    name: &'static str,
    found: Mutex<Vec<String>>,
}

impl Wrong {
    pub fn new(name: &'static str) -> Wrong {
        Wrong {
            name,
            found: Mutex::new(Vec::new()),
        }
    }

    /// `kind` is the tally label ("REFUTED pass", "FALSE lemma", …); `text` the pair and the
    /// request or lemma that shows it.
    pub fn found(&self, tally: &Tally, kind: &str, text: String) {
        tally.count(kind);
        println!("{} ({}): {text}", kind.to_uppercase(), self.name);
        if let Ok(mut found) = self.found.lock() {
            found.push(text);
        }
    }

    pub fn assert_none(self) {
        let found = self.found.into_inner().unwrap_or_default();
        assert!(
            found.is_empty(),
            "{}: {} refuted passes or false lemmas:\n{}",
            self.name,
            found.len(),
            found.join("\n")
        );
    }
}

/// Counts a check's verdict and returns its label ("pass", "fail", "unknown"): a pass that
/// `refutation` refutes is wrong; a fail's counterexamples lie in the universe (`admitted`),
/// and "fail found by the search" measures the search's reach; an unknown is never an internal
/// error or a replay failure. `refutation` is called once, and only on a pass or a fail.
pub fn tally_verdict(
    tally: &Tally,
    wrong: &Wrong,
    verdict: &keyaki::explain::Verdict,
    text: &str,
    admitted: &dyn Fn(&keyaki::request::Request) -> bool,
    refutation: &dyn Fn() -> Option<String>,
) -> &'static str {
    use keyaki::explain::Verdict;
    let label = match verdict {
        Verdict::Holds => {
            if let Some(request) = refutation() {
                wrong.found(
                    tally,
                    "REFUTED pass",
                    format!("{text}\n  request: {request}"),
                );
            }
            "pass"
        }
        Verdict::Violated(list) => {
            for ce in list {
                assert!(
                    admitted(&ce.request),
                    "counterexample outside the universe: {}\n{text}",
                    serde_json::to_string(&ce.request).unwrap_or_default()
                );
            }
            if refutation().is_some() {
                tally.count("fail found by the search");
            }
            "fail"
        }
        Verdict::Unknown(reason) => {
            let reason = reason.to_string();
            assert!(
                !reason.contains("internal error") && !reason.contains("did not replay"),
                "{reason}\n{text}"
            );
            tally.example("unknown", format!("{reason}\n    {text}"));
            "unknown"
        }
    };
    tally.count(label);
    label
}

/// Choices that never run out, seeded from a case's bytes: for sampling many requests per
/// case (a byte stream would be exhausted after a few requests and every later one would be
/// the all-zero request).
pub struct Seeded(u64);

impl Seeded {
    pub fn from_bytes(data: &[u8]) -> Seeded {
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for b in data {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3);
        }
        Seeded(h)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl super::gen::Choices for Seeded {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }
}

/// A case's universes: the catalog resource universe half the time, the catalog action
/// universe a third (resources chosen first, so a case number names the pair it always did).
pub fn choose_universes(
    c: &mut dyn super::gen::Choices,
) -> (keyaki::ActionUniverse, keyaki::ResourceUniverse) {
    let resources = if c.flip() {
        keyaki::ResourceUniverse::Catalog
    } else {
        keyaki::ResourceUniverse::Open
    };
    let actions = if c.one_in(3) {
        keyaki::ActionUniverse::Catalog
    } else {
        keyaki::ActionUniverse::Open
    };
    (actions, resources)
}

/// Is `r` a request of the chosen universes (the same rule the request parser applies)?
pub fn in_universe(
    actions: keyaki::ActionUniverse,
    resources: keyaki::ResourceUniverse,
    r: &keyaki::request::Request,
) -> bool {
    (actions == keyaki::ActionUniverse::Open
        || keyaki::catalog::catalog().action(&r.action).is_some())
        && keyaki::request::universe::admits(resources, r).is_ok()
}
