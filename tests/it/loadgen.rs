//! The load generator in `--quick` mode (tiny counts, cheap hashing) against the real daemon
//! binary: every phase runs and every figure comes out, so the benchmark cannot rot.

use std::path::PathBuf;

use tests::loadgen::{Args, run};

#[tokio::test(flavor = "current_thread")]
async fn a_quick_run_produces_every_figure() {
    let args = Args {
        quick: true,
        twofoldd: Some(PathBuf::from(env!("CARGO_BIN_EXE_smoke-twofoldd"))),
        no_build: true,
        nodes: 1,
        store_url: None,
    };
    let figures = run(&args).await.expect("the quick run completes");
    let json = figures.json();
    for (key, value) in json.as_object().expect("an object") {
        match key.as_str() {
            "commit" => assert!(value.is_string()),
            // Whether a tiny overload overflows the queue depends on the machine's speed.
            "overload_shed_ms" => assert!(value.is_number() || value.is_null()),
            _ => assert!(value.is_number(), "{key} is {value} in {json}"),
        }
    }
    assert!(figures.login_full_per_s.is_some_and(|v| v > 0.0));
    assert!(figures.rss_peak_mb >= figures.rss_idle_mb);
}
