//! Keyaki: an offline, Zelkova-class automated-reasoning checker for AWS access policies.
//!
//! Keyaki answers by proof, not pattern-matching. Everything an embedder (a CI plugin, a
//! Lambda handler, a template reader) needs is on this page:
//!
//! - read policies: [`parse_policy`] (bytes, errors with JSON path and line:col) and
//!   [`policy_from_value`] (a `serde_json::Value`);
//! - ask: [`check`] (does PROPOSED allow anything BASELINE does not?), [`diff`] (what did a new
//!   version widen or narrow?), [`external_access`] (who outside a zone of trust gets in?),
//!   [`no_public_access`], [`access_not_granted`] and [`check_spec`] (an organization spec),
//!   each with [`CheckOptions`];
//! - decide one request concretely: [`evaluate`];
//!   read the request with [`parse_request_in`] (it refuses one outside the resource universe);
//! - results are typed values ([`CheckReport`], [`Diff`], [`FindingsReport`]) that serialize
//!   to the CLI's JSON; every counterexample was replayed through the evaluator.
//!
//! "Unknown" (timeout, solver unknown, a budget or an unsupported construct) is a result,
//! never a pass. Errors before the prover runs are one [`Error`].
//!
//! The other inputs, each a module with an options struct and typed results:
//!
//! - templates and plans: [`template::extract`] (CloudFormation JSON/YAML, a Terraform plan)
//!   gives each policy named by logical id or address; [`template::analysis::check_extracted`]
//!   checks one against a baseline;
//! - Access Analyzer's policy checks, offline: [`validate::validate_bytes`] with
//!   [`validate::ValidateOptions`];
//! - many files against one baseline or spec: [`scan::scan`];
//! - CloudTrail policy changes and the Lambda handler: [`events::run`], [`events::lambda::Handler`];
//! - every policy type of one decision, and who can reach what: [`authz`];
//! - least privilege from activity: [`activity`].
//!
//! ```
//! let template = br#"{"Resources": {"Reader": {"Type": "AWS::IAM::ManagedPolicy",
//!     "Properties": {"PolicyDocument": {"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}}}}"#;
//! let found = keyaki::template::extract(template, "stack.json", &Default::default())?;
//! assert_eq!(found.policies.len(), 1);
//! assert_eq!(found.policies[0].origin, "Reader");
//!
//! let options = keyaki::validate::ValidateOptions::default();
//! let report = keyaki::validate::validate_bytes(br#"{"Version": "2012-10-17", "Statement": [
//!     {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#, "p.json", &options);
//! assert!(report.findings.iter().any(|f| f.issue_code == "PASS_ROLE_WITH_STAR_IN_RESOURCE"));
//! # Ok::<(), keyaki::Error>(())
//! ```
//!
//! ```
//! use keyaki::{check, parse_policy, CheckOptions, CheckResult};
//!
//! let baseline = parse_policy(br#"{"Version":"2012-10-17","Statement":[
//!     {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}"#,
//!     "baseline.json")?;
//! let proposed = parse_policy(br#"{"Version":"2012-10-17","Statement":[
//!     {"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::reports/*"}]}"#,
//!     "proposed.json")?;
//!
//! let report = check(&proposed, &baseline, &CheckOptions::default());
//! assert_eq!(report.result, CheckResult::Fail);
//! // A concrete request the proposal allows and the baseline does not, already replayed.
//! let example = &report.counterexamples[0];
//! assert_eq!(example.proposed.decision, keyaki::Decision::Allow);
//! assert_ne!(example.baseline.decision, keyaki::Decision::Allow);
//!
//! // The other direction is a proof.
//! assert_eq!(check(&baseline, &proposed, &CheckOptions::default()).result, CheckResult::Pass);
//! # Ok::<(), keyaki::Error>(())
//! ```
//!
//! A new version of a policy, and the access questions about a resource policy:
//!
//! ```
//! use keyaki::{access_not_granted, check_spec, diff, external_access, no_public_access};
//! use keyaki::{parse_policy, CheckOptions, CheckResult, NotGranted, PolicyFile, Relation, TrustZone};
//!
//! let bucket = parse_policy(br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
//!     "Principal":"*","Action":["s3:GetObject","s3:PutBucketPolicy"],
//!     "Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"]}]}"#, "bucket.json")?;
//! let options = CheckOptions::default();
//!
//! // diff: what did the new version widen or narrow?
//! let old = PolicyFile { path: "old.json".into(), policy: keyaki::allows_nothing() };
//! let new = PolicyFile { path: "bucket.json".into(), policy: bucket.clone() };
//! let changes = diff(&old, &new, &options);
//! assert_eq!(changes.relation, Relation::MorePermissive);
//! assert!(!changes.widened.is_empty() && changes.narrowed.is_empty());
//!
//! // Who outside account 111122223333 gets in? Everyone: the principal is "*".
//! let zone = TrustZone::parse(&["account:111122223333"])?;
//! let outside = external_access(&bucket, &zone, &[], &options);
//! assert_eq!(outside.result, CheckResult::Fail);
//!
//! // Public in the S3 Block Public Access sense.
//! let public = no_public_access(&bucket, Some("AWS::S3::Bucket"), &[], &options)?;
//! assert_eq!(public.result, CheckResult::Fail);
//!
//! // Never granted: s3:DeleteBucket is proved absent, s3:PutBucketPolicy is not.
//! let ask = |action: &str| NotGranted { actions: vec![action.into()], ..Default::default() };
//! assert_eq!(access_not_granted(&bucket, &ask("s3:DeleteBucket"), &options)?.result, CheckResult::Pass);
//! assert_eq!(access_not_granted(&bucket, &ask("s3:PutBucketPolicy"), &options)?.result, CheckResult::Fail);
//!
//! // The same questions as an organization spec. Its trust-zone and public-access requirements
//! // apply to resource policies only: say which type the policy is (as the CLI does).
//! let spec = keyaki::parse_spec(br#"{"name": "no-public", "no_public_access": true,
//!     "never_granted": [{"actions": ["s3:DeleteBucket"]}]}"#, "spec.json")?;
//! let as_resource = CheckOptions {
//!     policy_type: keyaki::resolve_policy_type(None, &[&bucket]),
//!     ..CheckOptions::default()
//! };
//! assert_eq!(as_resource.policy_type, keyaki::PolicyType::Resource, "it names a Principal");
//! let report = check_spec(&bucket, &spec, &as_resource);
//! assert_eq!(report.result, CheckResult::Fail);
//! assert!(report.findings.iter().all(|f| f.actions.iter().all(|a| a != "s3:DeleteBucket")));
//! # Ok::<(), keyaki::Error>(())
//! ```
//!
//! Reading files: [`read_input`] (bounded, `-` = stdin) and [`load_policy`] (a [`PolicyFile`]
//! whose name every diagnostic carries); [`parse_json`] and [`parse_request`] for the JSON tree
//! and a request. Rendering: [`report`] (human / JSON / SARIF).
//!
//! The stages behind the facade (hidden in these docs, named here for those who extend
//! Keyaki): `parse` (JSON with locations) → `model` (normalized policy) → `eval` (concrete
//! decision) → `encode` (own term type) → `solve` (z3 behind a trait) → `explain` (model →
//! request → replay) → `report`, with the verbs in `query`.
//!
//! [`check`]: check()
//! [`diff`]: diff()
#![forbid(unsafe_code)]

// The documented modules: each another input or output with its own options and results.
pub mod activity;
pub mod authz;
pub mod events;
pub mod report;
pub mod scan;
pub mod template;
pub mod validate;

// The stages behind the facade. Public (hidden) only so that this repository's tests,
// benches and measuring examples can reach a stage directly; an embedder uses the re-exports.
#[doc(hidden)]
pub mod access;
#[doc(hidden)]
pub mod arn;
#[doc(hidden)]
pub mod automata;
#[doc(hidden)]
pub mod catalog;
#[doc(hidden)]
pub mod encode;
mod error;
#[doc(hidden)]
pub mod eval;
#[doc(hidden)]
pub mod explain;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod parse;
#[doc(hidden)]
pub mod pattern;
#[doc(hidden)]
pub mod query;
#[doc(hidden)]
pub mod request;
#[doc(hidden)]
pub mod solve;

pub use access::accept::{parse_accepted, AcceptError, Accepted};
pub use access::spec::{load_spec, parse_spec, Spec, SpecError};
pub use access::zone::ZoneError;
pub use access::TrustZone;
pub use error::{Error, Result};
/// The counterexample replay: allowed by the proposal, not by the baseline, both decided.
pub use eval::new_access;
pub use eval::{evaluate, Decision, Evaluation, PolicyType};
pub use explain::{
    ActionUniverse, CheckOptions, Counterexample, Verdict, DEFAULT_MEMORY_BUDGET_MB,
};
pub use model::Policy;
pub use parse::{parse_json, parse_request, policy_from_json, request_from_json, Json, ParseError};
pub use query::access::known_resource_type;
pub use query::check::check;
pub use query::diff::diff;
pub use query::input::{open_lines, read_input_limited};
pub use query::{
    access_not_granted, external_access, load_policy, no_public_access, read_input,
    resolve_policy_type, spec as check_spec, Diff, FailOn, InputError, NotGranted, Relation,
    MAX_INPUT_BYTES,
};
pub use report::findings::FindingsReport;
pub use report::{CheckReport, CheckResult, Exit, Format, PolicyFile};
pub use request::universe::{admits, parse_request_in, OutsideUniverse, ResourceUniverse};
pub use request::Request;

/// Parses a policy document; `name` labels it in errors (file, JSON path, line:col).
///
/// ```
/// let err = keyaki::parse_policy(br#"{"Statement":[{"Efect":"Allow"}]}"#, "p.json").unwrap_err();
/// assert!(err.to_string().contains("Effect"), "{err}");
/// ```
pub fn parse_policy(bytes: &[u8], name: &str) -> Result<Policy> {
    Ok(parse::parse_policy(bytes, name)?)
}

/// Parses a policy held as a `serde_json::Value` (from a template, an event, an API).
/// Locations in errors refer to the value's compact JSON text.
pub fn policy_from_value(value: &serde_json::Value, name: &str) -> Result<Policy> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::usage(format!("{name}: {e}")))?;
    parse_policy(&bytes, name)
}

/// The version of the bundled AWS service catalog (actions, resource types, condition keys):
/// findings that depend on it say so, and a newer service may be missing from it.
pub const CATALOG_VERSION: &str = env!("KEYAKI_CATALOG_VERSION");

/// When the bundled catalog's data was last updated (RFC 3339).
pub const CATALOG_UPDATED: &str = env!("KEYAKI_CATALOG_UPDATED");

/// A policy that allows nothing: the other side of a policy that was added or removed, for
/// [`diff`](diff()).
pub fn allows_nothing() -> Policy {
    Policy {
        version: model::Version::V2012_10_17,
        id: None,
        statements: Vec::new(),
    }
}
