//! Who outside can get in: external-access, public-access and access-granted findings.
//!
//! Each question is a property whose violations are requests: "some request from outside the
//! trust zone is allowed", "some public request is allowed", "some request for these actions is
//! allowed". Findings are regions, not points: ask the prover for an allowed violating request,
//! widen it to the region the policy treats the same way (the allowing statement and the
//! principal entry that matched), assert that region away, and ask again until the prover
//! proves nothing is left. The list is complete and has no duplicates; each finding keeps
//! its example request, replayed through [`crate::eval`].

pub mod accept;
mod caller_example;
pub mod callers;
pub mod pin;
pub mod public;
pub mod spec;
pub mod zone;

pub use zone::TrustZone;

use crate::encode::{
    add_domain_lemmas, Atom, EncodeError, Encoder, Query, StrPattern, StrVar, Term,
};
use crate::eval::{evaluate, principal_entry_matches, PolicyType};
use crate::explain::{search, CheckOptions, Search};
use crate::model::{
    ActionClause, ConditionValue, Policy, PrincipalClause, PrincipalEntry, PrincipalSet,
    ResourceClause, Statement,
};
use crate::pattern::Glob;
use crate::request::{Principal, Request};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// What a finding says about the access it describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Principals that are not pinned down (S3 Block Public Access rule).
    Public,
    /// Principals outside the zone of trust.
    CrossAccount,
    /// Access that must never be granted is granted.
    Granted,
    /// A spec's baseline does not allow this request.
    NewAccess,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Public => "public",
            FindingKind::CrossAccount => "cross-account",
            FindingKind::Granted => "granted",
            FindingKind::NewAccess => "new-access",
        }
    }
}

/// The statement a finding's region comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
}

/// One region of access, with an example request that replays with Allow.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: FindingKind,
    /// `"*"`, `{"AWS": ...}`, `{"NotPrincipal": {...}}`, or null for identity policies.
    pub principal: Value,
    /// Action patterns as written; `NOT x` for NotAction.
    pub actions: Vec<String>,
    /// Resource patterns as written; `NOT x` for NotResource; `*` when the statement has none.
    pub resources: Vec<String>,
    /// The statement's conditions, `{Operator: {Key: [values]}}` (`{}` when none).
    pub conditions: Value,
    pub request: Request,
    pub statement: Option<StatementRef>,
    /// Reviewed and accepted (`--accept`): listed, but does not fail the result.
    pub accepted: bool,
}

/// The outcome of one property: every finding, or what stopped the prover.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    pub findings: Vec<Finding>,
    /// Set when the prover could not finish: the list may be incomplete.
    pub unknown: Option<String>,
}

/// A request the property is about.
#[derive(Debug, Clone)]
pub enum Target {
    /// From a principal outside the zone.
    Outside(TrustZone),
    /// Public per the S3 rule; extra pinning keys for the resource type.
    Public { extra_keys: Vec<String> },
    /// For one of these actions (patterns) and, when given, one of these resources (ARN patterns).
    Granted {
        actions: Vec<String>,
        resources: Vec<String>,
    },
}

/// A region: one statement, narrowed to one principal entry when the statement names principals.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Region {
    statement: usize,
    entry: Option<PrincipalEntry>,
}

/// The most regions one property may yield (a policy has at most a few hundred entries).
const MAX_REGIONS: usize = 512;

/// Every region of `policy` where the target's requests are allowed.
pub fn find(
    policy: &Policy,
    target: &Target,
    options: &CheckOptions,
    policy_type: PolicyType,
) -> Findings {
    let mut excluded: Vec<Region> = Vec::new();
    let mut findings = Vec::new();
    let single = CheckOptions {
        counterexamples: 1,
        policy_type,
        ..options.clone()
    };
    loop {
        if excluded.len() >= MAX_REGIONS {
            return Findings {
                findings,
                unknown: Some(format!("stopped after {MAX_REGIONS} findings")),
            };
        }
        let query = match build_query(policy, target, policy_type, &excluded, None) {
            Ok(q) => q,
            Err(e) => {
                return Findings {
                    findings,
                    unknown: Some(e.to_string()),
                }
            }
        };
        let replay = |request: &Request| confirm(policy, target, policy_type, request);
        match search(query, &single, &replay) {
            Search::Holds => {
                return Findings {
                    findings,
                    unknown: None,
                }
            }
            Search::Unknown(reason) => {
                return Findings {
                    findings,
                    unknown: Some(reason),
                }
            }
            Search::Found(mut found) => {
                let Some((_, request)) = found.pop() else {
                    return Findings {
                        findings,
                        unknown: Some("internal error: the prover returned no request".into()),
                    };
                };
                let Some(region) = region_of(policy, policy_type, &request) else {
                    return Findings {
                        findings,
                        unknown: Some(
                            "internal error: the example request matches no allowing statement"
                                .into(),
                        ),
                    };
                };
                if excluded.contains(&region) {
                    return Findings {
                        findings,
                        unknown: Some("internal error: a region was found twice".into()),
                    };
                }
                let mut kind = match target {
                    Target::Outside(_) => FindingKind::CrossAccount,
                    Target::Public { .. } => FindingKind::Public,
                    Target::Granted { .. } => FindingKind::Granted,
                };
                let mut example = request;
                if let Target::Outside(zone) = target {
                    if let Some(public) = public_example(policy, zone, &region, &single) {
                        kind = FindingKind::Public;
                        example = public;
                    }
                }
                let example =
                    caller_example::realistic(policy, target, policy_type, &region, example);
                let example = caller_example::with_realistic_caller(
                    policy,
                    target,
                    policy_type,
                    &region,
                    example,
                    &single,
                );
                findings.push(describe(policy, &region, kind, example));
                excluded.push(region);
            }
        }
    }
}

/// For an external region whose principal is not pinned: a public request in it, if any.
fn public_example(
    policy: &Policy,
    zone: &TrustZone,
    region: &Region,
    options: &CheckOptions,
) -> Option<Request> {
    let statement = policy.statements.get(region.statement)?;
    if region.entry.is_some() || matches!(statement.principal, PrincipalClause::Absent) {
        return None;
    }
    let both = Target::Outside(zone.clone());
    let query = build_region_public_query(policy, zone, region).ok()?;
    let replay = |request: &Request| confirm(policy, &both, PolicyType::Resource, request);
    match search(query, options, &replay) {
        Search::Found(mut found) => found.pop().map(|(_, r)| r),
        _ => None,
    }
}

fn build_region_public_query(
    policy: &Policy,
    zone: &TrustZone,
    region: &Region,
) -> Result<Query, EncodeError> {
    let mut query = Query::default();
    let mut enc = Encoder::new(&mut query, &[policy], PolicyType::Resource)?;
    let allowed = enc.allows(policy)?;
    let inside_region = region_term(&mut enc, policy, region)?;
    let public = public::public_request(&mut enc, policy, &[]);
    let outside = zone.outside(enc.query);
    query
        .assertions
        .extend([allowed, inside_region, public, outside]);
    finish_query(&mut query, policy, Some(zone));
    Ok(query)
}

fn build_query(
    policy: &Policy,
    target: &Target,
    policy_type: PolicyType,
    excluded: &[Region],
    caller: Option<(&Region, &Request)>,
) -> Result<Query, EncodeError> {
    let mut query = Query::default();
    let mut enc = Encoder::new(&mut query, &[policy], policy_type)?;
    let allowed = enc.allows(policy)?;
    let mut assertions = vec![allowed];
    for region in excluded {
        assertions.push(Term::not(region_term(&mut enc, policy, region)?));
    }
    // Inside one region, with its caller fixed (`caller_example`).
    if let Some((region, _)) = caller {
        assertions.push(region_term(&mut enc, policy, region)?);
    }
    let mut zone = None;
    let property = match target {
        Target::Outside(z) => {
            zone = Some(z);
            z.outside(enc.query)
        }
        Target::Public { extra_keys } => {
            let extra: Vec<&str> = extra_keys.iter().map(String::as_str).collect();
            public::public_request(&mut enc, policy, &extra)
        }
        Target::Granted { actions, resources } => {
            let q = &mut *enc.query;
            let action = Term::or(
                actions
                    .iter()
                    .map(|a| {
                        q.str_atom(
                            StrVar::Action,
                            StrPattern::Glob(Glob::wildcard(&a.to_lowercase())),
                        )
                    })
                    .collect::<Vec<_>>(),
            );
            let resource = if resources.is_empty() {
                Term::tt()
            } else {
                q.uses_resource = true;
                // A listed resource means the request has one: without this, a model with no
                // resource meets a NotResource statement and replays as nothing.
                let listed = Term::or(
                    resources
                        .iter()
                        .map(|r| q.str_atom(StrVar::Resource, StrPattern::Glob(Glob::arn(r))))
                        .collect::<Vec<_>>(),
                );
                Term::and([q.atom(Atom::HasResource), listed])
            };
            Term::and([action, resource])
        }
    };
    assertions.push(property);
    query.assertions.extend(assertions);
    if let Some((_, fixed)) = caller {
        caller_example::pin_caller_values(&mut query, fixed);
    }
    finish_query(&mut query, policy, zone);
    if let Some((_, fixed)) = caller {
        caller_example::pin_caller_atoms(&mut query, fixed);
    }
    Ok(query)
}

/// Caller-consistency lemmas, then the shared domain lemmas (which relate every string atom).
fn finish_query(query: &mut Query, policy: &Policy, zone: Option<&TrustZone>) {
    if query.policy_type == Some(PolicyType::Resource) {
        let accounts = lemma_accounts(policy, zone);
        let lemmas = callers::caller_lemmas(query, &accounts);
        query.lemmas.extend(lemmas);
    }
    add_domain_lemmas(query);
}

/// The accounts whose caller facts the lemmas state (and the replay checks): the zone's and
/// those the policy's principal entries name.
fn lemma_accounts(policy: &Policy, zone: Option<&TrustZone>) -> BTreeSet<String> {
    let mut accounts: BTreeSet<String> = zone.map(|z| z.accounts.clone()).unwrap_or_default();
    accounts.extend(named_accounts(policy));
    accounts
}

/// Accounts the policy's principal entries name.
fn named_accounts(policy: &Policy) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in &policy.statements {
        if let PrincipalClause::Principal(set) | PrincipalClause::NotPrincipal(set) =
            &statement.principal
        {
            for entry in &set.entries {
                match entry {
                    PrincipalEntry::Account { account, .. }
                    | PrincipalEntry::Role { account, .. } => {
                        out.insert(account.clone());
                    }
                    PrincipalEntry::AwsArn { arn } => {
                        if let Some(a) = crate::request::aws_account_of(arn) {
                            out.insert(a.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    out
}

/// The region term: the statement applies, with its Principal narrowed to the region's entry.
fn region_term(
    enc: &mut Encoder<'_>,
    policy: &Policy,
    region: &Region,
) -> Result<Term, EncodeError> {
    let Some(statement) = policy.statements.get(region.statement) else {
        return Ok(Term::ff());
    };
    let mut narrowed = statement.clone();
    if let Some(entry) = &region.entry {
        narrowed.principal = PrincipalClause::Principal(PrincipalSet {
            everyone: false,
            entries: vec![entry.clone()],
        });
    }
    enc.statement_applies(&narrowed)
}

/// Replays a request: Allow, and the target's concrete reading. Returns the example to show
/// (derived keys dropped when the evaluator derives the same decision without them).
fn confirm(
    policy: &Policy,
    target: &Target,
    policy_type: PolicyType,
    request: &Request,
) -> Option<Request> {
    // The access universe: AWS-set keys agree with the caller (`caller_lemmas` on the prover's side).
    let zone = match target {
        Target::Outside(zone) => Some(zone),
        _ => None,
    };
    let accounts = lemma_accounts(policy, zone);
    let sendable = |r: &Request| {
        policy_type != PolicyType::Resource
            || (crate::request::callers::caller_inconsistency(r).is_none()
                && callers::account_inconsistency(r, &accounts).is_none())
    };
    let holds = |r: &Request| {
        sendable(r)
            && evaluate(policy, r, policy_type).allowed() == Some(true)
            && match target {
                Target::Outside(zone) => !zone.contains(r),
                Target::Public { .. } => true,
                Target::Granted { actions, resources } => {
                    let action = r.action.to_lowercase();
                    actions
                        .iter()
                        .any(|a| Glob::wildcard(&a.to_lowercase()).matches(&action))
                        && (resources.is_empty()
                            || r.resource.as_deref().is_some_and(|res| {
                                resources.iter().any(|p| Glob::arn(p).matches(res))
                            }))
                }
            }
    };
    if !holds(request) {
        return None;
    }
    // Readable examples: an unreadable AWS principal (the witness of "any other principal"
    // may be the empty string) becomes a user in an example account the policy does not name,
    // and principal-derived keys are left to the evaluator when they change nothing.
    let statements = evaluate(policy, request, policy_type).statements;
    let same = |r: &Request| holds(r) && evaluate(policy, r, policy_type).statements == statements;
    let mut best = request.clone();
    let unreadable = match &request.principal {
        Principal::Aws(text) => crate::request::aws_account_of(text).is_none(),
        Principal::Federated(_) | Principal::CanonicalUser(_) => true,
        Principal::Service(_) | Principal::Anonymous => false,
    };
    {
        if unreadable {
            let mut renamed = request.clone();
            renamed.principal = Principal::Aws(format!(
                "arn:aws:iam::{EXTERNAL_EXAMPLE_ACCOUNT}:user/example"
            ));
            if same(&renamed) && !named_accounts(policy).contains(EXTERNAL_EXAMPLE_ACCOUNT) {
                best = renamed;
            }
        }
    }
    // A witness ARN such as `arn:example:example:example:ACCOUNT:example` reads better as a user.
    if let Principal::Aws(text) = &best.principal {
        let readable = text.starts_with("arn:aws:iam::") || text.starts_with("arn:aws:sts::");
        if let Some(account) = crate::request::aws_account_of(text).filter(|_| !readable) {
            if !crate::request::is_account_id(text) {
                let mut renamed = best.clone();
                renamed.principal = Principal::Aws(format!("arn:aws:iam::{account}:user/example"));
                if same(&renamed) {
                    best = renamed;
                }
            }
        }
    }
    let mut tidy = best.clone();
    if matches!(
        tidy.principal,
        Principal::Aws(_) | Principal::Service(_) | Principal::Anonymous
    ) {
        for key in crate::encode::PRINCIPAL_DERIVED_KEYS {
            tidy.context.remove(key);
        }
    }
    if tidy != best && same(&tidy) {
        return Some(tidy);
    }
    Some(best)
}

/// The account of example callers from outside, when the prover leaves the caller free.
pub const EXTERNAL_EXAMPLE_ACCOUNT: &str = "999988887777";

/// The region an allowed request falls in: its first allowing statement and matching entry.
fn region_of(policy: &Policy, policy_type: PolicyType, request: &Request) -> Option<Region> {
    let evaluation = evaluate(policy, request, policy_type);
    let first = evaluation.statements.first()?;
    let statement = policy.statements.iter().find(|s| s.index == first.index)?;
    let position = policy
        .statements
        .iter()
        .position(|s| s.index == first.index)?;
    let entry = match (&statement.principal, policy_type) {
        (PrincipalClause::Principal(set), PolicyType::Resource) if !set.everyone => set
            .entries
            .iter()
            .find(|e| principal_entry_matches(e, &request.principal))
            .cloned(),
        _ => None,
    };
    Some(Region {
        statement: position,
        entry,
    })
}

fn describe(policy: &Policy, region: &Region, kind: FindingKind, request: Request) -> Finding {
    let statement = policy.statements.get(region.statement);
    let principal = match (statement.map(|s| &s.principal), &region.entry) {
        (_, Some(entry)) => entry_json(entry),
        (Some(PrincipalClause::Principal(set)), None) => principal_set_json(set),
        (Some(PrincipalClause::NotPrincipal(set)), None) => {
            json!({"NotPrincipal": principal_set_json(set)})
        }
        _ => Value::Null,
    };
    Finding {
        kind,
        principal,
        actions: statement.map(actions_of).unwrap_or_default(),
        resources: statement.map(resources_of).unwrap_or_default(),
        conditions: statement.map(conditions_json).unwrap_or_else(|| json!({})),
        request,
        statement: statement.map(|s| StatementRef {
            index: s.index,
            sid: s.sid.clone(),
        }),
        accepted: false,
    }
}

/// A principal entry as it is written in a policy.
pub fn entry_json(entry: &PrincipalEntry) -> Value {
    let (kind, text) = entry_parts(entry);
    json!({ kind: text })
}

fn entry_parts(entry: &PrincipalEntry) -> (&'static str, &str) {
    match entry {
        PrincipalEntry::Account { text, .. } => ("AWS", text),
        PrincipalEntry::Role { arn, .. } | PrincipalEntry::AwsArn { arn } => ("AWS", arn),
        PrincipalEntry::Service(s) => ("Service", s),
        PrincipalEntry::Federated(s) => ("Federated", s),
        PrincipalEntry::CanonicalUser(s) => ("CanonicalUser", s),
    }
}

fn principal_set_json(set: &PrincipalSet) -> Value {
    if set.everyone {
        return json!("*");
    }
    let mut grouped: Map<String, Value> = Map::new();
    for entry in &set.entries {
        let (kind, text) = entry_parts(entry);
        if let Value::Array(items) = grouped
            .entry(kind.to_string())
            .or_insert_with(|| Value::Array(vec![]))
        {
            items.push(json!(text));
        }
    }
    Value::Object(grouped)
}

fn actions_of(statement: &Statement) -> Vec<String> {
    match &statement.action {
        ActionClause::Action(p) => p.iter().map(|a| a.text.clone()).collect(),
        ActionClause::NotAction(p) => p.iter().map(|a| format!("NOT {}", a.text)).collect(),
    }
}

fn resources_of(statement: &Statement) -> Vec<String> {
    match &statement.resource {
        ResourceClause::Absent => vec!["*".to_string()],
        ResourceClause::Resource(p) => p.iter().map(|r| r.text.clone()).collect(),
        ResourceClause::NotResource(p) => p.iter().map(|r| format!("NOT {}", r.text)).collect(),
    }
}

/// `{Operator: {Key: [values]}}` in the statement's order.
pub fn conditions_json(statement: &Statement) -> Value {
    let mut out: Map<String, Value> = Map::new();
    for condition in &statement.conditions {
        let values: Vec<Value> = condition.values.iter().map(value_json).collect();
        if let Value::Object(keys) = out
            .entry(condition.operator.text.clone())
            .or_insert_with(|| json!({}))
        {
            keys.insert(condition.key.clone(), Value::Array(values));
        }
    }
    Value::Object(out)
}

fn value_json(value: &ConditionValue) -> Value {
    match value {
        ConditionValue::Text(t) => json!(t.display_text()),
        ConditionValue::Number(n) => json!(n.to_string()),
        ConditionValue::Date(ms) => json!(crate::explain::format_date(i128::from(*ms))),
        ConditionValue::Bool(b) => json!(b.to_string()),
        ConditionValue::Cidr(net) => json!(net.to_string()),
        ConditionValue::Null(b) => json!(b.to_string()),
    }
}
