//! What stops a command before it has a verdict: always exit 2 (bad input or usage). "Unknown"
//! and violations are verdicts ([`keyaki::report::Exit`]), never errors.

use keyaki::report::Exit;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input the library found (unreadable or oversized input, a malformed policy, request,
    /// spec or template), with the file, JSON path and line:col or logical id it names.
    #[error(transparent)]
    Library(#[from] keyaki::Error),
    /// A parse error already rendered with a snippet of the file (see `diagnostic`).
    #[error("{0}")]
    Rendered(String),
    /// A usage mistake or bad input found by the command itself.
    #[error("{0}")]
    Usage(String),
    /// The report could not be written (a closed pipe).
    #[error("{0}")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// The exit code: every error is bad input or usage.
    pub fn exit(&self) -> Exit {
        Exit::BadInput
    }

    /// The message as printed on stderr.
    pub fn message(&self) -> String {
        match self {
            CliError::Rendered(diagnostic) => diagnostic.clone(),
            other => format!("error: {other}"),
        }
    }
}

impl From<String> for CliError {
    fn from(message: String) -> CliError {
        CliError::Usage(message)
    }
}

impl From<&str> for CliError {
    fn from(message: &str) -> CliError {
        CliError::Usage(message.to_string())
    }
}

/// The library's error types, each through [`keyaki::Error`].
macro_rules! via_library {
    ($($error:ty),*) => {$(
        impl From<$error> for CliError {
            fn from(error: $error) -> CliError {
                CliError::Library(keyaki::Error::from(error))
            }
        }
    )*};
}

via_library!(
    keyaki::InputError,
    keyaki::ParseError,
    keyaki::SpecError,
    keyaki::ZoneError,
    keyaki::AcceptError,
    keyaki::scan::ScanError,
    keyaki::template::TemplateError,
    keyaki::events::RunError,
    keyaki::events::ValueError,
    keyaki::events::reader::ReadError,
    keyaki::events::store::StoreError,
    keyaki::authz::AuthzError,
    keyaki::activity::ReportError
);

/// `Result` of the command layer.
pub type CliResult<T> = Result<T, CliError>;
