//! CloudFormation YAML → the located JSON tree the rest of Keyaki reads.
//!
//! Built from yaml-rust2's event stream (not its `Yaml` tree) because the tree drops both the
//! tags and the positions. Short-form tags become the long JSON form at the tag's place:
//! `!Sub x` → `{"Fn::Sub": x}`, `!Ref x` → `{"Ref": x}`, `!GetAtt A.B` → `{"Fn::GetAtt": "A.B"}`,
//! `!Condition C` → `{"Condition": C}`, so the resolver reads one representation only.

use crate::parse::{Json, JsonKind, Span, MAX_DEPTH};
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A YAML error: where and what (the caller adds the file name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    /// The mapping keys / indexes leading to the error, `Resources.Role.Properties`.
    pub path: String,
    pub message: String,
}

/// The short-form tags CloudFormation defines, with the long-form key each stands for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("If", "Fn::If"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("GetAZs", "Fn::GetAZs"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

enum Frame {
    Seq {
        items: Vec<Json>,
        span: Span,
        tag: Option<Tag>,
        key: Option<String>,
    },
    Map {
        members: Vec<(String, Span, Json)>,
        span: Span,
        tag: Option<Tag>,
        pending: Option<(String, Span)>,
        key: Option<String>,
    },
}

/// Parses one YAML document into a located JSON tree.
pub fn parse_yaml(text: &str) -> Result<Json, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut frames: Vec<Frame> = Vec::new();
    let mut root: Option<Json> = None;
    let mut documents = 0usize;
    let lines: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| YamlError {
            span: span_of(&lines, text, e.marker()),
            path: path_of(&frames),
            message: format!("invalid YAML: {}", e.info()),
        })?;
        let span = span_of(&lines, text, &mark);
        let error = |frames: &[Frame], message: String| YamlError {
            span,
            path: path_of(frames),
            message,
        };
        let opens_sequence = matches!(event, Event::SequenceStart(..));
        let value = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(error(
                        &frames,
                        "a template is one YAML document; found a second `---` document".into(),
                    ));
                }
                continue;
            }
            Event::Alias(_) => {
                return Err(error(
                    &frames,
                    "YAML aliases (`*name`) are not supported in CloudFormation templates".into(),
                ))
            }
            Event::Scalar(text_value, style, _, tag) => {
                let scalar =
                    scalar(text_value, style, tag.as_ref(), span).map_err(|m| error(&frames, m))?;
                if let Some(Frame::Map {
                    pending: pending @ None,
                    tag: _,
                    ..
                }) = frames.last_mut()
                {
                    match scalar.kind {
                        JsonKind::String(key) => *pending = Some((key, span)),
                        JsonKind::Number(key) => *pending = Some((key, span)),
                        JsonKind::Bool(b) => *pending = Some((b.to_string(), span)),
                        _ => {
                            return Err(error(
                                &frames,
                                "a mapping key must be a plain string".into(),
                            ))
                        }
                    }
                    continue;
                }
                scalar
            }
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) => {
                check_key_position(&frames).map_err(|m| error(&frames, m))?;
                if frames.len() >= MAX_DEPTH {
                    return Err(error(
                        &frames,
                        format!("nesting deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let key = current_key(&frames);
                frames.push(if opens_sequence {
                    Frame::Seq {
                        items: Vec::new(),
                        span,
                        tag,
                        key,
                    }
                } else {
                    Frame::Map {
                        members: Vec::new(),
                        span,
                        tag,
                        pending: None,
                        key,
                    }
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match frames.pop() {
                Some(Frame::Seq {
                    items, span, tag, ..
                }) => tagged(
                    Json {
                        kind: JsonKind::Array(items),
                        span,
                    },
                    tag.as_ref(),
                )
                .map_err(|m| error(&frames, m))?,
                Some(Frame::Map {
                    members, span, tag, ..
                }) => tagged(
                    Json {
                        kind: JsonKind::Object(members),
                        span,
                    },
                    tag.as_ref(),
                )
                .map_err(|m| error(&frames, m))?,
                None => return Err(error(&frames, "unbalanced YAML collection".into())),
            },
        };
        match frames.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map {
                members, pending, ..
            }) => {
                let Some((key, key_span)) = pending.take() else {
                    return Err(error(
                        &frames,
                        "a mapping key must be a plain string".into(),
                    ));
                };
                if members.iter().any(|(k, _, _)| *k == key) {
                    let message = format!("duplicate key `{key}`");
                    return Err(YamlError {
                        span: key_span,
                        path: path_of(&frames),
                        message,
                    });
                }
                members.push((key, key_span, value));
            }
            None => root = Some(value),
        }
    }
    root.ok_or_else(|| YamlError {
        span: Span {
            line: 1,
            col: 1,
            offset: 0,
        },
        path: "(root)".into(),
        message: "the YAML document is empty".into(),
    })
}

/// A collection may not start where a mapping expects a key.
fn check_key_position(frames: &[Frame]) -> Result<(), String> {
    match frames.last() {
        Some(Frame::Map { pending: None, .. }) => {
            Err("a mapping key must be a plain string, not a collection".into())
        }
        _ => Ok(()),
    }
}

fn current_key(frames: &[Frame]) -> Option<String> {
    match frames.last() {
        Some(Frame::Map {
            pending: Some((k, _)),
            ..
        }) => Some(k.clone()),
        Some(Frame::Seq { items, .. }) => Some(format!("[{}]", items.len())),
        _ => None,
    }
}

/// `Resources.Role.Properties` for error messages.
fn path_of(frames: &[Frame]) -> String {
    let mut path = String::new();
    for frame in frames.iter().skip(1) {
        let key = match frame {
            Frame::Seq { key, .. } | Frame::Map { key, .. } => key,
        };
        if let Some(key) = key {
            if !path.is_empty() && !key.starts_with('[') {
                path.push('.');
            }
            path.push_str(key);
        }
    }
    if let Some(last) = frames.last() {
        let tail = match last {
            Frame::Map {
                pending: Some((k, _)),
                ..
            } => Some(k.clone()),
            Frame::Seq { items, .. } => Some(format!("[{}]", items.len())),
            _ => None,
        };
        if let Some(tail) = tail {
            if !path.is_empty() && !tail.starts_with('[') {
                path.push('.');
            }
            path.push_str(&tail);
        }
    }
    if path.is_empty() {
        "(root)".into()
    } else {
        path
    }
}

/// yaml-rust2 markers count characters (columns from 0); Keyaki's spans are 1-based with a
/// byte offset, found from the line's start so that no event costs more than its line.
fn span_of(lines: &[usize], text: &str, mark: &Marker) -> Span {
    let line_start = mark
        .line()
        .checked_sub(1)
        .and_then(|i| lines.get(i))
        .copied()
        .unwrap_or(text.len());
    let offset = text
        .get(line_start..)
        .unwrap_or("")
        .char_indices()
        .nth(mark.col())
        .map_or(text.len(), |(i, _)| line_start + i);
    Span {
        line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
        col: u32::try_from(mark.col().saturating_add(1)).unwrap_or(u32::MAX),
        offset,
    }
}

/// A scalar with YAML's plain-scalar typing (JSON-compatible: null, booleans, numbers), then
/// its tag applied.
fn scalar(
    text: String,
    style: TScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<Json, String> {
    // The non-specific tag `! x` only says "not a plain scalar": a string.
    let non_specific = tag.is_some_and(is_non_specific);
    let tag = tag.filter(|_| !non_specific);
    let kind = match (style, tag) {
        _ if non_specific => JsonKind::String(text),
        (_, Some(tag)) if is_standard(tag) => match tag.suffix.as_str() {
            "str" => JsonKind::String(text),
            "int" | "float" if is_number(&text) => JsonKind::Number(text),
            "bool" if matches!(text.as_str(), "true" | "false") => JsonKind::Bool(text == "true"),
            "null" => JsonKind::Null,
            other => return Err(format!("unsupported YAML tag `!!{other}` on `{text}`")),
        },
        (TScalarStyle::Plain, _) => plain(text),
        _ => JsonKind::String(text),
    };
    let value = Json { kind, span };
    match tag {
        Some(tag) if is_standard(tag) => Ok(value),
        // A short-form tag's argument keeps its text as written (`!Ref 123` names `123`).
        Some(tag) => {
            let value = match value.kind {
                JsonKind::Number(n) => Json {
                    kind: JsonKind::String(n),
                    span,
                },
                JsonKind::Bool(b) => Json {
                    kind: JsonKind::String(b.to_string()),
                    span,
                },
                JsonKind::Null => Json {
                    kind: JsonKind::String(String::new()),
                    span,
                },
                kind => Json { kind, span },
            };
            tagged(value, Some(tag))
        }
        None => Ok(value),
    }
}

fn plain(text: String) -> JsonKind {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => JsonKind::Null,
        "true" | "True" | "TRUE" => JsonKind::Bool(true),
        "false" | "False" | "FALSE" => JsonKind::Bool(false),
        _ if is_number(&text) => JsonKind::Number(text),
        _ => JsonKind::String(text),
    }
}

/// JSON-style numbers (what CloudFormation's YAML reads as a number).
fn is_number(text: &str) -> bool {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && frac.is_none_or(digits)
        && exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// `!!str`, `!!int`, ...: yaml-rust2 expands the `!!` handle to the core schema's prefix.
fn is_standard(tag: &Tag) -> bool {
    tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:"
}

/// `! x`: yaml-rust2 reports it as handle `""`, suffix `"!"`.
fn is_non_specific(tag: &Tag) -> bool {
    (tag.handle == "!" && tag.suffix.is_empty()) || (tag.handle.is_empty() && tag.suffix == "!")
}

/// Wraps a value in the long form of its short-form tag.
fn tagged(value: Json, tag: Option<&Tag>) -> Result<Json, String> {
    let Some(tag) = tag.filter(|t| !is_non_specific(t)) else {
        return Ok(value);
    };
    if is_standard(tag) {
        return match (tag.suffix.as_str(), &value.kind) {
            ("seq", JsonKind::Array(_)) | ("map", JsonKind::Object(_)) => Ok(value),
            (other, _) => Err(format!(
                "unsupported YAML tag `!!{other}` on {}",
                value.type_name()
            )),
        };
    }
    let name = format!("{}{}", tag.handle.trim_start_matches('!'), tag.suffix);
    // An unknown tag (a tool's macro such as `!Rain::Embed`) is kept as `{"!Tag": value}`: an
    // error only if a policy reads it.
    let long = SHORT_FORMS
        .iter()
        .find(|(short, _)| *short == name)
        .map_or_else(|| format!("!{name}"), |(_, long)| long.to_string());
    let span = value.span;
    Ok(Json {
        kind: JsonKind::Object(vec![(long, span, value)]),
        span,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms_with_positions() {
        let doc = parse_yaml("A:\n  B: !Sub 'arn:${AWS::Partition}:s3:::x'\n  C: !GetAtt R.Arn\n")
            .unwrap();
        let b = doc.get("A").unwrap().get("B").unwrap();
        assert_eq!(
            b.get("Fn::Sub").unwrap().as_str(),
            Some("arn:${AWS::Partition}:s3:::x")
        );
        assert_eq!((b.span.line, b.span.col), (2, 11));
        let c = doc.get("A").unwrap().get("C").unwrap();
        assert_eq!(c.get("Fn::GetAtt").unwrap().as_str(), Some("R.Arn"));
        assert_eq!(c.span.line, 3);
    }

    #[test]
    fn tagged_collections_and_scalar_types() {
        let flow = parse_yaml("a: [ x, ! \"Ref\": \"B\", ! 12 ]\n").unwrap();
        let items = flow.get("a").unwrap().as_array().unwrap();
        assert_eq!(items[1].get("Ref").unwrap().as_str(), Some("B"));
        assert_eq!(items[2].as_str(), Some("12"));
        let doc = parse_yaml(
            "X: !If [C, 1, !Ref AWS::NoValue]\nV: 2012-10-17\nN: 12\nT: true\nQ: '12'\n",
        )
        .unwrap();
        let x = doc
            .get("X")
            .unwrap()
            .get("Fn::If")
            .unwrap()
            .as_array()
            .unwrap();
        assert_eq!(x.len(), 3);
        assert_eq!(x[2].get("Ref").unwrap().as_str(), Some("AWS::NoValue"));
        assert_eq!(doc.get("V").unwrap().as_str(), Some("2012-10-17"));
        assert_eq!(doc.get("N").unwrap().kind, JsonKind::Number("12".into()));
        assert_eq!(doc.get("T").unwrap().kind, JsonKind::Bool(true));
        assert_eq!(doc.get("Q").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn errors_name_the_path_and_never_panic() {
        let doc = parse_yaml("Resources:\n  R:\n    P: !Bogus x\n").unwrap();
        let p = doc
            .get("Resources")
            .unwrap()
            .get("R")
            .unwrap()
            .get("P")
            .unwrap();
        assert_eq!(p.get("!Bogus").unwrap().as_str(), Some("x"));
        let err = parse_yaml("Resources:\n  R:\n    P: [1, !!binary x]\n").unwrap_err();
        assert_eq!(err.path, "Resources.R.P[1]");
        let err = parse_yaml("A: 1\nA: 2\n").unwrap_err();
        assert!(err.message.contains("duplicate key `A`"));
        assert_eq!(err.span.line, 2);
        assert!(parse_yaml("a: &x [1]\nb: *x\n")
            .unwrap_err()
            .message
            .contains("aliases"));
        assert!(parse_yaml("a: [").is_err());
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_yaml(&deep).unwrap_err().message.contains("nesting"));
        assert!(parse_yaml("").is_err());
        assert!(parse_yaml("? [a]\n: b\n").is_err());
    }
}
