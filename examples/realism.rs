//! Realism of printed counterexamples on the corpus (`encodings/counterexample-realism.md`):
//! the 100 managed-policy version pairs (`diff`, both directions) and the managed policies
//! checked against every `benches/baselines/*.json` (the scan path: probe, then search).
//!
//! `cargo run --release --example realism -- [--every N] [--show K]` from the crate root:
//! `--every N` checks every N-th managed policy against the baselines (default 1: all),
//! `--show K` prints K counterexamples per failing property.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::eval::{evaluate, Decision};
use keyaki::explain::{check_no_new_access, CheckOptions, Counterexample, Verdict};
use keyaki::model::Policy;
use keyaki::query::resolve_policy_type;
use keyaki::request::realism::{problems, Property};
use keyaki::request::universe::resource_shapes;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Default)]
struct Tally {
    total: usize,
    failing: [usize; 4],
    examples: [Vec<String>; 4],
    replay_failures: usize,
    /// Resources outside the action's catalog shapes (the shape check alone).
    outside_shapes: usize,
}

const PROPERTIES: [(Property, &str); 4] = [
    (Property::Principal, "principal-consistent"),
    (
        Property::Resource,
        "resource in the action's catalog formats (and real partition/region)",
    ),
    (Property::Account, "12-digit accounts"),
    (Property::Readable, "readable values"),
];

impl Tally {
    fn add(
        &mut self,
        label: &str,
        c: &Counterexample,
        proposed: &Policy,
        baseline: &Policy,
        ty: keyaki::PolicyType,
        show: usize,
    ) {
        self.total += 1;
        let p = evaluate(proposed, &c.request, ty).decision;
        let b = evaluate(baseline, &c.request, ty).decision;
        if p != Decision::Allow || b == Decision::Allow {
            self.replay_failures += 1;
        }
        if let Some(resource) = &c.request.resource {
            if !resource_shapes(&c.request.action).admits(resource) {
                self.outside_shapes += 1;
            }
        }
        let found = problems(&c.request);
        for (i, (property, _)) in PROPERTIES.iter().enumerate() {
            let of: Vec<&str> = found
                .iter()
                .filter(|p| p.property == *property)
                .map(|p| p.detail.as_str())
                .collect();
            if !of.is_empty() {
                self.failing[i] += 1;
                if self.examples[i].len() < show {
                    self.examples[i].push(format!(
                        "{label}: {}\n      {}",
                        of.join("; "),
                        serde_json::to_string(&c.request).unwrap_or_default()
                    ));
                }
            }
        }
    }

    fn print(&self, title: &str) {
        println!(
            "== {title}: {} counterexamples, {} replay failures",
            self.total, self.replay_failures
        );
        for (i, (_, name)) in PROPERTIES.iter().enumerate() {
            println!(
                "  {name}: {} of {}",
                self.total - self.failing[i],
                self.total
            );
            for e in &self.examples[i] {
                println!("    - {e}");
            }
        }
        println!(
            "  resource in the action's catalog shapes (shape check alone): {} of {}",
            self.total - self.outside_shapes,
            self.total
        );
    }
}

fn load(path: &Path) -> Option<Policy> {
    let bytes = std::fs::read(path).ok()?;
    keyaki::parse::parse_policy(&bytes, &path.display().to_string()).ok()
}

fn sorted(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let every = flag("--every", 1).max(1);
    let show = flag("--show", 3);
    let corpus = PathBuf::from("../shared/corpus");
    let options = CheckOptions::default();

    // Version pairs: what `keyaki diff` prints.
    let mut versions = Tally::default();
    for dir in sorted(&corpus.join("managed-policy-versions")) {
        let (Some(old), Some(new)) = (load(&dir.join("old.json")), load(&dir.join("new.json")))
        else {
            continue;
        };
        let ty = resolve_policy_type(None, &[&old, &new]);
        let options = CheckOptions {
            policy_type: ty,
            ..options.clone()
        };
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for (proposed, baseline, way) in [(&new, &old, "widened"), (&old, &new, "narrowed")] {
            if let Verdict::Violated(list) = check_no_new_access(proposed, baseline, &options) {
                for c in &list {
                    versions.add(&format!("{name} {way}"), c, proposed, baseline, ty, show);
                }
            }
        }
    }
    versions.print("version pairs (diff)");

    // Managed policies against the baselines: what `keyaki scan` prints.
    let policies: Vec<(String, Policy)> = sorted(&corpus.join("aws-managed-policies/policies"))
        .into_iter()
        .step_by(every)
        .filter_map(|p| Some((p.file_name()?.to_string_lossy().to_string(), load(&p)?)))
        .collect();
    let mut all = Tally::default();
    for path in sorted(Path::new("benches/baselines")) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Some(baseline) = load(&path) else {
            continue;
        };
        let base = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let started = std::time::Instant::now();
        let found: Vec<(String, Policy, keyaki::PolicyType, Vec<Counterexample>)> = policies
            .par_iter()
            .filter_map(|(name, policy)| {
                let ty = resolve_policy_type(None, &[policy, &baseline]);
                let options = CheckOptions {
                    policy_type: ty,
                    ..options.clone()
                };
                match keyaki::scan::check_deterministic(policy, &baseline, &options) {
                    Verdict::Violated(list) => Some((name.clone(), policy.clone(), ty, list)),
                    _ => None,
                }
            })
            .collect();
        let seconds = started.elapsed().as_secs_f64();
        let mut tally = Tally::default();
        for (name, policy, ty, list) in &found {
            for c in list {
                tally.add(
                    &format!("{name} vs {base}"),
                    c,
                    policy,
                    &baseline,
                    *ty,
                    show,
                );
                all.add(&format!("{name} vs {base}"), c, policy, &baseline, *ty, 0);
            }
        }
        tally.print(&format!("managed policies vs {base} ({seconds:.2} s wall)"));
    }
    all.print("managed policies vs every baseline");
}
