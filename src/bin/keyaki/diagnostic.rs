//! Bad input shown as a compiler shows it: the line of the user's file with a caret under the
//! column, the JSON path, and a help line when there is a suggestion.

use keyaki::ParseError;
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, NamedSource, SourceSpan};

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
struct Located {
    message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("{path}")]
    span: SourceSpan,
    path: String,
    #[help]
    help: Option<String>,
}

/// A parse error rendered with a snippet of `source`; any other error in its one-line form.
pub fn render_error(error: &keyaki::Error, source: &[u8]) -> String {
    match error {
        keyaki::Error::Parse(parse) => render_parse_error(parse, source),
        other => other.to_string(),
    }
}

/// The error rendered with a snippet of `source` (the bytes that failed to parse), or its
/// one-line form when the location is not in the text.
pub fn render_parse_error(error: &ParseError, source: &[u8]) -> String {
    let text = String::from_utf8_lossy(source).into_owned();
    let Some(offset) = byte_offset(&text, error.line, error.col) else {
        return error.to_string();
    };
    let (message, help) = match error.message.split_once("; did you mean ") {
        Some((message, rest)) => (message.to_string(), Some(format!("did you mean {rest}"))),
        None => (error.message.clone(), None),
    };
    let located = Located {
        message: ParseError {
            message,
            ..error.clone()
        }
        .to_string(),
        source_code: NamedSource::new(&error.file, text),
        span: SourceSpan::from((offset, 1)),
        path: format!("at {}", error.path),
        help,
    };
    let mut out = String::new();
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
    match handler.render_report(&mut out, &located) {
        Ok(()) => out,
        Err(_) => error.to_string(),
    }
}

/// The byte offset of 1-based `line` and `col` (in characters), if inside the text.
fn byte_offset(text: &str, line: u32, col: u32) -> Option<usize> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(usize::try_from(line).ok()? - 2)
            .map(|(i, _)| i + 1)?
    };
    let line_text = text[start..].split('\n').next().unwrap_or_default();
    let col = usize::try_from(col.max(1)).ok()? - 1;
    let within = line_text
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)
        .unwrap_or(line_text.len());
    Some(start + within)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_within_lines() {
        let text = "ab\ncé d\n";
        assert_eq!(byte_offset(text, 1, 1), Some(0));
        assert_eq!(byte_offset(text, 2, 1), Some(3));
        assert_eq!(byte_offset(text, 2, 3), Some(6), "é is two bytes");
        assert_eq!(byte_offset(text, 9, 1), None);
    }
}
