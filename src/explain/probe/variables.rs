//! Allow statements with policy variables, for the probe: every variable gets one value (the
//! caller's own for keys the principal defines, a placeholder otherwise, or the value the
//! statement's own conditions ask of that key), and the statement is read with the values
//! written in. The request then carries the same values, so the evaluator reads the templates
//! exactly as the instance does; the replay of both policies decides whether it is a
//! counterexample (`ARN = ${aws:PrincipalTag/p}` and `Tag = ${aws:PrincipalAccount}` become plain
//! equalities that the replay checks).

use super::{satisfying, Setting};
use crate::model::{Condition, ConditionValue, ResourceClause, ResourcePattern, Statement};
use crate::pattern::{PatternChar, Template, TemplatePart};
use crate::request::Principal;
use std::collections::BTreeMap;

/// The caller for a statement whose variables read the principal: an IAM user (so that
/// `aws:username` exists), otherwise a role session; both in the example account.
fn principal_for(keys: &BTreeMap<String, String>) -> Principal {
    let account = super::EXAMPLE_ACCOUNT;
    if keys.contains_key("aws:username") {
        Principal::Aws(format!("arn:aws:iam::{account}:user/example"))
    } else {
        Principal::Aws(format!(
            "arn:aws:sts::{account}:assumed-role/example/session"
        ))
    }
}

/// Does the statement read any policy variable (resources or condition values)?
pub(super) fn uses_variables(s: &Statement) -> bool {
    let in_resources = match &s.resource {
        ResourceClause::Resource(list) | ResourceClause::NotResource(list) => {
            list.iter().any(|p| p.template.has_variables())
        }
        ResourceClause::Absent => false,
    };
    in_resources
        || s.conditions.iter().any(|c| {
            c.values
                .iter()
                .any(|v| matches!(v, ConditionValue::Text(t) if t.has_variables()))
        })
}

/// Every variable key the statement reads: lowercased key -> the key as first written.
fn variable_keys(s: &Statement) -> BTreeMap<String, String> {
    let mut templates: Vec<&Template> = Vec::new();
    if let ResourceClause::Resource(list) | ResourceClause::NotResource(list) = &s.resource {
        templates.extend(list.iter().map(|p| &p.template));
    }
    for c in &s.conditions {
        for v in &c.values {
            if let ConditionValue::Text(t) = v {
                templates.push(t);
            }
        }
    }
    let mut keys = BTreeMap::new();
    for t in templates {
        for part in &t.parts {
            if let TemplatePart::Var { key, key_lower, .. } = part {
                keys.entry(key_lower.clone()).or_insert_with(|| key.clone());
            }
        }
    }
    keys
}

/// The statement with its variables replaced by `values`, the principal and the context
/// entries a request needs for the evaluator to read the same values, or `None` when the
/// statement's conditions are beyond the probe.
pub(super) fn instantiate(s: &Statement) -> Option<(Statement, Setting)> {
    let keys = variable_keys(s);
    let principal = principal_for(&keys);
    let derived: BTreeMap<&str, String> = crate::eval::derived_principal_keys(&principal)
        .into_iter()
        .collect();
    let mut values: BTreeMap<String, String> = keys
        .keys()
        .map(|k| {
            let value = derived
                .get(k.as_str())
                .cloned()
                .unwrap_or_else(|| "example".to_string());
            (k.clone(), value)
        })
        .collect();
    let mut instance = substituted(s, &values);
    let mut setting = satisfying(&instance.conditions)?;
    // A key the statement also conditions directly (`StringLike aws:PrincipalTag/team eng*`)
    // takes the value that condition wants, and the templates read that value.
    let mut changed = false;
    for (key, wanted, _) in &setting.context {
        let lower = key.to_lowercase();
        if let (Some(value), [one]) = (values.get_mut(&lower), wanted.as_slice()) {
            if !derived.contains_key(lower.as_str()) && value != one {
                *value = one.clone();
                changed = true;
            }
        }
    }
    if changed {
        instance = substituted(s, &values);
        setting = satisfying(&instance.conditions)?;
    }
    // A condition that names its own caller (aws:PrincipalArn) would change derived keys.
    if setting.principal.as_ref().is_some_and(|p| *p != principal) {
        return None;
    }
    setting.principal = Some(principal);
    for (lower, written) in &keys {
        let present = setting
            .context
            .iter()
            .any(|(k, _, _)| k.eq_ignore_ascii_case(lower));
        if !derived.contains_key(lower.as_str()) && !present {
            setting
                .context
                .push((written.clone(), vec![values[lower].clone()], false));
        }
    }
    Some((instance, setting))
}

fn substituted(s: &Statement, values: &BTreeMap<String, String>) -> Statement {
    let mut out = s.clone();
    let resources = |list: &[ResourcePattern]| -> Vec<ResourcePattern> {
        list.iter()
            .map(|p| ResourcePattern {
                text: p.text.clone(),
                template: written_in(&p.template, values),
            })
            .collect()
    };
    out.resource = match &s.resource {
        ResourceClause::Absent => ResourceClause::Absent,
        ResourceClause::Resource(list) => ResourceClause::Resource(resources(list)),
        ResourceClause::NotResource(list) => ResourceClause::NotResource(resources(list)),
    };
    out.conditions = s
        .conditions
        .iter()
        .map(|c| Condition {
            values: c
                .values
                .iter()
                .map(|v| match v {
                    ConditionValue::Text(t) => ConditionValue::Text(written_in(t, values)),
                    other => other.clone(),
                })
                .collect(),
            ..c.clone()
        })
        .collect();
    out
}

/// The template with its variables' values written in as literal text (a value's `*` stays a
/// literal star, as the evaluator reads a substituted value).
fn written_in(t: &Template, values: &BTreeMap<String, String>) -> Template {
    if !t.has_variables() {
        return t.clone();
    }
    let Some(chars) = t.resolve(|key| values.get(key).cloned()) else {
        return t.clone();
    };
    let mut parts: Vec<TemplatePart> = Vec::new();
    for c in chars {
        match c {
            PatternChar::Lit(c @ ('*' | '?' | '$')) => parts.push(TemplatePart::Escaped(c)),
            PatternChar::Lit(c) | PatternChar::Wild(c) => match parts.last_mut() {
                Some(TemplatePart::Text(text)) => text.push(c),
                _ => parts.push(TemplatePart::Text(c.to_string())),
            },
        }
    }
    Template { parts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(json: &str) -> Statement {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{json}]}}"#);
        match crate::parse::parse_policy(text.as_bytes(), "test") {
            Ok(mut p) => p.statements.remove(0),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn variables_take_derived_values_placeholders_and_what_conditions_ask() {
        let s = statement(
            r#"{"Effect":"Allow","Action":"s3:GetObject",
               "Resource":"arn:aws:s3:::${aws:PrincipalTag/bucket}/${aws:username}/*",
               "Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}",
                                            "aws:PrincipalTag/bucket":"data"}}}"#,
        );
        assert!(uses_variables(&s));
        let Some((instance, setting)) = instantiate(&s) else {
            panic!("no instance")
        };
        let ResourceClause::Resource(list) = &instance.resource else {
            panic!("resource clause changed")
        };
        let plain = list[0]
            .template
            .as_plain()
            .map(|c| crate::pattern::chars_to_string(&c));
        assert_eq!(plain.as_deref(), Some("arn:aws:s3:::data/example/*"));
        assert_eq!(
            setting.principal,
            Some(Principal::Aws(
                "arn:aws:iam::111122223333:user/example".to_string()
            ))
        );
        let value = |key: &str| {
            setting
                .context
                .iter()
                .find(|(k, _, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v, _)| v.clone())
        };
        assert_eq!(
            value("aws:ResourceAccount"),
            Some(vec!["111122223333".into()])
        );
        assert_eq!(value("aws:PrincipalTag/bucket"), Some(vec!["data".into()]));
        // Derived from the principal, not written into the context.
        assert_eq!(value("aws:username"), None);
    }

    #[test]
    fn a_value_star_stays_literal() {
        let t = match Template::parse("a/${k}/*", true) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let values = BTreeMap::from([("k".to_string(), "x*".to_string())]);
        let chars = written_in(&t, &values).as_plain().unwrap_or_default();
        assert_eq!(chars[3], PatternChar::Lit('*'));
        assert_eq!(chars[5], PatternChar::Wild('*'));
    }
}
