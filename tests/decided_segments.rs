//! Session 12 (segments): a key's value in an ARN's first five segments with a wildcard its
//! colons could free (a `*` after the value), behind a leading `*` or not, in the partition,
//! region or account (`src/explain/segment_hole.rs`). A generated family of such pairs: every
//! counterexample replays (`findings::check`), every pass is cross-checked by a search over
//! requests built from the templates (team values with and without colons, the wildcards
//! filled with texts that hold colons or not), and the shapes the superset reading decides
//! must not end unknown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/gen/findings.rs"]
mod findings;
#[path = "../fuzz/gen/mod.rs"]
mod gen;
#[path = "../fuzz/gen/oracles.rs"]
mod oracles;

use keyaki::eval::{evaluate, Decision, PolicyType};
use keyaki::explain::Verdict;
use serde_json::{json, Value};
use std::time::Duration;

const TEAM: &str = "${aws:PrincipalTag/team}";

/// Where the team stands: partition, region or account.
const SEGMENTS: [usize; 3] = [1, 3, 4];

/// `arn:aws:sqs:*:1:q` with the team (and `after`) in segment `at`, `tail` after the account.
fn arn(at: usize, after: &str, tail: &str) -> String {
    let mut parts: [String; 5] = ["arn", "aws", "sqs", "*", "1"].map(String::from);
    parts[at] = format!("{TEAM}{after}");
    format!("{}:{tail}", parts.join(":"))
}

fn statement(resource: &str) -> Value {
    json!([{"Effect":"Allow","Action":"sqs:SendMessage","Resource":resource}])
}

/// The pattern with its template written in, each wildcard filled from `fills`.
fn instances(pattern: &str, team: &str) -> Vec<String> {
    let resolved = pattern.replace(TEAM, team);
    let fills = ["", "x", "a:b", "1:q"];
    let mut out = vec![String::new()];
    for c in resolved.chars() {
        out = if c == '*' {
            out.iter()
                .flat_map(|s| fills.iter().map(move |f| format!("{s}{f}")))
                .collect()
        } else {
            out.into_iter().map(|s| format!("{s}{c}")).collect()
        };
    }
    out
}

/// A request the proposal allows and the baseline does not, among resources built from both
/// patterns for a few team values.
fn refutation(proposed: &str, baseline: &str) -> Option<String> {
    let p = oracles::parse_generated_policy(&findings::policy(statement(proposed)));
    let b = oracles::parse_generated_policy(&findings::policy(statement(baseline)));
    for team in ["t", "a:b", "x:y:z", "aws"] {
        let mut resources = instances(proposed, team);
        resources.extend(instances(baseline, team));
        for resource in resources {
            let request = json!({"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
                "action":"sqs:SendMessage","resource":resource,
                "context":{"aws:PrincipalTag/team":team}});
            let r = oracles::parse_generated_request(&request);
            if evaluate(&p, &r, PolicyType::Identity).decision == Decision::Allow
                && evaluate(&b, &r, PolicyType::Identity).decision != Decision::Allow
            {
                return Some(request.to_string());
            }
        }
    }
    None
}

#[test]
fn team_segment_with_a_star_after_it_is_decided_and_sound() {
    let options = keyaki::explain::CheckOptions {
        timeout: Duration::from_secs(10),
        ..findings::open_identity()
    };
    let (mut passes, mut fails, mut unknown) = (0, 0, Vec::new());
    for at in SEGMENTS {
        for lead in ["", "*"] {
            for (after_p, after_b) in [("*", "*"), ("*", ""), ("", "*")] {
                for (tail_p, tail_b) in [("q", "q"), ("q", "q*"), ("q*", "q"), ("*", "q")] {
                    let proposed = format!("{lead}{}", arn(at, after_p, tail_p));
                    let baseline = arn(at, after_b, tail_b);
                    let verdict =
                        findings::check(statement(&proposed), statement(&baseline), &options);
                    match verdict {
                        Verdict::Holds => {
                            passes += 1;
                            if let Some(request) = refutation(&proposed, &baseline) {
                                panic!("pass refuted: {proposed} against {baseline}: {request}");
                            }
                        }
                        Verdict::Violated(_) => fails += 1,
                        Verdict::Unknown(reason) => {
                            unknown.push(format!("{proposed} against {baseline}: {reason}"))
                        }
                    }
                }
            }
        }
    }
    println!(
        "{passes} pass, {fails} fail, {} unknown: {unknown:#?}",
        unknown.len()
    );
    // The leading `*` shapes fail (a resource before `arn:`), and the superset reading decides
    // them: none may end unknown.
    let lead_unknown: Vec<&String> = unknown.iter().filter(|u| u.starts_with('*')).collect();
    assert!(lead_unknown.is_empty(), "{lead_unknown:#?}");
}
