//! An authorization context: everything that takes part in one decision, and its JSON file.
//!
//! ```json
//! {"principal": {"arn": "arn:aws:iam::111122223333:role/app",
//!                "session": "arn:aws:sts::111122223333:assumed-role/app/s1",
//!                "identity_policies": [{"name": "inline", "document": {...}}, {"file": "p.json"}],
//!                "permissions_boundary": {"file": "boundary.json"},
//!                "session_policies": []},
//!  "resource": {"arn": "arn:aws:s3:::bucket", "account": "111122223333", "policy": {"file": "b.json"}},
//!  "organization": {"id": "o-abc123", "management_account": "999999999999",
//!                   "units": {"r-root": {"scps": [...], "rcps": [...]}, "ou-prod": {...}},
//!                   "accounts": {"111122223333": {"path": ["r-root", "ou-prod"], "scps": [...]}}}}
//! ```
//! The format and its defaults are in `encodings/authz-context.md`.

mod reader;

pub use reader::{load_context, load_organization, parse_context, parse_organization};
pub(super) use reader::{read_file, JsonFileReader};

use crate::model::Policy;
use crate::request::{aws_account_of, is_account_id};
use std::collections::BTreeMap;

/// How a context names an unauthenticated caller.
pub const ANONYMOUS: &str = "anonymous";

/// A policy with the name it is reported under (a file, an ARN, or a name given in the context).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    pub name: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalInfo {
    /// An IAM user or role ARN, an account root ARN, a service principal (`lambda.amazonaws.com`),
    /// or `anonymous`.
    pub arn: String,
    /// The role session the request comes from (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`).
    pub session: Option<String>,
    pub identity_policies: Vec<NamedPolicy>,
    pub permissions_boundary: Option<NamedPolicy>,
    /// Session policies passed when the session was created (their union bounds the session).
    pub session_policies: Vec<NamedPolicy>,
}

impl PrincipalInfo {
    /// The account the principal belongs to; None for a service principal.
    pub fn account(&self) -> Option<&str> {
        aws_account_of(&self.arn)
    }

    /// The ARN requests come from: the session when there is one.
    pub fn caller_arn(&self) -> &str {
        self.session.as_deref().unwrap_or(&self.arn)
    }

    pub fn is_service(&self) -> bool {
        !self.arn.starts_with("arn:") && !is_account_id(&self.arn) && !self.is_anonymous()
    }

    /// An unauthenticated caller, written `anonymous` (only resource policies can grant it).
    pub fn is_anonymous(&self) -> bool {
        self.arn == ANONYMOUS
    }

    pub fn is_role(&self) -> bool {
        role_path(&self.arn).is_some()
    }

    pub fn is_user(&self) -> bool {
        self.arn
            .split(':')
            .nth(5)
            .is_some_and(|r| r.starts_with("user/"))
    }

    pub fn is_root(&self) -> bool {
        is_account_id(&self.arn) || self.arn.split(':').nth(5) == Some("root")
    }

    /// A service-linked role (`role/aws-service-role/...`): SCPs and RCPs do not restrict it.
    pub fn is_service_linked_role(&self) -> bool {
        role_path(&self.arn).is_some_and(|p| p.starts_with("aws-service-role/"))
    }
}

/// `path/Name` of an IAM role ARN.
pub fn role_path(arn: &str) -> Option<&str> {
    let arn = crate::arn::Arn::split(arn)?;
    (arn.service == "iam").then_some(())?;
    arn.resource.strip_prefix("role/")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// Descriptive: the requests name their own resource; the policy below is that resource's.
    pub arn: Option<String>,
    /// The owning account: it decides same- vs cross-account.
    pub account: String,
    /// The resource-based policy (bucket policy, role trust policy, key policy, ...).
    pub policy: Option<NamedPolicy>,
}

/// One level of the organization tree (the root, an OU, or the account itself).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrgLevel {
    pub id: String,
    /// None: `FullAWSAccess` (attached by default). Some: the SCPs listed; each level needs an Allow.
    pub scps: Option<Vec<NamedPolicy>>,
    /// `RCPFullAWSAccess` is always attached too (it cannot be detached): only denies restrict.
    pub rcps: Vec<NamedPolicy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Organization {
    pub id: String,
    pub management_account: Option<String>,
    pub units: BTreeMap<String, OrgLevel>,
    /// Account id → (unit ids from the root down, the account's own level).
    pub accounts: BTreeMap<String, (Vec<String>, OrgLevel)>,
}

impl Organization {
    /// The levels that govern an account, root first, the account last; None outside the org.
    pub fn levels_of(&self, account: &str) -> Option<Vec<&OrgLevel>> {
        let (path, own) = self.accounts.get(account)?;
        let mut levels: Vec<&OrgLevel> = path.iter().filter_map(|u| self.units.get(u)).collect();
        levels.push(own);
        Some(levels)
    }

    /// Is the account a member (in the org and not the management account)? SCPs and RCPs
    /// apply only to members.
    pub fn is_member(&self, account: &str) -> bool {
        self.accounts.contains_key(account) && self.management_account.as_deref() != Some(account)
    }

    pub fn contains(&self, account: &str) -> bool {
        self.accounts.contains_key(account) || self.management_account.as_deref() == Some(account)
    }

    /// `o-id/r-root/ou-a/` as `aws:PrincipalOrgPaths` / `aws:ResourceOrgPaths` spell it.
    pub fn org_path(&self, account: &str) -> Option<String> {
        let (path, _) = self.accounts.get(account)?;
        let mut text = format!("{}/", self.id);
        for unit in path {
            text.push_str(unit);
            text.push('/');
        }
        Some(text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzContext {
    pub principal: PrincipalInfo,
    /// None: requests on resources of the principal's own account that have no resource policy.
    pub resource: Option<ResourceInfo>,
    pub organization: Option<Organization>,
}

impl AuthzContext {
    /// The account that owns the requested resource.
    pub fn resource_account(&self) -> Option<&str> {
        match &self.resource {
            Some(r) => Some(r.account.as_str()),
            None => self.principal.account(),
        }
    }

    pub fn resource_policy(&self) -> Option<&NamedPolicy> {
        self.resource.as_ref().and_then(|r| r.policy.as_ref())
    }
}
