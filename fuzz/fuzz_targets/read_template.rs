//! The template and plan readers on arbitrary bytes: detection, YAML with tags, intrinsics,
//! plan walking and extraction never panic; every extracted policy either converts to a model,
//! is `unknown` with a reason, or is invalid with a located error.
#![no_main]

use keyaki::template::analysis::prepare;
use keyaki::template::{extract, ResolveOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(extraction) = extract(data, "fuzz", &ResolveOptions::default()) {
        for policy in &extraction.policies {
            let _ = prepare(policy);
        }
        for refusal in &extraction.refusals {
            assert!(!refusal.reason.is_empty());
        }
    }
});
