//! Arbitrary bytes into `keyaki validate` under every policy kind: findings or a
//! JSON_SYNTAX_ERROR, never a panic; every location's span lies inside the input.
#![no_main]

use keyaki::validate::{render, validate_bytes, Filter, PolicyKind, ValidateOptions};
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

fuzz_target!(|data: &[u8]| {
    let kinds = [
        (PolicyKind::Identity, None),
        (PolicyKind::Resource, Some("AWS::IAM::AssumeRolePolicyDocument")),
        (PolicyKind::Resource, Some("AWS::S3::Bucket")),
        (PolicyKind::ServiceControlPolicy, None),
    ];
    // The kind is picked from the input so every kind sees every shape over a run.
    let (kind, resource_type) = kinds[data.first().map_or(0, |b| usize::from(*b) % kinds.len())];
    let options = ValidateOptions {
        policy_kind: kind,
        resource_type: resource_type.map(str::to_string),
        proofs: true,
        proof_timeout: Duration::from_millis(50),
    };
    let report = validate_bytes(data, "fuzz.json", &options);
    for finding in &report.findings {
        for location in &finding.locations {
            assert!(location.span.start.offset <= data.len(), "span start past the input");
            assert!(location.span.end.offset <= data.len(), "span end past the input");
            assert!(location.span.start.offset <= location.span.end.offset, "span ends before it starts");
        }
    }
    let filter = Filter::default();
    let _ = render::text_report(&report, &filter);
    let _ = render::json_report(&report, &filter);
    let _ = render::sarif_report(std::slice::from_ref(&report), &filter);
});
