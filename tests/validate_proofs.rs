//! Keyaki's own validate findings, each tested both ways (one policy that must raise it, one
//! close variant that must not); example requests are replayed through the evaluator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::validate::{validate_bytes, Finding, PolicyKind, ValidateOptions, KEYAKI_CODES};
use std::time::Duration;

fn p(statements: &str) -> String {
    format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#)
}

fn findings(json: &str) -> Vec<Finding> {
    findings_with(
        json,
        ValidateOptions {
            proof_timeout: Duration::from_secs(5),
            ..ValidateOptions::default()
        },
    )
}

fn findings_with(json: &str, options: ValidateOptions) -> Vec<Finding> {
    validate_bytes(json.as_bytes(), "case.json", &options).findings
}

fn has(findings: &[Finding], code: &str) -> bool {
    findings.iter().any(|f| f.issue_code == code)
}

fn one<'a>(findings: &'a [Finding], code: &str) -> &'a Finding {
    findings
        .iter()
        .find(|f| f.issue_code == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"))
}

/// Replays a finding's example request through the evaluator on `policy`.
fn replay(policy: &str, finding: &Finding) -> Decision {
    let example = finding
        .example_requests
        .first()
        .unwrap_or_else(|| panic!("no example request in {finding:#?}"));
    let request =
        keyaki::parse::parse_request(example.request.to_string().as_bytes(), "example.json")
            .unwrap();
    let policy = keyaki::parse::parse_policy(policy.as_bytes(), "case.json").unwrap();
    evaluate(&policy, &request, PolicyType::Identity).decision
}

const GET: &str =
    r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#;

#[test]
fn unsatisfiable_statement_both_ways() {
    let contradictory = p(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}, "StringNotEquals": {"aws:PrincipalTag/team": "a"}}}"#,
    );
    let f = findings(&contradictory);
    assert!(has(&f, "unsatisfiable-statement"), "{f:#?}");
    let fine = contradictory.replace(
        r#""StringNotEquals": {"aws:PrincipalTag/team": "a"}"#,
        r#""StringNotEquals": {"aws:PrincipalTag/team": "b"}"#,
    );
    assert!(!has(&findings(&fine), "unsatisfiable-statement"));
}

#[test]
fn redundant_statement_both_ways_with_a_replayed_example() {
    let policy = p(&format!(
        r#"{{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}, {GET}"#
    ));
    let f = findings(&policy);
    let finding = one(&f, "redundant-statement");
    assert_eq!(finding.locations[0].statement_index(), Some(1));
    assert_eq!(replay(&policy, finding), Decision::Allow);
    let not_redundant = p(&format!(
        r#"{{"Effect": "Allow", "Action": "s3:List*", "Resource": "*"}}, {GET}"#
    ));
    assert!(!has(&findings(&not_redundant), "redundant-statement"));
}

#[test]
fn twin_statements_report_only_the_second_as_redundant() {
    let policy = p(&format!(
        r#"{GET}, {}"#,
        GET.replace("\"Effect\"", "\"Sid\": \"Twin\", \"Effect\"")
    ));
    let f = findings(&policy);
    let redundant: Vec<_> = f
        .iter()
        .filter(|x| x.issue_code == "redundant-statement")
        .collect();
    assert_eq!(redundant.len(), 1, "{f:#?}");
    assert_eq!(redundant[0].locations[0].statement_index(), Some(1));
}

#[test]
fn allow_overridden_by_deny_both_ways_with_a_replayed_example() {
    let policy = p(&format!(
        r#"{GET}, {{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}}"#
    ));
    let f = findings(&policy);
    let finding = one(&f, "allow-overridden-by-deny");
    assert_eq!(replay(&policy, finding), Decision::ExplicitDeny);
    let partly = p(&format!(
        r#"{GET}, {{"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"}}"#
    ));
    assert!(!has(&findings(&partly), "allow-overridden-by-deny"));
}

#[test]
fn not_action_granting_many_actions_both_ways() {
    let broad = p(r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}"#);
    let f = findings(&broad);
    let finding = one(&f, "not-element-grants-many-actions");
    assert!(finding.catalog_date.is_some());
    assert_eq!(replay(&broad, finding), Decision::Allow);
    let deny = p(r#"{"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}"#);
    assert!(!has(&findings(&deny), "not-element-grants-many-actions"));
}

#[test]
fn action_typo_both_ways() {
    let f = findings(&p(
        r#"{"Effect": "Allow", "Action": "s3:GetObjects", "Resource": "arn:aws:s3:::b/*"}"#,
    ));
    let typo = one(&f, "action-typo");
    assert!(
        typo.finding_details.contains("s3:GetObject?"),
        "{}",
        typo.finding_details
    );
    assert!(typo.catalog_date.is_some());
    // Unknown, but nothing close: INVALID_ACTION only.
    let f = findings(&p(
        r#"{"Effect": "Allow", "Action": "s3:Teleport", "Resource": "*"}"#,
    ));
    assert!(has(&f, "INVALID_ACTION") && !has(&f, "action-typo"));
}

#[test]
fn resource_matching_no_action_both_ways() {
    let bucket_arn =
        p(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}"#);
    assert!(has(&findings(&bucket_arn), "resource-matches-no-action"));
    assert!(!has(&findings(&p(GET)), "resource-matches-no-action"));
}

#[test]
fn action_matching_no_resource_both_ways() {
    let list_on_objects = p(
        r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "arn:aws:s3:::b/*"}"#,
    );
    let f = findings(&list_on_objects);
    let finding = one(&f, "action-matches-no-resource");
    assert!(finding.finding_details.contains("s3:ListBucket"));
    let both = list_on_objects.replace(
        r#""arn:aws:s3:::b/*""#,
        r#"["arn:aws:s3:::b/*", "arn:aws:s3:::b"]"#,
    );
    assert!(!has(&findings(&both), "action-matches-no-resource"));
}

#[test]
fn retired_service_both_ways() {
    let f = findings(&p(
        r#"{"Effect": "Allow", "Action": "deepracer:ListModels", "Resource": "*"}"#,
    ));
    assert!(has(&f, "retired-service") && !has(&f, "INVALID_SERVICE_IN_ACTION"));
    let f = findings(&p(
        r#"{"Effect": "Allow", "Action": "nosuchservice:ListModels", "Resource": "*"}"#,
    ));
    assert!(!has(&f, "retired-service") && has(&f, "INVALID_SERVICE_IN_ACTION"));
}

#[test]
fn an_unknown_from_the_prover_is_reported_and_never_a_claim() {
    let contradictory = p(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
        "Condition": {"StringEquals": {"aws:PrincipalTag/team": "a"}, "StringNotEquals": {"aws:PrincipalTag/team": "a"}}}"#,
    );
    let f = findings_with(
        &contradictory,
        ValidateOptions {
            proof_timeout: Duration::from_nanos(1),
            ..ValidateOptions::default()
        },
    );
    assert!(has(&f, "could-not-decide"), "{f:#?}");
    assert!(!has(&f, "unsatisfiable-statement"));
    // With a budget, the same policy is decided.
    assert!(!has(&findings(&contradictory), "could-not-decide"));
}

#[test]
fn proofs_are_skipped_with_the_reason_only_when_nothing_else_explains_it() {
    // An unknown statement element is an Access Analyzer ERROR: no extra proofs-skipped finding.
    let f = findings(&p(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Extra": 1}"#,
    ));
    assert!(has(&f, "INVALID_POLICY_ELEMENT") && !has(&f, "proofs-skipped"));
    assert!(!has(&findings(&p(GET)), "proofs-skipped"));
}

#[test]
fn every_keyaki_code_is_kebab_case_and_documented_in_the_readme() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (code, _, _) in KEYAKI_CODES {
        assert!(
            code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{code}"
        );
        assert!(
            readme.contains(&format!("`{code}`")),
            "README does not document {code}"
        );
    }
}

#[test]
fn policy_kinds_and_resource_types_change_the_rules() {
    let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}"#;
    let as_trust = ValidateOptions {
        policy_kind: PolicyKind::Resource,
        resource_type: Some("AWS::IAM::AssumeRolePolicyDocument".into()),
        ..ValidateOptions::default()
    };
    let f = findings_with(trust, as_trust);
    assert!(
        has(&f, "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL")
            && !has(&f, "MISSING_RESOURCE")
    );
    let f = findings_with(
        trust,
        ValidateOptions {
            policy_kind: PolicyKind::Resource,
            ..ValidateOptions::default()
        },
    );
    assert!(
        !has(&f, "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL")
            && has(&f, "MISSING_RESOURCE")
    );
}
