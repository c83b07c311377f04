//! Hostile and malformed inputs: every one is rejected with a located error, never a panic.
//! The messages are pinned by one snapshot; the locations are asserted case by case.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::parse::{parse_policy, parse_request, ParseError, MAX_DEPTH};

/// A policy around one statement body (written on its own lines so line numbers are stable).
fn policy_with_statement(body: &str) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {{\n{body}\n    }}\n  ]\n}}\n"
    )
}

struct Case {
    name: &'static str,
    input: Vec<u8>,
    request: bool,
    path: String,
    line: u32,
    col: u32,
}

fn policy_case(
    name: &'static str,
    input: impl Into<Vec<u8>>,
    path: &str,
    line: u32,
    col: u32,
) -> Case {
    Case {
        name,
        input: input.into(),
        request: false,
        path: path.to_string(),
        line,
        col,
    }
}

fn request_case(name: &'static str, input: &str, path: &str, line: u32, col: u32) -> Case {
    Case {
        request: true,
        ..policy_case(name, input, path, line, col)
    }
}

fn cases() -> Vec<Case> {
    let allow = "      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"*\"";
    let with_condition = |condition: &str| {
        policy_with_statement(&format!("{allow},\n      \"Condition\": {condition}"))
    };
    let deep = "[".repeat(100_000);
    let deep_path = "[0]".repeat(MAX_DEPTH);
    vec![
        policy_case("empty file", "", "(root)", 1, 1),
        policy_case("only whitespace", "  \n  ", "(root)", 2, 3),
        policy_case(
            "truncated JSON",
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\"",
            "Statement[0]",
            3,
            35,
        ),
        policy_case("binary garbage", b"\x00\x00\x00\x18ftypmp42".to_vec(), "(root)", 1, 1),
        policy_case("a zip archive", b"PK\x03\x04\x14\x00\x00\x00".to_vec(), "(root)", 1, 1),
        policy_case(
            "invalid UTF-8",
            b"{\n  \"Id\": \"caf\xe9\"\n}".to_vec(),
            "(root)",
            2,
            13,
        ),
        policy_case("100,000-deep nesting", deep, &deep_path, 1, MAX_DEPTH as u32 + 1),
        policy_case(
            "trailing garbage",
            "{\"Statement\": []}\n}",
            "(root)",
            2,
            1,
        ),
        policy_case(
            "control character in a string",
            "{\"Id\": \"a\tb\"}",
            "Id",
            1,
            10,
        ),
        policy_case("bad escape", "{\"Id\": \"a\\qb\"}", "Id", 1, 10),
        policy_case(
            "lone surrogate",
            "{\"Id\": \"x\\ud83d\"}",
            "Id",
            1,
            10,
        ),
        policy_case(
            "misspelled Conditon",
            policy_with_statement(&format!("{allow},\n      \"Conditon\": {{}}")),
            "Statement[0].Conditon",
            8,
            7,
        ),
        policy_case(
            "wrong-case effect",
            policy_with_statement("      \"effect\": \"Allow\",\n      \"Action\": \"*\""),
            "Statement[0].effect",
            5,
            7,
        ),
        policy_case(
            "Effect is a number",
            policy_with_statement("      \"Effect\": 1,\n      \"Action\": \"*\""),
            "Statement[0].Effect",
            5,
            17,
        ),
        policy_case(
            "Effect in lowercase",
            policy_with_statement("      \"Effect\": \"allow\",\n      \"Action\": \"*\""),
            "Statement[0].Effect",
            5,
            17,
        ),
        policy_case(
            "Action is an object",
            policy_with_statement("      \"Effect\": \"Allow\",\n      \"Action\": {}"),
            "Statement[0].Action",
            6,
            17,
        ),
        policy_case(
            "Action and NotAction",
            policy_with_statement(
                "      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"NotAction\": \"s3:*\"",
            ),
            "Statement[0].NotAction",
            7,
            7,
        ),
        policy_case(
            "duplicate Effect",
            policy_with_statement("      \"Effect\": \"Allow\",\n      \"Effect\": \"Deny\",\n      \"Action\": \"*\""),
            "Statement[0].Effect",
            6,
            7,
        ),
        policy_case(
            "unknown Version",
            "{\"Version\": \"2012-10-18\", \"Statement\": []}",
            "Version",
            1,
            13,
        ),
        policy_case(
            "unknown operator",
            with_condition("{\"StringEqual\": {\"aws:username\": \"alice\"}}"),
            "Statement[0].Condition.StringEqual",
            8,
            21,
        ),
        policy_case(
            "NullIfExists",
            with_condition("{\"NullIfExists\": {\"aws:TokenIssueTime\": \"true\"}}"),
            "Statement[0].Condition.NullIfExists",
            8,
            21,
        ),
        policy_case(
            "ForAnyValue:Null",
            with_condition("{\"ForAnyValue:Null\": {\"aws:TagKeys\": \"true\"}}"),
            "Statement[0].Condition.ForAnyValue:Null",
            8,
            21,
        ),
        policy_case(
            "bad number",
            with_condition("{\"NumericLessThan\": {\"s3:max-keys\": \"ten\"}}"),
            "Statement[0].Condition.NumericLessThan.s3:max-keys",
            8,
            56,
        ),
        policy_case(
            "bad date",
            with_condition("{\"DateGreaterThan\": {\"aws:CurrentTime\": [\"2020-01-01\", \"01/02/2020\"]}}"),
            "Statement[0].Condition.DateGreaterThan.aws:CurrentTime[1]",
            8,
            75,
        ),
        policy_case(
            "bad CIDR",
            with_condition("{\"IpAddress\": {\"aws:SourceIp\": \"203.0.113.0/33\"}}"),
            "Statement[0].Condition.IpAddress.aws:SourceIp",
            8,
            51,
        ),
        policy_case(
            "malformed policy variable in a Numeric value",
            with_condition("{\"NumericEquals\": {\"s3:max-keys\": \"${aws:username\"}}"),
            "Statement[0].Condition.NumericEquals.s3:max-keys",
            8,
            54,
        ),
        policy_case(
            "empty condition value list",
            with_condition("{\"StringEquals\": {\"aws:username\": []}}"),
            "Statement[0].Condition.StringEquals.aws:username",
            8,
            54,
        ),
        policy_case(
            "wildcard in an AWS principal ARN",
            policy_with_statement(
                "      \"Effect\": \"Allow\",\n      \"Action\": \"sts:AssumeRole\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/*\"}",
            ),
            "Statement[0].Principal.AWS",
            7,
            28,
        ),
        policy_case(
            "action without a service",
            policy_with_statement("      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:GetObject\", \"GetObject\"]"),
            "Statement[0].Action[1]",
            6,
            34,
        ),
        request_case(
            "request context keys differing in case",
            "{\"principal\": \"anonymous\", \"action\": \"s3:GetObject\",\n \"context\": {\"aws:SourceIp\": \"1.2.3.4\", \"aws:sourceip\": \"5.6.7.8\"}}",
            "context.aws:sourceip",
            2,
            41,
        ),
        request_case(
            "request with an unknown field",
            "{\"principal\": \"anonymous\", \"action\": \"s3:GetObject\", \"Resource\": \"*\"}",
            "Resource",
            1,
            54,
        ),
    ]
}

#[test]
fn hostile_inputs_fail_with_located_errors() {
    let mut messages = Vec::new();
    for case in cases() {
        let result: Result<(), ParseError> = if case.request {
            parse_request(&case.input, "input.json").map(|_| ())
        } else {
            parse_policy(&case.input, "input.json").map(|_| ())
        };
        let err = match result {
            Ok(()) => panic!("{}: parsed, but must be rejected", case.name),
            Err(err) => err,
        };
        assert_eq!(
            (err.path.as_str(), err.line, err.col),
            (case.path.as_str(), case.line, case.col),
            "{}: {err}",
            case.name
        );
        assert_eq!(err.file, "input.json");
        // The 100,000-deep case's path is 64 `[0]`s: shorten it for the snapshot.
        let shown = err.to_string().replace(&"[0]".repeat(MAX_DEPTH), "[0]×64");
        messages.push(format!("{}:\n  {shown}", case.name));
    }
    insta::assert_snapshot!("parse_errors", messages.join("\n"));
}

#[test]
fn depth_limit_is_exact() {
    let at_limit = format!(
        "{{\"Statement\": {}{}}}",
        "[".repeat(MAX_DEPTH - 1),
        "]".repeat(MAX_DEPTH - 1)
    );
    // Depth 64 is accepted by the JSON reader (then rejected as a policy for its shape).
    let err = parse_policy(at_limit.as_bytes(), "f").unwrap_err();
    assert!(!err.message.contains("MAX_DEPTH"), "{err}");
    let over = format!(
        "{{\"Statement\": {}{}}}",
        "[".repeat(MAX_DEPTH),
        "]".repeat(MAX_DEPTH)
    );
    let err = parse_policy(over.as_bytes(), "f").unwrap_err();
    assert!(err.message.contains("MAX_DEPTH"), "{err}");
}

#[test]
fn huge_unknown_names_are_rejected_quickly() {
    let long = "x".repeat(2_000_000);
    let started = std::time::Instant::now();
    let statement = format!(
        "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Action\": \"*\", \"Condition\": {{\"{long}\": {{}}}}}}]}}"
    );
    let err = parse_policy(statement.as_bytes(), "f").unwrap_err();
    assert!(
        err.message.starts_with("unknown condition operator"),
        "{}",
        &err.message[..60]
    );
    let element = format!("{{\"{long}\": 1}}");
    let err = parse_policy(element.as_bytes(), "f").unwrap_err();
    assert!(
        err.message.starts_with("unknown policy element"),
        "{}",
        &err.message[..60]
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn random_bytes_never_panic() {
    // A deterministic pseudo-random walk over bytes biased towards JSON punctuation.
    let alphabet = b"{}[]\":,\\ \n0123456789-.eEtrufalsn\xff\xc3\xa9uD8\x00ActionStatement";
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..3000 {
        let len = (state % 64) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let _ = parse_policy(&bytes, "fuzz");
        let _ = parse_request(&bytes, "fuzz");
    }
}

/// `${...}` in Principal or NotPrincipal: AWS documents policy variables only in Resource and
/// Condition string values, and no principal it accepts has `$`, `{` or `}`. Bad input (exit
/// 2) at the value, in every principal type and either version (encodings/principal-variables.md).
#[test]
fn policy_variables_in_principals_are_located_bad_input() {
    let cases = [
        (
            "2012-10-17",
            "Principal",
            "AWS",
            "arn:aws:iam::111122223333:user/${aws:username}",
        ),
        (
            "2008-10-17",
            "Principal",
            "AWS",
            "arn:aws:iam::111122223333:role/${x}",
        ),
        (
            "2012-10-17",
            "NotPrincipal",
            "AWS",
            "${aws:PrincipalAccount}",
        ),
        (
            "2012-10-17",
            "Principal",
            "Service",
            "${aws:PrincipalServiceName}",
        ),
        (
            "2012-10-17",
            "Principal",
            "Federated",
            "cognito-identity.amazonaws.com/${x}",
        ),
        ("2012-10-17", "Principal", "CanonicalUser", "${aws:userid}"),
    ];
    for (version, element, kind, value) in cases {
        let effect = if element == "NotPrincipal" {
            "Deny"
        } else {
            "Allow"
        };
        let text = format!(
            "{{\n  \"Version\": \"{version}\",\n  \"Statement\": [{{\"Effect\": \"{effect}\", \"Action\": \"*\", \"Resource\": \"*\",\n    \"{element}\": {{\"{kind}\": [\"arn:aws:iam::111122223333:root\", \"{value}\"]}}}}]\n}}\n"
        );
        let err = parse_policy(text.as_bytes(), "trust.json")
            .map(|_| ())
            .expect_err(value);
        let col = text.lines().nth(3).unwrap().find(value).unwrap() as u32;
        assert_eq!(
            (err.path.as_str(), err.line, err.col),
            (format!("Statement[0].{element}.{kind}[1]").as_str(), 4, col),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("policy variables are not allowed in")
                && err.to_string().contains(value),
            "{err}"
        );
    }
    // Escaped text in the Resource beside a literal principal is still fine.
    let fine = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
        "Resource": "arn:aws:s3:::b/${aws:username}", "Principal": {"AWS": "111122223333"}}]}"#;
    assert!(parse_policy(fine.as_bytes(), "ok.json").is_ok());
}

#[test]
fn keyaki_reports_a_principal_variable_as_exit_2_with_its_place() {
    let path =
        std::env::temp_dir().join(format!("keyaki-principal-var-{}.json", std::process::id()));
    std::fs::write(
        &path,
        "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:*\",\n\"Resource\": \"*\", \"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:user/${aws:username}\"}}]}\n",
    )
    .unwrap();
    let file = path.to_string_lossy().into_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_keyaki"))
        .args(["check", &file, "--baseline", &file])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&file)
            && stderr.contains("Statement[0].Principal.AWS")
            && stderr.contains("2:")
            && stderr.contains("policy variables are not allowed in `Principal`"),
        "{stderr}"
    );
    let _ = std::fs::remove_file(&path);
}
