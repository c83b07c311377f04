//! Counterexamples without the solver: a few concrete requests built from the proposal's
//! uncovered pieces, replayed through the evaluator.
//!
//! Against most baselines most policies fail, and a failing check needs one request that the
//! proposal allows and the baseline does not, not a proof. Before any formula is built, the
//! proposal's unconditional Allow pieces that the baseline does not provably cover
//! (`prune::without_covered`) give candidates: a catalog action the piece matches, a resource
//! in one of that action's ARN formats that the statement matches, an example principal, and
//! either no context or a context meeting the conditions of one baseline Deny that can apply
//! to that action. A candidate is kept only if the evaluator decides it Allow in the proposal
//! and not Allow in the baseline, exactly the replay every solver counterexample gets. Nothing
//! here can turn a check into a pass: when the candidates run out, the caller runs the full
//! search. See `encodings/performance.md` ("Probe").

use super::concretize::EXAMPLE_ACCOUNT;
use super::strings::realistic_arn;
use super::{format_date, CheckOptions, Counterexample};
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
    let reduced;
    let pieces_of = if options.prune {
        reduced = prune::without_covered(proposed, baseline, options.policy_type).0;
        &reduced
    } else {
        proposed
    };
    let mut probe = Probe {
        proposed,
        baseline,
        policy_type: options.policy_type,
        wanted: options.counterexamples.max(1),
        probes: 0,
        found: Vec::new(),
    };
    let plain: Vec<(&Statement, String)> = plain_actions(pieces_of).collect();
    for (s, action) in plain.iter().take(PLAIN_FIRST) {
        if probe.try_request(s, action, None, Setting::default()) {
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
        if let Some((s, action)) = action_under(deny, pieces_of, &plain) {
            if probe.try_request(s, &action, Some(&deny.resource), setting) {
                return Some(probe.found);
            }
        }
    }
    for (s, action) in plain.iter().skip(PLAIN_FIRST) {
        if probe.try_request(s, action, None, Setting::default()) {
            return Some(probe.found);
        }
    }
    None
}

struct Probe<'p> {
    proposed: &'p Policy,
    baseline: &'p Policy,
    policy_type: PolicyType,
    wanted: usize,
    probes: usize,
    found: Vec<Counterexample>,
}

impl Probe<'_> {
    /// Builds and replays one candidate; true once enough counterexamples are in hand.
    fn try_request(
        &mut self,
        s: &Statement,
        action: &str,
        also: Option<&ResourceClause>,
        setting: Setting,
    ) -> bool {
        if self.probes >= MAX_PROBES
            || self
                .found
                .iter()
                .any(|c| c.request.action.eq_ignore_ascii_case(action))
        {
            return false;
        }
        let Some(resource) = resource_for(s, action, also) else {
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
        let context = effective_context(&request);
        let in_baseline =
            evaluate_with_context(self.baseline, &request, &context, self.policy_type);
        if in_baseline.decision == Decision::Allow {
            return false;
        }
        let in_proposal =
            evaluate_with_context(self.proposed, &request, &context, self.policy_type);
        if in_proposal.decision != Decision::Allow {
            return false;
        }
        self.found.push(Counterexample {
            request,
            proposed: in_proposal,
            baseline: in_baseline,
        });
        self.found.len() >= self.wanted
    }
}

/// (statement, catalog action) per unconditional Allow statement (in order), per action
/// pattern, a few catalog actions.
fn plain_actions(policy: &Policy) -> impl Iterator<Item = (&Statement, String)> + '_ {
    unconditional_allows(policy).flat_map(|s| {
        let patterns = match &s.action {
            ActionClause::Action(list) => list.as_slice(),
            ActionClause::NotAction(_) => &[],
        };
        patterns.iter().flat_map(move |p| {
            spread(
                &catalog::catalog().actions_matching(&p.glob),
                ACTIONS_PER_PATTERN,
            )
            .into_iter()
            .map(move |a| (s, a.full_name.clone()))
        })
    })
}

fn unconditional_allows(policy: &Policy) -> impl Iterator<Item = &Statement> + '_ {
    policy
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.conditions.is_empty())
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

/// An action the Deny names that an unconditional Allow statement of `pieces` also matches.
fn action_under<'p>(
    deny: &Statement,
    pieces: &'p Policy,
    plain: &[(&'p Statement, String)],
) -> Option<(&'p Statement, String)> {
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
            .take(4 * ACTIONS_PER_PATTERN)
            .find(|(_, a)| matches(&deny.action, a))
            .map(|(s, a)| (*s, a.clone()));
    }
    // Few actions: the catalog's, when the proposal grants one.
    let named = deny.action.patterns().iter().flat_map(|d| {
        catalog::catalog()
            .actions_matching(&d.glob)
            .into_iter()
            .take(8)
    });
    for info in named {
        if let Some(s) = unconditional_allows(pieces).find(|s| matches(&s.action, &info.full_name))
        {
            return Some((s, info.full_name.clone()));
        }
    }
    None
}

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
    None
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

/// Who asks and with which context values: what a Deny's conditions need.
#[derive(Default)]
struct Setting {
    principal: Option<Principal>,
    /// (key as written, values, written as an array).
    context: Vec<(String, Vec<String>, bool)>,
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
