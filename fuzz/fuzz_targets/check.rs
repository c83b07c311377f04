//! Small structured policy pairs through `check_no_new_access`: every counterexample replays,
//! and no sampled request refutes a pass.
#![no_main]

#[path = "../gen/mod.rs"]
mod gen;
#[path = "../gen/oracles.rs"]
mod oracles;

use gen::Choices;
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

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
    let shape = gen::Shape::default();
    let proposed = gen::policy(&mut c, ty, shape, &mut lits);
    let baseline = gen::policy(&mut c, ty, shape, &mut lits);
    oracles::check_pair(&mut c, &proposed, &baseline, ty, &lits, 32);
});
