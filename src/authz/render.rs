//! Reachability answers: shortest paths with their replayed requests, as text, JSON or DOT;
//! and the paths a change opens (`reach --diff`).

use super::reach::{replay, Hop, NodeKind, ReachGraph, ADMIN};
use super::snapshot::{Entity, Snapshot};
use crate::eval::Decision;
use petgraph::visit::EdgeRef;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathHop {
    pub from: String,
    pub to: String,
    pub via: String,
    pub requests: Vec<Hop>,
    /// The decision of each request, replayed through the whole-context evaluator now
    /// (`null`: it depends on a value AWS leaves undocumented).
    pub replayed: Vec<Option<Decision>>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathReport {
    pub from: String,
    pub to: String,
    pub hops: Vec<PathHop>,
}

impl PathReport {
    pub fn replays(&self) -> bool {
        self.hops
            .iter()
            .all(|h| h.replayed.iter().all(|d| *d == Some(Decision::Allow)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReachReport {
    pub nodes: usize,
    pub edges: usize,
    pub candidates: usize,
    pub solver_calls: usize,
    pub paths: Vec<PathReport>,
    pub undecided: Vec<super::reach::Undecided>,
    pub unmodeled: Vec<String>,
}

/// The shortest path from each source to the target. Sources: `from`, or every user and
/// external principal; target: `to` (an ARN or `admin`), default `admin`.
pub fn paths(
    snapshot: &Snapshot,
    g: &ReachGraph,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<PathReport>, super::AuthzError> {
    let target_id = to.unwrap_or(ADMIN);
    let target = *g.index.get(target_id).ok_or_else(|| {
        super::AuthzError::Unfit(format!(
            "--to {target_id}: no such principal or role in the snapshot"
        ))
    })?;
    let sources: Vec<_> = match from {
        Some(f) => {
            let id = snapshot.find(f).map(Entity::arn).unwrap_or(f);
            vec![*g.index.get(id).ok_or_else(|| {
                super::AuthzError::Unfit(format!("--from {f}: no such principal in the snapshot"))
            })?]
        }
        None => g
            .graph
            .node_indices()
            .filter(|n| matches!(g.graph[*n].kind, NodeKind::User | NodeKind::External))
            .collect(),
    };
    let mut out = Vec::new();
    for source in sources {
        if source == target {
            continue;
        }
        let Some(edges) = g.shortest_path(source, target) else {
            continue;
        };
        let mut hops = Vec::new();
        for e in edges {
            let Some((a, b)) = g.graph.edge_endpoints(e) else {
                continue;
            };
            let edge = &g.graph[e];
            let from_id = g.graph[a].id.clone();
            let replayed = edge
                .hops
                .iter()
                .map(|h| replay(snapshot, &from_id, h))
                .collect();
            hops.push(PathHop {
                from: from_id,
                to: g.graph[b].id.clone(),
                via: edge.kind.label(),
                requests: edge.hops.clone(),
                replayed,
            });
        }
        out.push(PathReport {
            from: g.graph[source].id.clone(),
            to: target_id.to_string(),
            hops,
        });
    }
    Ok(out)
}

pub fn report(g: &ReachGraph, paths: Vec<PathReport>) -> ReachReport {
    ReachReport {
        nodes: g.graph.node_count(),
        edges: g.graph.edge_count(),
        candidates: g.candidates,
        solver_calls: g.solver_calls,
        paths,
        undecided: g.undecided.clone(),
        unmodeled: g.unmodeled.clone(),
    }
}

pub fn text(r: &ReachReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "graph: {} nodes, {} edges ({} candidate edges after pruning, {} needed the solver)",
        r.nodes, r.edges, r.candidates, r.solver_calls
    );
    if r.paths.is_empty() {
        let _ = writeln!(s, "no path");
    }
    for p in &r.paths {
        let _ = writeln!(
            s,
            "\n{} -> {} ({} hops{})",
            p.from,
            p.to,
            p.hops.len(),
            if p.replays() {
                ", every request replayed: Allow"
            } else {
                ", REPLAY FAILED"
            }
        );
        for (i, h) in p.hops.iter().enumerate() {
            let _ = writeln!(s, "  {}. {} --[{}]--> {}", i + 1, h.from, h.via, h.to);
            for (req, d) in h.requests.iter().zip(&h.replayed) {
                let who = req
                    .as_service
                    .as_deref()
                    .map(|x| format!(" (as {x})"))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "     {}{who}: {}",
                    d.map_or("Unknown".to_string(), |d| format!("{d:?}")),
                    serde_json::to_string(&req.request).unwrap_or_default()
                );
            }
        }
    }
    for u in &r.undecided {
        let _ = writeln!(
            s,
            "undecided edge {} --[{}]--> {}: {}",
            u.from,
            u.kind.label(),
            u.to,
            u.reason
        );
    }
    for u in &r.unmodeled {
        let _ = writeln!(s, "not modeled: {u}");
    }
    s
}

pub fn to_json(r: &ReachReport) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The graph in Graphviz DOT; the paths' edges drawn red.
pub fn dot(g: &ReachGraph, paths: &[PathReport]) -> String {
    let on_path: BTreeSet<(&str, &str)> = paths
        .iter()
        .flat_map(|p| p.hops.iter().map(|h| (h.from.as_str(), h.to.as_str())))
        .collect();
    let mut s = String::from(
        "digraph reach {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for n in g.graph.node_indices() {
        let node = &g.graph[n];
        if g.graph
            .edges_directed(n, petgraph::Direction::Incoming)
            .next()
            .is_none()
            && g.graph.edges(n).next().is_none()
        {
            continue;
        }
        let shape = match node.kind {
            NodeKind::User => "ellipse",
            NodeKind::Role => "box",
            NodeKind::External => "diamond",
            NodeKind::Admin => "doubleoctagon",
        };
        let _ = writeln!(s, "  {} [shape={shape}];", quote(&node.id));
    }
    for e in g.graph.edge_references() {
        let (a, b) = (&g.graph[e.source()].id, &g.graph[e.target()].id);
        let color = if on_path.contains(&(a.as_str(), b.as_str())) {
            ", color=red, penwidth=2"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "  {} -> {} [label={}{color}];",
            quote(a),
            quote(b),
            quote(&e.weight().kind.label())
        );
    }
    s.push_str("}\n");
    s
}

/// The (source, target) pairs NEW connects that OLD does not, each with NEW's shortest path.
pub fn diff(new_snapshot: &Snapshot, old: &ReachGraph, new: &ReachGraph) -> Vec<PathReport> {
    let before = old.reachable_pairs();
    let mut out = Vec::new();
    for (a, b) in new.reachable_pairs().difference(&before) {
        if let Ok(mut p) = paths(new_snapshot, new, Some(a), Some(b)) {
            out.append(&mut p);
        }
    }
    out
}

pub fn diff_json(opened: &[PathReport]) -> Value {
    json!({"opened": opened})
}
