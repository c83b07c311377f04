//! Who can become whom: the organization graph of a snapshot, every edge proved.
//!
//! Nodes are the snapshot's users and roles, the principals outside it that trust policies
//! name, and `admin`. An edge is a request the whole-context evaluator allows (found by
//! [`prove_allowed`]): assuming a role (identity side, trust policy, SCPs, boundary); passing
//! a role to a service that runs as it (`iam:PassRole` plus the service's launch action, and
//! the role trusts the service); editing a principal's permissions (`iam:PutRolePolicy`,
//! `iam:AttachRolePolicy`, `iam:UpdateAssumeRolePolicy`, `iam:CreatePolicyVersion` on an
//! attached policy, and the user and group equivalents). Candidate pairs are pruned by action
//! and resource before any solver call; the rest are proved in parallel (each proof has its
//! own z3 context). Semantics and limits: `encodings/authz-reach.md`.

use super::context::{AuthzContext, NamedPolicy, PrincipalInfo, ResourceInfo};
use super::snapshot::{Entity, EntityKind, Snapshot};
use super::symbolic::{prove_allowed, Goal, Proof};
use crate::eval::{action_matches, Decision};
use crate::explain::CheckOptions;
use crate::model::{Effect, PrincipalClause, PrincipalEntry, ResourceClause};
use crate::request::{aws_account_of, Request};
use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

pub const ADMIN: &str = "admin";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    User,
    Role,
    /// A principal a trust policy names that the snapshot does not hold (another account, a
    /// session): its own account's policies are assumed to allow (see the encodings page).
    External,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EdgeKind {
    AssumeRole,
    PassRole { service: String },
    EditPolicy { action: String },
    Admin,
}

impl EdgeKind {
    pub fn label(&self) -> String {
        match self {
            EdgeKind::AssumeRole => "sts:AssumeRole".into(),
            EdgeKind::PassRole { service } => format!("iam:PassRole to {service}"),
            EdgeKind::EditPolicy { action } => action.clone(),
            EdgeKind::Admin => "admin".into(),
        }
    }
}

/// One request of an edge and the context it is decided in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hop {
    pub request: Request,
    /// The role whose trust policy is the resource policy (assume and pass edges).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust_of: Option<String>,
    /// The caller is this service principal, not the edge's source (the role's trust check of
    /// a pass edge).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Every request the edge needs; each is allowed.
    pub hops: Vec<Hop>,
}

/// A candidate edge the prover could not decide: reported, never dropped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Undecided {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub reason: String,
}

pub struct ReachGraph {
    pub graph: DiGraph<Node, Edge>,
    pub index: BTreeMap<String, NodeIndex>,
    pub undecided: Vec<Undecided>,
    /// Trust entries not modeled as sources (federated, web identity, `*`): listed, not dropped.
    pub unmodeled: Vec<String>,
    /// Candidate pairs and how many needed the solver.
    pub candidates: usize,
    pub solver_calls: usize,
}

/// Services that run as a passed role, with the action that starts them.
pub const LAUNCHERS: [(&str, &str); 8] = [
    ("lambda.amazonaws.com", "lambda:CreateFunction"),
    ("ec2.amazonaws.com", "ec2:RunInstances"),
    ("ecs-tasks.amazonaws.com", "ecs:RunTask"),
    ("glue.amazonaws.com", "glue:CreateDevEndpoint"),
    ("cloudformation.amazonaws.com", "cloudformation:CreateStack"),
    ("codebuild.amazonaws.com", "codebuild:CreateProject"),
    (
        "sagemaker.amazonaws.com",
        "sagemaker:CreateNotebookInstance",
    ),
    ("datapipeline.amazonaws.com", "datapipeline:CreatePipeline"),
];

const ROLE_EDITS: [&str; 3] = [
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
];
const USER_EDITS: [&str; 2] = ["iam:PutUserPolicy", "iam:AttachUserPolicy"];
const GROUP_EDITS: [&str; 2] = ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"];
const ASSUMED_ALLOW: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// A source: a snapshot entity or an external principal.
#[derive(Clone)]
enum Source<'a> {
    Entity(&'a Entity),
    External(String),
}

impl Source<'_> {
    fn id(&self) -> &str {
        match self {
            Source::Entity(e) => &e.arn,
            Source::External(a) => a,
        }
    }
}

/// One candidate edge: who, to which node, how, and the goals to prove (all must hold).
struct Candidate<'a> {
    from: Source<'a>,
    to: String,
    kind: EdgeKind,
    goals: Vec<(Goal, Option<&'a Entity>, Option<String>)>,
}

pub fn build(snapshot: &Snapshot, options: &CheckOptions) -> ReachGraph {
    let assumed = crate::parse::parse_policy(ASSUMED_ALLOW.as_bytes(), "(assumed)").ok();
    let mut graph = DiGraph::new();
    let mut index = BTreeMap::new();
    for e in &snapshot.entities {
        let kind = if e.kind == EntityKind::User {
            NodeKind::User
        } else {
            NodeKind::Role
        };
        index.insert(
            e.arn.clone(),
            graph.add_node(Node {
                id: e.arn.clone(),
                kind,
            }),
        );
    }
    index.insert(
        ADMIN.to_string(),
        graph.add_node(Node {
            id: ADMIN.into(),
            kind: NodeKind::Admin,
        }),
    );
    let (externals, unmodeled) = external_principals(snapshot);
    for x in &externals {
        index.insert(
            x.clone(),
            graph.add_node(Node {
                id: x.clone(),
                kind: NodeKind::External,
            }),
        );
    }
    let mut candidates = candidates(snapshot, &externals);
    candidates.sort_by(|a, b| (a.from.id(), &a.to, &a.kind).cmp(&(b.from.id(), &b.to, &b.kind)));
    let calls_before = super::symbolic::SOLVER_CALLS.load(std::sync::atomic::Ordering::Relaxed);
    // One task per source, its candidates in sorted order: witnesses found earlier for the
    // same source are tried first, and the output does not depend on thread timing.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if candidates[g[0]].from.id() == c.from.id() => g.push(i),
            _ => groups.push(vec![i]),
        }
    }
    let results: Vec<(usize, EdgeProof)> = groups
        .par_iter()
        .flat_map_iter(|group| {
            let mut witnesses = Witnesses::new();
            group
                .iter()
                .map(|&i| {
                    (
                        i,
                        prove_candidate(
                            snapshot,
                            &candidates[i],
                            assumed.as_ref(),
                            options,
                            &mut witnesses,
                        ),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let solver_calls =
        super::symbolic::SOLVER_CALLS.load(std::sync::atomic::Ordering::Relaxed) - calls_before;
    let mut undecided = Vec::new();
    for (i, result) in results {
        let c = &candidates[i];
        match result {
            Ok(hops) => {
                if let (Some(&a), Some(&b)) = (index.get(c.from.id()), index.get(&c.to)) {
                    graph.add_edge(
                        a,
                        b,
                        Edge {
                            kind: c.kind.clone(),
                            hops,
                        },
                    );
                }
            }
            Err(Some(reason)) => undecided.push(Undecided {
                from: c.from.id().to_string(),
                to: c.to.clone(),
                kind: c.kind.clone(),
                reason,
            }),
            Err(None) => {}
        }
    }
    ReachGraph {
        graph,
        index,
        undecided,
        unmodeled,
        candidates: candidates.len(),
        solver_calls,
    }
}

/// An edge's hops, or why not: None when proved impossible, Some(reason) when undecided.
type EdgeProof = Result<Vec<Hop>, Option<String>>;

/// Per source: request contexts that made an (action, acting service) allowed: tried first on the
/// next resource. Only a cache: every use is decided again by the evaluator.
type Witnesses = BTreeMap<(String, Option<String>), BTreeMap<String, crate::request::ContextValue>>;

/// Proves every goal of a candidate: Ok(hops) when all are allowed, Err(None) when one is
/// proved impossible, Err(Some(reason)) when one is unknown.
fn prove_candidate(
    snapshot: &Snapshot,
    c: &Candidate,
    assumed: Option<&crate::model::Policy>,
    options: &CheckOptions,
    witnesses: &mut Witnesses,
) -> EdgeProof {
    let mut hops = Vec::new();
    for (goal, trust_of, as_service) in &c.goals {
        let ctx = match as_service {
            Some(service) => service_context(snapshot, service, *trust_of),
            None => source_context(snapshot, &c.from, *trust_of, assumed),
        };
        // Concrete tries before the solver: a free resource as the catalog's example resource
        // or none; the request context of an earlier witness for the same caller and action.
        let mut tries: Vec<Request> = Vec::new();
        if let (Some(a), None) = (&goal.action, &goal.resource) {
            // The catalog's example names a placeholder account: the caller's own account here.
            let own = ctx.resource_account().unwrap_or("111122223333").to_string();
            if let Some(r) = crate::catalog::catalog()
                .example_resource(&a.to_lowercase())
                .map(|r| r.replace(":111122223333:", &format!(":{own}:")))
            {
                tries.push(super::symbolic::concrete_request(&ctx, a, Some(&r), goal));
            }
            tries.push(super::symbolic::concrete_request(&ctx, a, None, goal));
        }
        let key = (goal.action.clone().unwrap_or_default(), as_service.clone());
        if let (Some(a), Some(r), Some(context)) =
            (&goal.action, &goal.resource, witnesses.get(&key).cloned())
        {
            let mut request = super::symbolic::concrete_request(&ctx, a, r.as_deref(), goal);
            for (k, v) in context {
                request.context.entry(k).or_insert(v);
            }
            tries.push(request);
        }
        let example = tries
            .into_iter()
            .find(|r| super::decide(&ctx, r).decision == Decision::Allow);
        let proof = match example {
            Some(request) => Proof::Found(request, Vec::new()),
            None => prove_allowed(&ctx, goal, options),
        };
        match proof {
            Proof::Found(request, _) => {
                witnesses
                    .entry(key)
                    .or_insert_with(|| request.context.clone());
                hops.push(Hop {
                    request,
                    trust_of: trust_of.map(|r| r.arn.clone()),
                    as_service: as_service.clone(),
                })
            }
            Proof::Impossible => return Err(None),
            Proof::Unknown(reason) => return Err(Some(reason)),
        }
    }
    Ok(hops)
}

/// The context of a request by a source, on a role (its trust policy as the resource policy)
/// or on the source's own account.
fn source_context(
    snapshot: &Snapshot,
    from: &Source,
    trust_of: Option<&Entity>,
    assumed: Option<&crate::model::Policy>,
) -> AuthzContext {
    let resource = trust_of.map(|role| ResourceInfo {
        arn: Some(role.arn.clone()),
        account: role.account().unwrap_or_default().to_string(),
        policy: role.trust.clone(),
    });
    match from {
        Source::Entity(e) => {
            let mut ctx = snapshot.context(e, resource);
            if ctx.resource.is_none() {
                ctx.resource = e.account().map(|a| ResourceInfo {
                    arn: None,
                    account: a.to_string(),
                    policy: None,
                });
            }
            ctx
        }
        Source::External(arn) => AuthzContext {
            principal: PrincipalInfo {
                arn: external_arn(arn),
                session: arn.contains(":assumed-role/").then(|| arn.clone()),
                identity_policies: assumed
                    .map(|p| {
                        vec![NamedPolicy {
                            name: "(assumed: the caller's own account allows)".into(),
                            policy: p.clone(),
                        }]
                    })
                    .unwrap_or_default(),
                permissions_boundary: None,
                session_policies: Vec::new(),
            },
            resource,
            organization: snapshot.organization.clone(),
        },
    }
}

/// The IAM principal behind an external id: a session's role, or the ARN itself.
fn external_arn(arn: &str) -> String {
    match (arn.split_once(":assumed-role/"), aws_account_of(arn)) {
        (Some((head, rest)), Some(account)) => {
            let partition = head.split(':').nth(1).unwrap_or("aws");
            let role = rest.split('/').next().unwrap_or(rest);
            format!("arn:{partition}:iam::{account}:role/{role}")
        }
        _ => arn.to_string(),
    }
}

fn service_context(snapshot: &Snapshot, service: &str, role: Option<&Entity>) -> AuthzContext {
    AuthzContext {
        principal: PrincipalInfo {
            arn: service.to_string(),
            session: None,
            identity_policies: Vec::new(),
            permissions_boundary: None,
            session_policies: Vec::new(),
        },
        resource: role.map(|r| ResourceInfo {
            arn: Some(r.arn.clone()),
            account: r.account().unwrap_or_default().to_string(),
            policy: r.trust.clone(),
        }),
        organization: snapshot.organization.clone(),
    }
}

/// Could some identity Allow statement of the entity grant `action` on `resource` (ignoring
/// conditions; templates count as possible)? The pruning step before any proof.
fn could_allow(e: &Entity, action: &str, resource: Option<&str>) -> bool {
    e.identity_policies.iter().any(|p| {
        p.policy.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && action_matches(&s.action, action)
                && match (&s.resource, resource) {
                    (_, None) => true,
                    (ResourceClause::Resource(ps), Some(r)) => ps.iter().any(|p| {
                        p.template.has_variables()
                            || p.template.as_plain().is_some_and(|c| {
                                crate::pattern::Glob::from_chars(&c, true).matches(r)
                            })
                    }),
                    _ => true,
                }
        })
    })
}

/// Principals (AWS ARNs and accounts) that trust policies name and the snapshot does not hold.
fn external_principals(snapshot: &Snapshot) -> (Vec<String>, Vec<String>) {
    let known: BTreeSet<&str> = snapshot.entities.iter().map(|e| e.arn.as_str()).collect();
    let mut out = BTreeSet::new();
    let mut unmodeled = BTreeSet::new();
    for role in snapshot
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Role)
    {
        let Some(trust) = &role.trust else { continue };
        for s in trust
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            match &s.principal {
                PrincipalClause::Principal(set) => {
                    if set.everyone {
                        unmodeled.insert(format!(
                            "{}: trusts `*` (every principal; not a graph source)",
                            role.arn
                        ));
                    }
                    for entry in &set.entries {
                        match entry {
                            PrincipalEntry::Account { account, .. } => {
                                out.insert(format!("arn:aws:iam::{account}:root"));
                            }
                            PrincipalEntry::Role { arn, .. } | PrincipalEntry::AwsArn { arn }
                                if !known.contains(arn.as_str()) =>
                            {
                                out.insert(arn.clone());
                            }
                            PrincipalEntry::Federated(f) => {
                                unmodeled.insert(format!(
                                    "{}: trusts federated principal {f} (not a graph source)",
                                    role.arn
                                ));
                            }
                            PrincipalEntry::CanonicalUser(c) => {
                                unmodeled.insert(format!(
                                    "{}: trusts canonical user {c} (not a graph source)",
                                    role.arn
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                PrincipalClause::NotPrincipal(_) => {
                    unmodeled.insert(format!(
                        "{}: trust policy uses NotPrincipal (not a graph source)",
                        role.arn
                    ));
                }
                PrincipalClause::Absent => {}
            }
        }
    }
    // An account root inside the snapshot's accounts stands for its users and roles, which are nodes already.
    let accounts: BTreeSet<&str> = snapshot
        .entities
        .iter()
        .filter_map(Entity::account)
        .collect();
    out.retain(|x| {
        !(x.ends_with(":root") && aws_account_of(x).is_some_and(|a| accounts.contains(a)))
    });
    (out.into_iter().collect(), unmodeled.into_iter().collect())
}

fn goal(action: &str, resource: Option<&str>) -> Goal {
    Goal {
        action: Some(action.to_string()),
        resource: Some(resource.map(str::to_string)),
        ..Goal::default()
    }
}

/// Every candidate edge that survives pruning by action and resource.
fn candidates<'a>(snapshot: &'a Snapshot, externals: &[String]) -> Vec<Candidate<'a>> {
    let roles: Vec<&Entity> = snapshot
        .entities
        .iter()
        .filter(|e| e.kind == EntityKind::Role)
        .collect();
    let mut out = Vec::new();
    let sources: Vec<Source> = snapshot
        .entities
        .iter()
        .map(Source::Entity)
        .chain(externals.iter().map(|x| Source::External(x.clone())))
        .collect();
    let mut by_account: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut by_arn: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, source) in sources.iter().enumerate() {
        by_arn.insert(source.id(), i);
        if let Some(a) = aws_account_of(source.id()) {
            by_account.entry(a).or_default().push(i);
        }
    }
    // Assume: the trust policy must name the source (or its account) for sts:AssumeRole.
    for role in &roles {
        let Some(trust) = &role.trust else { continue };
        let trusted: Vec<&PrincipalClause> = trust
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && action_matches(&s.action, "sts:AssumeRole"))
            .map(|s| &s.principal)
            .collect();
        for source in trusted_sources(&trusted, &sources, &by_account, &by_arn)
            .into_iter()
            .map(|i| &sources[i])
        {
            if source.id() == role.arn {
                continue;
            }
            let caller = match source {
                Source::Entity(e) if e.kind == EntityKind::Role => {
                    super::snapshot::session_arn(&e.arn).unwrap_or_default()
                }
                _ => source.id().to_string(),
            };
            let who = crate::request::Principal::Aws(caller);
            let named = trusted
                .iter()
                .any(|p| crate::eval::principal_matches(p, &who));
            let identity_possible = match source {
                Source::Entity(e) => could_allow(e, "sts:AssumeRole", Some(&role.arn)),
                Source::External(_) => true,
            };
            let direct_possible =
                matches!(source, Source::Entity(e) if e.account() == role.account());
            if named && (identity_possible || direct_possible) {
                out.push(Candidate {
                    from: source.clone(),
                    to: role.arn.clone(),
                    kind: EdgeKind::AssumeRole,
                    goals: vec![(goal("sts:AssumeRole", Some(&role.arn)), Some(*role), None)],
                });
            }
        }
    }
    for e in &snapshot.entities {
        let from = Source::Entity(e);
        // Pruning by action: only entities that may pass or edit at all look at targets.
        let may_pass = could_allow(e, "iam:PassRole", None);
        let may_edit = ROLE_EDITS
            .iter()
            .chain(&USER_EDITS)
            .chain(&GROUP_EDITS)
            .chain(&["iam:CreatePolicyVersion"])
            .any(|a| could_allow(e, a, None));
        // Pass: the role trusts a launcher service, and the source may pass it and launch.
        for role in roles.iter().filter(|_| may_pass) {
            if !could_allow(e, "iam:PassRole", Some(&role.arn)) || role.account() != e.account() {
                continue;
            }
            let Some(trust) = &role.trust else { continue };
            for (service, launch) in LAUNCHERS {
                let trusts_service = trust.policy.statements.iter().any(|s| {
                    s.effect == Effect::Allow
                        && crate::eval::principal_matches(
                            &s.principal,
                            &crate::request::Principal::Service(service.into()),
                        )
                });
                if !trusts_service || !could_allow(e, launch, None) {
                    continue;
                }
                let mut pass = goal("iam:PassRole", Some(&role.arn));
                pass.fixed_keys
                    .push(("iam:PassedToService".into(), vec![service.into()]));
                let launch_goal = Goal {
                    action: Some(launch.into()),
                    ..Goal::default()
                };
                out.push(Candidate {
                    from: from.clone(),
                    to: role.arn.clone(),
                    kind: EdgeKind::PassRole {
                        service: service.into(),
                    },
                    goals: vec![
                        (pass, None, None),
                        (launch_goal, None, None),
                        (
                            goal("sts:AssumeRole", Some(&role.arn)),
                            Some(*role),
                            Some(service.to_string()),
                        ),
                    ],
                });
            }
        }
        // Edit: permissions-editing actions on a role, a user, its groups, or an attached policy.
        for target in snapshot.entities.iter().filter(|_| may_edit) {
            if target.account() != e.account() {
                continue;
            }
            let edits: &[&str] = if target.kind == EntityKind::Role {
                &ROLE_EDITS
            } else {
                &USER_EDITS
            };
            let mut on: Vec<(&str, String)> =
                edits.iter().map(|a| (*a, target.arn.clone())).collect();
            for g in &target.groups {
                on.extend(GROUP_EDITS.iter().map(|a| (*a, g.clone())));
            }
            for p in target
                .managed_policy_arns
                .iter()
                .filter(|p| !p.contains(":aws:policy/"))
            {
                on.push(("iam:CreatePolicyVersion", p.clone()));
            }
            for (action, resource) in on {
                if !could_allow(e, action, Some(&resource)) {
                    continue;
                }
                let to = if target.arn == e.arn {
                    ADMIN.to_string()
                } else {
                    target.arn.clone()
                };
                out.push(Candidate {
                    from: from.clone(),
                    to,
                    kind: EdgeKind::EditPolicy {
                        action: action.into(),
                    },
                    goals: vec![(goal(action, Some(&resource)), None, None)],
                });
            }
        }
        // Admin: see `encodings/authz-reach.md` for the probe.
        if is_admin_candidate(e) {
            if let Some(account) = e.account() {
                let probe = format!("arn:aws:iam::{account}:user/keyaki-admin-probe");
                out.push(Candidate {
                    from: from.clone(),
                    to: ADMIN.into(),
                    kind: EdgeKind::Admin,
                    goals: vec![(goal("iam:PutUserPolicy", Some(&probe)), None, None)],
                });
            }
        }
    }
    dedup(out)
}

/// The sources a trust policy's Principal elements could select: by exact ARN (and a role's
/// sessions), by account, or all of them for `*` and NotPrincipal. A superset; each is
/// matched exactly afterwards.
fn trusted_sources(
    trusted: &[&PrincipalClause],
    sources: &[Source],
    by_account: &BTreeMap<&str, Vec<usize>>,
    by_arn: &BTreeMap<&str, usize>,
) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for clause in trusted {
        match clause {
            PrincipalClause::Principal(set) if !set.everyone => {
                for entry in &set.entries {
                    match entry {
                        PrincipalEntry::Account { account, .. } => {
                            out.extend(by_account.get(account.as_str()).into_iter().flatten());
                        }
                        PrincipalEntry::Role { arn, .. } | PrincipalEntry::AwsArn { arn } => {
                            out.extend(by_arn.get(arn.as_str()));
                        }
                        _ => {}
                    }
                }
            }
            PrincipalClause::Absent => {}
            _ => out.extend(0..sources.len()),
        }
    }
    out
}

/// Some identity Allow statement grants every action on every resource with no condition.
fn is_admin_candidate(e: &Entity) -> bool {
    e.identity_policies.iter().any(|p| {
        p.policy.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.conditions.is_empty()
                && matches!(&s.action, crate::model::ActionClause::Action(a) if a.iter().any(|x| x.glob.is_universal()))
                && matches!(&s.resource, ResourceClause::Resource(r) if r.iter().any(|x| x.template.as_plain().is_some_and(|c| crate::pattern::Glob::from_chars(&c, true).is_universal())))
        })
    })
}

/// One candidate per (from, to, kind): a second way to the same edge adds nothing to a path.
fn dedup(list: Vec<Candidate>) -> Vec<Candidate> {
    let mut seen = BTreeSet::new();
    list.into_iter()
        .filter(|c| seen.insert((c.from.id().to_string(), c.to.clone(), c.kind.clone())))
        .collect()
}

impl ReachGraph {
    /// Shortest path (fewest hops) from one node to another, as edge indexes; BFS in index order.
    pub fn shortest_path(
        &self,
        from: NodeIndex,
        to: NodeIndex,
    ) -> Option<Vec<petgraph::graph::EdgeIndex>> {
        let mut previous: BTreeMap<NodeIndex, petgraph::graph::EdgeIndex> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(n) = queue.pop_front() {
            if n == to {
                let mut path = Vec::new();
                let mut at = to;
                while at != from {
                    let e = *previous.get(&at)?;
                    path.push(e);
                    at = self.graph.edge_endpoints(e)?.0;
                }
                path.reverse();
                return Some(path);
            }
            let mut next: Vec<_> = self
                .graph
                .edges(n)
                .map(|e| {
                    (
                        petgraph::visit::EdgeRef::target(&e),
                        petgraph::visit::EdgeRef::id(&e),
                    )
                })
                .collect();
            next.sort();
            for (t, e) in next {
                if seen.insert(t) {
                    previous.insert(t, e);
                    queue.push_back(t);
                }
            }
        }
        None
    }

    /// Every (source, target) pair with a path, for `--diff`.
    pub fn reachable_pairs(&self) -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for start in self.graph.node_indices() {
            let mut dfs = petgraph::visit::Bfs::new(&self.graph, start);
            while let Some(n) = dfs.next(&self.graph) {
                if n != start {
                    out.insert((self.graph[start].id.clone(), self.graph[n].id.clone()));
                }
            }
        }
        out
    }
}

/// Replays one hop through the whole-context evaluator: the decision it gets now.
pub fn replay(snapshot: &Snapshot, from: &str, hop: &Hop) -> Decision {
    let assumed = crate::parse::parse_policy(ASSUMED_ALLOW.as_bytes(), "(assumed)").ok();
    let trust_of = hop.trust_of.as_deref().and_then(|a| snapshot.find(a));
    let ctx = match &hop.as_service {
        Some(s) => service_context(snapshot, s, trust_of),
        None => {
            let source = match snapshot.find(from) {
                Some(e) => Source::Entity(e),
                None => Source::External(from.to_string()),
            };
            source_context(snapshot, &source, trust_of, assumed.as_ref())
        }
    };
    super::decide(&ctx, &hop.request).decision
}
