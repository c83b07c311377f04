//! Questions over contexts (new SCP, outside the org, boundary) and the CLI commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::authz::check::{boundary_escape, outside_org_access, scp_removes_access};
use keyaki::authz::context::{parse_context, AuthzContext, NamedPolicy};
use keyaki::authz::symbolic::Proof;
use keyaki::eval::Decision;
use keyaki::explain::CheckOptions;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
const USER: &str = "arn:aws:iam::111122223333:user/alice";

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn ctx(v: &Value) -> AuthzContext {
    parse_context(&serde_json::to_vec(v).unwrap(), "ctx.json", Path::new(".")).unwrap()
}

fn org(rcps: Value) -> Value {
    json!({"id": "o-abc123", "units": {"r-root": {}}, "accounts": {"111122223333": {"path": ["r-root"], "rcps": rcps}}})
}

fn role_context() -> Value {
    json!({"principal": {"arn": ROLE, "session": SESSION, "identity_policies": [{"document": doc(json!([
        {"Effect": "Allow", "Action": ["s3:GetObject", "ec2:DescribeInstances"], "Resource": "*"}]))}]},
        "organization": org(json!([]))})
}

fn scp(statements: Value) -> NamedPolicy {
    NamedPolicy {
        name: "new-scp.json".into(),
        policy: keyaki::parse::parse_policy(
            &serde_json::to_vec(&doc(statements)).unwrap(),
            "new-scp.json",
        )
        .unwrap(),
    }
}

#[test]
fn a_new_scp_that_removes_access_has_a_replayed_counterexample() {
    let c = ctx(&role_context());
    let options = CheckOptions::default();
    let deny_ec2 = scp(json!([{"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}]));
    let Proof::Found(request, decisions) =
        scp_removes_access(&c, &deny_ec2, None, &options).unwrap()
    else {
        panic!()
    };
    assert_eq!(request.action.to_lowercase(), "ec2:describeinstances");
    assert_eq!(
        (decisions[0].decision, decisions[1].decision),
        (Decision::Allow, Decision::ExplicitDeny)
    );
    // An SCP on actions the role never had removes nothing: proved.
    let deny_iam = scp(json!([{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]));
    assert!(matches!(
        scp_removes_access(&c, &deny_iam, None, &options).unwrap(),
        Proof::Impossible
    ));
    // An allow-list SCP attached next to the default FullAWSAccess removes nothing ...
    let only_s3 = scp(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]));
    assert!(matches!(
        scp_removes_access(&c, &only_s3, Some("r-root"), &options).unwrap(),
        Proof::Impossible
    ));
    // ... where the root lists only an S3 allow, EC2 is already gone, and an S3 deny takes the rest.
    let mut v = role_context();
    v["organization"]["units"]["r-root"] = json!({"scps": [{"document": doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))}]});
    let c2 = ctx(&v);
    assert!(matches!(
        scp_removes_access(&c2, &deny_ec2, None, &options).unwrap(),
        Proof::Impossible
    ));
    let deny_s3 = scp(json!([{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]));
    let Proof::Found(r, _) = scp_removes_access(&c2, &deny_s3, Some("r-root"), &options).unwrap()
    else {
        panic!()
    };
    assert_eq!(r.action.to_lowercase(), "s3:getobject");
    assert!(scp_removes_access(&c, &only_s3, Some("ou-missing"), &options).is_err());
}

#[test]
fn resource_grants_to_a_user_arn_escape_the_boundary() {
    let grant = |action: &str| {
        json!({"principal": {"arn": USER, "identity_policies": [{"document": doc(json!([{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]))}],
            "permissions_boundary": {"document": doc(json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))}},
         "resource": {"arn": "arn:aws:s3:::bucket", "account": "111122223333", "policy": {"document": doc(json!([
            {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": action, "Resource": "arn:aws:s3:::bucket/*"}]))}}})
    };
    let options = CheckOptions::default();
    let Proof::Found(request, decisions) =
        boundary_escape(&ctx(&grant("s3:PutObject")), &options).unwrap()
    else {
        panic!()
    };
    assert_eq!(request.action.to_lowercase(), "s3:putobject");
    assert!(request
        .resource
        .unwrap()
        .starts_with("arn:aws:s3:::bucket/"));
    assert_eq!(decisions[0].decision, Decision::Allow);
    // Granting only what the boundary allows: every allowed request is inside it.
    assert!(matches!(
        boundary_escape(&ctx(&grant("s3:GetObject")), &options).unwrap(),
        Proof::Impossible
    ));
}

#[test]
fn outside_the_org_through_the_bucket_policy_and_the_rcps() {
    let public = |rcps: Value| {
        json!({"principal": {"arn": USER}, "resource": {"arn": "arn:aws:s3:::bucket", "account": "111122223333", "policy": {"document": doc(json!([
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]))}},
            "organization": org(rcps)})
    };
    let options = CheckOptions::default();
    let open = outside_org_access(&ctx(&public(json!([]))), None, &options).unwrap();
    assert!(
        !open.entries.is_empty() && open.unknown.is_none(),
        "{open:?}"
    );
    assert!(open
        .entries
        .iter()
        .all(|e| e.decision.decision == Decision::Allow && e.decision.cross_account));
    let rcp = json!([{"document": doc(json!([{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}]))}]);
    let closed = outside_org_access(&ctx(&public(rcp)), None, &options).unwrap();
    assert!(
        closed.entries.is_empty() && closed.unknown.is_none(),
        "{closed:?}"
    );
}

fn temp(name: &str, v: &Value) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyaki-authz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path
}

fn keyaki(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn cli_eval_with_a_context() {
    let c = temp("ctx.json", &role_context());
    let allowed = temp(
        "req.json",
        &json!({"principal": {"AWS": SESSION}, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}),
    );
    let (code, out, _) = keyaki(&[
        "eval",
        "--context",
        c.to_str().unwrap(),
        "--request",
        allowed.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("Allow: allowed within the account"),
        "{out}"
    );
    let denied = temp(
        "req2.json",
        &json!({"principal": {"AWS": SESSION}, "action": "s3:PutObject", "resource": "arn:aws:s3:::b/k"}),
    );
    let (_, out, _) = keyaki(&[
        "eval",
        "--context",
        c.to_str().unwrap(),
        "--request",
        denied.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["decision"].as_str(), v["deciding"][0]["layer"].as_str()),
        (Some("ImplicitDeny"), Some("identity"))
    );
    let stranger = temp(
        "req3.json",
        &json!({"principal": {"AWS": USER}, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}),
    );
    let (code, _, err) = keyaki(&[
        "eval",
        "--context",
        c.to_str().unwrap(),
        "--request",
        stranger.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("req3.json: principal (line 2") && err.contains("not the context's caller"),
        "{err}"
    );
    let (code, _, err) = keyaki(&["check-context", c.to_str().unwrap(), "--boundary"]);
    assert_eq!(code, 2);
    assert!(err.contains("no permissions_boundary"), "{err}");
    let new_scp = temp(
        "scp.json",
        &doc(json!([{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}])),
    );
    let (code, out, _) = keyaki(&[
        "check-context",
        c.to_str().unwrap(),
        "--new-scp",
        new_scp.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("fail: the new SCP removes no access")
            && out.contains("replayed: ExplicitDeny"),
        "{out}"
    );
}

#[test]
fn cli_reach_on_the_corpus_snapshot() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let snapshot = corpus.join("formats/account-authorization/cloudsplaining__example.json");
    let s = snapshot.to_str().unwrap();
    let (code, out, _) = keyaki(&[
        "reach",
        s,
        "--from",
        "privesc7-AttachUserPolicy-user",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["paths"][0]["hops"][0]["via"], "iam:AttachUserPolicy");
    assert_eq!(v["paths"][0]["hops"][0]["replayed"][0], "Allow");
    let (code, out, _) = keyaki(&["reach", s, "--format", "dot"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("digraph reach {"));
    let (code, out, _) = keyaki(&["reach", "--diff", s, s]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("paths opened by"), "{out}");
    let (code, _, err) = keyaki(&["reach", s, "--to", "arn:aws:iam::1:role/none"]);
    assert_eq!(code, 2);
    assert!(err.contains("--to"), "{err}");
}
