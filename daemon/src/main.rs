//! `twofoldd`: see [`daemon::cli`].

fn main() -> std::process::ExitCode {
    daemon::cli::main()
}
