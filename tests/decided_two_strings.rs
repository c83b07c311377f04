//! The template family's 100k residue (session 7): the
//! five pairs its log lists (of six timeouts), each with one key's templates at two offsets on
//! two strings (the resource and `s3:prefix`). Each must decide; all five do (all fail),
//! the last two since session 10. The smallest (traced): `b/a${u}` true with
//! `b/${u}*` true and `b/${u}a` false has no request for any `u` (the two force `u ∈ a*`, where
//! `b/a${u}` is `b/${u}a`), and neither has `b/${u}a` true with `b/${u}*` false; only all
//! three true do. Session 9 decides such models (the negated template on a known copy of the
//! value, encodings/policy-variables.md "Session 9 (words)"); the last two pairs needed the
//! value's equations on the resource and `s3:prefix` at once ("Session 10 (words)"). Every
//! counterexample replays through the evaluator after a round trip through the request
//! parser. Times are not asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decide_identity as decide;
use keyaki::explain::Verdict;

/// Decided since session 10 (the value's equations on the resource and `s3:prefix` asked
/// together, encodings/policy-variables.md "Session 10 (words)"): 11.3 s (the timeout) ->
/// 0.07 s. Counterexample: team `example-_1`, resource `b/example-x-example-_1`, prefix
/// `aexample-_1`.
#[test]
fn team_dash_x_resource_and_prefix_against_dash_user_deny() {
    let verdict = decide(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/*-x-${aws:PrincipalTag/team, 'none'}"],"Condition":{"StringLike":{"s3:prefix":"a${aws:PrincipalTag/team}"}}},{"Effect":"Deny","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}a"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team, 'none'}a"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:ListBucket","Resource":["arn:aws:s3:::b/*-${AWS:UserName}?"],"Condition":{"StringLike":{"aws:username":"a*"}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/*-x-${aws:PrincipalTag/team}?"],"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::b/*-x-${AWS:UserName}?"}}}]}"#,
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

#[test]
fn team_resource_and_prefix_against_user_prefix_allow() {
    let verdict = decide(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:iam::*:user/${AWS:UserName}","arn:aws:s3:::b/${aws:PrincipalTag/team}a"],"Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/team}*"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/none/*","arn:aws:s3:::b/${aws:username}*"],"Condition":{"StringLike":{"s3:prefix":"${aws:username}*"}}},{"Effect":"Deny","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*-x-${AWS:UserName}","arn:aws:s3:::b/${aws:PrincipalTag/team}*"],"Condition":{"StringNotLike":{"s3:prefix":"${AWS:UserName}/*"}}}]}"#,
    );
    // Decided since the fewer-templates step may trade a false template for a true one.
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

#[test]
fn user_resource_a_and_prefix_slash_against_team_deny() {
    let verdict = decide(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/a${aws:username}","arn:aws:s3:::b/*-${aws:PrincipalTag/team, 'none'}?"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}/*"}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${AWS:UserName}/*"],"Condition":{"StringLike":{"s3:prefix":"${aws:username}a"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]},{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::b/a${aws:PrincipalTag/team, 'none'}","arn:aws:iam::*:user/${aws:username}"],"Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:PrincipalTag/team}"}}}]}"#,
    );
    // Decided since the fewer-templates step may trade a false template for a true one.
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// Decided since session 10 (as above): 11.4 s (the timeout) -> 0.06 s. The resource
/// `b/a${u}` needs a `/` in `u` (the baseline's `b/*/*` text), the prefix `a${u}` none
/// (`*/*` false): asked together, one atom-only lemma instead of one per value.
/// Counterexample: user `/example_1`, team `a`, prefix `a/example_1`.
#[test]
fn user_a_resource_against_prefix_a_user_deny() {
    let verdict = decide(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/a${AWS:UserName}"]},{"Effect":"Deny","Action":"s3:*","Resource":["*"],"Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}*","*"],"Condition":{"StringNotLike":{"s3:prefix":"${aws:username}/*"}}},{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:PrincipalTag/team}/*","arn:aws:s3:::b/*-x-${AWS:UserName}"],"Condition":{"StringLike":{"s3:prefix":"a${aws:username}"}}}]}"#,
    );
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

#[test]
// Decided since session 9: the negated template on a known copy (`b/${u}a` at `b/${u}*`'s).
fn user_a_resource_against_deny_user_star_and_user_a() {
    let verdict = decide(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/a${AWS:UserName}"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}a"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::b/${AWS:UserName}*","arn:aws:s3:::b/${AWS:UserName}a"]},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/*"]}]}"#,
    );
    // `b/a${u}` and `b/${u}*` force `u ∈ a*`, where `b/a${u}` is `b/${u}a`: the Deny holds
    // (`u = a`, resource `b/aa`, prefix `aa`).
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// One string, the smallest traced model as a policy: `s3:prefix` like `a${u}` and like
/// `${u}*` forces `u ∈ a*` and prefix `a^(n+1)`, which is `${u}a`. A pass: its proof is the
/// atom-only lemma `¬(u single ∧ a${u} ∧ ${u}* ∧ ¬${u}a)` from the word equation with the
/// negated template (before session 9: refuted one value of `u` per round, to the timeout).
#[test]
fn prefix_after_a_and_before_anything_is_value_then_a() {
    let proposed = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a${aws:username}"},"StringLikeIfExists":{"s3:prefix":"${aws:username}*"}}}]}"#;
    let holds = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"${aws:username}a"}}}]}"#;
    assert!(
        matches!(decide(proposed, holds), Verdict::Holds),
        "{:?}",
        decide(proposed, holds)
    );
    // Planted: one `a` too many in the baseline; `u = ""`, prefix `a` is granted only by the
    // proposal (replayed inside `decide`).
    let fails = holds.replace("${aws:username}a", "${aws:username}aa");
    assert!(matches!(decide(proposed, &fails), Verdict::Violated(_)));
}

/// Two keys coupled across strings with case folding (session 11,
/// encodings/policy-variables.md "Session 11 (words)"). The proposal grants `b/${u}/*` when
/// `s3:prefix` is like `${u}*`; the baseline denies `b/${deny}` when `s3:prefix` equals
/// `${team}` (ignoring case). Shaped like `differential_findings_session9.rs`
/// `user_prefix_object_against_deny_on_a_team_with_prefix_equal_to_team_passes`.
const TWO_KEYS_PROPOSED: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/${AWS:UserName}/*"],"Condition":{"StringLike":{"s3:prefix":"${AWS:UserName}*"}}}]}"#;
const TWO_KEYS_BASELINE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":["arn:aws:s3:::b/a${aws:PrincipalTag/team, 'none'}"],"Condition":{"StringEqualsIgnoreCase":{"s3:prefix":"${aws:PrincipalTag/team}"}}},{"Effect":"Allow","Action":"s3:GetObject"}]}"#;

/// Passes, each by the lemma naming atoms only: folded, the resource is in `b/a${u}*` (the
/// team replaced by the prefix's template) and in `b/${u}/*`, so `u ∈ a*` and then `a`
/// meets `/`. A cased literal (`b/A${team}`) and an exact equality change nothing folded.
#[test]
fn two_keys_through_the_prefix_equality_pass() {
    let cased = TWO_KEYS_BASELINE.replace("b/a${", "b/A${");
    let exact = TWO_KEYS_BASELINE.replace("StringEqualsIgnoreCase", "StringEquals");
    for baseline in [TWO_KEYS_BASELINE, &cased, &exact] {
        let verdict = decide(TWO_KEYS_PROPOSED, baseline);
        assert!(matches!(verdict, Verdict::Holds), "{baseline}: {verdict:?}");
    }
}

/// Near variants that fail (each counterexample replayed inside `decide`), so the
/// substituted equation cannot claim too much: without the `a` (`u = x`, team `x/…`),
/// with no `/` after the user name (`u = a`, team `a…`), with the user name anywhere in
/// the prefix (`*${u}*`: team `/a`, resource `b/a/a`; traced with the team like `*x`, the
/// equation is asked and answers `Found`), and after one character (`?${u}*`: asked too).
#[test]
fn two_keys_through_the_prefix_equality_near_variants_fail() {
    let no_a = TWO_KEYS_BASELINE.replace("b/a${", "b/${");
    let no_slash = TWO_KEYS_PROPOSED.replace("${AWS:UserName}/*", "${AWS:UserName}*");
    let anywhere = TWO_KEYS_PROPOSED.replace("\"${AWS:UserName}*\"", "\"*${AWS:UserName}*\"");
    let team_x = TWO_KEYS_BASELINE.replace(
        "\"${aws:PrincipalTag/team}\"}",
        "\"${aws:PrincipalTag/team}\"},\"StringLike\":{\"aws:PrincipalTag/team\":\"*x\"}",
    );
    let one_before = TWO_KEYS_PROPOSED.replace("\"${AWS:UserName}*\"", "\"?${AWS:UserName}*\"");
    for (proposed, baseline) in [
        (TWO_KEYS_PROPOSED, no_a.as_str()),
        (&no_slash, TWO_KEYS_BASELINE),
        (&anywhere, TWO_KEYS_BASELINE),
        (&anywhere, &team_x),
        (&one_before, TWO_KEYS_BASELINE),
    ] {
        let verdict = decide(proposed, baseline);
        assert!(
            matches!(verdict, Verdict::Violated(_)),
            "{proposed} {baseline}: {verdict:?}"
        );
    }
}
