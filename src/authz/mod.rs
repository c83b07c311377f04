//! Whole authorization: what AWS decides when every policy type has a say, and who can reach what.
//!
//! A single policy is not what AWS decides on. [`context`] describes everything that takes part
//! in one decision (the principal's identity policies, permissions boundary and session
//! policies; the resource and its resource policy; the SCPs and RCPs on the path from the
//! organization root to each account); [`mod@decide`] is the concrete whole-context evaluator,
//! built on [`crate::eval::evaluate`] per policy; [`logic`] is the one combination formula both
//! the evaluator and the prover ([`symbolic`]) use; [`snapshot`] reads
//! `aws iam get-account-authorization-details`; [`reach`] builds the graph of who can become
//! whom. The documented choices are in `encodings/authz-*.md`.

// Internals of the symbolic search (hidden: reached by tests, not by embedders).
#[doc(hidden)]
pub mod candidates;
pub mod check;
pub mod context;
pub mod decide;
#[doc(hidden)]
pub mod logic;
pub mod reach;
pub mod render;
pub mod snapshot;
#[doc(hidden)]
pub mod symbolic;
mod undetermined;

pub use context::{AuthzContext, NamedPolicy, Organization, PrincipalInfo, ResourceInfo};
pub use decide::{decide, Layer, WholeDecision};
pub use symbolic::Proof;

use crate::parse::ParseError;

/// Why a context, snapshot or request could not be used: always names the file and the place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthzError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    /// The context cannot answer the question asked of it (it has no organization or no
    /// resource, a level is not in the organization, a request is not the context's caller's).
    #[error("{0}")]
    Unfit(String),
}

impl AuthzError {
    pub(crate) fn io(file: &str, err: &std::io::Error) -> AuthzError {
        AuthzError::Io {
            file: file.to_string(),
            message: format!("cannot read: {err}"),
        }
    }
}
