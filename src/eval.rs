//! The concrete evaluator: exactly what AWS decides for one request.

use crate::model::{Effect, Policy};
use crate::request::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyType {
    Identity,
    Resource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum Decision {
    Allow,
    ExplicitDeny,
    ImplicitDeny,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MatchedStatement {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    pub statements: Vec<MatchedStatement>,
}

pub fn evaluate(_policy: &Policy, _request: &Request, _policy_type: PolicyType) -> Evaluation {
    Evaluation {
        decision: Decision::ImplicitDeny,
        statements: vec![],
    }
}
