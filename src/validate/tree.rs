//! Walking the located JSON tree: paths in Access Analyzer's form, spans with an end, and the
//! collector every check writes its findings into.

use super::finding::{Finding, Location, PathElement, Position, Span};
use super::{PolicyKind, ValidateOptions};
use crate::parse::{Json, JsonKind};

/// A JSON path being built: `[Value("Statement"), Index(0), Value("Action"), Index(3)]`.
pub type Path = Vec<PathElement>;

pub fn with_value(path: &[PathElement], value: &str) -> Path {
    let mut p = path.to_vec();
    p.push(PathElement::Value(value.to_string()));
    p
}

pub fn with_index(path: &[PathElement], index: usize) -> Path {
    let mut p = path.to_vec();
    p.push(PathElement::Index(index));
    p
}

pub fn with_key(path: &[PathElement], key: &str) -> Path {
    let mut p = path.to_vec();
    p.push(PathElement::Key(key.to_string()));
    p
}

/// A string (or other scalar) of a string-or-array element, with where it sits.
#[derive(Debug, Clone)]
pub struct Item<'j> {
    pub text: &'j str,
    pub json: &'j Json,
    pub path: Path,
}

/// The strings of a string-or-array element (`"Action": "s3:*"` or `["s3:Get*", ...]`);
/// non-string members are skipped (the syntax checks report them).
pub fn string_items<'j>(value: &'j Json, path: &[PathElement]) -> Vec<Item<'j>> {
    match &value.kind {
        JsonKind::String(s) => vec![Item {
            text: s,
            json: value,
            path: path.to_vec(),
        }],
        JsonKind::Array(items) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                item.as_str().map(|text| Item {
                    text,
                    json: item,
                    path: with_index(path, i),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One statement object of the policy with its path.
pub struct StatementView<'j> {
    pub index: usize,
    pub json: &'j Json,
    pub path: Path,
}

impl<'j> StatementView<'j> {
    pub fn get(&self, element: &str) -> Option<&'j Json> {
        self.json.get(element)
    }

    pub fn effect(&self) -> Option<&'j str> {
        self.get("Effect").and_then(Json::as_str)
    }

    pub fn is_allow(&self) -> bool {
        self.effect() == Some("Allow")
    }

    /// `("Action", items)` or `("NotAction", items)`.
    pub fn actions(&self) -> Option<(&'static str, Vec<Item<'j>>)> {
        self.clause("Action", "NotAction")
    }

    pub fn resources(&self) -> Option<(&'static str, Vec<Item<'j>>)> {
        self.clause("Resource", "NotResource")
    }

    fn clause(
        &self,
        positive: &'static str,
        negative: &'static str,
    ) -> Option<(&'static str, Vec<Item<'j>>)> {
        for name in [positive, negative] {
            if let Some(value) = self.get(name) {
                return Some((name, string_items(value, &with_value(&self.path, name))));
            }
        }
        None
    }

    /// Is `Resource` exactly `"*"` (or a list holding `"*"`)?
    pub fn resource_star(&self) -> Option<Item<'j>> {
        match self.resources() {
            Some(("Resource", items)) => items.into_iter().find(|i| i.text == "*"),
            _ => None,
        }
    }
}

/// The statements of a policy document (a lone statement object counts as statement 0).
pub fn statements(root: &Json) -> Vec<StatementView<'_>> {
    let Some(statement) = root.get("Statement") else {
        return Vec::new();
    };
    let base = vec![PathElement::Value("Statement".to_string())];
    match &statement.kind {
        JsonKind::Object(_) => vec![StatementView {
            index: 0,
            json: statement,
            path: base,
        }],
        JsonKind::Array(items) => items
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.kind, JsonKind::Object(_)))
            .map(|(i, s)| StatementView {
                index: i,
                json: s,
                path: with_index(&base, i),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Collects findings for one policy; knows the text so spans get their end.
pub struct Collector<'a> {
    pub text: Option<&'a str>,
    pub kind: PolicyKind,
    pub options: &'a ValidateOptions,
    pub findings: Vec<Finding>,
}

impl<'a> Collector<'a> {
    pub fn new(text: Option<&'a str>, options: &'a ValidateOptions) -> Collector<'a> {
        Collector {
            text,
            kind: options.policy_kind,
            options,
            findings: Vec::new(),
        }
    }

    /// The location of a value: its path and the span from its first to past its last character.
    pub fn at(&self, path: Path, value: &Json) -> Location {
        let start = value.span;
        let end_offset = self
            .text
            .and_then(|t| value_end(t, start.offset))
            .unwrap_or(start.offset);
        Location {
            path,
            span: Span {
                start: Position {
                    line: start.line,
                    column: start.col.saturating_sub(1),
                    offset: start.offset,
                },
                end: self.position(end_offset, start),
            },
        }
    }

    /// The location of an object member's key (`{"key": ...}` as the last path element).
    pub fn at_key(
        &self,
        path: &[PathElement],
        key: &str,
        key_span: crate::parse::Span,
    ) -> Location {
        let start = Position {
            line: key_span.line,
            column: key_span.col.saturating_sub(1),
            offset: key_span.offset,
        };
        let end_offset = self
            .text
            .and_then(|t| value_end(t, key_span.offset))
            .unwrap_or(key_span.offset);
        Location {
            path: with_key(path, key),
            span: Span {
                start,
                end: self.position(end_offset, key_span),
            },
        }
    }

    /// Line and column of a byte offset at or after `from` (counted from `from`, so the cost
    /// is the length of the value, not of the file).
    fn position(&self, offset: usize, from: crate::parse::Span) -> Position {
        let Some(text) = self.text else {
            return Position {
                line: from.line,
                column: from.col.saturating_sub(1),
                offset: from.offset,
            };
        };
        let mut line = from.line;
        let mut column = from.col.saturating_sub(1);
        if let Some(slice) = text.get(from.offset..offset) {
            for c in slice.chars() {
                if c == '\n' {
                    line += 1;
                    column = 0;
                } else {
                    column += 1;
                }
            }
        }
        Position {
            line,
            column,
            offset,
        }
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// An Access Analyzer finding at one location.
    pub fn report(&mut self, code: &str, details: String, location: Location) {
        self.push(Finding::access_analyzer(code, details, vec![location]));
    }
}

/// The byte offset just past the JSON value (or key string) starting at `start`.
pub fn value_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.get(start)?;
    match first {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = start;
            while i < bytes.len() {
                match bytes[i] {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let len = bytes[start..]
                .iter()
                .take_while(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                .count();
            Some(start + len)
        }
    }
}

fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}
