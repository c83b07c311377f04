//! Questions over contexts, answered by proof or by replayed counterexamples.
//!
//! - [`scp_removes_access`]: does attaching a new SCP take away any access the caller has today?
//! - [`outside_org_access`]: can a principal outside the organization reach the resource, directly
//!   or through a role it can assume (given a snapshot)?
//! - [`boundary_escape`]: is every request the context allows inside the permissions boundary?
//!   (Resource policies that name a user or a session ARN grant past a boundary.)

use super::context::{AuthzContext, NamedPolicy, PrincipalInfo};
use super::decide::{decide, WholeDecision};
use super::logic::RCP_SERVICES;
use super::reach::{NodeKind, ReachGraph};
use super::snapshot::Snapshot;
use super::symbolic::{find_request, prove_allowed, Extra, Goal, Proof};
use super::AuthzError;
use crate::access::{find, Target, TrustZone};
use crate::eval::PolicyType;
use crate::explain::CheckOptions;
use crate::model::{Effect, Policy};
use crate::request::{Principal, Request};

const FULL_AWS_ACCESS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// The requests a question ranges over: the context's resource (and what is under it) when it
/// names one, else any.
fn goal_for(ctx: &AuthzContext) -> Goal {
    match ctx.resource.as_ref().and_then(|r| r.arn.as_ref()) {
        Some(arn) => Goal {
            resource_patterns: vec![arn.clone(), format!("{arn}/*")],
            ..Goal::default()
        },
        None => Goal::default(),
    }
}

/// The context with `scp` attached at `level` (a unit id or the account id; default the
/// caller's account). Err when the caller's account is not in the organization.
pub fn with_scp(
    ctx: &AuthzContext,
    scp: &NamedPolicy,
    level: Option<&str>,
) -> Result<AuthzContext, AuthzError> {
    let mut new = ctx.clone();
    let account = ctx
        .principal
        .account()
        .ok_or_else(|| unfit("the caller is not an IAM principal of an account"))?
        .to_string();
    let org = new
        .organization
        .as_mut()
        .ok_or_else(|| unfit("the context has no organization"))?;
    let level = level.unwrap_or(&account).to_string();
    let full = crate::parse::parse_policy(FULL_AWS_ACCESS.as_bytes(), "FullAWSAccess")?;
    let slot = if let Some((_, own)) = org.accounts.get_mut(&level) {
        &mut own.scps
    } else if let Some(unit) = org.units.get_mut(&level) {
        &mut unit.scps
    } else {
        return Err(AuthzError::Unfit(format!(
            "level {level} is neither a unit nor an account of the organization"
        )));
    };
    let list = slot.get_or_insert_with(|| {
        vec![NamedPolicy {
            name: "FullAWSAccess (attached by default)".into(),
            policy: full,
        }]
    });
    list.push(scp.clone());
    if !org.accounts.contains_key(&account) {
        return Err(AuthzError::Unfit(format!(
            "the caller's account {account} is not in the organization"
        )));
    }
    Ok(new)
}

pub fn scp_removes_access(
    ctx: &AuthzContext,
    scp: &NamedPolicy,
    level: Option<&str>,
    options: &CheckOptions,
) -> Result<Proof, AuthzError> {
    let new = with_scp(ctx, scp, level)?;
    Ok(find_request(
        &[(ctx, true), (&new, false)],
        &[],
        &goal_for(ctx),
        options,
    ))
}

/// `sts:GetCallerIdentity` is allowed whatever the policies say, boundary included: not an escape.
pub fn boundary_escape(ctx: &AuthzContext, options: &CheckOptions) -> Result<Proof, AuthzError> {
    let boundary = ctx
        .principal
        .permissions_boundary
        .as_ref()
        .ok_or_else(|| unfit("the context's principal has no permissions_boundary"))?;
    let extra = Extra {
        policy: &boundary.policy,
        allows: false,
    };
    let goal = Goal {
        exclude_actions: vec![super::logic::GET_CALLER_IDENTITY.to_string()],
        ..goal_for(ctx)
    };
    Ok(find_request(&[(ctx, true)], &[extra], &goal, options))
}

/// One way in from outside the organization, replayed through the whole context.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    /// `direct`, or the path of roles from an outside principal.
    pub via: Vec<String>,
    pub request: Request,
    pub decision: WholeDecision,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct OutsideAccess {
    pub entries: Vec<Entry>,
    /// Set when the answer may be incomplete.
    pub unknown: Option<String>,
}

/// Can anything outside the organization reach the context's resource? Directly through its
/// resource policy (with the RCPs of its account), and, given a snapshot's graph, through any
/// principal an outside principal can become.
pub fn outside_org_access(
    ctx: &AuthzContext,
    reach: Option<(&Snapshot, &ReachGraph)>,
    options: &CheckOptions,
) -> Result<OutsideAccess, AuthzError> {
    let org = ctx
        .organization
        .as_ref()
        .ok_or_else(|| unfit("the context has no organization"))?;
    let resource = ctx
        .resource
        .as_ref()
        .ok_or_else(|| unfit("the context has no resource"))?;
    let mut zone: Vec<String> = org
        .accounts
        .keys()
        .map(|a| format!("account:{a}"))
        .collect();
    zone.extend(
        org.management_account
            .iter()
            .map(|a| format!("account:{a}")),
    );
    zone.push(format!("org:{}", org.id));
    let zone = TrustZone::parse(&zone).map_err(|e| AuthzError::Unfit(e.to_string()))?;
    let mut out = OutsideAccess::default();
    if let Some(policy) = &resource.policy {
        let combined = with_rcp_denies(ctx, &policy.policy);
        let found = find(
            &combined,
            &Target::Outside(zone),
            &CheckOptions {
                policy_type: PolicyType::Resource,
                ..options.clone()
            },
            PolicyType::Resource,
        );
        out.unknown = found.unknown;
        for f in found.findings {
            let Some(outsider) = outside_context(ctx, &f.request.principal) else {
                out.unknown.get_or_insert(format!(
                    "a finding for {:?} is not replayable as a whole context",
                    f.request.principal
                ));
                continue;
            };
            let decision = decide(&outsider, &f.request);
            if !decision.allowed() {
                out.unknown.get_or_insert(
                    "internal error: a finding did not replay through the whole context".into(),
                );
                continue;
            }
            out.entries.push(Entry {
                via: vec!["direct".into()],
                request: f.request,
                decision,
            });
        }
    }
    if let Some((snapshot, graph)) = reach {
        for (id, path) in reachable_from_outside(graph) {
            let Some(entity) = snapshot.find(&id) else {
                continue;
            };
            let mut inner = snapshot.context(entity, ctx.resource.clone());
            inner.organization = ctx.organization.clone();
            match prove_allowed(&inner, &goal_for(ctx), options) {
                Proof::Found(request, mut decisions) => {
                    if let Some(decision) = decisions.pop() {
                        out.entries.push(Entry {
                            via: path,
                            request,
                            decision,
                        });
                    }
                }
                Proof::Impossible => {}
                Proof::Unknown(r) => {
                    out.unknown.get_or_insert(format!("{id}: {r}"));
                }
            }
        }
    }
    Ok(out)
}

/// The resource policy with the Deny statements of the RCPs that restrict it appended (their
/// Principal is `*`): RCPs are deny-only here (`RCPFullAWSAccess` is always attached); and
/// with denies that keep the keys AWS sets at their values.
fn with_rcp_denies(ctx: &AuthzContext, policy: &Policy) -> Policy {
    let mut combined = policy.clone();
    // Keys AWS sets, as Deny statements over the free principal: a caller cannot choose them.
    if let Some(owner) = ctx.resource_account() {
        let realistic = format!(
            r#"{{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
              "Condition": {{"StringNotEquals": {{"aws:ResourceAccount": "{owner}"}}}}}},
            {{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
              "Condition": {{"Null": {{"aws:PrincipalServiceName": "true"}}, "StringNotEquals": {{"aws:PrincipalIsAWSService": "false"}}}}}},
            {{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
              "Condition": {{"Null": {{"aws:PrincipalServiceName": "false"}}, "StringNotEquals": {{"aws:PrincipalIsAWSService": "true"}}}}}}]}}"#
        );
        if let Ok(p) = crate::parse::parse_policy(realistic.as_bytes(), "(AWS-set keys)") {
            for mut s in p.statements {
                s.index = combined.statements.len();
                combined.statements.push(s);
            }
        }
    }
    let service = ctx
        .resource
        .as_ref()
        .and_then(|r| r.arn.as_deref())
        .and_then(|a| a.split(':').nth(2))
        .unwrap_or("");
    if !RCP_SERVICES.contains(&service) || !super::decide::rcps_apply(ctx) {
        return combined;
    }
    for (layer, _, p) in super::decide::policies_of(ctx) {
        if layer != super::Layer::Rcp {
            continue;
        }
        for s in p
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Deny)
        {
            let mut s = s.clone();
            s.index = combined.statements.len();
            combined.statements.push(s);
        }
    }
    combined
}

/// The context of an outside caller on the resource: its own account is assumed to allow.
fn outside_context(ctx: &AuthzContext, who: &Principal) -> Option<AuthzContext> {
    let full = crate::parse::parse_policy(FULL_AWS_ACCESS.as_bytes(), "(assumed)").ok()?;
    let (arn, session) = match who {
        Principal::Aws(a) if a.contains(":assumed-role/") => {
            let account = crate::request::aws_account_of(a)?;
            let role = a.split(":assumed-role/").nth(1)?.split('/').next()?;
            (
                format!("arn:aws:iam::{account}:role/{role}"),
                Some(a.clone()),
            )
        }
        Principal::Aws(a) => (a.clone(), None),
        Principal::Service(s) => (s.clone(), None),
        Principal::Anonymous => (super::context::ANONYMOUS.to_string(), None),
        _ => return None,
    };
    Some(AuthzContext {
        principal: PrincipalInfo {
            arn,
            session,
            identity_policies: vec![NamedPolicy {
                name: "(assumed: the caller's own account allows)".into(),
                policy: full,
            }],
            permissions_boundary: None,
            session_policies: Vec::new(),
        },
        resource: ctx.resource.clone(),
        organization: ctx.organization.clone(),
    })
}

/// Snapshot principals an external node reaches, each with its path (external first).
fn reachable_from_outside(g: &ReachGraph) -> Vec<(String, Vec<String>)> {
    let mut out = std::collections::BTreeMap::new();
    for start in g
        .graph
        .node_indices()
        .filter(|n| g.graph[*n].kind == NodeKind::External)
    {
        for n in g.graph.node_indices() {
            if matches!(g.graph[n].kind, NodeKind::User | NodeKind::Role)
                && !out.contains_key(&g.graph[n].id)
            {
                if let Some(edges) = g.shortest_path(start, n) {
                    let mut path = vec![g.graph[start].id.clone()];
                    path.extend(
                        edges
                            .iter()
                            .filter_map(|e| g.graph.edge_endpoints(*e))
                            .map(|(_, b)| g.graph[b].id.clone()),
                    );
                    out.insert(g.graph[n].id.clone(), path);
                }
            }
        }
    }
    out.into_iter().collect()
}

fn unfit(message: &str) -> AuthzError {
    AuthzError::Unfit(message.to_string())
}
