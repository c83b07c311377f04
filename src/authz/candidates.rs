//! Candidate edges for [`super::reach`]: which (source, target, kind) could be an edge at all,
//! pruned by action and resource before any proof (see `encodings/authz-reach.md`).

use super::reach::{EdgeKind, ADMIN};
use super::snapshot::{Entity, EntityKind, Snapshot};
use super::symbolic::Goal;
use crate::eval::action_matches;
use crate::model::{Effect, PrincipalClause, PrincipalEntry, ResourceClause};
use crate::request::aws_account_of;
use std::collections::{BTreeMap, BTreeSet};

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

pub(super) const ROLE_EDITS: [&str; 3] = [
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:UpdateAssumeRolePolicy",
];
pub(super) const USER_EDITS: [&str; 2] = ["iam:PutUserPolicy", "iam:AttachUserPolicy"];
pub(super) const GROUP_EDITS: [&str; 2] = ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"];
pub(super) const ASSUMED_ALLOW: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// A source: a snapshot entity or an external principal.
#[derive(Clone)]
pub(super) enum Source<'a> {
    Entity(&'a Entity),
    External(String),
}

impl Source<'_> {
    pub(super) fn id(&self) -> &str {
        match self {
            Source::Entity(e) => e.arn(),
            Source::External(a) => a,
        }
    }
}

/// One candidate edge: who, to which node, how, and the goals to prove (all must hold).
pub(super) struct Candidate<'a> {
    pub(super) from: Source<'a>,
    pub(super) to: String,
    pub(super) kind: EdgeKind,
    pub(super) goals: Vec<(Goal, Option<&'a Entity>, Option<String>)>,
}

/// Could some identity Allow statement of the entity grant `action` on `resource` (ignoring
/// conditions; templates count as possible)? The pruning step before any proof.
fn could_allow(e: &Entity, action: &str, resource: Option<&str>) -> bool {
    e.principal.identity_policies.iter().any(|p| {
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
pub(super) fn external_principals(snapshot: &Snapshot) -> (Vec<String>, Vec<String>) {
    let known: BTreeSet<&str> = snapshot.entities.iter().map(|e| e.arn()).collect();
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
                            role.arn()
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
                                    role.arn()
                                ));
                            }
                            PrincipalEntry::CanonicalUser(c) => {
                                unmodeled.insert(format!(
                                    "{}: trusts canonical user {c} (not a graph source)",
                                    role.arn()
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                PrincipalClause::NotPrincipal(_) => {
                    unmodeled.insert(format!(
                        "{}: trust policy uses NotPrincipal (not a graph source)",
                        role.arn()
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
pub(super) fn candidates<'a>(snapshot: &'a Snapshot, externals: &[String]) -> Vec<Candidate<'a>> {
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
            if source.id() == role.arn() {
                continue;
            }
            let caller = match source {
                Source::Entity(e) if e.kind == EntityKind::Role => {
                    super::snapshot::session_arn(e.arn()).unwrap_or_default()
                }
                _ => source.id().to_string(),
            };
            let who = crate::request::Principal::Aws(caller);
            let named = trusted
                .iter()
                .any(|p| crate::eval::principal_matches(p, &who));
            let identity_possible = match source {
                Source::Entity(e) => could_allow(e, "sts:AssumeRole", Some(role.arn())),
                Source::External(_) => true,
            };
            let direct_possible =
                matches!(source, Source::Entity(e) if e.account() == role.account());
            if named && (identity_possible || direct_possible) {
                out.push(Candidate {
                    from: source.clone(),
                    to: role.arn().to_string(),
                    kind: EdgeKind::AssumeRole,
                    goals: vec![(goal("sts:AssumeRole", Some(role.arn())), Some(*role), None)],
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
            if !could_allow(e, "iam:PassRole", Some(role.arn())) || role.account() != e.account() {
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
                let mut pass = goal("iam:PassRole", Some(role.arn()));
                pass.fixed_keys
                    .push(("iam:PassedToService".into(), vec![service.into()]));
                let launch_goal = Goal {
                    action: Some(launch.into()),
                    ..Goal::default()
                };
                out.push(Candidate {
                    from: from.clone(),
                    to: role.arn().to_string(),
                    kind: EdgeKind::PassRole {
                        service: service.into(),
                    },
                    goals: vec![
                        (pass, None, None),
                        (launch_goal, None, None),
                        (
                            goal("sts:AssumeRole", Some(role.arn())),
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
            let mut on: Vec<(&str, String)> = edits
                .iter()
                .map(|a| (*a, target.arn().to_string()))
                .collect();
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
                let to = if target.arn() == e.arn() {
                    ADMIN.to_string()
                } else {
                    target.arn().to_string()
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
    e.principal.identity_policies.iter().any(|p| {
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
