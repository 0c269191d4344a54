//! Overload: password logins offered at twice the hash bound (unknown login ids, which cost
//! exactly one hash like a real user, so no user's SMS limits are touched), while codes are
//! verified and `/api/status` is polled at a steady pace. Measures how fast the excess is
//! refused and whether the cheap requests keep their latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use super::client::Conn;
use super::login::{Conns, Hist, Prepared, Target, histogram, record, verify};

pub struct Overload {
    /// Latency of refusals (429/503 with `Retry-After`).
    pub shed: Hist,
    pub refused: usize,
    pub hashed: usize,
    /// Requests that got no HTTP answer at all (connection refused or reset).
    pub failed: usize,
    pub verify: Hist,
    pub verified: usize,
    pub status: Hist,
}

/// Offers `rate` password logins per second for `duration`; meanwhile verifies `prepared`
/// codes at `verify_rate` and polls `/api/status` every 20 ms.
pub async fn run(
    target: &Target,
    rate: f64,
    duration: Duration,
    prepared: Vec<Prepared>,
    verify_rate: f64,
) -> anyhow::Result<Overload> {
    let shed = histogram();
    let verify_hist = histogram();
    let status = histogram();
    let refused = Arc::new(AtomicUsize::new(0));
    let hashed = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + duration;

    let verifier = {
        let target = target.clone();
        let hist = Arc::clone(&verify_hist);
        tokio::spawn(async move {
            let conns = Conns::default();
            let interval = Duration::from_secs_f64(1.0 / verify_rate);
            let mut tasks = Vec::new();
            for (i, p) in prepared.into_iter().enumerate() {
                let scheduled = started + interval.mul_f64(i as f64);
                if scheduled > deadline {
                    break;
                }
                tokio::time::sleep_until(scheduled.into()).await;
                let (conns, hist, target) = (conns.clone(), Arc::clone(&hist), target.clone());
                tasks.push(tokio::spawn(async move {
                    let mut conn = conns.take(&target);
                    let result = verify(&mut conn, &p).await;
                    conns.put(conn);
                    record(&hist, scheduled);
                    result
                }));
            }
            let mut done = 0;
            for task in tasks {
                task.await??;
                done += 1;
            }
            Ok::<_, anyhow::Error>(done)
        })
    };
    let poller = {
        let hist = Arc::clone(&status);
        let addr = target.node(0);
        tokio::spawn(async move {
            let mut conn = Conn::new(addr);
            while Instant::now() < deadline {
                let began = Instant::now();
                let answer = conn.get("/api/status").await?;
                if answer.status != 200 {
                    anyhow::bail!("/api/status answered {} under overload", answer.status);
                }
                record(&hist, began);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Ok::<_, anyhow::Error>(())
        })
    };

    let conns = Conns::default();
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = Vec::new();
    for i in 0.. {
        let scheduled = started + interval.mul_f64(f64::from(i));
        if scheduled > deadline {
            break;
        }
        tokio::time::sleep_until(scheduled.into()).await;
        let (conns, target) = (conns.clone(), target.clone());
        let (shed, refused, hashed, failed) = (
            Arc::clone(&shed),
            Arc::clone(&refused),
            Arc::clone(&hashed),
            Arc::clone(&failed),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = conns.take(&target);
            let began = Instant::now();
            let answer = conn
                .post(
                    "/api/login",
                    &json!({"loginId": format!("nobody-{i}@bench.example.com"), "password": "wrong password"}),
                )
                .await;
            conns.put(conn);
            let Ok(answer) = answer else {
                failed.fetch_add(1, Ordering::Relaxed);
                return Ok(());
            };
            match answer.status {
                429 | 503 if answer.retry_after => {
                    record(&shed, began);
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                404 => {
                    hashed.fetch_add(1, Ordering::Relaxed);
                }
                other => anyhow::bail!(
                    "/api/login under overload answered {other}: {}",
                    String::from_utf8_lossy(&answer.body)
                ),
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let verified = verifier.await??;
    poller.await??;
    Ok(Overload {
        shed,
        refused: refused.load(Ordering::Relaxed),
        hashed: hashed.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        verify: verify_hist,
        verified,
        status,
    })
}
