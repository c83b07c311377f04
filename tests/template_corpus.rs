//! Every policy in the shared corpus's 26 CloudFormation templates and 12 Terraform plans is
//! extracted as its manifest lists, or refused with a named reason; every extracted policy
//! parses (or is `unknown` with the value named).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::template::{extract, Extraction, ResolveOptions};
use std::collections::BTreeSet;

fn load(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The entries of `dir/manifest.json` for the files under `folder`, each with its file name and
/// what `extract` finds in it.
fn manifest_extractions(
    dir: &std::path::Path,
    folder: &str,
) -> Vec<(serde_json::Value, String, Extraction)> {
    let manifest = load(&dir.join("manifest.json"));
    let mut out = Vec::new();
    for entry in manifest.as_array().unwrap() {
        let Some(file) = entry["file"].as_str().filter(|f| f.starts_with(folder)) else {
            continue;
        };
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let extraction = match extract(&bytes, file, &ResolveOptions::default()) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        out.push((entry.clone(), file.to_string(), extraction));
    }
    out
}

#[test]
fn cloudformation_templates_yield_their_manifest_policies() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let templates = manifest_extractions(&corpus.join("formats/cloudformation"), "templates/");
    let mut report = Vec::new();
    for (entry, file, extraction) in &templates {
        let found: BTreeSet<String> = extraction
            .policies
            .iter()
            .map(|p| p.origin.clone())
            .collect();
        let refused: BTreeSet<String> = extraction
            .refusals
            .iter()
            .map(|r| r.origin.clone())
            .collect();
        let whole_template_refused = refused.contains("(template)");
        for resource in entry["policy_resources"].as_array().unwrap() {
            let logical = resource["logicalId"].as_str().unwrap();
            let kind = resource["type"].as_str().unwrap();
            let props: Vec<&str> = resource["policy_props"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p.as_str())
                .collect();
            if whole_template_refused || refused.contains(logical) {
                continue;
            }
            if found.contains(logical) {
                // Each listed property appears in some extracted path.
                for prop in &props {
                    let seen = extraction
                        .policies
                        .iter()
                        .any(|p| p.origin == logical && p.path.contains(prop));
                    let noted = extraction.notes.iter().any(|n| n.starts_with(logical));
                    assert!(
                        seen || noted || kind == "AWS::Lambda::Permission",
                        "{file}: {logical} {prop} not extracted"
                    );
                }
                continue;
            }
            let noted = extraction.notes.iter().any(|n| n.starts_with(logical));
            assert!(
                noted,
                "{file}: {logical} ({kind}) neither extracted, refused nor noted"
            );
        }
        for refusal in &extraction.refusals {
            assert!(
                !refusal.reason.is_empty(),
                "{file}: {} refused without a reason",
                refusal.origin
            );
        }
        for policy in &extraction.policies {
            let status = match policy.unsupported_unknown() {
                Some(reason) => format!("unknown: {reason}"),
                None => {
                    let text = keyaki::template::to_value(&policy.document).to_string();
                    match keyaki::parse::parse_policy(text.as_bytes(), &policy.name()) {
                        Ok(_) => "ok".into(),
                        Err(e) => format!("invalid: {e}"),
                    }
                }
            };
            report.push(format!("{file} {} -> {status}", policy.name()));
        }
        for refusal in &extraction.refusals {
            report.push(format!(
                "{file} {} {} REFUSED {}",
                refusal.origin, refusal.path, refusal.reason
            ));
        }
    }
    assert_eq!(templates.len(), 26);
    for line in &report {
        println!("{line}");
    }
}

#[test]
fn terraform_plans_yield_their_manifest_policies() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let plans = manifest_extractions(&corpus.join("formats/terraform-plan"), "plans/");
    for (entry, file, extraction) in &plans {
        for change in entry["resource_changes"].as_array().unwrap() {
            let address = change["address"].as_str().unwrap();
            if address.contains("data.") {
                continue;
            }
            for (attribute, state) in change["policy_attrs"].as_object().unwrap() {
                let state = state.as_str().unwrap_or("");
                let extracted = extraction
                    .policies
                    .iter()
                    .any(|p| p.origin == address && p.path.starts_with(attribute.as_str()));
                let refused = extraction
                    .refusals
                    .iter()
                    .any(|r| r.origin == address && r.path.starts_with(attribute.as_str()));
                let noted = extraction
                    .notes
                    .iter()
                    .any(|n| n.starts_with(&format!("{address} {attribute}")));
                if state.starts_with("known") || state.starts_with("list of") {
                    assert!(
                        extracted,
                        "{file}: {address} {attribute} ({state}) not extracted"
                    );
                } else if state.starts_with("UNKNOWN") {
                    assert!(extracted || refused || noted, "{file}: {address} {attribute} unknown but neither extracted, refused nor noted");
                }
            }
        }
        for policy in &extraction.policies {
            let text = keyaki::template::to_value(&policy.document).to_string();
            let status = match keyaki::parse::parse_policy(text.as_bytes(), &policy.name()) {
                Ok(_) => "ok".to_string(),
                Err(e) => format!("invalid: {e}"),
            };
            println!("{file} {} -> {status}", policy.name());
        }
        for refusal in &extraction.refusals {
            println!(
                "{file} {} {} REFUSED {}",
                refusal.origin, refusal.path, refusal.reason
            );
        }
        for note in &extraction.notes {
            println!("{file} note: {note}");
        }
    }
    assert_eq!(plans.len(), 12);
}

/// A small deterministic mutation run over every corpus template and plan (truncations, byte
/// replacements, inserted YAML/JSON punctuation): the readers return Ok or Err, never panic.
/// The coverage-guided run is `fuzz/fuzz_targets/read_template.rs`.
#[test]
fn mutated_templates_and_plans_never_panic() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let files = common::corpus_templates_and_plans(&corpus);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let inserts: [&[u8]; 8] = [
        b"!Ref ", b"{", b"]", b"\n  - ", b"${", b"\"", b": !If [", b"\xff",
    ];
    let mut runs = 0;
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        for _ in 0..60 {
            let mut mutated = bytes.clone();
            let at = (next() as usize) % mutated.len().max(1);
            match next() % 3 {
                0 => mutated.truncate(at),
                1 => mutated[at] = (next() % 256) as u8,
                _ => {
                    let insert = inserts[(next() as usize) % inserts.len()];
                    mutated.splice(at..at, insert.iter().copied());
                }
            }
            if let Ok(extraction) = extract(&mutated, "mutated", &ResolveOptions::default()) {
                for policy in &extraction.policies {
                    let _ = keyaki::template::analysis::prepare(policy);
                }
            }
            runs += 1;
        }
    }
    assert_eq!(runs, files.len() * 60);
    println!("{runs} mutated inputs read without a panic");
}
