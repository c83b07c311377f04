//! The corpus workloads: which (proposed, baseline) pairs each one checks.

use keyaki::eval::PolicyType;
use keyaki::model::Policy;
pub use keyaki::query::resolve_policy_type as resolve_type;
use std::path::{Path, PathBuf};

/// The broad baseline of the `baseline` workload: everything except identity, organization and
/// account administration — the shape of a "power user" guardrail.
pub const BROAD_BASELINE: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Sid": "NoAdministration", "Effect": "Deny",
     "Action": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}
  ]
}"#;

/// One comparison: does `proposed` allow anything `baseline` does not?
pub struct Job {
    pub label: String,
    pub proposed: Policy,
    pub baseline: Policy,
    pub policy_type: PolicyType,
}

/// Loaded jobs plus the files that did not parse.
#[derive(Default)]
pub struct Workload {
    pub jobs: Vec<Job>,
    pub invalid: Vec<String>,
}

impl Workload {
    pub fn load(&mut self, path: &Path) -> Option<Policy> {
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
    pub fn both_ways(&mut self, label: &str, a: &Path, b: &Path, ty: Option<PolicyType>) {
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

pub fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

pub fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

pub fn is_json(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|x| x == "json")
}

pub fn versions(corpus: &Path) -> Workload {
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

pub fn managed_policies(corpus: &Path) -> Vec<PathBuf> {
    sorted_entries(&corpus.join("aws-managed-policies/policies"))
        .into_iter()
        .filter(|p| is_json(p))
        .collect()
}

pub fn against_baseline(corpus: &Path) -> Workload {
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

pub fn against_itself(corpus: &Path) -> Workload {
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

pub fn access_analyzer(corpus: &Path) -> Workload {
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
pub fn quacky(corpus: &Path) -> Workload {
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
