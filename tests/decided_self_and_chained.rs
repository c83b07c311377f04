//! Near variants of session 10's self-cycle passes and chained-equality fail
//! (`tests/differential_findings_session10.rs`): what the two lemmas of
//! `encode/lemmas/templates.rs` (`self_reference_lemmas`) and `encode/lemmas/chained.rs` must
//! not claim. Every counterexample replays through the evaluator after a round trip through
//! the request parser. Times are not asserted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::decide_identity as decide;
use keyaki::explain::Verdict;

fn statement(effect: &str, action: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"{condition}}}]}}"#
    )
}

fn assert_fails(proposed: &str, baseline: &str) {
    let verdict = decide(proposed, baseline);
    assert!(matches!(verdict, Verdict::Violated(_)), "{verdict:?}");
}

/// The user name like a template that reads it with no text every match needs: `*${u}`
/// holds, `${team, ''}${u}` holds without the tag (the default is empty), and `${team}/*`
/// reads another key only. Each is allowed where the baseline denies: a counterexample, not
/// the self-reference lemma's "never".
#[test]
fn user_like_itself_without_needed_text_fails() {
    let deny = statement("Deny", "iam:GetUser", "");
    for like in [
        "*${aws:username}",
        "${aws:principaltag/TEAM, ''}${aws:username}",
        "${aws:principaltag/TEAM}/*",
    ] {
        let allow = statement(
            "Allow",
            "iam:GetUser",
            &format!(r#"{{"StringLike":{{"aws:username":["{like}"]}}}}"#),
        );
        assert_fails(&allow, &deny);
    }
}

/// The team equal to `${team}${other, ''}` ignoring case holds when `other` is absent, and to
/// `${team}` always: against a baseline asking it equal to the account, counterexamples.
#[test]
fn team_equal_to_itself_without_needed_text_fails() {
    let baseline = statement(
        "Allow",
        "*",
        r#"{"StringEquals":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}"#,
    );
    for template in [
        "${aws:PrincipalTag/team}${aws:PrincipalTag/other, ''}",
        "${aws:PrincipalTag/team}",
    ] {
        let proposed = statement(
            "Allow",
            "*",
            &format!(r#"{{"StringEqualsIgnoreCase":{{"aws:PrincipalTag/team":["{template}"]}}}}"#),
        );
        assert_fails(&proposed, &baseline);
    }
}

const OWNER_IS_ACCOUNT_AND_TEAM: &str = r#"{"StringEquals":{"aws:ResourceTag/owner":["${aws:PrincipalAccount}"]},"StringEqualsIgnoreCaseIfExists":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team}"]}}"#;

/// The owner equal to the account and, ignoring case, to the team makes the team equal to the
/// account ignoring case: a proof against a baseline asking exactly that (before: the
/// timeout, the team's globs met one account at a time).
#[test]
fn owner_equal_to_account_and_team_makes_them_equal_ignoring_case() {
    let proposed = statement("Allow", "s3:ListBucket", OWNER_IS_ACCOUNT_AND_TEAM);
    let baseline = statement(
        "Allow",
        "s3:ListBucket",
        r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}"#,
    );
    let verdict = decide(&proposed, &baseline);
    assert!(matches!(verdict, Verdict::Holds), "{verdict:?}");
}

/// Not exactly: one comparison ignores case, so the chained atom ignores case too, and a
/// baseline asking the team exactly equal to the account is broken by a case variant.
#[test]
fn owner_equal_to_account_and_team_ignoring_case_is_not_exact() {
    let proposed = statement("Allow", "s3:ListBucket", OWNER_IS_ACCOUNT_AND_TEAM);
    let baseline = statement(
        "Allow",
        "s3:ListBucket",
        r#"{"StringEquals":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}"#,
    );
    assert_fails(&proposed, &baseline);
}

/// The team compared with a default (`${team, 'none'}`) is not chained (an absent team reads
/// `none`): the owner `none` equal to the account `none`, no team, breaks a baseline asking
/// the team equal to the account ignoring case.
#[test]
fn owner_equal_to_account_and_team_with_default_is_not_chained() {
    let proposed = statement(
        "Allow",
        "s3:ListBucket",
        r#"{"StringEquals":{"aws:ResourceTag/owner":["${aws:PrincipalAccount}"]},"StringEqualsIgnoreCase":{"aws:ResourceTag/owner":["${aws:PrincipalTag/team, 'none'}"]}}"#,
    );
    let baseline = statement(
        "Allow",
        "s3:ListBucket",
        r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":["${aws:PrincipalAccount}"]}}"#,
    );
    assert_fails(&proposed, &baseline);
}
