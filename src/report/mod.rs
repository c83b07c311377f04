//! Reports: one place that renders results as human text, JSON or SARIF.
//!
//! Findings carry stable kebab-case codes (see [`Code`]); JSON field names are a contract
//! pinned by insta snapshots.

pub mod diff;
pub mod findings;
pub mod remedy;

use crate::eval::{Evaluation, MatchedStatement};
use crate::explain::Counterexample;
use crate::model::{Location, Policy};
use crate::query::remedy::Advice;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
}

/// Exit codes shared by every subcommand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The property holds (proved), or the command succeeded.
    Ok = 0,
    /// The property is violated: findings or counterexamples.
    Violated = 1,
    /// Bad input or usage.
    BadInput = 2,
    /// The prover could not decide.
    Unknown = 3,
}

/// Stable finding codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// The proposal allows a request the baseline does not.
    NewAccess,
    /// A new policy version allows a request the old one did not.
    WidenedAccess,
    /// A new policy version no longer allows a request the old one did.
    NarrowedAccess,
    /// The prover could not decide.
    Undecided,
    /// A resource policy grants access to principals that are not pinned down.
    PublicAccess,
    /// A resource policy grants access to principals outside the zone of trust.
    ExternalAccess,
    /// A policy grants access that must never be granted.
    AccessGranted,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NewAccess => "new-access",
            Code::WidenedAccess => "widened-access",
            Code::NarrowedAccess => "narrowed-access",
            Code::Undecided => "undecided",
            Code::PublicAccess => "public-access",
            Code::ExternalAccess => "external-access",
            Code::AccessGranted => "access-granted",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Code::NewAccess => "The proposed policy allows a request that the baseline does not allow.",
            Code::WidenedAccess => "The new policy version allows a request that the old version did not allow.",
            Code::NarrowedAccess => "The new policy version denies a request that the old version allowed.",
            Code::Undecided => "Keyaki could not decide the property (solver unknown, timeout or unsupported construct).",
            Code::PublicAccess => "The policy grants access to principals that are not pinned down (S3 Block Public Access rule).",
            Code::ExternalAccess => "The policy grants access to principals outside the zone of trust.",
            Code::AccessGranted => "The policy grants access that must never be granted.",
        }
    }

    pub fn default_level(self) -> &'static str {
        match self {
            Code::NewAccess
            | Code::WidenedAccess
            | Code::Undecided
            | Code::PublicAccess
            | Code::ExternalAccess
            | Code::AccessGranted => "error",
            Code::NarrowedAccess => "note",
        }
    }
}

/// A policy as read from a file, for reports that point into it.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub path: String,
    pub policy: Policy,
}

impl PolicyFile {
    pub fn statement_location(&self, index: usize) -> Option<&Location> {
        self.policy.statements.get(index).map(|s| &s.location)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckResult {
    Pass,
    Fail,
    Unknown,
}

impl CheckResult {
    /// The process exit code of a result: 0 pass, 1 fail, 3 unknown.
    pub fn exit(self) -> Exit {
        match self {
            CheckResult::Pass => Exit::Ok,
            CheckResult::Fail => Exit::Violated,
            CheckResult::Unknown => Exit::Unknown,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluationJson {
    pub decision: crate::eval::Decision,
    pub statements: Vec<MatchedStatement>,
}

impl From<&Evaluation> for EvaluationJson {
    fn from(e: &Evaluation) -> Self {
        EvaluationJson {
            decision: e.decision,
            statements: e.statements.clone(),
        }
    }
}

/// `keyaki check` result.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub result: CheckResult,
    pub reason: Option<String>,
    pub counterexamples: Vec<Counterexample>,
    /// The baseline rule each counterexample breaks and the smallest proved edit that fixes
    /// it, one per action, responsible statement and baseline denial; see
    /// [`CheckReport::advice_for`].
    pub advice: Vec<Advice>,
}

impl CheckReport {
    /// The advice for a counterexample: by its action and the first statement that allowed it
    /// (robust to counterexamples dropped or completed after the check).
    pub fn advice_for(&self, c: &Counterexample) -> Option<&Advice> {
        let statement = c.proposed.statements.first()?.index;
        self.advice
            .iter()
            .find(|a| a.is_for(&c.request.action, statement, &c.baseline))
    }

    pub fn exit(&self) -> Exit {
        self.result.exit()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "result": self.result,
            "reason": self.reason,
            "counterexamples": self.counterexamples.iter().map(|c| {
                let mut v = counterexample_json(c);
                if let Some(advice) = self.advice_for(c) {
                    remedy::add_advice_json(&mut v, advice);
                }
                v
            }).collect::<Vec<_>>(),
        })
    }
}

pub fn counterexample_json(c: &Counterexample) -> Value {
    json!({
        "request": c.request,
        "proposed": EvaluationJson::from(&c.proposed),
        "baseline": EvaluationJson::from(&c.baseline),
    })
}

fn statements_text(statements: &[MatchedStatement]) -> String {
    if statements.is_empty() {
        return "no statement".to_string();
    }
    statements
        .iter()
        .map(|s| match &s.sid {
            Some(sid) => format!("Statement[{}] \"{sid}\"", s.index),
            None => format!("Statement[{}]", s.index),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One counterexample as a few indented lines.
pub fn counterexample_text(
    c: &Counterexample,
    proposed_label: &str,
    baseline_label: &str,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "    request: {}",
        serde_json::to_string(&c.request).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "    {proposed_label}: {:?} by {}",
        c.proposed.decision,
        statements_text(&c.proposed.statements)
    );
    let _ = writeln!(
        out,
        "    {baseline_label}: {:?}{}",
        c.baseline.decision,
        if c.baseline.statements.is_empty() {
            String::new()
        } else {
            format!(" by {}", statements_text(&c.baseline.statements))
        }
    );
    out
}

pub fn check_text(report: &CheckReport, proposed: &PolicyFile, baseline: &PolicyFile) -> String {
    let mut out = String::new();
    match report.result {
        CheckResult::Pass => {
            let _ = writeln!(
                out,
                "pass: {} grants no access beyond {} (proved)",
                proposed.path, baseline.path
            );
        }
        CheckResult::Fail => {
            let _ = writeln!(
                out,
                "fail: {} allows requests that {} does not ({} example{}):",
                proposed.path,
                baseline.path,
                report.counterexamples.len(),
                if report.counterexamples.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            let mut shown = Vec::new();
            for (i, c) in report.counterexamples.iter().enumerate() {
                let _ = writeln!(out, "  [{}] {}", i + 1, c.request.action);
                out.push_str(&counterexample_text(c, "proposed", "baseline"));
                if let Some(advice) = report.advice_for(c) {
                    out.push_str(&remedy::advice_text_once(advice, i + 1, &mut shown, "    "));
                }
            }
        }
        CheckResult::Unknown => {
            let _ = writeln!(
                out,
                "unknown: {}",
                report
                    .reason
                    .as_deref()
                    .unwrap_or("the prover could not decide")
            );
        }
    }
    out
}

/// SARIF 2.1.0: one result per counterexample, located at the responsible statement.
pub fn sarif(results: &[SarifResult]) -> Value {
    let mut codes: Vec<Code> = results.iter().map(|r| r.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": {"text": c.description()},
                "defaultConfiguration": {"level": c.default_level()},
            })
        })
        .collect();
    let results: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut location = json!({"physicalLocation": {"artifactLocation": {"uri": r.file}}});
            if let Some(loc) = &r.location {
                location["physicalLocation"]["region"] =
                    json!({"startLine": loc.line, "startColumn": loc.col});
                location["logicalLocations"] = json!([{"fullyQualifiedName": loc.path}]);
            }
            let mut result = json!({
                "ruleId": r.code.as_str(),
                "level": r.code.default_level(),
                "message": {"text": r.message},
                "locations": [location],
            });
            if let Some(props) = &r.properties {
                result["properties"] = props.clone();
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "keyaki",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/keyaki/keyaki",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

#[derive(Debug, Clone)]
pub struct SarifResult {
    pub code: Code,
    pub file: String,
    pub location: Option<Location>,
    pub message: String,
    pub properties: Option<Value>,
}

/// SARIF results for a check: each counterexample at the first proposed statement that allowed it.
pub fn check_sarif(report: &CheckReport, proposed: &PolicyFile, code: Code) -> Value {
    let mut results = Vec::new();
    for c in &report.counterexamples {
        let statement = c.proposed.statements.first();
        let advice = report.advice_for(c);
        let mut properties = json!({"request": c.request});
        if let Some(advice) = advice {
            remedy::add_advice_json(&mut properties, advice);
        }
        results.push(SarifResult {
            code,
            file: proposed.path.clone(),
            location: statement
                .and_then(|s| proposed.statement_location(s.index))
                .cloned(),
            message: format!(
                "{} allows {} (baseline: {:?}){}",
                statement
                    .map(|s| statements_text(std::slice::from_ref(s)))
                    .unwrap_or_default(),
                serde_json::to_string(&c.request).unwrap_or_default(),
                c.baseline.decision,
                advice.map(remedy::sarif_suffix).unwrap_or_default()
            ),
            properties: Some(properties),
        });
    }
    if report.result == CheckResult::Unknown {
        results.push(SarifResult {
            code: Code::Undecided,
            file: proposed.path.clone(),
            location: None,
            message: report.reason.clone().unwrap_or_else(|| "undecided".into()),
            properties: None,
        });
    }
    sarif(&results)
}
