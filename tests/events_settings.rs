//! `keyaki events` and the Lambda handler read their settings through one code path
//! (`keyaki::events::Settings`): the same spec/baseline rule, the same verdicts, and the same
//! unknown for a policy AWS leaves undocumented.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::keyaki;
use keyaki::events::lambda::Handler;
use keyaki::events::Settings;
use serde_json::{json, Value};
use std::collections::HashMap;

const SPEC: &str = "specs/no-public-no-cross-account.spec.json";
const BASELINE: &str = "specs/s3-baseline.policy.json";

fn environment(vars: &[(&str, &str)]) -> Settings {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let root = env!("CARGO_MANIFEST_DIR");
    let mut settings = Settings::from_vars(|name| vars.get(name).cloned());
    // The handler runs from /var/task; the tests from the crate root.
    for path in [&mut settings.spec, &mut settings.baseline]
        .into_iter()
        .flatten()
    {
        *path = format!("{root}/{path}");
    }
    settings
}

fn bucket_policy_record(statement: Value) -> Value {
    json!({"eventVersion": "1.08", "eventID": "e1", "eventTime": "2024-01-01T00:00:00Z",
        "eventSource": "s3.amazonaws.com", "eventName": "PutBucketPolicy", "awsRegion": "us-east-1",
        "recipientAccountId": "111122223333",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
        "requestParameters": {"bucketName": "b", "bucketPolicy": {"Version": "2012-10-17",
            "Statement": [statement]}},
        "responseElements": null})
}

fn trail(name: &str, record: &Value) -> String {
    let path = std::env::temp_dir().join(format!(
        "keyaki-events-settings-{}-{name}.json",
        std::process::id()
    ));
    std::fs::write(&path, json!({"Records": [record]}).to_string()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn spec_and_baseline_together_or_neither_are_refused_by_both_entry_points() {
    let record = trail(
        "rule",
        &bucket_policy_record(json!({"Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"})),
    );
    // The CLI: exit 2 with the library's message.
    let both = keyaki(&["events", &record, "--spec", SPEC, "--baseline", BASELINE]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(both.stderr.contains("not both"), "{}", both.stderr);
    let neither = keyaki(&["events", &record]);
    assert_eq!(neither.code, 2, "{}", neither.stderr);
    assert!(neither.stderr.contains("give a spec"), "{}", neither.stderr);
    // The handler's environment: the same errors, word for word.
    let both_env = environment(&[("KEYAKI_SPEC", SPEC), ("KEYAKI_BASELINE", BASELINE)]);
    let message = both_env.checker().err().unwrap().to_string();
    assert!(
        both.stderr.contains(&message),
        "{message} / {}",
        both.stderr
    );
    let message = environment(&[]).checker().err().unwrap().to_string();
    assert!(
        neither.stderr.contains(&message),
        "{message} / {}",
        neither.stderr
    );
    // An empty variable counts as unset.
    assert!(
        environment(&[("KEYAKI_SPEC", SPEC), ("KEYAKI_BASELINE", "")])
            .checker()
            .is_ok()
    );
}

/// The same record through `keyaki events --format json` and through the handler configured
/// by the environment: the same verdict, for a spec, a baseline, and an undocumented value.
#[test]
fn the_cli_and_the_handler_give_the_same_verdicts() {
    let public = bucket_policy_record(json!({"Effect": "Allow", "Principal": "*",
        "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}));
    let undocumented = bucket_policy_record(json!({"Effect": "Allow",
        "Principal": {"AWS": "111122223333"}, "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
        "Condition": {"NumericLessThan": {"s3:max-keys": "${aws:PrincipalTag/limit}"}}}));
    let cases = [
        (
            "public-spec",
            &public,
            ("--spec", "KEYAKI_SPEC", SPEC),
            "fail",
            1,
        ),
        (
            "public-baseline",
            &public,
            ("--baseline", "KEYAKI_BASELINE", BASELINE),
            "fail",
            1,
        ),
        (
            "undocumented",
            &undocumented,
            ("--spec", "KEYAKI_SPEC", SPEC),
            "unknown",
            3,
        ),
    ];
    for (name, record, (flag, var, file), result, code) in cases {
        let path = trail(name, record);
        let run = keyaki(&["events", &path, flag, file, "--format", "json"]);
        assert_eq!(run.code, code, "{name}: {}{}", run.stdout, run.stderr);
        let cli: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(cli["events"][0]["result"], result, "{name}: {cli}");
        let mut handler = Handler::new(environment(&[(var, file)]).checker().unwrap());
        let answer = handler
            .handle(json!({"detail-type": "AWS API Call via CloudTrail", "detail": record}))
            .unwrap();
        assert_eq!(answer["result"], result, "{name}: {answer}");
        if result == "unknown" {
            let reason = answer["results"][0].to_string();
            assert!(
                reason.contains("policy variable in a Numeric condition value"),
                "{reason}"
            );
        }
        let _ = std::fs::remove_file(&path);
    }
}
