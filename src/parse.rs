//! Policy and request JSON → model, with file / JSON path / line:col on every error.

use crate::model::Policy;
use crate::request::Request;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {path} (line {line}, column {col}): {message}")]
pub struct ParseError {
    pub file: String,
    pub path: String,
    pub line: u32,
    pub col: u32,
    pub message: String,
}

pub fn parse_policy(_bytes: &[u8], file: &str) -> Result<Policy, ParseError> {
    Err(ParseError {
        file: file.into(),
        path: String::new(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    })
}

pub fn parse_request(_bytes: &[u8], file: &str) -> Result<Request, ParseError> {
    Err(ParseError {
        file: file.into(),
        path: String::new(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    })
}
pub struct Json;
impl Json {
    pub fn get(&self, _k: &str) -> Option<&Json> {
        None
    }
    pub fn as_str(&self) -> Option<&str> {
        None
    }
}
pub fn parse_json(_b: &[u8], file: &str) -> Result<Json, ParseError> {
    Err(ParseError {
        file: file.into(),
        path: String::new(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    })
}
pub fn policy_from_json(_j: &Json, file: &str) -> Result<Policy, ParseError> {
    Err(ParseError {
        file: file.into(),
        path: String::new(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    })
}
pub fn request_from_json(_j: &Json, file: &str) -> Result<Request, ParseError> {
    Err(ParseError {
        file: file.into(),
        path: String::new(),
        line: 1,
        col: 1,
        message: "not implemented".into(),
    })
}
