//! The crate's one error type: a variant per stage, each converted with `#[from]`.
//!
//! "Unknown" (the prover could not decide) is not an error: it is a result value
//! ([`crate::explain::Verdict::Unknown`]) so that it can never be mistaken for a pass.

/// Everything that can go wrong before a question reaches the prover: unreadable or
/// oversized input, malformed policies, requests, specs, templates, events, authorization
/// contexts and activity reports, bad settings. Each message names the file and the place in
/// it (JSON path and line:col, a template's logical id, a record's location).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] crate::query::InputError),
    #[error(transparent)]
    Parse(#[from] crate::parse::ParseError),
    #[error(transparent)]
    Spec(#[from] crate::access::spec::SpecError),
    /// A trust zone entry that is not `account:<id>` or `org:o-<id>`.
    #[error(transparent)]
    Zone(#[from] crate::access::zone::ZoneError),
    /// An accepted-findings file that cannot be used.
    #[error(transparent)]
    Accept(#[from] crate::access::accept::AcceptError),
    #[error(transparent)]
    Scan(#[from] crate::scan::ScanError),
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    #[error(transparent)]
    Events(#[from] crate::events::RunError),
    #[error(transparent)]
    Authz(#[from] crate::authz::AuthzError),
    #[error(transparent)]
    Activity(#[from] crate::activity::ReportError),
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

/// The events stage's own errors, each through [`crate::events::RunError`].
macro_rules! via_events {
    ($($error:ty),*) => {$(
        impl From<$error> for Error {
            fn from(error: $error) -> Error {
                Error::Events(crate::events::RunError::from(error))
            }
        }
    )*};
}

via_events!(
    crate::events::reader::ReadError,
    crate::events::store::StoreError,
    crate::events::ValueError
);

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

// The Lambda runtime and thread pools move errors across threads: keep `Error` Send + Sync.
const _: fn() = || {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<Error>();
};
