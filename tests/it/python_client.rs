//! FusionAuth's official Python client (PyPI `fusionauth-client`) runs the seed flow against
//! the daemon unchanged: the strongest check of wire compatibility there is. Skipped, with a
//! message, when Python or the package is missing (`.ci/run` installs it).

use std::process::Command;

use tests::harness::{API_KEY, TestDaemon};

fn python_with_client() -> bool {
    Command::new("python3")
        .args(["-c", "import fusionauth.fusionauth_client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test]
async fn the_official_python_client_runs_the_seed_flow() {
    if !python_with_client() {
        println!(
            "skipped: python3 with the fusionauth-client package is not installed (pip install fusionauth-client)"
        );
        return;
    }
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("Python").await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/seed_flow.py");
    let url = daemon.url.clone();
    let outbox = daemon.outbox_path();
    // The client blocks: run it off the runtime that serves the daemon.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .env("TWOFOLD_URL", url)
            .env("TWOFOLD_API_KEY", API_KEY)
            .env("TWOFOLD_APPLICATION_ID", app)
            .env("TWOFOLD_OUTBOX", outbox)
            .output()
            .expect("python3 runs")
    })
    .await
    .expect("joined");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("ok gone"), "{stdout}");
}
