//! The findings lifecycle in the SQLite state store: active → resolved by a later compliant
//! change, or archived; idempotent replays; and a kill -9 mid-stream loses and duplicates nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keyaki::events::check::{Against, Checker};
use keyaki::events::managed::ManagedPolicies;
use keyaki::events::store::{Status, Store};
use keyaki::explain::CheckOptions;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn checker() -> Checker {
    let spec = keyaki::access::spec::load_spec(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/no-public-no-cross-account.spec.json"
    ))
    .unwrap();
    let options = CheckOptions {
        counterexamples: 1,
        ..CheckOptions::default()
    };
    Checker::new(
        Against::Spec(Box::new(spec)),
        options,
        ManagedPolicies::none(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("keyaki-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A PutBucketPolicy granting `principal` s3:GetObject on bucket `bucket`.
fn put(id: &str, day: u32, bucket: &str, principal: Value) -> Value {
    json!({"eventID": id, "eventTime": format!("2024-01-{day:02}T00:00:00Z"), "eventSource": "s3.amazonaws.com",
        "eventName": "PutBucketPolicy", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
        "userIdentity": {"arn": "arn:aws:iam::111122223333:user/alice"},
        "requestParameters": {"bucketName": bucket, "bucketPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]}}})
}

fn write_stream(path: &std::path::Path, records: &[Value]) {
    let mut file = std::fs::File::create(path).unwrap();
    for r in records {
        writeln!(file, "{r}").unwrap();
    }
}

fn run_into(db: &str, stream: &std::path::Path, batch: usize) -> keyaki::events::Summary {
    let mut store = Store::open(db, batch).unwrap();
    let mut checker = checker();
    keyaki::events::run(
        &[stream.to_string_lossy().to_string()],
        &mut checker,
        Some(&mut store),
        &mut |_| Ok(()),
    )
    .unwrap()
}

#[test]
fn findings_are_active_until_resolved_by_a_compliant_change_or_archived() {
    let dir = temp("lifecycle");
    let stream = dir.join("s.jsonl");
    let own = json!({"AWS": "arn:aws:iam::111122223333:root"});
    write_stream(
        &stream,
        &[
            put("e1", 1, "b", json!("*")),
            put(
                "e2",
                2,
                "b",
                json!({"AWS": "arn:aws:iam::999999999999:root"}),
            ),
            put("e3", 3, "other", json!("*")),
            put("e4", 4, "b", own.clone()),
            put("e5", 5, "b", json!("*")),
        ],
    );
    let db = dir.join("state.db").to_string_lossy().to_string();
    let summary = run_into(&db, &stream, 2);
    assert_eq!((summary.fail, summary.pass, summary.resolved), (4, 1, 2));
    let mut store = Store::open(&db, 1).unwrap();
    let all = store.list(None, None).unwrap();
    let status = |id: &str| all.iter().find(|f| f.event_id == id).map(|f| f.status);
    assert_eq!(status("e1"), Some(Status::Resolved));
    assert_eq!(status("e2"), Some(Status::Resolved));
    assert_eq!(status("e3"), Some(Status::Active), "another bucket");
    assert_eq!(
        status("e5"),
        Some(Status::Active),
        "after the compliant change"
    );
    assert_eq!(status("e4"), None, "a pass is not a finding");
    let resolved_by: Vec<_> = all
        .iter()
        .filter_map(|f| f.resolved_by.as_deref())
        .collect();
    assert_eq!(resolved_by, ["e4", "e4"]);

    // Archive = approved.
    let e3 = all.iter().find(|f| f.event_id == "e3").unwrap().id;
    assert!(store
        .archive(e3, "approved: public website bucket")
        .unwrap());
    assert!(!store.archive(99_999, "no such finding").unwrap());
    let active: Vec<String> = store
        .list(Some(Status::Active), None)
        .unwrap()
        .into_iter()
        .map(|f| f.event_id)
        .collect();
    assert_eq!(active, ["e5"]);
    let archived = store.list(Some(Status::Archived), None).unwrap();
    assert_eq!(
        archived[0].archive_reason.as_deref(),
        Some("approved: public website bucket")
    );

    // The re-notifier: active and at least 7 days old, as of a given time.
    let day = 86_400_000i64;
    let as_of = keyaki::events::time::parse_event_time("2024-01-12T00:00:00Z").unwrap();
    let old: Vec<String> = store
        .list(Some(Status::Active), Some((as_of, 7 * day)))
        .unwrap()
        .into_iter()
        .map(|f| f.event_id)
        .collect();
    assert_eq!(old, ["e5"], "7 days old on the 12th");
    assert!(store
        .list(Some(Status::Active), Some((as_of - day, 7 * day)))
        .unwrap()
        .is_empty());
    drop(store);

    // Replaying the same stream changes nothing.
    let again = run_into(&db, &stream, 2);
    assert_eq!(again.already_recorded, 5);
    assert_eq!(again.resolved, 0);
    let store = Store::open(&db, 1).unwrap();
    assert_eq!(store.list(None, None).unwrap().len(), all.len());
    assert_eq!(
        store.list(Some(Status::Archived), None).unwrap().len(),
        1,
        "the archive survives a replay"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

const KILL_RECORDS: usize = 500;

/// A long stream: every record a different cross-account grant (no verdict cache hits), every
/// tenth one compliant (resolving the bucket's findings).
fn kill_stream() -> Vec<Value> {
    (0..KILL_RECORDS)
        .map(|i| {
            let principal = if i % 10 == 9 {
                json!({"AWS": "arn:aws:iam::111122223333:root"})
            } else {
                json!({"AWS": format!("arn:aws:iam::{:012}:root", 200_000_000_000u64 + i as u64)})
            };
            put(
                &format!("k{i}"),
                1 + (i % 28) as u32,
                &format!("bucket{}", i % 7),
                principal,
            )
        })
        .collect()
}

/// Run by the kill -9 test in a child process; ignored otherwise.
#[test]
#[ignore = "child process of kill_dash_nine_mid_stream_loses_and_duplicates_nothing"]
fn child_writes_a_long_stream() {
    let (Ok(db), Ok(stream)) = (
        std::env::var("KEYAKI_CHILD_DB"),
        std::env::var("KEYAKI_CHILD_STREAM"),
    ) else {
        return;
    };
    run_into(&db, &PathBuf::from(stream), 5);
}

fn snapshot(db: &str) -> BTreeSet<(String, String, String, Option<String>)> {
    let store = Store::open(db, 1).unwrap();
    let list = store.list(None, None).unwrap();
    let set: BTreeSet<_> = list
        .iter()
        .map(|f| {
            (
                f.event_id.clone(),
                f.result.clone(),
                f.status.as_str().to_string(),
                f.resolved_by.clone(),
            )
        })
        .collect();
    assert_eq!(set.len(), list.len(), "duplicate findings");
    set
}

#[test]
fn kill_dash_nine_mid_stream_loses_and_duplicates_nothing() {
    let dir = temp("kill");
    let stream = dir.join("long.jsonl");
    write_stream(&stream, &kill_stream());
    let db = dir.join("state.db").to_string_lossy().to_string();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_writes_a_long_stream",
            "--exact",
            "--ignored",
            "--test-threads=1",
        ])
        .env("KEYAKI_CHILD_DB", &db)
        .env("KEYAKI_CHILD_STREAM", &stream)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some batches are committed, then kill -9 (SIGKILL) mid-stream.
    let start = Instant::now();
    let committed = loop {
        std::thread::sleep(Duration::from_millis(20));
        let count = Store::open(&db, 1)
            .and_then(|s| s.event_count())
            .unwrap_or(0);
        if count >= 100 || start.elapsed() > Duration::from_secs(120) {
            break count;
        }
    };
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the child finished before the kill: make the stream longer"
    );
    assert!(committed >= 100, "the child committed nothing in 120 s");
    let after_kill = Store::open(&db, 1).unwrap().event_count().unwrap();
    assert!((after_kill as usize) < KILL_RECORDS, "killed mid-stream");
    assert_eq!(after_kill % 5, 0, "only whole batches are committed");

    // Re-running the same input completes the store; it equals one uninterrupted run.
    let resumed = run_into(&db, &stream, 5);
    assert_eq!(resumed.already_recorded as i64, after_kill);
    let reference_db = dir.join("reference.db").to_string_lossy().to_string();
    run_into(&reference_db, &stream, 50);
    assert_eq!(
        Store::open(&db, 1).unwrap().event_count().unwrap(),
        KILL_RECORDS as i64
    );
    let (got, want) = (snapshot(&db), snapshot(&reference_db));
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}
