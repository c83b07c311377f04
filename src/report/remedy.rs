//! Renders the rule a finding breaks and its proved remedy (computed by
//! [`crate::query::remedy`]; nothing here runs the prover).

use crate::query::remedy::{
    Advice, BaselineRule, Breaks, EditKind, Remedy, Scope, StatementSummary,
};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn label(index: usize, sid: &Option<String>) -> String {
    match sid {
        Some(sid) => format!("Statement[{index}] \"{sid}\""),
        None => format!("Statement[{index}]"),
    }
}

/// `to P on R when C`, each part only when the statement has it.
fn scope(s: &StatementSummary) -> String {
    let mut parts = Vec::new();
    if !s.principal.is_null() {
        parts.push(format!("to {}", s.principal));
    }
    parts.push(format!("on {}", s.resources.join(", ")));
    if s.conditions.as_object().is_some_and(|c| !c.is_empty()) {
        parts.push(format!("when {}", s.conditions));
    }
    parts.join(" ")
}

/// One sentence: what the baseline says about the action, and which proposed statement grants it.
pub fn breaks_text(b: &Breaks) -> String {
    let action = &b.action;
    let rule = match &b.baseline {
        BaselineRule::NeverAllows => format!("the baseline never allows {action}"),
        BaselineRule::DeniedBy { statements } => format!(
            "the baseline denies it: {}",
            statements
                .iter()
                .map(|s| format!(
                    "baseline {} denies {action} {}",
                    label(s.index, &s.sid),
                    scope(s)
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        BaselineRule::AllowsOnly { statements } => format!(
            "the baseline allows {action} only {}",
            statements
                .iter()
                .map(|s| format!("by baseline {} {}", label(s.index, &s.sid), scope(s)))
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    };
    let g = &b.granted_by;
    let also = match b.also_granted_by.as_slice() {
        [] => String::new(),
        more => format!(
            " (Statement{} {} also grant{} it)",
            if more.len() == 1 { "" } else { "s" },
            more.iter()
                .map(|i| format!("[{i}]"))
                .collect::<Vec<_>>()
                .join(", "),
            if more.len() == 1 { "s" } else { "" }
        ),
    };
    format!(
        "{rule}; proposed {} grants it via {} {}{also}",
        label(g.index, &g.sid),
        g.actions.join(", "),
        scope(g)
    )
}

/// One sentence: the edit, and what its proof covers.
pub fn remedy_text(r: &Remedy, action: &str) -> String {
    let at = label(r.statement, &r.sid);
    let c = &r.change;
    let resources = c.resources.as_deref().unwrap_or_default().join(", ");
    let conditions = c
        .conditions
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_default();
    let edit = match r.edit {
        EditKind::NarrowResource => format!("narrow the Resource of {at} to {resources}"),
        EditKind::NarrowPrincipal => format!(
            "narrow the Principal of {at} to {}",
            c.principal
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_default()
        ),
        EditKind::AddCondition => format!("add the condition {conditions} to {at}"),
        EditKind::NarrowResourceAndAddCondition => {
            format!("narrow the Resource of {at} to {resources} and add the condition {conditions}")
        }
        EditKind::DropAction => {
            format!("drop {} from the Action of {at}", c.actions.join(", "))
        }
        EditKind::ExcludeAction => {
            format!("add {} to the NotAction of {at}", c.actions.join(", "))
        }
        EditKind::RemoveStatement => {
            format!("remove {at} (its Action has only {})", c.actions.join(", "))
        }
    };
    let proof = match r.scope {
        Scope::Policy => "proved: the edited policy passes the check against the baseline".to_string(),
        Scope::Action => format!(
            "proved for {action}: the edited policy allows no {action} request beyond the baseline; other findings remain"
        ),
    };
    format!("{edit} ({proof})")
}

/// `no single-statement edit proved`, with what was tried.
pub fn no_remedy_text(advice: &Advice) -> String {
    if advice.tried.is_empty() {
        return "no single-statement edit proved (no candidate edit applies)".to_string();
    }
    format!(
        "no single-statement edit proved (tried: {})",
        advice
            .tried
            .iter()
            .map(|t| match &t.reason {
                Some(reason) => format!("{} {}: {reason}", t.edit.as_str(), t.outcome),
                None => format!("{} {}", t.edit.as_str(), t.outcome),
            })
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The indented `breaks:` and `fix:` lines of a text report.
pub fn advice_text(advice: &Advice, indent: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{indent}breaks: {}", breaks_text(&advice.breaks));
    match &advice.remedy {
        Some(r) => {
            let _ = writeln!(
                out,
                "{indent}fix: {}",
                remedy_text(r, &advice.breaks.action)
            );
            if let Some(after) = &r.statement_after {
                let _ = writeln!(
                    out,
                    "{indent}  {} becomes: {after}",
                    label(r.statement, &r.sid)
                );
            }
        }
        None => {
            let _ = writeln!(out, "{indent}fix: {}", no_remedy_text(advice));
        }
    }
    out
}

/// Text for the advice of finding number `number` (1-based), or `as for [n]` when an earlier
/// finding had the same advice.
pub fn advice_text_once<'a>(
    advice: &'a Advice,
    number: usize,
    shown: &mut Vec<(&'a Advice, usize)>,
    indent: &str,
) -> String {
    if let Some((_, first)) = shown.iter().find(|(a, _)| *a == advice) {
        return format!("{indent}breaks, fix: as for [{first}]\n");
    }
    shown.push((advice, number));
    advice_text(advice, indent)
}

/// Adds `breaks`, `remedy` (null when none is proved) and `tried` to a finding's JSON object.
pub fn add_advice_json(target: &mut Value, advice: &Advice) {
    let mut breaks = json!(advice.breaks);
    breaks["text"] = json!(breaks_text(&advice.breaks));
    target["breaks"] = breaks;
    target["remedy"] = match &advice.remedy {
        Some(r) => {
            let mut v = json!(r);
            v["text"] = json!(remedy_text(r, &advice.breaks.action));
            v
        }
        None => Value::Null,
    };
    if !advice.tried.is_empty() {
        target["tried"] = json!(advice.tried);
    }
}

/// The sentences appended to a SARIF message.
pub fn sarif_suffix(advice: &Advice) -> String {
    format!(
        " Breaks: {}. Fix: {}.",
        breaks_text(&advice.breaks),
        match &advice.remedy {
            Some(r) => remedy_text(r, &advice.breaks.action),
            None => no_remedy_text(advice),
        }
    )
}
