//! `twofoldd` built inside the `tests` package, so the load generator's smoke test
//! (`tests/it/loadgen.rs`) always runs a fresh daemon binary (`CARGO_BIN_EXE_smoke-twofoldd`).
//! Identical to `daemon/src/main.rs`.

fn main() -> std::process::ExitCode {
    daemon::cli::main()
}
