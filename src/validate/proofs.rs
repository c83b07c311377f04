//! Findings only a prover can give, each decided by [`check_no_new_access`] on the parsed
//! model: unsatisfiable statements, redundant statements, Allows a Deny overrides entirely,
//! plus Allow with NotAction/NotResource granting hundreds of catalog actions. Every example
//! request is replayed through the evaluator; an `unknown` is its own finding, never a claim.

use super::actions::{action_glob, glob_within};
use super::finding::{ExampleRequest, Finding, FindingType, Location};
use super::tree::{statements, Collector, StatementView};
use super::witness::refuted;
use crate::catalog::catalog;
use crate::eval::{evaluate, Decision, PolicyType};
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::{ActionClause, Effect, Policy, Statement};
use crate::parse::{policy_from_json, Json};
use crate::request::{Principal, Request};

/// Keyaki's own codes: `(code, findingType, what it means)`.
pub const KEYAKI_CODES: [(&str, FindingType, &str); 10] = [
    ("unsatisfiable-statement", FindingType::Warning, "Proved: the statement's conditions can never all hold, so it never applies."),
    ("redundant-statement", FindingType::Suggestion, "Proved: every request the Allow statement allows is allowed by the rest of the policy."),
    ("allow-overridden-by-deny", FindingType::Warning, "Proved: every request the Allow statement allows is denied by a Deny of the same policy."),
    ("not-element-grants-many-actions", FindingType::SecurityWarning, "Allow with NotAction or NotResource grants more than 300 catalog actions (count and examples, catalog-dated)."),
    ("action-typo", FindingType::Error, "An action the catalog does not know, with the closest action of the same service (catalog-dated)."),
    ("resource-matches-no-action", FindingType::Warning, "A Resource ARN that no resource type of any action of its statement matches (glob automata, catalog-dated)."),
    ("retired-service", FindingType::Suggestion, "An action of a service AWS has retired (not in the catalog, still accepted by Access Analyzer): it grants nothing."),
    ("action-matches-no-resource", FindingType::Warning, "A catalog action none of whose resource types any Resource ARN of its statement matches (e.g. s3:ListBucket on an object ARN): never granted (glob automata, catalog-dated)."),
    ("could-not-decide", FindingType::Warning, "The prover returned unknown (timeout, budget, unsupported construct) for a proof-based check: nothing is claimed."),
    ("proofs-skipped", FindingType::Warning, "The proof-based checks did not run because the policy does not parse into the model (the reason is given)."),
];

/// Allow statements granting more catalog actions than this through NotAction/NotResource
/// are reported.
pub const MANY_ACTIONS: usize = 300;

fn keyaki(code: &str, details: String, locations: Vec<Location>) -> Finding {
    let finding_type = KEYAKI_CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map_or(FindingType::Warning, |(_, t, _)| *t);
    Finding::keyaki(code, finding_type, details, locations)
}

/// A proof the prover could not finish: nothing is claimed about `question`.
fn could_not_decide(question: &str, reason: &dyn std::fmt::Display, location: Location) -> Finding {
    keyaki(
        "could-not-decide",
        format!("Could not decide whether {question}: {reason}."),
        vec![location],
    )
}

pub fn check(c: &mut Collector, root: &Json, origin: &str, refute_first: bool) {
    // Without `refute_first` every question goes to the prover (to compare, in tests).
    let refuted = |alone: &Policy, pt: PolicyType, accept: &dyn Fn(&Request) -> bool| {
        refute_first && refuted(alone, pt, accept)
    };
    let views = statements(root);
    let policy = match policy_from_json(root, origin) {
        Ok(p) => p,
        Err(e) => {
            // Only worth saying when no other finding already explains the rejection.
            if !c
                .findings
                .iter()
                .any(|f| f.finding_type == FindingType::Error)
            {
                let location = c.at(Vec::new(), root);
                c.push(keyaki(
                    "proofs-skipped",
                    format!(
                        "The proof-based checks did not run: {} at {} (line {}, column {}).",
                        e.message, e.path, e.line, e.col
                    ),
                    vec![location],
                ));
            }
            return;
        }
    };
    let view_of = |index: usize| views.iter().find(|v| v.index == index);
    let options = CheckOptions {
        policy_type: c.kind.eval_type(),
        counterexamples: 1,
        timeout: c.options.proof_timeout,
        ..CheckOptions::default()
    };
    let mut working: Vec<Statement> = policy.statements.clone();
    let mut budget = MAX_QUERIES_PER_POLICY;
    // The catalog-based NotAction/NotResource check needs no query: a spent budget must not skip it.
    let mut not_elements_checked = std::collections::HashSet::new();
    // Last first: of two twins, the later one is reported as redundant.
    for statement in policy.statements.iter().rev() {
        let Some(view) = view_of(statement.index) else {
            continue;
        };
        let location = c.at(view.path.clone(), view.json);
        let alone = as_allow_policy(&policy, std::slice::from_ref(statement));
        let pt = options.policy_type;
        if may_be_unsatisfiable(statement) && !refuted(&alone, pt, &|_| true) {
            if !spend(&mut budget) {
                break;
            }
            match check_no_new_access(&alone, &empty(&policy), &options) {
                Verdict::Holds => {
                    c.push(keyaki("unsatisfiable-statement", format!("Statement {} never applies: no request satisfies all of its conditions together (proved).", statement.index), vec![location]));
                    working.retain(|s| s.index != statement.index);
                    continue;
                }
                Verdict::Unknown(reason) => {
                    c.push(could_not_decide(
                        &format!("statement {index} is satisfiable", index = statement.index),
                        &reason,
                        location,
                    ));
                    continue;
                }
                Verdict::Violated(_) => {}
            }
        }
        if statement.effect != Effect::Allow {
            continue;
        }
        not_elements(c, statement, view, location.clone(), options.policy_type);
        not_elements_checked.insert(statement.index);
        let mut denied = None;
        if overridable(statement, &policy) {
            let with_denies =
                denied.insert(as_allow_policy(&policy, std::slice::from_ref(statement)));
            with_denies.statements.extend(
                policy
                    .statements
                    .iter()
                    .filter(|s| s.effect == Effect::Deny)
                    .cloned(),
            );
        }
        // A request the Allow allows and no Deny denies: not overridden, no query.
        let overridden = denied.as_ref().filter(|with_denies| {
            !refuted(&alone, pt, &|r| {
                evaluate(with_denies, r, pt).allowed() == Some(true)
            })
        });
        if let Some(denied) = overridden {
            if !spend(&mut budget) {
                break;
            }
            match check_no_new_access(denied, &empty(&policy), &options) {
                Verdict::Holds => {
                    let mut finding = keyaki("allow-overridden-by-deny", format!("Statement {} allows nothing: every request it allows is denied by a Deny statement of this policy (proved).", statement.index), vec![location]);
                    finding.example_requests =
                        example(&alone, &policy, &options, Decision::ExplicitDeny);
                    c.push(finding);
                    working.retain(|s| s.index != statement.index);
                    continue;
                }
                Verdict::Unknown(reason) => {
                    c.push(could_not_decide(
                        &format!(
                            "a Deny overrides statement {index}",
                            index = statement.index
                        ),
                        &reason,
                        location,
                    ));
                    continue;
                }
                Verdict::Violated(_) => {}
            }
        }
        if let Some(covering) = redundancy_candidate(statement, &working) {
            // Sufficient, and much smaller than the whole policy: everything the statement
            // allows is allowed by the Allow statements that cover its actions.
            let others = Policy {
                statements: covering,
                ..header(&policy)
            };
            // A request the statement allows and the others do not: not redundant, no query.
            if refuted(&alone, pt, &|r| {
                evaluate(&others, r, pt).allowed() == Some(false)
            }) {
                continue;
            }
            if !spend(&mut budget) {
                break;
            }
            match check_no_new_access(&alone, &others, &options) {
                Verdict::Holds => {
                    let mut finding = keyaki("redundant-statement", format!("Statement {} is redundant: every request it allows is allowed by other statements of the policy (proved); removing it changes nothing.", statement.index), vec![location]);
                    let rest = Policy {
                        statements: working
                            .iter()
                            .filter(|s| s.index != statement.index)
                            .cloned()
                            .collect(),
                        ..header(&policy)
                    };
                    finding.example_requests = example(&alone, &rest, &options, Decision::Allow);
                    c.push(finding);
                    working.retain(|s| s.index != statement.index);
                }
                Verdict::Unknown(reason) => {
                    c.push(could_not_decide(
                        &format!("statement {index} is redundant", index = statement.index),
                        &reason,
                        location,
                    ));
                }
                Verdict::Violated(_) => {}
            }
        }
    }
    for statement in policy.statements.iter().rev() {
        let unchecked =
            statement.effect == Effect::Allow && !not_elements_checked.contains(&statement.index);
        if let Some(view) = view_of(statement.index).filter(|_| unchecked) {
            let location = c.at(view.path.clone(), view.json);
            not_elements(c, statement, view, location, options.policy_type);
        }
    }
    if budget == 0 {
        let location = c.at(Vec::new(), root);
        c.push(keyaki("proofs-skipped", format!("The proof-based checks stopped after {MAX_QUERIES_PER_POLICY} prover queries (the per-policy budget); later statements were not checked."), vec![location]));
    }
}

/// Prover queries one policy may spend on proof-based findings.
pub const MAX_QUERIES_PER_POLICY: usize = 40;

/// Takes one query from the budget; false when it is spent.
fn spend(budget: &mut usize) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    true
}

/// The policy's header with these statements, each turned into an Allow (to ask "what does it match?").
fn as_allow_policy(policy: &Policy, statements: &[Statement]) -> Policy {
    Policy {
        statements: statements
            .iter()
            .map(|s| Statement {
                effect: Effect::Allow,
                ..s.clone()
            })
            .collect(),
        ..header(policy)
    }
}

/// The policy's Version and Id without its statements (cloning a large policy per query showed
/// in profiles).
fn header(policy: &Policy) -> Policy {
    Policy {
        version: policy.version,
        id: policy.id.clone(),
        statements: Vec::new(),
    }
}

fn empty(policy: &Policy) -> Policy {
    header(policy)
}

/// A statement whose conditions are each on a different key, non-empty, can always be met;
/// only the others go to the prover.
fn may_be_unsatisfiable(statement: &Statement) -> bool {
    let mut keys: Vec<&str> = statement
        .conditions
        .iter()
        .map(|c| c.key_lower.as_str())
        .collect();
    let any_empty = statement.conditions.iter().any(|c| c.values.is_empty());
    let count = keys.len();
    keys.sort_unstable();
    keys.dedup();
    any_empty || keys.len() != count
}

/// Worth asking only when each action pattern of the Allow lies within a Deny's Action.
fn overridable(statement: &Statement, policy: &Policy) -> bool {
    let denies: Vec<&Statement> = policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Deny)
        .collect();
    if denies.is_empty() {
        return false;
    }
    match &statement.action {
        ActionClause::Action(patterns) => patterns.iter().all(|p| {
            denies.iter().any(|d| match &d.action {
                ActionClause::NotAction(_) => true,
                ActionClause::Action(dp) => dp.iter().any(|q| glob_within(&p.glob, &q.glob)),
            })
        }),
        ActionClause::NotAction(_) => denies.iter().any(|d| {
            matches!(&d.action, ActionClause::NotAction(_))
                || d.action.patterns().iter().any(|q| q.glob.is_universal())
        }),
    }
}

/// Worth asking only when each action pattern is within another Allow's Action.
fn redundancy_candidate(statement: &Statement, working: &[Statement]) -> Option<Vec<Statement>> {
    let others: Vec<&Statement> = working
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.index != statement.index)
        .collect();
    let covers = |o: &Statement, p: &crate::model::ActionPattern| match &o.action {
        ActionClause::NotAction(_) => true,
        ActionClause::Action(op) => op.iter().any(|q| glob_within(&p.glob, &q.glob)),
    };
    let ActionClause::Action(patterns) = &statement.action else {
        return None;
    };
    let mut covering: Vec<Statement> = Vec::new();
    for p in patterns {
        let found: Vec<&&Statement> = others.iter().filter(|o| covers(o, p)).collect();
        if found.is_empty() {
            return None;
        }
        for o in found {
            if !covering.iter().any(|c| c.index == o.index) {
                covering.push((*o).clone());
            }
        }
    }
    // A small query or none: larger coverings are where the solver times out, and a missed
    // redundancy costs nothing (no claim is made).
    let patterns: usize = covering.iter().map(|s| s.action.patterns().len()).sum();
    (covering.len() <= MAX_COVERING_STATEMENTS && patterns <= MAX_COVERING_PATTERNS)
        .then_some(covering)
}

/// Redundancy is asked only against this many covering statements ...
pub const MAX_COVERING_STATEMENTS: usize = 4;
/// ... holding at most this many action patterns.
pub const MAX_COVERING_PATTERNS: usize = 300;

/// A request `alone` allows, replayed through the evaluator on `whole`, kept only when the
/// replay shows `expected`.
fn example(
    alone: &Policy,
    whole: &Policy,
    options: &CheckOptions,
    expected: Decision,
) -> Vec<ExampleRequest> {
    let Verdict::Violated(found) = check_no_new_access(alone, &empty(alone), options) else {
        return Vec::new();
    };
    found
        .into_iter()
        .filter_map(|cx| {
            let replay = evaluate(whole, &cx.request, options.policy_type);
            (replay.known_decision() == Some(expected)).then(|| ExampleRequest {
                request: serde_json::to_value(&cx.request).unwrap_or_default(),
                decision: format!("{:?}", replay.decision),
            })
        })
        .collect()
}

/// Allow + NotAction (or + NotResource): how many catalog actions does it grant?
fn not_elements(
    c: &mut Collector,
    statement: &Statement,
    view: &StatementView,
    location: Location,
    policy_type: PolicyType,
) {
    let not_action = matches!(statement.action, ActionClause::NotAction(_));
    let not_resource = matches!(
        statement.resource,
        crate::model::ResourceClause::NotResource(_)
    );
    if !not_action && !not_resource {
        return;
    }
    let cat = catalog();
    let patterns = statement.action.patterns();
    // The catalog's prefix index finds each pattern's actions without scanning all of them.
    let matched: std::collections::BTreeSet<&str> = patterns
        .iter()
        .flat_map(|p| cat.actions_matching(&p.glob))
        .map(|a| a.full_name.as_str())
        .collect();
    let granted: Vec<&str> = if not_action {
        cat.all_actions()
            .map(|a| a.full_name.as_str())
            .filter(|name| !matched.contains(name))
            .collect()
    } else {
        matched.into_iter().collect()
    };
    if granted.len() <= MANY_ACTIONS {
        return;
    }
    let step = granted.len() / 5;
    let examples: Vec<&str> = granted
        .iter()
        .step_by(step.max(1))
        .take(5)
        .copied()
        .collect();
    let element = if not_action {
        "NotAction"
    } else {
        "NotResource"
    };
    let mut finding = keyaki(
        "not-element-grants-many-actions",
        format!("Statement {} uses Allow with {element} and grants {} of the catalog's {} actions, e.g. {}. List the actions instead.", view.index, granted.len(), cat.action_count(), examples.join(", ")),
        vec![location],
    )
    .from_catalog();
    let single = Policy {
        version: crate::model::Version::V2012_10_17,
        id: None,
        statements: vec![statement.clone()],
    };
    for action in &examples {
        let resource = cat.example_resource(&action.to_lowercase());
        let mut request = Request::new(
            Principal::Aws(format!(
                "arn:aws:iam::{}:user/example",
                crate::catalog::EXAMPLE_ACCOUNT
            )),
            action,
            Some(resource.as_deref().unwrap_or("*")),
        );
        request.context.clear();
        let replay = evaluate(&single, &request, policy_type);
        if replay.allowed() == Some(true) {
            finding.example_requests.push(ExampleRequest {
                request: serde_json::to_value(&request).unwrap_or_default(),
                decision: "Allow".to_string(),
            });
            break;
        }
    }
    let _ = action_glob;
    c.push(finding);
}
