//! Provisioning rules over a whole Terraform plan: what the plan as a whole must look like,
//! not only each policy. One rule so far, "one user per bucket" (`specs/one-user-per-bucket.rules.json`):
//! every bucket's policy grants the object actions to exactly one IAM user created in the same
//! plan, grants nothing else, and that user can reach no other bucket of the plan.
//!
//! Each part is a proof (or a counterexample, or unknown): the user is the one whose requests
//! the bucket policy allows; "nothing else" is `check` of the bucket policy against a baseline
//! that allows only that user's object actions; "no other bucket" is `check-access-not-granted`
//! on the user's own policies and a `check` of every other bucket policy against one that
//! allows everyone but that user.

use super::analysis::prepare;
use super::{ExtractedPolicy, Extraction};
use crate::eval::{evaluate, PolicyType};
use crate::explain::CheckOptions;
use crate::model::Policy;
use crate::parse::{parse_policy, Json};
use crate::report::{counterexample_json, CheckResult};
use crate::request::{Principal, Request};
use serde_json::{json, Value};

/// The rule's outcome for one bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketResult {
    pub bucket: String,
    pub result: CheckResult,
    /// The user the bucket policy grants to, when exactly one.
    pub user: Option<String>,
    pub reasons: Vec<String>,
    pub counterexamples: Vec<Value>,
}

impl BucketResult {
    pub fn to_json(&self) -> Value {
        json!({
            "bucket": self.bucket,
            "result": match self.result { CheckResult::Pass => "pass", CheckResult::Fail => "fail", CheckResult::Unknown => "unknown" },
            "user": self.user,
            "reasons": self.reasons,
            "counterexamples": self.counterexamples,
        })
    }

    fn unknown(&mut self, reason: String) {
        if self.result == CheckResult::Pass {
            self.result = CheckResult::Unknown;
        }
        self.reasons.push(reason);
    }

    fn fail(&mut self, reason: String) {
        self.result = CheckResult::Fail;
        self.reasons.push(reason);
    }

    /// Checks a policy (as a resource policy) against `baseline`: a failure is `reason` with
    /// its counterexamples.
    fn check(
        &mut self,
        model: &Policy,
        baseline: &Policy,
        options: &CheckOptions,
        reason: impl FnOnce() -> String,
    ) {
        let options = CheckOptions {
            policy_type: PolicyType::Resource,
            ..options.clone()
        };
        let report = crate::query::check(model, baseline, &options);
        match report.result {
            CheckResult::Pass => {}
            CheckResult::Fail => {
                self.fail(reason());
                self.counterexamples
                    .extend(report.counterexamples.iter().map(counterexample_json));
            }
            CheckResult::Unknown => self.unknown(report.reason.unwrap_or_default()),
        }
    }
}

/// A created user: its name and ARN.
struct User {
    name: String,
    arn: String,
}

fn text<'a>(values: &'a Json, key: &str) -> Option<&'a str> {
    values.get(key).and_then(Json::as_str)
}

/// Does the bucket policy grant every one of `actions` on `object` to `user`? `Err` with the
/// evaluator's reason when the answer depends on a value AWS leaves undocumented.
fn grants_all(
    model: &Policy,
    user: &User,
    actions: &[String],
    object: &str,
) -> Result<bool, String> {
    let mut undecided = None;
    for action in actions {
        let request = Request::new(Principal::Aws(user.arn.clone()), action, Some(object));
        let evaluation = evaluate(model, &request, PolicyType::Resource);
        match evaluation.allowed() {
            Some(true) => {}
            // One action surely not granted decides "not all", whatever the others read.
            Some(false) => return Ok(false),
            None => undecided = undecided.or(evaluation.unknown()),
        }
    }
    undecided.map_or(Ok(true), Err)
}

/// `actions`: the object actions the bucket's one user gets (`s3:GetObject`, ...).
pub fn one_user_per_bucket(
    plan: &Json,
    extraction: &Extraction,
    actions: &[String],
    account_id: &str,
    options: &CheckOptions,
) -> Vec<BucketResult> {
    let mut users = Vec::new();
    let mut buckets = Vec::new();
    let mut attachments = Vec::new();
    for change in plan
        .get("resource_changes")
        .and_then(Json::as_array)
        .unwrap_or_default()
    {
        let (Some(kind), Some(after)) = (
            change.get("type").and_then(Json::as_str),
            change.get("change").and_then(|c| c.get("after")),
        ) else {
            continue;
        };
        match kind {
            "aws_iam_user" => {
                if let Some(name) = text(after, "name") {
                    let path = text(after, "path").unwrap_or("/");
                    users.push(User {
                        name: name.to_string(),
                        arn: format!("arn:aws:iam::{account_id}:user{path}{name}"),
                    });
                }
            }
            "aws_s3_bucket" => buckets.extend(text(after, "bucket").map(str::to_string)),
            "aws_iam_user_policy_attachment"
            | "aws_iam_policy_attachment"
            | "aws_iam_user_group_membership"
            | "aws_iam_group_membership" => attachments.push(
                change
                    .get("address")
                    .and_then(Json::as_str)
                    .unwrap_or(kind)
                    .to_string(),
            ),
            _ => {}
        }
    }
    let bucket_policies: Vec<&ExtractedPolicy> = extraction
        .policies
        .iter()
        .filter(|p| p.resource_type == "aws_s3_bucket_policy")
        .collect();
    let user_policies: Vec<&ExtractedPolicy> = extraction
        .policies
        .iter()
        .filter(|p| p.resource_type == "aws_iam_user_policy")
        .collect();
    let mut results = Vec::new();
    for bucket in &buckets {
        let mut result = BucketResult {
            bucket: bucket.clone(),
            result: CheckResult::Pass,
            user: None,
            reasons: Vec::new(),
            counterexamples: Vec::new(),
        };
        let policies: Vec<&&ExtractedPolicy> = bucket_policies
            .iter()
            .filter(|p| p.resource_name == *bucket)
            .collect();
        let [policy] = policies.as_slice() else {
            result.fail(format!(
                "bucket {bucket} has {} bucket policies in the plan; the rule needs exactly one",
                policies.len()
            ));
            results.push(result);
            continue;
        };
        let model = match prepare(policy) {
            Ok(model) => model,
            Err(e) => {
                result.unknown(format!("{}: {e:?}", policy.origin));
                results.push(result);
                continue;
            }
        };
        let object = format!("arn:aws:s3:::{bucket}/any-key");
        let mut granted: Vec<&User> = Vec::new();
        let mut undecided: Option<String> = None;
        for user in &users {
            match grants_all(&model, user, actions, &object) {
                Ok(true) => granted.push(user),
                Ok(false) => {}
                Err(reason) => {
                    undecided.get_or_insert(format!("{}: {}: {reason}", policy.origin, user.name));
                }
            }
        }
        // Two users surely granted break the rule whatever the undecided ones get; fewer
        // cannot be counted while one user's grant depends on an undocumented value.
        if let (Some(reason), 0..=1) = (undecided, granted.len()) {
            result.unknown(reason);
            results.push(result);
            continue;
        }
        let [user] = granted.as_slice() else {
            let names: Vec<&str> = granted.iter().map(|u| u.name.as_str()).collect();
            result.fail(format!(
                "{} grants {} to {} users created in the plan ({}); the rule needs exactly one",
                policy.origin,
                actions.join(", "),
                names.len(),
                names.join(", ")
            ));
            results.push(result);
            continue;
        };
        result.user = Some(user.name.clone());
        // Nothing beyond that user's object actions.
        let only_user = allow_only(&user.arn, actions, bucket);
        result.check(&model, &only_user, options, || {
            format!(
                "{} grants more than {}'s {} on {bucket}/*",
                policy.origin,
                user.name,
                actions.join(", ")
            )
        });
        // The user reaches no other bucket: through its own policies, or another bucket's policy.
        let others: Vec<&String> = buckets.iter().filter(|b| *b != bucket).collect();
        for own in user_policies
            .iter()
            .filter(|p| p.attached_to.as_deref() == Some(user.name.as_str()))
        {
            let Ok(own_model) = prepare(own) else {
                result.unknown(format!("{}: not decidable before deploy", own.origin));
                continue;
            };
            let resources: Vec<String> = others
                .iter()
                .flat_map(|b| [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")])
                .collect();
            if resources.is_empty() {
                continue;
            }
            let identity = CheckOptions {
                policy_type: PolicyType::Identity,
                ..options.clone()
            };
            let (findings, undecided) = crate::access::spec::not_granted(
                &own_model,
                &["s3:*".to_string()],
                &resources,
                &identity,
            );
            for f in &findings {
                result.fail(format!(
                    "{} lets {} reach another bucket: {}",
                    own.origin,
                    user.name,
                    f.resources.join(", ")
                ));
                result
                    .counterexamples
                    .push(crate::report::findings::finding_json(f));
            }
            for reason in undecided {
                result.unknown(reason);
            }
        }
        for other in &others {
            for p in bucket_policies
                .iter()
                .filter(|p| p.resource_name == **other)
            {
                let Ok(other_model) = prepare(p) else {
                    result.unknown(format!("{}: not decidable before deploy", p.origin));
                    continue;
                };
                result.check(&other_model, &everyone_but(&user.arn), options, || {
                    format!("{} lets {} reach bucket {other}", p.origin, user.name)
                });
            }
        }
        for attachment in &attachments {
            result.unknown(format!("{attachment} may give users more policies; attachments and group memberships are not followed yet"));
        }
        results.push(result);
    }
    results
}

fn allow_only(user_arn: &str, actions: &[String], bucket: &str) -> Policy {
    let text = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": actions, "Resource": format!("arn:aws:s3:::{bucket}/*")}]}).to_string();
    parse_policy(text.as_bytes(), "rule baseline").unwrap_or_else(|_| empty())
}

fn everyone_but(user_arn: &str) -> Policy {
    // By principal, not by `aws:PrincipalArn`: the request universe lets a context key differ
    // from the principal, so only the Principal element pins the caller.
    let text = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": user_arn}, "Action": "*", "Resource": "*"}
    ]})
    .to_string();
    parse_policy(text.as_bytes(), "rule baseline").unwrap_or_else(|_| empty())
}

/// A policy that allows nothing: the baselines above always parse, and allowing nothing can
/// only turn a pass into a failure, never the reverse.
fn empty() -> Policy {
    Policy {
        version: crate::model::Version::V2012_10_17,
        id: None,
        statements: Vec::new(),
    }
}
