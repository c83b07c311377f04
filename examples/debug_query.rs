//! Prints the SMT-LIB text of a check query, for debugging: `cargo run --example debug_query P.json B.json [identity|resource]`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a debugging tool"
)]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let load = |p: &str| {
        keyaki::parse::parse_policy(&std::fs::read(p).unwrap_or_default(), p)
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let ty = if args.get(3).map(String::as_str) == Some("resource") {
        keyaki::eval::PolicyType::Resource
    } else {
        keyaki::eval::PolicyType::Identity
    };
    let q = keyaki::encode::verify_no_new_access(&load(&args[1]), &load(&args[2]), ty)
        .unwrap_or_else(|e| panic!("{e}"));
    print!("{}", keyaki::solve::to_smtlib(&q, &[]));
    let v = keyaki::explain::check_no_new_access(
        &load(&args[1]),
        &load(&args[2]),
        &keyaki::explain::CheckOptions {
            policy_type: ty,
            ..Default::default()
        },
    );
    println!("; verdict: {v:?}");
}
