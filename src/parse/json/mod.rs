//! A small recursive-descent JSON parser that keeps the line:col of every value and key.
//!
//! Own code rather than serde so that every later error can point at the exact place in
//! the user's file, duplicate keys are caught (serde keeps the last one silently), and
//! numbers stay as written (`1.50` is not rounded through f64).

/// Where a value (or key) starts: 1-based line and column (in characters), 0-based byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub offset: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool(bool),
    /// The number exactly as written.
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order: (key, where the key starts, value). Keys are unique.
    Object(Vec<(String, Span, Json)>),
}

/// A JSON value with the place it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json {
    pub kind: JsonKind,
    pub span: Span,
}

impl Json {
    /// The value of an object member, if this is an object holding `key` (case-sensitive).
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.member(key).map(|(_, value)| value)
    }

    /// An object member with the span of its key.
    pub fn member(&self, key: &str) -> Option<(Span, &Json)> {
        match &self.kind {
            JsonKind::Object(members) => members
                .iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, span, value)| (*span, value)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match &self.kind {
            JsonKind::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(String, Span, Json)]> {
        match &self.kind {
            JsonKind::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn span(&self) -> Span {
        self.span
    }

    /// "a string", "an object", ...: for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            JsonKind::Null => "null",
            JsonKind::Bool(_) => "a boolean",
            JsonKind::Number(_) => "a number",
            JsonKind::String(_) => "a string",
            JsonKind::Array(_) => "an array",
            JsonKind::Object(_) => "an object",
        }
    }

    /// The text of a scalar as written in JSON: strings unquoted, numbers and booleans as their
    /// literal text. None for null, arrays and objects.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            JsonKind::String(s) => Some(s.clone()),
            JsonKind::Number(n) => Some(n.clone()),
            JsonKind::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

mod reader;

pub use reader::parse_json;

#[cfg(test)]
mod tests;
