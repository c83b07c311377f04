//! Counterexamples without the solver: a few concrete requests built from the proposal's
//! uncovered pieces, replayed through the evaluator.
//!
//! Against most baselines most policies fail, and a failing check needs one request that the
//! proposal allows and the baseline does not, not a proof. Before any formula is built, the
//! proposal's Allow pieces that the baseline does not provably cover (`prune::without_covered`)
//! give candidates: a catalog action the piece matches, a resource in one of that action's ARN
//! formats that the statement matches, an example principal, and a context meeting the
//! statement's conditions (values read off the condition; a statement with policy variables is
//! read with one value per variable written in, see `variables.rs`), alone or together with
//! the conditions of one baseline Deny that can apply to that action. A candidate is kept only if the evaluator decides it Allow in the proposal and not
//! Allow in the baseline, exactly the replay every solver counterexample gets. Nothing here
//! can turn a check into a pass: when the candidates run out, the caller runs the full
//! search. See `encodings/performance.md` ("Probe").

use super::concretize::EXAMPLE_ACCOUNT;
use super::strings::realistic_arn;
use super::{format_date, CheckOptions, Counterexample, ResourceUniverse};
use crate::automata::{witness_with_hint, Witness};
use crate::catalog::{self, resource_formats::ResourceFormat};
use crate::encode::prune;
use crate::eval::{effective_context, evaluate_with_context, Decision, PolicyType};
use crate::model::{
    ActionClause, Comparison, Condition, ConditionValue, Decimal, Effect, OperatorKind, Policy,
    ResourceClause, SetQualifier, Statement, StringMatch,
};
use crate::pattern::{chars_to_string, Glob};
use crate::request::{Principal, Request};
use std::borrow::Cow;

mod variables;

/// The most candidate requests one check replays before handing over to the solver: a
/// replay of both policies costs about what a small solver query does.
pub const MAX_PROBES: usize = 12;

/// Catalog actions tried per action pattern (the first in name order, then one further on).
const ACTIONS_PER_PATTERN: usize = 2;

/// Context-free candidates tried before the Deny-directed ones.
const PLAIN_FIRST: usize = 2;

/// `options.counterexamples` replayed counterexamples with distinct actions, or `None` when
/// the candidates do not yield that many (the caller then searches with the solver, which
/// may still find them: a `None` says nothing about the check).
pub fn probe_counterexamples(
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Option<Vec<Counterexample>> {
    // Resource policies: who the caller is matters to both policies; leave them to the search.
    if options.policy_type != PolicyType::Identity {
        return None;
    }
    // A construct the prover refuses is refused here too: the evaluator's reading of it is
    // our choice, not AWS's documented behaviour (see `encode::check_supported`).
    if crate::encode::check_supported(proposed).is_err()
        || crate::encode::check_supported(baseline).is_err()
    {
        return None;
    }
    let reduced;
    let pieces_of = if options.prune {
        reduced = prune::without_covered(proposed, baseline, options.policy_type).0;
        &reduced
    } else {
        proposed
    };
    let pieces = pieces(pieces_of);
    if pieces.is_empty() {
        return None;
    }
    let mut probe = Probe {
        proposed,
        baseline,
        policy_type: options.policy_type,
        resource_universe: options.resource_universe,
        wanted: options.counterexamples.max(1),
        probes: 0,
        found: Vec::new(),
        trace: std::env::var_os("KEYAKI_TRACE").is_some(),
    };
    let plain = plain_actions(&pieces);
    for (piece, action) in plain.iter().take(PLAIN_FIRST) {
        if probe.try_request(piece, action, None, None) {
            return Some(probe.found);
        }
    }
    for deny in baseline
        .statements
        .iter()
        .filter(|d| d.effect == Effect::Deny)
    {
        let Some(setting) = satisfying(&deny.conditions) else {
            continue;
        };
        // One replay per Deny: the first candidate that yields a request at all.
        let before = probe.probes;
        for (piece, action) in actions_under(deny, &pieces, &plain) {
            if probe.try_request(piece, &action, Some(&deny.resource), Some(&setting)) {
                return Some(probe.found);
            }
            if probe.probes > before {
                break;
            }
        }
    }
    for (piece, action) in plain.iter().skip(PLAIN_FIRST) {
        if probe.try_request(piece, action, None, None) {
            return Some(probe.found);
        }
    }
    None
}

struct Probe<'p> {
    proposed: &'p Policy,
    baseline: &'p Policy,
    policy_type: PolicyType,
    resource_universe: ResourceUniverse,
    wanted: usize,
    probes: usize,
    found: Vec<Counterexample>,
    trace: bool,
}

impl Probe<'_> {
    /// Builds and replays one candidate (the piece's setting with `extra`, a Deny's, merged);
    /// true once enough counterexamples are in hand.
    fn try_request(
        &mut self,
        piece: &Piece,
        action: &str,
        also: Option<&ResourceClause>,
        extra: Option<&Setting>,
    ) -> bool {
        if self.probes >= MAX_PROBES
            || self
                .found
                .iter()
                .any(|c| c.request.action.eq_ignore_ascii_case(action))
        {
            return false;
        }
        let setting = match extra {
            None => piece.setting.clone(),
            Some(extra) => match piece.setting.merged(extra) {
                Some(s) => s,
                None => return false,
            },
        };
        let Some(resource) = resource_for(&piece.statement, action, also) else {
            return false;
        };
        self.probes += 1;
        let principal = setting.principal.unwrap_or_else(|| {
            Principal::Aws(format!(
                "arn:aws:sts::{EXAMPLE_ACCOUNT}:assumed-role/example/session"
            ))
        });
        let mut request = Request::new(principal, action, Some(&resource));
        for (name, values, is_array) in setting.context {
            request.set_context(&name, values, is_array);
        }
        // One universe: a request the chosen universe excludes is no counterexample.
        if crate::request::universe::admits(self.resource_universe, &request).is_err() {
            return false;
        }
        let context = effective_context(&request);
        let in_baseline =
            evaluate_with_context(self.baseline, &request, &context, self.policy_type);
        let in_proposal = (in_baseline.decision != Decision::Allow)
            .then(|| evaluate_with_context(self.proposed, &request, &context, self.policy_type));
        if self.trace {
            eprintln!(
                "keyaki: probe {}: {} -> baseline {:?}, proposal {:?}",
                self.probes,
                serde_json::to_string(&request).unwrap_or_default(),
                in_baseline.decision,
                in_proposal.as_ref().map(|e| e.decision)
            );
        }
        let Some(in_proposal) = in_proposal.filter(|e| e.decision == Decision::Allow) else {
            return false;
        };
        self.found.push(Counterexample {
            request,
            proposed: in_proposal,
            baseline: in_baseline,
        });
        self.found.len() >= self.wanted
    }
}

/// An Allow statement of the proposal the probe builds requests for, with the setting its
/// conditions need.
struct Piece<'p> {
    /// The statement, or its instance with values written in for its policy variables.
    statement: Cow<'p, Statement>,
    setting: Setting,
}

fn pieces(policy: &Policy) -> Vec<Piece<'_>> {
    policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .filter_map(|s| {
            if variables::uses_variables(s) {
                let (instance, setting) = variables::instantiate(s)?;
                return Some(Piece {
                    statement: Cow::Owned(instance),
                    setting,
                });
            }
            Some(Piece {
                statement: Cow::Borrowed(s),
                setting: satisfying(&s.conditions)?,
            })
        })
        .collect()
}

/// The most (piece, action) candidates listed up front: more than the probes can use.
const MAX_CANDIDATES: usize = 32;

/// (piece, catalog action): per piece in order, per action pattern a few catalog actions
/// (for `NotAction`, the first catalog actions outside the list).
fn plain_actions<'a, 'p>(pieces: &'a [Piece<'p>]) -> Vec<(&'a Piece<'p>, String)> {
    let catalog = catalog::catalog();
    let mut out = Vec::new();
    for piece in pieces {
        match &piece.statement.action {
            ActionClause::Action(list) => {
                for p in list {
                    for a in spread(&catalog.actions_matching(&p.glob), ACTIONS_PER_PATTERN) {
                        out.push((piece, a.full_name.clone()));
                    }
                    if out.len() >= MAX_CANDIDATES {
                        return out;
                    }
                }
            }
            ActionClause::NotAction(list) => {
                let outside = catalog
                    .all_actions()
                    .take(4096)
                    .filter(|a| !list.iter().any(|p| p.glob.matches(&a.lower_name)))
                    .take(ACTIONS_PER_PATTERN);
                out.extend(outside.map(|a| (piece, a.full_name.clone())));
            }
        }
        if out.len() >= MAX_CANDIDATES {
            break;
        }
    }
    out
}

/// Up to `n` items: the first, then evenly further on (distinct).
fn spread<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    let mut picks: Vec<usize> = (0..n).map(|i| i * items.len() / n.max(1)).collect();
    picks.dedup();
    picks
        .into_iter()
        .filter_map(|i| items.get(i).copied())
        .collect()
}

/// Actions the Deny names that an Allow piece of the proposal also matches (a few).
fn actions_under<'a, 'p>(
    deny: &Statement,
    pieces: &'a [Piece<'p>],
    plain: &[(&'a Piece<'p>, String)],
) -> Vec<(&'a Piece<'p>, String)> {
    let matches = |clause: &ActionClause, action: &str| {
        let lower = action.to_lowercase();
        let any = clause.patterns().iter().any(|p| p.glob.matches(&lower));
        any != matches!(clause, ActionClause::NotAction(_))
    };
    let universal = matches!(&deny.action, ActionClause::Action(list)
        if list.iter().any(|p| p.glob.is_universal()));
    if universal || matches!(deny.action, ActionClause::NotAction(_)) {
        // Most actions: the proposal's own candidates.
        return plain
            .iter()
            .filter(|(_, a)| matches(&deny.action, a))
            .take(ACTIONS_UNDER_A_DENY)
            .map(|(piece, a)| (*piece, a.clone()))
            .collect();
    }
    // Few actions: the catalog's, when the proposal grants one.
    let named = deny.action.patterns().iter().flat_map(|d| {
        catalog::catalog()
            .actions_matching(&d.glob)
            .into_iter()
            .take(ACTIONS_UNDER_A_DENY)
    });
    named
        .filter_map(|info| {
            pieces
                .iter()
                .find(|p| matches(&p.statement.action, &info.full_name))
                .map(|piece| (piece, info.full_name.clone()))
        })
        .take(ACTIONS_UNDER_A_DENY)
        .collect()
}

/// Candidates looked at per Deny until one yields a request (a resource both match).
const ACTIONS_UNDER_A_DENY: usize = 8;

/// A resource `s` matches (and `also`, a Deny's resource clause, when given) in one of the
/// action's ARN formats; `*` for an action with no resource type.
fn resource_for(s: &Statement, action: &str, also: Option<&ResourceClause>) -> Option<String> {
    let formats = catalog::catalog().resource_formats(&action.to_lowercase())?;
    let plain = |list: &[crate::model::ResourcePattern]| -> Vec<Glob> {
        list.iter()
            .filter_map(|p| {
                p.template
                    .as_plain()
                    .map(|chars| Glob::from_chars(&chars, true))
            })
            .collect()
    };
    let everything = || vec![Glob::arn("*")];
    let mine = match &s.resource {
        ResourceClause::Absent => everything(),
        ResourceClause::Resource(list) => plain(list),
        ResourceClause::NotResource(_) => return None,
    };
    let (theirs, avoid) = match also {
        None | Some(ResourceClause::Absent) => (everything(), Vec::new()),
        Some(ResourceClause::Resource(list)) => (plain(list), Vec::new()),
        Some(ResourceClause::NotResource(list)) => (everything(), plain(list)),
    };
    for glob in &mine {
        for other in &theirs {
            if formats.is_empty() {
                // Actions with no resource type are requested on `*`.
                if glob.matches("*") && other.matches("*") && !avoid.iter().any(|g| g.matches("*"))
                {
                    return Some("*".to_string());
                }
                continue;
            }
            if let Some(r) = in_formats(&formats, &[glob, other], &avoid) {
                return Some(r);
            }
        }
    }
    // No format fits: any resource both match, as the search would give (the open resource
    // universe has requests AWS would route elsewhere).
    mine.iter().find_map(|glob| {
        theirs.iter().find_map(|other| {
            let avoid: Vec<&Glob> = avoid.iter().collect();
            let fits = |x: &str| {
                glob.matches(x) && other.matches(x) && !avoid.iter().any(|g| g.matches(x))
            };
            match witness_with_hint(&[glob, other], &avoid, "") {
                Witness::Found(s) if fits(&s) => Some(realistic_arn(&s, &fits)),
                _ => None,
            }
        })
    })
}

fn in_formats(formats: &[ResourceFormat], want: &[&Glob], avoid: &[Glob]) -> Option<String> {
    let avoid: Vec<&Glob> = avoid.iter().collect();
    formats.iter().find_map(|format| {
        let fits = |x: &str| {
            format.glob.matches(x)
                && want.iter().all(|g| g.matches(x))
                && !avoid.iter().any(|g| g.matches(x))
        };
        [&format.loose, &format.glob].into_iter().find_map(|shape| {
            let mut positive = want.to_vec();
            positive.push(shape);
            match witness_with_hint(&positive, &avoid, &format.example) {
                Witness::Found(s) if fits(&s) => Some(realistic_arn(&s, &fits)),
                _ => None,
            }
        })
    })
}

/// Who asks and with which context values: what a statement's conditions need.
#[derive(Debug, Clone, Default)]
struct Setting {
    principal: Option<Principal>,
    /// (key as written, values, written as an array).
    context: Vec<(String, Vec<String>, bool)>,
}

impl Setting {
    /// Both settings at once, or `None` when they want different values for one key.
    fn merged(&self, other: &Setting) -> Option<Setting> {
        let principal = match (&self.principal, &other.principal) {
            (Some(a), Some(b)) if a != b => return None,
            (a, b) => a.clone().or_else(|| b.clone()),
        };
        let mut context = self.context.clone();
        for entry in &other.context {
            match context
                .iter()
                .find(|(k, _, _)| k.eq_ignore_ascii_case(&entry.0))
            {
                Some(existing) if existing.1 != entry.1 => return None,
                Some(_) => {}
                None => context.push(entry.clone()),
            }
        }
        Some(Setting { principal, context })
    }
}

/// A setting meeting every condition (a guess: the replay decides), or `None` for
/// conditions this does not attempt (numbers against templates, policy variables).
fn satisfying(conditions: &[Condition]) -> Option<Setting> {
    let mut setting = Setting::default();
    for c in conditions {
        let op = &c.operator;
        let value = match (op.kind, op.negated, op.set) {
            // Null true: leave the key out; Null false: give it a value.
            (OperatorKind::Null, _, _) => match c.values.first() {
                Some(ConditionValue::Null(true)) => continue,
                _ => "example".to_string(),
            },
            // A negated operator holds on an absent key, so does ForAllValues.
            (_, true, SetQualifier::Single | SetQualifier::ForAllValues)
            | (_, false, SetQualifier::ForAllValues) => continue,
            // ForAnyValue of a negated operator: one value outside every pattern.
            (_, true, SetQualifier::ForAnyValue) => "keyaki-example-value".to_string(),
            (kind, false, _) => member(kind, c.values.first()?)?,
        };
        let is_array = op.set != SetQualifier::Single;
        if c.key_lower == "aws:principalarn" {
            if let Some(principal) = principal_with_arn(&value) {
                setting.principal = Some(principal);
                continue;
            }
        }
        if let Some(existing) = setting
            .context
            .iter()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(&c.key))
        {
            if existing.1 != [value.clone()] {
                return None;
            }
            continue;
        }
        setting.context.push((c.key.clone(), vec![value], is_array));
    }
    Some(setting)
}

/// A value the (positive) operator matches for this policy value.
fn member(kind: OperatorKind, value: &ConditionValue) -> Option<String> {
    Some(match (kind, value) {
        (OperatorKind::String(StringMatch::Like) | OperatorKind::Arn, ConditionValue::Text(t)) => {
            let chars = t.as_plain()?;
            let glob = Glob::from_chars(&chars, kind == OperatorKind::Arn);
            let hint = chars_to_string(&chars).replace(['*', '?'], "example");
            match witness_with_hint(&[&glob], &[], &hint) {
                Witness::Found(s) => realistic_arn(&s, &|x| glob.matches(x)),
                _ => return None,
            }
        }
        (_, ConditionValue::Text(t)) => chars_to_string(&t.as_plain()?),
        (_, ConditionValue::Bool(b)) => b.to_string(),
        (OperatorKind::Numeric(cmp), ConditionValue::Number(n)) => Decimal {
            mantissa: n.mantissa + nudge(cmp),
            scale: n.scale,
        }
        .to_string(),
        (OperatorKind::Date(cmp), ConditionValue::Date(ms)) => {
            format_date(i128::from(*ms) + 1000 * nudge(cmp))
        }
        (_, ConditionValue::Cidr(net)) => net.network().to_string(),
        _ => return None,
    })
}

/// One step past the policy value in the direction the comparison wants.
fn nudge(cmp: Comparison) -> i128 {
    match cmp {
        Comparison::Lt => -1,
        Comparison::Gt => 1,
        Comparison::Eq | Comparison::Le | Comparison::Ge => 0,
    }
}

/// The principal whose derived `aws:PrincipalArn` is `arn` (an IAM user, root or role), so
/// the request is one AWS could receive rather than a principal with a contradicting key.
fn principal_with_arn(arn: &str) -> Option<Principal> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    if !crate::request::is_account_id(account) {
        return None;
    }
    if resource == "root" || resource.starts_with("user/") {
        return Some(Principal::Aws(arn.to_string()));
    }
    let role = resource.strip_prefix("role/")?;
    // A role with a path: its session ARN drops the path (the derived key keeps it).
    let name = role.rsplit('/').next()?;
    (role == name).then(|| {
        Principal::Aws(format!(
            "arn:aws:sts::{account}:assumed-role/{name}/session"
        ))
    })
}
