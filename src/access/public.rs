//! "Public" per the documented S3 Block Public Access rule (see `encodings/public-access.md`).
//!
//! A grant is not public when it is limited to fixed principals or to fixed values of the
//! pinning keys below. The property "some public request is allowed" is encoded with *fresh*
//! values: the caller is named by no fixed principal entry of the policy (anonymous, an AWS
//! principal, a service, or any federated identity: a `Federated` entry is never a fixed
//! principal, S3's own example of a public policy grants to `graph.facebook.com`); and every pinning key's value differs
//! from every fixed value the policy compares it with (literal text, not a wildcard pattern
//! and not a policy variable; `AROLEID:*` for `aws:userid`; an access point ARN with a fixed
//! account for `s3:DataAccessPointArn` in bucket policies); `aws:SourceIp` lies outside every
//! CIDR the policy names that is at least as narrow as /8 (IPv4) or /32 (IPv6). A policy that
//! still allows such a request grants access to principals it does not pin down.

use crate::encode::{Atom, Encoder, PrincipalKindVar, StrPattern, StrVar, Term};
use crate::model::{Policy, PrincipalClause, PrincipalEntry, PrincipalSet, Statement};
use crate::pattern::{Glob, Token};
use ipnet::IpNet;

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
/// Not a key: in `extra_keys`, it says the policy is a bucket policy, where an
/// `s3:DataAccessPointArn` pattern with a fixed account (`arn:aws:s3:us-west-2:123456789012:accesspoint/*`)
/// is a fixed value. In an access point policy the same pattern is public (S3 user guide).
pub const BUCKET_POLICY_RULES: &str = "(rule) s3 bucket policy";

pub fn extra_pinning_keys(resource_type: Option<&str>) -> &'static [&'static str] {
    match resource_type.map(str::to_ascii_lowercase).as_deref() {
        // KMS key policies commonly pin the calling account this way (Access Analyzer reads it too).
        Some("aws::kms::key") => &["kms:calleraccount"],
        Some("aws::s3::bucket") => &[BUCKET_POLICY_RULES],
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
    let mut subject_keys: Vec<String> = Vec::new();
    // A fresh caller: of any kind (anonymous, any federated identity, an AWS principal or a
    // service acting for a resource) that no fixed principal entry names. (Listed, anonymous
    // first, so that the solver's examples stay the readable ones they were.)
    let kinds = [
        PrincipalKindVar::Anonymous,
        PrincipalKindVar::Aws,
        PrincipalKindVar::Federated,
        PrincipalKindVar::Service,
        PrincipalKindVar::CanonicalUser,
    ];
    let any_kind: Vec<Term> = kinds.into_iter().map(|k| enc.query.kind(k)).collect();
    parts.push(Term::or(any_kind));
    for statement in &policy.statements {
        let set = match &statement.principal {
            PrincipalClause::Principal(set) | PrincipalClause::NotPrincipal(set) => set,
            PrincipalClause::Absent => continue,
        };
        for entry in &set.entries {
            if let PrincipalEntry::Federated(provider) = entry {
                match federated_provider(provider) {
                    // A web identity provider admits whoever it authenticates: not fixed.
                    Federation::WebIdentity => continue,
                    // An OIDC issuer such as GitHub's signs tokens for anyone: not fixed,
                    // unless the subject is (see `oidc_subject_key`).
                    Federation::Oidc(subject_key) => {
                        subject_keys.push(subject_key);
                        continue;
                    }
                    // The account's own SAML identity provider: fixed, like an account.
                    Federation::Saml => {}
                }
            }
            if let Ok(named) = entry_term(enc, statement, entry) {
                parts.push(Term::not(named));
            }
        }
    }
    let pinning = |key: &str| {
        PINNING_KEYS.contains(&key)
            || extra_keys.contains(&key)
            || subject_keys.iter().any(|k| k == key)
    };
    let bucket_policy = extra_keys.contains(&BUCKET_POLICY_RULES);
    let atoms: Vec<(usize, Atom)> = enc.query.atoms.iter().cloned().enumerate().collect();
    for (id, atom) in atoms {
        let fixed = match &atom {
            Atom::Str {
                var: StrVar::Context { key, .. },
                pattern,
            } if pinning(key) => match pattern {
                StrPattern::Glob(g) => fixed_glob(key, g, bucket_policy),
                StrPattern::IgnoreCase(_) => true,
                // A policy variable is not a fixed value (S3's definition).
                StrPattern::Template(..) => false,
            },
            Atom::IpIn { key, net, .. } if pinning(key) => narrow_cidr(net),
            _ => false,
        };
        if fixed {
            parts.push(Term::not(Term::Atom(id)));
        }
    }
    Term::and(parts)
}

/// How a `Federated` principal entry admits callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Federation {
    /// `graph.facebook.com`, `accounts.google.com`, `cognito-identity.amazonaws.com`, ...
    WebIdentity,
    /// `arn:aws:iam::ACCOUNT:oidc-provider/ISSUER`: fixed only through the subject key
    /// `ISSUER:sub` (lowercased) with fixed values.
    Oidc(String),
    /// `arn:aws:iam::ACCOUNT:saml-provider/NAME`: an identity provider the account set up.
    Saml,
}

/// Reads a `Federated` entry (IAM provider ARNs: `arn:PARTITION:iam::ACCOUNT:TYPE-provider/...`).
pub fn federated_provider(text: &str) -> Federation {
    let resource = match crate::arn::Arn::parse(text) {
        Some(arn)
            if arn.service == "iam"
                && arn.region.is_empty()
                && !arn.partition.is_empty()
                && !arn.account.is_empty()
                && !arn.account.contains(['*', '?']) =>
        {
            arn.resource
        }
        _ => return Federation::WebIdentity,
    };
    if let Some(issuer) = resource.strip_prefix("oidc-provider/") {
        return Federation::Oidc(format!("{}:sub", issuer.to_lowercase()));
    }
    if resource.starts_with("saml-provider/") {
        return Federation::Saml;
    }
    Federation::WebIdentity
}

/// A fixed value of a pinning key: literal text, plus the two patterns the S3 user guide
/// names as fixed despite their wildcard.
pub fn fixed_glob(key: &str, glob: &Glob, bucket_policy: bool) -> bool {
    // Literal text, or an ignore-case value (case-fold classes): one value up to case.
    if glob
        .tokens()
        .iter()
        .all(|t| matches!(t, Token::Lit(_) | Token::Fold(_)))
    {
        return true;
    }
    match key {
        // "aws:userid, outside the pattern AROLEID:*": one role, any session name.
        "aws:userid" => role_sessions(glob),
        "s3:dataaccesspointarn" => bucket_policy && account_access_points(glob),
        _ => false,
    }
}

/// `AROA…:*`: a role's unique id (the `AROA` prefix IAM gives role ids) and any session.
fn role_sessions(glob: &Glob) -> bool {
    let tokens = glob.tokens();
    let Some((Token::AnyStr, rest)) = tokens.split_last() else {
        return false;
    };
    let Some((Token::Lit(':'), id)) = rest.split_last() else {
        return false;
    };
    let id: Option<String> = id
        .iter()
        .map(|t| match t {
            Token::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    id.is_some_and(|id| {
        id.len() > 4
            && id.starts_with("AROA")
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    })
}

/// `arn:PARTITION:s3:REGION:ACCOUNT:accesspoint/NAME` with partition, region and a 12-digit
/// account written out; only the access point name may hold wildcards.
fn account_access_points(glob: &Glob) -> bool {
    const PREFIX_SEGMENTS: usize = 5;
    let tokens = glob.tokens();
    let mut segments: Vec<String> = vec![String::new()];
    let mut index = 0;
    while segments.len() <= PREFIX_SEGMENTS {
        match tokens.get(index) {
            Some(Token::Lit(':')) => segments.push(String::new()),
            Some(Token::Lit(c)) => {
                if let Some(last) = segments.last_mut() {
                    last.push(*c);
                }
            }
            // A wildcard before the resource part (partition, region, account): not fixed.
            _ => return false,
        }
        index += 1;
    }
    let name_part = &tokens[index.min(tokens.len())..];
    let literal_head: String = name_part
        .iter()
        .map_while(|t| match t {
            Token::Lit(c) => Some(*c),
            _ => None,
        })
        .collect();
    segments[0] == "arn"
        && !segments[1].is_empty()
        && segments[2] == "s3"
        && !segments[3].is_empty()
        && segments[4].len() == 12
        && segments[4].chars().all(|c| c.is_ascii_digit())
        && literal_head.starts_with("accesspoint/")
}

/// A CIDR that pins `aws:SourceIp`: no broader than /8 (IPv4) or /32 (IPv6). S3 evaluates
/// broader ranges (RFC 1918 ranges are never broader than /8) as public. An IPv4-mapped
/// IPv6 range (`::ffff:0:0/96`) is judged as the IPv4 range it maps.
pub fn narrow_cidr(net: &IpNet) -> bool {
    match net {
        IpNet::V4(v4) => v4.prefix_len() >= 8,
        IpNet::V6(v6) => {
            let mapped_prefix = std::net::Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0);
            let is_mapped = v6.prefix_len() >= 96
                && ipnet::Ipv6Net::new(mapped_prefix, 96).is_ok_and(|m| m.contains(v6));
            if is_mapped {
                v6.prefix_len() >= 96 + 8
            } else {
                v6.prefix_len() >= 32
            }
        }
    }
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
