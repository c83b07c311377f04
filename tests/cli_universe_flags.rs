//! `--resource-universe catalog` on the CLI: `eval` refuses a request outside the universe (as
//! `check` excludes it), in `--request` and in each `--batch` line; `check` accepts the flag.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::keyaki;

#[test]
fn eval_refuses_requests_outside_the_catalog_universe() {
    let dir = std::env::temp_dir().join(format!("keyaki-universe-flags-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let request = dir.join("request.json");
    std::fs::write(
        &request,
        r#"{"principal":{"AWS":"arn:aws:iam::111122223333:user/a"},"action":"s3:GetObject","resource":"not-an-arn"}"#,
    )
    .unwrap();
    let policy = "tests/fixtures/identity-old.json";
    let request = request.to_str().unwrap();
    let open = keyaki(&["eval", policy, "--request", request]);
    assert_eq!(open.code, 0, "{}", open.stderr);
    let catalog = keyaki(&[
        "eval",
        policy,
        "--request",
        request,
        "--resource-universe",
        "catalog",
    ]);
    assert_eq!(catalog.code, 2);
    assert!(
        catalog
            .stderr
            .contains("outside the catalog resource universe"),
        "{}",
        catalog.stderr
    );
    let batch = dir.join("batch.jsonl");
    let policy_json = std::fs::read_to_string(policy).unwrap();
    let line = |resource: &str| {
        format!(
            "{{\"policy\": {}, \"request\": {{\"principal\":{{\"AWS\":\"arn:aws:iam::111122223333:user/a\"}},\"action\":\"s3:GetObject\",\"resource\":\"{resource}\"}}}}\n",
            policy_json.replace('\n', " ")
        )
    };
    std::fs::write(&batch, line("not-an-arn") + &line("arn:aws:s3:::reports/x")).unwrap();
    let run = keyaki(&[
        "eval",
        "--batch",
        batch.to_str().unwrap(),
        "--resource-universe",
        "catalog",
    ]);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0]["error"]
        .as_str()
        .unwrap()
        .contains("outside the catalog resource universe"));
    assert!(lines[1].get("decision").is_some(), "{}", lines[1]);
    assert_eq!(run.code, 2);
    let check = keyaki(&[
        "check",
        "tests/fixtures/identity-new.json",
        "--baseline",
        policy,
        "--resource-universe",
        "catalog",
    ]);
    assert!([0, 1].contains(&check.code), "{}", check.stderr);
}
