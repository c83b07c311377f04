//! Checks each policy change of a stream: the verdict against a spec or baseline, what the
//! change widened against the previous version of the same resource, and the last compliant
//! version (the newest earlier policy of that resource that passes).

use super::extract::{recognize, Change, ChangeKind};
use super::managed::ManagedPolicies;
use crate::access::spec::{check_spec, Spec};
use crate::explain::{check_no_new_access, CheckOptions, Verdict};
use crate::model::Policy;
use crate::report::findings::{finding_json, FindingsReport};
use crate::report::{counterexample_json, CheckResult};
use serde_json::{json, Value};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What every change is checked against.
#[derive(Debug, Clone)]
pub enum Against {
    Baseline { label: String, policy: Policy },
    Spec(Box<Spec>),
}

/// The verdict on one recognized record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventResult {
    Pass,
    Fail,
    Unknown,
    /// A failed call (`errorCode`): nothing changed.
    Attempt,
    /// A change with no policy to check (CORS, public-access block, public ACL).
    Alarm,
}

impl EventResult {
    pub fn as_str(self) -> &'static str {
        match self {
            EventResult::Pass => "pass",
            EventResult::Fail => "fail",
            EventResult::Unknown => "unknown",
            EventResult::Attempt => "attempt",
            EventResult::Alarm => "alarm",
        }
    }
    pub fn parse(text: &str) -> Option<EventResult> {
        [
            Self::Pass,
            Self::Fail,
            Self::Unknown,
            Self::Attempt,
            Self::Alarm,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// One recognized record and what the checker found.
#[derive(Debug, Clone)]
pub struct EventOutcome {
    pub change: Change,
    pub result: EventResult,
    /// Why the result is unknown, an alarm, an attempt or a pass without a check.
    pub reason: Option<String>,
    /// Findings (spec) or counterexamples (baseline), each with a replayed request.
    pub findings: Vec<Value>,
    /// Against the previous version of the same resource: `null` when none was seen.
    pub widened: Option<Value>,
    /// The newest earlier policy of this resource that passes.
    pub last_compliant: Option<Value>,
    /// The policy document checked (for AddPermission: the previous policy plus the statement).
    pub policy: Option<Value>,
}

impl EventOutcome {
    /// The JSONL line: exactly the keys issue #14 names.
    pub fn jsonl(&self) -> Value {
        json!({
            "eventID": self.change.event_id,
            "eventName": self.change.event_name,
            "eventTime": self.change.event_time,
            "resource": self.change.resource,
            "result": self.result,
            "findings": self.findings,
            "widened": self.widened,
            "last_compliant": self.last_compliant,
        })
    }

    /// The full record for `--format json` and the Lambda handler: the JSONL keys plus who
    /// did it, where the policy was, why, and the policy itself.
    pub fn json(&self) -> Value {
        let mut v = self.jsonl();
        v["eventSource"] = json!(self.change.event_source);
        v["actor"] = json!(self.change.actor);
        v["slot"] = json!(self.change.slot);
        v["reason"] = json!(self.reason);
        v["policy"] = json!(self.policy);
        if let ChangeKind::Policy { location, .. } | ChangeKind::StatementAdded { location, .. } =
            &self.change.kind
        {
            v["policy_location"] = json!(location);
        }
        v
    }
}

/// One version of a resource's document as seen in the stream.
#[derive(Debug, Clone)]
struct Version {
    order: (i64, u64),
    /// Hash of the document's text (0 when removed).
    hash: u64,
    event_id: String,
    /// `None`: the document was removed.
    document: Option<Arc<Value>>,
    parsed: Option<Arc<Policy>>,
    compliant: bool,
}

/// A resource's versions in time order, the newest few kept (memory stays flat however long
/// the stream), plus the newest compliant one among those dropped.
#[derive(Debug, Default)]
struct History {
    versions: Vec<Version>,
    dropped_compliant: Option<Version>,
}

const KEPT_VERSIONS: usize = 16;
const CACHE_LIMIT: usize = 4096;

impl History {
    fn before(&self, order: (i64, u64)) -> impl Iterator<Item = &Version> {
        self.versions.iter().rev().filter(move |v| v.order < order)
    }
    fn previous(&self, order: (i64, u64)) -> Option<&Version> {
        self.before(order).next()
    }
    fn last_compliant(&self, order: (i64, u64)) -> Option<&Version> {
        self.before(order)
            .find(|v| v.compliant && v.document.is_some())
            .or(self.dropped_compliant.as_ref().filter(|v| v.order < order))
    }
    fn insert(&mut self, version: Version) {
        let at = self.versions.partition_point(|v| v.order <= version.order);
        self.versions.insert(at, version);
        if self.versions.len() > KEPT_VERSIONS {
            let oldest = self.versions.remove(0);
            if oldest.compliant && oldest.document.is_some() {
                self.dropped_compliant = Some(oldest);
            }
        }
    }
}

/// A cached verdict on one document (the same policy is re-applied often).
#[derive(Debug, Clone)]
struct Checked {
    result: EventResult,
    reason: Option<String>,
    findings: Vec<Value>,
}

/// Checks a stream's changes in order. Holds each resource's recent versions and caches
/// verdicts by document, both bounded.
pub struct Checker {
    against: Against,
    options: CheckOptions,
    managed: ManagedPolicies,
    histories: HashMap<String, History>,
    verdicts: HashMap<(u64, bool), Checked>,
    diffs: HashMap<(u64, u64, bool), Value>,
    parsed: HashMap<u64, Arc<Policy>>,
    sequence: u64,
}

impl Checker {
    pub fn new(against: Against, options: CheckOptions, managed: ManagedPolicies) -> Checker {
        Checker {
            against,
            options,
            managed,
            histories: HashMap::new(),
            verdicts: HashMap::new(),
            diffs: HashMap::new(),
            parsed: HashMap::new(),
            sequence: 0,
        }
    }

    /// The outcome for one record, or `None` when it changes no policy.
    pub fn process(&mut self, record: &Value) -> Option<EventOutcome> {
        let change = recognize(record)?;
        Some(self.process_change(change))
    }

    pub fn process_change(&mut self, change: Change) -> EventOutcome {
        self.sequence += 1;
        let order = (change.time.unwrap_or(i64::MAX), self.sequence);
        let key = format!("{}\u{0}{}", change.resource, change.slot);
        let mut outcome = EventOutcome {
            result: EventResult::Unknown,
            reason: None,
            findings: Vec::new(),
            widened: None,
            last_compliant: None,
            policy: None,
            change,
        };
        let history = self.histories.get(&key);
        outcome.last_compliant = history
            .and_then(|h| h.last_compliant(order))
            .and_then(|v| v.document.as_deref().cloned());
        if let Some(error) = &outcome.change.error {
            outcome.result = EventResult::Attempt;
            outcome.reason = Some(format!("the call failed ({error}): nothing changed"));
            outcome.findings =
                vec![json!({"kind": "attempt", "error": error, "actor": outcome.change.actor})];
            return outcome;
        }
        let previous = history.and_then(|h| h.previous(order)).cloned();
        let document = match self.new_document(&outcome.change, previous.as_ref()) {
            NewDocument::Document(doc, note) => {
                outcome.reason = note;
                doc
            }
            NewDocument::Removed => {
                outcome.result = EventResult::Pass;
                outcome.reason = Some("the document was removed: it grants nothing".into());
                self.remember(&key, order, &outcome, None, None);
                return outcome;
            }
            NewDocument::Decided(result, detail, alarm) => {
                outcome.result = result;
                outcome.reason = Some(detail.clone());
                if let Some(name) = alarm {
                    outcome.findings = vec![
                        json!({"kind": "alarm", "alarm": name, "detail": detail, "actor": outcome.change.actor}),
                    ];
                }
                return outcome;
            }
            NewDocument::Missing(reason) => {
                outcome.reason = Some(reason);
                return outcome;
            }
        };
        // One serialization per record: the cache key, and the parser's input on a miss.
        let text = document.to_string();
        let hash = hash_of(&text);
        let parsed = match self.parsed.get(&hash) {
            Some(p) => p.clone(),
            None => match crate::parse::parse_policy(
                text.as_bytes(),
                &format!("event {}", outcome.change.event_id),
            ) {
                Ok(p) => {
                    let p = Arc::new(p);
                    if self.parsed.len() >= CACHE_LIMIT {
                        self.parsed.clear();
                    }
                    self.parsed.insert(hash, p.clone());
                    p
                }
                Err(e) => {
                    outcome.reason = Some(format!("the policy does not parse: {e}"));
                    outcome.policy = Some(document);
                    return outcome;
                }
            },
        };
        let resource_type = outcome.change.policy_type == crate::eval::PolicyType::Resource;
        let checked = match self.verdicts.get(&(hash, resource_type)) {
            Some(c) => c.clone(),
            None => {
                let c = self.check(&parsed, &outcome.change);
                if self.verdicts.len() >= CACHE_LIMIT {
                    self.verdicts.clear();
                }
                self.verdicts.insert((hash, resource_type), c.clone());
                c
            }
        };
        outcome.result = checked.result;
        outcome.findings = checked.findings;
        if checked.reason.is_some() {
            outcome.reason = checked.reason;
        }
        if let Some(prev) = &previous {
            if let (Some(_), Some(prev_policy)) = (&prev.document, &prev.parsed) {
                let diff_key = (prev.hash, hash, resource_type);
                let widened = match self.diffs.get(&diff_key) {
                    Some(w) => w.clone(),
                    None => {
                        let w = self.widened(&parsed, prev_policy, &outcome.change);
                        if self.diffs.len() >= CACHE_LIMIT {
                            self.diffs.clear();
                        }
                        self.diffs.insert(diff_key, w.clone());
                        w
                    }
                };
                let mut widened = widened;
                widened["previous_eventID"] = json!(prev.event_id);
                outcome.widened = Some(widened);
            }
        }
        let document = Arc::new(document);
        outcome.policy = Some((*document).clone());
        self.remember(&key, order, &outcome, Some((document, hash)), Some(parsed));
        outcome
    }

    fn remember(
        &mut self,
        key: &str,
        order: (i64, u64),
        outcome: &EventOutcome,
        document: Option<(Arc<Value>, u64)>,
        parsed: Option<Arc<Policy>>,
    ) {
        let (document, hash) = match document {
            Some((d, h)) => (Some(d), h),
            None => (None, 0),
        };
        self.histories
            .entry(key.to_string())
            .or_default()
            .insert(Version {
                order,
                hash,
                event_id: outcome.change.event_id.clone(),
                document,
                parsed,
                compliant: outcome.result == EventResult::Pass,
            });
    }

    fn options_for(&self, change: &Change) -> CheckOptions {
        CheckOptions {
            policy_type: change.policy_type,
            ..self.options.clone()
        }
    }

    fn check(&self, policy: &Policy, change: &Change) -> Checked {
        let options = self.options_for(change);
        match &self.against {
            Against::Spec(spec) => {
                let outcome = check_spec(policy, spec, &options);
                let report = FindingsReport::new(outcome.findings, outcome.unknown);
                Checked {
                    result: match report.result {
                        CheckResult::Pass => EventResult::Pass,
                        CheckResult::Fail => EventResult::Fail,
                        CheckResult::Unknown => EventResult::Unknown,
                    },
                    reason: report.reason.clone(),
                    findings: report.findings.iter().map(finding_json).collect(),
                }
            }
            Against::Baseline {
                label,
                policy: baseline,
            } => match check_no_new_access(policy, baseline, &options) {
                Verdict::Holds => Checked {
                    result: EventResult::Pass,
                    reason: None,
                    findings: vec![],
                },
                Verdict::Violated(list) => Checked {
                    result: EventResult::Fail,
                    reason: None,
                    findings: list.iter().map(counterexample_json).collect(),
                },
                Verdict::Unknown(r) => Checked {
                    result: EventResult::Unknown,
                    reason: Some(format!("baseline {label}: {r}")),
                    findings: vec![],
                },
            },
        }
    }

    /// What the new version allows that the previous one did not (replayed requests).
    fn widened(&self, new: &Policy, previous: &Policy, change: &Change) -> Value {
        match check_no_new_access(new, previous, &self.options_for(change)) {
            Verdict::Holds => json!({"result": "not-wider", "requests": []}),
            Verdict::Violated(list) => json!({
                "result": "wider",
                "requests": list.iter().map(counterexample_json).collect::<Vec<_>>(),
            }),
            Verdict::Unknown(reason) => {
                json!({"result": "unknown", "reason": reason.to_string(), "requests": []})
            }
        }
    }

    /// The document the change leaves on the resource, or why there is none to check.
    fn new_document(&mut self, change: &Change, previous: Option<&Version>) -> NewDocument {
        let previous_doc = previous.and_then(|v| v.document.as_deref());
        match &change.kind {
            ChangeKind::Policy { document, .. } => NewDocument::Document(document.clone(), None),
            ChangeKind::Removed => NewDocument::Removed,
            ChangeKind::Alarm { alarm, detail } => {
                NewDocument::Decided(EventResult::Alarm, detail.clone(), Some(alarm))
            }
            ChangeKind::Safe { detail } => NewDocument::Decided(EventResult::Pass, detail.clone(), None),
            ChangeKind::Missing { reason } => NewDocument::Missing(reason.clone()),
            ChangeKind::StatementAdded { statement, .. } => {
                let (mut statements, note) = match previous_doc {
                    Some(doc) => (statements_of(doc), None),
                    None => (Vec::new(), Some("no earlier policy of this resource in the stream: checked the added statement alone (a violation it adds is a violation of the whole policy)".to_string())),
                };
                // A Sid is unique in a resource policy (AWS rejects a duplicate): a repeated
                // Sid means the stream missed a removal, and the new statement replaces it.
                let sid = statement.get("Sid").and_then(Value::as_str).filter(|s| !s.is_empty());
                if let Some(sid) = sid {
                    statements.retain(|s| s.get("Sid").and_then(Value::as_str) != Some(sid));
                }
                statements.push(statement.clone());
                NewDocument::Document(json!({"Version": "2012-10-17", "Statement": statements}), note)
            }
            ChangeKind::StatementRemoved { sid } => match previous_doc {
                Some(doc) => {
                    let statements: Vec<Value> = statements_of(doc)
                        .into_iter()
                        .filter(|s| s.get("Sid").and_then(Value::as_str) != Some(sid))
                        .collect();
                    if statements.is_empty() {
                        NewDocument::Removed
                    } else {
                        NewDocument::Document(json!({"Version": "2012-10-17", "Statement": statements}), None)
                    }
                }
                None => NewDocument::Missing(format!(
                    "statement {sid:?} removed, but no earlier policy of this resource is in the stream"
                )),
            },
            ChangeKind::Attached { policy_arn } => {
                if policy_arn.contains(":aws:policy/") {
                    return match self.managed.lookup(policy_arn) {
                        Ok(doc) => NewDocument::Document(doc, None),
                        Err(reason) => NewDocument::Missing(reason.to_string()),
                    };
                }
                // A customer managed policy: its default version, if created earlier in the stream.
                let key = format!("{policy_arn}\u{0}default-version");
                match self
                    .histories
                    .get(&key)
                    .and_then(|h| h.versions.last())
                    .and_then(|v| v.document.as_deref())
                {
                    Some(doc) => NewDocument::Document(doc.clone(), None),
                    None => NewDocument::Missing(format!(
                        "{policy_arn}: a customer managed policy not created earlier in the stream"
                    )),
                }
            }
        }
    }
}

enum NewDocument {
    Document(Value, Option<String>),
    Removed,
    Decided(EventResult, String, Option<&'static str>),
    Missing(String),
}

/// A document's statements as a list (`Statement` may be one object).
fn statements_of(document: &Value) -> Vec<Value> {
    match document.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn hash_of(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}
