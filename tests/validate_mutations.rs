//! A stable-toolchain complement to the `validate` fuzz target: random edits of real policies
//! (characters from the JSON and policy alphabet inserted, deleted, replaced) never make
//! `validate` panic, and every span it reports lies inside the input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::validate::{render, validate_bytes, Filter, PolicyKind, ValidateOptions};
use proptest::prelude::*;
use std::time::Duration;

const SEEDS: [&str; 4] = [
    r#"{"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject", "iam:PassRole"], "Resource": ["arn:aws:s3:::b/*", "*"], "Condition": {"StringLike": {"aws:ResourceTag/t": "*"}, "IpAddress": {"aws:SourceIp": ["10.0.0.1/8"]}}}]}"#,
    r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/*"}}}}"#,
    r#"{"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::${aws:username}:role/x", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": []}, "Null": {"aws:MultiFactorAuthAge": "true"}}}, {"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    r#"{"Version": "2008-10-17", "Id": "x", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": ["sqs:*", "s3:ListBucket"], "Resource": "arn:aws:sqs:us-east-1:<ACCOUNT ID>:q", "Condition": {"NumericLessThan": {"s3:max-keys": ["1", "x"]}, "DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}}]}"#,
];

const ALPHABET: &[u8] = b"{}[]\",:*?$ ${}aAsS3:/-_.0123456789 \n\\";

fn edit(seed: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = seed.as_bytes().to_vec();
    for &(position, what, c) in edits {
        let i = position % (bytes.len() + 1);
        let c = ALPHABET[usize::from(c) % ALPHABET.len()];
        match what % 3 {
            0 if i < bytes.len() => {
                bytes.remove(i);
            }
            1 => bytes.insert(i, c),
            _ if i < bytes.len() => bytes[i] = c,
            _ => bytes.push(c),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn edited_policies_never_panic_and_spans_stay_inside(
        seed in 0usize..SEEDS.len(),
        kind in 0usize..4,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6),
    ) {
        let bytes = edit(SEEDS[seed], &edits);
        let kinds = [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::ServiceControlPolicy, PolicyKind::ResourceControlPolicy];
        let options = ValidateOptions {
            policy_kind: kinds[kind],
            resource_type: (kind == 1).then(|| "AWS::IAM::AssumeRolePolicyDocument".to_string()),
            proofs: true,
            proof_timeout: Duration::from_millis(50),
        };
        let report = validate_bytes(&bytes, "mutated.json", &options);
        for finding in &report.findings {
            for location in &finding.locations {
                prop_assert!(location.span.start.offset <= location.span.end.offset);
                prop_assert!(location.span.end.offset <= bytes.len());
            }
        }
        let _ = render::sarif_report(std::slice::from_ref(&report), &Filter::default());
    }
}
