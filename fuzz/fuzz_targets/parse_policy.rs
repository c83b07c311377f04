//! Arbitrary bytes into every parser entry point: it must return Ok or Err, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(policy) = keyaki::parse::parse_policy(data, "fuzz.json") {
        // Whatever parses must also be usable by the evaluator without panicking.
        let request = keyaki::request::Request::new(
            keyaki::request::Principal::Anonymous,
            "s3:GetObject",
            Some("arn:aws:s3:::bucket/key"),
        );
        let _ = keyaki::eval::evaluate(&policy, &request, keyaki::eval::PolicyType::Resource);
    }
    if let Ok(request) = keyaki::parse::parse_request(data, "fuzz-request.json") {
        // A request that parses prints back to JSON that parses to the same request.
        let printed = serde_json::to_vec(&request).unwrap_or_default();
        match keyaki::parse::parse_request(&printed, "printed.json") {
            Ok(again) => assert_eq!(again, request, "request does not round-trip"),
            Err(e) => panic!("printed request does not parse back: {e}"),
        }
    }
});
