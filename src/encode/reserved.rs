//! Characters the prover keeps for itself: the automata stand for a template's holes with the
//! Unicode noncharacters U+FDD0..U+FDEF (`pattern::hole_char`). A policy that writes one would
//! be read as a hole, not as its own text, so such a policy is refused as unsupported (the
//! answer is `unknown` with this reason) rather than proved on a universe it does not describe.
//! The evaluator needs no such rule: it never builds holes.

use super::query::{Atom, Query, StrPattern};
use super::EncodeError;
use crate::model::{
    ActionClause, ConditionValue, Location, Policy, PrincipalClause, PrincipalEntry, ResourceClause,
};
use crate::pattern::{is_hole_char, Template, TemplatePart, Token};

/// The first text of `policy` holding a reserved character, as an error naming where.
pub fn check_no_reserved_chars(policy: &Policy) -> Result<(), EncodeError> {
    for statement in &policy.statements {
        let at = |element: &str, text: &str, location: &Location| EncodeError::ReservedCharacter {
            element: element.to_string(),
            text: text.to_string(),
            path: location.path.clone(),
            line: location.line,
            col: location.col,
        };
        let actions = match &statement.action {
            ActionClause::Action(p) | ActionClause::NotAction(p) => p,
        };
        if let Some(a) = actions.iter().find(|a| reserved(&a.text)) {
            return Err(at("Action", &a.text, &statement.location));
        }
        if let ResourceClause::Resource(p) | ResourceClause::NotResource(p) = &statement.resource {
            if let Some(r) = p
                .iter()
                .find(|r| reserved(&r.text) || template_reserved(&r.template))
            {
                return Err(at("Resource", &r.text, &statement.location));
            }
        }
        if let PrincipalClause::Principal(set) | PrincipalClause::NotPrincipal(set) =
            &statement.principal
        {
            if let Some(text) = set.entries.iter().map(entry_text).find(|t| reserved(t)) {
                return Err(at("Principal", text, &statement.location));
            }
        }
        for condition in &statement.conditions {
            if reserved(&condition.key) {
                return Err(at("Condition key", &condition.key, &condition.location));
            }
            for value in &condition.values {
                if let ConditionValue::Text(t) = value {
                    if template_reserved(t) {
                        return Err(at(
                            "Condition value",
                            &t.display_text(),
                            &condition.location,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// The same rule at the one place every pattern enters the prover: a query's string atoms.
/// Patterns that are not policy text (a listed resource, a trust zone's account or org id, a
/// spec's list) reach the automata here only; policies are refused earlier with their location.
pub fn check_query_patterns(query: &Query) -> Result<(), EncodeError> {
    for atom in &query.atoms {
        let Atom::Str { pattern, .. } = atom else {
            continue;
        };
        let text = match pattern {
            StrPattern::Glob(g) => g
                .tokens()
                .iter()
                .any(|t| matches!(t, Token::Lit(c) | Token::Fold(c) if is_hole_char(*c)))
                .then(|| g.to_string()),
            StrPattern::IgnoreCase(s) => reserved(s).then(|| s.clone()),
            StrPattern::Template(t, _) => template_reserved(t).then(|| t.display_text()),
        };
        if let Some(text) = text {
            return Err(EncodeError::ReservedCharacterInPattern { text });
        }
    }
    Ok(())
}

fn reserved(text: &str) -> bool {
    text.chars().any(is_hole_char)
}

fn template_reserved(t: &Template) -> bool {
    t.parts.iter().any(|part| match part {
        TemplatePart::Text(s) => reserved(s),
        TemplatePart::Escaped(c) => is_hole_char(*c),
        TemplatePart::Var { key, default, .. } => {
            reserved(key) || default.as_deref().is_some_and(reserved)
        }
    })
}

fn entry_text(entry: &PrincipalEntry) -> &str {
    match entry {
        PrincipalEntry::Account { text, .. } => text,
        PrincipalEntry::Role { arn, .. } | PrincipalEntry::AwsArn { arn } => arn,
        PrincipalEntry::Service(s)
        | PrincipalEntry::Federated(s)
        | PrincipalEntry::CanonicalUser(s) => s,
    }
}
