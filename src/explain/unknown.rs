//! Why a check ended without a proof or a counterexample (exit 3), as a typed value.
//!
//! The text (`Display`) is what the reports print and the JSON carries.

use crate::encode::EncodeError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnknownReason {
    /// A construct the encoder does not support.
    #[error("{0}")]
    Unsupported(#[from] EncodeError),
    /// The time limit ran out before the search started.
    #[error("timeout after {limit_ms} ms (while encoding)")]
    EncodingTimeout { limit_ms: u128 },
    /// The time limit ran out during the search.
    #[error("timeout: the --timeout limit was reached")]
    Timeout,
    /// The solver answered unknown (its own reason).
    #[error("solver returned unknown: {0}")]
    Solver(String),
    /// The search used its budget of refinement rounds.
    #[error("gave up after {0} refinement rounds")]
    Refinements(usize),
    /// The check would use more memory than its budget.
    #[error("memory budget of {limit_mb} MB exceeded")]
    Memory { limit_mb: u64 },
    /// The concretizer found no request for a model (never a pass).
    #[error("{0}")]
    Incomplete(String),
    /// A counterexample did not replay through the evaluator (a bug; never printed).
    #[error("internal error: a counterexample did not replay through the evaluator: {0}")]
    ReplayFailed(String),
}
