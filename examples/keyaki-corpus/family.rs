//! The `baselines` workload: the 1,523 managed policies against every organization baseline of
//! the family in `benches/baselines/` and against seeded generated ones, one workload each.

use crate::generate;
use crate::workloads::{is_json, managed_policies, resolve_type, sorted_entries, Job, Workload};
use keyaki::model::Policy;
use std::path::{Path, PathBuf};

/// A named baseline, parsed.
pub struct Baseline {
    pub name: String,
    pub policy: Policy,
}

/// The family's files (sorted) and then `generated` baselines of `seed`; errors name the file.
pub fn family(dir: &Path, generated: usize, seed: u64) -> Result<Vec<Baseline>, String> {
    let mut out = Vec::new();
    let files: Vec<PathBuf> = sorted_entries(dir)
        .into_iter()
        .filter(|p| is_json(p))
        .collect();
    if files.is_empty() && generated == 0 {
        return Err(format!("{}: no baseline files", dir.display()));
    }
    for path in files {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let policy = keyaki::parse::parse_policy(&bytes, &path.display().to_string())
            .map_err(|e| e.to_string())?;
        out.push(Baseline { name, policy });
    }
    for index in 0..generated {
        let (name, text) = generate::baseline(seed, index);
        let policy = keyaki::parse::parse_policy(text.as_bytes(), &name)
            .map_err(|e| format!("generated baseline {name} does not parse: {e}\n{text}"))?;
        out.push(Baseline { name, policy });
    }
    Ok(out)
}

/// The managed policies, parsed once; the files that do not parse are listed.
pub fn estate(corpus: &Path) -> (Vec<(String, Policy)>, Vec<String>) {
    let mut loader = Workload::default();
    let mut policies = Vec::new();
    for path in managed_policies(corpus) {
        if let Some(p) = loader.load(&path) {
            let label = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            policies.push((label, p));
        }
    }
    (policies, loader.invalid)
}

/// The estate against one baseline.
pub fn against(estate: &[(String, Policy)], invalid: &[String], baseline: &Baseline) -> Workload {
    let jobs = estate
        .iter()
        .map(|(label, p)| Job {
            label: label.clone(),
            policy_type: resolve_type(None, &[p, &baseline.policy]),
            proposed: p.clone(),
            baseline: baseline.policy.clone(),
        })
        .collect();
    Workload {
        jobs,
        invalid: invalid.to_vec(),
    }
}
