//! Reading inputs: every file, pipe and stdin goes through one bounded reader, so an endless
//! input (`/dev/zero`, a pipe) is refused at the limit instead of filling memory.

use crate::report::PolicyFile;
use std::io::Read;

/// The largest policy, request, spec or template read (bytes). AWS's own limits are far below.
pub const MAX_INPUT_BYTES: u64 = 10 * 1024 * 1024;

/// The path that means standard input.
pub const STDIN: &str = "-";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("{path}: cannot read: {message}")]
    Unreadable { path: String, message: String },
    #[error("{path}: more than {limit} bytes: over the input limit of {limit} bytes (AWS policies are at most a few KB; to raise the limit, change keyaki::query::MAX_INPUT_BYTES and rebuild)")]
    TooLarge { path: String, limit: u64 },
}

impl InputError {
    /// The message without the path (for callers that name the file themselves).
    pub fn reason(&self) -> String {
        match self {
            InputError::Unreadable { message, .. } => format!("cannot read: {message}"),
            InputError::TooLarge { limit, .. } => format!(
                "more than {limit} bytes: over the input limit of {limit} bytes"
            ),
        }
    }
}

/// Reads `path` (`-` = stdin) up to [`MAX_INPUT_BYTES`]; past that it is refused, whatever the
/// file metadata says (pipes and devices have none).
pub fn read_input(path: &str) -> Result<Vec<u8>, InputError> {
    read_input_limited(path, MAX_INPUT_BYTES)
}

/// [`read_input`] with a caller-chosen limit.
pub fn read_input_limited(path: &str, limit: u64) -> Result<Vec<u8>, InputError> {
    let unreadable = |e: std::io::Error| InputError::Unreadable {
        path: path.to_string(),
        message: e.to_string(),
    };
    if path == STDIN {
        return read_bounded(std::io::stdin().lock(), path, limit);
    }
    if std::fs::metadata(path).map_err(unreadable)?.is_dir() {
        return Err(InputError::Unreadable {
            path: path.to_string(),
            message: "is a directory".to_string(),
        });
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    read_bounded(file, path, limit)
}

/// Reads at most `limit + 1` bytes from `reader`; more than `limit` is an error.
pub fn read_bounded(reader: impl Read, path: &str, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::Unreadable {
            path: path.to_string(),
            message: e.to_string(),
        })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge {
            path: path.to_string(),
            limit,
        });
    }
    Ok(bytes)
}

/// Reads and parses a policy file; errors name the file (and, for parse errors, the JSON path
/// and line:col).
pub fn load_policy(path: &str) -> Result<PolicyFile, crate::Error> {
    let bytes = read_input(path)?;
    let policy = crate::parse::parse_policy(&bytes, path)?;
    Ok(PolicyFile {
        path: path.to_string(),
        policy,
    })
}
