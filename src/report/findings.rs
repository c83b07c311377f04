//! Reports for the findings commands (`access`, `check-no-public-access`,
//! `check-access-not-granted`, `check --spec`): one JSON shape, text and SARIF.
//!
//! ```json
//! {"result": "fail", "reason": null,
//!  "findings": [{"kind": "public", "principal": "*", "actions": ["s3:GetObject"],
//!                "resources": ["arn:aws:s3:::b/*"], "conditions": {}, "request": {...},
//!                "statement": {"index": 0, "sid": "PublicRead"}}]}
//! ```
//! Accepted findings carry `"accepted": true` and do not fail the result.

use super::{remedy, sarif, CheckResult, Code, Exit, PolicyFile, SarifResult};
use crate::access::{Finding, FindingKind};
use crate::query::remedy::Advice;
use serde_json::{json, Value};
use std::fmt::Write as _;

#[derive(Debug, Clone)]
pub struct FindingsReport {
    pub result: CheckResult,
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    /// Per finding (same order; empty when none was computed): the baseline rule a
    /// `new-access` finding breaks and its proved remedy.
    pub advice: Vec<Option<Advice>>,
}

impl FindingsReport {
    /// Fail when any finding is not accepted; else unknown when the prover stopped early; else pass.
    pub fn new(findings: Vec<Finding>, unknown: Vec<String>) -> FindingsReport {
        let result = if findings.iter().any(|f| !f.accepted) {
            CheckResult::Fail
        } else if !unknown.is_empty() {
            CheckResult::Unknown
        } else {
            CheckResult::Pass
        };
        FindingsReport {
            result,
            reason: (!unknown.is_empty()).then(|| unknown.join("; ")),
            findings,
            advice: Vec::new(),
        }
    }

    /// The advice computed for finding `i`, if any.
    pub fn advice_for(&self, i: usize) -> Option<&Advice> {
        self.advice.get(i).and_then(Option::as_ref)
    }

    /// A finding's JSON with its advice.
    fn finding_json_at(&self, i: usize, f: &Finding) -> Value {
        let mut v = finding_json(f);
        if let Some(advice) = self.advice_for(i) {
            remedy::add_advice_json(&mut v, advice);
        }
        v
    }

    pub fn exit(&self) -> Exit {
        self.result.exit()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "result": self.result,
            "reason": self.reason,
            "findings": self.findings.iter().enumerate().map(|(i, f)| self.finding_json_at(i, f)).collect::<Vec<_>>(),
        })
    }

    /// Human text: the verdict, then one block per finding.
    pub fn text(&self, subject: &str, question: &str) -> String {
        let mut out = String::new();
        let open = self.findings.iter().filter(|f| !f.accepted).count();
        match self.result {
            CheckResult::Pass if self.findings.is_empty() => {
                let _ = writeln!(out, "pass: {subject}: {question} (proved)");
            }
            CheckResult::Pass => {
                let _ = writeln!(
                    out,
                    "pass: {subject}: {question} apart from {} accepted finding{} (proved)",
                    self.findings.len(),
                    plural(self.findings.len())
                );
            }
            CheckResult::Fail => {
                let _ = writeln!(
                    out,
                    "fail: {subject}: {open} finding{}{}",
                    plural(open),
                    match self.findings.len() - open {
                        0 => String::new(),
                        n => format!(" ({n} accepted)"),
                    }
                );
            }
            CheckResult::Unknown => {}
        }
        if let Some(reason) = &self.reason {
            let _ = writeln!(
                out,
                "{}: {reason}",
                if self.result == CheckResult::Unknown {
                    "unknown"
                } else {
                    "note (the list may be incomplete)"
                }
            );
        }
        let mut shown = Vec::new();
        for (i, f) in self.findings.iter().enumerate() {
            let _ = writeln!(
                out,
                "  [{}] {}{}{}",
                i + 1,
                f.kind.as_str(),
                if f.accepted { " (accepted)" } else { "" },
                match &f.statement {
                    Some(s) => match &s.sid {
                        Some(sid) => format!(" by Statement[{}] \"{sid}\"", s.index),
                        None => format!(" by Statement[{}]", s.index),
                    },
                    None => String::new(),
                }
            );
            if !f.principal.is_null() {
                let _ = writeln!(out, "    principal: {}", f.principal);
            }
            let _ = writeln!(out, "    actions: {}", f.actions.join(", "));
            let _ = writeln!(out, "    resources: {}", f.resources.join(", "));
            if f.conditions.as_object().is_some_and(|c| !c.is_empty()) {
                let _ = writeln!(out, "    conditions: {}", f.conditions);
            }
            let _ = writeln!(
                out,
                "    example: {}",
                serde_json::to_string(&f.request).unwrap_or_default()
            );
            if let Some(advice) = self.advice_for(i) {
                out.push_str(&remedy::advice_text_once(advice, i + 1, &mut shown, "    "));
            }
        }
        out
    }

    /// SARIF: one result per finding at its statement; accepted findings are suppressed.
    pub fn sarif(&self, file: &PolicyFile) -> Value {
        let mut results: Vec<SarifResult> = self
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| SarifResult {
                code: code_of(f.kind),
                file: file.path.clone(),
                location: f
                    .statement
                    .as_ref()
                    .and_then(|s| file.statement_location(s.index))
                    .cloned(),
                message: format!(
                    "{}{}",
                    message(f),
                    self.advice_for(i)
                        .map(remedy::sarif_suffix)
                        .unwrap_or_default()
                ),
                properties: Some(self.finding_json_at(i, f)),
            })
            .collect();
        if self.result == CheckResult::Unknown || self.reason.is_some() {
            results.push(SarifResult {
                code: Code::Undecided,
                file: file.path.clone(),
                location: None,
                message: self.reason.clone().unwrap_or_else(|| "undecided".into()),
                properties: None,
            });
        }
        let mut log = sarif(&results);
        if let Some(items) = log["runs"][0]["results"].as_array_mut() {
            for (item, f) in items.iter_mut().zip(&self.findings) {
                if f.accepted {
                    item["suppressions"] = json!([{"kind": "external", "status": "accepted"}]);
                }
            }
        }
        log
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The SARIF rule of a finding kind.
pub fn code_of(kind: FindingKind) -> Code {
    match kind {
        FindingKind::Public => Code::PublicAccess,
        FindingKind::CrossAccount => Code::ExternalAccess,
        FindingKind::Granted => Code::AccessGranted,
        FindingKind::NewAccess => Code::NewAccess,
    }
}

fn message(f: &Finding) -> String {
    let what = match f.kind {
        FindingKind::Public => "public access",
        FindingKind::CrossAccount => "access from outside the zone of trust",
        FindingKind::Granted => "access that must never be granted",
        FindingKind::NewAccess => "access beyond the baseline",
    };
    format!(
        "{what}: {} may {} on {}{}",
        if f.principal.is_null() {
            // Identity policies: the principal is whoever the policy is attached to.
            "the principal the policy is attached to".to_string()
        } else {
            f.principal.to_string()
        },
        f.actions.join(", "),
        f.resources.join(", "),
        if f.conditions.as_object().is_some_and(|c| !c.is_empty()) {
            format!(" when {}", f.conditions)
        } else {
            String::new()
        }
    )
}

/// The finding structure shared by every findings command.
pub fn finding_json(f: &Finding) -> Value {
    let mut v = json!({
        "kind": f.kind,
        "principal": f.principal,
        "actions": f.actions,
        "resources": f.resources,
        "conditions": f.conditions,
        "request": f.request,
    });
    if let Some(s) = &f.statement {
        v["statement"] = json!({"index": s.index, "sid": s.sid});
    }
    if f.accepted {
        v["accepted"] = json!(true);
    }
    v
}
