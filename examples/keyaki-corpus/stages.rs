//! `--breakdown`: where one query's time goes (probe, encode with lemmas, first solve), from
//! extra runs of each stage of the pipeline `scan` runs.

use crate::workloads::Job;
use keyaki::explain::{probe_counterexamples, CheckOptions};
use keyaki::solve::{Backend, Z3Backend};
use std::time::{Duration, Instant};

/// Stage timings of one query, from separate runs of each stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stages {
    /// The solver-free probe (`explain::probe_counterexamples`).
    pub probe: Duration,
    /// Did the probe answer (a replayed counterexample, no formula built)?
    pub probe_hit: bool,
    /// Pruning, slicing, encoding and lemma generation (`verify_no_new_access_until`).
    pub encode: Duration,
    /// A fresh z3 context, lowering, and the first check.
    pub first_solve: Duration,
    pub atoms: usize,
    pub lemma_count: usize,
}

pub fn stages(job: &Job, options: &CheckOptions) -> Stages {
    let mut s = Stages::default();
    let t = Instant::now();
    s.probe_hit = probe_counterexamples(&job.proposed, &job.baseline, options).is_some();
    s.probe = t.elapsed();
    if s.probe_hit {
        return s;
    }
    let t = Instant::now();
    let Ok(query) = keyaki::encode::verify_no_new_access_until(
        &job.proposed,
        &job.baseline,
        job.policy_type,
        options.prune,
        None,
    ) else {
        return s;
    };
    s.encode = t.elapsed();
    s.atoms = query.atoms.len();
    s.lemma_count = query.lemmas.len();
    let t = Instant::now();
    z3::with_z3_config(&z3::Config::new(), || {
        let mut backend = Z3Backend::for_query(&query, options.timeout);
        for term in query.lemmas.iter().chain(&query.assertions) {
            backend.assert(&query, term);
        }
        let _ = backend.check(&query);
    });
    s.first_solve = t.elapsed();
    s
}
