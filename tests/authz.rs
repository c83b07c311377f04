//! The whole-context evaluator against the documented evaluation logic, layer by layer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::authz::context::parse_context;
use keyaki::authz::{decide, AuthzContext, Layer};
use keyaki::eval::Decision;
use keyaki::request::{Principal, Request};
use serde_json::{json, Value};
use std::path::Path;

const ACCT: &str = "111122223333";
const OTHER: &str = "444455556666";
const USER: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";

fn ctx(v: Value) -> AuthzContext {
    parse_context(&serde_json::to_vec(&v).unwrap(), "ctx.json", Path::new(".")).unwrap()
}

fn doc(statements: Value) -> Value {
    json!({"document": {"Version": "2012-10-17", "Statement": statements}})
}

fn allow(action: &str, resource: &str) -> Value {
    doc(json!([{"Sid": "A", "Effect": "Allow", "Action": action, "Resource": resource}]))
}

fn req(principal: &str, action: &str, resource: &str) -> Request {
    Request::new(Principal::Aws(principal.into()), action, Some(resource))
}

fn org(account_scps: Value, rcps: Value) -> Value {
    json!({"id": "o-abc123", "management_account": "999999999999",
           "units": {"r-root": {}, "ou-prod": {"scps": [allow("*", "*")]}},
           "accounts": {ACCT: {"path": ["r-root", "ou-prod"], "scps": account_scps, "rcps": rcps},
                        OTHER: {"path": ["r-root"]}}})
}

fn user_ctx(identity: Vec<Value>) -> Value {
    json!({"principal": {"arn": USER, "identity_policies": identity}})
}

#[test]
fn same_account_identity_policy_decides_without_a_resource_policy() {
    let c = ctx(user_ctx(vec![allow("s3:GetObject", "*")]));
    let d = decide(&c, &req(USER, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_eq!(d.decision, Decision::Allow);
    assert_eq!(d.deciding[0].layer, Layer::Identity);
    assert!(!d.cross_account);
    let d = decide(&c, &req(USER, "s3:PutObject", "arn:aws:s3:::b/k"));
    assert_eq!(d.decision, Decision::ImplicitDeny);
    assert_eq!(d.deciding[0].layer, Layer::Identity);
}

#[test]
fn scp_explicit_deny_and_missing_allow_per_level() {
    let deny = doc(json!([{"Sid": "NoEc2", "Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]));
    let mut v = user_ctx(vec![allow("*", "*")]);
    v["organization"] = org(json!([allow("s3:*", "*"), deny]), json!([]));
    let c = ctx(v);
    let d = decide(&c, &req(USER, "ec2:RunInstances", "*"));
    assert_eq!(d.decision, Decision::ExplicitDeny);
    assert_eq!(d.deciding[0].layer, Layer::Scp);
    assert_eq!(d.deciding[0].statements[0].sid.as_deref(), Some("NoEc2"));
    // The account level allows only s3:*: sqs is implicitly denied at that level.
    let d = decide(&c, &req(USER, "sqs:SendMessage", "*"));
    assert_eq!(d.decision, Decision::ImplicitDeny);
    assert_eq!(
        (d.deciding[0].layer, d.deciding[0].level.as_deref()),
        (Layer::Scp, Some(ACCT))
    );
    assert_eq!(
        decide(&c, &req(USER, "s3:GetObject", "arn:aws:s3:::b/k")).decision,
        Decision::Allow
    );
}

#[test]
fn scps_skip_service_linked_roles_and_the_management_account() {
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig";
    let deny_all = doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]));
    let mut v = json!({"principal": {"arn": slr, "identity_policies": [allow("config:*", "*")]}});
    v["organization"] = org(json!([allow("*", "*"), deny_all.clone()]), json!([]));
    let c = ctx(v);
    let d = decide(&c, &req(slr, "config:PutConfigRule", "*"));
    assert_eq!(d.decision, Decision::Allow, "{d:?}");
    // The same SCP stops an ordinary user of the account.
    let mut v = user_ctx(vec![allow("config:*", "*")]);
    v["organization"] = org(json!([allow("*", "*"), deny_all.clone()]), json!([]));
    assert_eq!(
        decide(&ctx(v), &req(USER, "config:PutConfigRule", "*")).decision,
        Decision::ExplicitDeny
    );
    // The management account is not restricted by SCPs.
    let mgmt_user = "arn:aws:iam::999999999999:user/bob";
    let mut v = json!({"principal": {"arn": mgmt_user, "identity_policies": [allow("*", "*")]}});
    v["organization"] = org(json!([deny_all]), json!([]));
    assert_eq!(
        decide(&ctx(v), &req(mgmt_user, "config:PutConfigRule", "*")).decision,
        Decision::Allow
    );
}

#[test]
fn rcps_restrict_supported_services_of_member_accounts_only() {
    let rcp = doc(
        json!([{"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}}]),
    );
    let outsider = "arn:aws:iam::777788889999:user/eve";
    let mut v = json!({"principal": {"arn": outsider, "identity_policies": [allow("*", "*")]},
        "resource": {"arn": "arn:aws:s3:::b", "account": ACCT,
                     "policy": doc(json!([{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]))}});
    v["organization"] = org(json!([allow("*", "*")]), json!([rcp]));
    let c = ctx(v);
    let d = decide(&c, &req(outsider, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_eq!(d.decision, Decision::ExplicitDeny);
    assert_eq!(d.deciding[0].layer, Layer::Rcp);
    assert!(d.cross_account);
    // ec2 is not a service RCPs apply to.
    let d = decide(&c, &req(outsider, "ec2:DescribeInstances", "*"));
    assert_eq!(d.decision, Decision::Allow, "{d:?}");
}

#[test]
fn permissions_boundary_and_session_policies_bound_identity_grants() {
    let mut v = user_ctx(vec![allow("s3:*", "*")]);
    v["principal"]["permissions_boundary"] = allow("s3:GetObject", "*");
    let c = ctx(v);
    assert_eq!(
        decide(&c, &req(USER, "s3:GetObject", "arn:aws:s3:::b/k")).decision,
        Decision::Allow
    );
    let d = decide(&c, &req(USER, "s3:PutObject", "arn:aws:s3:::b/k"));
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::PermissionsBoundary)
    );

    let c = ctx(json!({"principal": {"arn": ROLE, "session": SESSION,
        "identity_policies": [allow("s3:*", "*")], "session_policies": [allow("s3:GetObject", "*")]}}));
    assert_eq!(
        decide(&c, &req(SESSION, "s3:GetObject", "arn:aws:s3:::b/k")).decision,
        Decision::Allow
    );
    let d = decide(&c, &req(SESSION, "s3:PutObject", "arn:aws:s3:::b/k"));
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::SessionPolicy)
    );
}

fn bucket(principal: Value) -> Value {
    json!({"arn": "arn:aws:s3:::b", "account": ACCT, "policy": doc(json!([{"Sid": "Grant",
        "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]))})
}

#[test]
fn same_account_resource_grants_by_principal_kind() {
    // A grant to the user ARN is not limited by an implicit deny in its boundary.
    let mut v = user_ctx(vec![]);
    v["principal"]["permissions_boundary"] = allow("ec2:*", "*");
    v["resource"] = bucket(json!(USER));
    let d = decide(&ctx(v), &req(USER, "s3:GetObject", "arn:aws:s3:::b/k"));
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::Allow, Layer::ResourcePolicy),
        "{d:?}"
    );
    // A grant to the role ARN is limited by the session's boundary ...
    let role_ctx = |principal: Value| {
        ctx(
            json!({"principal": {"arn": ROLE, "session": SESSION, "identity_policies": [],
            "permissions_boundary": allow("ec2:*", "*")}, "resource": bucket(principal)}),
        )
    };
    let d = decide(
        &role_ctx(json!(ROLE)),
        &req(SESSION, "s3:GetObject", "arn:aws:s3:::b/k"),
    );
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::Identity)
    );
    // ... a grant to the session ARN is not.
    let d = decide(
        &role_ctx(json!(SESSION)),
        &req(SESSION, "s3:GetObject", "arn:aws:s3:::b/k"),
    );
    assert_eq!(d.decision, Decision::Allow, "{d:?}");
    // A grant to the account delegates to the account's own policies.
    let d = decide(
        &role_ctx(json!(ACCT)),
        &req(SESSION, "s3:GetObject", "arn:aws:s3:::b/k"),
    );
    assert_eq!(d.decision, Decision::ImplicitDeny);
}

#[test]
fn cross_account_needs_both_sides() {
    let other_user = "arn:aws:iam::444455556666:user/carol";
    let with = |identity: Vec<Value>, resource: Value| {
        ctx(
            json!({"principal": {"arn": other_user, "identity_policies": identity}, "resource": resource}),
        )
    };
    let r = req(other_user, "s3:GetObject", "arn:aws:s3:::b/k");
    let no_policy = json!({"arn": "arn:aws:s3:::b", "account": ACCT});
    let d = decide(&with(vec![allow("s3:*", "*")], no_policy), &r);
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::ResourcePolicy)
    );
    assert!(d.cross_account);
    let d = decide(&with(vec![allow("s3:*", "*")], bucket(json!(OTHER))), &r);
    assert_eq!(d.decision, Decision::Allow);
    let layers: Vec<Layer> = d.deciding.iter().map(|x| x.layer).collect();
    assert_eq!(layers, [Layer::ResourcePolicy, Layer::Identity]);
    // The user named directly still needs its own account's allow.
    let d = decide(&with(vec![], bucket(json!(other_user))), &r);
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::Identity)
    );
}

#[test]
fn assume_role_needs_the_trust_policy() {
    let target = "arn:aws:iam::111122223333:role/target";
    let trust = |principal: Value| json!({"arn": target, "policy": doc(json!([{"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}]))});
    let r = req(USER, "sts:AssumeRole", target);
    let c = |identity: Vec<Value>, resource: Value| {
        ctx(
            json!({"principal": {"arn": USER, "identity_policies": identity}, "resource": resource}),
        )
    };
    // No trust policy: the identity policy alone is not enough, even in the same account.
    let d = decide(
        &c(vec![allow("sts:AssumeRole", "*")], json!({"arn": target})),
        &r,
    );
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::ResourcePolicy)
    );
    // Trust in the account: identity must allow too.
    assert_eq!(
        decide(&c(vec![], trust(json!(ACCT))), &r).decision,
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide(
            &c(vec![allow("sts:AssumeRole", "*")], trust(json!(ACCT))),
            &r
        )
        .decision,
        Decision::Allow
    );
    // Trust naming the user: no identity policy needed within the account.
    assert_eq!(
        decide(&c(vec![], trust(json!(USER))), &r).decision,
        Decision::Allow
    );
    // Trust naming someone else.
    let d = decide(
        &c(
            vec![allow("*", "*")],
            trust(json!("arn:aws:iam::111122223333:user/bob")),
        ),
        &r,
    );
    assert_eq!(d.decision, Decision::ImplicitDeny);
}

#[test]
fn kms_keys_need_their_key_policy() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let c = |resource: Value| {
        ctx(
            json!({"principal": {"arn": USER, "identity_policies": [allow("kms:*", "*")]}, "resource": resource}),
        )
    };
    let r = req(USER, "kms:Decrypt", key);
    let d = decide(&c(json!({"arn": key})), &r);
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::ImplicitDeny, Layer::ResourcePolicy)
    );
    let root = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]),
    );
    assert_eq!(
        decide(&c(json!({"arn": key, "policy": root})), &r).decision,
        Decision::Allow
    );
}

#[test]
fn aws_side_rules_override_every_policy() {
    let deny_all = doc(json!([{"Effect": "Deny", "Action": "*", "Resource": "*"}]));
    let c = ctx(user_ctx(vec![deny_all]));
    let d = decide(
        &c,
        &Request::new(Principal::Aws(USER.into()), "sts:GetCallerIdentity", None),
    );
    assert_eq!(
        (d.decision, d.deciding[0].layer),
        (Decision::Allow, Layer::Aws)
    );
    let admin = ctx(user_ctx(vec![allow("*", "*")]));
    for (action, resource) in [
        (
            "iam:PutRolePolicy",
            "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
        ),
        (
            "iam:CreatePolicyVersion",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ),
        (
            "kms:DeleteAlias",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
        ),
    ] {
        let d = decide(&admin, &req(USER, action, resource));
        assert_eq!(
            (d.decision, d.deciding[0].layer),
            (Decision::ExplicitDeny, Layer::Aws),
            "{action}"
        );
    }
    assert_eq!(
        decide(&admin, &req(USER, "iam:PutRolePolicy", ROLE)).decision,
        Decision::Allow
    );
}

#[test]
fn context_errors_name_file_path_and_position() {
    let bad = br#"{"principal": {"arn": "arn:aws:iam::111122223333:user/a",
  "identity_policies": [{"document": {"Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]}}]}}"#;
    let err = parse_context(bad, "ctx.json", Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "ctx.json: principal.identity_policies[0].document.Statement[0].Effect (line 2"
        ),
        "{err}"
    );
    let err = parse_context(
        br#"{"principal": {"arn": "x", "identity_polices": []}}"#,
        "c.json",
        Path::new("."),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("principal.identity_polices") && err.contains("did you mean"),
        "{err}"
    );
    let err = parse_context(br#"{"principal": {"arn": "arn:aws:iam::111122223333:user/a", "identity_policies": ["nope.json"]}}"#, "c.json", Path::new("/nonexistent"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/nope.json"), "{err}");
    let err = parse_context(br#"{"principal": {"arn": "arn:aws:iam::111122223333:user/a"}, "organization": {"id": "o-1", "accounts": {"111122223333": {"path": ["ou-x"]}}}}"#, "c.json", Path::new("."))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("organization.accounts.111122223333.path") && err.contains("ou-x"),
        "{err}"
    );
}

#[test]
fn corpus_snapshot_loads_every_principal() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let path = corpus.join("formats/account-authorization/cloudsplaining__example.json");
    let snap = keyaki::authz::snapshot::load_snapshot(&path).unwrap();
    let users = snap
        .entities
        .iter()
        .filter(|e| e.kind == keyaki::authz::snapshot::EntityKind::User)
        .count();
    assert_eq!((users, snap.entities.len() - users), (44, 78));
    assert!(snap
        .entities
        .iter()
        .all(|e| e.kind == keyaki::authz::snapshot::EntityKind::User || e.trust.is_some()));
}
