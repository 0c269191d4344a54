//! Finds the `twofoldd` to benchmark: the path given, or the release build next to the load
//! generator, built first with `cargo build --release -p daemon --bin twofoldd`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary to run; builds it unless `build` is false.
pub fn locate(explicit: Option<&Path>, build: bool) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        anyhow::ensure!(path.is_file(), "{} does not exist", path.display());
        return Ok(path.to_owned());
    }
    let exe = std::env::current_exe()?;
    let mut dir = exe
        .parent()
        .ok_or_else(|| anyhow::anyhow!("the load generator has no folder"))?
        .to_owned();
    if dir.ends_with("deps") {
        dir.pop();
    }
    // target/<profile>/loadgen → target/release/twofoldd
    let target = dir.parent().map_or_else(|| dir.clone(), Path::to_path_buf);
    if build {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or_else(|| anyhow::anyhow!("no workspace folder"))?;
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        eprintln!("building: cargo build --release -p daemon --bin twofoldd");
        let status = Command::new(cargo)
            .current_dir(workspace)
            .env("CARGO_TARGET_DIR", &target)
            .args(["build", "--release", "-p", "daemon", "--bin", "twofoldd"])
            .status()?;
        anyhow::ensure!(status.success(), "building twofoldd failed");
    }
    let binary = target.join("release").join("twofoldd");
    anyhow::ensure!(
        binary.is_file(),
        "{} is missing; build it with `cargo build --release -p daemon --bin twofoldd`",
        binary.display()
    );
    Ok(binary)
}
