//! The concrete evaluator: exactly what AWS decides for one request against one policy.
//!
//! It is the referee for the prover: every counterexample is replayed here. The pieces
//! (principal, action, resource, condition) are public so a replay that disagrees with the
//! prover can be taken apart statement by statement ([`check_statement`]).

mod condition;
mod context;
mod principal;
mod undecided;
pub mod undocumented;

pub use condition::{condition_holds, condition_outcome, value_matches};
pub use context::{derived_principal_keys, effective_context, EffectiveContext};
pub use principal::{principal_entry_matches, principal_in_set, principal_matches};
pub use undecided::{new_access, UndeterminedStatement};
use undocumented::Outcome;

use crate::model::{
    ActionClause, Effect, Policy, ResourceClause, ResourcePattern, Statement, Version,
};
use crate::pattern::{Glob, PatternChar, Template, TemplatePart};
use crate::request::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    /// Identity policies, SCPs, RCPs, session policies: the Principal element is ignored.
    Identity,
    /// Resource-based and trust policies: the Principal element must select the caller.
    Resource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchedStatement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// The applying statements that produced the decision, in index order: the Deny statements
    /// for ExplicitDeny, the Allow statements for Allow, none for ImplicitDeny.
    pub statements: Vec<MatchedStatement>,
    /// Statements whose applying AWS leaves undocumented for this request (a policy variable
    /// in a typed condition value, `encodings/typed-condition-variables.md`). `decision` and
    /// `statements` read them as not applying; [`Evaluation::unknown`] says whether the
    /// decision depends on them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undetermined: Vec<UndeterminedStatement>,
}

/// Evaluates one policy for one request.
pub fn evaluate(policy: &Policy, request: &Request, policy_type: PolicyType) -> Evaluation {
    evaluate_with_context(policy, request, &effective_context(request), policy_type)
}

/// [`evaluate`] in a resource universe: a request the universe excludes is refused (the
/// prover never considers it either; see `encodings/resource-universe.md`).
pub fn evaluate_in(
    policy: &Policy,
    request: &Request,
    policy_type: PolicyType,
    universe: crate::request::universe::ResourceUniverse,
) -> Result<Evaluation, crate::request::universe::OutsideUniverse> {
    crate::request::universe::admits(universe, request)?;
    Ok(evaluate(policy, request, policy_type))
}

/// [`evaluate`] with a context built once by [`effective_context`] (reusable across policies).
pub fn evaluate_with_context(
    policy: &Policy,
    request: &Request,
    ctx: &EffectiveContext,
    policy_type: PolicyType,
) -> Evaluation {
    let action_lower = request.action.to_lowercase();
    let mut applying = Vec::new();
    let mut undetermined = Vec::new();
    for stmt in &policy.statements {
        let outcome = applies(
            stmt,
            request,
            &action_lower,
            ctx,
            policy_type,
            policy.version,
        );
        let matched = || MatchedStatement {
            index: stmt.index,
            sid: stmt.sid.clone(),
            effect: stmt.effect,
        };
        match outcome {
            Outcome::Yes => applying.push(matched()),
            Outcome::No => {}
            Outcome::Undocumented => undetermined.push(UndeterminedStatement::new(
                matched(),
                stmt,
                ctx,
                policy.version,
            )),
        }
    }
    Evaluation::from_applying(applying, undetermined)
}

/// Does the statement apply to the request? Principal (resource policies only), action,
/// resource and every condition must match (a condition AWS leaves undocumented does not).
pub fn statement_applies(
    stmt: &Statement,
    request: &Request,
    ctx: &EffectiveContext,
    policy_type: PolicyType,
    version: Version,
) -> bool {
    applies(
        stmt,
        request,
        &request.action.to_lowercase(),
        ctx,
        policy_type,
        version,
    ) == Outcome::Yes
}

fn applies(
    stmt: &Statement,
    request: &Request,
    action_lower: &str,
    ctx: &EffectiveContext,
    policy_type: PolicyType,
    version: Version,
) -> Outcome {
    let elements = (policy_type == PolicyType::Identity
        || principal_matches(&stmt.principal, &request.principal))
        && action_clause_matches(&stmt.action, action_lower)
        && resource_matches(&stmt.resource, request.resource.as_deref(), ctx, version);
    if !elements {
        return Outcome::No;
    }
    Outcome::all(
        stmt.conditions
            .iter()
            .map(|cond| condition_outcome(cond, ctx, version)),
    )
}

/// Why a statement does or does not apply: each element's verdict, for debugging replays.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementCheck {
    pub index: usize,
    /// Always true for [`PolicyType::Identity`].
    pub principal: bool,
    pub action: bool,
    pub resource: bool,
    /// One verdict per condition entry, in the statement's order.
    pub conditions: Vec<bool>,
}

impl StatementCheck {
    pub fn applies(&self) -> bool {
        self.principal && self.action && self.resource && self.conditions.iter().all(|c| *c)
    }
}

/// Evaluates every element of the statement without short-circuiting.
pub fn check_statement(
    stmt: &Statement,
    request: &Request,
    ctx: &EffectiveContext,
    policy_type: PolicyType,
    version: Version,
) -> StatementCheck {
    StatementCheck {
        index: stmt.index,
        principal: policy_type == PolicyType::Identity
            || principal_matches(&stmt.principal, &request.principal),
        action: action_matches(&stmt.action, &request.action),
        resource: resource_matches(&stmt.resource, request.resource.as_deref(), ctx, version),
        conditions: stmt
            .conditions
            .iter()
            .map(|cond| condition_holds(cond, ctx, version))
            .collect(),
    }
}

/// Action / NotAction against the request's action; action names are case-insensitive.
pub fn action_matches(clause: &ActionClause, action: &str) -> bool {
    action_clause_matches(clause, &action.to_lowercase())
}

fn action_clause_matches(clause: &ActionClause, action_lower: &str) -> bool {
    let any = clause
        .patterns()
        .iter()
        .any(|pattern| pattern.glob.matches(action_lower));
    match clause {
        ActionClause::Action(_) => any,
        ActionClause::NotAction(_) => !any,
    }
}

/// Resource / NotResource against the request's resource (case-sensitive, per ARN segment).
/// A request without a resource is matched only by a pattern that matches every string (`*`),
/// and every NotResource applies to it (see `encodings/eval-resourceless-requests.md`).
pub fn resource_matches(
    clause: &ResourceClause,
    resource: Option<&str>,
    ctx: &EffectiveContext,
    version: Version,
) -> bool {
    match (clause, resource) {
        (ResourceClause::Absent, _) => true,
        (ResourceClause::Resource(patterns), Some(resource)) => patterns
            .iter()
            .any(|p| resource_pattern_matches(p, resource, ctx, version)),
        (ResourceClause::Resource(patterns), None) => patterns
            .iter()
            .any(|p| resource_pattern_glob(p, ctx, version).is_some_and(|g| g.is_universal())),
        (ResourceClause::NotResource(patterns), Some(resource)) => !patterns
            .iter()
            .any(|p| resource_pattern_matches(p, resource, ctx, version)),
        (ResourceClause::NotResource(_), None) => true,
    }
}

/// One resource pattern against a resource. An unresolvable variable matches nothing.
pub fn resource_pattern_matches(
    pattern: &ResourcePattern,
    resource: &str,
    ctx: &EffectiveContext,
    version: Version,
) -> bool {
    resource_pattern_glob(pattern, ctx, version).is_some_and(|g| g.matches(resource))
}

fn resource_pattern_glob(
    pattern: &ResourcePattern,
    ctx: &EffectiveContext,
    version: Version,
) -> Option<Glob> {
    resolve_template(&pattern.template, ctx, version).map(|chars| Glob::from_chars(&chars, true))
}

/// Substitutes a template's policy variables from the effective context. A variable whose key
/// is absent or multi-valued takes its default, else the template is unresolvable (None) and
/// matches nothing. Versions without variables read `${...}` as the plain text the parser
/// would have kept, should a hand-built model carry variables there.
pub fn resolve_template(
    template: &Template,
    ctx: &EffectiveContext,
    version: Version,
) -> Option<Vec<PatternChar>> {
    if version.supports_variables() {
        template.resolve(|key_lower| ctx.single_value(key_lower).map(str::to_string))
    } else if template
        .parts
        .iter()
        .all(|p| matches!(p, TemplatePart::Text(_)))
    {
        template.resolve(|_| None)
    } else {
        Template::text(&template.display_text()).resolve(|_| None)
    }
}
