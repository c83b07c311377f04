//! From a solver model to a concrete request: context keys first, then action, resource, principal.

use super::context::ContextBuilder;
use super::{CheckOptions, ResourceUniverse};
use crate::catalog;
use crate::encode::{Atom, PrincipalKindVar, Query, StrVar, Term};
use crate::request::{Principal, Request};
use crate::solve::Assignment;
use seeded::Seeded;
use std::collections::{BTreeMap, BTreeSet};

// decide (#10): keys tied by true equality templates, given values together.
mod seeded;

pub(super) enum Concrete {
    Request(Request),
    /// The model combined patterns no string satisfies: lemmas that rule it out.
    Learn(Vec<Term>),
    GiveUp(String),
}

/// Placeholder account and names for values nothing constrains.
pub(super) const EXAMPLE_ACCOUNT: &str = "111122223333";

pub(super) fn concretize(query: &mut Query, a: &Assignment, options: &CheckOptions) -> Concrete {
    match concretize_model(query, a, options) {
        Concrete::Request(r) => Concrete::Request(r),
        failed => {
            // Only when the values chosen fail: the atom-only lemmas of `offsets.rs` and
            // `transfer.rs` offer the solver new disjuncts, which a model the concretizer
            // can meet does not need (session 10).
            let mut ctx = ContextBuilder::new(query, a);
            let Some(mut more) = ctx
                .offset_keys_conflict()
                .or_else(|| ctx.transferred_template_conflict())
                .or_else(|| ctx.substituted_keys_conflict())
            else {
                return failed;
            };
            if let Concrete::Learn(lemmas) = failed {
                more.extend(lemmas);
            }
            Concrete::Learn(more)
        }
    }
}

/// The model's request: keys tied by equalities seeded first, then cycles broken in turn.
fn concretize_model(query: &mut Query, a: &Assignment, options: &CheckOptions) -> Concrete {
    // decide (#10): keys tied by true equality templates, given values together first
    // (`seeded.rs`); values that break an atom leave the usual choice below.
    let seeds = match ContextBuilder::new(query, a).equality_seeds() {
        Seeded::Learn(lemmas) => return Concrete::Learn(lemmas),
        Seeded::Seeds(seeds) => seeds,
        Seeded::Nothing => BTreeMap::new(),
    };
    let mut seeds = seeds;
    let mut varied: BTreeSet<String> = BTreeSet::new();
    // A seeded key whose value breaks one of its atoms is chosen the usual way next time
    // (`u = ${t}` ignoring case beside `u ≠ ${t}`: the seed `u = t` breaks, `T` fits).
    while !seeds.is_empty() {
        let mut broken = None;
        match concretize_rotating(query, a, options, (&seeds, &mut broken)) {
            Concrete::Request(request) => return Concrete::Request(request),
            _ => match broken {
                Some(key) => {
                    if std::env::var_os("KEYAKI_TRACE").is_some() {
                        let var = StrVar::Context {
                            key: key.clone(),
                            slot: 0,
                        };
                        let atoms: Vec<String> = (query.atoms.iter().enumerate())
                            .filter(
                                |(_, atom)| matches!(atom, Atom::Str { var: v, .. } if *v == var),
                            )
                            .filter_map(|(id, atom)| {
                                let truth = a.atoms.get(id).copied()?;
                                Some(format!("{truth} {}", crate::solve::describe_atom(atom)))
                            })
                            .collect();
                        eprintln!(
                            "keyaki: seed {key} = {:?} breaks one of {atoms:?}",
                            seeds.get(&key)
                        );
                    }
                    // Its other case first (`u = ${t}` ignoring case, `u ≠ ${t}`), then
                    // the usual choice.
                    let upper = seeds.get(&key).map(|v| v.to_uppercase());
                    match upper.filter(|u| seeds.get(&key) != Some(u) && varied.insert(key.clone()))
                    {
                        Some(upper) => {
                            seeds.insert(key, upper);
                        }
                        None => {
                            seeds.remove(&key);
                        }
                    }
                }
                None => break,
            },
        }
    }
    concretize_rotating(query, a, options, (&BTreeMap::new(), &mut None))
}

fn cycle_give_up(key: &str) -> String {
    format!("policy variables refer to each other in a cycle through key {key}, and the value chosen to break it does not fit")
}

/// One concretization with `seeds`, breaking the first cycle of policy variables at each of
/// its keys in turn while the value chosen to break it leaves no request (`cycle.rs`,
/// `cycle_break_order`); `broken` is the returned try's.
///
/// A try that learns a lemma also moves on to the next key: the value chosen to break the
/// cycle at one key may be refuted by name, one per round, where breaking it at another
/// key reads the first's template (`account ~ ${team}*` true: the team first, the account
/// from it). The first try's lemmas stand when no try gives a request, so each round still
/// learns what it did before.
fn concretize_rotating(
    query: &mut Query,
    a: &Assignment,
    options: &CheckOptions,
    (seeds, broken): (&BTreeMap<String, String>, &mut Option<String>),
) -> Concrete {
    let mut first_break = 0;
    let mut first_learned: Option<(Vec<Term>, Option<String>)> = None;
    loop {
        let mut candidates = 0;
        *broken = None;
        let done = concretize_with(
            query,
            a,
            options,
            (seeds, &mut *broken),
            first_break,
            &mut candidates,
        );
        // Each try is bounded; past the check's deadline the give-up stands.
        let another = first_break + 1 < candidates && !super::deadline::passed();
        match done {
            Concrete::Request(request) => return Concrete::Request(request),
            Concrete::GiveUp(_) if another => first_break += 1,
            Concrete::Learn(lemmas) if another => {
                first_learned.get_or_insert((lemmas, broken.clone()));
                first_break += 1;
            }
            done => {
                return match first_learned {
                    Some((lemmas, was_broken)) => {
                        *broken = was_broken;
                        Concrete::Learn(lemmas)
                    }
                    None => done,
                }
            }
        }
    }
}

/// One concretization, the keys in `seeds` given their values before any other is chosen
/// (checked against their atoms once every key has a value, as a cycle's first key is);
/// `broken` names a seeded key whose value breaks an atom; the first cycle is broken at its
/// `first_break`-th candidate key (`candidates` is set to how many it had, 0 for none).
fn concretize_with(
    query: &mut Query,
    a: &Assignment,
    options: &CheckOptions,
    (seeds, broken): (&BTreeMap<String, String>, &mut Option<String>),
    first_break: usize,
    candidates: &mut usize,
) -> Concrete {
    let mut ctx = ContextBuilder::new(query, a);
    // Keys tied by an equality read the same text: a template inside another is decided.
    if let Some(lemmas) = ctx
        .tied_template_conflict()
        .or_else(|| ctx.self_tied_conflict())
        .or_else(|| ctx.prefix_tied_conflict())
        .or_else(|| ctx.mutual_equality_conflict())
        .or_else(|| ctx.renamed_self_conflict())
        .or_else(|| ctx.aligned_keys_conflict())
    {
        return Concrete::Learn(lemmas);
    }
    // Context keys first: templates in other patterns read them.
    for (key, value) in seeds {
        ctx.values.insert(key.clone(), vec![value.clone()]);
        ctx.slot_values.insert((key.clone(), 0), value.clone());
        ctx.deferred.insert(key.clone());
    }
    let mut pending: Vec<String> = ctx
        .query
        .keys
        .keys()
        .filter(|k| !seeds.contains_key(*k))
        .cloned()
        .collect();
    let mut first_cycle = true;
    while !pending.is_empty() {
        let mut still = Vec::new();
        let before = pending.len();
        for key in pending {
            match ctx.key_values(&key) {
                Step::Done(values) => {
                    ctx.values.insert(key, values);
                }
                Step::Blocked => still.push(key),
                Step::Learn(l) => return Concrete::Learn(l),
                Step::GiveUp(r) => return Concrete::GiveUp(r),
            }
        }
        if still.len() == before {
            // Every pending key waits on another (`A = ${B}`, `B = ${A}`): choose one
            // without its templates, then check them once every key has a value. The first
            // cycle is broken at its `first_break`-th candidate, later ones at their best.
            let order = ctx.cycle_break_order(&still);
            let pick = if first_cycle {
                first_cycle = false;
                *candidates = order.len();
                first_break
            } else {
                0
            };
            let first = order.get(pick);
            match first {
                Some(key) => {
                    ctx.deferred.insert(key.clone());
                }
                None => {
                    return Concrete::GiveUp(format!(
                        "policy variables refer to each other in a cycle among keys {}",
                        still.join(", ")
                    ))
                }
            }
        }
        pending = still;
    }
    if let Some(key) = ctx.deferred_key_violated() {
        let reason = cycle_give_up(&key);
        if seeds.contains_key(&key) {
            *broken = Some(key);
        }
        return Concrete::GiveUp(reason);
    }
    let has_resource = ctx.query.atom_id(&Atom::HasResource).map(|id| a.atom(id));
    let wants_resource = ctx.query.uses_resource && has_resource != Some(false);
    // The catalog resource universe chooses the action and its resource together.
    let in_universe = if wants_resource && options.resource_universe == ResourceUniverse::Catalog {
        match super::universe::action_and_resource(&mut ctx, options.action_universe) {
            Step::Done(pair) => Some(pair),
            Step::Learn(l) => return Concrete::Learn(l),
            Step::GiveUp(r) => return Concrete::GiveUp(r),
            Step::Blocked => return Concrete::GiveUp("action depends on a policy variable".into()),
        }
    } else {
        None
    };
    // The action.
    let action = match in_universe
        .as_ref()
        .map(|(action, _)| Step::Done(action.clone()))
        .unwrap_or_else(|| ctx.action(options.action_universe))
    {
        Step::Done(a) => a,
        Step::Learn(l) => return Concrete::Learn(l),
        Step::GiveUp(r) => return Concrete::GiveUp(r),
        Step::Blocked => return Concrete::GiveUp("action depends on a policy variable".into()),
    };
    let resource = if let Some((_, resource)) = in_universe {
        Some(resource)
    } else if wants_resource {
        let formats = catalog::catalog().resource_formats(&action.to_lowercase());
        // Actions with no resource type are requested on `*`.
        let hint = match &formats {
            Some(list) if list.is_empty() => "*".to_string(),
            Some(list) => list[0].example.clone(),
            None => format!(
                "arn:aws:{}:us-east-1:{EXAMPLE_ACCOUNT}:example",
                service_of(&action)
            ),
        };
        let plain = ctx.string(&StrVar::Resource, &[hint]);
        // A resource in none of the action's ARN formats is replaced by one that is, when
        // the model allows one (AWS would not receive the other).
        let chosen = match (plain, &formats) {
            (Step::Done(r), Some(list))
                if !list.is_empty() && !list.iter().any(|f| f.glob.matches(&r)) =>
            {
                Step::Done(ctx.resource_in_formats(list).unwrap_or(r))
            }
            (other, _) => other,
        };
        match chosen {
            Step::Done(r) => Some(r),
            Step::Learn(l) => return Concrete::Learn(l),
            Step::GiveUp(r) => return Concrete::GiveUp(r),
            Step::Blocked => {
                return Concrete::GiveUp("resource depends on an unresolved policy variable".into())
            }
        }
    } else {
        None
    };
    let principal = match ctx.principal() {
        Step::Done(p) => p,
        Step::Learn(l) => return Concrete::Learn(l),
        Step::GiveUp(r) => return Concrete::GiveUp(r),
        Step::Blocked => {
            return Concrete::GiveUp("principal depends on an unresolved policy variable".into())
        }
    };
    let mut request = Request {
        principal,
        action,
        resource,
        context: BTreeMap::new(),
    };
    // Keys the evaluator would derive from this principal but the model leaves out are
    // written as empty arrays: given values win, and an empty one means "absent".
    let derived: BTreeSet<&str> = crate::eval::derived_principal_keys(&request.principal)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for (key, values) in &ctx.values {
        if values.is_empty() {
            if derived.contains(key.as_str()) {
                let shape = &ctx.query.keys[key];
                request.set_context(&shape.name, vec![], true);
            }
            continue;
        }
        let shape = &ctx.query.keys[key];
        // Arrays for keys the catalog types multi-valued, or when there are several values;
        // one value of a key the catalog does not know reads best as a plain string.
        let as_array = shape.multivalued
            && (values.len() > 1 || catalog::catalog().is_multivalued(key) == Some(true));
        request.set_context(&shape.name, values.clone(), as_array);
    }
    Concrete::Request(request)
}

pub(super) fn kind_of(principal: &Principal) -> PrincipalKindVar {
    match principal {
        Principal::Aws(_) => PrincipalKindVar::Aws,
        Principal::Service(_) => PrincipalKindVar::Service,
        Principal::Federated(_) => PrincipalKindVar::Federated,
        Principal::CanonicalUser(_) => PrincipalKindVar::CanonicalUser,
        Principal::Anonymous => PrincipalKindVar::Anonymous,
    }
}

pub(super) fn service_of(action: &str) -> &str {
    action.split(':').next().unwrap_or("service")
}

pub(super) enum Step<T> {
    Done(T),
    /// Needs the values of keys not chosen yet.
    Blocked,
    Learn(Vec<Term>),
    GiveUp(String),
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Readable defaults for well-known keys when nothing pins their value.
pub(super) fn default_value_hint(key: &str, _name: &str) -> String {
    match key {
        "aws:principalarn" => format!("arn:aws:iam::{EXAMPLE_ACCOUNT}:user/example"),
        "aws:principalaccount"
        | "aws:sourceaccount"
        | "aws:resourceaccount"
        | "s3:resourceaccount" => EXAMPLE_ACCOUNT.to_string(),
        "aws:principaltype" => "User".to_string(),
        "aws:username" => "example".to_string(),
        "aws:principalorgid" | "aws:resourceorgid" | "aws:sourceorgid" => {
            "o-exampleorgid".to_string()
        }
        "aws:sourcevpc" => "vpc-0example".to_string(),
        "aws:sourcevpce" => "vpce-0example".to_string(),
        "aws:securetransport" | "aws:multifactorauthpresent" | "aws:viaawsservice" => {
            "false".to_string()
        }
        "aws:requestedregion" => "us-east-1".to_string(),
        _ if key.starts_with("aws:sourcearn") => format!("arn:aws:s3:::example-{EXAMPLE_ACCOUNT}"),
        _ => "example".to_string(),
    }
}

/// ISO 8601 UTC, milliseconds only when present.
pub fn format_date(ms: i128) -> String {
    let ms = i64::try_from(ms).unwrap_or(0);
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) if ms % 1000 == 0 => dt.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        None => "not-a-date".to_string(),
    }
}
