//! Keys whose templates read each other (a cycle of policy variables), decided: a proof, or a
//! counterexample that replays through the evaluator after a round trip through the request
//! parser (encodings/policy-variables.md, "Session 8"). Times are not asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decide_identity as decide;
use keyaki::explain::Verdict;
use keyaki::request::Request;

fn allow_get(condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}]}}"#
    )
}

fn requests(verdict: &Verdict) -> Vec<Request> {
    match verdict {
        Verdict::Violated(list) => list.iter().map(|c| c.request.clone()).collect(),
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

fn context_value(request: &Request, key: &str) -> Option<String> {
    let json = serde_json::to_value(request).unwrap();
    let context = json.get("context")?.as_object()?;
    let (_, value) = context.iter().find(|(k, _)| k.eq_ignore_ascii_case(key))?;
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(a) => a.first()?.as_str().map(str::to_string),
        _ => None,
    }
}

/// `team = ${username, 'none'}` with the user name present implies `username = ${team, 'x'}`:
/// both keys single, each default is unread. A proof (before: the cycle give-up).
#[test]
fn mutual_equality_with_defaults_passes() {
    let proposed = allow_get(
        r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:username, 'none'}"},"StringLike":{"aws:username":"*"}}"#,
    );
    let baseline =
        allow_get(r#"{"StringEqualsIgnoreCase":{"aws:username":"${aws:PrincipalTag/team, 'x'}"}}"#);
    let verdict = decide(&proposed, &baseline);
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// The same pair without the user name: `${username, 'none'}` reads its default, the team is
/// `none`, and the baseline's template has no user name to compare. A counterexample: the
/// symmetry needs both keys single, and a lemma that forgot it would prove a wrong pass.
#[test]
fn mutual_equality_with_defaults_needs_both_keys() {
    let proposed =
        allow_get(r#"{"StringEquals":{"aws:PrincipalTag/team":"${aws:username, 'none'}"}}"#);
    let baseline = allow_get(r#"{"StringEquals":{"aws:username":"${aws:PrincipalTag/team}"}}"#);
    let verdict = decide(&proposed, &baseline);
    for request in requests(&verdict) {
        assert_eq!(
            context_value(&request, "aws:PrincipalTag/team").as_deref(),
            Some("none"),
            "{request:?}"
        );
    }
}

/// Ignoring case the user name equals the team, exactly the team is not like it: the two keys
/// read each other. The key chosen first (`team`) asks the other to avoid its own value, so
/// the user name is a case variant of the team (before: "the value chosen to break it does
/// not fit").
#[test]
fn equal_ignoring_case_but_unlike_is_a_case_variant() {
    let proposed = allow_get(
        r#"{"StringEqualsIgnoreCase":{"aws:username":"${aws:PrincipalTag/team}"},"StringNotLike":{"aws:PrincipalTag/team":"${aws:username}"}}"#,
    );
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;
    let verdict = decide(&proposed, baseline);
    for request in requests(&verdict) {
        let team = context_value(&request, "aws:PrincipalTag/team").unwrap();
        let user = context_value(&request, "aws:username")
            .or_else(|| {
                let json = serde_json::to_value(&request).unwrap();
                let arn = json.pointer("/principal/AWS")?.as_str()?.to_string();
                arn.rsplit('/').next().map(str::to_string)
            })
            .unwrap();
        assert_ne!(team, user);
        assert_eq!(team.to_lowercase(), user.to_lowercase());
    }
}
/// A true template on the key chosen first that no value of the other key can meet, and a
/// second template making the pair consistent another way: `team` like `${username}-*`
/// ignoring case against `username` equal to `${team}`. `username = team` gives
/// `team` like `team-*`, false by length, so the Allow never holds: a proof.
#[test]
fn equal_and_prefixed_by_each_other_passes() {
    let proposed = allow_get(
        r#"{"StringEquals":{"aws:username":"${aws:PrincipalTag/team}"},"StringLike":{"aws:PrincipalTag/team":"${aws:username}-*"}}"#,
    );
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;
    let verdict = decide(&proposed, baseline);
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// The renamed self-reference needs the equality: `username` like `${team}*` and `team`
/// like `*${username}` hold together when the two are equal (`a`, `a`). A counterexample.
#[test]
fn prefix_and_suffix_of_each_other_fails() {
    let proposed = allow_get(
        r#"{"StringLike":{"aws:username":"${aws:PrincipalTag/team}*","aws:PrincipalTag/team":"*${aws:username}"}}"#,
    );
    let baseline = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#;
    requests(&decide(&proposed, baseline));
}
