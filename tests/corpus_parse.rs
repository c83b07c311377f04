//! Every policy document in the shared corpus parses, except the files AWS itself would reject
//! (invalid JSON, placeholders, documented mistakes), which must fail with a located error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::parse::{parse_json, parse_policy};
use std::path::{Path, PathBuf};

/// Corpus files AWS itself would reject, each with a fragment of the error we must give.
/// Every entry is explained in `encodings/parsing.md`.
const EXPECTED_REJECTIONS: &[(&str, &str)] = &[
    // Invalid JSON upstream (a `//` comment inside an array).
    (
        "org-policies/service-control-policy-examples/Service-specific-controls/AWS-IAM/deny-service-specific-credential-by-type.json",
        "unexpected character `/`",
    ),
    // The IAM troubleshooting page's examples of what *not* to write.
    (
        "aws-docs-example-policies/iam-user-guide/identity/troubleshoot_policies__9.json",
        "duplicate key `Statement`",
    ),
    (
        "aws-docs-example-policies/iam-user-guide/identity/troubleshoot_policies__11.json",
        "duplicate key `Effect`",
    ),
    // Placeholders left for the reader to fill in.
    (
        "aws-docs-example-policies/amazon-s3-userguide/resource/olap-policies__0.json",
        "AWS principal `account-ARN`",
    ),
    (
        "aws-docs-example-policies/iam-user-guide/trust/confused-deputy__0.json",
        "AWS principal `Example Corp's AWS Account ID`",
    ),
    (
        "aws-docs-example-policies/iam-user-guide/trust/id_credentials_mfa_configure-api-require__0.json",
        "AWS principal `ACCOUNT-B-ID`",
    ),
    (
        "real-user-policies/resource/thibeault+lambda-slack-birthday-bot__key-policy.json",
        "AWS principal `<YOUR ADMIN USER ARN>`",
    ),
    (
        "org-policies/data-perimeter-policy-examples/vpc_endpoint_policies/s3_endpoint_policy.json",
        "action `<action>`",
    ),
    (
        "org-policies/resource-control-policy-examples/Service-specific-controls/S3-Prevent-long-term-presigned-url.json",
        "`[MAX_SIGNATURE_AGE_IN_MILLISECONDS]` is not a decimal number",
    ),
    (
        "org-policies/data-perimeter-policy-examples/resource_control_policies/network_perimeter_sourcevpc_rcp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/resource_control_policies/network_perimeter_vpceorgid_rcp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/resource_control_policies/service_specific_controls/api_gateway_policy.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/resource_control_policies/service_specific_controls/sns_topic_policy.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/network_perimeter_sourcevpc_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/network_perimeter_vpceorgid_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/service_specific_controls/network_perimeter_ec2_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/service_specific_controls/network_perimeter_glue_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/service_specific_controls/network_perimeter_iam_users_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/data-perimeter-policy-examples/service_control_policies/service_specific_controls/network_perimeter_lambda_scp.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    (
        "org-policies/service-control-policy-examples/Protect-cloud-platform-resource/Deny-use-of-IAM-user-credentials-from-unexpected-networks.json",
        "`<my-corporate-cidr>` is not an IP address",
    ),
    // Typos in the documentation: an IAM ARN with one `:` too few, a leading space.
    (
        "aws-docs-example-policies/amazon-sns-developer-guide/resource/sns-vpc-endpoint-policy__0.json",
        "AWS principal `arn:aws:iam:123456789012:user/MyUser`",
    ),
    (
        "aws-docs-example-policies/amazon-sqs-developer-guide/resource/sqs-internetwork-traffic-privacy__0.json",
        "AWS principal `arn:aws:iam:123456789012:user/MyUser`",
    ),
    (
        "aws-docs-example-policies/iam-user-guide/trust/reference_policies_iam-condition-keys__10.json",
        "AWS principal ` arn:aws:iam::111122223333:user/AdminUser`",
    ),
    // Wrong-case operator: IAM answers `Invalid Condition type` for these.
    (
        "org-policies/resource-control-policy-examples/Service-specific-controls/STS-protect-IAMRA-session-tags.json",
        "did you mean `ForAnyValue:StringLike`?",
    ),
    // Synthetic quacky samples with a Principal written as a bare array.
    (
        "quacky/samples/manual_s3/exp_single/s3_allow_notprincipal/policy.json",
        "`NotPrincipal` must be",
    ),
    (
        "quacky/samples/manual_s3/exp_single/s3_allow_principals/policy.json",
        "`Principal` must be",
    ),
    (
        "quacky/samples/manual_s3/exp_single/s3_allow_pstar/policy.json",
        "`Principal` must be",
    ),
];

/// Files and folders that hold data about policies rather than policy documents.
fn is_non_policy(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    relative.starts_with("formats/")
        || relative.starts_with("aws-service-catalog/")
        || relative.contains("access-analyzer-findings/")
        || matches!(
            name,
            "manifest.json" | "cases.json" | "index.json" | "meta.json" | "FEATURES.json"
        )
        || name.starts_with('_')
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

#[test]
fn corpus_policies_parse() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        println!("SKIPPED: ../shared/corpus not found");
        return;
    }
    let mut files = Vec::new();
    json_files(&corpus, &mut files);
    files.sort();
    let mut parsed = 0usize;
    let mut failures = Vec::new();
    let mut rejected = Vec::new();
    for path in &files {
        let relative = path
            .strip_prefix(&corpus)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if is_non_policy(&relative) {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        let result = parse_policy(&bytes, &relative);
        if let Some((_, fragment)) = EXPECTED_REJECTIONS.iter().find(|(p, _)| *p == relative) {
            let err = result.expect_err("an expected rejection parsed");
            assert!(
                err.message.contains(fragment),
                "{relative}: wrong error: {err}"
            );
            assert!(
                err.line > 1 && err.col > 1 && err.path != "(root)",
                "unlocated error: {err}"
            );
            rejected.push(relative);
            continue;
        }
        // Only policy documents count: a top-level object with a Statement.
        let is_policy = parse_json(&bytes, &relative)
            .map(|json| json.get("Statement").is_some())
            .unwrap_or(true);
        if !is_policy {
            continue;
        }
        match result {
            Ok(_) => parsed += 1,
            Err(err) => failures.push(err.to_string()),
        }
    }
    println!("parsed {parsed} corpus policies");
    println!("rejected {} corpus files as expected", rejected.len());
    for (path, _) in EXPECTED_REJECTIONS {
        assert!(
            rejected.iter().any(|r| r == path),
            "{path} is missing from the corpus"
        );
    }
    assert!(
        failures.is_empty(),
        "{} corpus policies failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(parsed > 3000, "only {parsed} policies found");
}
