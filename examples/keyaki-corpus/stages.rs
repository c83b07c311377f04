//! `--breakdown`: where one query's time goes (encode, lemmas, first solve), from extra runs.

use crate::workloads::Job;
use keyaki::encode::{add_domain_lemmas, Encoder, Query};
use keyaki::explain::CheckOptions;
use keyaki::solve::{Backend, Z3Backend};
use std::time::{Duration, Instant};

/// Stage timings of one query, from separate runs of each stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stages {
    pub encode: Duration,
    pub lemmas: Duration,
    pub first_solve: Duration,
    pub atoms: usize,
    pub lemma_count: usize,
}

pub fn stages(job: &Job, options: &CheckOptions) -> Stages {
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
