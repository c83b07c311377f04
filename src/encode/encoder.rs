//! The encoder: a policy's decision as a [`Term`] over the symbolic request.

use super::query::{Atom, MatchMode, PrincipalKindVar, Query, StrPattern, StrVar, ValueView};
use super::term::Term;
use super::{keys::plan_keys, EncodeError, MAX_DATE_MS, MIN_DATE_MS};
use crate::eval::PolicyType;
use crate::model::{
    ActionClause, Comparison, Condition, ConditionValue, Effect, OperatorKind, Policy,
    PrincipalClause, PrincipalEntry, PrincipalSet, ResourceClause, SetQualifier, Statement,
    StringMatch,
};
use crate::pattern::{Glob, Template};

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
        for policy in policies {
            super::check_supported(policy)?;
        }
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
                    // Case variants as character classes: an ordinary pattern.
                    MatchMode::IgnoreCase => {
                        Glob::ignore_case(&crate::pattern::chars_to_string(&chars))
                    }
                };
                self.query.str_atom(var, StrPattern::Glob(glob))
            }
            // Key names are case-insensitive: `${AWS:UserName}` and `${aws:username}` are one atom.
            None => self
                .query
                .str_atom(var, StrPattern::Template(template.canonical(), mode)),
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
                Term::and([
                    Term::not(self.null_data_set(&key, slots)),
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
                ]),
                if_exists,
            ]),
            (SetQualifier::ForAllValues, negated) => Term::or([
                self.null_data_set(&key, slots),
                Term::and(
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
            ]),
        };
        Ok(term)
    }

    /// Every value the key has is the empty string (or it has none): a null data set.
    fn null_data_set(&mut self, key: &str, slots: usize) -> Term {
        let mut all = Vec::with_capacity(slots);
        for slot in 0..slots {
            let present = self.query.present(key, slot);
            let empty = self.query.str_atom(
                StrVar::Context {
                    key: key.to_string(),
                    slot,
                },
                StrPattern::Glob(Glob::literal("")),
            );
            all.push(Term::implies(present, empty));
        }
        Term::and(all)
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
                (OperatorKind::Bool, ConditionValue::Bool(b)) => self.query.str_atom(
                    var.clone(),
                    StrPattern::Glob(Glob::ignore_case(&b.to_string())),
                ),
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
