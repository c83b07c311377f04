//! The finding shape: Access Analyzer's `ValidatePolicyFinding` (so tools that read its JSON
//! read ours), plus optional fields for Keyaki's own findings.

use super::codes::access_analyzer_code;
use serde::Serialize;
use std::fmt;

/// Access Analyzer's `findingType`, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingType {
    Error,
    SecurityWarning,
    Warning,
    Suggestion,
}

impl FindingType {
    pub const ALL: [FindingType; 4] = [
        FindingType::Error,
        FindingType::SecurityWarning,
        FindingType::Warning,
        FindingType::Suggestion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingType::Error => "ERROR",
            FindingType::SecurityWarning => "SECURITY_WARNING",
            FindingType::Warning => "WARNING",
            FindingType::Suggestion => "SUGGESTION",
        }
    }

    /// `ERROR`, `security_warning`, ... (case-insensitive).
    pub fn parse(text: &str) -> Option<FindingType> {
        FindingType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for FindingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a JSON path, serialized as Access Analyzer writes it:
/// `{"value": "Statement"}`, `{"index": 0}`, `{"key": "aws:SourceIp"}` (the key itself).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathElement {
    Value(String),
    Index(usize),
    Key(String),
}

/// A point in the policy text. `line` is 1-based; `column` and `offset` are 0-based, in
/// characters and bytes, as in Access Analyzer's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Span {
    pub start: Position,
    pub end: Position,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub path: Vec<PathElement>,
    pub span: Span,
}

impl Location {
    /// `Statement[0].Action[3]`: the path as the rest of Keyaki prints it.
    pub fn path_text(&self) -> String {
        let mut out = String::new();
        for element in &self.path {
            match element {
                PathElement::Index(i) => out.push_str(&format!("[{i}]")),
                PathElement::Value(v) | PathElement::Key(v) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(v);
                }
            }
        }
        if out.is_empty() {
            out.push_str("(root)");
        }
        out
    }

    /// The statement index the location sits in, if any (`Statement[i]...`).
    pub fn statement_index(&self) -> Option<usize> {
        match self.path.as_slice() {
            [PathElement::Value(s), PathElement::Index(i), ..] if s == "Statement" => Some(*i),
            [PathElement::Value(s), ..] if s == "Statement" => Some(0),
            _ => None,
        }
    }
}

/// A concrete request shown with a proof-based finding, replayed through the evaluator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExampleRequest {
    /// `{"principal": ..., "action": ..., "resource": ..., "context": ...}` (the request format).
    pub request: serde_json::Value,
    /// The evaluator's decision for the request, as it was replayed.
    pub decision: String,
}

/// One finding in Access Analyzer's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub finding_type: FindingType,
    /// An Access Analyzer code (`PASS_ROLE_WITH_STAR_IN_RESOURCE`) or one of Keyaki's own
    /// kebab-case codes (`redundant-statement`).
    pub issue_code: String,
    pub finding_details: String,
    pub learn_more_link: String,
    pub locations: Vec<Location>,
    /// Set on findings that depend on the bundled service catalog: its date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog_date: Option<String>,
    /// Proof-based findings: a request showing the claim, replayed through the evaluator.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub example_requests: Vec<ExampleRequest>,
}

/// The README section documenting Keyaki's own codes (their learn-more link).
pub const KEYAKI_CODES_LINK: &str = "https://github.com/keyaki/keyaki#validate-codes";

impl Finding {
    /// A finding with an Access Analyzer code (type and link from the code table).
    pub fn access_analyzer(code: &str, details: String, locations: Vec<Location>) -> Finding {
        let (finding_type, learn_more_link) = access_analyzer_code(code).unwrap_or((
            FindingType::Error,
            super::codes::LEARN_MORE_BASE.to_string(),
        ));
        Finding {
            finding_type,
            issue_code: code.to_string(),
            finding_details: details,
            learn_more_link,
            locations,
            catalog_date: None,
            example_requests: Vec::new(),
        }
    }

    /// One of Keyaki's own findings (kebab-case code).
    pub fn keyaki(
        code: &str,
        finding_type: FindingType,
        details: String,
        locations: Vec<Location>,
    ) -> Finding {
        Finding {
            finding_type,
            issue_code: code.to_string(),
            finding_details: details,
            learn_more_link: format!("{KEYAKI_CODES_LINK}-{code}"),
            locations,
            catalog_date: None,
            example_requests: Vec::new(),
        }
    }

    /// Marks the finding as depending on the bundled catalog.
    pub fn from_catalog(mut self) -> Finding {
        self.catalog_date = Some(super::catalog_date());
        self
    }

    /// Is this one of Keyaki's own (kebab-case) codes rather than Access Analyzer's?
    pub fn is_keyaki_code(&self) -> bool {
        self.issue_code.contains('-') || self.issue_code.chars().any(|c| c.is_lowercase())
    }
}
