//! A synthetic organization in `get-account-authorization-details` form, for the reach tests
//! and `examples/reach_synthetic.rs` (the 5,000-role measurement).
#![allow(dead_code)]

use serde_json::{json, Value};

pub const ACCOUNTS: usize = 20;

pub fn account(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + (i % ACCOUNTS) as u64)
}

pub fn role_arn(i: usize) -> String {
    format!("arn:aws:iam::{}:role/team{}/r{i}", account(i), i % 7)
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// `roles` roles over [`ACCOUNTS`] accounts, `users` users in account 0. Role i trusts role i-1
/// (a chain), every 10th also its next account's root with an ExternalId condition (the solver
/// decides those), every 50th the Lambda service, every 140th its account-0 siblings (users). Role i may assume role i+1; every 100th may
/// assume `team1/*` in every account (many candidates), every 10th+1 its predecessor; every 250th may pass roles to Lambda;
/// role 0 is an administrator. User u may assume role u*7 with MFA (the solver finds the MFA context).
pub fn snapshot(roles: usize, users: usize) -> Value {
    let mut role_list = Vec::new();
    for i in 0..roles {
        let mut trust = vec![];
        if i > 0 {
            trust.push(json!({"Effect": "Allow", "Principal": {"AWS": role_arn(i - 1)}, "Action": "sts:AssumeRole"}));
        }
        if i % 10 == 0 {
            trust.push(json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{}:root", account(i + 1))},
                "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": format!("ext-{i}")}}}));
        }
        if i % 50 == 0 {
            trust.push(json!({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}));
        }
        if i % 7 == 0 && i % ACCOUNTS == 0 {
            trust.push(json!({"Effect": "Allow", "Principal": {"AWS": account(0)}, "Action": "sts:AssumeRole"}));
        }
        if trust.is_empty() {
            trust.push(json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}));
        }
        let mut grants = vec![
            json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(i + 1)}),
        ];
        if i % 10 == 1 {
            grants.push(
                json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(i - 1)}),
            );
        }
        if i % 100 == 0 {
            grants.push(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/team1/*"}));
        }
        if i % 250 == 0 {
            grants.push(json!({"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}));
        }
        if i == 0 {
            grants.push(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
        }
        grants.push(json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": format!("arn:aws:s3:::bucket-{i}/*")}));
        role_list.push(json!({
            "Path": format!("/team{}/", i % 7), "RoleName": format!("r{i}"), "RoleId": format!("AROA{i}"),
            "Arn": role_arn(i), "AssumeRolePolicyDocument": doc(json!(trust)),
            "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": doc(json!(grants))}],
            "AttachedManagedPolicies": [], "InstanceProfileList": []
        }));
    }
    let user_list: Vec<Value> = (0..users)
        .map(|u| {
            json!({"Path": "/", "UserName": format!("user{u}"), "UserId": format!("AIDA{u}"),
                "Arn": format!("arn:aws:iam::{}:user/user{u}", account(0)), "GroupList": [], "AttachedManagedPolicies": [],
                "UserPolicyList": [{"PolicyName": "assume", "PolicyDocument": doc(json!([
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn(u * 7),
                     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]))}]})
        })
        .collect();
    json!({"UserDetailList": user_list, "GroupDetailList": [], "RoleDetailList": role_list, "Policies": []})
}

/// The organization: every account under one OU; an SCP there denies assuming roles of the
/// last account.
pub fn organization() -> Value {
    let accounts: serde_json::Map<String, Value> = (0..ACCOUNTS)
        .map(|i| (account(i), json!({"path": ["r-root", "ou-all"]})))
        .collect();
    json!({"id": "o-synthetic1", "units": {"r-root": {}, "ou-all": {"scps": [
        {"name": "FullAWSAccess", "document": doc(json!([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))},
        {"name": "no-last-account", "document": doc(json!([{"Effect": "Deny", "Action": "sts:AssumeRole",
            "Resource": format!("arn:aws:iam::{}:role/*", account(ACCOUNTS - 1))}]))}]}},
        "accounts": accounts})
}
