//! A policy variable in a Numeric/Date/Bool/IP/Binary condition value: AWS does not document
//! what it means (encodings/typed-condition-variables.md). The prover answers unknown; every
//! concrete entry point (eval, eval --batch, eval --context, authz, replay) says unknown too
//! when, and only when, the decision depends on it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{keyaki, policy};
use keyaki::authz::context::parse_context;
use keyaki::authz::decide;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::request::{Principal, Request};
use serde_json::{json, Value};
use std::path::Path;

const USER: &str = "arn:aws:iam::111122223333:user/alice";

fn request(context: &[(&str, &str)]) -> Request {
    let mut r = Request::new(
        Principal::Aws(USER.into()),
        "s3:ListBucket",
        Some("arn:aws:s3:::b"),
    );
    for (k, v) in context {
        r.set_context(k, vec![v.to_string()], false);
    }
    r
}

/// One statement: `effect` s3:ListBucket on `*` under one condition entry.
fn statement(effect: &str, operator: &str, key: &str, values: Value) -> Value {
    json!({"Effect": effect, "Action": "s3:ListBucket", "Resource": "*",
           "Condition": {operator: {key: values}}})
}

fn doc(statements: Vec<Value>) -> String {
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

/// Every family, with the key present: the decision is Allow under one reading and
/// ImplicitDeny under another, so it is unknown and names the value and its place.
#[test]
fn each_typed_family_with_a_variable_makes_the_decision_unknown() {
    let cases = [
        ("NumericLessThan", "s3:max-keys", "5", "Numeric"),
        (
            "DateGreaterThan",
            "aws:CurrentTime",
            "2024-01-01T00:00:00Z",
            "Date",
        ),
        ("Bool", "aws:SecureTransport", "true", "Bool"),
        ("IpAddress", "aws:SourceIp", "203.0.113.7", "IP address"),
        ("BinaryEquals", "aws:SomeBinary", "QUJD", "Binary"),
    ];
    for (operator, key, value, family) in cases {
        let p = policy(&doc(vec![statement(
            "Allow",
            operator,
            key,
            json!("${aws:PrincipalTag/x}"),
        )]));
        let e = evaluate(
            &p,
            &request(&[(key, value), ("aws:PrincipalTag/x", value)]),
            PolicyType::Identity,
        );
        assert_eq!(
            e.possible_decisions(),
            [Decision::Allow, Decision::ImplicitDeny],
            "{operator}"
        );
        let reason = e
            .unknown()
            .unwrap_or_else(|| panic!("{operator}: no reason"));
        assert!(
            reason.contains(&format!("policy variable in a {family} condition value `${{aws:PrincipalTag/x}}` at Statement[0].Condition.{operator}.{key} (line 1"))
                && reason.contains("typed-condition-variables.md"),
            "{reason}"
        );
        // The decision shown beside it reads the statement as not applying.
        assert_eq!(e.decision, Decision::ImplicitDeny);
        assert_eq!(e.undetermined.len(), 1);
    }
}

/// Only where the readings differ: an absent key, another element that fails, another value
/// that matches, or an explicit deny elsewhere decides without the value.
#[test]
fn a_decision_that_does_not_depend_on_the_value_is_known() {
    let var = json!("${aws:PrincipalTag/limit}");
    let numeric = |effect| statement(effect, "NumericLessThan", "s3:max-keys", var.clone());
    let allow = policy(&doc(vec![numeric("Allow")]));
    // The key is absent: a non-IfExists operator fails whatever the value is.
    let e = evaluate(&allow, &request(&[]), PolicyType::Identity);
    assert_eq!((e.decision, e.unknown()), (Decision::ImplicitDeny, None));
    assert!(e.undetermined.is_empty());
    // Another action: the statement does not apply whatever the value is.
    let mut other = request(&[("s3:max-keys", "5")]);
    other.action = "s3:GetObject".into();
    assert_eq!(
        evaluate(&allow, &other, PolicyType::Identity).unknown(),
        None
    );
    // Another value of the entry matches (the values are OR-ed).
    let either = policy(&doc(vec![statement(
        "Allow",
        "NumericLessThan",
        "s3:max-keys",
        json!(["${aws:PrincipalTag/limit}", "10"]),
    )]));
    let e = evaluate(
        &either,
        &request(&[("s3:max-keys", "5")]),
        PolicyType::Identity,
    );
    assert_eq!((e.decision, e.unknown()), (Decision::Allow, None));
    // ...and with the same value negated, that match makes the entry fail whatever.
    let neither = policy(&doc(vec![statement(
        "Allow",
        "NumericNotEquals",
        "s3:max-keys",
        json!(["${aws:PrincipalTag/limit}", "5"]),
    )]));
    let e = evaluate(
        &neither,
        &request(&[("s3:max-keys", "5")]),
        PolicyType::Identity,
    );
    assert_eq!((e.decision, e.unknown()), (Decision::ImplicitDeny, None));
    // A definite explicit deny decides whatever the undetermined Allow is.
    let denied = policy(&doc(vec![
        numeric("Allow"),
        json!({"Effect": "Deny", "Action": "*", "Resource": "*"}),
    ]));
    let e = evaluate(
        &denied,
        &request(&[("s3:max-keys", "5")]),
        PolicyType::Identity,
    );
    assert_eq!((e.decision, e.unknown()), (Decision::ExplicitDeny, None));
    assert_eq!(e.undetermined.len(), 1, "kept for whoever combines it");
}

#[test]
fn an_undetermined_deny_beside_a_definite_allow_is_unknown() {
    let p = policy(&doc(vec![
        json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        statement(
            "Deny",
            "NumericNotEquals",
            "s3:max-keys",
            json!("${aws:PrincipalTag/limit}"),
        ),
    ]));
    let e = evaluate(&p, &request(&[("s3:max-keys", "5")]), PolicyType::Identity);
    assert_eq!(
        e.possible_decisions(),
        [Decision::Allow, Decision::ExplicitDeny]
    );
    assert!(e.unknown().unwrap().contains("Statement[1]"));
    // Before: the literal reading (the value matches nothing, so NotEquals holds) silently
    // gave ExplicitDeny; the shown decision now reads the statement as not applying.
    assert_eq!(e.decision, Decision::Allow);
}

/// The prover refuses the same policy: one choice, surfaced everywhere.
#[test]
fn the_prover_refuses_what_the_evaluator_calls_unknown() {
    let p = policy(&doc(vec![statement(
        "Allow",
        "NumericLessThan",
        "s3:max-keys",
        json!("${aws:PrincipalTag/limit}"),
    )]));
    let report = keyaki::check(&p, &keyaki::allows_nothing(), &Default::default());
    assert_eq!(report.result, keyaki::CheckResult::Unknown);
    assert!(report
        .reason
        .unwrap()
        .contains("policy variable in a Numeric condition value"));
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("keyaki-undocumented-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, text: &str) -> String {
    let path = scratch(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn keyaki_eval_exits_3_with_the_reason_in_text_json_and_batch() {
    let policy_text = doc(vec![statement(
        "Allow",
        "IpAddress",
        "aws:SourceIp",
        json!("${aws:PrincipalTag/net}"),
    )]);
    let p = write("ip.json", &policy_text);
    let r = json!({"principal": {"AWS": USER}, "action": "s3:ListBucket",
                   "resource": "arn:aws:s3:::b", "context": {"aws:SourceIp": "203.0.113.7"}});
    let rq = write("ip-request.json", &r.to_string());
    let run = keyaki(&["eval", &p, "--request", &rq]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("Unknown: unsupported: the decision is Allow or ImplicitDeny")
            && run
                .stdout
                .contains("IP address condition value `${aws:PrincipalTag/net}`"),
        "{}",
        run.stdout
    );
    let run = keyaki(&["eval", &p, "--request", &rq, "--format", "json"]);
    assert_eq!(run.code, 3);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(out["decision"], "Unknown");
    assert_eq!(out["possible"], json!(["Allow", "ImplicitDeny"]));
    assert_eq!(out["undetermined"][0]["index"], 0);
    assert!(out["unknown"].as_str().unwrap().contains("Statement[0]"));

    // The same request without the key is decided (exit 0); the batch's exit is 3 if any
    // line is unknown, and each line says which.
    let mut no_key = r.clone();
    no_key["context"] = json!({});
    let lines = [
        json!({"policy": serde_json::from_str::<Value>(&policy_text).unwrap(), "request": r}),
        json!({"policy": serde_json::from_str::<Value>(&policy_text).unwrap(), "request": no_key}),
    ];
    let batch = write(
        "batch.jsonl",
        &lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    );
    let run = keyaki(&["eval", "--batch", &batch]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let decisions: Vec<String> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["decision"].to_string())
        .collect();
    assert_eq!(decisions, ["\"Unknown\"", "\"ImplicitDeny\""]);
    let single = write("no-key.json", &lines[1]["request"].to_string());
    assert_eq!(keyaki(&["eval", &p, "--request", &single]).code, 0);
}

fn context(identity: Vec<Value>, scp: Option<Value>) -> Value {
    let docs =
        |ps: Vec<Value>| -> Vec<Value> { ps.into_iter().map(|d| json!({"document": d})).collect() };
    let mut v = json!({"principal": {"arn": USER, "identity_policies": docs(identity)}});
    if let Some(scp) = scp {
        let allow_all = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
        v["organization"] = json!({"id": "o-abc123", "management_account": "999999999999",
            "units": {"r-root": {}},
            "accounts": {"111122223333": {"path": ["r-root"], "scps": docs(vec![allow_all, scp])}}});
    }
    v
}

fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn the_whole_context_decision_is_unknown_only_when_it_depends_on_the_value() {
    let undetermined_allow = value(&doc(vec![statement(
        "Allow",
        "NumericLessThan",
        "s3:max-keys",
        json!("${aws:PrincipalTag/limit}"),
    )]));
    let deny_all = value(&doc(vec![
        json!({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    ]));
    let rq = request(&[("s3:max-keys", "5")]);
    let parse =
        |v: &Value| parse_context(v.to_string().as_bytes(), "ctx.json", Path::new(".")).unwrap();

    let open = decide(
        &parse(&context(vec![undetermined_allow.clone()], None)),
        &rq,
    );
    let reason = open.unknown.clone().expect("depends on the value");
    assert!(
        reason.contains("Allow or ImplicitDeny")
            && reason.contains("identity")
            && reason.contains("Statement[0]"),
        "{reason}"
    );
    assert!(!open.allowed());
    // An SCP deny decides whatever the identity policy's value means.
    let closed = decide(
        &parse(&context(vec![undetermined_allow.clone()], Some(deny_all))),
        &rq,
    );
    assert_eq!(
        (closed.decision, closed.unknown),
        (Decision::ExplicitDeny, None)
    );
    // An SCP whose own Deny is undetermined, over an identity Allow: Allow or ExplicitDeny.
    let undetermined_deny = value(&doc(vec![statement(
        "Deny",
        "NumericGreaterThan",
        "s3:max-keys",
        json!("${aws:PrincipalTag/limit}"),
    )]));
    let allow_all = value(&doc(vec![
        json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    ]));
    let scp_open = decide(
        &parse(&context(vec![allow_all], Some(undetermined_deny))),
        &rq,
    );
    assert!(
        scp_open
            .unknown
            .as_deref()
            .is_some_and(|r| r.contains("Allow or ExplicitDeny") && r.contains("scp")),
        "{scp_open:?}"
    );

    // `keyaki eval --context` says so and exits 3.
    let ctx_file = write(
        "ctx.json",
        &context(vec![undetermined_allow], None).to_string(),
    );
    let r = json!({"principal": {"AWS": USER}, "action": "s3:ListBucket",
                   "resource": "arn:aws:s3:::b", "context": {"s3:max-keys": "5"}});
    let rq_file = write("ctx-request.json", &r.to_string());
    let run = keyaki(&["eval", "--context", &ctx_file, "--request", &rq_file]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("Unknown: unsupported"),
        "{}",
        run.stdout
    );
    let run = keyaki(&[
        "eval",
        "--context",
        &ctx_file,
        "--request",
        &rq_file,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3);
    assert!(serde_json::from_str::<Value>(&run.stdout).unwrap()["unknown"].is_string());
}

#[test]
fn replay_counts_undetermined_requests_and_exits_3() {
    let record = json!({"eventID": "1", "eventTime": "2024-03-01T00:00:00Z",
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
        "userIdentity": {"type": "IAMUser", "arn": USER},
        "sourceIPAddress": "203.0.113.7", "requestParameters": {"bucketName": "b", "key": "k"}});
    let trail = write("trail.json", &json!({"Records": [record]}).to_string());
    let proposal = write(
        "proposal.json",
        &doc(vec![
            json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "${aws:PrincipalTag/net}"}}}),
        ]),
    );
    let run = keyaki(&[
        "replay",
        &proposal,
        "--cloudtrail",
        &trail,
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (&out["allowed"], &out["denied"], &out["undetermined"]),
        (&json!(0), &json!(0), &json!(1))
    );
    assert!(out["unknown"].as_str().unwrap().contains("IP address"));
    let run = keyaki(&["replay", &proposal, "--cloudtrail", &trail]);
    assert!(
        run.stdout.contains("unknown for 1 records"),
        "{}",
        run.stdout
    );
}
