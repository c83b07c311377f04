//! The whole-context evaluator: AWS's decision for one request with every policy type.
//!
//! Each policy is evaluated by [`crate::eval::evaluate`]; the verdicts become [`Facts`] and
//! [`combine`] (the formula the prover uses too) makes the decision. What follows only names
//! the deciding layer, policy and statements.

use super::context::{AuthzContext, NamedPolicy};
use super::logic::{self, combine, grant_of, CallerKind, Concrete, Facts, Grant};
use crate::eval::{
    effective_context, evaluate_with_context, Decision, Evaluation, MatchedStatement, PolicyType,
};
use crate::request::{Principal, Request};

/// Where a verdict comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layer {
    /// A rule AWS applies whatever the policies say.
    Aws,
    Scp,
    Rcp,
    ResourcePolicy,
    Identity,
    PermissionsBoundary,
    SessionPolicy,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Aws => "aws",
            Layer::Scp => "scp",
            Layer::Rcp => "rcp",
            Layer::ResourcePolicy => "resource-policy",
            Layer::Identity => "identity",
            Layer::PermissionsBoundary => "permissions-boundary",
            Layer::SessionPolicy => "session-policy",
        }
    }
}

/// One policy's verdict in the whole decision.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyVerdict {
    pub layer: Layer,
    /// The organization level (root, OU or account id) for SCPs and RCPs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    pub policy: String,
    pub evaluation: Evaluation,
}

/// What decided: a layer, and the policy and statements when a policy did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deciding {
    pub layer: Layer,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    pub statements: Vec<MatchedStatement>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WholeDecision {
    pub decision: Decision,
    pub reason: String,
    pub cross_account: bool,
    pub deciding: Vec<Deciding>,
    /// Every policy evaluated, in layer order.
    pub verdicts: Vec<PolicyVerdict>,
    /// Set when the decision depends on statements AWS leaves undocumented (a policy variable
    /// in a typed condition value); `decision` is then one of several possible ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<String>,
}

impl WholeDecision {
    /// Allowed, and not by one reading of an undocumented value among others.
    pub fn allowed(&self) -> bool {
        self.decision == Decision::Allow && self.unknown.is_none()
    }
}

/// The caller as the request names it.
pub fn caller(ctx: &AuthzContext) -> Principal {
    if ctx.principal.is_anonymous() {
        Principal::Anonymous
    } else if ctx.principal.is_service() {
        Principal::Service(ctx.principal.arn.clone())
    } else {
        Principal::Aws(ctx.principal.caller_arn().to_string())
    }
}

pub fn caller_kind(ctx: &AuthzContext) -> CallerKind {
    let p = &ctx.principal;
    if p.is_service() || p.is_anonymous() {
        CallerKind::Service
    } else if p.is_root() {
        CallerKind::Root
    } else if p.is_user() {
        CallerKind::User
    } else {
        CallerKind::RoleSession
    }
}

/// Does the request fit the context? The principal must be the context's caller, and an
/// `aws:ResourceAccount` the request gives must be the owning account.
pub fn check_request(ctx: &AuthzContext, request: &Request) -> Result<(), super::AuthzError> {
    let expected = caller(ctx);
    let role_itself = Principal::Aws(ctx.principal.arn.clone());
    if request.principal != expected
        && !(ctx.principal.session.is_none() && request.principal == role_itself)
    {
        return Err(super::AuthzError::Unfit(format!(
            "the request's principal is not the context's caller `{}`",
            ctx.principal.caller_arn()
        )));
    }
    for (key, values) in context_keys(ctx) {
        if let Some(given) = request.context_values(&key.to_lowercase()) {
            if given != values.as_slice() {
                return Err(super::AuthzError::Unfit(format!(
                    "the request gives {key} = {given:?}, but AWS sets it to {values:?} in this context"
                )));
            }
        }
    }
    Ok(())
}

/// The keys AWS sets from the context: a request cannot choose them (see `encodings/authz-context.md`).
pub fn context_keys(ctx: &AuthzContext) -> Vec<(&'static str, Vec<String>)> {
    let mut keys = Vec::new();
    if let Some(owner) = ctx.resource_account() {
        keys.push(("aws:ResourceAccount", vec![owner.to_string()]));
    }
    keys.push((
        "aws:PrincipalIsAWSService",
        vec![ctx.principal.is_service().to_string()],
    ));
    if let Some(org) = &ctx.organization {
        if let Some(account) = ctx.principal.account().filter(|a| org.contains(a)) {
            keys.push(("aws:PrincipalOrgID", vec![org.id.clone()]));
            if let Some(path) = org.org_path(account) {
                keys.push(("aws:PrincipalOrgPaths", vec![path]));
            }
        }
        if let Some(owner) = ctx.resource_account().filter(|a| org.contains(a)) {
            keys.push(("aws:ResourceOrgID", vec![org.id.clone()]));
            if let Some(path) = org.org_path(owner) {
                keys.push(("aws:ResourceOrgPaths", vec![path]));
            }
        }
    }
    keys
}

/// The request with the keys AWS sets from the context (they replace any the request gives).
pub fn enrich(ctx: &AuthzContext, request: &Request) -> Request {
    let mut out = request.clone();
    for (key, values) in context_keys(ctx) {
        let multi = key.ends_with("OrgPaths");
        out.set_context(key, values, multi);
    }
    out
}

/// Every policy that applies to the context's requests with its layer and level, in layer
/// order (SCPs only where they restrict the caller, RCPs only where they restrict the resource).
pub fn policies_of(ctx: &AuthzContext) -> Vec<(Layer, Option<String>, &NamedPolicy)> {
    let mut out = Vec::new();
    if let (Some(org), Some(account), true) =
        (&ctx.organization, ctx.principal.account(), scps_apply(ctx))
    {
        if let Some(levels) = org.levels_of(account) {
            for level in levels {
                for p in level.scps.iter().flatten() {
                    out.push((Layer::Scp, Some(level.id.clone()), p));
                }
            }
        }
    }
    if let (Some(org), Some(owner), true) =
        (&ctx.organization, ctx.resource_account(), rcps_apply(ctx))
    {
        if let Some(levels) = org.levels_of(owner) {
            for level in levels {
                for p in &level.rcps {
                    out.push((Layer::Rcp, Some(level.id.clone()), p));
                }
            }
        }
    }
    if let Some(p) = ctx.resource_policy() {
        out.push((Layer::ResourcePolicy, None, p));
    }
    for p in &ctx.principal.identity_policies {
        out.push((Layer::Identity, None, p));
    }
    if let Some(p) = &ctx.principal.permissions_boundary {
        out.push((Layer::PermissionsBoundary, None, p));
    }
    for p in &ctx.principal.session_policies {
        out.push((Layer::SessionPolicy, None, p));
    }
    out
}

pub fn policy_type(layer: Layer) -> PolicyType {
    match layer {
        Layer::Rcp | Layer::ResourcePolicy => PolicyType::Resource,
        _ => PolicyType::Identity,
    }
}

/// Do SCPs restrict this caller? Only IAM principals of member accounts, not service-linked roles.
pub fn scps_apply(ctx: &AuthzContext) -> bool {
    let p = &ctx.principal;
    match (&ctx.organization, p.account()) {
        (Some(org), Some(account)) => {
            org.is_member(account) && !p.is_service() && !p.is_service_linked_role()
        }
        _ => false,
    }
}

/// Do RCPs restrict requests on this context's resource (for an RCP-supported service)?
/// Only resources of member accounts, and not requests by service-linked roles.
pub fn rcps_apply(ctx: &AuthzContext) -> bool {
    match (&ctx.organization, ctx.resource_account()) {
        (Some(org), Some(owner)) => org.is_member(owner) && !ctx.principal.is_service_linked_role(),
        _ => false,
    }
}

/// The whole decision. The request should have passed [`check_request`].
pub fn decide(ctx: &AuthzContext, request: &Request) -> WholeDecision {
    let request = enrich(ctx, request);
    let effective = effective_context(&request);
    let verdicts: Vec<PolicyVerdict> = policies_of(ctx)
        .into_iter()
        .map(|(layer, level, p)| PolicyVerdict {
            layer,
            level,
            policy: p.name.clone(),
            evaluation: evaluate_with_context(&p.policy, &request, &effective, policy_type(layer)),
        })
        .collect();
    let mut whole = decide_from(ctx, &request, verdicts);
    whole.unknown = super::undetermined::unknown(&whole, |readings| {
        decide_from(ctx, &request, readings).decision
    });
    whole
}

/// The whole decision from every policy's verdict (the request already enriched).
fn decide_from(
    ctx: &AuthzContext,
    request: &Request,
    verdicts: Vec<PolicyVerdict>,
) -> WholeDecision {
    let action_lower = request.action.to_lowercase();
    let mut patterns = Concrete {
        action_lower: &action_lower,
        resource: request.resource.as_deref(),
    };
    let rcp_in_force = rcps_apply(ctx) && logic::rcp_service(&mut patterns);
    let allows = |layer: Layer| {
        verdicts
            .iter()
            .filter(move |v| v.layer == layer)
            .any(|v| v.evaluation.decision == Decision::Allow)
    };
    let present = |layer: Layer| verdicts.iter().any(|v| v.layer == layer);
    let caller_principal = request.principal.clone();
    let mut grants = [false; 3];
    if let Some(res) = ctx.resource_policy() {
        if let Some(v) = verdicts.iter().find(|v| v.layer == Layer::ResourcePolicy) {
            if v.evaluation.decision == Decision::Allow {
                for m in &v.evaluation.statements {
                    let stmt = res.policy.statements.iter().find(|s| s.index == m.index);
                    match stmt.and_then(|s| grant_of(s, &caller_principal)) {
                        Some(Grant::Account) => grants[0] = true,
                        Some(Grant::Principal) => grants[1] = true,
                        Some(Grant::Session) => grants[2] = true,
                        None => {}
                    }
                }
            }
        }
    }
    let scp_levels = scps_apply(ctx).then(|| scp_level_verdicts(ctx, &verdicts));
    let facts = Facts {
        caller: caller_kind(ctx),
        same_account: same_account(ctx),
        get_caller_identity: logic::get_caller_identity(&mut patterns),
        aws_protected: logic::aws_protected(&mut patterns),
        denies: verdicts
            .iter()
            .filter(|v| v.layer != Layer::Rcp || rcp_in_force)
            .map(|v| v.evaluation.decision == Decision::ExplicitDeny)
            .collect(),
        scp_levels: scp_levels
            .as_ref()
            .map(|l| l.iter().map(|(_, ok)| *ok).collect()),
        identity_allow: allows(Layer::Identity),
        boundary_allow: present(Layer::PermissionsBoundary)
            .then(|| allows(Layer::PermissionsBoundary)),
        session_allow: present(Layer::SessionPolicy).then(|| allows(Layer::SessionPolicy)),
        grant_account: grants[0],
        grant_principal: grants[1],
        grant_session: grants[2],
        needs_resource_policy: logic::needs_resource_policy(&mut patterns),
    };
    let outcome = combine(&facts);
    let (decision, reason, deciding) = explain(
        ctx,
        &facts,
        &outcome,
        &verdicts,
        rcp_in_force,
        scp_levels.as_deref(),
    );
    WholeDecision {
        decision,
        reason,
        cross_account: !facts.same_account,
        deciding,
        verdicts,
        unknown: None,
    }
}

pub fn same_account(ctx: &AuthzContext) -> bool {
    ctx.principal.account().is_some() && ctx.principal.account() == ctx.resource_account()
}

/// Per SCP level: its id and whether some SCP there has an applying Allow.
fn scp_level_verdicts(ctx: &AuthzContext, verdicts: &[PolicyVerdict]) -> Vec<(String, bool)> {
    let levels = match (&ctx.organization, ctx.principal.account()) {
        (Some(org), Some(a)) => org.levels_of(a).unwrap_or_default(),
        _ => Vec::new(),
    };
    levels
        .iter()
        .map(|level| {
            let ok = match &level.scps {
                None => true,
                Some(_) => verdicts.iter().any(|v| {
                    v.layer == Layer::Scp
                        && v.level.as_deref() == Some(level.id.as_str())
                        && v.evaluation.decision == Decision::Allow
                }),
            };
            (level.id.clone(), ok)
        })
        .collect()
}

fn deciding_of(v: &PolicyVerdict) -> Deciding {
    Deciding {
        layer: v.layer,
        level: v.level.clone(),
        policy: Some(v.policy.clone()),
        statements: v.evaluation.statements.clone(),
    }
}

fn layer_only(layer: Layer, level: Option<String>) -> Deciding {
    Deciding {
        layer,
        level,
        policy: None,
        statements: Vec::new(),
    }
}

type Explained = (Decision, String, Vec<Deciding>);

fn explain(
    ctx: &AuthzContext,
    facts: &Facts<bool>,
    outcome: &logic::Outcome<bool>,
    verdicts: &[PolicyVerdict],
    rcp_in_force: bool,
    scp_levels: Option<&[(String, bool)]>,
) -> Explained {
    if facts.get_caller_identity {
        return (
            Decision::Allow,
            "sts:GetCallerIdentity is always allowed, whatever any policy says".into(),
            vec![layer_only(Layer::Aws, None)],
        );
    }
    if outcome.explicit_deny {
        if facts.aws_protected {
            return (
                Decision::ExplicitDeny,
                "AWS-managed: no customer policy can change this resource".into(),
                vec![layer_only(Layer::Aws, None)],
            );
        }
        let deciding: Vec<Deciding> = verdicts
            .iter()
            .filter(|v| v.evaluation.decision == Decision::ExplicitDeny)
            .filter(|v| v.layer != Layer::Rcp || rcp_in_force)
            .map(deciding_of)
            .collect();
        let layers: Vec<&str> = deciding.iter().map(|d| d.layer.as_str()).collect();
        return (
            Decision::ExplicitDeny,
            format!("explicit deny in {}", layers.join(", ")),
            deciding,
        );
    }
    if outcome.allowed {
        let mut deciding = Vec::new();
        let use_resource =
            outcome.direct_grant || facts.needs_resource_policy || !facts.same_account;
        let use_identity = !(facts.same_account && outcome.direct_grant && !outcome.identity_side);
        for v in verdicts
            .iter()
            .filter(|v| v.evaluation.decision == Decision::Allow)
        {
            let wanted = match v.layer {
                Layer::ResourcePolicy => use_resource,
                Layer::Identity | Layer::PermissionsBoundary | Layer::SessionPolicy => use_identity,
                Layer::Scp => true,
                Layer::Rcp | Layer::Aws => false,
            };
            if wanted && !v.evaluation.statements.is_empty() {
                deciding.push(deciding_of(v));
            }
        }
        let how = if !facts.same_account {
            "cross-account: the resource policy and the caller's own policies both allow"
        } else if outcome.direct_grant && !outcome.identity_side {
            "the resource policy grants the caller directly"
        } else {
            "allowed within the account"
        };
        return (Decision::Allow, how.into(), deciding);
    }
    // Implicit deny: the first missing allow, in the documented order.
    if let Some(levels) = scp_levels {
        if let Some((level, _)) = levels.iter().find(|(_, ok)| !ok) {
            return (
                Decision::ImplicitDeny,
                format!("no SCP at level {level} allows the request"),
                vec![layer_only(Layer::Scp, Some(level.clone()))],
            );
        }
    }
    let any_grant = facts.grant_account || facts.grant_principal || facts.grant_session;
    let resource_missing = (!any_grant && (facts.needs_resource_policy || !facts.same_account))
        || facts.caller == CallerKind::Service;
    if resource_missing {
        let what = if ctx.resource_policy().is_none() {
            if facts.needs_resource_policy {
                "a role trust policy or KMS key policy is required and the context has none"
            } else {
                "cross-account access needs a resource policy and the context has none"
            }
        } else if facts.needs_resource_policy {
            "the role trust policy or KMS key policy does not allow the caller"
        } else {
            "the resource policy does not allow the caller"
        };
        return (
            Decision::ImplicitDeny,
            what.into(),
            vec![layer_only(Layer::ResourcePolicy, None)],
        );
    }
    let (layer, what) = if !facts.identity_allow {
        (Layer::Identity, "no identity policy allows the request")
    } else if facts.boundary_allow == Some(false) {
        (
            Layer::PermissionsBoundary,
            "the permissions boundary does not allow the request",
        )
    } else {
        (Layer::SessionPolicy, "no session policy allows the request")
    };
    (
        Decision::ImplicitDeny,
        what.into(),
        vec![layer_only(layer, None)],
    )
}
