//! From solver models to concrete requests, replayed through the concrete evaluator.
//!
//! The loop: ask the solver for a model; build a concrete request from it (witness strings
//! from glob automata, numbers, dates and IPs printed as AWS reads them); when a string
//! variable's pattern constraints turn out to be unsatisfiable together, learn a lemma
//! that rules the combination out and ask again (refinement). Every request is replayed
//! through [`crate::eval`] before it is returned: a request whose replay does not show the
//! claimed decisions is never printed.

use crate::automata::{self, Witness};
use crate::catalog;
use crate::encode::{
    iam_user_glob, pattern_relation_lemmas, Atom, AtomId, MatchMode, PrincipalKindVar, Query,
    StrPattern, StrVar, Term, ValueView, PRINCIPAL_DERIVED_KEYS,
};
use crate::eval::{evaluate, Decision, Evaluation, PolicyType};
use crate::model::Policy;
use crate::pattern::{chars_to_string, Glob};
use crate::request::{Principal, Request};
use crate::solve::{Assignment, Backend, Outcome, Z3Backend};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Which action names the symbolic request may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionUniverse {
    /// Any string: `sqs:*` is wider than a list of every SQS action the catalog knows today
    /// (AWS adds actions; a wildcard grants them too).
    #[default]
    Open,
    /// Only actions in the bundled service catalog.
    Catalog,
}

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub policy_type: PolicyType,
    pub counterexamples: usize,
    pub timeout: Duration,
    pub action_universe: ActionUniverse,
    /// Drop the proposal's pieces the baseline provably allows before encoding (on by
    /// default; off only to compare, see `encodings/pruning.md`).
    pub prune: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            policy_type: PolicyType::Identity,
            counterexamples: 3,
            timeout: Duration::from_secs(10),
            action_universe: ActionUniverse::Open,
            prune: true,
        }
    }
}

/// A request the proposal allows and the baseline does not, with both replayed decisions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Counterexample {
    pub request: Request,
    pub proposed: Evaluation,
    pub baseline: Evaluation,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Unsat: proved.
    Holds,
    Violated(Vec<Counterexample>),
    Unknown(String),
}

/// Queries with more atoms than this are solved from a reset solver rather than in a
/// push/pop scope (measured on the managed-policy version pairs).
pub const LARGE_QUERY_ATOMS: usize = 150;

/// The most refinement rounds before giving up with `unknown`.
pub const MAX_REFINEMENTS: usize = 2_000;

/// Does `proposed` allow any request `baseline` does not? Proof or replayed counterexamples.
pub fn check_no_new_access(
    proposed: &Policy,
    baseline: &Policy,
    options: &CheckOptions,
) -> Verdict {
    // --timeout covers encoding too: lemma generation stops at the deadline (fewer lemmas
    // stay sound) and the search gets what is left.
    let start = Instant::now();
    crate::encode::set_lemma_deadline(Some(start + options.timeout));
    let encoded = crate::encode::verify_no_new_access_pruned(
        proposed,
        baseline,
        options.policy_type,
        options.prune,
    );
    crate::encode::set_lemma_deadline(None);
    let query = match encoded {
        Ok(q) => q,
        Err(e) => return Verdict::Unknown(e.to_string()),
    };
    let remaining = options.timeout.saturating_sub(start.elapsed());
    if remaining.is_zero() {
        return Verdict::Unknown(format!(
            "timeout after {} ms (while encoding)",
            options.timeout.as_millis()
        ));
    }
    let options = &CheckOptions {
        timeout: remaining,
        ..options.clone()
    };
    let replay = |request: &Request| {
        let p = evaluate(proposed, request, options.policy_type);
        let b = evaluate(baseline, request, options.policy_type);
        (p.decision == Decision::Allow && b.decision != Decision::Allow).then_some((p, b))
    };
    match search(query, options, &replay) {
        Search::Holds => Verdict::Holds,
        Search::Unknown(r) => Verdict::Unknown(r),
        Search::Found(list) => Verdict::Violated(
            list.into_iter()
                .map(|(request, (proposed, baseline))| Counterexample {
                    request,
                    proposed,
                    baseline,
                })
                .collect(),
        ),
    }
}

pub enum Search<T> {
    Holds,
    Found(Vec<(Request, T)>),
    Unknown(String),
}

/// Runs the refinement loop for any property; `replay` confirms a request concretely.
pub fn search<T: Send + Sync>(
    query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T> {
    // An assertion that folded to false (say, a proposal left with no Allow statement after
    // pruning): unsatisfiable without asking the solver.
    if query.assertions.contains(&Term::ff()) {
        return Search::Holds;
    }
    // Each query gets its own z3 context and a solver for the smallest logic that fits: a
    // fresh context makes the answer independent of what the thread solved before
    // (deterministic output, shards equal to one run), and a logic-specific solver skips the
    // general solver's set-up (measured: p50 ~1 ms instead of ~17 ms on the version pairs).
    let config = z3::Config::new();
    z3::with_z3_config(&config, || {
        let mut backend = Z3Backend::for_query(&query, options.timeout);
        search_with(&mut backend, query, options, replay)
    })
}

fn search_with<T>(
    backend: &mut dyn Backend,
    mut query: Query,
    options: &CheckOptions,
    replay: &(dyn Fn(&Request) -> Option<T> + Sync),
) -> Search<T> {
    let deadline = Instant::now() + options.timeout;
    for lemma in query.lemmas.clone() {
        backend.assert(&query, &lemma);
    }
    for assertion in query.assertions.clone() {
        backend.assert(&query, &assertion);
    }
    let mut found: Vec<(Request, T)> = Vec::new();
    let mut refinements = 0usize;
    let trace = std::env::var_os("KEYAKI_TRACE").is_some();
    let mut prefer_resource = true;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return finish(
                found,
                "timeout: the --timeout limit was reached".to_string(),
            );
        }
        // Each check gets only what is left, so a query never overruns --timeout by much.
        backend.set_time_limit(deadline - now);
        // Prefer requests with a resource (they read better); a resourceless one only when
        // nothing else is left. Only an unconditional check may answer Unsat.
        let has_resource = query.atom_id(&Atom::HasResource).map(Term::Atom);
        let outcome = match has_resource {
            Some(has) if prefer_resource => match backend.check_assuming(&query, &[has]) {
                Outcome::Unsat => {
                    prefer_resource = false;
                    backend.check(&query)
                }
                other => other,
            },
            _ => backend.check(&query),
        };
        match outcome {
            Outcome::Unsat => {
                return if found.is_empty() {
                    Search::Holds
                } else {
                    Search::Found(found)
                };
            }
            Outcome::Unknown(reason) => {
                return finish(found, format!("solver returned unknown: {reason}"))
            }
            Outcome::Sat(assignment) => {
                refinements += 1;
                if refinements > MAX_REFINEMENTS {
                    return finish(
                        found,
                        format!("gave up after {MAX_REFINEMENTS} refinement rounds"),
                    );
                }
                match concretize(&mut query, &assignment, options) {
                    Concrete::Request(request) => {
                        let Some(replayed) = replay(&request) else {
                            return finish(
                                found,
                                format!(
                                    "internal error: a counterexample did not replay through the evaluator: {}",
                                    serde_json::to_string(&request).unwrap_or_default()
                                ),
                            );
                        };
                        let action = request.action.to_lowercase();
                        found.push((request, replayed));
                        if found.len() >= options.counterexamples {
                            return Search::Found(found);
                        }
                        // The next counterexample uses another action.
                        let before = query.atoms.len();
                        let this_action = query
                            .str_atom(StrVar::Action, StrPattern::Glob(Glob::literal(&action)));
                        for lemma in pattern_relation_lemmas(&query, before) {
                            backend.assert(&query, &lemma);
                        }
                        // Resource policies: the same action from another kind of principal
                        // (anonymous, a service) is a different finding.
                        let mut block = vec![this_action];
                        if query.policy_type == Some(PolicyType::Resource) {
                            block.push(query.kind(kind_of(&found[found.len() - 1].0.principal)));
                        }
                        backend.assert(&query, &Term::not(Term::and(block)));
                    }
                    Concrete::Learn(lemmas) => {
                        if trace {
                            for lemma in &lemmas {
                                let mut ids = BTreeSet::new();
                                lemma.atoms(&mut ids);
                                let atoms: Vec<String> = ids
                                    .iter()
                                    .map(|id| crate::solve::describe_atom(&query.atoms[*id]))
                                    .collect();
                                eprintln!(
                                    "keyaki: refinement {refinements}: {}",
                                    atoms.join(" | ")
                                );
                            }
                        }
                        for lemma in lemmas {
                            backend.assert(&query, &lemma);
                        }
                    }
                    Concrete::GiveUp(reason) => return finish(found, reason),
                }
            }
        }
    }
}

/// Never a pass without a proof: with counterexamples in hand the property is violated
/// whatever stopped the search; with none, the answer is unknown.
fn finish<T>(found: Vec<(Request, T)>, reason: String) -> Search<T> {
    if found.is_empty() {
        Search::Unknown(reason)
    } else {
        Search::Found(found)
    }
}

enum Concrete {
    Request(Request),
    /// The model combined patterns no string satisfies: lemmas that rule it out.
    Learn(Vec<Term>),
    GiveUp(String),
}

/// Placeholder account and names for values nothing constrains.
const EXAMPLE_ACCOUNT: &str = "111122223333";

fn concretize(query: &mut Query, a: &Assignment, options: &CheckOptions) -> Concrete {
    let mut ctx = ContextBuilder {
        query,
        a,
        values: BTreeMap::new(),
        slot_values: BTreeMap::new(),
        deferred: BTreeSet::new(),
    };
    // Context keys first: templates in other patterns read them.
    let keys: Vec<String> = ctx.query.keys.keys().cloned().collect();
    let mut pending: Vec<String> = keys.clone();
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
            // Every pending key waits on another (`A = ${B}`, `B = ${A}`): choose the first
            // without its templates, then check them once every key has a value.
            match still.iter().find(|k| !ctx.deferred.contains(*k)) {
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
        return Concrete::GiveUp(format!(
            "policy variables refer to each other in a cycle through key {key}, and the value chosen to break it does not fit"
        ));
    }
    // The action.
    let action = match ctx.action(options.action_universe) {
        Step::Done(a) => a,
        Step::Learn(l) => return Concrete::Learn(l),
        Step::GiveUp(r) => return Concrete::GiveUp(r),
        Step::Blocked => return Concrete::GiveUp("action depends on a policy variable".into()),
    };
    let has_resource = ctx.query.atom_id(&Atom::HasResource).map(|id| a.atom(id));
    let resource = if ctx.query.uses_resource && has_resource != Some(false) {
        let hint = catalog::catalog()
            .example_resource(&action.to_lowercase())
            .unwrap_or_else(|| {
                format!(
                    "arn:aws:{}:us-east-1:{EXAMPLE_ACCOUNT}:example",
                    service_of(&action)
                )
            });
        match ctx.string(&StrVar::Resource, &[hint]) {
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

fn kind_of(principal: &Principal) -> PrincipalKindVar {
    match principal {
        Principal::Aws(_) => PrincipalKindVar::Aws,
        Principal::Service(_) => PrincipalKindVar::Service,
        Principal::Federated(_) => PrincipalKindVar::Federated,
        Principal::CanonicalUser(_) => PrincipalKindVar::CanonicalUser,
        Principal::Anonymous => PrincipalKindVar::Anonymous,
    }
}

fn service_of(action: &str) -> &str {
    action.split(':').next().unwrap_or("service")
}

enum Step<T> {
    Done(T),
    /// Needs the values of keys not chosen yet.
    Blocked,
    Learn(Vec<Term>),
    GiveUp(String),
}

struct ContextBuilder<'a> {
    query: &'a mut Query,
    a: &'a Assignment,
    /// Chosen values per context key (lowercased); empty = absent.
    values: BTreeMap<String, Vec<String>>,
    /// The value chosen for each present slot, before a set drops repeats.
    slot_values: BTreeMap<(String, usize), String>,
    /// Keys chosen while templates they must match still read unchosen keys (a cycle of
    /// policy variables); those templates are checked by `deferred_key_violated`.
    deferred: BTreeSet<String>,
}

impl ContextBuilder<'_> {
    fn key_values(&mut self, key: &str) -> Step<Vec<String>> {
        let Some(shape) = self.query.keys.get(key).cloned() else {
            return Step::Done(vec![]);
        };
        let mut out = Vec::new();
        for slot in 0..shape.slots {
            let present = self
                .query
                .atom_id(&Atom::Present {
                    key: key.to_string(),
                    slot,
                })
                .map(|id| self.a.atom(id));
            // A slot with no presence atom is unconstrained: leave it out (absent).
            if present != Some(true) {
                break;
            }
            let value = match shape.view {
                Some(view) => self.typed_value(key, slot, view, shape.scale),
                None => {
                    // Values that make a template reading this key equal a literal the model
                    // wants on the template's variable come first: otherwise the key's value
                    // and that literal are chosen apart and rarely meet.
                    let mut hints = self.template_candidates(key);
                    hints.push(default_value_hint(key, &shape.name));
                    match self.string(
                        &StrVar::Context {
                            key: key.to_string(),
                            slot,
                        },
                        &hints,
                    ) {
                        Step::Done(v) => v,
                        Step::Blocked => return Step::Blocked,
                        Step::Learn(l) => return Step::Learn(l),
                        Step::GiveUp(r) => return Step::GiveUp(r),
                    }
                }
            };
            self.slot_values
                .insert((key.to_string(), slot), value.clone());
            out.push(value);
        }
        if shape.multivalued && out.len() > 1 {
            // Two slots may have been given the same text; a set keeps one copy.
            let mut seen = BTreeSet::new();
            out.retain(|v| seen.insert(v.clone()));
        }
        Step::Done(out)
    }

    fn typed_value(&self, key: &str, slot: usize, view: ValueView, scale: u32) -> String {
        let parses = self
            .query
            .atom_id(&Atom::Parses {
                key: key.to_string(),
                slot,
                view,
            })
            .map(|id| self.a.atom(id));
        if parses == Some(false) {
            return match view {
                ValueView::Number => "not-a-number",
                ValueView::Date => "not-a-date",
                ValueView::Ip => "not-an-ip-address",
            }
            .to_string();
        }
        match view {
            ValueView::Number => {
                let v = self
                    .a
                    .ints
                    .get(&(key.to_string(), slot, view))
                    .copied()
                    .unwrap_or(0);
                let d = crate::model::Decimal { mantissa: v, scale };
                // Print without trailing zeros.
                crate::model::Decimal::parse(&d.to_string())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| d.to_string())
            }
            ValueView::Date => {
                let ms = self
                    .a
                    .ints
                    .get(&(key.to_string(), slot, view))
                    .copied()
                    .unwrap_or(1_577_836_800_000);
                format_date(ms)
            }
            ValueView::Ip => {
                let bits = self
                    .a
                    .ips
                    .get(&(key.to_string(), slot))
                    .copied()
                    .unwrap_or(0xCB00_7107);
                let v6 = self
                    .query
                    .atom_id(&Atom::IsIpv6 {
                        key: key.to_string(),
                        slot,
                    })
                    .map(|id| self.a.atom(id))
                    .unwrap_or(false);
                if v6 {
                    std::net::Ipv6Addr::from(bits).to_string()
                } else {
                    std::net::Ipv4Addr::from(bits as u32).to_string()
                }
            }
        }
    }

    /// The action name: a real catalog action when one fits, else (open universe) any string.
    fn action(&mut self, universe: ActionUniverse) -> Step<String> {
        let (pos, neg, pos_ids, neg_ids) = match self.constraints(&StrVar::Action) {
            Ok(c) => c,
            Err(step) => return step,
        };
        let cat = catalog::catalog();
        let candidates = match pos.first() {
            Some(g) => cat.actions_matching(g),
            None => Vec::new(),
        };
        let fits = |name: &str| {
            pos.iter().all(|g| g.matches(name)) && !neg.iter().any(|g| g.matches(name))
        };
        for info in &candidates {
            let lower = info.lower_name.clone();
            if fits(&lower) {
                return Step::Done(info.full_name.clone());
            }
        }
        if pos.is_empty() {
            // Unconstrained by positive patterns: try well-known actions before inventing one.
            for info in cat.all_actions() {
                if fits(&info.lower_name.clone()) {
                    return Step::Done(info.full_name.clone());
                }
            }
        }
        match universe {
            ActionUniverse::Catalog => {
                // No catalog action has this combination of patterns: rule the combination out.
                let literals = pos_ids
                    .iter()
                    .map(|id| Term::Atom(*id))
                    .chain(neg_ids.iter().map(|id| Term::not(Term::Atom(*id))));
                Step::Learn(vec![Term::not(Term::and(literals.collect::<Vec<_>>()))])
            }
            ActionUniverse::Open => {
                self.witness_or_learn(&pos, &neg, &pos_ids, &neg_ids, "service:example")
            }
        }
    }

    fn principal(&mut self) -> Step<Principal> {
        let kind = if self.query.policy_type == Some(PolicyType::Resource) {
            crate::encode::PRINCIPAL_KINDS
                .iter()
                .copied()
                .find(|k| {
                    self.query
                        .atom_id(&Atom::PrincipalKind(*k))
                        .is_some_and(|id| self.a.atom(id))
                })
                .unwrap_or(PrincipalKindVar::Aws)
        } else {
            PrincipalKindVar::Aws
        };
        let hints: Vec<String> = match kind {
            PrincipalKindVar::Aws => vec![
                self.identity_principal_hint(),
                "arn:aws:iam::444455556666:user/external".to_string(),
                "arn:aws:sts::444455556666:assumed-role/external/session".to_string(),
                "arn:aws:iam::444455556666:root".to_string(),
            ],
            PrincipalKindVar::Service => vec!["example.amazonaws.com".to_string()],
            PrincipalKindVar::Federated => vec![
                "cognito-identity.amazonaws.com".to_string(),
                "arn:aws:iam::444455556666:oidc-provider/example.com".to_string(),
            ],
            PrincipalKindVar::CanonicalUser => {
                vec!["79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".to_string()]
            }
            PrincipalKindVar::Anonymous => return Step::Done(Principal::Anonymous),
        };
        let value = match self.string(&StrVar::Principal, &hints) {
            Step::Done(v) => v,
            Step::Blocked => return Step::Blocked,
            Step::Learn(l) => return Step::Learn(l),
            Step::GiveUp(r) => return Step::GiveUp(r),
        };
        Step::Done(match kind {
            PrincipalKindVar::Service => Principal::Service(value),
            PrincipalKindVar::Federated => Principal::Federated(value),
            PrincipalKindVar::CanonicalUser => Principal::CanonicalUser(value),
            _ => Principal::Aws(value),
        })
    }

    /// An AWS principal consistent with the chosen principal-derived keys.
    fn identity_principal_hint(&self) -> String {
        let single = |k: &str| self.values.get(k).and_then(|v| v.first()).cloned();
        let username_absent = self.query.keys.contains_key("aws:username")
            && self.values.get("aws:username").is_none_or(|v| v.is_empty());
        if let Some(arn) = single("aws:principalarn") {
            // A user ARN derives aws:username: only when the model has one.
            if arn.starts_with("arn:") && iam_user_glob().matches(&arn) && !username_absent {
                return arn;
            }
        }
        let account = single("aws:principalaccount")
            .filter(|a| crate::request::is_account_id(a))
            .unwrap_or_else(|| EXAMPLE_ACCOUNT.to_string());
        let wants_user = self.query.keys.contains_key("aws:username")
            && self
                .values
                .get("aws:username")
                .is_some_and(|v| !v.is_empty());
        let username_known = self.query.keys.contains_key("aws:username");
        if !username_known || wants_user {
            let name = single("aws:username")
                .filter(|n| !n.contains(['/', ':']))
                .unwrap_or_else(|| "example".into());
            format!("arn:aws:iam::{account}:user/{name}")
        } else {
            format!("arn:aws:sts::{account}:assumed-role/example/session")
        }
    }

    fn is_deferred(&self, var: &StrVar) -> bool {
        matches!(var, StrVar::Context { key, .. } if self.deferred.contains(key))
    }

    /// A deferred key whose chosen value breaks one of its atoms, now that every key it
    /// reads has a value.
    fn deferred_key_violated(&mut self) -> Option<String> {
        let deferred = std::mem::take(&mut self.deferred);
        let chosen: Vec<((String, usize), String)> = self
            .slot_values
            .iter()
            .filter(|((key, _), _)| deferred.contains(key))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for ((key, slot), value) in chosen {
            let var = StrVar::Context {
                key: key.clone(),
                slot,
            };
            let fits = match (self.constraints(&var), self.case_insensitive_texts(&var)) {
                (Ok((pos, neg, _, _)), Ok((wanted, unwanted))) => {
                    let lower = value.to_lowercase();
                    pos.iter().all(|g| g.matches(&value))
                        && !neg.iter().any(|g| g.matches(&value))
                        && wanted.iter().all(|w| *w == lower)
                        && !unwanted.contains(&lower)
                }
                _ => false,
            };
            if !fits && std::env::var_os("KEYAKI_TRACE").is_some() {
                eprintln!(
                    "keyaki: {key}[{slot}] = {value:?} breaks its own templates; values {:?}",
                    self.values
                );
            }
            if !fits {
                return Some(key);
            }
        }
        None
    }

    /// Positive and negative fixed globs for a variable (templates resolved with chosen keys).
    #[allow(clippy::type_complexity)]
    fn constraints(
        &self,
        var: &StrVar,
    ) -> Result<(Vec<Glob>, Vec<Glob>, Vec<AtomId>, Vec<AtomId>), Step<String>> {
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        let mut pos_ids = Vec::new();
        let mut neg_ids = Vec::new();
        for (id, atom) in self.query.atoms.iter().enumerate() {
            let Atom::Str { var: v, pattern } = atom else {
                continue;
            };
            if v != var {
                continue;
            }
            let value = self.a.atom(id);
            let glob = match pattern {
                StrPattern::Glob(g) => g.clone(),
                StrPattern::IgnoreCase(_) | StrPattern::Template(_, MatchMode::IgnoreCase) => {
                    continue
                }
                StrPattern::Template(t, mode) => {
                    let mut blocked = false;
                    let resolved = t.resolve(|k| match self.values.get(k) {
                        Some(vals) if vals.len() == 1 => Some(vals[0].clone()),
                        Some(_) => None,
                        None => {
                            if self.query.keys.contains_key(k) {
                                blocked = true;
                            }
                            None
                        }
                    });
                    if blocked {
                        if self.is_deferred(var) {
                            continue;
                        }
                        return Err(Step::Blocked);
                    }
                    match resolved {
                        // Unresolvable: matches nothing.
                        None => {
                            if value {
                                return Err(Step::GiveUp(format!(
                                    "policy variable in `{}` cannot be resolved in this model",
                                    t.display_text()
                                )));
                            }
                            continue;
                        }
                        Some(chars) => match mode {
                            MatchMode::Exact | MatchMode::IgnoreCase => {
                                Glob::literal(&chars_to_string(&chars))
                            }
                            MatchMode::Like => Glob::from_chars(&chars, false),
                            MatchMode::Arn => Glob::from_chars(&chars, true),
                        },
                    }
                }
            };
            // Template atoms enter a learned lemma together with the values of the keys
            // they read (see `witness_or_learn`).
            if value {
                pos.push(glob);
                pos_ids.push(id);
            } else {
                neg.push(glob);
                neg_ids.push(id);
            }
        }
        Ok((pos, neg, pos_ids, neg_ids))
    }

    /// Candidate values for `key`: for each true template atom `prefix ${key} suffix` whose
    /// variable also has a true literal pattern `L`, the middle of `L` between a split that
    /// matches the prefix and suffix texts. Only candidates: every value is still checked.
    fn template_candidates(&self, key: &str) -> Vec<String> {
        use crate::pattern::TemplatePart;
        let mut out = Vec::new();
        for (id, atom) in self.query.atoms.iter().enumerate() {
            let Atom::Str {
                var,
                pattern: StrPattern::Template(t, _),
            } = atom
            else {
                continue;
            };
            if !self.a.atom(id) {
                continue;
            }
            let vars: Vec<&str> = t.variable_keys().collect();
            if vars != [key] {
                continue;
            }
            let Some(at) = t
                .parts
                .iter()
                .position(|p| matches!(p, TemplatePart::Var { .. }))
            else {
                continue;
            };
            let text = |parts: &[TemplatePart]| -> String {
                parts
                    .iter()
                    .map(|p| match p {
                        TemplatePart::Text(t) => t.clone(),
                        TemplatePart::Escaped(c) => c.to_string(),
                        TemplatePart::Var { .. } => String::new(),
                    })
                    .collect()
            };
            let prefix = Glob::wildcard(&text(&t.parts[..at]));
            let suffix = Glob::wildcard(&text(&t.parts[at + 1..]));
            for (lid, latom) in self.query.atoms.iter().enumerate() {
                let Atom::Str {
                    var: lvar,
                    pattern: StrPattern::Glob(g),
                } = latom
                else {
                    continue;
                };
                if lvar != var || !self.a.atom(lid) {
                    continue;
                }
                // A member of the pattern (readable: stars filled with "example").
                let literal = match g.as_literal() {
                    Some(l) => l,
                    None => match automata::witness_with_hint(&[g], &[], "") {
                        Witness::Found(w) => w,
                        _ => continue,
                    },
                };
                let chars: Vec<(usize, char)> = literal.char_indices().collect();
                let bounds: Vec<usize> = chars
                    .iter()
                    .map(|(i, _)| *i)
                    .chain([literal.len()])
                    .collect();
                'split: for &i in &bounds {
                    if !prefix.matches(&literal[..i]) {
                        continue;
                    }
                    for &j in bounds.iter().rev() {
                        if j < i {
                            break;
                        }
                        if suffix.matches(&literal[j..]) {
                            let middle = literal[i..j].to_string();
                            if !middle.is_empty() && !out.contains(&middle) {
                                out.push(middle);
                            }
                            break 'split;
                        }
                    }
                }
                if out.len() >= 8 {
                    return out;
                }
            }
        }
        out
    }

    /// A template's text with the chosen key values; `Err` while a key it reads is not chosen yet.
    fn resolve_text(&self, t: &crate::pattern::Template) -> Result<Option<String>, ()> {
        let mut blocked = false;
        let resolved = t.resolve(|k| match self.values.get(k) {
            Some(vals) if vals.len() == 1 => Some(vals[0].clone()),
            Some(_) => None,
            None => {
                blocked |= self.query.keys.contains_key(k);
                None
            }
        });
        if blocked {
            return Err(());
        }
        Ok(resolved.map(|chars| chars_to_string(&chars)))
    }

    /// The lowercased texts `var` must equal ignoring case (true atoms) and must not (false).
    #[allow(clippy::type_complexity)]
    fn case_insensitive_texts(
        &self,
        var: &StrVar,
    ) -> Result<(Vec<String>, Vec<String>), Step<String>> {
        let mut wanted_ci = Vec::new();
        let mut unwanted_ci = Vec::new();
        for (id, atom) in self.query.atoms.iter().enumerate() {
            let Atom::Str { var: v, pattern } = atom else {
                continue;
            };
            if v != var {
                continue;
            }
            let text = match pattern {
                StrPattern::IgnoreCase(w) => w.clone(),
                StrPattern::Template(t, MatchMode::IgnoreCase) => match self.resolve_text(t) {
                    Ok(Some(text)) => text.to_lowercase(),
                    // Unresolvable: matches nothing, so only a true atom is a problem.
                    Ok(None) if !self.a.atom(id) => continue,
                    Ok(None) => {
                        return Err(Step::GiveUp(format!(
                            "policy variable in `{}` cannot be resolved in this model",
                            t.display_text()
                        )))
                    }
                    Err(()) if self.is_deferred(var) => continue,
                    Err(()) => return Err(Step::Blocked),
                },
                _ => continue,
            };
            if self.a.atom(id) {
                wanted_ci.push(text);
            } else {
                unwanted_ci.push(text);
            }
        }
        Ok((wanted_ci, unwanted_ci))
    }

    /// A string for the variable satisfying its atoms, or a lemma when none exists.
    fn string(&mut self, var: &StrVar, hints: &[String]) -> Step<String> {
        let hint = hints.first().map(String::as_str).unwrap_or("example");
        let (pos, mut neg, pos_ids, mut neg_ids) = match self.constraints(var) {
            Ok(c) => c,
            Err(Step::Blocked) => return Step::Blocked,
            Err(Step::GiveUp(r)) => return Step::GiveUp(r),
            Err(_) => return Step::GiveUp("internal error in constraints".into()),
        };
        // Case-insensitive equalities: try the case variants of the wanted text.
        let (wanted_ci, unwanted_ci) = match self.case_insensitive_texts(var) {
            Ok(texts) => texts,
            Err(step) => return step,
        };
        let ok_ci = |s: &str| {
            let lower = s.to_lowercase();
            wanted_ci.iter().all(|w| *w == lower) && !unwanted_ci.iter().any(|w| *w == lower)
        };
        let fits = |s: &str| pos.iter().all(|g| g.matches(s)) && !neg.iter().any(|g| g.matches(s));
        if let Some(w) = wanted_ci.first() {
            let candidates = [w.clone(), w.to_uppercase(), capitalize(w)];
            return match candidates.iter().find(|c| fits(c) && ok_ci(c)) {
                Some(c) => Step::Done(c.clone()),
                None => Step::GiveUp(format!(
                    "no value found for {var} that equals `{w}` ignoring case and meets the other patterns"
                )),
            };
        }
        // Readable candidates first, in order.
        if let Some(h) = hints.iter().find(|h| fits(h) && ok_ci(h)) {
            return Step::Done(h.clone());
        }
        // Rule out case-variants of unwanted texts by retrying with them excluded.
        for _ in 0..8 {
            match self.witness_or_learn(&pos, &neg, &pos_ids, &neg_ids, hint) {
                Step::Done(s) if ok_ci(&s) => return Step::Done(s),
                Step::Done(s) => {
                    neg.push(Glob::literal(&s));
                    neg_ids.push(usize::MAX);
                }
                other => return other,
            }
        }
        Step::GiveUp(format!(
            "no value found for {var} avoiding the case-insensitive values {unwanted_ci:?}"
        ))
    }

    fn witness_or_learn(
        &mut self,
        pos: &[Glob],
        neg: &[Glob],
        pos_ids: &[AtomId],
        neg_ids: &[AtomId],
        hint: &str,
    ) -> Step<String> {
        let p: Vec<&Glob> = pos.iter().collect();
        let n: Vec<&Glob> = neg.iter().collect();
        match automata::witness_with_hint(&p, &n, hint) {
            Witness::Found(s) => Step::Done(s),
            Witness::TooLarge => Step::GiveUp("wildcard patterns too large to decide".into()),
            Witness::Empty => {
                let (pi, ni) = automata::minimal_conflict(&p, &n)
                    .unwrap_or_else(|| ((0..pos.len()).collect(), (0..neg.len()).collect()));
                let involved = pi
                    .iter()
                    .map(|i| (pos_ids.get(*i).copied(), true))
                    .chain(ni.iter().map(|i| (neg_ids.get(*i).copied(), false)));
                let mut literals = Vec::new();
                let mut read_keys = BTreeSet::new();
                for (id, positive) in involved {
                    let Some(id) = id.filter(|id| *id != usize::MAX) else {
                        return Step::GiveUp(
                            "no value found that avoids the case-insensitive values as well".into(),
                        );
                    };
                    if let Atom::Str {
                        pattern: StrPattern::Template(t, _),
                        ..
                    } = &self.query.atoms[id]
                    {
                        read_keys.extend(t.variable_keys().map(str::to_string));
                    }
                    literals.push(if positive {
                        Term::Atom(id)
                    } else {
                        Term::not(Term::Atom(id))
                    });
                }
                // A template's language depends on the keys it reads: the conflict holds for
                // these values of those keys, so the lemma names them.
                let before = self.query.atoms.len();
                for key in read_keys {
                    match self.values.get(&key).map(Vec::as_slice) {
                        Some([value]) => {
                            literals.push(self.query.str_atom(
                                StrVar::Context {
                                    key: key.clone(),
                                    slot: 0,
                                },
                                StrPattern::Glob(Glob::literal(value)),
                            ));
                            // Only for exactly one value: a second one would leave it unresolved.
                            if self.query.keys.get(&key).is_some_and(|k| k.slots > 1) {
                                literals.push(Term::not(self.query.present(&key, 1)));
                            }
                        }
                        Some([]) | None => literals.push(Term::not(self.query.present(&key, 0))),
                        Some(_) => literals.push(self.query.present(&key, 1)),
                    }
                }
                let mut lemmas = pattern_relation_lemmas(self.query, before);
                lemmas.push(Term::not(Term::and(literals)));
                Step::Learn(lemmas)
            }
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Readable defaults for well-known keys when nothing pins their value.
fn default_value_hint(key: &str, _name: &str) -> String {
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

#[doc(hidden)]
pub fn _derived_keys() -> &'static [&'static str] {
    &PRINCIPAL_DERIVED_KEYS
}
