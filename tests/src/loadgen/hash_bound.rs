//! The raw Argon2id bound B: verifications per second with every core busy, through the
//! daemon's own hashing code and parameters, with no HTTP, store or scheduling around it.

use std::time::{Duration, Instant};

use daemon::crypto::password::{Argon2Cost, BlockingVerifier, hash_blocking};

pub struct HashBound {
    pub per_second: f64,
    /// One verification on an otherwise idle core, in milliseconds.
    pub single_ms: f64,
}

/// Runs one verifier per core for `duration`.
pub fn measure(cost: Argon2Cost, threads: usize, duration: Duration) -> anyhow::Result<HashBound> {
    let phc = hash_blocking(&cost, super::users::PASSWORD)?;
    let mut single = BlockingVerifier::new(cost);
    single.verify(super::users::PASSWORD, &phc)?;
    let started = Instant::now();
    single.verify(super::users::PASSWORD, &phc)?;
    let single_ms = started.elapsed().as_secs_f64() * 1000.0;

    let started = Instant::now();
    let deadline = started + duration;
    let counts = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let phc = phc.clone();
                scope.spawn(move || {
                    let mut verifier = BlockingVerifier::new(cost);
                    let mut done = 0u64;
                    while Instant::now() < deadline {
                        if verifier.verify(super::users::PASSWORD, &phc).is_ok() {
                            done += 1;
                        }
                    }
                    (done, Instant::now())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or((0, Instant::now())))
            .collect::<Vec<_>>()
    });
    let total: u64 = counts.iter().map(|(n, _)| n).sum();
    let finished = counts
        .iter()
        .map(|(_, t)| *t)
        .max()
        .unwrap_or_else(Instant::now);
    let elapsed = finished.duration_since(started).as_secs_f64();
    Ok(HashBound {
        per_second: total as f64 / elapsed,
        single_ms,
    })
}
