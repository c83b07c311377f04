//! Whole-context questions for the prover, with the caller fixed.
//!
//! The caller of a context is a concrete principal, so every Principal element can be decided
//! before encoding: resource-policy and RCP statements that do not select the caller are
//! dropped, the rest are encoded like identity statements, and each Allow statement's
//! [`Grant`] is known. The single-policy encoder gives one term per statement;
//! [`combine`] (the formula the evaluator uses) joins them. Keys fixed by the caller and the
//! context (`aws:PrincipalArn`, `aws:ResourceAccount`, ...) are pinned: their atoms are
//! asserted to the values they have on the fixed request. Every request found is replayed
//! through [`decide()`] before it is returned.

use super::context::AuthzContext;
use super::decide::{self, caller, caller_kind, decide, policy_type, Layer, WholeDecision};
use super::logic::{self, combine, grant_of, Facts, Grant, Patterns};
use crate::access::pin::{pin_fixed_atoms, pin_key_values, Fixed};
use crate::encode::{
    add_domain_lemmas, Atom, Encoder, Query, StrPattern, StrVar, Term, PRINCIPAL_DERIVED_KEYS,
};
use crate::eval::{action_matches, evaluate, PolicyType};
use crate::explain::{search, CheckOptions, Search};
use crate::model::{Effect, Policy, ResourceClause};
use crate::pattern::Glob;
use crate::request::{Principal, Request};

/// What the request may be: fixed parts, and ARN patterns the resource must match.
#[derive(Debug, Clone, Default)]
pub struct Goal {
    /// None: any action.
    pub action: Option<String>,
    /// Some(r): exactly this resource (None inside: no resource). None: any.
    pub resource: Option<Option<String>>,
    /// When the resource is free: it must match one of these ARN patterns (if any are given).
    pub resource_patterns: Vec<String>,
    /// Context keys the question fixes (`iam:PassedToService`, ...).
    pub fixed_keys: Vec<(String, Vec<String>)>,
    /// Actions (lowercased) the request must not be.
    pub exclude_actions: Vec<String>,
}

/// A single policy's verdict the request must also have (a boundary that must not allow, ...).
#[derive(Debug, Clone)]
pub struct Extra<'a> {
    pub policy: &'a Policy,
    pub allows: bool,
}

#[derive(Debug, Clone)]
pub enum Proof {
    /// A request with the wanted decisions, replayed: its decision under each context.
    Found(Request, Vec<WholeDecision>),
    /// Proved: no request has the wanted decisions.
    Impossible,
    Unknown(String),
}

/// Is there a request by the contexts' common caller, fitting `goal`, that each context
/// allows (`true`) or does not allow (`false`), and that each extra policy allows or not?
pub fn find_request(
    contexts: &[(&AuthzContext, bool)],
    extras: &[Extra],
    goal: &Goal,
    options: &CheckOptions,
) -> Proof {
    let Some((first, _)) = contexts.first() else {
        return Proof::Unknown("no context to ask about".into());
    };
    SOLVER_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if std::env::var_os("KEYAKI_TRACE_AUTHZ").is_some() {
        eprintln!(
            "keyaki: prover search for {} {:?} {:?}",
            first.principal.caller_arn(),
            goal.action,
            goal.resource
        );
    }
    let who = caller(first);
    let keys = decide::context_keys(first);
    if contexts
        .iter()
        .any(|(c, _)| caller(c) != who || decide::context_keys(c) != keys)
    {
        return Proof::Unknown("the contexts of one question must share the caller, the owning account and the organization".into());
    }
    let mut query = Query::default();
    let mut filtered: Vec<Vec<(Layer, Option<String>, Policy)>> = Vec::new();
    for (ctx, _) in contexts {
        filtered.push(
            decide::policies_of(ctx)
                .into_iter()
                .map(|(layer, level, p)| (layer, level, selecting(&p.policy, layer, &who)))
                .collect(),
        );
    }
    let mut refs: Vec<&Policy> = filtered.iter().flatten().map(|(_, _, p)| p).collect();
    refs.extend(extras.iter().map(|e| e.policy));
    let mut enc = match Encoder::new(&mut query, &refs, PolicyType::Identity) {
        Ok(enc) => enc,
        Err(e) => return Proof::Unknown(e.to_string()),
    };
    let mut assertions = Vec::new();
    for ((ctx, want), policies) in contexts.iter().zip(&filtered) {
        match allowed_term(&mut enc, ctx, policies, &who) {
            Ok(t) => assertions.push(if *want { t } else { Term::not(t) }),
            Err(e) => return Proof::Unknown(e),
        }
    }
    for extra in extras {
        match split(&mut enc, extra.policy) {
            Ok((allow, deny)) => {
                let t = Term::and([allow, Term::not(deny)]);
                assertions.push(if extra.allows { t } else { Term::not(t) });
            }
            Err(e) => return Proof::Unknown(e),
        }
    }
    query.assertions.extend(assertions);
    let fixed = fixed_request(first, &who, goal);
    pin_goal(&mut query, goal, &fixed);
    add_domain_lemmas(&mut query);
    pin_fixed_atoms(&mut query, &pinned(goal, &fixed));
    let replay = |found: &Request| -> Option<(Request, Vec<WholeDecision>)> {
        let request = rebuild(found, &who, goal);
        let decisions: Vec<WholeDecision> =
            contexts.iter().map(|(c, _)| decide(c, &request)).collect();
        let action_ok = !goal
            .exclude_actions
            .contains(&request.action.to_lowercase());
        let contexts_ok = action_ok
            && contexts
                .iter()
                .zip(&decisions)
                .all(|((_, want), d)| d.unknown.is_none() && d.allowed() == *want);
        let extras_ok = extras.iter().all(|e| {
            evaluate(
                e.policy,
                &decide::enrich(first, &request),
                PolicyType::Identity,
            )
            .allowed()
                == Some(e.allows)
        });
        (contexts_ok && extras_ok).then_some((request, decisions))
    };
    let options = CheckOptions {
        policy_type: PolicyType::Identity,
        counterexamples: 1,
        prune: false,
        ..options.clone()
    };
    match search(query, &options, &replay) {
        Search::Holds => Proof::Impossible,
        Search::Unknown(reason) => Proof::Unknown(reason),
        Search::Found(mut list) => match list.pop() {
            Some((_, (request, decisions))) => Proof::Found(request, decisions),
            None => Proof::Unknown("the search returned no request".into()),
        },
    }
}

/// Is some request fitting `goal` allowed under `ctx`? Decided without the solver when the
/// goal is a concrete request and no statement for its action reads the request context.
pub fn prove_allowed(ctx: &AuthzContext, goal: &Goal, options: &CheckOptions) -> Proof {
    if let (Some(action), Some(resource)) = (&goal.action, &goal.resource) {
        let request = concrete_request(ctx, action, resource.as_deref(), goal);
        let decision = decide(ctx, &request);
        if let Some(reason) = decision.unknown {
            return Proof::Unknown(reason);
        }
        if decision.allowed() {
            return Proof::Found(request, vec![decision]);
        }
        if !context_matters(ctx, action) {
            return Proof::Impossible;
        }
        // The formula only grows with allows and shrinks with denies: if the request is denied
        // even with every Allow condition true and every conditional Deny dropped, no context
        // can allow it.
        if let Some(upper) = optimistic(ctx) {
            let upper = decide(&upper, &request);
            if upper.unknown.is_none() && !upper.allowed() {
                return Proof::Impossible;
            }
        }
    }
    find_request(&[(ctx, true)], &[], goal, options)
}

/// The context with every Allow statement's conditions removed and every conditional Deny
/// statement dropped: it allows at least what `ctx` allows under any request context. None
/// when a resource uses policy variables (an unresolvable variable matches nothing, so
/// dropping conditions would not only widen).
pub fn optimistic(ctx: &AuthzContext) -> Option<AuthzContext> {
    let widen = |p: &mut crate::authz::NamedPolicy| -> bool {
        if p.policy
            .statements
            .iter()
            .any(|s| resource_has_variables(&s.resource))
        {
            return false;
        }
        p.policy
            .statements
            .retain(|s| s.effect == Effect::Allow || s.conditions.is_empty());
        for s in &mut p.policy.statements {
            s.conditions.clear();
        }
        true
    };
    let mut out = ctx.clone();
    let mut ok = true;
    let principal = &mut out.principal;
    for p in principal
        .identity_policies
        .iter_mut()
        .chain(principal.session_policies.iter_mut())
        .chain(principal.permissions_boundary.iter_mut())
    {
        ok &= widen(p);
    }
    if let Some(p) = out.resource.as_mut().and_then(|r| r.policy.as_mut()) {
        ok &= widen(p);
    }
    if let Some(org) = out.organization.as_mut() {
        let levels = org
            .units
            .values_mut()
            .chain(org.accounts.values_mut().map(|(_, l)| l));
        for level in levels {
            for p in level.scps.iter_mut().flatten().chain(level.rcps.iter_mut()) {
                ok &= widen(p);
            }
        }
    }
    ok.then_some(out)
}

/// The goal's request with the given action and resource (no other context keys).
pub fn concrete_request(
    ctx: &AuthzContext,
    action: &str,
    resource: Option<&str>,
    goal: &Goal,
) -> Request {
    rebuild(
        &Request::new(caller(ctx), action, resource),
        &caller(ctx),
        goal,
    )
}

/// How many prover searches [`find_request`] has started in this process (for reports).
pub static SOLVER_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Could the request context change a decision on this action? Only statements whose action
/// matches and that have conditions or policy variables in their resources read it.
pub fn context_matters(ctx: &AuthzContext, action: &str) -> bool {
    let who = caller(ctx);
    decide::policies_of(ctx).iter().any(|(layer, _, p)| {
        p.policy.statements.iter().any(|s| {
            action_matches(&s.action, action)
                && (policy_type(*layer) == PolicyType::Identity
                    || crate::eval::principal_matches(&s.principal, &who))
                && (!s.conditions.is_empty() || resource_has_variables(&s.resource))
        })
    })
}

fn resource_has_variables(clause: &ResourceClause) -> bool {
    match clause {
        ResourceClause::Absent => false,
        ResourceClause::Resource(ps) | ResourceClause::NotResource(ps) => {
            ps.iter().any(|p| p.template.has_variables())
        }
    }
}

/// The policy with only the statements whose Principal element selects the caller (all of an
/// identity-type policy's). Indexes are kept, so verdicts name the statements as written.
fn selecting(policy: &Policy, layer: Layer, who: &Principal) -> Policy {
    if policy_type(layer) == PolicyType::Identity {
        return policy.clone();
    }
    Policy {
        version: policy.version,
        id: policy.id.clone(),
        statements: policy
            .statements
            .iter()
            .filter(|s| crate::eval::principal_matches(&s.principal, who))
            .cloned()
            .collect(),
    }
}

/// (some Allow applies, some Deny applies).
fn split(enc: &mut Encoder, policy: &Policy) -> Result<(Term, Term), String> {
    let mut allow = Vec::new();
    let mut deny = Vec::new();
    for s in &policy.statements {
        let t = enc.statement_applies(s).map_err(|e| e.to_string())?;
        match s.effect {
            Effect::Allow => allow.push(t),
            Effect::Deny => deny.push(t),
        }
    }
    Ok((Term::or(allow), Term::or(deny)))
}

struct TermPatterns<'q> {
    query: &'q mut Query,
}

impl Patterns<Term> for TermPatterns<'_> {
    fn action_is(&mut self, action_lower: &str) -> Term {
        self.query.str_atom(
            StrVar::Action,
            StrPattern::Glob(Glob::literal(action_lower)),
        )
    }
    fn service_is(&mut self, service: &str) -> Term {
        self.query.str_atom(
            StrVar::Action,
            StrPattern::Glob(Glob::wildcard(&format!("{service}:*"))),
        )
    }
    fn resource_like(&mut self, arn_pattern: &str) -> Term {
        let has = self.query.atom(Atom::HasResource);
        let like = self
            .query
            .str_atom(StrVar::Resource, StrPattern::Glob(Glob::arn(arn_pattern)));
        Term::and([has, like])
    }
}

/// The formula's "allowed" for one context, over the encoded statements.
fn allowed_term(
    enc: &mut Encoder,
    ctx: &AuthzContext,
    policies: &[(Layer, Option<String>, Policy)],
    who: &Principal,
) -> Result<Term, String> {
    let mut parts: Vec<(Layer, Option<String>, Term, Term)> = Vec::new();
    let mut grants = [Vec::new(), Vec::new(), Vec::new()];
    for (layer, level, policy) in policies {
        let (allow, deny) = split(enc, policy)?;
        if *layer == Layer::ResourcePolicy {
            for s in policy
                .statements
                .iter()
                .filter(|s| s.effect == Effect::Allow)
            {
                let t = enc.statement_applies(s).map_err(|e| e.to_string())?;
                match grant_of(s, who) {
                    Some(Grant::Account) => grants[0].push(t),
                    Some(Grant::Principal) => grants[1].push(t),
                    Some(Grant::Session) => grants[2].push(t),
                    None => {}
                }
            }
        }
        parts.push((*layer, level.clone(), allow, deny));
    }
    let mut patterns = TermPatterns { query: enc.query };
    let rcp_in_force = if decide::rcps_apply(ctx) {
        logic::rcp_service(&mut patterns)
    } else {
        Term::ff()
    };
    let layer_allow = |layer: Layer| {
        Term::or(
            parts
                .iter()
                .filter(|p| p.0 == layer)
                .map(|p| p.2.clone())
                .collect::<Vec<_>>(),
        )
    };
    let present = |layer: Layer| parts.iter().any(|p| p.0 == layer);
    let scp_levels = if decide::scps_apply(ctx) {
        let levels = match (&ctx.organization, ctx.principal.account()) {
            (Some(org), Some(a)) => org.levels_of(a).unwrap_or_default(),
            _ => Vec::new(),
        };
        Some(
            levels
                .iter()
                .map(|level| match &level.scps {
                    None => Term::tt(),
                    Some(_) => Term::or(
                        parts
                            .iter()
                            .filter(|p| {
                                p.0 == Layer::Scp && p.1.as_deref() == Some(level.id.as_str())
                            })
                            .map(|p| p.2.clone())
                            .collect::<Vec<_>>(),
                    ),
                })
                .collect(),
        )
    } else {
        None
    };
    let [grant_account, grant_principal, grant_session] = grants.map(Term::or);
    let facts = Facts {
        caller: caller_kind(ctx),
        same_account: decide::same_account(ctx),
        get_caller_identity: logic::get_caller_identity(&mut patterns),
        aws_protected: logic::aws_protected(&mut patterns),
        denies: parts
            .iter()
            .map(|p| {
                if p.0 == Layer::Rcp {
                    Term::and([rcp_in_force.clone(), p.3.clone()])
                } else {
                    p.3.clone()
                }
            })
            .collect(),
        scp_levels,
        identity_allow: layer_allow(Layer::Identity),
        boundary_allow: present(Layer::PermissionsBoundary)
            .then(|| layer_allow(Layer::PermissionsBoundary)),
        session_allow: present(Layer::SessionPolicy).then(|| layer_allow(Layer::SessionPolicy)),
        grant_account,
        grant_principal,
        grant_session,
        needs_resource_policy: logic::needs_resource_policy(&mut patterns),
    };
    Ok(combine(&facts).allowed)
}

/// The request as far as the question fixes it, with the context's keys.
fn fixed_request(ctx: &AuthzContext, who: &Principal, goal: &Goal) -> Request {
    let mut r = Request::new(
        who.clone(),
        goal.action.as_deref().unwrap_or("keyaki:free"),
        goal.resource.clone().flatten().as_deref(),
    );
    for (k, v) in &goal.fixed_keys {
        r.set_context(k, v.clone(), v.len() != 1);
    }
    decide::enrich(ctx, &r)
}

/// The goal's action and resource as asserted literals; fixed context values likewise, so the
/// concrete request carries exactly them.
fn pin_goal(query: &mut Query, goal: &Goal, fixed: &Request) {
    for excluded in &goal.exclude_actions {
        let t = query.str_atom(StrVar::Action, StrPattern::Glob(Glob::literal(excluded)));
        query.assertions.push(Term::not(t));
    }
    if let Some(action) = &goal.action {
        let t = query.str_atom(
            StrVar::Action,
            StrPattern::Glob(Glob::literal(&action.to_lowercase())),
        );
        query.assertions.push(t);
    }
    match &goal.resource {
        Some(Some(r)) => {
            let has = query.atom(Atom::HasResource);
            let t = query.str_atom(StrVar::Resource, StrPattern::Glob(Glob::literal(r)));
            query.assertions.push(Term::and([has, t]));
            query.uses_resource = true;
        }
        Some(None) => {
            let has = query.atom(Atom::HasResource);
            query.assertions.push(Term::not(has));
        }
        None if !goal.resource_patterns.is_empty() => {
            let has = query.atom(Atom::HasResource);
            let any: Vec<Term> = goal
                .resource_patterns
                .iter()
                .map(|p| query.str_atom(StrVar::Resource, StrPattern::Glob(Glob::arn(p))))
                .collect();
            query.assertions.push(Term::and([has, Term::or(any)]));
            query.uses_resource = true;
        }
        None => {}
    }
    pin_key_values(query, &pinned(goal, fixed));
}

/// What the caller, the context and the goal fix.
fn pinned<'a>(goal: &Goal, fixed: &'a Request) -> Fixed<'a> {
    Fixed {
        action: goal.action.is_some(),
        resource: goal.resource.is_some(),
        ..Fixed::caller(fixed)
    }
}

/// The solver's request with the fixed parts put back: the caller, the goal's action and
/// resource, and the keys AWS derives (given values for them are dropped; derivation refills them).
fn rebuild(found: &Request, who: &Principal, goal: &Goal) -> Request {
    let mut r = found.clone();
    r.principal = who.clone();
    if let Some(a) = &goal.action {
        r.action = a.clone();
    }
    if let Some(res) = &goal.resource {
        r.resource = res.clone();
    }
    for k in PRINCIPAL_DERIVED_KEYS {
        r.context.remove(k);
    }
    for (k, v) in &goal.fixed_keys {
        r.set_context(k, v.clone(), v.len() != 1);
    }
    r
}
