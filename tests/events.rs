//! `keyaki events` checking: verdicts per event kind, widening against the previous version,
//! the last-compliant-version rule, attempts and alarms, and the Lambda handler.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::events::check::{Against, Checker, EventOutcome, EventResult};
use keyaki::events::lambda::Handler;
use keyaki::events::managed::ManagedPolicies;
use keyaki::explain::CheckOptions;
use serde_json::{json, Value};

/// Resource policies may grant only account 111122223333 and never public access.
fn spec_checker() -> Checker {
    let spec = keyaki::access::spec::load_spec(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/no-public-no-cross-account.spec.json"
    ))
    .unwrap();
    Checker::new(
        Against::Spec(Box::new(spec)),
        CheckOptions::default(),
        ManagedPolicies::none(),
    )
}

fn record(id: &str, time: &str, source: &str, name: &str, params: Value) -> Value {
    json!({"eventVersion": "1.08", "eventID": id, "eventTime": time, "eventSource": source,
           "eventName": name, "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
           "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
           "requestParameters": params, "responseElements": null})
}

fn bucket_policy(id: &str, time: &str, principal: Value) -> Value {
    record(
        id,
        time,
        "s3.amazonaws.com",
        "PutBucketPolicy",
        json!({"bucketName": "b", "bucketPolicy": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}}),
    )
}

fn own() -> Value {
    json!({"AWS": "arn:aws:iam::111122223333:root"})
}

fn process(checker: &mut Checker, r: &Value) -> EventOutcome {
    checker
        .process(r)
        .unwrap_or_else(|| panic!("not recognized: {r}"))
}

#[test]
fn last_compliant_is_the_newest_earlier_passing_policy_of_the_same_resource() {
    let mut checker = spec_checker();
    let v1 = process(
        &mut checker,
        &bucket_policy("e1", "2024-01-01T00:00:00Z", own()),
    );
    assert_eq!(v1.result, EventResult::Pass);
    assert_eq!(v1.last_compliant, None);
    assert_eq!(v1.widened, None, "no previous version");

    let v2 = process(
        &mut checker,
        &bucket_policy("e2", "2024-01-02T00:00:00Z", json!("*")),
    );
    assert_eq!(v2.result, EventResult::Fail);
    assert_eq!(v2.last_compliant, v1.policy, "the remediation is v1");
    // What v2 widened: replayed requests v2 allows and v1 does not.
    let widened = v2.widened.clone().unwrap();
    assert_eq!(widened["result"], "wider");
    assert_eq!(widened["previous_eventID"], "e1");
    let p1 = common::policy(&v1.policy.clone().unwrap().to_string());
    let p2 = common::policy(&v2.policy.clone().unwrap().to_string());
    let requests = widened["requests"].as_array().unwrap();
    assert!(!requests.is_empty());
    for r in requests {
        let request =
            keyaki::parse::parse_request(r["request"].to_string().as_bytes(), "cx").unwrap();
        assert_eq!(
            evaluate(&p2, &request, PolicyType::Resource).decision,
            Decision::Allow
        );
        assert_ne!(
            evaluate(&p1, &request, PolicyType::Resource).decision,
            Decision::Allow
        );
    }

    // Another resource's history does not count.
    let other = record(
        "x1",
        "2024-01-03T00:00:00Z",
        "s3.amazonaws.com",
        "PutBucketPolicy",
        json!({"bucketName": "other", "bucketPolicy":
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other/*"}]}}),
    );
    assert_eq!(process(&mut checker, &other).last_compliant, None);

    let v3 = process(
        &mut checker,
        &bucket_policy(
            "e3",
            "2024-01-03T00:00:00Z",
            json!({"AWS": "arn:aws:iam::999999999999:root"}),
        ),
    );
    assert_eq!(v3.result, EventResult::Fail);
    assert_eq!(v3.last_compliant, v1.policy, "still v1: v2 failed");

    let v4 = record(
        "e4",
        "2024-01-04T00:00:00Z",
        "s3.amazonaws.com",
        "PutBucketPolicy",
        json!({"bucketName": "b", "bucketPolicy": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": own(), "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}]}}),
    );
    let v4 = process(&mut checker, &v4);
    assert_eq!(v4.result, EventResult::Pass);
    assert_eq!(v4.last_compliant, v1.policy);
    assert_eq!(
        v4.widened.as_ref().unwrap()["result"],
        "wider",
        "v4 adds s3:PutObject for the own account, which v3 did not grant"
    );

    let v5 = process(
        &mut checker,
        &bucket_policy("e5", "2024-01-05T00:00:00Z", json!("*")),
    );
    assert_eq!(
        v5.last_compliant, v4.policy,
        "newest earlier passing version"
    );

    // A record that arrives late (earlier eventTime) sees only what was before it in time.
    let late = process(
        &mut checker,
        &bucket_policy("e0", "2023-12-31T00:00:00Z", json!("*")),
    );
    assert_eq!(late.last_compliant, None);
    assert_eq!(late.widened, None);
}

#[test]
fn failed_calls_are_attempts_and_never_versions() {
    let mut checker = spec_checker();
    let good = process(
        &mut checker,
        &bucket_policy("g", "2024-01-01T00:00:00Z", own()),
    );
    let mut failed = bucket_policy("f", "2024-01-02T00:00:00Z", json!("*"));
    failed["errorCode"] = json!("AccessDenied");
    let attempt = process(&mut checker, &failed);
    assert_eq!(attempt.result, EventResult::Attempt);
    assert_eq!(attempt.jsonl()["result"], "attempt");
    let next = process(
        &mut checker,
        &bucket_policy("n", "2024-01-03T00:00:00Z", json!("*")),
    );
    assert_eq!(
        next.widened.as_ref().unwrap()["previous_eventID"],
        "g",
        "the attempt is not a version"
    );
    assert_eq!(next.last_compliant, good.policy);
}

#[test]
fn changes_without_a_policy_are_named_alarms() {
    let mut checker = spec_checker();
    let s3 = "s3.amazonaws.com";
    let cases = [
        (
            record(
                "c1",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketCors",
                json!({"bucketName": "b"}),
            ),
            EventResult::Alarm,
            Some("cors-changed"),
        ),
        (
            record(
                "c2",
                "2024-01-01T00:00:00Z",
                s3,
                "DeleteBucketCors",
                json!({"bucketName": "b"}),
            ),
            EventResult::Alarm,
            Some("cors-removed"),
        ),
        (
            record(
                "c3",
                "2024-01-01T00:00:00Z",
                s3,
                "DeleteBucketPublicAccessBlock",
                json!({"bucketName": "b"}),
            ),
            EventResult::Alarm,
            Some("public-access-block-removed"),
        ),
        (
            record(
                "c4",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketPublicAccessBlock",
                json!({"bucketName": "b", "PublicAccessBlockConfiguration":
            {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": true}}),
            ),
            EventResult::Alarm,
            Some("public-access-block-weakened"),
        ),
        (
            record(
                "c5",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketPublicAccessBlock",
                json!({"bucketName": "b", "PublicAccessBlockConfiguration":
            {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
            ),
            EventResult::Pass,
            None,
        ),
        (
            record(
                "c6",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketAcl",
                json!({"bucketName": "b", "x-amz-acl": ["public-read"]}),
            ),
            EventResult::Alarm,
            Some("public-acl"),
        ),
        (
            record(
                "c7",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketAcl",
                json!({"bucketName": "b", "AccessControlPolicy": {"AccessControlList": {"Grant": [
            {"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "Permission": "READ"}]}}}),
            ),
            EventResult::Alarm,
            Some("public-acl"),
        ),
        (
            record(
                "c8",
                "2024-01-01T00:00:00Z",
                s3,
                "PutBucketAcl",
                json!({"bucketName": "b", "x-amz-acl": ["private"]}),
            ),
            EventResult::Pass,
            None,
        ),
    ];
    for (r, expected, alarm) in cases {
        let outcome = process(&mut checker, &r);
        assert_eq!(outcome.result, expected, "{}", r["eventID"]);
        assert_eq!(
            outcome.findings.first().and_then(|f| f["alarm"].as_str()),
            alarm,
            "{}",
            r["eventID"]
        );
    }
}

#[test]
fn each_event_kind_is_checked_with_its_policy_type() {
    let mut checker = spec_checker();
    let public_statement = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]});
    let text = public_statement.to_string();
    let trust_public = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}).to_string();
    let encoded =
        percent_encoding::utf8_percent_encode(&trust_public, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let cases: Vec<(Value, EventResult)> = vec![
        (
            record(
                "k1",
                "2024-01-01T00:00:00Z",
                "sqs.amazonaws.com",
                "SetQueueAttributes",
                json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/q", "attributes": {"Policy": text}}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k2",
                "2024-01-01T00:00:00Z",
                "sns.amazonaws.com",
                "SetTopicAttributes",
                json!({"topicArn": "arn:aws:sns:us-east-1:111122223333:t", "attributeName": "Policy", "attributeValue": text.replace("sqs:SendMessage", "sns:Publish")}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k3",
                "2024-01-01T00:00:00Z",
                "kms.amazonaws.com",
                "PutKeyPolicy",
                json!({"keyId": "k", "policy": json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": own(), "Action": "kms:*", "Resource": "*"}]}).to_string()}),
            ),
            EventResult::Pass,
        ),
        (
            record(
                "k4",
                "2024-01-01T00:00:00Z",
                "kms.amazonaws.com",
                "CreateKey",
                json!({"keyUsage": "ENCRYPT_DECRYPT"}),
            ),
            EventResult::Pass,
        ),
        (
            record(
                "k5",
                "2024-01-01T00:00:00Z",
                "secretsmanager.amazonaws.com",
                "PutResourcePolicy",
                json!({"secretId": "s", "resourcePolicy": text.replace("sqs:SendMessage", "secretsmanager:GetSecretValue")}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k6",
                "2024-01-01T00:00:00Z",
                "ecr.amazonaws.com",
                "SetRepositoryPolicy",
                json!({"repositoryName": "r", "policyText": text.replace("sqs:SendMessage", "ecr:BatchGetImage")}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k7",
                "2024-01-01T00:00:00Z",
                "iam.amazonaws.com",
                "UpdateAssumeRolePolicy",
                json!({"roleName": "r", "policyDocument": trust_public}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k8",
                "2024-01-01T00:00:00Z",
                "iam.amazonaws.com",
                "CreateRole",
                json!({"roleName": "r2"}),
            ),
            EventResult::Unknown,
        ),
        (
            record(
                "k9",
                "2024-01-01T00:00:00Z",
                "lambda.amazonaws.com",
                "AddPermission20150331v2",
                json!({"functionName": "f", "action": "lambda:InvokeFunction", "principal": "*", "statementId": "s"}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k10",
                "2024-01-01T00:00:00Z",
                "lambda.amazonaws.com",
                "AddPermission20150331v2",
                json!({"functionName": "g", "action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com", "sourceAccount": "111122223333", "statementId": "s"}),
            ),
            EventResult::Pass,
        ),
        (
            record(
                "k11",
                "2024-01-01T00:00:00Z",
                "sqs.amazonaws.com",
                "AddPermission",
                json!({"queueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/q2", "label": "L", "AWSAccountIds": ["999999999999"], "actions": ["SendMessage"]}),
            ),
            EventResult::Fail,
        ),
        (
            record(
                "k12",
                "2024-01-01T00:00:00Z",
                "iam.amazonaws.com",
                "AttachRolePolicy",
                json!({"roleName": "r", "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}),
            ),
            EventResult::Unknown,
        ),
        (
            record(
                "k13",
                "2024-01-01T00:00:00Z",
                "s3.amazonaws.com",
                "DeleteBucketPolicy",
                json!({"bucketName": "b"}),
            ),
            EventResult::Pass,
        ),
    ];
    for (r, expected) in cases {
        let outcome = process(&mut checker, &r);
        assert_eq!(
            outcome.result, expected,
            "{}: {:?} {:?}",
            r["eventID"], outcome.reason, outcome.findings
        );
        for f in &outcome.findings {
            // Every finding carries a request the evaluator allows under the checked policy.
            if let (Some(req), Some(policy)) = (f.get("request"), &outcome.policy) {
                let request =
                    keyaki::parse::parse_request(req.to_string().as_bytes(), "cx").unwrap();
                let policy = common::policy(&policy.to_string());
                assert_eq!(
                    evaluate(&policy, &request, outcome.change.policy_type).decision,
                    Decision::Allow
                );
            }
        }
    }
    // The URL-encoded trust policy of a CreateRole response decodes and is checked.
    let mut create = record(
        "k14",
        "2024-01-01T00:00:00Z",
        "iam.amazonaws.com",
        "CreateRole",
        json!({"roleName": "r3"}),
    );
    create["responseElements"] = json!({"role": {"arn": "arn:aws:iam::111122223333:role/r3", "assumeRolePolicyDocument": encoded}});
    let outcome = process(&mut checker, &create);
    assert_eq!(outcome.result, EventResult::Fail);
    assert_eq!(outcome.change.resource, "arn:aws:iam::111122223333:role/r3");
}

#[test]
fn attached_policies_resolve_through_the_managed_catalog_and_the_stream() {
    let dir = std::env::temp_dir().join(format!("keyaki-managed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ReadOnlyS3.json"), r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#).unwrap();
    let baseline = common::policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#,
    );
    let mut checker = Checker::new(
        Against::Baseline {
            label: "b".into(),
            policy: baseline,
        },
        CheckOptions::default(),
        ManagedPolicies::from_dir(&dir).unwrap(),
    );
    let iam = "iam.amazonaws.com";
    let attach = |id: &str, arn: &str| {
        record(
            id,
            "2024-01-02T00:00:00Z",
            iam,
            "AttachUserPolicy",
            json!({"userName": "u", "policyArn": arn}),
        )
    };
    assert_eq!(
        process(
            &mut checker,
            &attach("a1", "arn:aws:iam::aws:policy/ReadOnlyS3")
        )
        .result,
        EventResult::Pass
    );
    let missing = process(
        &mut checker,
        &attach("a2", "arn:aws:iam::aws:policy/AdministratorAccess"),
    );
    assert_eq!(
        missing.result,
        EventResult::Unknown,
        "never a pass without the text"
    );
    let create = record(
        "a3",
        "2024-01-01T00:00:00Z",
        iam,
        "CreatePolicy",
        json!({"policyName": "Mine", "policyDocument":
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#}),
    );
    assert_eq!(process(&mut checker, &create).result, EventResult::Fail);
    let mine = process(
        &mut checker,
        &attach("a4", "arn:aws:iam::111122223333:policy/Mine"),
    );
    assert_eq!(mine.result, EventResult::Fail);
    assert_eq!(mine.change.policy_type, PolicyType::Identity);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_lambda_handler_answers_the_corpus_eventbridge_envelopes() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let envelopes = corpus.join("formats/cloudtrail/envelopes");
    let mut handler = Handler::new(spec_checker());
    let glue = std::fs::read(
        envelopes.join("eventbridge__c7n__event-cloud-trail-catalog-put-resource-policy.json"),
    )
    .unwrap();
    let answer = handler
        .handle(serde_json::from_slice(&glue).unwrap())
        .unwrap();
    assert_eq!(answer["records"], 1);
    let results = answer["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["eventName"], "PutResourcePolicy");
    assert_eq!(
        results[0]["resource"],
        "arn:aws:glue:us-east-1:644160558196:catalog"
    );
    assert_ne!(
        results[0]["result"], "pass",
        "Principal * on glue:* is not inside the spec's trust zone"
    );
    assert_eq!(answer["result"], results[0]["result"]);
    let s3 = std::fs::read(envelopes.join("eventbridge__c7n__event-cloud-trail-s3.json")).unwrap();
    let answer = handler
        .handle(serde_json::from_slice(&s3).unwrap())
        .unwrap();
    assert_eq!(answer["result"], "none", "CreateBucket changes no policy");
    assert!(handler.handle(json!([1])).is_err());
}
