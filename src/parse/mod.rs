//! Policy and request JSON → model, with file / JSON path / line:col on every error.
//!
//! `json` reads the bytes into a located tree ([`Json`]); `policy` and `request`
//! convert that tree into [`crate::model::Policy`] and [`crate::request::Request`],
//! rejecting everything AWS rejects (and a few ambiguous things, see `encodings/parsing.md`).

mod json;
pub(crate) mod policy;
mod request;

pub use json::{parse_json, Json, JsonKind, Span};
pub use policy::{parse_operator, parse_policy, policy_from_json};
pub use request::{parse_request, request_from_json};

use std::fmt;

/// Deepest JSON nesting accepted (arrays + objects). Real policies need 5 or 6.
pub const MAX_DEPTH: usize = 64;
/// Most statements accepted in one policy document.
pub const MAX_STATEMENTS: usize = 10_000;
/// Most values accepted for one condition key.
pub const MAX_VALUES_PER_CONDITION_KEY: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path} (line {line}, column {col}): {message}")]
pub struct ParseError {
    pub file: String,
    /// JSON path such as `Statement[2].Condition.StringLike`; `(root)` for the document itself.
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl ParseError {
    /// The same error with its path placed under `parent`, for documents embedded in a larger
    /// one (a batch line's `policy` member): `Statement[0].Effect` → `policy.Statement[0].Effect`.
    pub fn within(mut self, parent: &str) -> ParseError {
        self.path = if self.path == ROOT_PATH {
            parent.to_string()
        } else if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }
}

/// How the document itself is named in paths.
const ROOT_PATH: &str = "(root)";

/// A JSON path being built while walking a document: `Statement[0].Action[3]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct JsonPath {
    segments: Vec<PathSegment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathSegment {
    Key(String),
    Index(usize),
}

impl JsonPath {
    pub(crate) fn root() -> JsonPath {
        JsonPath::default()
    }

    pub(crate) fn push_key(&mut self, key: &str) {
        self.segments.push(PathSegment::Key(key.to_string()));
    }

    pub(crate) fn push_index(&mut self, index: usize) {
        self.segments.push(PathSegment::Index(index));
    }

    pub(crate) fn pop(&mut self) {
        self.segments.pop();
    }

    /// A copy extended by one key.
    pub(crate) fn key(&self, key: &str) -> JsonPath {
        let mut path = self.clone();
        path.push_key(key);
        path
    }

    /// A copy extended by one array index.
    pub(crate) fn index(&self, index: usize) -> JsonPath {
        let mut path = self.clone();
        path.push_index(index);
        path
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str(ROOT_PATH);
        }
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                // Condition keys such as `aws:SourceIp` or `s3:x-amz-acl` read fine bare; keys
                // that would make the path ambiguous are quoted.
                PathSegment::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(key)?;
                }
                PathSegment::Key(key) => write!(f, "[{key:?}]")?,
            }
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && !key
            .chars()
            .any(|c| matches!(c, '.' | '[' | ']' | '"') || c.is_whitespace() || c.is_control())
}

/// The closest candidate within edit distance 2 (case-insensitive), for "did you mean" hints.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    let length = word.chars().count();
    candidates
        .iter()
        // Lengths more than 2 apart cannot be within distance 2; skipping them also keeps a
        // hostile megabyte-long key from costing a quadratic distance computation.
        .filter(|c| c.chars().count().abs_diff(length) <= 2)
        .map(|c| (edit_distance(&word, &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// `; did you mean `X`?` or nothing.
pub(crate) fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match suggest(word, candidates) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_policy_paths() {
        let mut path = JsonPath::root();
        assert_eq!(path.to_string(), "(root)");
        path.push_key("Statement");
        path.push_index(2);
        path.push_key("Condition");
        path.push_key("StringLike");
        path.push_key("aws:SourceIp");
        assert_eq!(
            path.to_string(),
            "Statement[2].Condition.StringLike.aws:SourceIp"
        );
        assert_eq!(JsonPath::root().key("a.b").to_string(), "[\"a.b\"]");
        assert_eq!(JsonPath::root().index(0).to_string(), "[0]");
    }

    #[test]
    fn errors_nest_under_a_parent_path() {
        let err = |path: &str| ParseError {
            file: "batch.jsonl".into(),
            path: path.into(),
            line: 3,
            col: 9,
            message: "m".into(),
        };
        assert_eq!(
            err("Statement[0].Effect").within("policy").path,
            "policy.Statement[0].Effect"
        );
        assert_eq!(err("(root)").within("policy").path, "policy");
        assert_eq!(err("[2]").within("policy").path, "policy[2]");
        let nested = err("Version").within("policy");
        assert_eq!((nested.line, nested.col), (3, 9));
    }

    #[test]
    fn suggestions_use_edit_distance() {
        let elements = ["Effect", "Action", "Condition"];
        assert_eq!(suggest("Conditon", &elements), Some("Condition"));
        assert_eq!(suggest("effect", &elements), Some("Effect"));
        assert_eq!(suggest("Actoin", &elements), Some("Action"));
        assert_eq!(suggest("Banana", &elements), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
