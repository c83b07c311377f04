//! "Public" per the documented S3 Block Public Access rule (see `encodings/public-access.md`).
//!
//! A grant is not public when it is limited to fixed principals or to fixed values of the
//! pinning keys below. The property "some public request is allowed" is encoded with *fresh*
//! values: the caller is anonymous or an AWS principal named by no principal entry of the
//! policy, and every pinning key's value differs from every fixed value (literal text, not a
//! wildcard pattern and not a policy variable) the policy compares it with; `aws:SourceIp`
//! lies outside every CIDR the policy names except `/0` ones. A policy that still allows such
//! a request grants access to principals it does not pin down.

use crate::encode::{Atom, Encoder, PrincipalKindVar, StrPattern, StrVar, Term};
use crate::model::{Policy, PrincipalClause, PrincipalSet, Statement};

/// The keys whose fixed values make a grant non-public (lowercased).
pub const PINNING_KEYS: [&str; 13] = [
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:userid",
    // Listed by the S3 documentation's definition of "public" as well.
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/// Extra pinning keys for a resource type (`--resource-type`), lowercased.
pub fn extra_pinning_keys(resource_type: Option<&str>) -> &'static [&'static str] {
    match resource_type.map(str::to_ascii_lowercase).as_deref() {
        // KMS key policies commonly pin the calling account this way (Access Analyzer reads it too).
        Some("aws::kms::key") => &["kms:calleraccount"],
        _ => &[],
    }
}

/// Resource types `check-no-public-access --resource-type` accepts.
pub const RESOURCE_TYPES: [&str; 12] = [
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::KMS::Key",
    "AWS::IAM::Role",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::SecretsManager::Secret",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::Glacier::Vault",
    "AWS::DynamoDB::Table",
];

/// The symbolic "this request is public": a fresh caller and fresh values of every pinning key.
/// Must run after the policy is encoded (it reads the atoms the conditions created).
pub fn public_request(enc: &mut Encoder<'_>, policy: &Policy, extra_keys: &[&str]) -> Term {
    let mut parts = Vec::new();
    // A fresh caller: anonymous, or an AWS principal that no principal entry names.
    let anonymous = enc.query.kind(PrincipalKindVar::Anonymous);
    let aws = enc.query.kind(PrincipalKindVar::Aws);
    parts.push(Term::or([anonymous, aws]));
    for statement in &policy.statements {
        let set = match &statement.principal {
            PrincipalClause::Principal(set) | PrincipalClause::NotPrincipal(set) => set,
            PrincipalClause::Absent => continue,
        };
        for entry in &set.entries {
            if let Ok(named) = entry_term(enc, statement, entry) {
                parts.push(Term::not(named));
            }
        }
    }
    let pinning = |key: &str| PINNING_KEYS.contains(&key) || extra_keys.contains(&key);
    let atoms: Vec<(usize, Atom)> = enc.query.atoms.iter().cloned().enumerate().collect();
    for (id, atom) in atoms {
        let fixed = match &atom {
            Atom::Str {
                var: StrVar::Context { key, .. },
                pattern,
            } if pinning(key) => match pattern {
                StrPattern::Glob(g) => g.is_literal(),
                StrPattern::IgnoreCase(_) => true,
                // A policy variable is not a fixed value (S3's definition).
                StrPattern::Template(..) => false,
            },
            Atom::IpIn { key, net, .. } if pinning(key) => net.prefix_len() > 0,
            _ => false,
        };
        if fixed {
            parts.push(Term::not(Term::Atom(id)));
        }
    }
    Term::and(parts)
}

/// The encoder's term for "the statement's principal entry names the caller".
pub fn entry_term(
    enc: &mut Encoder<'_>,
    statement: &Statement,
    entry: &crate::model::PrincipalEntry,
) -> Result<Term, crate::encode::EncodeError> {
    let probe = Statement {
        index: statement.index,
        sid: None,
        effect: statement.effect,
        principal: PrincipalClause::Principal(PrincipalSet {
            everyone: false,
            entries: vec![entry.clone()],
        }),
        action: crate::model::ActionClause::NotAction(Vec::new()),
        resource: crate::model::ResourceClause::Absent,
        conditions: Vec::new(),
        location: statement.location.clone(),
    };
    enc.statement_applies(&probe)
}
