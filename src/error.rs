//! The crate's one error type: a variant per stage, each converted with `#[from]`.
//!
//! "Unknown" (the prover could not decide) is not an error: it is a result value
//! ([`crate::explain::Verdict::Unknown`]) so that it can never be mistaken for a pass.

/// Everything that can go wrong before a question reaches the prover: unreadable or
/// oversized input, malformed policies and requests, bad specs, bad scan settings.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] crate::query::InputError),
    #[error(transparent)]
    Parse(#[from] crate::parse::ParseError),
    #[error(transparent)]
    Spec(#[from] crate::access::spec::SpecError),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    /// A usage mistake an embedder or the CLI made (an option out of range, a missing input).
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// A usage error with this message.
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
