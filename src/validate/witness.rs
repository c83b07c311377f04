//! Cheap refutations for the proof-based checks. Most statements are satisfiable, not
//! redundant and not overridden, and a concrete request shows it: one built from the
//! statement's own actions, resources and condition values, replayed through the evaluator
//! (the standard every prover counterexample is held to). Only when no such request is found
//! is the prover asked, so the findings are the same; the prover's "no" answers, each a
//! solver context and a model, were most of `validate`'s time (`encodings/validate.md`).

use crate::catalog::{catalog, KeyType, EXAMPLE_ACCOUNT};
use crate::eval::{derived_principal_keys, evaluate, PolicyType};
use crate::model::{
    ActionClause, ConditionValue, OperatorKind, Policy, ResourceClause, Statement, StringMatch,
};
use crate::pattern::{PatternChar, Template};
use crate::request::{Principal, Request};
use std::collections::BTreeMap;

/// Requests tried per question before the prover is asked instead.
const MAX_REQUESTS: usize = 96;
/// Candidates per action, resource and condition-key list.
const MAX_CHOICES: usize = 4;
/// Combinations of condition-key values tried.
const MAX_CONTEXTS: usize = 12;

/// Is there a request that `alone` (one statement, made an Allow) allows and that `accept`
/// takes? `true` is a proof by example; `false` says nothing. Identity policies only (a
/// resource policy's Principal element would need its own candidates).
pub fn refuted(alone: &Policy, policy_type: PolicyType, accept: &dyn Fn(&Request) -> bool) -> bool {
    if policy_type != PolicyType::Identity {
        return false;
    }
    let [statement] = alone.statements.as_slice() else {
        return false;
    };
    let principal = Principal::Aws(format!("arn:aws:iam::{EXAMPLE_ACCOUNT}:user/example"));
    let variables = Variables::new(&principal);
    let Some(contexts) = contexts(statement, &variables) else {
        return false;
    };
    let actions = actions(statement);
    let Some(resources) = resources(statement, &variables) else {
        return false;
    };
    let mut tried = 0;
    for context in &contexts {
        for action in &actions {
            for resource in &resources {
                tried += 1;
                if tried > MAX_REQUESTS {
                    return false;
                }
                let resource = match resource {
                    ResourceChoice::Exact(text) => Some(text.clone()),
                    ResourceChoice::ForAction => Some(
                        catalog()
                            .example_resource(&action.to_lowercase())
                            .unwrap_or_else(|| "arn:aws:s3:::example".to_string()),
                    ),
                    ResourceChoice::None => None,
                };
                let mut request = Request::new(principal.clone(), action, resource.as_deref());
                for (key, (values, is_array)) in context {
                    request.set_context(key, values.clone(), *is_array);
                }
                if evaluate(alone, &request, policy_type).allowed() == Some(true)
                    && accept(&request)
                {
                    return true;
                }
            }
        }
    }
    false
}

/// A concrete string a pattern matches: each `*` becomes `example`, each `?` an `x`.
fn instance(chars: &[PatternChar]) -> String {
    let mut out = String::with_capacity(chars.len() + 8);
    for c in chars {
        match c {
            PatternChar::Lit(c) => out.push(*c),
            PatternChar::Wild('?') => out.push('x'),
            PatternChar::Wild(_) => out.push_str("example"),
        }
    }
    out
}

/// Values for policy variables: the principal's derived keys as the evaluator derives them,
/// `example` for any other key (which the context then carries).
struct Variables {
    derived: Vec<(&'static str, String)>,
}

impl Variables {
    fn new(principal: &Principal) -> Variables {
        Variables {
            derived: derived_principal_keys(principal),
        }
    }

    fn value(&self, key_lower: &str) -> String {
        self.derived
            .iter()
            .find(|(k, _)| *k == key_lower)
            .map_or_else(|| "example".to_string(), |(_, v)| v.clone())
    }

    fn resolve(&self, template: &Template) -> Option<Vec<PatternChar>> {
        template.resolve(|key| Some(self.value(key)))
    }

    /// Does the context have to carry this variable's key (it is not derived)?
    fn needs_context(&self, key_lower: &str) -> bool {
        !self.derived.iter().any(|(k, _)| *k == key_lower)
    }
}

/// Action names the statement's Action list matches: literals as written, a catalog action
/// for each wildcard. NotAction gives none (no refutation is tried).
fn actions(statement: &Statement) -> Vec<String> {
    let ActionClause::Action(patterns) = &statement.action else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for p in patterns {
        let name = match p.glob.as_literal() {
            Some(_) => p.text.clone(),
            None => match catalog().actions_matching(&p.glob).first() {
                Some(a) => a.full_name.clone(),
                None => p.text.replace('*', "example").replace('?', "x"),
            },
        };
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
        if out.len() >= MAX_CHOICES {
            break;
        }
    }
    out
}

enum ResourceChoice {
    Exact(String),
    /// `*`: the catalog's example ARN for the action.
    ForAction,
    /// No Resource element (trust policies).
    None,
}

/// Resources the statement's Resource list matches; `None` (give up) for NotResource.
fn resources(statement: &Statement, variables: &Variables) -> Option<Vec<ResourceChoice>> {
    let patterns = match &statement.resource {
        ResourceClause::Absent => return Some(vec![ResourceChoice::None]),
        // The catalog's example ARN usually lies outside a NotResource list.
        ResourceClause::NotResource(_) => return Some(vec![ResourceChoice::ForAction]),
        ResourceClause::Resource(p) => p,
    };
    let mut out = Vec::new();
    for p in patterns {
        if p.text == "*" {
            out.push(ResourceChoice::ForAction);
        } else if let Some(chars) = variables.resolve(&p.template) {
            out.push(ResourceChoice::Exact(instance(&chars)));
        }
        if out.len() >= MAX_CHOICES {
            break;
        }
    }
    Some(out)
}

/// Keys that name the principal (the evaluator derives most of them from it): left to the
/// prover rather than set apart from the principal.
fn derived_from_principal(key_lower: &str) -> bool {
    matches!(
        key_lower,
        "aws:principalarn"
            | "aws:principalaccount"
            | "aws:principaltype"
            | "aws:principalservicename"
            | "aws:username"
            | "aws:userid"
    )
}

/// A key's values, or absent (`None`), with whether it is written as a list.
type KeyChoice = Option<Vec<String>>;
type Context = BTreeMap<String, (Vec<String>, bool)>;

/// Contexts to try: each condition key set to one of the statement's own values for it (or
/// left absent). `None` when a condition is of a kind this does not guess (numbers, dates,
/// IPs, binary, keys derived from the principal): the prover decides those.
fn contexts(statement: &Statement, variables: &Variables) -> Option<Vec<Context>> {
    let cat = catalog();
    let mut per_key: BTreeMap<&str, (Vec<KeyChoice>, bool)> = BTreeMap::new();
    // Keys read as policy variables, in condition values or resources.
    let mut read: Vec<&str> = Vec::new();
    for condition in &statement.conditions {
        for value in &condition.values {
            if let ConditionValue::Text(t) = value {
                read.extend(t.variable_keys());
            }
        }
    }
    if let ResourceClause::Resource(p) | ResourceClause::NotResource(p) = &statement.resource {
        read.extend(p.iter().flat_map(|p| p.template.variable_keys()));
    }
    for condition in &statement.conditions {
        let key = condition.key_lower.as_str();
        if derived_from_principal(key) {
            return None;
        }
        let typed = cat.key_type(key).map(KeyType::element);
        if matches!(
            typed,
            Some(KeyType::Numeric | KeyType::Date | KeyType::IpAddress | KeyType::Binary)
        ) {
            return None;
        }
        let like = match condition.operator.kind {
            OperatorKind::String(StringMatch::Like) | OperatorKind::Arn => true,
            OperatorKind::String(_) | OperatorKind::Bool | OperatorKind::Null => false,
            _ => return None,
        };
        let entry = per_key.entry(key).or_default();
        entry.1 |= condition.operator.set != crate::model::SetQualifier::Single
            || cat.is_multivalued(key) == Some(true);
        if condition.operator.negated {
            continue;
        }
        for value in &condition.values {
            let text = match value {
                ConditionValue::Text(t) if like => variables.resolve(t).map(|c| instance(&c)),
                ConditionValue::Text(t) => variables
                    .resolve(t)
                    .map(|chars| crate::pattern::chars_to_string(&chars)),
                ConditionValue::Bool(b) => Some(b.to_string()),
                ConditionValue::Null(_) => Some("example".to_string()),
                _ => None,
            };
            if let Some(text) = text {
                let choice = Some(vec![text]);
                if !entry.0.contains(&choice) && entry.0.len() < MAX_CHOICES - 1 {
                    entry.0.push(choice);
                }
            }
        }
    }
    // Absent is always worth a try (negated, IfExists and ForAllValues conditions hold then).
    for (choices, _) in per_key.values_mut() {
        choices.push(None);
    }
    // A variable's key carries the value the variable was resolved with.
    let mut base = Context::new();
    for key in read {
        if variables.needs_context(key) && !per_key.contains_key(key) {
            base.insert(key.to_string(), (vec![variables.value(key)], false));
        }
    }
    let mut out: Vec<Context> = vec![base];
    for (key, (choices, is_array)) in &per_key {
        let mut next = Vec::new();
        for context in &out {
            for choice in choices {
                let mut c = context.clone();
                if let Some(values) = choice {
                    c.insert((*key).to_string(), (values.clone(), *is_array));
                }
                next.push(c);
                if next.len() >= MAX_CONTEXTS {
                    break;
                }
            }
            if next.len() >= MAX_CONTEXTS {
                break;
            }
        }
        out = next;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::parse::parse_policy;

    fn policy(text: &str) -> Policy {
        parse_policy(text.as_bytes(), "test").unwrap()
    }

    #[test]
    fn a_satisfiable_statement_has_a_witness() {
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:prefix":"a"},"StringLike":{"s3:prefix":"a*"}}}]}"#,
        );
        assert!(refuted(&p, PolicyType::Identity, &|_| true));
    }

    #[test]
    fn an_unsatisfiable_statement_has_none() {
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"a"},"StringNotEquals":{"s3:prefix":"a"}}}]}"#,
        );
        assert!(!refuted(&p, PolicyType::Identity, &|_| true));
    }

    #[test]
    fn the_acceptance_test_decides() {
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"}]}"#,
        );
        assert!(refuted(&p, PolicyType::Identity, &|r| r
            .resource
            .as_deref()
            == Some("arn:aws:s3:::a/example")));
        assert!(!refuted(&p, PolicyType::Identity, &|_| false));
        assert!(!refuted(&p, PolicyType::Resource, &|_| true));
    }
}
