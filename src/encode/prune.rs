//! Drops the parts of a proposed policy that the baseline provably allows, before encoding.
//!
//! `check` asks for a request that the proposal allows and the baseline does not. A piece of
//! a proposed Allow statement (the statement narrowed to one of its action patterns) cannot
//! produce such a request when
//! - some baseline Allow statement matches every request the piece matches (its action,
//!   resource and principal clauses are supersets, and each of its conditions is one of the
//!   piece's conditions), and
//! - no baseline Deny statement can deny such a request that the proposal would not deny
//!   too: each baseline Deny is also in the proposal, or its actions are disjoint from the
//!   piece's.
//!
//! Then every request the piece allows in the proposal is allowed by the baseline, so the
//! piece is no counterexample's only source, and removing it from the proposal's Allow
//! disjunction keeps the set of counterexamples exactly. Every test here is a sufficient
//! syntactic one (glob inclusion decided by automata, everything else by equality): a piece
//! that cannot be shown covered is kept. Counterexamples are still replayed against the
//! original policies. See `encodings/pruning.md`.

use crate::eval::PolicyType;
use crate::model::{
    ActionClause, ActionPattern, Condition, Effect, Policy, PrincipalClause, ResourceClause,
    ResourcePattern, Statement,
};
use crate::pattern::Glob;

/// Glob relations decided by automata, remembered per thread: a scan checks every file against
/// one baseline, and the same pattern pairs (`s3:GetObject` against `*:Get*`) come back in
/// file after file. A pure function of the pair, so the memo changes no answer.
mod memo {
    use crate::automata;
    use crate::pattern::Glob;
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// Pairs per thread and relation before the memo starts over (a few MB at most).
    const MAX_ENTRIES: usize = 16_384;

    /// Answers by the second glob (the baseline's: few), then the first; lookups borrow.
    #[derive(Default)]
    struct Memo {
        by_outer: HashMap<Glob, HashMap<Glob, bool>>,
        entries: usize,
    }

    thread_local! {
        static SUBSET: RefCell<Memo> = RefCell::new(Memo::default());
        static DISJOINT: RefCell<Memo> = RefCell::new(Memo::default());
    }

    fn remembered(
        memo: &'static std::thread::LocalKey<RefCell<Memo>>,
        a: &Glob,
        b: &Glob,
        decide: fn(&Glob, &Glob) -> bool,
    ) -> bool {
        let known = memo.with(|m| m.borrow().by_outer.get(b).and_then(|i| i.get(a)).copied());
        if let Some(known) = known {
            return known;
        }
        let answer = decide(a, b);
        memo.with(|m| {
            let mut m = m.borrow_mut();
            if m.entries >= MAX_ENTRIES {
                *m = Memo::default();
            }
            m.entries += 1;
            m.by_outer
                .entry(b.clone())
                .or_default()
                .insert(a.clone(), answer);
        });
        answer
    }

    /// `L(a) ⊆ L(b)` (proved).
    pub fn is_subset(a: &Glob, b: &Glob) -> bool {
        // Equal, universal or literal: no automaton, no memo entry.
        if a == b || b.is_universal() {
            return true;
        }
        if let Some(text) = a.as_literal() {
            return b.matches(&text);
        }
        remembered(&SUBSET, a, b, automata::is_subset)
    }

    /// `L(a) ∩ L(b) = ∅` (proved).
    pub fn is_disjoint(a: &Glob, b: &Glob) -> bool {
        remembered(&DISJOINT, a, b, automata::is_disjoint)
    }
}
use memo::{is_disjoint, is_subset};

/// What pruning removed, for measurements and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Allow statements removed whole.
    pub statements: usize,
    /// Action patterns removed from Allow statements that stay.
    pub actions: usize,
}

/// The last pair pruned on this thread and its answer: one check asks twice (the scan's probe,
/// then the encoder), and on large policies (ReadOnlyAccess: thousands of actions) the second
/// time cost as much as the first. Compared by content, so any pair gets its own answer.
mod last {
    use super::Pruned;
    use crate::eval::PolicyType;
    use crate::model::Policy;
    use std::cell::RefCell;

    /// Pairs smaller than this (statements of both) are pruned again rather than cloned.
    const WORTH_REMEMBERING: usize = 8;

    struct Last {
        proposed: Policy,
        baseline: Policy,
        policy_type: PolicyType,
        answer: (Policy, Pruned),
    }

    thread_local! {
        static LAST: RefCell<Option<Last>> = const { RefCell::new(None) };
    }

    fn worth(proposed: &Policy, baseline: &Policy) -> bool {
        let patterns = |p: &Policy| -> usize {
            p.statements
                .iter()
                .map(|s| 1 + s.action.patterns().len())
                .sum()
        };
        patterns(proposed) + patterns(baseline) >= WORTH_REMEMBERING
    }

    pub(super) fn recall(
        proposed: &Policy,
        baseline: &Policy,
        policy_type: PolicyType,
    ) -> Option<(Policy, Pruned)> {
        if !worth(proposed, baseline) {
            return None;
        }
        LAST.with(|last| {
            last.borrow()
                .as_ref()
                .filter(|l| {
                    l.policy_type == policy_type
                        && l.baseline == *baseline
                        && l.proposed == *proposed
                })
                .map(|l| l.answer.clone())
        })
    }

    pub(super) fn remember(
        proposed: &Policy,
        baseline: &Policy,
        policy_type: PolicyType,
        answer: &(Policy, Pruned),
    ) {
        if !worth(proposed, baseline) {
            return;
        }
        LAST.with(|last| {
            *last.borrow_mut() = Some(Last {
                proposed: proposed.clone(),
                baseline: baseline.clone(),
                policy_type,
                answer: answer.clone(),
            })
        });
    }
}

/// `proposed` without the Allow pieces that `baseline` covers (see the module comment).
pub fn without_covered(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
) -> (Policy, Pruned) {
    if let Some(answer) = last::recall(proposed, baseline, policy_type) {
        return answer;
    }
    let answer = prune_covered(proposed, baseline, policy_type);
    last::remember(proposed, baseline, policy_type, &answer);
    answer
}

fn prune_covered(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
) -> (Policy, Pruned) {
    let baseline_allows: Vec<(&Statement, ActionIndex)> = baseline
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .map(|s| (s, ActionIndex::of(&s.action)))
        .collect();
    // Baseline Denies the proposal also has deny the same requests in both: no interference.
    let foreign_denies: Vec<&Statement> = baseline
        .statements
        .iter()
        .filter(|d| d.effect == Effect::Deny)
        .filter(|d| !proposed.statements.iter().any(|p| same_statement(p, d)))
        .collect();
    let foreign_deny_index: Vec<ActionIndex> = foreign_denies
        .iter()
        .map(|d| ActionIndex::of(&d.action))
        .collect();
    let mut pruned = Pruned::default();
    let mut statements = Vec::with_capacity(proposed.statements.len());
    for s in &proposed.statements {
        if s.effect == Effect::Deny {
            statements.push(s.clone());
            continue;
        }
        // The same statement in the baseline (the common case between two versions) covers
        // every piece: equality is cheap, the automata below are not.
        let twin = baseline_allows.iter().find(|(t, _)| same_statement(s, t));
        let covering: Vec<&(&Statement, ActionIndex)> = match twin {
            Some(t) => vec![t],
            None => baseline_allows
                .iter()
                // Actions are compared per piece below: asking here whether `t` covers any
                // piece cost a full scan of the list for each `t` that covers none (two
                // halves of ReadOnlyAccess: 2,600 automata lookups for nothing).
                .filter(|(t, _)| {
                    conditions_implied(s, t)
                        && principal_covered(&s.principal, &t.principal, policy_type)
                        && resource_covered(&s.resource, &t.resource)
                })
                .collect(),
        };
        if covering.is_empty() {
            statements.push(s.clone());
            continue;
        }
        match &s.action {
            ActionClause::Action(patterns) => {
                let kept: Vec<ActionPattern> = patterns
                    .iter()
                    .filter(|a| {
                        // One pattern's piece: no clause to build, the deny indexes answer.
                        let covered = covering.iter().any(|(_, index)| index.lists(&a.glob))
                            || covering.iter().any(|(_, index)| index.covers(&a.glob));
                        !(covered && foreign_deny_index.iter().all(|d| d.avoids(&a.glob)))
                    })
                    .cloned()
                    .collect();
                if kept.is_empty() {
                    pruned.statements += 1;
                } else {
                    pruned.actions += patterns.len() - kept.len();
                    statements.push(Statement {
                        action: ActionClause::Action(kept),
                        ..s.clone()
                    });
                }
            }
            ActionClause::NotAction(_) => {
                if foreign_denies
                    .iter()
                    .all(|d| actions_disjoint(&s.action, &d.action))
                    && covering
                        .iter()
                        .any(|(t, _)| actions_covered(&s.action, &t.action))
                {
                    pruned.statements += 1;
                } else {
                    statements.push(s.clone());
                }
            }
        }
    }
    (
        Policy {
            version: proposed.version,
            id: proposed.id.clone(),
            statements,
        },
        pruned,
    )
}

/// Does the proposal grant anything at all? (No Allow statement: it allows nothing.)
pub fn allows_nothing(policy: &Policy) -> bool {
    !policy.statements.iter().any(|s| s.effect == Effect::Allow)
}

/// Indexes up to this size are scanned whole rather than searched by prefix.
const SMALL_INDEX: usize = 32;

/// Action globs sorted by literal prefix, so that inclusion and overlap questions about one
/// glob look only at the few globs that could answer yes (ReadOnlyAccess lists thousands).
struct GlobIndex {
    /// (literal prefix, glob), sorted.
    entries: Vec<(String, Glob)>,
    /// Some glob is `*`.
    universal: bool,
}

impl GlobIndex {
    fn of<'a>(globs: impl IntoIterator<Item = &'a Glob>) -> GlobIndex {
        let mut entries: Vec<(String, Glob)> = globs
            .into_iter()
            .map(|g| (g.literal_prefix(), g.clone()))
            .collect();
        entries.sort();
        let universal = entries.iter().any(|(_, g)| g.is_universal());
        GlobIndex { entries, universal }
    }

    /// Is `glob` itself indexed (or `*`)? Between two versions of a policy most patterns recur
    /// verbatim: a binary search answers those without the prefix scan or automata.
    fn has(&self, glob: &Glob, prefix: &str) -> bool {
        self.universal
            || self
                .entries
                .binary_search_by(|(q, g)| q.as_str().cmp(prefix).then_with(|| g.cmp(glob)))
                .is_ok()
    }

    /// Globs whose prefix is a prefix of `prefix` (only these can contain a glob with it).
    fn with_prefix_of<'a>(&'a self, prefix: &'a str) -> Box<dyn Iterator<Item = &'a Glob> + 'a> {
        // A small index: one pass is cheaper than a binary search per prefix length.
        if self.entries.len() <= SMALL_INDEX {
            return Box::new(
                self.entries
                    .iter()
                    .filter(move |(q, _)| prefix.starts_with(q.as_str()))
                    .map(|(_, g)| g),
            );
        }
        let ends = prefix.char_indices().map(|(i, _)| i).chain([prefix.len()]);
        Box::new(ends.flat_map(move |end| {
            let p = &prefix[..end];
            let start = self.entries.partition_point(|(q, _)| q.as_str() < p);
            self.entries[start..]
                .iter()
                .take_while(move |(q, _)| q == p)
                .map(|(_, g)| g)
        }))
    }

    /// `L(glob) ⊆ L(g)` for some indexed `g`. `L(a) ⊆ L(b)` needs b's literal prefix to be
    /// a prefix of a's: a wildcard in `a` where `b` still has a literal can produce other
    /// characters.
    fn some_contains(&self, glob: &Glob) -> bool {
        let prefix = glob.literal_prefix();
        if self.has(glob, &prefix) {
            return true;
        }
        // Equal and universal patterns were answered above: the automata are the slow path.
        let found = self.with_prefix_of(&prefix).any(|b| is_subset(glob, b));
        found
    }

    /// `L(glob) ∩ L(g) ≠ ∅` for some indexed `g`: literal prefixes must agree where both are
    /// literal, so only globs whose prefix is a prefix of glob's, or extends it, can overlap.
    fn some_overlaps(&self, glob: &Glob) -> bool {
        // A glob overlaps itself (every glob matches some string) and `*` overlaps all.
        let prefix = glob.literal_prefix();
        if self.has(glob, &prefix) {
            return true;
        }
        if self.with_prefix_of(&prefix).any(|b| !is_disjoint(glob, b)) {
            return true;
        }
        let start = self
            .entries
            .partition_point(|(q, _)| q.as_str() <= prefix.as_str());
        self.entries[start..]
            .iter()
            .take_while(|(q, _)| q.starts_with(&prefix))
            .any(|(_, b)| !is_disjoint(glob, b))
    }
}

/// A statement's action clause, indexed for "does it match every action of this glob".
struct ActionIndex {
    globs: GlobIndex,
    not_action: bool,
}

impl ActionIndex {
    fn of(clause: &ActionClause) -> ActionIndex {
        ActionIndex {
            globs: GlobIndex::of(clause.patterns().iter().map(|p| &p.glob)),
            not_action: matches!(clause, ActionClause::NotAction(_)),
        }
    }

    /// The clause lists `glob` itself (or `*`): [`ActionIndex::covers`] without automata.
    fn lists(&self, glob: &Glob) -> bool {
        !self.not_action && self.globs.has(glob, &glob.literal_prefix())
    }

    /// Every action `glob` matches, the clause matches.
    fn covers(&self, glob: &Glob) -> bool {
        if self.not_action {
            !self.globs.some_overlaps(glob)
        } else {
            self.globs.some_contains(glob)
        }
    }

    /// No action `glob` matches, the clause matches.
    fn avoids(&self, glob: &Glob) -> bool {
        if self.not_action {
            self.globs.some_contains(glob)
        } else {
            !self.globs.some_overlaps(glob)
        }
    }
}

/// `L(a) ∩ L(b) = ∅`, with the cheap case first: literal prefixes that differ where both
/// are literal.
fn disjoint(a: &Glob, b: &Glob) -> bool {
    let (pa, pb) = (a.literal_prefix(), b.literal_prefix());
    if !pa.starts_with(&pb) && !pb.starts_with(&pa) {
        return true;
    }
    is_disjoint(a, b)
}

/// Every action `inner` matches, `outer` matches.
fn actions_covered(inner: &ActionClause, outer: &ActionClause) -> bool {
    match (inner, outer) {
        (ActionClause::Action(a), ActionClause::Action(b)) => a.iter().all(|a| {
            b.iter()
                .any(|b| b.glob.is_universal() || is_subset(&a.glob, &b.glob))
        }),
        // `outer` matches everything outside its list: `inner` must avoid the list.
        (ActionClause::Action(a), ActionClause::NotAction(n)) => a
            .iter()
            .all(|a| n.iter().all(|n| disjoint(&a.glob, &n.glob))),
        (ActionClause::NotAction(_), ActionClause::Action(b)) => {
            b.iter().any(|b| b.glob.is_universal())
        }
        // Outside N_in ⊆ outside N_out when N_out ⊆ N_in.
        (ActionClause::NotAction(n_in), ActionClause::NotAction(n_out)) => n_out
            .iter()
            .all(|o| n_in.iter().any(|i| is_subset(&o.glob, &i.glob))),
    }
}

/// No action matches both clauses.
fn actions_disjoint(a: &ActionClause, b: &ActionClause) -> bool {
    match (a, b) {
        (ActionClause::Action(a), ActionClause::Action(b)) => a
            .iter()
            .all(|a| b.iter().all(|b| disjoint(&a.glob, &b.glob))),
        // Every action of the list is excluded by the NotAction list.
        (ActionClause::Action(list), ActionClause::NotAction(n))
        | (ActionClause::NotAction(n), ActionClause::Action(list)) => list
            .iter()
            .all(|a| n.iter().any(|n| is_subset(&a.glob, &n.glob))),
        // Both match every action outside two finite-looking lists: never disjoint in the
        // open universe of action names.
        (ActionClause::NotAction(_), ActionClause::NotAction(_)) => false,
    }
}

/// Every request (with or without a resource) `inner` matches, `outer` matches.
fn resource_covered(inner: &ResourceClause, outer: &ResourceClause) -> bool {
    let universal = |patterns: &[ResourcePattern]| {
        patterns
            .iter()
            .any(|p| plain_glob(p).is_some_and(|g| g.is_universal()))
    };
    match (inner, outer) {
        (_, ResourceClause::Absent) => true,
        // A universal pattern matches requests with and without a resource.
        (_, ResourceClause::Resource(out)) if universal(out) => true,
        (ResourceClause::Absent, _) => false,
        (ResourceClause::Resource(inn), ResourceClause::Resource(out)) => inn.iter().all(|i| {
            out.iter().any(|o| o.template == i.template) || out.iter().any(|o| pattern_subset(i, o))
        }),
        // Requests without a resource match every NotResource; with one, `inner` must avoid
        // the list.
        (ResourceClause::Resource(inn), ResourceClause::NotResource(out)) => inn.iter().all(|i| {
            out.iter().all(|o| match (plain_glob(i), plain_glob(o)) {
                (Some(i), Some(o)) => disjoint(&i, &o),
                _ => false,
            })
        }),
        (ResourceClause::NotResource(_), ResourceClause::Resource(_)) => false,
        (ResourceClause::NotResource(n_in), ResourceClause::NotResource(n_out)) => {
            n_out.iter().all(|o| {
                n_in.iter().any(|i| i.template == o.template)
                    || n_in.iter().any(|i| pattern_subset(o, i))
            })
        }
    }
}

/// `L(inner) ⊆ L(outer)` as resource patterns: by automata when both are plain, else only
/// when they are the same template (which resolves the same way on every request).
fn pattern_subset(inner: &ResourcePattern, outer: &ResourcePattern) -> bool {
    if inner.template == outer.template {
        return true;
    }
    match (plain_glob(inner), plain_glob(outer)) {
        (Some(i), Some(o)) => o.is_universal() || is_subset(&i, &o),
        _ => false,
    }
}

/// The ARN glob of a pattern without policy variables (as the encoder reads it).
fn plain_glob(p: &ResourcePattern) -> Option<Glob> {
    p.template
        .as_plain()
        .map(|chars| Glob::from_chars(&chars, true))
}

fn principal_covered(
    inner: &PrincipalClause,
    outer: &PrincipalClause,
    policy_type: PolicyType,
) -> bool {
    if policy_type == PolicyType::Identity {
        // Identity policies ignore the Principal element (as the encoder does).
        return true;
    }
    match (inner, outer) {
        (_, PrincipalClause::Absent) => true,
        (_, PrincipalClause::Principal(out)) if out.everyone => true,
        (PrincipalClause::Principal(inn), PrincipalClause::Principal(out)) => {
            !inn.everyone && inn.entries.iter().all(|e| out.entries.contains(e))
        }
        (PrincipalClause::NotPrincipal(inn), PrincipalClause::NotPrincipal(out)) => {
            out.entries.iter().all(|e| inn.entries.contains(e)) && (inn.everyone || !out.everyone)
        }
        _ => false,
    }
}

/// Each of `outer`'s conditions is one of `inner`'s: whenever `inner`'s conditions all
/// hold, so do `outer`'s.
fn conditions_implied(inner: &Statement, outer: &Statement) -> bool {
    outer
        .conditions
        .iter()
        .all(|o| inner.conditions.iter().any(|i| same_condition(i, o)))
}

fn same_condition(a: &Condition, b: &Condition) -> bool {
    a.key_lower == b.key_lower
        && a.operator.kind == b.operator.kind
        && a.operator.negated == b.operator.negated
        && a.operator.if_exists == b.operator.if_exists
        && a.operator.set == b.operator.set
        && a.values == b.values
}

/// The same statement up to Sid, position and spelling (action case, condition key case).
fn same_statement(a: &Statement, b: &Statement) -> bool {
    let same_actions = |x: &[ActionPattern], y: &[ActionPattern]| {
        x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.glob == y.glob)
    };
    a.effect == b.effect
        && a.principal == b.principal
        && match (&a.action, &b.action) {
            (ActionClause::Action(x), ActionClause::Action(y))
            | (ActionClause::NotAction(x), ActionClause::NotAction(y)) => same_actions(x, y),
            _ => false,
        }
        && a.resource == b.resource
        && a.conditions.len() == b.conditions.len()
        && a.conditions
            .iter()
            .zip(&b.conditions)
            .all(|(x, y)| same_condition(x, y))
}

/// The most pattern pairs [`relevant_to_allows`] compares before it keeps everything.
const MAX_SLICE_PAIRS: usize = 20_000_000;

/// Every policy narrowed to what can matter for a request `proposed` allows: a counterexample
/// matches one of `proposed`'s Allow statements, so its action is in their union `R`. An
/// action pattern (of any statement, either policy) disjoint from `R` never matches such a
/// request; dropping it from an `Action` list, and dropping a statement left with none,
/// changes no decision on any request that matters. Such a pattern also goes from a
/// `NotAction` list (an emptied list matches every action, as the encoder reads it).
/// Nothing is dropped when `R` has a `NotAction` or a `*`.
pub fn relevant_to_allows(proposed: &Policy, others: &[&Policy]) -> Option<Vec<Policy>> {
    let mut reach: Vec<&Glob> = Vec::new();
    for s in proposed
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
    {
        match &s.action {
            ActionClause::NotAction(_) => return None,
            ActionClause::Action(list) => {
                for p in list {
                    if p.glob.is_universal() {
                        return None;
                    }
                    reach.push(&p.glob);
                }
            }
        }
    }
    let patterns: usize = std::iter::once(proposed)
        .chain(others.iter().copied())
        .flat_map(|p| &p.statements)
        .map(|s| s.action.patterns().len())
        .sum();
    if patterns.saturating_mul(reach.len()) > MAX_SLICE_PAIRS {
        return None;
    }
    let reach_index = GlobIndex::of(reach.iter().copied());
    let narrow = |policy: &Policy| Policy {
        version: policy.version,
        id: policy.id.clone(),
        statements: policy
            .statements
            .iter()
            .filter_map(|s| match &s.action {
                // `NotAction` matches what its list misses: a pattern disjoint from `R`
                // misses every action that matters, so it can go (an empty list then matches
                // every action, as the encoder reads it).
                ActionClause::NotAction(list) => Some(Statement {
                    action: ActionClause::NotAction(
                        list.iter()
                            .filter(|a| reach_index.some_overlaps(&a.glob))
                            .cloned()
                            .collect(),
                    ),
                    ..s.clone()
                }),
                ActionClause::Action(list) => {
                    let kept: Vec<ActionPattern> = list
                        .iter()
                        .filter(|a| reach_index.some_overlaps(&a.glob))
                        .cloned()
                        .collect();
                    (!kept.is_empty()).then(|| Statement {
                        action: ActionClause::Action(kept),
                        ..s.clone()
                    })
                }
            })
            .collect(),
    };
    Some(
        std::iter::once(proposed)
            .chain(others.iter().copied())
            .map(narrow)
            .collect(),
    )
}
