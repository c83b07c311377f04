//! The reader: bytes → [`Json`], tracking line, column and JSON path for every error.

use super::{Json, JsonKind, Span};
use crate::parse::{JsonPath, ParseError, MAX_DEPTH};
use std::collections::BTreeMap;

/// Parses one JSON document (an optional leading UTF-8 BOM is skipped).
pub fn parse_json(bytes: &[u8], file: &str) -> Result<Json, ParseError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.valid_up_to();
            let span = span_at(bytes, at);
            return Err(ParseError {
                file: file.to_string(),
                path: JsonPath::root().to_string(),
                line: span.line,
                col: span.col,
                message: format!(
                    "invalid UTF-8 at byte offset {at} (policies are UTF-8 JSON text)"
                ),
            });
        }
    };
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
        col: 1,
        file,
        path: JsonPath::root(),
        depth: 0,
    };
    if text.starts_with('\u{feff}') {
        // The BOM is not part of the document: it takes no column.
        parser.pos = '\u{feff}'.len_utf8();
    }
    parser.skip_whitespace();
    if parser.pos >= parser.bytes.len() {
        return Err(parser.error("empty document: expected a JSON value"));
    }
    let value = parser.value()?;
    parser.skip_whitespace();
    if parser.pos < parser.bytes.len() {
        return Err(parser.error_root(format!(
            "unexpected {} after the end of the JSON document",
            parser.describe_current()
        )));
    }
    Ok(value)
}

/// Line and column of a byte offset, counting columns in characters (used where the text is
/// not valid UTF-8, so continuation bytes are skipped by their bit pattern).
fn span_at(bytes: &[u8], offset: usize) -> Span {
    let mut line = 1u32;
    let mut col = 1u32;
    let start = if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    for &b in bytes.iter().take(offset).skip(start) {
        if b == b'\n' {
            line = line.saturating_add(1);
            col = 1;
        } else if b & 0xC0 != 0x80 {
            col = col.saturating_add(1);
        }
    }
    Span { line, col, offset }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    col: u32,
    file: &'a str,
    /// The path of the value being parsed, for error messages.
    path: JsonPath,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn span(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
            offset: self.pos,
        }
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        self.error_at(self.span(), message)
    }

    fn error_at(&self, span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.to_string(),
            path: self.path.to_string(),
            line: span.line,
            col: span.col,
            message: message.into(),
        }
    }

    fn error_root(&self, message: String) -> ParseError {
        ParseError {
            path: JsonPath::root().to_string(),
            ..self.error(message)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Moves past one byte, keeping line:col in characters.
    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.pos) {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col = self.col.saturating_add(1);
            }
            self.pos += 1;
        }
    }

    /// Moves past a whole character (for multi-byte UTF-8 characters inside strings).
    fn bump_char(&mut self) {
        self.bump();
        while matches!(self.peek(), Some(b) if b & 0xC0 == 0x80) {
            self.pos += 1;
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    /// "end of input", "`}`", "character `x`": what the parser is looking at.
    fn describe_current(&self) -> String {
        match self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            None => "end of input".to_string(),
            Some(c) if c.is_control() => format!("control character U+{:04X}", c as u32),
            Some(c) => format!("character `{c}`"),
        }
    }

    fn value(&mut self) -> Result<Json, ParseError> {
        let span = self.span();
        let kind = match self.peek() {
            None => return Err(self.error("unexpected end of input: expected a JSON value")),
            Some(b'{') => self.object()?,
            Some(b'[') => self.array()?,
            Some(b'"') => JsonKind::String(self.string()?),
            Some(b't') => self.keyword("true", JsonKind::Bool(true))?,
            Some(b'f') => self.keyword("false", JsonKind::Bool(false))?,
            Some(b'n') => self.keyword("null", JsonKind::Null)?,
            Some(b'-' | b'0'..=b'9') => JsonKind::Number(self.number()?),
            Some(_) => {
                return Err(self.error(format!(
                    "unexpected {}: expected a JSON value",
                    self.describe_current()
                )))
            }
        };
        Ok(Json { kind, span })
    }

    fn keyword(&mut self, word: &str, kind: JsonKind) -> Result<JsonKind, ParseError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            for _ in 0..word.len() {
                self.bump();
            }
            Ok(kind)
        } else {
            Err(self.error(format!(
                "invalid literal: expected `{word}` (JSON literals are lowercase)"
            )))
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!(
                "JSON nesting is deeper than the limit of {MAX_DEPTH} levels (MAX_DEPTH; AWS policies nest a few levels deep, so this input is not a policy — to raise the limit, change keyaki::parse::MAX_DEPTH and rebuild)"
            )));
        }
        Ok(())
    }

    fn array(&mut self) -> Result<JsonKind, ParseError> {
        self.enter()?;
        self.bump(); // `[`
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.bump();
            self.depth -= 1;
            return Ok(JsonKind::Array(items));
        }
        loop {
            self.path.push_index(items.len());
            self.skip_whitespace();
            let item = self.value()?;
            self.path.pop();
            items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                    self.skip_whitespace();
                    if self.peek() == Some(b']') {
                        return Err(self.error("trailing comma before `]`"));
                    }
                }
                Some(b']') => {
                    self.bump();
                    break;
                }
                _ => {
                    return Err(self.error(format!(
                        "unexpected {}: expected `,` or `]` in an array",
                        self.describe_current()
                    )))
                }
            }
        }
        self.depth -= 1;
        Ok(JsonKind::Array(items))
    }

    fn object(&mut self) -> Result<JsonKind, ParseError> {
        self.enter()?;
        self.bump(); // `{`
        let mut members: Vec<(String, Span, Json)> = Vec::new();
        // Indexed so that a hostile object with many keys stays O(n log n), not O(n²).
        let mut first_seen: BTreeMap<String, Span> = BTreeMap::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.bump();
            self.depth -= 1;
            return Ok(JsonKind::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error(format!(
                    "unexpected {}: expected a string key in double quotes",
                    self.describe_current()
                )));
            }
            let key_span = self.span();
            let key = self.string()?;
            self.path.push_key(&key);
            // Duplicate keys are ambiguous (parsers disagree on which one wins): reject them.
            if let Some(first) = first_seen.get(&key) {
                return Err(self.error_at(
                    key_span,
                    format!(
                        "duplicate key `{key}` (first at line {}, column {})",
                        first.line, first.col
                    ),
                ));
            }
            first_seen.insert(key.clone(), key_span);
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error(format!(
                    "unexpected {}: expected `:` after the key",
                    self.describe_current()
                )));
            }
            self.bump();
            self.skip_whitespace();
            let value = self.value()?;
            self.path.pop();
            members.push((key, key_span, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => {
                    self.bump();
                    self.skip_whitespace();
                    if self.peek() == Some(b'}') {
                        return Err(self.error("trailing comma before `}`"));
                    }
                }
                Some(b'}') => {
                    self.bump();
                    break;
                }
                _ => {
                    return Err(self.error(format!(
                        "unexpected {}: expected `,` or `}}` in an object",
                        self.describe_current()
                    )))
                }
            }
        }
        self.depth -= 1;
        Ok(JsonKind::Object(members))
    }

    fn string(&mut self) -> Result<String, ParseError> {
        self.bump(); // opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            // Copy runs of plain characters in one go.
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.bump_char();
            }
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unterminated string: missing closing `\"`")),
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(b) => {
                    return Err(self.error(format!(
                        "control character U+{b:04X} inside a string (write it as an escape such as `\\n`)"
                    )))
                }
            }
        }
    }

    fn escape(&mut self) -> Result<char, ParseError> {
        let escape_span = self.span();
        self.bump(); // backslash
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.bump();
                let first = self.hex4(escape_span)?;
                return self.finish_unicode_escape(first, escape_span);
            }
            _ => {
                return Err(self.error_at(
                    escape_span,
                    format!(
                        "invalid escape: `\\` followed by {}",
                        self.describe_current()
                    ),
                ))
            }
        };
        self.bump();
        Ok(c)
    }

    /// Combines a `\uD83D\uDE00` surrogate pair; a lone surrogate is not a character.
    fn finish_unicode_escape(&mut self, first: u32, escape_span: Span) -> Result<char, ParseError> {
        if (0xDC00..0xE000).contains(&first) {
            return Err(self.error_at(
                escape_span,
                format!("lone low surrogate \\u{first:04X} in a string"),
            ));
        }
        if (0xD800..0xDC00).contains(&first) {
            if !self.bytes[self.pos..].starts_with(b"\\u") {
                return Err(self.error_at(
                    escape_span,
                    format!("lone high surrogate \\u{first:04X} in a string (expected a following \\uDC00-\\uDFFF)"),
                ));
            }
            let second_span = self.span();
            self.bump();
            self.bump();
            let second = self.hex4(second_span)?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error_at(
                    escape_span,
                    format!("lone high surrogate \\u{first:04X} in a string (followed by \\u{second:04X}, not a low surrogate)"),
                ));
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return char::from_u32(code)
                .ok_or_else(|| self.error_at(escape_span, "invalid surrogate pair"));
        }
        char::from_u32(first)
            .ok_or_else(|| self.error_at(escape_span, format!("invalid \\u{first:04X} escape")))
    }

    fn hex4(&mut self, escape_span: Span) -> Result<u32, ParseError> {
        let mut code = 0u32;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or_else(|| {
                    self.error_at(escape_span, "invalid \\u escape: expected 4 hex digits")
                })?;
            code = code * 16 + digit;
            self.bump();
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let start_span = self.span();
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => {
                self.bump();
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(
                        self.error_at(start_span, "invalid number: leading zeros are not allowed")
                    );
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error_at(start_span, "invalid number: expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: expected a digit after `.`"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number: expected a digit in the exponent"));
            }
            self.digits();
        }
        Ok(self.text[start..self.pos].to_string())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
        }
    }
}
