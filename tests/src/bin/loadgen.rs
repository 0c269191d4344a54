//! `loadgen`: the benchmark of docs/BENCHMARKS.md. See [`tests::loadgen`].

use clap::Parser;

fn main() -> std::process::ExitCode {
    match tests::loadgen::main_with(tests::loadgen::Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
