//! "The meaning of public" (S3 user guide, Block Public Access): the guide's own example
//! policies, and both sides of every rule on that page, through `access::find`.
//! The decision is written down in `encodings/public-access.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::access::public::extra_pinning_keys;
use keyaki::access::{find, Findings, Target};
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::CheckOptions;
use keyaki::request::Principal;

fn findings_for(
    statements: &str,
    resource_type: Option<&str>,
) -> (keyaki::model::Policy, Findings) {
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    let policy = keyaki::parse::parse_policy(text.as_bytes(), "test.json").unwrap();
    let target = Target::Public {
        extra_keys: extra_pinning_keys(resource_type)
            .iter()
            .map(|k| k.to_string())
            .collect(),
    };
    let result = find(
        &policy,
        &target,
        &CheckOptions::default(),
        PolicyType::Resource,
    );
    (policy, result)
}

/// Public: at least one finding, every example replays with Allow, and the prover finished.
fn assert_public(statements: &str, resource_type: Option<&str>) -> Findings {
    let (policy, result) = findings_for(statements, resource_type);
    assert_eq!(result.unknown, None, "{statements}");
    assert!(
        !result.findings.is_empty(),
        "should be public: {statements}"
    );
    for f in &result.findings {
        assert_eq!(f.kind.as_str(), "public");
        let replay = evaluate(&policy, &f.request, PolicyType::Resource);
        assert_eq!(replay.decision, Decision::Allow, "{:?}", f.request);
    }
    result
}

/// Not public: a proof (no finding, no unknown).
fn assert_not_public(statements: &str, resource_type: Option<&str>) {
    let (_, result) = findings_for(statements, resource_type);
    assert_eq!(result.unknown, None, "{statements}");
    assert!(
        result.findings.is_empty(),
        "should not be public: {statements}\n{:?}",
        result.findings.first().map(|f| &f.request)
    );
}

fn put_object(principal: &str, condition: &str) -> String {
    format!(
        r#"{{"Principal":{principal},"Resource":"*","Action":"s3:PutObject","Effect":"Allow"{}}}"#,
        if condition.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{condition}"#)
        }
    )
}

// The guide's "Example: Public bucket policies", one by one.

#[test]
fn a_grant_to_a_federated_provider_is_public() {
    let result = assert_public(
        &put_object(r#"{"Federated":"graph.facebook.com"}"#, ""),
        None,
    );
    // The example is a caller the provider authenticated: nothing else gets in.
    assert!(result
        .findings
        .iter()
        .all(|f| f.request.principal == Principal::Federated("graph.facebook.com".into())));
}

#[test]
fn web_identity_providers_are_public_and_the_accounts_own_saml_provider_is_not() {
    for provider in [
        "accounts.google.com",
        "www.amazon.com",
        "cognito-identity.amazonaws.com",
    ] {
        assert_public(
            &put_object(&format!(r#"{{"Federated":"{provider}"}}"#), ""),
            None,
        );
    }
    assert_not_public(
        &put_object(
            r#"{"Federated":"arn:aws:iam::111122223333:saml-provider/Corp"}"#,
            "",
        ),
        None,
    );
}

fn github_trust(condition: &str) -> String {
    format!(
        r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{{condition}}}}}"#
    )
}

#[test]
fn an_oidc_issuer_is_fixed_only_by_a_fixed_subject() {
    let aud = r#""StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}"#;
    // Any GitHub workflow can get a token with this audience.
    assert_public(&github_trust(aud), Some("AWS::IAM::Role"));
    let result = assert_public(
        &github_trust(
            r#""StringLike":{"token.actions.githubusercontent.com:sub":"repo:octo-org/*"}"#,
        ),
        Some("AWS::IAM::Role"),
    );
    assert!(matches!(
        result.findings[0].request.principal,
        Principal::Federated(_)
    ));
    assert_not_public(
        &github_trust(
            r#""StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:octo-org/app:ref:refs/heads/main"}"#,
        ),
        Some("AWS::IAM::Role"),
    );
}

#[test]
fn a_federated_grant_pinned_by_a_fixed_value_is_not_public() {
    assert_not_public(
        &put_object(
            r#"{"Federated":"graph.facebook.com"}"#,
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
        ),
        None,
    );
}

#[test]
fn a_grant_to_everyone_is_public() {
    assert_public(&put_object(r#""*""#, ""), None);
}

#[test]
fn a_wildcard_vpc_is_public_and_a_fixed_vpc_is_not() {
    assert_public(
        &put_object(r#""*""#, r#"{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#),
        None,
    );
    assert_not_public(
        &put_object(
            r#""*""#,
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
        ),
        None,
    );
    // An ignore-case comparison is a fixed value too (one value up to case).
    assert_not_public(
        &put_object(
            r#""*""#,
            r#"{"StringEqualsIgnoreCase":{"aws:SourceVpc":"vpc-91237329"}}"#,
        ),
        None,
    );
}

// aws:SourceIp: "values broader than /8 for IPv4 and /32 for IPv6 (excluding RFC1918 private
// ranges)" are public.

fn source_ip(cidrs: &str) -> String {
    put_object(
        r#""*""#,
        &format!(r#"{{"IpAddress":{{"aws:SourceIp":{cidrs}}}}}"#),
    )
}

#[test]
fn source_ip_ranges_broader_than_slash_8_or_slash_32_are_public() {
    for cidrs in [
        r#""0.0.0.0/1""#,
        r#""64.0.0.0/7""#,
        r#""2001:db8::/31""#,
        r#""::/1""#,
        // One broad range among narrow ones still lets the public in.
        r#"["203.0.113.0/24","128.0.0.0/2"]"#,
        // IPv4-mapped IPv6 is judged as the IPv4 range it maps.
        r#""::ffff:0.0.0.0/100""#,
    ] {
        let result = assert_public(&source_ip(cidrs), None);
        let context = &result.findings[0].request.context;
        let ip = context.get("aws:sourceip").map(|v| v.values.clone());
        assert!(
            ip.is_some_and(|v| v.len() == 1),
            "{cidrs}: the example carries the address"
        );
    }
}

#[test]
fn source_ip_ranges_of_slash_8_or_narrower_are_not_public() {
    for cidrs in [
        r#""8.0.0.0/8""#,
        r#""10.0.0.0/8""#,
        r#""172.16.0.0/12""#,
        r#""192.168.0.0/16""#,
        r#""203.0.113.7/32""#,
        r#""2001:db8::/32""#,
        r#""2001:db8:1234::/48""#,
        r#"["203.0.113.0/24","2001:db8::/32","10.0.0.0/8"]"#,
        r#""::ffff:10.0.0.0/104""#,
    ] {
        assert_not_public(&source_ip(cidrs), None);
    }
}

#[test]
fn a_deny_outside_a_narrow_range_makes_an_open_grant_not_public_and_a_broad_one_does_not() {
    let deny = |cidr: &str| {
        format!(
            r#"{},{{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{{"NotIpAddress":{{"aws:SourceIp":"{cidr}"}}}}}}"#,
            put_object(r#""*""#, "")
        )
    };
    assert_not_public(&deny("198.51.100.0/24"), None);
    assert_public(&deny("0.0.0.0/1"), None);
}

// "Fixed values (values that don't contain a wildcard or a policy variable)" of the keys the
// guide lists, both directions.

#[test]
fn fixed_values_of_the_listed_keys_are_not_public_and_patterns_are() {
    let cases = [
        ("StringEquals", "aws:SourceVpce", "vpce-1a2b3c4d", "vpce-*"),
        (
            "ArnEquals",
            "aws:SourceArn",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
            "arn:aws:cloudtrail:*:*:trail/*",
        ),
        ("StringEquals", "aws:SourceAccount", "111122223333", "1111*"),
        ("StringEquals", "aws:SourceOwner", "111122223333", "*"),
        ("StringEquals", "aws:PrincipalOrgID", "o-abc123", "o-*"),
        ("StringEquals", "aws:userid", "AIDAEXAMPLEUSERID", "AIDA*"),
        (
            "StringEquals",
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:kms:*",
        ),
        (
            "StringEquals",
            "s3:DataAccessPointAccount",
            "111122223333",
            "*",
        ),
    ];
    for (op, key, fixed, pattern) in cases {
        let like = if op == "ArnEquals" {
            "ArnLike"
        } else {
            "StringLike"
        };
        assert_not_public(
            &put_object(r#""*""#, &format!(r#"{{"{op}":{{"{key}":"{fixed}"}}}}"#)),
            None,
        );
        assert_public(
            &put_object(
                r#""*""#,
                &format!(r#"{{"{like}":{{"{key}":"{pattern}"}}}}"#),
            ),
            None,
        );
        // A policy variable is not a fixed value either.
        assert_public(
            &put_object(
                r#""*""#,
                &format!(r#"{{"{op}":{{"{key}":"${{aws:PrincipalTag/{}}}"}}}}"#, "x"),
            ),
            None,
        );
    }
}

#[test]
fn a_role_id_with_any_session_is_a_fixed_userid() {
    // "aws:userid, outside the pattern AROLEID:*": one role, any session name.
    for value in [
        r#""AROAEXAMPLEID:*""#,
        r#"["AROAEXAMPLEID:*","111122223333"]"#,
    ] {
        assert_not_public(
            &put_object(
                r#""*""#,
                &format!(r#"{{"StringLike":{{"aws:userid":{value}}}}}"#),
            ),
            None,
        );
    }
    // The common "only this role" bucket policy: deny everyone else.
    let deny_others = format!(
        r#"{},{{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{{"StringNotLike":{{"aws:userid":["AROAEXAMPLEID:*","111122223333"]}}}}}}"#,
        put_object(r#""*""#, "")
    );
    assert_not_public(&deny_others, None);
    // Not a role id with sessions: patterns that admit other callers.
    for value in ["AROA*", "*:*", "AROAEXAMPLEID:*:*x", "AIDAEXAMPLEID*"] {
        assert_public(
            &put_object(
                r#""*""#,
                &format!(r#"{{"StringLike":{{"aws:userid":"{value}"}}}}"#),
            ),
            None,
        );
    }
}

#[test]
fn access_points_of_a_fixed_account_pin_a_bucket_policy_but_not_an_access_point_policy() {
    let grant = |arn: &str| {
        put_object(
            r#""*""#,
            &format!(r#"{{"ArnLike":{{"s3:DataAccessPointArn":"{arn}"}}}}"#),
        )
    };
    let account_points = grant("arn:aws:s3:us-west-2:123456789012:accesspoint/*");
    assert_not_public(&account_points, Some("AWS::S3::Bucket"));
    assert_public(&account_points, Some("AWS::S3::AccessPoint"));
    assert_public(&account_points, None);
    // The account (or region) must be fixed.
    assert_public(
        &grant("arn:aws:s3:us-west-2:*:accesspoint/*"),
        Some("AWS::S3::Bucket"),
    );
    assert_public(
        &grant("arn:aws:s3:*:123456789012:accesspoint/*"),
        Some("AWS::S3::Bucket"),
    );
    // One fixed access point is fixed for both.
    let one = grant("arn:aws:s3:us-west-2:123456789012:accesspoint/reports");
    assert_not_public(&one, Some("AWS::S3::Bucket"));
    assert_not_public(&one, Some("AWS::S3::AccessPoint"));
}

#[test]
fn the_guides_mixed_policy_is_public_until_the_open_statement_goes() {
    // CloudTrail (a service principal), Account-2, and "*" with no limiting condition.
    let fixed = r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
    assert_not_public(fixed, Some("AWS::S3::Bucket"));
    let open = format!(
        r#"{fixed},{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
    );
    let result = assert_public(&open, Some("AWS::S3::Bucket"));
    assert_eq!(
        result.findings.len(),
        1,
        "only the open statement is public"
    );
    assert_eq!(result.findings[0].principal, serde_json::json!("*"));
}

/// The command end to end: exit 1 with a public finding, exit 0 with a proof.
#[test]
fn check_no_public_access_exits_by_the_guides_rule() {
    let dir = std::env::temp_dir().join(format!("keyaki-public-meaning-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            put_object(r#"{"Federated":"graph.facebook.com"}"#, ""),
            None,
            1,
        ),
        (source_ip(r#""0.0.0.0/1""#), None, 1),
        (source_ip(r#""10.0.0.0/8""#), None, 0),
        (
            put_object(
                r#""*""#,
                r#"{"ArnLike":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:123456789012:accesspoint/*"}}"#,
            ),
            Some("AWS::S3::Bucket"),
            0,
        ),
    ];
    for (i, (statement, resource_type, expected)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("policy-{i}.json"));
        std::fs::write(
            &path,
            format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#),
        )
        .unwrap();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_keyaki"));
        command.arg("check-no-public-access").arg(&path);
        if let Some(ty) = resource_type {
            command.args(["--resource-type", ty]);
        }
        let out = command.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(expected),
            "{statement}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
