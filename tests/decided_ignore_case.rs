//! Ignore-case templates with text around the value, and templates in an ARN's first five
//! segments, decided by the lemmas of `encodings/ignore-case-templates.md` (no refinement
//! over values). Every verdict is checked: a violation replays through the evaluator, a
//! pass is proved within a 20 s limit (a bound against running to the timeout, not a
//! timing: these ran to it before).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use keyaki::eval::PolicyType;
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::ResourceUniverse;
use serde_json::{json, Value};
use std::time::Duration;

fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn options() -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_secs(20),
        resource_universe: ResourceUniverse::Open,
        ..oracles::options(PolicyType::Identity)
    }
}

fn check(proposed: Value, baseline: Value) -> Verdict {
    let p = oracles::parse_generated_policy(&policy(proposed));
    let b = oracles::parse_generated_policy(&policy(baseline));
    let options = options();
    let verdict = check_no_new_access(&p, &b, &options);
    oracles::assert_replays(&verdict, &p, &b, options.policy_type);
    verdict
}

/// One Allow of s3:GetObject with this condition block.
fn allow_when(condition: Value) -> Value {
    json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":condition}])
}

fn assert_holds(proposed: Value, baseline: Value) {
    let verdict = check(proposed, baseline);
    assert_eq!(verdict, Verdict::Holds);
}

fn assert_violated(proposed: Value, baseline: Value) -> Vec<keyaki::request::Request> {
    match check(proposed, baseline) {
        Verdict::Violated(found) => found.into_iter().map(|c| c.request).collect(),
        other => panic!("expected a counterexample, got {other:?}"),
    }
}

/// A WRONG PASS before this session: a Like template reading a value before its fifth colon
/// was split at its first five colons as if the value held none, and proved disjoint from
/// `a:b:c:d:x:y:f` by length. `aws:username` = `x:y` puts exactly that text there.
#[test]
fn like_template_with_a_value_before_the_fifth_colon_is_not_disjoint_by_segments() {
    let requests = assert_violated(
        allow_when(json!({"StringLike":{"aws:SourceVpce":"a:b:c:d:${aws:username}:f"}})),
        allow_when(json!({"StringNotLike":{"aws:SourceVpce":"a:b:c:d:x:y:f"}})),
    );
    let vpce = requests[0].context.get("aws:sourcevpce");
    assert!(format!("{vpce:?}").contains("a:b:c:d:"), "{requests:?}");
}

/// Access family, 5k run (hunt's `not_granted_ignore_case_template_with_a_literal_star_passes`):
/// the owner tag like `${aws:username}` (so equal to it) and equal ignoring case to the user
/// name followed by a literal `*`: one length lemma on the folded reading.
#[test]
fn not_granted_ignore_case_template_with_a_literal_star_passes() {
    let json = policy(json!([
        {"Effect":"Allow","NotAction":["s3:GetObject","s3:Get*"],"Resource":["arn:aws:s3:::bucket/*"],"Condition":{"StringLike":{"aws:ResourceTag/owner":["${aws:username}","alice"]},"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}*"}}}
    ]));
    let question = keyaki::NotGranted {
        actions: vec!["kms:Decrypt".into()],
        resources: vec![],
        allow_unknown_actions: false,
    };
    let report = keyaki::access_not_granted(
        &oracles::parse_generated_policy(&json),
        &question,
        &options(),
    )
    .unwrap();
    assert_eq!(report.result, keyaki::CheckResult::Pass, "{report:?}");
}

/// The same ignore-case template written in other cases is one pattern for every value.
#[test]
fn ignore_case_templates_differing_only_in_case_are_one_pattern() {
    assert_holds(
        allow_when(
            json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-TEAM"}}),
        ),
        allow_when(
            json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${AWS:UserName}-team"}}),
        ),
    );
}

/// Exact equality with `${u}-team` implies equality ignoring case with `${u}-TEAM`
/// (folded, the first is inside the second, which is exact); the converse fails on a case
/// variant of the value or the text.
#[test]
fn exact_template_is_inside_the_ignore_case_one_and_not_conversely() {
    let exact =
        allow_when(json!({"StringEquals":{"aws:ResourceTag/owner":"${aws:username}-team"}}));
    let ignore_case = allow_when(
        json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-TEAM"}}),
    );
    assert_holds(exact.clone(), ignore_case.clone());
    assert_violated(ignore_case, exact);
}

/// Ignore-case templates at different offsets of one value: `${u}-x` and `x-${u}` meet
/// (u = `x`), `${u}-a` and `${u}-b` never do.
#[test]
fn ignore_case_templates_around_one_value_are_related_by_the_word_equation() {
    assert_holds(
        json!([
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-A"}}},
            {"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-b"}}}
        ]),
        allow_when(json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-a"}})),
    );
    let requests = assert_violated(
        allow_when(json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-X"}})),
        allow_when(
            json!({"StringNotEqualsIgnoreCase":{"aws:ResourceTag/owner":"x-${aws:username}"}}),
        ),
    );
    assert!(!requests.is_empty());
}

/// The Kelvin sign folds to `k`: a tag `\u{212A}-team` equals `k-TEAM` ignoring case, and
/// a template with the sign in its text is the one with `k`.
#[test]
fn kelvin_sign_in_template_text_folds_like_the_evaluator() {
    assert_holds(
        allow_when(
            json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-\u{212A}"}}),
        ),
        allow_when(json!({"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":"${aws:username}-k"}})),
    );
}

fn account_proposal(condition: Value) -> Value {
    json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::${aws:PrincipalTag/acct}:user/*","Condition":condition}])
}

fn any_account_baseline() -> Value {
    json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/*"}])
}

/// A template in the account segment: a tag `1:2` moves the segment bounds (the evaluator
/// substitutes, then splits at the first five colons), which the baseline does not allow.
#[test]
fn account_segment_template_with_a_colon_value_leaves_any_account() {
    let requests = assert_violated(
        account_proposal(json!({"StringLike":{"aws:PrincipalTag/acct":"?*"}})),
        any_account_baseline(),
    );
    let acct = requests[0].context.get("aws:principaltag/acct");
    assert!(format!("{acct:?}").contains(':'), "{requests:?}");
}

/// Without a colon in the tag the resource lies inside `arn:aws:iam::*:user/*`. Proved by
/// the colon-free class lemmas (`COLON_FREE_LEMMAS` in `encode/lemmas/beyond.rs`; on since
/// session 8). The test above is the colon value they must not exclude.
#[test]
fn account_segment_template_is_inside_any_account_for_values_without_colons() {
    assert_holds(
        account_proposal(json!({"StringNotLike":{"aws:PrincipalTag/acct":"*:*"}})),
        any_account_baseline(),
    );
}

/// Two account-segment templates of one key: `user*` holds `user/*` for every value, and
/// `role/*` is apart from `user/*` whatever the value.
#[test]
fn account_segment_templates_of_one_key_relate_for_every_value() {
    let allow = |resource: &str| json!([{"Effect":"Allow","Action":"iam:GetUser","Resource":format!("arn:aws:iam::${{aws:PrincipalTag/team}}:{resource}")}]);
    assert_holds(allow("user/*"), allow("user*"));
    assert_violated(allow("user*"), allow("user/*"));
}

/// Deny of `b/${u}/*` when the team equals the user name ignoring case, and an Allow of
/// `b/${team}a` (the shape of `team_resource_inside_user_deny_equal_ignoring_case_passes`).
fn team_inside_user_deny(team_equals: &str) -> Value {
    json!([
        {"Effect":"Deny","Action":["*"],"Resource":["arn:aws:s3:::b/${aws:username}/*"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":[team_equals]}}},
        {"Effect":"Allow","Action":["s3:PutObject"]}
    ])
}

fn team_resource_allow() -> Value {
    json!([{"Effect":"Allow","Action":["s3:PutObject"],"Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team}a"]}])
}

/// Through the equality (`encodings/ignore-case-templates.md`, "Through an equality"): a
/// resource `b/${team}a` inside `b/${u}/*` needs the team to be `u/...`, never `u` up to
/// case. The value-by-value search ran to the timeout.
#[test]
fn resource_read_through_an_ignore_case_equality_is_disjoint() {
    assert_holds(
        team_resource_allow(),
        team_inside_user_deny("${aws:username}"),
    );
}

/// What the equality lemma must not exclude: a team equal to `u/x` ignoring case does sit
/// inside the user's folder (`b/u/xa`), and a team compared only by Like `${u}/*` too. Both
/// fail with a counterexample the evaluator replays.
#[test]
fn equalities_that_admit_the_users_folder_still_fail() {
    for team_equals in ["${aws:username}/X", "${aws:username}/${aws:username}"] {
        let found = assert_violated(team_resource_allow(), team_inside_user_deny(team_equals));
        assert!(!found.is_empty(), "{team_equals}");
    }
    let like = json!([
        {"Effect":"Deny","Action":["*"],"Resource":["arn:aws:s3:::b/${aws:username}/*"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:username}*"]}}},
        {"Effect":"Allow","Action":["s3:PutObject"]}
    ]);
    assert_violated(team_resource_allow(), like);
}

/// Transitivity ignoring case through the equality lemma (hunt's guard-rail case 04): team
/// equal to the account and the user name equal to the team, both ignoring case, give the
/// user name equal to the account. The proposal allows iam:GetUser then; the baseline
/// nothing. The model that broke transitivity was refuted one account value at a time.
#[test]
fn user_equal_to_team_equal_to_account_ignoring_case_fails() {
    let proposal = json!([
        {"Effect":"Allow","Action":["iam:GetUser"],"Condition":{"StringEqualsIgnoreCaseIfExists":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}},
        {"Effect":"Deny","NotAction":"s3:GetObject","Condition":{"StringNotEqualsIgnoreCaseIfExists":{"aws:username":"${aws:principaltag/TEAM}"}}}
    ]);
    let baseline = json!([{"Effect":"Deny","NotAction":["s3:Get*"],"Condition":{"StringNotEqualsIgnoreCase":{"aws:username":["${aws:PrincipalAccount}"]}}}]);
    for request in assert_violated(proposal, baseline) {
        let value = |k: &str| {
            request
                .context
                .get(k)
                .map(|v| v.values.concat().to_lowercase())
        };
        assert_eq!(
            value("aws:username"),
            value("aws:principalaccount"),
            "{request:?}"
        );
    }
}

/// What transitivity must not give: a team only Like `${account}*` leaves the user name
/// free to differ from the account (team `1-x`, user `1-x`, account `1`): a counterexample.
/// The baseline allows exactly "user name equal to the account ignoring case", so a wrong
/// `user = ${account}` lemma would make this a pass.
#[test]
fn user_equal_to_team_like_account_star_is_not_equal_to_the_account() {
    let proposal = json!([
        {"Effect":"Allow","Action":["iam:GetUser"],"Condition":{"StringLike":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}*"]},"StringEqualsIgnoreCase":{"aws:username":"${aws:principaltag/TEAM}"}}}
    ]);
    let baseline = json!([
        {"Effect":"Allow","Action":["iam:GetUser"],"Condition":{"StringEqualsIgnoreCase":{"aws:username":["${aws:PrincipalAccount}"]}}}
    ]);
    assert_violated(proposal, baseline);
}

/// Pinned segments (`encodings/ignore-case-templates.md`): a resource in both
/// `arn:aws:iam::${acct}:user/*` and `arn:aws:iam::111122223333:user/*` needs the account
/// `111122223333`, or `111122223333:user/...` (a colon value moves the segment bounds). The
/// pin lemma names both; these fail if it names fewer.
fn pinned_account_proposal(condition: Value) -> Value {
    json!([{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:iam::${aws:PrincipalTag/acct}:user/*","Condition":condition}])
}

fn outside_account_baseline() -> Value {
    json!([{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:iam::111122223333:user/*"}])
}

#[test]
fn pinned_account_segment_takes_the_account_itself() {
    let requests = assert_violated(
        pinned_account_proposal(json!({})),
        outside_account_baseline(),
    );
    assert!(
        requests[0]
            .resource
            .as_deref()
            .is_some_and(|r| r.starts_with("arn:aws:iam::111122223333:")),
        "{requests:?}"
    );
}

/// The account itself excluded: only the colon value `111122223333:user/...` is left.
#[test]
fn pinned_account_segment_keeps_the_colon_value_that_moves_the_bounds() {
    let requests = assert_violated(
        pinned_account_proposal(
            json!({"StringNotEquals":{"aws:PrincipalTag/acct":"111122223333"}}),
        ),
        outside_account_baseline(),
    );
    let acct = format!("{:?}", requests[0].context.get("aws:principaltag/acct"));
    assert!(acct.contains("111122223333:user/"), "{requests:?}");
}

/// Neither the account nor a colon value after it: no resource is in both (a pass).
#[test]
fn pinned_account_segment_with_neither_value_passes() {
    assert_holds(
        pinned_account_proposal(
            json!({"StringNotLike":{"aws:PrincipalTag/acct":["111122223333","111122223333:*"]}}),
        ),
        outside_account_baseline(),
    );
}
