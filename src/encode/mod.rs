//! Encoding: a policy's decision as a formula over a symbolic request.
//!
//! The formula is our own [`Term`] type (`Send + Sync + Ord`), built only through
//! constant-folding constructors, and lowered to z3 by `solve`. Strings are never
//! handed to z3's string theory: each distinct pattern on a string variable is a
//! boolean atom ([`Atom::Str`]); inclusion and disjointness between patterns are
//! decided outside the solver with glob automata and added as lemmas, and any
//! remaining inconsistency is caught by the refinement loop in `explain`
//! (see `encodings/string-atoms.md`). Numbers and dates are integers, IPs 128-bit
//! bit-vectors.

use crate::catalog;
use crate::eval::PolicyType;
use crate::model::{
    ActionClause, Comparison, Condition, ConditionValue, Effect, OperatorKind, Policy,
    PrincipalClause, PrincipalEntry, PrincipalSet, ResourceClause, SetQualifier, Statement,
    StringMatch,
};
use crate::pattern::{Glob, Template};

pub mod prune;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Why a formula could not be built: the answer becomes `unknown` with this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("condition key `{key}` is compared with both {first} and {second} operators; Keyaki cannot relate the two readings of one value")]
    MixedKeyTypes {
        key: String,
        first: &'static str,
        second: &'static str,
    },
    #[error("condition key `{key}` needs {needed} value slots (more than the limit of {limit})")]
    TooManySlots {
        key: String,
        needed: usize,
        limit: usize,
    },
    #[error("numeric literal {value} on `{key}` is out of range")]
    NumberOutOfRange { key: String, value: String },
}

/// Dates the symbolic request ranges over: years 0001 to 9999 (printable as ISO 8601).
pub const MIN_DATE_MS: i64 = -62_135_596_800_000;
pub const MAX_DATE_MS: i64 = 253_402_300_799_999;

/// The most values one multi-valued key is given in the symbolic request.
pub const MAX_SLOTS: usize = 24;

/// A string-valued variable of the symbolic request.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrVar {
    /// Lowercased action name (actions are case-insensitive).
    Action,
    Resource,
    /// The principal's identifier (ARN, service name, provider, canonical id).
    Principal,
    /// Value number `slot` of a context key (lowercased name).
    Context {
        key: String,
        slot: usize,
    },
}

impl fmt::Display for StrVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StrVar::Action => f.write_str("action"),
            StrVar::Resource => f.write_str("resource"),
            StrVar::Principal => f.write_str("principal"),
            StrVar::Context { key, slot } => write!(f, "{key}[{slot}]"),
        }
    }
}

/// How a template (a value with policy variables) is matched once resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchMode {
    /// StringEquals / BinaryEquals: the resolved text, `*` literal.
    Exact,
    /// StringLike: `*` and `?` wildcards.
    Like,
    /// ArnLike / ArnEquals / Resource: per-segment wildcards.
    Arn,
    /// StringEqualsIgnoreCase: the resolved text, compared case-insensitively.
    IgnoreCase,
}

/// What a string atom says about its variable.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrPattern {
    /// The variable is in the glob's language.
    Glob(Glob),
    /// The variable, lowercased, equals this lowercased text (StringEqualsIgnoreCase, Bool).
    IgnoreCase(String),
    /// The variable matches the template once its policy variables are substituted.
    Template(Template, MatchMode),
}

/// Which principal kind the request's principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalKindVar {
    Aws,
    Service,
    Federated,
    CanonicalUser,
    Anonymous,
}

pub const PRINCIPAL_KINDS: [PrincipalKindVar; 5] = [
    PrincipalKindVar::Aws,
    PrincipalKindVar::Service,
    PrincipalKindVar::Federated,
    PrincipalKindVar::CanonicalUser,
    PrincipalKindVar::Anonymous,
];

/// The typed reading of a context value slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueView {
    Number,
    Date,
    Ip,
}

/// A boolean atom of the formula.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Atom {
    /// The principal is of this kind (exactly one holds).
    PrincipalKind(PrincipalKindVar),
    /// Context key value slot `slot` exists (slot 0 exists iff the key is present and non-empty).
    Present {
        key: String,
        slot: usize,
    },
    /// The slot's text parses in this view (a number, a date, an IP address).
    Parses {
        key: String,
        slot: usize,
        view: ValueView,
    },
    /// For the IP view: the address is IPv6.
    IsIpv6 {
        key: String,
        slot: usize,
    },
    Str {
        var: StrVar,
        pattern: StrPattern,
    },
    /// The slot's number (scaled to an integer, see [`Query::scales`]) or date (ms) compared with a constant.
    Cmp {
        key: String,
        slot: usize,
        view: ValueView,
        cmp: Comparison,
        value: i128,
    },
    /// The slot's IP address lies in the network.
    IpIn {
        key: String,
        slot: usize,
        net: ipnet::IpNet,
    },
    /// The variable's text starts with this prefix (auxiliary: relates diverging patterns).
    Prefix {
        var: StrVar,
        prefix: String,
    },
    /// The request has a resource.
    HasResource,
    /// An auxiliary boolean defined only by lemmas (the at-most-one ladder over services).
    Aux {
        family: &'static str,
        index: usize,
    },
}

/// Index into [`Query::atoms`].
pub type AtomId = usize;

/// A boolean formula over atoms.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    Const(bool),
    Atom(AtomId),
    Not(Box<Term>),
    And(Vec<Term>),
    Or(Vec<Term>),
}

impl Term {
    pub fn tt() -> Term {
        Term::Const(true)
    }
    pub fn ff() -> Term {
        Term::Const(false)
    }

    pub fn not(t: Term) -> Term {
        match t {
            Term::Const(b) => Term::Const(!b),
            Term::Not(inner) => *inner,
            other => Term::Not(Box::new(other)),
        }
    }

    pub fn and(items: impl IntoIterator<Item = Term>) -> Term {
        let mut out = Vec::new();
        for t in items {
            match t {
                Term::Const(true) => {}
                Term::Const(false) => return Term::ff(),
                Term::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        // Input order is deterministic already; sorting deep terms costs more than it saves.
        out.dedup();
        match out.len() {
            0 => Term::tt(),
            1 => out.pop().unwrap_or(Term::tt()),
            _ => Term::And(out),
        }
    }

    pub fn or(items: impl IntoIterator<Item = Term>) -> Term {
        let mut out = Vec::new();
        for t in items {
            match t {
                Term::Const(false) => {}
                Term::Const(true) => return Term::tt(),
                Term::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        // Input order is deterministic already; sorting deep terms costs more than it saves.
        out.dedup();
        match out.len() {
            0 => Term::ff(),
            1 => out.pop().unwrap_or(Term::ff()),
            _ => Term::Or(out),
        }
    }

    pub fn implies(a: Term, b: Term) -> Term {
        Term::or([Term::not(a), b])
    }

    /// Evaluates under an assignment of atoms (used to check models and in tests).
    pub fn eval(&self, atom_value: &dyn Fn(AtomId) -> bool) -> bool {
        match self {
            Term::Const(b) => *b,
            Term::Atom(a) => atom_value(*a),
            Term::Not(t) => !t.eval(atom_value),
            Term::And(ts) => ts.iter().all(|t| t.eval(atom_value)),
            Term::Or(ts) => ts.iter().any(|t| t.eval(atom_value)),
        }
    }

    pub fn atoms(&self, out: &mut BTreeSet<AtomId>) {
        match self {
            Term::Const(_) => {}
            Term::Atom(a) => {
                out.insert(*a);
            }
            Term::Not(t) => t.atoms(out),
            Term::And(ts) | Term::Or(ts) => ts.iter().for_each(|t| t.atoms(out)),
        }
    }
}

/// The per-key facts the encoder needs: how many value slots, which typed view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyShape {
    pub name: String,
    pub slots: usize,
    pub multivalued: bool,
    pub view: Option<ValueView>,
    /// Number view: values are scaled by `10^scale` to integers.
    pub scale: u32,
}

/// Keys whose values the evaluator derives from the principal when the request does not give them.
pub const PRINCIPAL_DERIVED_KEYS: [&str; 5] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:principalservicename",
];

/// Everything the solver and the concretizer need: atoms, key shapes, and the assertions.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub atoms: Vec<Atom>,
    atom_ids: std::collections::HashMap<Atom, AtomId>,
    pub keys: BTreeMap<String, KeyShape>,
    /// Conjunction of these must be satisfiable for the property to fail.
    pub assertions: Vec<Term>,
    /// Lemmas: facts true of every concrete request (pattern inclusions, domain constraints).
    pub lemmas: Vec<Term>,
    pub policy_type: Option<PolicyType>,
    /// Does any statement of the policies constrain the resource?
    pub uses_resource: bool,
}

impl Query {
    pub fn atom(&mut self, atom: Atom) -> Term {
        if let Some(id) = self.atom_ids.get(&atom) {
            return Term::Atom(*id);
        }
        let id = self.atoms.len();
        self.atoms.push(atom.clone());
        self.atom_ids.insert(atom, id);
        Term::Atom(id)
    }

    pub fn atom_id(&self, atom: &Atom) -> Option<AtomId> {
        self.atom_ids.get(atom).copied()
    }

    pub fn str_atom(&mut self, var: StrVar, pattern: StrPattern) -> Term {
        // Trivial patterns fold away: `*` matches every string.
        if let StrPattern::Glob(g) = &pattern {
            if g.is_universal() {
                return Term::tt();
            }
        }
        self.atom(Atom::Str { var, pattern })
    }

    pub fn present(&mut self, key: &str, slot: usize) -> Term {
        self.atom(Atom::Present {
            key: key.to_string(),
            slot,
        })
    }

    /// The key has exactly one value (what a policy variable reads): slot 0 present and,
    /// when the key has more slots, slot 1 absent.
    pub fn single_valued(&mut self, key: &str) -> Term {
        let first = self.present(key, 0);
        if self.keys.get(key).is_some_and(|k| k.slots > 1) {
            let second = self.present(key, 1);
            Term::and([first, Term::not(second)])
        } else {
            first
        }
    }

    pub fn kind(&mut self, kind: PrincipalKindVar) -> Term {
        self.atom(Atom::PrincipalKind(kind))
    }
}

/// Builds the formula "the policy allows the symbolic request".
pub struct Encoder<'q> {
    pub query: &'q mut Query,
    policy_type: PolicyType,
}

impl<'q> Encoder<'q> {
    /// Prepares key shapes for all the given policies (must see every policy of the query first).
    pub fn new(
        query: &'q mut Query,
        policies: &[&Policy],
        policy_type: PolicyType,
    ) -> Result<Encoder<'q>, EncodeError> {
        query.policy_type = Some(policy_type);
        plan_keys(query, policies, policy_type)?;
        query.uses_resource |= policies
            .iter()
            .flat_map(|p| &p.statements)
            .any(|s| !matches!(s.resource, ResourceClause::Absent));
        Ok(Encoder { query, policy_type })
    }

    /// allow = (some Allow statement applies) ∧ ¬(some Deny statement applies).
    pub fn allows(&mut self, policy: &Policy) -> Result<Term, EncodeError> {
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for statement in &policy.statements {
            let applies = self.statement_applies(statement)?;
            match statement.effect {
                Effect::Allow => allow.push(applies),
                Effect::Deny => deny.push(applies),
            }
        }
        Ok(Term::and([Term::or(allow), Term::not(Term::or(deny))]))
    }

    /// Applies-terms of every statement, by index (for explanations).
    pub fn statement_applies(&mut self, statement: &Statement) -> Result<Term, EncodeError> {
        let principal = match self.policy_type {
            PolicyType::Identity => Term::tt(),
            PolicyType::Resource => self.principal_clause(&statement.principal),
        };
        let action = self.action_clause(&statement.action);
        let resource = self.resource_clause(&statement.resource);
        let mut parts = vec![principal, action, resource];
        for condition in &statement.conditions {
            parts.push(self.condition(condition)?);
        }
        Ok(Term::and(parts))
    }

    fn action_clause(&mut self, clause: &ActionClause) -> Term {
        let any = |enc: &mut Self, patterns: &[crate::model::ActionPattern]| {
            Term::or(
                patterns
                    .iter()
                    .map(|p| {
                        enc.query
                            .str_atom(StrVar::Action, StrPattern::Glob(p.glob.clone()))
                    })
                    .collect::<Vec<_>>(),
            )
        };
        match clause {
            ActionClause::Action(p) => any(self, p),
            ActionClause::NotAction(p) => Term::not(any(self, p)),
        }
    }

    /// A request may have no resource (mirrors the evaluator): then only a pattern that is
    /// exactly `*` matches, and every NotResource applies.
    fn resource_clause(&mut self, clause: &ResourceClause) -> Term {
        let any = |enc: &mut Self, patterns: &[crate::model::ResourcePattern]| {
            let has_resource = enc.query.atom(Atom::HasResource);
            Term::or(
                patterns
                    .iter()
                    .map(|p| {
                        let matched =
                            enc.template_atom(StrVar::Resource, &p.template, MatchMode::Arn);
                        // `*` folds to true: it matches with or without a resource.
                        if matched == Term::tt() {
                            matched
                        } else {
                            let without = enc.resolves_universal(&p.template);
                            Term::or([
                                Term::and([has_resource.clone(), matched]),
                                Term::and([Term::not(has_resource.clone()), without]),
                            ])
                        }
                    })
                    .collect::<Vec<_>>(),
            )
        };
        match clause {
            ResourceClause::Absent => Term::tt(),
            ResourceClause::Resource(p) => any(self, p),
            // Every NotResource applies to a request without a resource, even `NotResource: *`.
            ResourceClause::NotResource(p) => {
                let has_resource = self.query.atom(Atom::HasResource);
                let matched = Term::or(
                    p.iter()
                        .map(|p| self.template_atom(StrVar::Resource, &p.template, MatchMode::Arn))
                        .collect::<Vec<_>>(),
                );
                Term::or([Term::not(has_resource), Term::not(matched)])
            }
        }
    }

    /// A request without a resource matches a pattern only when the pattern resolves to one
    /// that matches every string (as the evaluator decides). A template can: `*${k, ''}` with
    /// `k` absent, or `*${aws:username}*` with an empty user name. That needs text of only
    /// `*` (at least one) and every variable resolving to the empty string: its key's one
    /// value is empty, or its key has no single value and its default is empty.
    fn resolves_universal(&mut self, template: &Template) -> Term {
        use crate::pattern::TemplatePart;
        let mut stars = 0;
        let mut empty_vars = Vec::new();
        for part in &template.parts {
            match part {
                TemplatePart::Text(t) if t.chars().all(|c| c == '*') => stars += t.len(),
                TemplatePart::Var {
                    key_lower, default, ..
                } => empty_vars.push((key_lower.clone(), default.clone())),
                // Other text or an escaped character: never every string.
                _ => return Term::ff(),
            }
        }
        if stars == 0 {
            return Term::ff();
        }
        let mut all = Vec::new();
        for (key, default) in empty_vars {
            let single = self.query.single_valued(&key);
            let empty_value = self.query.str_atom(
                StrVar::Context {
                    key: key.clone(),
                    slot: 0,
                },
                StrPattern::Glob(Glob::literal("")),
            );
            let empty_default = if default.as_deref() == Some("") {
                Term::tt()
            } else {
                Term::ff()
            };
            all.push(Term::or([
                Term::and([single.clone(), empty_value]),
                Term::and([Term::not(single), empty_default]),
            ]));
        }
        Term::and(all)
    }

    fn principal_clause(&mut self, clause: &PrincipalClause) -> Term {
        match clause {
            PrincipalClause::Absent => Term::tt(),
            PrincipalClause::Principal(set) => self.principal_set(set),
            PrincipalClause::NotPrincipal(set) => Term::not(self.principal_set(set)),
        }
    }

    fn principal_set(&mut self, set: &PrincipalSet) -> Term {
        if set.everyone {
            return Term::tt();
        }
        let mut any = Vec::new();
        for entry in &set.entries {
            any.push(self.principal_entry(entry));
        }
        Term::or(any)
    }

    /// Mirrors `eval::principal_matches` entry by entry.
    fn principal_entry(&mut self, entry: &PrincipalEntry) -> Term {
        let q = &mut *self.query;
        let aws = q.kind(PrincipalKindVar::Aws);
        let principal = |q: &mut Query, g: Glob| q.str_atom(StrVar::Principal, StrPattern::Glob(g));
        match entry {
            PrincipalEntry::Account { account, .. } => {
                let in_account = principal(q, account_glob(account));
                let bare = principal(q, Glob::literal(account));
                Term::and([aws, Term::or([in_account, bare])])
            }
            PrincipalEntry::Role { arn, account, name } => {
                let role = principal(q, Glob::literal(arn));
                let sessions = principal(q, role_session_glob(arn, account, name));
                Term::and([aws, Term::or([role, sessions])])
            }
            PrincipalEntry::AwsArn { arn } => {
                let exact = principal(q, Glob::literal(arn));
                Term::and([aws, exact])
            }
            PrincipalEntry::Service(s) => {
                let kind = q.kind(PrincipalKindVar::Service);
                Term::and([kind, principal(q, Glob::literal(s))])
            }
            PrincipalEntry::Federated(s) => {
                let kind = q.kind(PrincipalKindVar::Federated);
                Term::and([kind, principal(q, Glob::literal(s))])
            }
            PrincipalEntry::CanonicalUser(s) => {
                let kind = q.kind(PrincipalKindVar::CanonicalUser);
                Term::and([kind, principal(q, Glob::literal(s))])
            }
        }
    }

    /// An atom for "var matches this template"; a template without variables is a plain glob.
    fn template_atom(&mut self, var: StrVar, template: &Template, mode: MatchMode) -> Term {
        match template.as_plain() {
            Some(chars) => {
                let glob = match mode {
                    MatchMode::Exact => Glob::literal(&crate::pattern::chars_to_string(&chars)),
                    MatchMode::Like => Glob::from_chars(&chars, false),
                    MatchMode::Arn => Glob::from_chars(&chars, true),
                    MatchMode::IgnoreCase => {
                        let lower = crate::pattern::chars_to_string(&chars).to_lowercase();
                        return self.query.str_atom(var, StrPattern::IgnoreCase(lower));
                    }
                };
                self.query.str_atom(var, StrPattern::Glob(glob))
            }
            None => self
                .query
                .str_atom(var, StrPattern::Template(template.clone(), mode)),
        }
    }

    fn condition(&mut self, condition: &Condition) -> Result<Term, EncodeError> {
        let key = condition.key_lower.clone();
        let op = &condition.operator;
        if op.kind == OperatorKind::Null {
            let present = self.query.present(&key, 0);
            let alternatives = condition.values.iter().map(|v| match v {
                ConditionValue::Null(true) => Term::not(present.clone()),
                _ => present.clone(),
            });
            return Ok(Term::or(alternatives.collect::<Vec<_>>()));
        }
        let slots = self.query.keys.get(&key).map(|k| k.slots).unwrap_or(1);
        let mut per_slot = Vec::with_capacity(slots);
        for slot in 0..slots {
            let present = self.query.present(&key, slot);
            let matched = self.slot_matches(condition, slot)?;
            per_slot.push((present, matched));
        }
        let absent = Term::not(self.query.present(&key, 0));
        let if_exists = if op.if_exists {
            absent.clone()
        } else {
            Term::ff()
        };
        let term = match (op.set, op.negated) {
            // Negated operators are the negation of the positive match over all values.
            (SetQualifier::Single, false) => Term::or([
                Term::or(
                    per_slot
                        .iter()
                        .map(|(p, m)| Term::and([p.clone(), m.clone()]))
                        .collect::<Vec<_>>(),
                ),
                if_exists,
            ]),
            (SetQualifier::Single, true) => Term::not(Term::or(
                per_slot
                    .iter()
                    .map(|(p, m)| Term::and([p.clone(), m.clone()]))
                    .collect::<Vec<_>>(),
            )),
            (SetQualifier::ForAnyValue, negated) => Term::or([
                Term::or(
                    per_slot
                        .iter()
                        .map(|(p, m)| {
                            Term::and([
                                p.clone(),
                                if negated {
                                    Term::not(m.clone())
                                } else {
                                    m.clone()
                                },
                            ])
                        })
                        .collect::<Vec<_>>(),
                ),
                if_exists,
            ]),
            (SetQualifier::ForAllValues, negated) => Term::and(
                per_slot
                    .iter()
                    .map(|(p, m)| {
                        Term::implies(
                            p.clone(),
                            if negated {
                                Term::not(m.clone())
                            } else {
                                m.clone()
                            },
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
        };
        Ok(term)
    }

    /// "Value slot `slot` of the key matches some policy value" (positive form of the operator).
    fn slot_matches(&mut self, condition: &Condition, slot: usize) -> Result<Term, EncodeError> {
        let key = condition.key_lower.clone();
        let var = StrVar::Context {
            key: key.clone(),
            slot,
        };
        let mut any = Vec::new();
        for value in &condition.values {
            let t = match (condition.operator.kind, value) {
                (OperatorKind::String(StringMatch::Equals), ConditionValue::Text(t))
                | (OperatorKind::Binary, ConditionValue::Text(t)) => {
                    self.template_atom(var.clone(), t, MatchMode::Exact)
                }
                (OperatorKind::String(StringMatch::Like), ConditionValue::Text(t)) => {
                    self.template_atom(var.clone(), t, MatchMode::Like)
                }
                (OperatorKind::Arn, ConditionValue::Text(t)) => {
                    self.template_atom(var.clone(), t, MatchMode::Arn)
                }
                (OperatorKind::String(StringMatch::EqualsIgnoreCase), ConditionValue::Text(t)) => {
                    self.template_atom(var.clone(), t, MatchMode::IgnoreCase)
                }
                (OperatorKind::Bool, ConditionValue::Bool(b)) => self
                    .query
                    .str_atom(var.clone(), StrPattern::IgnoreCase(b.to_string())),
                (OperatorKind::Numeric(cmp), ConditionValue::Number(n)) => {
                    let scale = self.query.keys.get(&key).map(|k| k.scale).unwrap_or(0);
                    let value =
                        n.scaled_to(scale)
                            .ok_or_else(|| EncodeError::NumberOutOfRange {
                                key: condition.key.clone(),
                                value: n.to_string(),
                            })?;
                    self.typed_cmp(&key, slot, ValueView::Number, cmp, value)
                }
                (OperatorKind::Date(cmp), ConditionValue::Date(ms)) => {
                    if !(MIN_DATE_MS..=MAX_DATE_MS).contains(ms) {
                        return Err(EncodeError::NumberOutOfRange {
                            key: condition.key.clone(),
                            value: ms.to_string(),
                        });
                    }
                    self.typed_cmp(&key, slot, ValueView::Date, cmp, i128::from(*ms))
                }
                (OperatorKind::Ip, ConditionValue::Cidr(net)) => {
                    let parses = self.query.atom(Atom::Parses {
                        key: key.clone(),
                        slot,
                        view: ValueView::Ip,
                    });
                    // The address family is read back by the concretizer: make it an atom of the query.
                    self.query.atom(Atom::IsIpv6 {
                        key: key.clone(),
                        slot,
                    });
                    let inside = self.query.atom(Atom::IpIn {
                        key: key.clone(),
                        slot,
                        net: net.trunc(),
                    });
                    Term::and([parses, inside])
                }
                // The parser only builds values of the operator's family.
                _ => Term::ff(),
            };
            any.push(t);
        }
        Ok(Term::or(any))
    }

    fn typed_cmp(
        &mut self,
        key: &str,
        slot: usize,
        view: ValueView,
        cmp: Comparison,
        value: i128,
    ) -> Term {
        let parses = self.query.atom(Atom::Parses {
            key: key.to_string(),
            slot,
            view,
        });
        let c = self.query.atom(Atom::Cmp {
            key: key.to_string(),
            slot,
            view,
            cmp,
            value,
        });
        Term::and([parses, c])
    }
}

/// `arn:*:*:*:ACCOUNT:*` with per-segment stars: every ARN in the account (mirrors eval's account test).
pub fn account_glob(account: &str) -> Glob {
    Glob::arn(&format!("arn:*:*:*:{}:*", escape_glob(account)))
}

/// The assumed-role sessions of a role: `arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/*`.
pub fn role_session_glob(role_arn: &str, account: &str, name: &str) -> Glob {
    let partition = role_arn.split(':').nth(1).unwrap_or("aws");
    let mut tokens: Vec<crate::pattern::Token> =
        format!("arn:{partition}:sts::{account}:assumed-role/{name}/")
            .chars()
            .map(crate::pattern::Token::Lit)
            .collect();
    tokens.push(crate::pattern::Token::AnyStr);
    Glob::from_tokens(tokens)
}

/// Account ids never contain wildcards; guard anyway so a strange value stays literal.
fn escape_glob(text: &str) -> String {
    text.chars().filter(|c| *c != '*' && *c != '?').collect()
}

/// Which operator family reads a key's values, for the typed view.
fn view_of(kind: OperatorKind) -> Option<(ValueView, &'static str)> {
    match kind {
        OperatorKind::Numeric(_) => Some((ValueView::Number, "Numeric")),
        OperatorKind::Date(_) => Some((ValueView::Date, "Date")),
        OperatorKind::Ip => Some((ValueView::Ip, "IpAddress")),
        _ => None,
    }
}

fn family_name(kind: OperatorKind) -> &'static str {
    match kind {
        OperatorKind::String(_) => "String",
        OperatorKind::Numeric(_) => "Numeric",
        OperatorKind::Date(_) => "Date",
        OperatorKind::Bool => "Bool",
        OperatorKind::Binary => "Binary",
        OperatorKind::Ip => "IpAddress",
        OperatorKind::Arn => "Arn",
        OperatorKind::Null => "Null",
    }
}

/// Decides, per context key, its typed view, whether it is multi-valued and how many slots it needs.
///
/// A multi-valued key needs one slot per condition that quantifies over it (each existential
/// after polarity needs at most one witness value) — see `encodings/multivalued-keys.md`.
fn plan_keys(
    query: &mut Query,
    policies: &[&Policy],
    _policy_type: PolicyType,
) -> Result<(), EncodeError> {
    struct Usage {
        name: String,
        view: Option<(ValueView, &'static str)>,
        string_family: Option<&'static str>,
        quantified: BTreeSet<String>,
        scale: u32,
    }
    let mut usage: BTreeMap<String, Usage> = BTreeMap::new();
    let mut touch = |key_lower: &str, name: &str| -> () {
        usage.entry(key_lower.to_string()).or_insert_with(|| Usage {
            name: name.to_string(),
            view: None,
            string_family: None,
            quantified: BTreeSet::new(),
            scale: 0,
        });
    };
    for policy in policies {
        for statement in &policy.statements {
            let mut templates: Vec<&Template> = Vec::new();
            if let ResourceClause::Resource(p) | ResourceClause::NotResource(p) =
                &statement.resource
            {
                templates.extend(p.iter().map(|p| &p.template));
            }
            for condition in &statement.conditions {
                touch(&condition.key_lower, &condition.key);
                for v in &condition.values {
                    if let ConditionValue::Text(t) = v {
                        templates.push(t);
                    }
                }
            }
            for t in templates {
                for part in &t.parts {
                    if let crate::pattern::TemplatePart::Var { key, key_lower, .. } = part {
                        touch(key_lower, key);
                    }
                }
            }
        }
    }
    for policy in policies {
        for statement in &policy.statements {
            for condition in &statement.conditions {
                let Some(u) = usage.get_mut(&condition.key_lower) else {
                    continue;
                };
                let kind = condition.operator.kind;
                if kind != OperatorKind::Null {
                    u.quantified.insert(format!(
                        "{}|{:?}",
                        condition.operator.text, condition.values
                    ));
                }
                match view_of(kind) {
                    Some(v) => {
                        if let Some(existing) = u.view {
                            if existing.0 != v.0 {
                                return Err(EncodeError::MixedKeyTypes {
                                    key: u.name.clone(),
                                    first: existing.1,
                                    second: v.1,
                                });
                            }
                        }
                        if let Some(s) = u.string_family {
                            return Err(EncodeError::MixedKeyTypes {
                                key: u.name.clone(),
                                first: s,
                                second: v.1,
                            });
                        }
                        u.view = Some(v);
                    }
                    None if kind != OperatorKind::Null => {
                        if let Some(existing) = u.view {
                            return Err(EncodeError::MixedKeyTypes {
                                key: u.name.clone(),
                                first: existing.1,
                                second: family_name(kind),
                            });
                        }
                        u.string_family.get_or_insert(family_name(kind));
                    }
                    None => {}
                }
                for v in &condition.values {
                    if let ConditionValue::Number(n) = v {
                        u.scale = u.scale.max(n.scale + 1);
                    }
                }
            }
        }
    }
    for (key, u) in usage {
        // Exactly the requests the evaluator accepts: a key the catalog types single-valued
        // carries one value (the request parser refuses more), whatever operator a policy
        // applies to it; a key the catalog does not know may carry several.
        let multivalued = catalog::catalog().is_multivalued(&key).unwrap_or(true);
        let slots = if multivalued {
            u.quantified.len().max(1)
        } else {
            1
        };
        if slots > MAX_SLOTS {
            return Err(EncodeError::TooManySlots {
                key: u.name,
                needed: slots,
                limit: MAX_SLOTS,
            });
        }
        query.keys.insert(
            key,
            KeyShape {
                name: u.name,
                slots,
                multivalued,
                view: u.view.map(|v| v.0),
                scale: u.scale,
            },
        );
    }
    Ok(())
}

/// Property builder: a query whose models are requests that `proposed` allows and `baseline` does not.
/// Unsat iff `proposed` grants nothing beyond `baseline`.
pub fn verify_no_new_access(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
) -> Result<Query, EncodeError> {
    verify_no_new_access_pruned(proposed, baseline, policy_type, true)
}

/// As [`verify_no_new_access`]; `prune` first drops the proposal's pieces the baseline
/// provably allows ([`prune::without_covered`]), which keeps the counterexamples exactly.
pub fn verify_no_new_access_pruned(
    proposed: &Policy,
    baseline: &Policy,
    policy_type: PolicyType,
    prune: bool,
) -> Result<Query, EncodeError> {
    let mut query = Query::default();
    // Keys are planned on the policies as written, so pruning changes no value slot.
    let mut enc = Encoder::new(&mut query, &[proposed, baseline], policy_type)?;
    let sliced;
    let (proposed, baseline) = if prune {
        let reduced = prune::without_covered(proposed, baseline, policy_type).0;
        sliced = prune::relevant_to_allows(&reduced, &[baseline])
            .unwrap_or_else(|| vec![reduced, baseline.clone()]);
        (&sliced[0], &sliced[1])
    } else {
        (proposed, baseline)
    };
    let allowed = enc.allows(proposed)?;
    let baseline_allows = enc.allows(baseline)?;
    query.assertions.push(allowed);
    query.assertions.push(Term::not(baseline_allows));
    add_domain_lemmas(&mut query);
    Ok(query)
}

/// Facts every concrete request satisfies: one principal kind, value slots filled in order,
/// relations between string patterns, template over-approximations, principal-derived keys.
pub fn add_domain_lemmas(query: &mut Query) {
    let mut lemmas = Vec::new();
    if query.policy_type == Some(PolicyType::Resource) {
        let kinds: Vec<Term> = PRINCIPAL_KINDS.iter().map(|k| query.kind(*k)).collect();
        lemmas.push(Term::or(kinds.clone()));
        for i in 0..kinds.len() {
            for j in i + 1..kinds.len() {
                lemmas.push(Term::not(Term::and([kinds[i].clone(), kinds[j].clone()])));
            }
        }
    }
    let keys: Vec<(String, usize)> = query
        .keys
        .iter()
        .map(|(k, s)| (k.clone(), s.slots))
        .collect();
    for (key, slots) in &keys {
        for slot in 1..*slots {
            let later = query.present(key, slot);
            let earlier = query.present(key, slot - 1);
            lemmas.push(Term::implies(later, earlier));
        }
    }
    // Dates stay within the printable range (policy literals outside it are refused).
    let date_slots: Vec<(String, usize)> = query
        .atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Parses {
                key,
                slot,
                view: ValueView::Date,
            } => Some((key.clone(), *slot)),
            _ => None,
        })
        .collect();
    for (key, slot) in date_slots {
        let parses = query.atom(Atom::Parses {
            key: key.clone(),
            slot,
            view: ValueView::Date,
        });
        let low = query.atom(Atom::Cmp {
            key: key.clone(),
            slot,
            view: ValueView::Date,
            cmp: Comparison::Ge,
            value: i128::from(MIN_DATE_MS),
        });
        let high = query.atom(Atom::Cmp {
            key,
            slot,
            view: ValueView::Date,
            cmp: Comparison::Le,
            value: i128::from(MAX_DATE_MS),
        });
        lemmas.push(Term::implies(parses, Term::and([low, high])));
    }
    // Every request's action is `service:name`, both parts non-empty (the request parser
    // reads nothing else back).
    if query.atoms.iter().any(|a| {
        matches!(
            a,
            Atom::Str {
                var: StrVar::Action,
                ..
            }
        )
    }) {
        lemmas.push(query.str_atom(StrVar::Action, StrPattern::Glob(Glob::wildcard("?*:?*"))));
    }
    // Principal-derived keys get no presence lemmas: a request may give any of them, or give
    // one as an empty array (absent), and the evaluator reads it so ("given values win"). The
    // concretizer writes absent derived keys as `[]` (see encodings/principals.md).
    lemmas.extend(template_lemmas(query));
    lemmas.extend(pattern_relation_lemmas(query, 0));
    lemmas.extend(prefix_trie_lemmas(query));
    query.lemmas.extend(lemmas);
}

/// Patterns whose literal prefixes diverge are disjoint. Rather than one clause per such pair
/// (quadratic), each variable gets a compressed trie of its patterns' literal prefixes: a
/// pattern implies "starts with its prefix", a trie node implies its parent, and the children
/// of a node (which differ at their next character) are at most one true (a ladder: linear).
/// Without this the solver may combine patterns no string satisfies together (two services,
/// two literal values), and each such model would cost a refinement round.
fn prefix_trie_lemmas(query: &mut Query) -> Vec<Term> {
    let mut by_var: BTreeMap<StrVar, Vec<(AtomId, String)>> = BTreeMap::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        if let Atom::Str {
            var,
            pattern: StrPattern::Glob(g),
        } = atom
        {
            let prefix = g.literal_prefix();
            if !prefix.is_empty() {
                by_var.entry(var.clone()).or_default().push((id, prefix));
            }
        }
    }
    let mut lemmas = Vec::new();
    let mut ladder_index = 0usize;
    for (var, atoms) in by_var {
        let mut prefixes: Vec<String> = atoms.iter().map(|(_, p)| p.clone()).collect();
        prefixes.sort();
        prefixes.dedup();
        if prefixes.len() < 2 {
            continue;
        }
        // Nodes: the prefixes and the longest common prefixes of sorted neighbours.
        let mut nodes: BTreeSet<String> = prefixes.iter().cloned().collect();
        for pair in prefixes.windows(2) {
            let common: String = pair[0]
                .chars()
                .zip(pair[1].chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect();
            nodes.insert(common);
        }
        let node_atom = |query: &mut Query, prefix: &str| -> Option<Term> {
            (!prefix.is_empty()).then(|| {
                query.atom(Atom::Prefix {
                    var: var.clone(),
                    prefix: prefix.to_string(),
                })
            })
        };
        for (id, prefix) in &atoms {
            if let Some(node) = node_atom(query, prefix) {
                lemmas.push(Term::implies(Term::Atom(*id), node));
            }
        }
        // Parent of a node: its longest proper prefix among the nodes.
        let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for node in &nodes {
            if node.is_empty() {
                continue;
            }
            let parent = nodes
                .range(..node.clone())
                .rev()
                .find(|candidate| node.starts_with(candidate.as_str()))
                .cloned()
                .unwrap_or_default();
            if let (Some(child), Some(parent_atom)) =
                (node_atom(query, node), node_atom(query, &parent))
            {
                lemmas.push(Term::implies(child, parent_atom));
            }
            children.entry(parent).or_default().push(node.clone());
        }
        for siblings in children.values().filter(|c| c.len() > 1) {
            let mut previous: Option<Term> = None;
            for sibling in siblings {
                let Some(this) = node_atom(query, sibling) else {
                    continue;
                };
                let ladder = query.atom(Atom::Aux {
                    family: "prefix-ladder",
                    index: ladder_index,
                });
                ladder_index += 1;
                lemmas.push(Term::implies(this.clone(), ladder.clone()));
                if let Some(prev) = previous {
                    lemmas.push(Term::implies(prev.clone(), ladder.clone()));
                    lemmas.push(Term::implies(this, Term::not(prev)));
                }
                previous = Some(ladder);
            }
        }
    }
    lemmas
}

/// IAM user ARNs, for which the evaluator derives `aws:username`.
pub fn iam_user_glob() -> Glob {
    Glob::arn("arn:*:iam::*:user/*")
}

/// A template's language, whatever its variables resolve to, lies inside the template with
/// each variable read as `*` (and all wildcards unbounded); a variable with no default
/// needs its key present and single-valued.
fn template_lemmas(query: &mut Query) -> Vec<Term> {
    let mut lemmas = Vec::new();
    let templates: Vec<(AtomId, StrVar, Template, MatchMode)> = query
        .atoms
        .iter()
        .enumerate()
        .filter_map(|(id, a)| match a {
            Atom::Str {
                var,
                pattern: StrPattern::Template(t, mode),
            } => Some((id, var.clone(), t.clone(), *mode)),
            _ => None,
        })
        .collect();
    // The same template on the same variable: the exact reading is inside every other one
    // (a text matches itself as a Like or ARN pattern, and ignoring case).
    for (i, (a, var_a, t_a, mode_a)) in templates.iter().enumerate() {
        for (b, var_b, t_b, mode_b) in templates.iter().skip(i + 1) {
            if var_a != var_b || t_a != t_b {
                continue;
            }
            if *mode_a == MatchMode::Exact {
                lemmas.push(Term::implies(Term::Atom(*a), Term::Atom(*b)));
            }
            if *mode_b == MatchMode::Exact {
                lemmas.push(Term::implies(Term::Atom(*b), Term::Atom(*a)));
            }
        }
    }
    lemmas.extend(mutual_equality_lemmas(query, &templates));
    lemmas.extend(self_reference_lemmas(query, &templates));
    for (id, var, template, mode) in templates {
        let this = Term::Atom(id);
        let over = template_over_approximation(&template, mode);
        let over_atom = query.str_atom(var, StrPattern::Glob(over));
        lemmas.push(Term::implies(this.clone(), over_atom));
        for part in &template.parts {
            if let crate::pattern::TemplatePart::Var {
                key_lower,
                default: None,
                ..
            } = part
            {
                let present = query.present(key_lower, 0);
                lemmas.push(Term::implies(this.clone(), present));
                if query.keys.get(key_lower).is_some_and(|k| k.slots > 1) {
                    let second = query.present(key_lower, 1);
                    lemmas.push(Term::implies(this.clone(), Term::not(second)));
                }
            }
        }
    }
    lemmas
}

/// `A = ${B}` and `B = ${A}` (both single-valued and present) say the same thing: equality
/// is symmetric. Without this the two atoms are free apart, and a model can ask for `A = B`
/// and `B != A` at once, which no request meets (the concretizer would have to give up).
fn mutual_equality_lemmas(
    query: &mut Query,
    templates: &[(AtomId, StrVar, Template, MatchMode)],
) -> Vec<Term> {
    use crate::pattern::TemplatePart;
    let lone_variable = |t: &Template| match t.parts.as_slice() {
        [TemplatePart::Var {
            key_lower,
            default: None,
            ..
        }] => Some(key_lower.clone()),
        _ => None,
    };
    let mut lemmas = Vec::new();
    for (i, (a, var_a, t_a, mode_a)) in templates.iter().enumerate() {
        for (b, var_b, t_b, mode_b) in templates.iter().skip(i + 1) {
            let (
                StrVar::Context {
                    key: key_a,
                    slot: 0,
                },
                StrVar::Context {
                    key: key_b,
                    slot: 0,
                },
            ) = (var_a, var_b)
            else {
                continue;
            };
            if lone_variable(t_a).as_ref() != Some(key_b)
                || lone_variable(t_b).as_ref() != Some(key_a)
                || key_a == key_b
            {
                continue;
            }
            let both_single = Term::and([query.single_valued(key_a), query.single_valued(key_b)]);
            let (ta, tb) = (Term::Atom(*a), Term::Atom(*b));
            let mut implies = |from: &MatchMode, to: &MatchMode, x: &Term, y: &Term| {
                // Exact equality implies equality ignoring case; the same mode is symmetric.
                let holds = matches!(
                    (from, to),
                    (MatchMode::Exact, MatchMode::Exact | MatchMode::IgnoreCase)
                        | (MatchMode::IgnoreCase, MatchMode::IgnoreCase)
                );
                if holds {
                    lemmas.push(Term::implies(
                        Term::and(vec![both_single.clone(), x.clone()]),
                        y.clone(),
                    ));
                }
            };
            implies(mode_a, mode_b, &ta, &tb);
            implies(mode_b, mode_a, &tb, &ta);
        }
    }
    lemmas
}

/// A key compared with a template that reads only itself (`aws:username` against
/// `${aws:username}` or `*${aws:username}*`): with one value `v` the template resolves to
/// `t1·v·t2`, which `v` matches exactly when `t1` and `t2` can be empty — no text at all for
/// the equality operators, only `*` for the Like/ARN ones. Without this the atom is free and a
/// model can ask for `v != v`, which no request meets (the concretizer would give up).
fn self_reference_lemmas(
    query: &mut Query,
    templates: &[(AtomId, StrVar, Template, MatchMode)],
) -> Vec<Term> {
    use crate::pattern::TemplatePart;
    let mut lemmas = Vec::new();
    for (id, var, template, mode) in templates {
        let StrVar::Context { key, slot: 0 } = var else {
            continue;
        };
        let vars: Vec<&str> = template.variable_keys().collect();
        if vars != [key.as_str()] {
            continue;
        }
        let empty_able = template.parts.iter().all(|part| match part {
            TemplatePart::Var { .. } => true,
            TemplatePart::Text(t) => match mode {
                MatchMode::Exact | MatchMode::IgnoreCase => t.is_empty(),
                MatchMode::Like | MatchMode::Arn => t.chars().all(|c| c == '*'),
            },
            TemplatePart::Escaped(_) => false,
        });
        let single = query.single_valued(key);
        let this = Term::Atom(*id);
        let holds = if empty_able { this } else { Term::not(this) };
        lemmas.push(Term::implies(single, holds));
    }
    lemmas
}

/// Variables read as `*`, policy wildcards as unbounded wildcards (Exact mode keeps text literal).
pub fn template_over_approximation(template: &Template, mode: MatchMode) -> Glob {
    use crate::pattern::{TemplatePart, Token};
    let mut tokens = Vec::new();
    for part in &template.parts {
        match part {
            TemplatePart::Text(t) => {
                for c in t.chars() {
                    tokens.push(match (mode, c) {
                        (MatchMode::Exact, c) => Token::Lit(c),
                        // Case variants are not a glob: only the trivial bound holds.
                        (MatchMode::IgnoreCase, _) => return Glob::wildcard("*"),
                        (_, '*') => Token::AnyStr,
                        (_, '?') => Token::AnyChar,
                        (_, c) => Token::Lit(c),
                    });
                }
            }
            TemplatePart::Escaped(c) => tokens.push(Token::Lit(*c)),
            TemplatePart::Var { .. } => tokens.push(Token::AnyStr),
        }
    }
    Glob::from_tokens(tokens)
}

/// Inclusion (and, for patterns sharing a literal prefix, disjointness) between the patterns on
/// each string variable, decided with automata. Only pairs involving an atom numbered `from` or
/// later are related (refinement adds atoms later and relates just the new ones). Pairs whose
/// literal prefixes diverge are disjoint; that is left to refinement, which learns it only
/// where a model needs it, instead of a quadratic number of clauses up front.
pub fn pattern_relation_lemmas(query: &Query, from: AtomId) -> Vec<Term> {
    let mut by_var: BTreeMap<&StrVar, Vec<(AtomId, &StrPattern)>> = BTreeMap::new();
    for (id, atom) in query.atoms.iter().enumerate() {
        if let Atom::Str { var, pattern } = atom {
            by_var.entry(var).or_default().push((id, pattern));
        }
    }
    let mut lemmas = Vec::new();
    for atoms in by_var.values() {
        if from == 0 {
            let globs: Vec<(AtomId, &Glob)> = atoms
                .iter()
                .filter_map(|(id, p)| match p {
                    StrPattern::Glob(g) => Some((*id, g)),
                    _ => None,
                })
                .collect();
            glob_relation_lemmas(&globs, &mut lemmas);
        }
        // The remaining pairs: those with a non-glob pattern (from == 0), or with an atom
        // added since `from`. Each is visited once, from its "driving" side, so the work is
        // linear in the number of such atoms times the atoms on the variable.
        for (i, (a, pa)) in atoms.iter().enumerate() {
            let drives = if from == 0 {
                !matches!(pa, StrPattern::Glob(_))
            } else {
                *a >= from
            };
            if !drives {
                continue;
            }
            for (j, (b, pb)) in atoms.iter().enumerate() {
                if i == j {
                    continue;
                }
                let b_drives = if from == 0 {
                    !matches!(pb, StrPattern::Glob(_))
                } else {
                    *b >= from
                };
                // A pair where both sides drive is visited once, from the smaller index.
                if b_drives && j < i {
                    continue;
                }
                lemmas.extend(relate(*a, pa, *b, pb));
            }
        }
    }
    lemmas
}

thread_local! {
    /// When lemma generation must stop (set by the checker from --timeout). Stopping early
    /// only drops helper lemmas: the answer stays sound, and the search then times out.
    static LEMMA_DEADLINE: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// Bounds the time spent relating patterns on this thread (None: no bound).
pub fn set_lemma_deadline(deadline: Option<std::time::Instant>) {
    LEMMA_DEADLINE.with(|d| d.set(deadline));
}

fn past_lemma_deadline() -> bool {
    LEMMA_DEADLINE
        .with(|d| d.get())
        .is_some_and(|d| std::time::Instant::now() >= d)
}

/// Subset and (same-prefix) disjointness lemmas among fixed globs on one variable.
///
/// Pairs are visited in literal-prefix order, so only pairs whose prefixes are compatible
/// are compared (the rest are disjoint and left to refinement). ARN-shaped globs (five
/// colons, wildcards bounded by segments before the last) decompose: `a ⊆ b` iff every
/// segment is included, disjoint iff some segment is; segments are short, so this avoids
/// a product automaton over whole ARNs.
fn glob_relation_lemmas(globs: &[(AtomId, &Glob)], lemmas: &mut Vec<Term>) {
    let prefixes: Vec<String> = globs.iter().map(|(_, g)| g.literal_prefix()).collect();
    let segments: Vec<Option<Vec<Glob>>> = globs.iter().map(|(_, g)| arn_segments(g)).collect();
    let mut order: Vec<usize> = (0..globs.len()).collect();
    order.sort_by(|&x, &y| prefixes[x].cmp(&prefixes[y]).then(x.cmp(&y)));
    let mut visited = 0usize;
    for (rank, &first) in order.iter().enumerate() {
        for &second in order[rank + 1..]
            .iter()
            .take_while(|&&o| prefixes[o].starts_with(prefixes[first].as_str()))
        {
            visited += 1;
            if visited % 1024 == 0 && past_lemma_deadline() {
                return;
            }
            let (i, j) = (first.min(second), first.max(second));
            let (i_in_j, j_in_i, disjoint) = match (&segments[i], &segments[j]) {
                (Some(si), Some(sj)) => segment_relation(si, sj),
                _ => cached_relation(globs[i].1, globs[j].1),
            };
            let (ti, tj) = (Term::Atom(globs[i].0), Term::Atom(globs[j].0));
            if disjoint {
                lemmas.push(Term::not(Term::and([ti, tj])));
                continue;
            }
            if i_in_j {
                lemmas.push(Term::implies(ti.clone(), tj.clone()));
            }
            if j_in_i {
                lemmas.push(Term::implies(tj, ti));
            }
        }
    }
}

/// The six segments of an ARN-shaped glob: five literal colons, and no unbounded wildcard
/// before the fifth (so every matched string splits at its first five colons the same way).
pub fn arn_segments(glob: &Glob) -> Option<Vec<Glob>> {
    use crate::pattern::Token;
    let tokens = glob.tokens();
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        match t {
            Token::Lit(':') => {
                parts.push(Glob::from_tokens(tokens[start..i].to_vec()));
                start = i + 1;
            }
            Token::AnyStr | Token::AnyChar => return None,
            _ => {}
        }
    }
    if parts.len() != 5 {
        return None;
    }
    parts.push(Glob::from_tokens(tokens[start..].to_vec()));
    Some(parts)
}

/// (a ⊆ b, b ⊆ a, disjoint) from per-segment relations; "unknown" reads as "not proved".
fn segment_relation(a: &[Glob], b: &[Glob]) -> (bool, bool, bool) {
    let mut a_in_b = true;
    let mut b_in_a = true;
    for (x, y) in a.iter().zip(b) {
        let (x_in_y, y_in_x, disjoint) = cached_relation(x, y);
        if disjoint {
            return (false, false, true);
        }
        a_in_b &= x_in_y;
        b_in_a &= y_in_x;
    }
    (a_in_b, b_in_a, false)
}

thread_local! {
    /// Pair relations already decided on this thread: a diff asks both directions, and a scan
    /// compares many policies with one baseline.
    static RELATION_CACHE: std::cell::RefCell<std::collections::HashMap<(Glob, Glob), (bool, bool, bool)>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// Entries kept before the cache is cleared (bounds memory on long scans).
const RELATION_CACHE_LIMIT: usize = 200_000;

/// (a ⊆ b, b ⊆ a, disjoint), proved with automata; memoized per thread.
fn cached_relation(a: &Glob, b: &Glob) -> (bool, bool, bool) {
    if a == b {
        return (true, true, false);
    }
    let key = (a.clone(), b.clone());
    if let Some(r) = RELATION_CACHE.with(|c| c.borrow().get(&key).copied()) {
        return r;
    }
    let r = if crate::automata::is_disjoint(a, b) {
        (false, false, true)
    } else {
        (
            crate::automata::is_subset(a, b),
            crate::automata::is_subset(b, a),
            false,
        )
    };
    RELATION_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= RELATION_CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, r);
    });
    r
}

fn relate(a: AtomId, pa: &StrPattern, b: AtomId, pb: &StrPattern) -> Vec<Term> {
    use crate::automata;
    let (ta, tb) = (Term::Atom(a), Term::Atom(b));
    let mut out = Vec::new();
    match (pa, pb) {
        (StrPattern::Glob(ga), StrPattern::Glob(gb)) => {
            if automata::is_disjoint(ga, gb) {
                out.push(Term::not(Term::and([ta, tb])));
            } else {
                if automata::is_subset(ga, gb) {
                    out.push(Term::implies(ta.clone(), tb.clone()));
                }
                if automata::is_subset(gb, ga) {
                    out.push(Term::implies(tb, ta));
                }
            }
        }
        (StrPattern::IgnoreCase(x), StrPattern::IgnoreCase(y)) => {
            if x != y {
                out.push(Term::not(Term::and([ta, tb])));
            }
        }
        (StrPattern::IgnoreCase(w), StrPattern::Glob(g))
        | (StrPattern::Glob(g), StrPattern::IgnoreCase(w)) => {
            let (ti, tg) = if matches!(pa, StrPattern::IgnoreCase(_)) {
                (ta, tb)
            } else {
                (tb, ta)
            };
            if let Some(lit) = g.as_literal() {
                if lit.to_lowercase() == *w {
                    out.push(Term::implies(tg, ti));
                } else {
                    out.push(Term::not(Term::and([tg, ti])));
                }
            }
        }
        _ => {}
    }
    out
}

/// The value of an atom on a concrete request: what the encoding claims the atom means.
/// `values(key_lower)` gives the request's effective context values (with derived keys).
/// Used by tests to check that the encoding agrees with the evaluator.
pub fn atom_holds(
    query: &Query,
    atom: &Atom,
    request: &crate::request::Request,
    values: &dyn Fn(&str) -> Option<Vec<String>>,
) -> bool {
    use crate::request::Principal;
    let slot_value = |key: &str, slot: usize| values(key).and_then(|v| v.get(slot).cloned());
    // The text a string variable has on this request (None: anonymous, or no such value).
    let var_text = |var: &StrVar| match var {
        StrVar::Action => Some(request.action.to_lowercase()),
        StrVar::Resource => request.resource.clone(),
        StrVar::Principal => match &request.principal {
            Principal::Aws(s)
            | Principal::Service(s)
            | Principal::Federated(s)
            | Principal::CanonicalUser(s) => Some(s.clone()),
            Principal::Anonymous => None,
        },
        StrVar::Context { key, slot } => slot_value(key, *slot),
    };
    match atom {
        Atom::PrincipalKind(k) => matches!(
            (k, &request.principal),
            (PrincipalKindVar::Aws, Principal::Aws(_))
                | (PrincipalKindVar::Service, Principal::Service(_))
                | (PrincipalKindVar::Federated, Principal::Federated(_))
                | (PrincipalKindVar::CanonicalUser, Principal::CanonicalUser(_))
                | (PrincipalKindVar::Anonymous, Principal::Anonymous)
        ),
        Atom::Present { key, slot } => slot_value(key, *slot).is_some(),
        Atom::Parses { key, slot, view } => {
            slot_value(key, *slot).is_some_and(|v| typed(&v, *view).is_some())
        }
        Atom::IsIpv6 { key, slot } => slot_value(key, *slot)
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| ip.is_ipv6()),
        Atom::Cmp {
            key,
            slot,
            view,
            cmp,
            value,
        } => {
            let Some(v) = slot_value(key, *slot) else {
                return false;
            };
            let scaled = match view {
                ValueView::Number => {
                    let Some(d) = crate::model::Decimal::parse(&v) else {
                        return false;
                    };
                    let scale = query.keys.get(key).map(|k| k.scale).unwrap_or(0);
                    let constant = crate::model::Decimal {
                        mantissa: *value,
                        scale,
                    };
                    return match d.cmp(&constant) {
                        std::cmp::Ordering::Less => matches!(cmp, Comparison::Lt | Comparison::Le),
                        std::cmp::Ordering::Equal => {
                            matches!(cmp, Comparison::Eq | Comparison::Le | Comparison::Ge)
                        }
                        std::cmp::Ordering::Greater => {
                            matches!(cmp, Comparison::Gt | Comparison::Ge)
                        }
                    };
                }
                ValueView::Date => match crate::model::parse_date_millis(&v) {
                    Some(ms) => i128::from(ms),
                    None => return false,
                },
                ValueView::Ip => return false,
            };
            cmp_i128(scaled, *value, *cmp)
        }
        Atom::Prefix { var, prefix } => {
            let text = var_text(var);
            text.is_some_and(|t| t.starts_with(prefix.as_str()))
        }
        Atom::HasResource => request.resource.is_some(),
        // Auxiliary atoms have no meaning of their own on a request.
        Atom::Aux { .. } => false,
        Atom::IpIn { key, slot, net } => slot_value(key, *slot)
            .and_then(|v| v.trim().parse::<std::net::IpAddr>().ok())
            .is_some_and(|ip| net.contains(&ip)),
        Atom::Str { var, pattern } => {
            let text = var_text(var);
            let Some(text) = text else { return false };
            match pattern {
                StrPattern::Glob(g) => g.matches(&text),
                StrPattern::IgnoreCase(w) => text.to_lowercase() == *w,
                StrPattern::Template(t, mode) => {
                    let resolved = t.resolve(|k| match values(k) {
                        Some(v) if v.len() == 1 => v.into_iter().next(),
                        _ => None,
                    });
                    match resolved {
                        None => false,
                        Some(chars) => match mode {
                            MatchMode::Exact => crate::pattern::chars_to_string(&chars) == text,
                            MatchMode::IgnoreCase => {
                                crate::pattern::chars_to_string(&chars).to_lowercase()
                                    == text.to_lowercase()
                            }
                            MatchMode::Like => Glob::from_chars(&chars, false).matches(&text),
                            MatchMode::Arn => Glob::from_chars(&chars, true).matches(&text),
                        },
                    }
                }
            }
        }
    }
}

fn typed(v: &str, view: ValueView) -> Option<()> {
    match view {
        ValueView::Number => crate::model::Decimal::parse(v).map(|_| ()),
        ValueView::Date => crate::model::parse_date_millis(v).map(|_| ()),
        ValueView::Ip => v.trim().parse::<std::net::IpAddr>().ok().map(|_| ()),
    }
}

fn cmp_i128(a: i128, b: i128, cmp: Comparison) -> bool {
    match cmp {
        Comparison::Eq => a == b,
        Comparison::Lt => a < b,
        Comparison::Le => a <= b,
        Comparison::Gt => a > b,
        Comparison::Ge => a >= b,
    }
}
