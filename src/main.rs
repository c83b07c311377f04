#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    keyaki::cli::main()
}
