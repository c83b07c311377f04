//! Constructs AWS does not document are `unknown` (exit 3) with a reason naming them; input AWS
//! would not take is bad input (exit 2). See `encodings/typed-condition-variables.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{keyaki, policy, scratch_file};
use keyaki::encode::EncodeError;
use keyaki::explain::{
    check_no_new_access, probe_counterexamples, CheckOptions, UnknownReason, Verdict,
};

/// A policy allowing `s3:ListBucket` under one condition `operator: {key: value}`.
fn conditional(operator: &str, key: &str, value: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*",
"Condition":{{"{operator}":{{"{key}":"{value}"}}}}}}]}}"#
    )
}

const BROAD: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const NARROW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// One case per operator family AWS documents as not taking policy variables.
const CASES: [(&str, &str, &str, &str); 5] = [
    (
        "NumericLessThan",
        "s3:max-keys",
        "${aws:PrincipalTag/limit}",
        "Numeric",
    ),
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        "${aws:PrincipalTag/start}",
        "Date",
    ),
    (
        "Bool",
        "aws:SecureTransport",
        "${aws:PrincipalTag/tls}",
        "Bool",
    ),
    (
        "IpAddress",
        "aws:SourceIp",
        "${aws:PrincipalTag/net}",
        "IP address",
    ),
    (
        "BinaryEquals",
        "k:Blob",
        "${aws:PrincipalTag/blob}",
        "Binary",
    ),
];

#[test]
fn a_policy_variable_in_a_typed_condition_value_is_unknown_exit_3_with_the_construct_named() {
    for (operator, key, value, family) in CASES {
        let text = conditional(operator, key, value);
        let with = scratch_file("unsupported-typed", "with.json", &text);
        let broad = scratch_file("unsupported-typed", "broad.json", BROAD);
        let narrow = scratch_file("unsupported-typed", "narrow.json", NARROW);
        let with = with.to_str().unwrap();
        // In the proposal (the baseline does not allow it: a literal reading would say pass,
        // the substituted reading fail) and in the baseline.
        for (proposed, baseline) in [
            (with, narrow.to_str().unwrap()),
            (broad.to_str().unwrap(), with),
        ] {
            let run = keyaki(&[
                "check",
                proposed,
                "--baseline",
                baseline,
                "--format",
                "json",
            ]);
            assert_eq!(run.code, 3, "{operator}: {}{}", run.stdout, run.stderr);
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            assert_eq!(report["result"], "unknown", "{report}");
            let reason = report["reason"].as_str().unwrap();
            assert!(
                reason.starts_with(&format!(
                    "unsupported: policy variable in a {family} condition value `{value}`"
                )) && reason.contains(&format!("Statement[0].Condition.{operator}.{key}")),
                "{operator}: {reason}"
            );
        }
    }
}

#[test]
fn the_prover_and_the_probe_refuse_the_construct_in_the_library_too() {
    let options = CheckOptions {
        counterexamples: 1,
        ..CheckOptions::default()
    };
    for (operator, key, value, family) in CASES {
        let with = policy(&conditional(operator, key, value));
        let narrow = policy(NARROW);
        match check_no_new_access(&with, &narrow, &options) {
            Verdict::Unknown(UnknownReason::Unsupported(
                EncodeError::VariableInTypedCondition {
                    family: named,
                    value: written,
                    line,
                    ..
                },
            )) => {
                assert_eq!((named, written.as_str(), line), (family, value, 2));
            }
            other => panic!("{operator}: {other:?}"),
        }
        // The probe would otherwise find `s3:ListBucket` with the condition read literally.
        assert!(probe_counterexamples(&with, &narrow, &options).is_none());
        let through_scan = keyaki::scan::check_deterministic(&with, &narrow, &options);
        assert!(
            matches!(
                through_scan,
                Verdict::Unknown(UnknownReason::Unsupported(_))
            ),
            "{operator}: {through_scan:?}"
        );
    }
}

#[test]
fn bad_values_stay_bad_input_and_old_versions_read_variables_as_text() {
    // A malformed variable is malformed input whatever the operator.
    let broken = conditional("NumericEquals", "s3:max-keys", "${aws:x");
    let file = scratch_file("unsupported-bad", "broken.json", &broken);
    let narrow = scratch_file("unsupported-bad", "narrow.json", NARROW);
    let run = keyaki(&[
        "check",
        file.to_str().unwrap(),
        "--baseline",
        narrow.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("unterminated"), "{}", run.stderr);
    // Under 2008-10-17 there are no variables: `${aws:x}` is text, and no number.
    let old = broken
        .replace("2012-10-17", "2008-10-17")
        .replace("${aws:x", "${aws:x}");
    let file = scratch_file("unsupported-bad", "old.json", &old);
    let run = keyaki(&[
        "check",
        file.to_str().unwrap(),
        "--baseline",
        narrow.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("not a decimal number"),
        "{}",
        run.stderr
    );
}

#[test]
fn scan_reports_the_construct_as_unknown_not_invalid() {
    let with = conditional("NumericEquals", "s3:max-keys", "${aws:PrincipalTag/n}");
    let dir = common::scratch_dir("unsupported-scan");
    std::fs::write(dir.join("with.json"), &with).unwrap();
    let narrow = scratch_file("unsupported-scan-baseline", "narrow.json", NARROW);
    let run = keyaki(&[
        "scan",
        dir.to_str().unwrap(),
        "--baseline",
        narrow.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("\"unknown\""), "{}", run.stdout);
    assert!(
        run.stdout.contains("unsupported: policy variable"),
        "{}",
        run.stdout
    );
}
