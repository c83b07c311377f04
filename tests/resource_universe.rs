//! `--resource-universe catalog`: the prover's universe and the evaluator's refusals are one
//! (encodings/resource-universe.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;

use common::policy;
use keyaki::eval::{evaluate_in, Decision, PolicyType};
use keyaki::explain::{check_no_new_access, CheckOptions, Verdict};
use keyaki::request::universe::{admits, parse_request_in};
use keyaki::request::Request;
use keyaki::ResourceUniverse;

fn options(universe: ResourceUniverse) -> CheckOptions {
    CheckOptions {
        policy_type: PolicyType::Identity,
        resource_universe: universe,
        ..CheckOptions::default()
    }
}

fn allow(actions: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{actions},"Resource":{resource}}}]}}"#
    )
}

fn check(proposed: &str, baseline: &str, universe: ResourceUniverse) -> Verdict {
    check_no_new_access(&policy(proposed), &policy(baseline), &options(universe))
}

/// Every counterexample is in the universe, prints to JSON the request parser reads back in
/// that universe, and replays through the evaluator as claimed.
fn counterexamples(
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

#[test]
fn worklink_short_arn_is_equivalent_to_the_long_one_in_catalog_only() {
    let short = allow(r#""worklink:*""#, r#""arn:aws:worklink:*""#);
    let long = allow(r#""worklink:*""#, r#""arn:aws:worklink:*:*:*""#);
    assert_eq!(
        check(&short, &long, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    assert_eq!(
        check(&long, &short, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    // Open: `arn:aws:worklink:x` has too few segments for the long pattern.
    let open = check(&short, &long, ResourceUniverse::Open);
    let found = counterexamples(&open, &short, &long, ResourceUniverse::Open);
    let resource = found[0].resource.clone().unwrap();
    assert!(resource.starts_with("arn:aws:worklink:"), "{resource}");
    assert!(
        admits(ResourceUniverse::Catalog, &found[0]).is_err(),
        "{resource}"
    );
}

#[test]
fn a_bucket_arn_is_no_object_for_get_object() {
    // `arn:aws:s3:::b` is a bucket: GetObject acts on objects, which all match `b*/*`.
    let proposed = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::b*""#);
    let baseline = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::b*/*""#);
    assert_eq!(
        check(&proposed, &baseline, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    let open = check(&proposed, &baseline, ResourceUniverse::Open);
    counterexamples(&open, &proposed, &baseline, ResourceUniverse::Open);
}

#[test]
fn catalog_counterexamples_are_well_formed_arns_that_replay() {
    // ListBucket on a bucket is new; GetObject is not.
    let proposed = allow(
        r#"["s3:GetObject","s3:ListBucket"]"#,
        r#""arn:aws:s3:::b*""#,
    );
    let baseline = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::b*/*""#);
    let verdict = check(&proposed, &baseline, ResourceUniverse::Catalog);
    let found = counterexamples(&verdict, &proposed, &baseline, ResourceUniverse::Catalog);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].action, "s3:ListBucket");
    let resource = found[0].resource.clone().unwrap();
    assert!(
        resource.starts_with("arn:aws:s3:::b") && !resource.contains('/'),
        "{resource}"
    );
}

#[test]
fn the_evaluator_refuses_what_the_universe_excludes() {
    let p = policy(&allow(r#""worklink:*""#, r#""arn:aws:worklink:*""#));
    let text = br#"{"principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
  "action": "worklink:DescribeFleetMetadata", "resource": "arn:aws:worklink:example"}"#;
    // Open: accepted, and the short pattern allows it.
    let open = parse_request_in(text, "r.json", ResourceUniverse::Open).unwrap();
    let decided = evaluate_in(&p, &open, PolicyType::Identity, ResourceUniverse::Open).unwrap();
    assert_eq!(decided.decision, Decision::Allow);
    // Catalog: the parser refuses it at the resource, and so does the evaluator.
    let refused = parse_request_in(text, "r.json", ResourceUniverse::Catalog).unwrap_err();
    assert_eq!((refused.path.as_str(), refused.line), ("$.resource", 2));
    assert!(
        refused.message.contains("worklink:DescribeFleetMetadata"),
        "{refused}"
    );
    assert!(evaluate_in(&p, &open, PolicyType::Identity, ResourceUniverse::Catalog).is_err());
    // A fleet ARN is in the universe.
    let fleet = Request {
        resource: Some("arn:aws:worklink::111122223333:fleet/example".into()),
        ..open
    };
    let decided = evaluate_in(&p, &fleet, PolicyType::Identity, ResourceUniverse::Catalog);
    assert_eq!(decided.unwrap().decision, Decision::Allow);
}

#[test]
fn actions_without_resource_types_are_requested_on_star() {
    // ListAllMyBuckets takes no resource type: only `*`, which `arn:aws:s3:::*` misses.
    let arn_only = allow(r#""s3:ListAllMyBuckets""#, r#""arn:aws:s3:::*""#);
    let nothing = allow(r#""s3:GetObject""#, r#""*""#);
    assert_eq!(
        check(&arn_only, &nothing, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    let open = check(&arn_only, &nothing, ResourceUniverse::Open);
    counterexamples(&open, &arn_only, &nothing, ResourceUniverse::Open);
    // On `*` it is a finding, and the counterexample names `*`.
    let star = allow(r#""s3:ListAllMyBuckets""#, r#""*""#);
    let verdict = check(&star, &nothing, ResourceUniverse::Catalog);
    let found = counterexamples(&verdict, &star, &nothing, ResourceUniverse::Catalog);
    assert_eq!(found[0].resource.as_deref(), Some("*"));
}

#[test]
fn unknown_actions_take_any_well_formed_arn() {
    // `newsvc:*` is all actions AWS may add: outside the catalog, `*` or any ARN.
    let short = allow(r#""newsvc:*""#, r#""arn:aws:newsvc:*""#);
    let long = allow(r#""newsvc:*""#, r#""arn:aws:newsvc:*:*:*""#);
    assert_eq!(
        check(&short, &long, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    let star = allow(r#""newsvc:*""#, r#""*""#);
    let verdict = check(&star, &long, ResourceUniverse::Catalog);
    let found = counterexamples(&verdict, &star, &long, ResourceUniverse::Catalog);
    assert!(found[0].action.starts_with("newsvc:"), "{found:?}");
}

#[test]
fn every_action_on_a_short_arn() {
    // Every catalog action is tried (their formats answered once each), then the invented ones.
    let short = allow(r#""*""#, r#""arn:aws:worklink:*""#);
    let long = allow(r#""*""#, r#""arn:aws:worklink:*:*:*""#);
    assert_eq!(
        check(&short, &long, ResourceUniverse::Catalog),
        Verdict::Holds
    );
    let bucket = allow(r#""*""#, r#""arn:aws:s3:::*""#);
    let verdict = check(&bucket, &long, ResourceUniverse::Catalog);
    let found = counterexamples(&verdict, &bucket, &long, ResourceUniverse::Catalog);
    assert!(found[0]
        .resource
        .as_deref()
        .unwrap()
        .starts_with("arn:aws:s3:::"));
}

#[test]
fn policy_variables_in_catalog_resources() {
    // The user's home prefix holds objects: a counterexample names one and replays.
    let home = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::b/${aws:username}/*""#);
    let other = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::c/*""#);
    let verdict = check(&home, &other, ResourceUniverse::Catalog);
    counterexamples(&verdict, &home, &other, ResourceUniverse::Catalog);
    // A bucket named by the user: GetObject needs a `/` in the name, a ListBucket does not.
    let bucket = allow(r#""s3:ListBucket""#, r#""arn:aws:s3:::${aws:username}""#);
    let verdict = check(&bucket, &other, ResourceUniverse::Catalog);
    counterexamples(&verdict, &bucket, &other, ResourceUniverse::Catalog);
}

#[test]
fn a_user_named_bucket_is_an_object_only_with_a_slash() {
    // `arn:aws:s3:::${aws:username}` is an object ARN only when the user name holds a `/`
    // (the catalog universe admits such names, encodings/resource-universe.md): a
    // counterexample that replays, never a pass, and never unknown (the action's formats are
    // learned as resource atoms, so the name is chosen inside the object format).
    let bucket = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::${aws:username}""#);
    let other = allow(r#""s3:GetObject""#, r#""arn:aws:s3:::c/*""#);
    let verdict = check_no_new_access(
        &policy(&bucket),
        &policy(&other),
        &options(ResourceUniverse::Catalog),
    );
    let found = counterexamples(&verdict, &bucket, &other, ResourceUniverse::Catalog);
    let resource = found[0].resource.as_deref().unwrap_or("");
    let name = resource.trim_start_matches("arn:aws:s3:::");
    assert!(name.contains('/'), "{resource}");
}

#[test]
fn public_ssm_parameters_with_no_account_are_in_the_catalog_universe() {
    // AWS-owned public parameters have an empty account (`arn:aws:ssm:REGION::parameter/aws/
    // service/...`): a baseline that needs some account does not cover them, even in the
    // catalog universe (it once excluded them: a pass AWS could refute).
    let any = allow(r#""ssm:GetParameter""#, r#""arn:aws:ssm:*:*:parameter/*""#);
    let some_account = allow(r#""ssm:GetParameter""#, r#""arn:aws:ssm:*:?*:parameter/*""#);
    let verdict = check(&any, &some_account, ResourceUniverse::Catalog);
    let found = counterexamples(&verdict, &any, &some_account, ResourceUniverse::Catalog);
    let resource = found[0].resource.as_deref().unwrap_or("");
    assert!(resource.contains("::parameter/"), "{resource}");
    let public = br#"{"principal":{"AWS":"arn:aws:iam::111122223333:role/r"},"action":"ssm:GetParameter","resource":"arn:aws:ssm:us-east-1::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"}"#;
    assert!(parse_request_in(public, "r.json", ResourceUniverse::Catalog).is_ok());
}
