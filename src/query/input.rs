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
            InputError::TooLarge { limit, .. } => {
                format!("more than {limit} bytes: over the input limit of {limit} bytes")
            }
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

/// Opens `path` (`-` = stdin) for streaming, line by line.
pub fn open_lines(path: &str) -> Result<BoundedLines<Box<dyn std::io::BufRead>>, InputError> {
    let reader: Box<dyn std::io::BufRead> = if path == STDIN {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        let file = std::fs::File::open(path).map_err(|e| InputError::Unreadable {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        Box::new(std::io::BufReader::new(file))
    };
    Ok(BoundedLines::new(reader, path, MAX_INPUT_BYTES))
}

/// The lines of a JSON Lines input, each read with the size limit: memory stays bounded
/// however long the input or any one line. A line over the limit ends the iteration with
/// [`InputError::TooLarge`] (an endless line cannot be skipped).
pub struct BoundedLines<R> {
    reader: R,
    path: String,
    limit: u64,
    line: usize,
    done: bool,
}

impl<R: std::io::BufRead> BoundedLines<R> {
    pub fn new(reader: R, path: &str, limit: u64) -> BoundedLines<R> {
        BoundedLines {
            reader,
            path: path.to_string(),
            limit,
            line: 0,
            done: false,
        }
    }
}

impl<R: std::io::BufRead> Iterator for BoundedLines<R> {
    /// (1-based line number, the line without its newline).
    type Item = Result<(usize, Vec<u8>), InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        use std::io::BufRead as _;
        if self.done {
            return None;
        }
        self.line += 1;
        let mut bytes = Vec::new();
        let read = (&mut self.reader)
            .take(self.limit.saturating_add(2))
            .read_until(b'\n', &mut bytes);
        match read {
            Err(e) => {
                self.done = true;
                Some(Err(InputError::Unreadable {
                    path: format!("{}:{}", self.path, self.line),
                    message: e.to_string(),
                }))
            }
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => {
                if bytes.last() == Some(&b'\n') {
                    bytes.pop();
                    if bytes.last() == Some(&b'\r') {
                        bytes.pop();
                    }
                }
                if bytes.len() as u64 > self.limit {
                    self.done = true;
                    return Some(Err(InputError::TooLarge {
                        path: format!("{}:{}", self.path, self.line),
                        limit: self.limit,
                    }));
                }
                Some(Ok((self.line, bytes)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded_and_numbered() {
        let input = b"a\r\nbb\n\ncccc\nd".as_slice();
        let lines: Vec<_> = BoundedLines::new(input, "x", 3).collect();
        assert_eq!(lines[0], Ok((1, b"a".to_vec())));
        assert_eq!(lines[1], Ok((2, b"bb".to_vec())));
        assert_eq!(lines[2], Ok((3, b"".to_vec())));
        assert_eq!(
            lines[3],
            Err(InputError::TooLarge {
                path: "x:4".into(),
                limit: 3
            })
        );
        assert_eq!(lines.len(), 4, "nothing after an over-long line");
    }

    #[test]
    fn an_endless_input_is_refused_at_the_limit() {
        let endless = std::io::repeat(b'x');
        let err = read_bounded(endless, "zero", 1000);
        assert_eq!(
            err,
            Err(InputError::TooLarge {
                path: "zero".into(),
                limit: 1000
            })
        );
        let mut lines = BoundedLines::new(std::io::BufReader::new(std::io::repeat(b'x')), "z", 10);
        assert!(matches!(
            lines.next(),
            Some(Err(InputError::TooLarge { .. }))
        ));
        assert!(lines.next().is_none());
    }
}
