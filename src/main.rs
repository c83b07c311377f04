#![forbid(unsafe_code)]

/// jemalloc for Rust and (unprefixed) for z3's C++ allocations: see Cargo.toml.
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    keyaki::cli::main()
}
