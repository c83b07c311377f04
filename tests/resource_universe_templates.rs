//! Policy variables in a Resource under `--resource-universe catalog`: whether the resource
//! fits the action's ARN formats depends on the value (`encodings/resource-universe.md`,
//! "Policy variables that decide the format"). Each check decides (a proof, or
//! counterexamples that the request parser reads back in the universe and the evaluator
//! replays), and the catalog universe admits IAM user names holding `/` in both the
//! evaluator and the prover.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;

use common::policy;
use keyaki::eval::{evaluate_in, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::request::universe::{admits, parse_request_in};
use keyaki::request::Request;
use keyaki::{ActionUniverse, ResourceUniverse};
use std::time::Duration;

fn options(universe: ResourceUniverse) -> CheckOptions {
    CheckOptions {
        policy_type: PolicyType::Identity,
        resource_universe: universe,
        timeout: Duration::from_secs(20),
        ..CheckOptions::default()
    }
}

fn statements(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#)
}

fn check_in(proposed: &str, baseline: &str, options: &CheckOptions) -> Verdict {
    check_no_new_access(&policy(proposed), &policy(baseline), options)
}

/// Every counterexample is in the universe, prints to JSON the request parser reads back in
/// it, and replays through the evaluator as claimed.
fn replayed(
    verdict: &Verdict,
    proposed: &str,
    baseline: &str,
    universe: ResourceUniverse,
) -> Vec<Request> {
    let Verdict::Violated(list) = verdict else {
        panic!("expected counterexamples, got {verdict:?}");
    };
    let (p, b) = (policy(proposed), policy(baseline));
    list.iter()
        .map(|cx| {
            let json = serde_json::to_string(&cx.request).unwrap();
            let back = parse_request_in(json.as_bytes(), "cx.json", universe)
                .unwrap_or_else(|e| panic!("{json} is refused: {e}"));
            let replay = |pol| evaluate_in(pol, &back, PolicyType::Identity, universe).unwrap();
            assert_eq!(replay(&p).decision, Decision::Allow, "{json}");
            assert_ne!(replay(&b).decision, Decision::Allow, "{json}");
            back
        })
        .collect()
}

fn context_value(request: &Request, key: &str) -> String {
    let json = serde_json::to_value(request).unwrap();
    let context = json["context"].as_object().cloned().unwrap_or_default();
    let value = context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no {key} in {json}"));
    match value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(a) => a[0].as_str().unwrap().to_string(),
        other => panic!("{other}"),
    }
}

#[test]
fn a_bucket_named_by_a_tag_is_an_object_when_the_tag_holds_a_slash() {
    let tagged = statements(
        r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}"}]"#,
    );
    let other =
        statements(r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::c/*"}]"#);
    let catalog = ResourceUniverse::Catalog;
    let verdict = check_in(&tagged, &other, &options(catalog));
    let found = replayed(&verdict, &tagged, &other, catalog);
    for request in &found {
        let team = context_value(request, "aws:PrincipalTag/team");
        assert!(team.contains('/'), "{team}");
        assert_eq!(
            request.resource.as_deref(),
            Some(format!("arn:aws:s3:::{team}").as_str())
        );
    }
}

#[test]
fn every_object_covers_a_tag_named_bucket_in_the_catalog_universe_only() {
    let tagged = statements(
        r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:PrincipalTag/team}"}]"#,
    );
    let objects =
        statements(r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/*"}]"#);
    // Catalog: the template names an object only with a `/`, and every object is covered.
    assert_eq!(
        check_in(&tagged, &objects, &options(ResourceUniverse::Catalog)),
        Verdict::Holds
    );
    // Open: a team without `/` names a bucket ARN, which the baseline does not cover.
    let open = check_in(&tagged, &objects, &options(ResourceUniverse::Open));
    let found = replayed(&open, &tagged, &objects, ResourceUniverse::Open);
    assert!(
        admits(ResourceUniverse::Catalog, &found[0]).is_err(),
        "{:?}",
        found[0]
    );
}

#[test]
fn the_catalog_universe_admits_user_names_holding_a_slash_in_the_evaluator_and_the_prover() {
    // The choice (encodings/resource-universe.md): the universe restricts the resource only;
    // an `aws:username` value is any text, `/` included, in both.
    let text = br#"{"principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},
 "action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{"aws:username":"b/k"}}"#;
    let request = parse_request_in(text, "r.json", ResourceUniverse::Catalog).unwrap();
    let deny = statements(
        r#"[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::${aws:username}"},{"Effect":"Allow","Action":"s3:Get*"}]"#,
    );
    let decided = evaluate_in(
        &policy(&deny),
        &request,
        PolicyType::Identity,
        ResourceUniverse::Catalog,
    )
    .unwrap();
    assert_eq!(decided.decision, Decision::ExplicitDeny);
    // The prover finds the same kind of request: the Deny bites only for such a name.
    let all = statements(r#"[{"Effect":"Allow","Action":"s3:GetObject"}]"#);
    let catalog = ResourceUniverse::Catalog;
    let verdict = check_in(&all, &deny, &options(catalog));
    for request in replayed(&verdict, &all, &deny, catalog) {
        let name = context_value(&request, "aws:username");
        assert!(name.contains('/'), "{name}");
    }
}

#[test]
fn a_user_path_template_is_covered_by_iam_star_and_not_by_iam_get() {
    let paths = statements(
        r#"[{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam::*:user/*/${aws:PrincipalTag/team, 'none'}"}]"#,
    );
    let catalog_both = CheckOptions {
        action_universe: ActionUniverse::Catalog,
        ..options(ResourceUniverse::Catalog)
    };
    // Only IAM actions take IAM user ARNs.
    let iam = statements(r#"[{"Effect":"Allow","Action":"iam:*"}]"#);
    assert_eq!(check_in(&paths, &iam, &catalog_both), Verdict::Holds);
    // Not every IAM action is a Get.
    let get = statements(r#"[{"Effect":"Allow","Action":"iam:Get*"}]"#);
    let verdict = check_in(&paths, &get, &catalog_both);
    for request in replayed(&verdict, &paths, &get, ResourceUniverse::Catalog) {
        let action = request.action.to_lowercase();
        assert!(
            action.starts_with("iam:") && !action.starts_with("iam:get"),
            "{action}"
        );
        let resource = request.resource.unwrap_or_default();
        assert!(
            resource.starts_with("arn:aws:iam::") && resource.contains(":user/"),
            "{resource}"
        );
    }
}

#[test]
fn a_tag_in_the_resource_part_of_an_iam_arn_names_a_role_for_assume_role() {
    let tagged = statements(
        r#"[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:${aws:PrincipalTag/team}"}]"#,
    );
    let nothing =
        statements(r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::c/*"}]"#);
    let catalog = ResourceUniverse::Catalog;
    let verdict = check_in(&tagged, &nothing, &options(catalog));
    for request in replayed(&verdict, &tagged, &nothing, catalog) {
        let team = context_value(&request, "aws:PrincipalTag/team");
        assert!(team.starts_with("role/"), "{team}");
    }
}

#[test]
fn a_tag_in_the_account_segment_is_never_a_pass() {
    // The value may hold colons and move the segments: `1:role/x` names a role. No tight
    // reading exists there, so the check may end unknown, but never a wrong pass.
    let tagged = statements(
        r#"[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::${aws:PrincipalTag/team}"}]"#,
    );
    let nothing =
        statements(r#"[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::c/*"}]"#);
    let quick = CheckOptions {
        timeout: Duration::from_secs(3),
        ..options(ResourceUniverse::Catalog)
    };
    let verdict = check_in(&tagged, &nothing, &quick);
    assert_ne!(verdict, Verdict::Holds);
    if let Verdict::Violated(_) = verdict {
        replayed(&verdict, &tagged, &nothing, ResourceUniverse::Catalog);
    }
}

#[test]
fn a_long_list_of_actions_that_never_take_the_denied_resources_is_one_round_not_one_per_action() {
    // Every EC2 action of the catalog (826 of them), against a baseline that denies everything
    // but CloudFormation reads on three security ARNs no EC2 action takes. In the catalog
    // universe a pass. Learning one lemma per listed action and resource pattern needed more
    // rounds than the refinement budget (2,000): `unknown` whatever the timeout. The lemma
    // now rules out every listed action that takes none of those ARNs at once.
    let names: Vec<String> = keyaki::catalog::catalog()
        .all_actions()
        .filter(|a| a.service == "ec2")
        .map(|a| format!("\"{}\"", a.full_name))
        .collect();
    assert!(names.len() > 700, "{}", names.len());
    let ec2 = statements(&format!(
        r#"[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]"#,
        names.join(",")
    ));
    let baseline = statements(
        r#"[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","NotAction":["cloudformation:Describe*"],"Resource":["arn:aws:cloudformation:*:*:stack/security-*/*","arn:aws:lambda:*:*:function:security-*","arn:aws:logs:*:*:log-group:/security/*"]}]"#,
    );
    let patient = CheckOptions {
        timeout: Duration::from_secs(600),
        ..options(ResourceUniverse::Catalog)
    };
    assert_eq!(check_in(&ec2, &baseline, &patient), Verdict::Holds);
    // Open: an EC2 action on a CloudFormation stack ARN is a request there.
    let open = check_in(&ec2, &baseline, &options(ResourceUniverse::Open));
    replayed(&open, &ec2, &baseline, ResourceUniverse::Open);
}
