//! The one combination formula: how the layers' verdicts make AWS's decision.
//!
//! Written once over [`Truth`], so the concrete evaluator ([`mod@super::decide`], over `bool`) and
//! the prover ([`super::symbolic`], over [`Term`]) cannot disagree about the logic; the tables
//! of AWS-side rules below are read by both through [`Patterns`]. The rules, with the
//! documentation each follows, are in `encodings/authz-evaluation.md`.

use crate::encode::Term;
use crate::model::{PrincipalClause, Statement};
use crate::request::Principal;

/// A truth value the formula is computed over: `bool` or a prover [`Term`].
pub trait Truth: Clone {
    fn constant(value: bool) -> Self;
    fn all(items: Vec<Self>) -> Self;
    fn any(items: Vec<Self>) -> Self;
    fn negate(self) -> Self;
}

impl Truth for bool {
    fn constant(value: bool) -> bool {
        value
    }
    fn all(items: Vec<bool>) -> bool {
        items.into_iter().all(|b| b)
    }
    fn any(items: Vec<bool>) -> bool {
        items.into_iter().any(|b| b)
    }
    fn negate(self) -> bool {
        !self
    }
}

impl Truth for Term {
    fn constant(value: bool) -> Term {
        if value {
            Term::tt()
        } else {
            Term::ff()
        }
    }
    fn all(items: Vec<Term>) -> Term {
        Term::and(items)
    }
    fn any(items: Vec<Term>) -> Term {
        Term::or(items)
    }
    fn negate(self) -> Term {
        Term::not(self)
    }
}

/// Who the caller is, as far as the combination rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallerKind {
    /// An IAM user: resource policies naming the user ARN are not limited by its boundary.
    User,
    /// A role session (or a federated-user session): session policies and the boundary bound
    /// grants to the role ARN, not grants to the session ARN.
    RoleSession,
    /// The account root user: full access in its own account, no boundary.
    Root,
    /// An AWS service principal or an anonymous caller: only resource policies can grant it
    /// anything.
    Service,
}

/// How an applying Allow statement of a resource policy names the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grant {
    /// Only through the caller's account (`arn:aws:iam::ID:root` or `ID`): a delegation to the
    /// account's own policies.
    Account,
    /// The user or role ARN, `*`, or a NotPrincipal the caller is outside of.
    Principal,
    /// The role session ARN itself.
    Session,
}

/// How a statement's Principal element selects this caller; None when it does not.
pub fn grant_of(statement: &Statement, caller: &Principal) -> Option<Grant> {
    match &statement.principal {
        PrincipalClause::Absent => Some(Grant::Principal),
        PrincipalClause::NotPrincipal(_) => {
            crate::eval::principal_matches(&statement.principal, caller).then_some(Grant::Principal)
        }
        PrincipalClause::Principal(set) => {
            let matching: Vec<_> = set
                .entries
                .iter()
                .filter(|e| crate::eval::principal_entry_matches(e, caller))
                .collect();
            let session_named = matching.iter().any(|e| {
                matches!((e, caller), (crate::model::PrincipalEntry::AwsArn { arn }, Principal::Aws(c))
                    if arn == c && c.contains(":assumed-role/"))
            });
            if session_named {
                Some(Grant::Session)
            } else if set.everyone
                || matching
                    .iter()
                    .any(|e| !matches!(e, crate::model::PrincipalEntry::Account { .. }))
            {
                Some(Grant::Principal)
            } else if !matching.is_empty() {
                Some(Grant::Account)
            } else {
                None
            }
        }
    }
}

/// Everything the formula reads, each a truth value of the request.
#[derive(Debug, Clone)]
pub struct Facts<B> {
    pub caller: CallerKind,
    /// The caller's account owns the resource.
    pub same_account: bool,
    /// `sts:GetCallerIdentity`: allowed whatever any policy says.
    pub get_caller_identity: B,
    /// An AWS-side rule forbids the request (changing an AWS managed policy, a service-linked role, ...).
    pub aws_protected: B,
    /// Per layer and policy: some Deny statement applies (RCP denies only where RCPs apply).
    pub denies: Vec<B>,
    /// None: SCPs do not restrict the caller. Some: per level, some Allow statement applies.
    pub scp_levels: Option<Vec<B>>,
    pub identity_allow: B,
    /// None: no permissions boundary.
    pub boundary_allow: Option<B>,
    /// None: no session policies.
    pub session_allow: Option<B>,
    pub grant_account: B,
    pub grant_principal: B,
    pub grant_session: B,
    /// A role trust policy (sts:AssumeRole*) or a KMS key policy: the resource policy must allow.
    pub needs_resource_policy: B,
}

/// The parts of the formula, kept so the evaluator can say which one failed.
#[derive(Debug, Clone)]
pub struct Outcome<B> {
    pub allowed: B,
    pub explicit_deny: B,
    pub scp_ok: B,
    /// Identity policies, boundary and session policies together allow.
    pub identity_side: B,
    /// A resource policy grant that stands on its own (no identity policy needed).
    pub direct_grant: B,
    /// Resource policy and identity side together allow (ignoring SCPs and denies).
    pub combined: B,
}

pub fn combine<B: Truth>(f: &Facts<B>) -> Outcome<B> {
    let bounded = B::all(
        [f.boundary_allow.clone(), f.session_allow.clone()]
            .into_iter()
            .flatten()
            .collect(),
    );
    let identity_side = match f.caller {
        CallerKind::Root | CallerKind::Service => B::constant(true),
        CallerKind::User | CallerKind::RoleSession => {
            B::all(vec![f.identity_allow.clone(), bounded.clone()])
        }
    };
    let direct_grant = match f.caller {
        CallerKind::User | CallerKind::Root => {
            B::any(vec![f.grant_principal.clone(), f.grant_session.clone()])
        }
        CallerKind::RoleSession => B::any(vec![
            f.grant_session.clone(),
            B::all(vec![f.grant_principal.clone(), bounded]),
        ]),
        CallerKind::Service => f.grant_principal.clone(),
    };
    let combined = if f.same_account && f.caller != CallerKind::Service {
        // Within an account either side may grant, except that a role trust policy or a key
        // policy must allow (at least by delegating to the account).
        B::any(vec![
            direct_grant.clone(),
            B::all(vec![
                identity_side.clone(),
                B::any(vec![
                    f.needs_resource_policy.clone().negate(),
                    f.grant_account.clone(),
                ]),
            ]),
        ])
    } else {
        // Across accounts both sides must allow.
        B::all(vec![
            B::any(vec![
                f.grant_account.clone(),
                f.grant_principal.clone(),
                f.grant_session.clone(),
            ]),
            identity_side.clone(),
        ])
    };
    let scp_ok = match &f.scp_levels {
        None => B::constant(true),
        Some(levels) => B::all(levels.clone()),
    };
    let denied = B::any(
        std::iter::once(f.aws_protected.clone())
            .chain(f.denies.iter().cloned())
            .collect(),
    );
    let gci = f.get_caller_identity.clone();
    Outcome {
        allowed: B::any(vec![
            gci.clone(),
            B::all(vec![
                denied.clone().negate(),
                scp_ok.clone(),
                combined.clone(),
            ]),
        ]),
        explicit_deny: B::all(vec![gci.negate(), denied]),
        scp_ok,
        identity_side,
        direct_grant,
        combined,
    }
}

/// Actions that assume a role: the role's trust policy must allow them.
pub const ASSUME_ROLE_ACTIONS: [&str; 3] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
];
pub const ROLE_ARN: &str = "arn:*:iam::*:role/*";
pub const KMS_KEY_ARN: &str = "arn:*:kms:*:*:key/*";
pub const GET_CALLER_IDENTITY: &str = "sts:getcalleridentity";

/// Resources no customer policy can change, with the actions that would change them.
pub const AWS_PROTECTED: [(&str, &[&str]); 4] = [
    (
        "arn:*:iam::*:role/aws-service-role/*",
        &PROTECTED_ROLE_ACTIONS,
    ),
    ("arn:*:iam::*:role/aws-reserved/*", &PROTECTED_ROLE_ACTIONS),
    (
        "arn:*:iam::aws:policy/*",
        &[
            "iam:createpolicyversion",
            "iam:deletepolicyversion",
            "iam:setdefaultpolicyversion",
            "iam:deletepolicy",
            "iam:tagpolicy",
            "iam:untagpolicy",
        ],
    ),
    (
        "arn:*:kms:*:*:alias/aws/*",
        &["kms:createalias", "kms:updatealias", "kms:deletealias"],
    ),
];

const PROTECTED_ROLE_ACTIONS: [&str; 10] = [
    "iam:putrolepolicy",
    "iam:attachrolepolicy",
    "iam:detachrolepolicy",
    "iam:deleterolepolicy",
    "iam:updateassumerolepolicy",
    "iam:putrolepermissionsboundary",
    "iam:deleterolepermissionsboundary",
    "iam:updaterole",
    "iam:updateroledescription",
    "iam:deleterole",
];

/// Services whose resources RCPs restrict (the documented list; other services ignore RCPs).
pub const RCP_SERVICES: [&str; 11] = [
    "s3",
    "sts",
    "kms",
    "sqs",
    "secretsmanager",
    "ecr",
    "aoss",
    "cognito-idp",
    "cognito-identity",
    "logs",
    "dynamodb",
];

/// The AWS-side tests on the action and resource, answered over `bool` or [`Term`].
pub trait Patterns<B> {
    /// The (lowercased) action is exactly this.
    fn action_is(&mut self, action_lower: &str) -> B;
    /// The action's service prefix is this.
    fn service_is(&mut self, service: &str) -> B;
    /// The request has a resource and it matches this ARN pattern.
    fn resource_like(&mut self, arn_pattern: &str) -> B;
}

pub fn get_caller_identity<B: Truth>(p: &mut dyn Patterns<B>) -> B {
    p.action_is(GET_CALLER_IDENTITY)
}

pub fn aws_protected<B: Truth>(p: &mut dyn Patterns<B>) -> B {
    B::any(
        AWS_PROTECTED
            .iter()
            .map(|(resource, actions)| {
                let any_action = B::any(actions.iter().map(|a| p.action_is(a)).collect());
                B::all(vec![p.resource_like(resource), any_action])
            })
            .collect(),
    )
}

pub fn needs_resource_policy<B: Truth>(p: &mut dyn Patterns<B>) -> B {
    let assume = B::any(ASSUME_ROLE_ACTIONS.iter().map(|a| p.action_is(a)).collect());
    B::any(vec![
        B::all(vec![assume, p.resource_like(ROLE_ARN)]),
        p.resource_like(KMS_KEY_ARN),
    ])
}

pub fn rcp_service<B: Truth>(p: &mut dyn Patterns<B>) -> B {
    B::any(RCP_SERVICES.iter().map(|s| p.service_is(s)).collect())
}

/// The patterns on a concrete request.
pub struct Concrete<'a> {
    pub action_lower: &'a str,
    pub resource: Option<&'a str>,
}

impl Patterns<bool> for Concrete<'_> {
    fn action_is(&mut self, action_lower: &str) -> bool {
        self.action_lower == action_lower
    }
    fn service_is(&mut self, service: &str) -> bool {
        crate::pattern::Glob::wildcard(&format!("{service}:*")).matches(self.action_lower)
    }
    fn resource_like(&mut self, arn_pattern: &str) -> bool {
        self.resource
            .is_some_and(|r| crate::pattern::Glob::arn(arn_pattern).matches(r))
    }
}
