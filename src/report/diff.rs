//! `keyaki diff`: both directions, the Zelkova relation, and a per-statement summary.

use super::{counterexample_text, sarif, Code, EvaluationJson, PolicyFile, SarifResult};
use crate::explain::Counterexample;
use crate::model::{
    ActionClause, Condition, ConditionValue, PrincipalClause, ResourceClause, Statement,
};
pub use crate::query::diff::{diff, Diff, Relation};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;

impl Diff {
    pub fn to_json(&self) -> Value {
        let cx = |c: &Counterexample, new_is_proposed: bool| {
            let (old, new) = if new_is_proposed {
                (&c.baseline, &c.proposed)
            } else {
                (&c.proposed, &c.baseline)
            };
            json!({"request": c.request, "old": EvaluationJson::from(old), "new": EvaluationJson::from(new)})
        };
        json!({
            "relation": self.relation,
            "equivalent": self.relation == Relation::Equivalent,
            "reason": self.reason,
            "widened": self.widened.iter().map(|c| cx(c, true)).collect::<Vec<_>>(),
            "narrowed": self.narrowed.iter().map(|c| cx(c, false)).collect::<Vec<_>>(),
        })
    }

    pub fn text(&self, old: &PolicyFile, new: &PolicyFile) -> String {
        let mut out = String::new();
        let relation = match self.relation {
            Relation::Equivalent => "equivalent to",
            Relation::MorePermissive => "more permissive than",
            Relation::LessPermissive => "less permissive than",
            Relation::Incomparable => "incomparable with",
            Relation::Unknown => "undecided against",
        };
        let _ = writeln!(out, "{} is {} {}", new.path, relation, old.path);
        if let Some(r) = &self.reason {
            let _ = writeln!(out, "unknown: {r}");
        }
        let changes = statement_changes(&old.policy.statements, &new.policy.statements);
        if !changes.is_empty() {
            let _ = writeln!(out, "statements:");
            for c in changes {
                let _ = writeln!(out, "  {c}");
            }
        }
        if !self.widened.is_empty() {
            let _ = writeln!(out, "widened (new allows, old does not):");
            for (i, c) in self.widened.iter().enumerate() {
                let _ = writeln!(out, "  [{}] {}", i + 1, c.request.action);
                out.push_str(&counterexample_text(c, "new", "old"));
            }
        }
        if !self.narrowed.is_empty() {
            let _ = writeln!(out, "narrowed (old allowed, new does not):");
            for (i, c) in self.narrowed.iter().enumerate() {
                let _ = writeln!(out, "  [{}] {}", i + 1, c.request.action);
                out.push_str(&counterexample_text(c, "old", "new"));
            }
        }
        out
    }

    pub fn sarif(&self, old: &PolicyFile, new: &PolicyFile) -> Value {
        let mut results = Vec::new();
        for (list, code, file, proposed_is_new) in [
            (&self.widened, Code::WidenedAccess, new, true),
            (&self.narrowed, Code::NarrowedAccess, old, false),
        ] {
            for c in list {
                let statement = c.proposed.statements.first();
                results.push(SarifResult {
                    code,
                    file: file.path.clone(),
                    location: statement
                        .and_then(|s| file.statement_location(s.index))
                        .cloned(),
                    message: format!(
                        "{} {} {}",
                        if proposed_is_new {
                            "new version allows"
                        } else {
                            "new version no longer allows"
                        },
                        serde_json::to_string(&c.request).unwrap_or_default(),
                        statement
                            .map(|s| format!("(Statement[{}])", s.index))
                            .unwrap_or_default()
                    ),
                    properties: Some(json!({"request": c.request})),
                });
            }
        }
        if let Some(r) = &self.reason {
            results.push(SarifResult {
                code: Code::Undecided,
                file: new.path.clone(),
                location: None,
                message: r.clone(),
                properties: None,
            });
        }
        sarif(&results)
    }
}

fn statement_name(s: &Statement) -> String {
    match &s.sid {
        Some(sid) => format!("Statement[{}] \"{sid}\"", s.index),
        None => format!("Statement[{}]", s.index),
    }
}

fn texts_of_actions(c: &ActionClause) -> (&'static str, BTreeSet<String>) {
    match c {
        ActionClause::Action(p) => ("Action", p.iter().map(|p| p.text.clone()).collect()),
        ActionClause::NotAction(p) => ("NotAction", p.iter().map(|p| p.text.clone()).collect()),
    }
}

fn texts_of_resources(c: &ResourceClause) -> (&'static str, BTreeSet<String>) {
    match c {
        ResourceClause::Absent => ("Resource", BTreeSet::new()),
        ResourceClause::Resource(p) => ("Resource", p.iter().map(|p| p.text.clone()).collect()),
        ResourceClause::NotResource(p) => {
            ("NotResource", p.iter().map(|p| p.text.clone()).collect())
        }
    }
}

/// A syntactic per-statement summary: statements matched by Sid, else by position.
pub fn statement_changes(old: &[Statement], new: &[Statement]) -> Vec<String> {
    let mut out = Vec::new();
    let mut used_old = BTreeSet::new();
    for n in new {
        let matched = old
            .iter()
            .find(|o| o.sid.is_some() && o.sid == n.sid && !used_old.contains(&o.index))
            .or_else(|| {
                old.iter()
                    .find(|o| o.index == n.index && o.sid == n.sid && !used_old.contains(&o.index))
            });
        let Some(o) = matched else {
            let (kind, actions) = texts_of_actions(&n.action);
            out.push(format!(
                "added {} ({} {kind} {})",
                statement_name(n),
                n.effect,
                join(&actions)
            ));
            continue;
        };
        used_old.insert(o.index);
        let mut parts = Vec::new();
        if o.effect != n.effect {
            parts.push(format!("Effect {} → {}", o.effect, n.effect));
        }
        let (ok, oa) = texts_of_actions(&o.action);
        let (nk, na) = texts_of_actions(&n.action);
        // Action names are case-insensitive: `s3:getobject` → `s3:GetObject` is no change.
        let (oa_folded, na_folded) = (lowercased(&oa), lowercased(&na));
        if oa_folded == na_folded && ok == nk {
            // Same actions up to case.
        } else {
            let shown = |folded: BTreeSet<String>, written: &BTreeSet<String>| {
                written
                    .iter()
                    .filter(|a| folded.contains(&a.to_lowercase()))
                    .cloned()
                    .collect::<BTreeSet<String>>()
            };
            let added = shown(na_folded.difference(&oa_folded).cloned().collect(), &na);
            let removed = shown(oa_folded.difference(&na_folded).cloned().collect(), &oa);
            if ok != nk {
                set_change(&mut parts, ok, nk, &oa, &na);
            } else {
                if !added.is_empty() {
                    parts.push(format!("{nk} added {}", join(&added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("{ok} removed {}", join(&removed)));
                }
            }
        }
        let (ok, or) = texts_of_resources(&o.resource);
        let (nk, nr) = texts_of_resources(&n.resource);
        set_change(&mut parts, ok, nk, &or, &nr);
        if principal_key(&o.principal) != principal_key(&n.principal) {
            parts.push("Principal changed".to_string());
        }
        condition_changes(&mut parts, &o.conditions, &n.conditions);
        if !parts.is_empty() {
            out.push(format!(
                "changed {}: {}",
                statement_name(n),
                parts.join("; ")
            ));
        }
    }
    for o in old {
        if !used_old.contains(&o.index) {
            let (kind, actions) = texts_of_actions(&o.action);
            out.push(format!(
                "removed {} ({} {kind} {})",
                statement_name(o),
                o.effect,
                join(&actions)
            ));
        }
    }
    out
}

fn lowercased(set: &BTreeSet<String>) -> BTreeSet<String> {
    set.iter().map(|s| s.to_lowercase()).collect()
}

/// Conditions added, removed or changed, with their values. Keys compare case-insensitively.
fn condition_changes(parts: &mut Vec<String>, old: &[Condition], new: &[Condition]) {
    let describe = |c: &Condition| {
        let values: Vec<String> = c.values.iter().map(value_text).collect();
        format!("{} {} [{}]", c.operator.text, c.key, values.join(", "))
    };
    let identity = |c: &Condition| (c.operator.text.clone(), c.key_lower.clone());
    let same = |a: &Condition, b: &Condition| identity(a) == identity(b) && a.values == b.values;
    for n in new {
        if old.iter().any(|o| same(o, n)) {
            continue;
        }
        match old.iter().find(|o| identity(o) == identity(n)) {
            Some(o) => parts.push(format!(
                "condition changed: {} → [{}]",
                describe(o),
                n.values
                    .iter()
                    .map(value_text)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => parts.push(format!("condition added: {}", describe(n))),
        }
    }
    for o in old {
        let kept = new.iter().any(|n| identity(n) == identity(o));
        if !kept {
            parts.push(format!("condition removed: {}", describe(o)));
        }
    }
}

fn value_text(value: &ConditionValue) -> String {
    match value {
        ConditionValue::Text(t) => format!("{:?}", t.display_text()),
        ConditionValue::Number(n) => format!("{n}"),
        ConditionValue::Date(ms) => format!("{ms} ms"),
        ConditionValue::Bool(b) | ConditionValue::Null(b) => b.to_string(),
        ConditionValue::Cidr(net) => net.to_string(),
    }
}

fn principal_key(p: &PrincipalClause) -> String {
    format!("{p:?}")
}

fn set_change(
    parts: &mut Vec<String>,
    old_kind: &str,
    new_kind: &str,
    old: &BTreeSet<String>,
    new: &BTreeSet<String>,
) {
    if old_kind != new_kind {
        parts.push(format!(
            "{old_kind} {} → {new_kind} {}",
            join(old),
            join(new)
        ));
        return;
    }
    let added: BTreeSet<String> = new.difference(old).cloned().collect();
    let removed: BTreeSet<String> = old.difference(new).cloned().collect();
    if !added.is_empty() {
        parts.push(format!("{new_kind} added {}", join(&added)));
    }
    if !removed.is_empty() {
        parts.push(format!("{old_kind} removed {}", join(&removed)));
    }
}

fn join(set: &BTreeSet<String>) -> String {
    const SHOWN: usize = 8;
    let mut items: Vec<&str> = set.iter().map(String::as_str).take(SHOWN).collect();
    let more = set.len().saturating_sub(SHOWN);
    let tail = if more > 0 {
        format!(" (+{more} more)")
    } else {
        String::new()
    };
    if items.is_empty() {
        items.push("(none)");
    }
    format!("{}{tail}", items.join(", "))
}
