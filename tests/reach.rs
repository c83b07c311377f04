//! The reachability graph: proved edges, paths that replay hop by hop, diff, DOT.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod reach_gen;

use keyaki::authz::context::parse_organization;
use keyaki::authz::reach::{build, replay, EdgeKind, NodeKind, ReachGraph, ADMIN};
use keyaki::authz::render;
use keyaki::authz::snapshot::{load_snapshot, parse_snapshot, Snapshot};
use keyaki::eval::Decision;
use keyaki::explain::CheckOptions;
use petgraph::visit::EdgeRef;
use std::path::Path;

fn synthetic(roles: usize, users: usize, edit: impl Fn(&mut serde_json::Value)) -> Snapshot {
    let mut v = reach_gen::snapshot(roles, users);
    edit(&mut v);
    let mut s = parse_snapshot(&serde_json::to_vec(&v).unwrap(), "synthetic.json").unwrap();
    let org = serde_json::to_vec(&reach_gen::organization()).unwrap();
    s.organization = Some(parse_organization(&org, "org.json", Path::new(".")).unwrap());
    s
}

/// Every hop of every edge is allowed when replayed through the whole-context evaluator.
fn assert_every_edge_replays(s: &Snapshot, g: &ReachGraph) {
    for e in g.graph.edge_references() {
        let from = &g.graph[e.source()].id;
        assert!(!e.weight().hops.is_empty());
        for hop in &e.weight().hops {
            assert_eq!(
                replay(s, from, hop),
                Some(Decision::Allow),
                "{from} -> {}: {hop:?}",
                g.graph[e.target()].id
            );
        }
    }
}

#[test]
fn synthetic_org_edges_are_proved_and_replay() {
    let s = synthetic(120, 3, |_| {});
    let g = build(&s, &CheckOptions::default());
    assert!(g.undecided.is_empty(), "{:?}", g.undecided);
    assert_every_edge_replays(&s, &g);
    let edge = |a: &str, b: &str| {
        let (a, b) = (g.index[a], g.index[b]);
        g.graph
            .edges_connecting(a, b)
            .next()
            .map(|e| e.weight().clone())
    };
    // The chain: r3 may assume r4 and r4 trusts r3.
    assert_eq!(
        edge(&reach_gen::role_arn(3), &reach_gen::role_arn(4))
            .unwrap()
            .kind,
        EdgeKind::AssumeRole
    );
    // Not the other way.
    assert!(edge(&reach_gen::role_arn(4), &reach_gen::role_arn(3)).is_none());
    // user0 may assume r0 only with MFA: the solver supplies the context.
    let user0 = format!("arn:aws:iam::{}:user/user0", reach_gen::account(0));
    let e = edge(&user0, &reach_gen::role_arn(0)).expect("user0 -> r0");
    let ctx = &e.hops[0].request.context;
    assert_eq!(ctx["aws:multifactorauthpresent"].values, ["true"]);
    // r11 may assume r10, which trusts r11's account only with its ExternalId.
    let e = edge(&reach_gen::role_arn(11), &reach_gen::role_arn(10)).expect("r11 -> r10");
    assert_eq!(
        e.hops[0].request.context["sts:externalid"].values,
        ["ext-10"]
    );
    // The SCP denies assuming roles of the last account: r18 may assume r19 but has no edge.
    assert_eq!(
        reach_gen::account(19),
        reach_gen::account(reach_gen::ACCOUNTS - 1)
    );
    assert!(edge(&reach_gen::role_arn(18), &reach_gen::role_arn(19)).is_none());
    // r0 is an administrator; r50 trusts Lambda and r0 may pass roles to Lambda.
    assert_eq!(
        edge(&reach_gen::role_arn(0), ADMIN).unwrap().kind,
        EdgeKind::Admin
    );
    let pass = edge(&reach_gen::role_arn(0), &reach_gen::role_arn(100)).expect("r0 passes r100");
    assert!(matches!(
        pass.kind,
        EdgeKind::PassRole { .. } | EdgeKind::EditPolicy { .. }
    ));
}

#[test]
fn shortest_paths_replay_hop_by_hop() {
    let s = synthetic(120, 3, |_| {});
    let g = build(&s, &CheckOptions::default());
    let user0 = format!("arn:aws:iam::{}:user/user0", reach_gen::account(0));
    let paths = render::paths(&s, &g, Some(&user0), Some(&reach_gen::role_arn(5))).unwrap();
    assert_eq!(paths.len(), 1);
    // user0 -> r0 (MFA) -> r1 -> ... -> r5: r0's administrator edits stay in its own account.
    assert!(paths[0].hops.len() == 6 && paths[0].replays(), "{paths:?}");
    assert_eq!(paths[0].hops[0].to, reach_gen::role_arn(0));
    let to_admin = render::paths(&s, &g, Some(&user0), None).unwrap();
    assert_eq!(to_admin[0].hops.last().unwrap().to, ADMIN);
    assert!(to_admin.iter().all(|p| p.replays()));
    let dot = render::dot(&g, &paths);
    assert!(
        dot.starts_with("digraph reach {") && dot.contains("color=red"),
        "{dot}"
    );
    assert!(render::paths(&s, &g, Some("arn:aws:iam::1:user/nobody"), None).is_err());
}

#[test]
fn diff_lists_the_paths_a_change_opens() {
    let old = synthetic(60, 2, |_| {});
    let user1 = format!("arn:aws:iam::{}:user/user1", reach_gen::account(0));
    let new = synthetic(60, 2, |v| {
        // r40 now trusts user1 by name, and user1 may assume it.
        let role = &mut v["RoleDetailList"][40];
        role["AssumeRolePolicyDocument"]["Statement"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!(
            {"Effect": "Allow", "Principal": {"AWS": user1}, "Action": "sts:AssumeRole"}));
    });
    let (g_old, g_new) = (
        build(&old, &CheckOptions::default()),
        build(&new, &CheckOptions::default()),
    );
    let opened = render::diff(&new, &g_old, &g_new);
    assert!(
        opened
            .iter()
            .any(|p| p.from == user1 && p.to == reach_gen::role_arn(40)),
        "{opened:?}"
    );
    assert!(opened.iter().all(|p| p.from == user1 && p.replays()));
    assert!(render::diff(&old, &g_old, &g_old).is_empty());
}

#[test]
fn corpus_snapshot_privilege_escalation_paths() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let s =
        load_snapshot(&corpus.join("formats/account-authorization/cloudsplaining__example.json"))
            .unwrap();
    let g = build(&s, &CheckOptions::default());
    assert!(g.undecided.is_empty(), "{:?}", g.undecided);
    assert_every_edge_replays(&s, &g);
    let paths = render::paths(&s, &g, None, None).unwrap();
    assert!(paths.iter().all(|p| p.replays()));
    let path_of = |user: &str| {
        paths
            .iter()
            .find(|p| p.from.ends_with(&format!(":user/{user}")))
    };
    // The named privilege-escalation users reach admin the way their names say.
    let p = path_of("privesc10-PutUserPolicy-user").unwrap();
    assert_eq!(
        (p.hops.len(), p.hops[0].via.as_str()),
        (1, "iam:PutUserPolicy")
    );
    let p = path_of("privesc1-CreateNewPolicyVersion-user").unwrap();
    assert_eq!(p.hops[0].via, "iam:CreatePolicyVersion");
    let p = path_of("privesc15-PassExistingRoleToNewLambdaThenInvoke-user").unwrap();
    assert_eq!(p.hops[0].via, "iam:PassRole to lambda.amazonaws.com");
    // Only with the right request context (the solver's witness is replayed above).
    let p = path_of("fn3-exploitableConditionConstraint-user").unwrap();
    assert!(!p.hops[0].requests[0].request.context.is_empty());
    // External principals are nodes; roles trusted by web identity providers are listed, not dropped.
    assert!(g
        .graph
        .node_indices()
        .any(|n| g.graph[n].kind == NodeKind::External));
    assert!(
        g.unmodeled.iter().any(|u| u.contains("federated")),
        "{:?}",
        g.unmodeled
    );
}
