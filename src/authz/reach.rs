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

use super::candidates::{candidates, external_principals, Candidate, Source, ASSUMED_ALLOW};
use super::context::{AuthzContext, NamedPolicy, PrincipalInfo, ResourceInfo};
use super::snapshot::{Entity, EntityKind, Snapshot};
use super::symbolic::{prove_allowed, Proof};
use crate::eval::Decision;
use crate::explain::CheckOptions;
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
            e.arn().to_string(),
            graph.add_node(Node {
                id: e.arn().to_string(),
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
        let example = tries.into_iter().find(|r| super::decide(&ctx, r).allowed());
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
                    trust_of: trust_of.map(|r| r.arn().to_string()),
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
        arn: Some(role.arn().to_string()),
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
            arn: Some(r.arn().to_string()),
            account: r.account().unwrap_or_default().to_string(),
            policy: r.trust.clone(),
        }),
        organization: snapshot.organization.clone(),
    }
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

/// Replays one hop through the whole-context evaluator: the decision it gets now, `None` when
/// it depends on a value AWS leaves undocumented (never read as Allow).
pub fn replay(snapshot: &Snapshot, from: &str, hop: &Hop) -> Option<Decision> {
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
    let whole = super::decide(&ctx, &hop.request);
    whole.unknown.is_none().then_some(whole.decision)
}
