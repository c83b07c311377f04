//! ARN templates whose values may hold colons (`encodings/arn-template-classes.md`, session 13):
//! an ARN template whose wildcards are free for every value is its Like atom (`${dept}*`,
//! `${a}${b}`, `${t}K`), and one that is not (`*${u}`) is related to other patterns per colon
//! class of its values. The reviewer's fuzz6/fuzz6b unknowns (timeout or memory budget at
//! `--timeout 10` on main 8a021db), each with the verdict it must reach, and near variants
//! that must not be claimed. Every counterexample is replayed through the evaluator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use findings::{allow_get_object as allow, assert_fails, open_identity};
use keyaki::explain::Verdict;
use serde_json::{json, Value};

fn assert_passes(proposed: &[Value], baseline: &[Value]) {
    let verdict = findings::check(allow(proposed), allow(baseline), &open_identity());
    assert_eq!(verdict, Verdict::Holds);
}

fn assert_fails_on(proposed: &[Value], baseline: &[Value]) {
    assert_fails(allow(proposed), allow(baseline), &open_identity());
}

/// fuzz6b/71512: the prefix is the user name (and like `${team}*`); the baseline wants it ARN-equal
/// to `*${aws:username}`, whose `*` is bounded when the name holds a colon but may be empty: every
/// prefix equal to the name matches. Main: timeout. Now: pass, by the per-class inclusion
/// `prefix = ${u}` ⊆ `*${u}` (ARN) in each colon class of the name (0.13 s).
#[test]
fn prefix_equal_to_user_is_arn_equal_to_star_user() {
    let proposed = json!({"StringEqualsIfExists":{"s3:prefix":"${aws:username}"},
        "StringLike":{"s3:prefix":"${aws:PrincipalTag/team}*"}});
    assert_passes(
        &[proposed],
        &[json!({"ArnEquals":{"s3:prefix":"*${aws:username}"}})],
    );
}

/// Near variants of 71512 that fail: `?${u}` wants one more character; `*:${u}` a colon before
/// the name; and the prefix only like `*${u}` (not equal) against the ARN `*${u}`, which a name
/// with a colon refutes (`u = a:b`, prefix `x:a:b`: the ARN's `*` stays in its segment).
#[test]
fn prefix_near_the_user_is_not_arn_equal_to_star_user() {
    let equal = json!({"StringEquals":{"s3:prefix":"${aws:username}"}});
    assert_fails_on(
        std::slice::from_ref(&equal),
        &[json!({"ArnEquals":{"s3:prefix":"?${aws:username}"}})],
    );
    assert_fails_on(
        &[equal],
        &[json!({"ArnEquals":{"s3:prefix":"*:${aws:username}"}})],
    );
    assert_fails_on(
        &[json!({"StringLike":{"s3:prefix":"*${aws:username}"}})],
        &[json!({"ArnLike":{"s3:prefix":"*${aws:username}"}})],
    );
}

/// The other direction holds: ARN-like `*${u}` is inside Like `*${u}` for every name (a bounded
/// `*` takes less than a free one).
#[test]
fn arn_star_user_is_inside_like_star_user() {
    assert_passes(
        &[json!({"ArnLike":{"s3:prefix":"*${aws:username}"}})],
        &[json!({"StringLike":{"s3:prefix":"*${aws:username}"}})],
    );
}

/// fuzz6/61794: the team ARN-equal to `${dept}*` (a Like atom: its `*` is last) but not like
/// `*${dept}`. Main: memory budget. Now: fail (team `dept·x`).
#[test]
fn team_starting_with_dept_need_not_end_with_it() {
    assert_fails_on(
        &[
            json!({"StringEqualsIfExists":{"aws:PrincipalTag/team":"${aws:username, 'd'}"},
            "ArnEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/dept}*"}}),
        ],
        &[json!({"StringLike":{"aws:PrincipalTag/team":"*${aws:PrincipalTag/dept}"}})],
    );
}

/// fuzz6/61237: the team ARN-equal to `${dept}${username}` starts with the dept. Main: timeout.
/// Now: pass.
#[test]
fn team_of_dept_and_user_starts_with_dept() {
    assert_passes(
        &[
            json!({"StringEqualsIfExists":{"aws:PrincipalTag/team":"${aws:username, 'd'}"},
            "ArnEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/dept}${aws:username}"}}),
        ],
        &[
            json!({"ArnEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/dept}*"}}),
            json!({"ArnEquals":{"aws:PrincipalTag/dept":"K"}}),
        ],
    );
}

/// fuzz6/61473: the baseline's ARN `${prefix}*` is the proposal's Like `${prefix}*`. Main: memory
/// budget. Now: pass.
#[test]
fn dept_like_prefix_star_is_arn_like_prefix_star() {
    assert_passes(
        &[
            json!({"StringLike":{"aws:PrincipalTag/dept":"${s3:prefix}*"},
            "ArnEquals":{"aws:PrincipalTag/dept":"*${aws:username}","s3:prefix":"*${s3:prefix}"}}),
        ],
        &[json!({"ArnEquals":{"aws:PrincipalTag/dept":"${s3:prefix}*"}})],
    );
}

/// fuzz6b/71941: the same with the user name and `${dept}*`. Main: timeout. Now: pass; without
/// the proposal's `${dept}*` it fails.
#[test]
fn user_like_dept_star_is_arn_like_dept_star() {
    let rest = json!({"StringEqualsIfExists":{"aws:username":"${aws:PrincipalTag/team}k"},
        "StringNotLike":{"aws:username":"${aws:username}k"}});
    let mut with_dept = rest.clone();
    with_dept["StringLike"] = json!({"aws:username":"${aws:PrincipalTag/dept}*"});
    let baseline = json!({"ArnEquals":{"aws:username":"${aws:PrincipalTag/dept}*"}});
    assert_passes(&[with_dept], std::slice::from_ref(&baseline));
    assert_fails_on(&[rest], &[baseline]);
}

/// fuzz6b/70998: the prefix ARN-equal to `${team}K` and like `${dept}${team}`; the baseline wants
/// the dept ARN-equal to the prefix. Main: timeout. Now: fail (dept `K`, team `K`, prefix `KK`).
#[test]
fn prefix_of_dept_and_team_k_need_not_be_the_dept() {
    assert_fails_on(
        &[
            json!({"StringLike":{"s3:prefix":"${aws:PrincipalTag/dept}${aws:PrincipalTag/team}"},
            "ArnEquals":{"s3:prefix":"${aws:PrincipalTag/team}\u{212a}"}}),
        ],
        &[json!({"ArnEquals":{"aws:PrincipalTag/dept":"${s3:prefix, 'd'}"}})],
    );
}
