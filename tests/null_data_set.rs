//! "ForAllValues ... also returns true if the context key in the request resolves to a null data set,
//! such as an empty string" (IAM condition operators): `aws:TagKeys: [""]` is such a set, in the
//! evaluator and in the prover alike (encodings/eval-conditions.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::policy;
use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::request::{Principal, Request};

fn allow(conditions: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:PutObject",
            "Resource":"*","Condition":{conditions}}}]}}"#
    )
}

fn tag_keys(values: &[&str]) -> Request {
    let mut r = Request::new(
        Principal::Aws("arn:aws:iam::111122223333:user/a".into()),
        "s3:PutObject",
        Some("arn:aws:s3:::b/k"),
    );
    r.set_context(
        "aws:TagKeys",
        values.iter().map(|v| v.to_string()).collect(),
        true,
    );
    r
}

#[test]
fn the_evaluator_reads_an_empty_string_as_a_null_data_set() {
    let decide = |conditions: &str, values: &[&str]| {
        evaluate(
            &policy(&allow(conditions)),
            &tag_keys(values),
            PolicyType::Identity,
        )
        .decision
    };
    let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#;
    let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":[""]}}"#;
    // Null data set: ForAllValues true, ForAnyValue false (even against the empty string itself).
    assert_eq!(decide(all, &[""]), Decision::Allow);
    assert_eq!(decide(any, &[""]), Decision::ImplicitDeny);
    // Not null once a value is not empty.
    assert_eq!(decide(all, &["", "b"]), Decision::ImplicitDeny);
    assert_eq!(decide(any, &["", "b"]), Decision::Allow);
}

#[test]
fn the_prover_finds_the_null_data_set_and_it_replays() {
    // Both need the key present and every value `a`; the baseline also needs some value to
    // match `*`. The only difference is the null data set `[""]`.
    let proposed = allow(
        r#"{"Null":{"aws:TagKeys":"false"},"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}"#,
    );
    let baseline = allow(
        r#"{"Null":{"aws:TagKeys":"false"},"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},
            "ForAnyValue:StringLike":{"aws:TagKeys":"*"}}"#,
    );
    let verdict = check_no_new_access(
        &policy(&proposed),
        &policy(&baseline),
        &CheckOptions::default(),
    );
    let Verdict::Violated(list) = &verdict else {
        panic!("expected the null data set as a counterexample, got {verdict:?}");
    };
    for cx in list {
        let values = cx.request.context_values("aws:tagkeys").unwrap();
        assert!(values.iter().all(String::is_empty), "{values:?}");
        let p = evaluate(&policy(&proposed), &cx.request, PolicyType::Identity);
        let b = evaluate(&policy(&baseline), &cx.request, PolicyType::Identity);
        assert_eq!(
            (p.decision, b.decision),
            (Decision::Allow, Decision::ImplicitDeny)
        );
    }
    // Without the baseline's ForAnyValue the two are equal.
    let same = check_no_new_access(
        &policy(&proposed),
        &policy(&proposed),
        &CheckOptions::default(),
    );
    assert_eq!(same, Verdict::Holds);
}
