//! Structured policy + request (built from the fuzzer's bytes through `arbitrary`):
//! the evaluator never panics, explains itself consistently, and agrees with the encoding.
#![no_main]

#[path = "../gen/mod.rs"]
mod gen;
#[path = "../gen/oracles.rs"]
mod oracles;

use gen::Choices;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

/// Choices drawn through `arbitrary`.
struct ArbitraryChoices<'a, 'b>(&'b mut Unstructured<'a>);

impl Choices for ArbitraryChoices<'_, '_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.0.int_in_range(0..=n - 1).unwrap_or(0)
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut c = ArbitraryChoices(&mut u);
    let ty = gen::policy_type(&mut c);
    let mut lits = gen::Literals::default();
    let shape = gen::Shape {
        max_statements: 4,
        max_conditions: 3,
    };
    let policy_json = gen::policy(&mut c, ty, shape, &mut lits);
    let policy = oracles::parse_generated_policy(&policy_json);
    for _ in 0..4 {
        let request_json = gen::request(&mut c, &lits);
        let request = oracles::parse_generated_request(&request_json);
        oracles::assert_eval_consistent(&policy, &request, ty);
        oracles::assert_encoding_agrees(&policy, &request, ty);
    }
});
