//! JSON reader tests.
// Tests may unwrap: a failure is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::parse::{ParseError, MAX_DEPTH};

fn parse(text: &str) -> Result<Json, ParseError> {
    parse_json(text.as_bytes(), "t.json")
}

#[test]
fn values_keep_their_positions_and_text() {
    let json =
        parse("{\n  \"a\": [1.50, true, null],\n  \"é\": \"x\\u00e9\\ud83d\\ude00\"\n}").unwrap();
    let members = json.as_object().unwrap();
    assert_eq!(members[0].0, "a");
    assert_eq!((members[0].1.line, members[0].1.col), (2, 3));
    let items = members[0].2.as_array().unwrap();
    assert_eq!(items[0].kind, JsonKind::Number("1.50".into()));
    assert_eq!((items[0].span.line, items[0].span.col), (2, 9));
    assert_eq!(items[1].kind, JsonKind::Bool(true));
    assert_eq!(items[2].kind, JsonKind::Null);
    // Columns count characters, not bytes.
    assert_eq!((members[1].1.line, members[1].1.col), (3, 3));
    assert_eq!((members[1].2.span.line, members[1].2.span.col), (3, 8));
    assert_eq!(members[1].2.as_str(), Some("xé😀"));
    assert_eq!(json.get("é").and_then(Json::as_str), Some("xé😀"));
}

#[test]
fn bom_is_skipped() {
    let json = parse_json(b"\xEF\xBB\xBF{\"a\": 1}", "t").unwrap();
    assert_eq!(json.span.col, 1);
    assert_eq!(json.get("a").map(|v| v.span.col), Some(7));
}

#[test]
fn numbers_follow_the_json_grammar() {
    for good in ["0", "-0", "12", "1.5e+3", "-2E-2", "0.001"] {
        assert_eq!(
            parse(good).unwrap().kind,
            JsonKind::Number(good.into()),
            "{good}"
        );
    }
    for bad in ["01", "1.", ".5", "-", "1e", "+1", "1.5.5"] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn syntax_errors_are_located() {
    let err = parse("[1,\n 2,]").unwrap_err();
    assert_eq!((err.line, err.col), (2, 4));
    assert!(err.message.contains("trailing comma"), "{err}");
    let err = parse("{\"a\": \"b\nc\"}").unwrap_err();
    assert!(err.message.contains("control character"), "{err}");
    assert_eq!(err.path, "a");
    let err = parse("{\"a\": 1, \"a\": 2}").unwrap_err();
    assert_eq!((err.line, err.col, err.path.as_str()), (1, 10, "a"));
    let err = parse("\"\\x\"").unwrap_err();
    assert!(err.message.contains("invalid escape"), "{err}");
    let err = parse("\"\\udc00\"").unwrap_err();
    assert!(err.message.contains("lone low surrogate"), "{err}");
    let err = parse("{} x").unwrap_err();
    assert!(err.message.contains("after the end"), "{err}");
    let err = parse("TRUE").unwrap_err();
    assert!(err.message.contains("expected a JSON value"), "{err}");
}

#[test]
fn depth_limit_holds_at_the_boundary() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let err = parse(&deep).unwrap_err();
    assert!(err.message.contains("64"), "{err}");
    assert_eq!(err.col as usize, MAX_DEPTH + 1);
}

#[test]
fn many_keys_are_checked_for_duplicates_quickly() {
    let members: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = format!("{{{}}}", members.join(","));
    let json = parse(&text).unwrap();
    assert_eq!(json.as_object().map(<[_]>::len), Some(200_000));
    let duplicated = format!("{{{}, \"k7\": 0}}", members.join(","));
    let err = parse(&duplicated).unwrap_err();
    assert!(err.message.contains("duplicate key `k7`"), "{err}");
}

/// Our tree, read back into serde_json's, to compare against a reference parser.
fn to_serde(json: &Json) -> serde_json::Value {
    match &json.kind {
        JsonKind::Null => serde_json::Value::Null,
        JsonKind::Bool(b) => serde_json::Value::Bool(*b),
        // Numbers compare as text: we keep them as written, serde_json would round floats.
        JsonKind::Number(n) => serde_json::Value::String(format!("number {n}")),
        JsonKind::String(s) => serde_json::Value::String(format!("string {s}")),
        JsonKind::Array(items) => serde_json::Value::Array(items.iter().map(to_serde).collect()),
        JsonKind::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|(k, _, v)| (k.clone(), to_serde(v)))
                .collect(),
        ),
    }
}

/// The reference value with scalars tagged, numbers as the text serde_json writes for them.
fn numbers_as_text(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Number(n) => serde_json::Value::String(format!("number {n}")),
        serde_json::Value::String(s) => serde_json::Value::String(format!("string {s}")),
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(numbers_as_text).collect())
        }
        serde_json::Value::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|(k, v)| (k.clone(), numbers_as_text(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn arbitrary_json() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn agrees_with_serde_json(value in arbitrary_json(), pretty in proptest::bool::ANY) {
        let text = if pretty {
            serde_json::to_string_pretty(&value).unwrap()
        } else {
            serde_json::to_string(&value).unwrap()
        };
        let ours = parse(&text).unwrap();
        proptest::prop_assert_eq!(to_serde(&ours), numbers_as_text(&value));
    }

    #[test]
    fn escaped_strings_round_trip(text in proptest::prelude::any::<String>()) {
        // serde_json escapes only what it must; also try every character as \uXXXX.
        let escaped: String = text
            .encode_utf16()
            .map(|unit| format!("\\u{unit:04x}"))
            .collect();
        let ours = parse(&format!("\"{escaped}\"")).unwrap();
        proptest::prop_assert_eq!(ours.as_str(), Some(text.as_str()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let _ = parse_json(&bytes, "fuzz");
    }
}
