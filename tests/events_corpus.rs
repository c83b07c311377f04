//! `keyaki events` on the corpus samples: every policy-changing record recognized and its policy
//! extracted where the manifest says, every container read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use keyaki::events::extract::{at, decode_policy, recognize, ChangeKind};
use keyaki::events::reader::{read_paths, read_stream};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn load(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The calls issue #14 lists as policy-changing (Lambda's carry an API-version suffix).
const POLICY_CHANGING: &[&str] = &[
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutBucketAcl",
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
    "PutBucketCors",
    "DeleteBucketCors",
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
    "CreatePolicy",
    "CreatePolicyVersion",
    "UpdateAssumeRolePolicy",
    "CreateRole",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "PutKeyPolicy",
    "CreateKey",
    "PutResourcePolicy",
    "SetRepositoryPolicy",
    "AddPermission20150331",
    "AddPermission20150331v2",
    "DeleteGroupPolicy",
];

#[test]
fn every_policy_changing_record_is_recognized_and_its_policy_extracted_where_the_manifest_says() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("formats/cloudtrail");
    let manifest = load(&dir.join("manifest.json"));
    let entries = manifest.as_array().expect("manifest is a list");
    let mut recognized = 0;
    let mut extracted = 0;
    for entry in entries {
        let file = entry["file"].as_str().expect("file");
        let record = load(&dir.join(file));
        let name = entry["eventName"].as_str().expect("eventName");
        let change = recognize(&record);
        let locations = entry["policy_locations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if POLICY_CHANGING.contains(&name) {
            assert!(change.is_some(), "{file}: {name} not recognized");
        }
        let Some(change) = change else {
            assert!(
                locations.is_empty(),
                "{file}: has a policy but was not recognized"
            );
            continue;
        };
        recognized += 1;
        assert_eq!(
            change.event_id,
            record["eventID"].as_str().unwrap_or(""),
            "{file}"
        );
        assert_eq!(
            change.error.is_some(),
            !entry["errorCode"].is_null(),
            "{file}: errorCode"
        );
        assert!(
            !change.resource.is_empty() && change.resource.starts_with("arn:"),
            "{file}: {}",
            change.resource
        );
        let Some(first) = locations.first() else {
            // No policy in the record: never a checkable policy, and never a silent pass.
            assert!(
                !matches!(change.kind, ChangeKind::Policy { .. } | ChangeKind::StatementAdded { .. })
                    || matches!(&change.kind, ChangeKind::Policy { location, .. } if location.starts_with("default key policy"))
                    // SQS AddPermission: no document; the statement the service synthesises.
                    || matches!(&change.kind, ChangeKind::StatementAdded { location, .. } if location.starts_with("requestParameters (")),
                "{file}: {:?}",
                change.kind
            );
            continue;
        };
        let path = first["path"].as_str().expect("path");
        let encoding = first["encoding"].as_str().unwrap_or("");
        if encoding.contains("ACL") {
            assert_eq!(change.slot, "acl", "{file}");
            assert!(
                !matches!(change.kind, ChangeKind::Missing { .. }),
                "{file}: {:?}",
                change.kind
            );
            continue;
        }
        // Every listed location decodes to the same document.
        let documents: Vec<Value> = locations
            .iter()
            .map(|l| {
                let p = l["path"].as_str().expect("path");
                decode_policy(at(&record, p).expect("location present"), p)
                    .unwrap_or_else(|e| panic!("{file}: {e}"))
            })
            .collect();
        assert!(
            documents.windows(2).all(|w| w[0] == w[1]),
            "{file}: locations disagree"
        );
        match &change.kind {
            ChangeKind::Policy { document, location }
            | ChangeKind::StatementAdded {
                statement: document,
                location,
            } => {
                assert_eq!(location, path, "{file}");
                assert_eq!(document, &documents[0], "{file}");
                extracted += 1;
            }
            other => panic!("{file}: expected the policy at {path}, got {other:?}"),
        }
    }
    println!("recognized {recognized}, policies extracted {extracted}");
    assert!(extracted >= 18, "only {extracted} policies extracted");
}

fn count_records(path: &Path) -> Vec<Value> {
    let mut records = Vec::new();
    read_paths(&[path.to_string_lossy().to_string()], &mut |r| {
        records.push(r);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    records
}

#[test]
fn every_container_is_read() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let dir = corpus.join("formats/cloudtrail");
    let envelopes = dir.join("envelopes");

    let jsonl = count_records(&dir.join("all-events.jsonl"));
    assert_eq!(jsonl.len(), 66);
    let records_file = count_records(&envelopes.join("records-file__s3-userguide.json"));
    let expected: Vec<Value> = load(&envelopes.join("records-file__s3-userguide.json"))["Records"]
        .as_array()
        .cloned()
        .expect("Records");
    assert_eq!(records_file, expected);
    assert!(records_file
        .iter()
        .any(|r| r["eventName"] == "PutBucketAcl"));

    for name in [
        "json-array__stratus__aws.persistence.iam-create-backdoor-role.json",
        "json-array__stratus__aws.persistence.iam-create-admin-user.json",
    ] {
        let records = count_records(&envelopes.join(name));
        assert_eq!(Value::Array(records), load(&envelopes.join(name)), "{name}");
    }

    let lookup = count_records(&envelopes.join("lookup-events__aws-cli.json"));
    let events = load(&envelopes.join("lookup-events__aws-cli.json"))["Events"]
        .as_array()
        .cloned()
        .expect("Events");
    assert_eq!(lookup.len(), events.len());
    let times: Vec<i64> = lookup
        .iter()
        .map(|r| {
            keyaki::events::time::parse_event_time(r["eventTime"].as_str().unwrap_or(""))
                .expect("time")
        })
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "lookup-events not put in time order: {times:?}"
    );

    for name in [
        "eventbridge__c7n__event-cloud-trail-catalog-put-resource-policy.json",
        "eventbridge__c7n__event-cloud-trail-s3.json",
    ] {
        let envelope = load(&envelopes.join(name));
        let records = count_records(&envelopes.join(name));
        assert_eq!(records.len(), 1, "{name}");
        assert_eq!(records[0]["eventName"], envelope["detail"]["eventName"]);
        assert!(
            !records[0]["eventID"].as_str().unwrap_or("").is_empty(),
            "{name}: no eventID"
        );
    }

    // The same Records file gzipped, and a directory of everything, and a JSON array of envelopes.
    let raw = std::fs::read(envelopes.join("records-file__s3-userguide.json")).expect("read");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).expect("gzip");
    let gzipped = gz.finish().expect("gzip");
    let mut from_gz = Vec::new();
    read_stream(&gzipped[..], "test.json.gz", &mut |r| {
        from_gz.push(r);
        Ok(())
    })
    .expect("gzip read");
    assert_eq!(from_gz, expected);

    let all = count_records(&dir.join("events"));
    assert_eq!(all.len(), 66);

    let envelope = load(&envelopes.join("eventbridge__c7n__event-cloud-trail-s3.json"));
    let array = serde_json::to_vec(&vec![envelope.clone(), envelope]).expect("json");
    let mut n = 0;
    read_stream(&array[..], "array.json", &mut |r| {
        assert_eq!(r["eventName"], "CreateBucket");
        n += 1;
        Ok(())
    })
    .expect("array of envelopes");
    assert_eq!(n, 2);
}

#[test]
fn concatenated_pretty_records_and_bad_input_name_the_place() {
    let text = "{\"eventName\": \"A\",\n \"eventID\": \"1\"}\n{\n  \"eventName\": \"B\"\n}\n\n{\"eventName\":\"C\"}\n";
    let mut names = Vec::new();
    read_stream(text.as_bytes(), "t.jsonl", &mut |r| {
        names.push(r["eventName"].as_str().unwrap_or("").to_string());
        Ok(())
    })
    .expect("read");
    assert_eq!(names, ["A", "B", "C"]);

    let bad = "{\"eventName\": \"A\"}\n{\"eventName\": \"B\",,}\n";
    let err = read_stream(bad.as_bytes(), "bad.jsonl", &mut |_| Ok(())).expect_err("must fail");
    assert_eq!(err.file, "bad.jsonl");
    assert!(err.message.starts_with("line 2:"), "{}", err.message);

    let not_records = "{\"Records\": [{\"eventName\": \"A\"}, 7]}";
    let err =
        read_stream(not_records.as_bytes(), "r.json", &mut |_| Ok(())).expect_err("must fail");
    assert!(err.message.contains("Records[1]"), "{}", err.message);

    let policy = "{\"Version\": \"2012-10-17\", \"Statement\": []}";
    let err = read_stream(policy.as_bytes(), "p.json", &mut |_| Ok(()))
        .expect_err("a policy is not a record");
    assert!(err.message.contains("eventName"), "{}", err.message);
}
