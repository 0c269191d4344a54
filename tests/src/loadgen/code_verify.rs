//! Code verification alone: challenges are prepared first (password step, 242, code from the
//! outbox), then `/api/two-factor/login` is driven by a closed loop of clients; every answer
//! is a 200 with a JWT after a durable commit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::Conn;
use super::login::{Hist, Prepared, Step, Target, histogram, record, verify};

/// Prepares one challenge per pool user with `concurrency` clients.
pub async fn prepare(
    target: &Target,
    count: usize,
    concurrency: usize,
) -> anyhow::Result<Vec<Prepared>> {
    let out = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client in 0..concurrency {
        let (target, out, next) = (target.clone(), Arc::clone(&out), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(target.node(client));
            while next.fetch_add(1, Ordering::Relaxed) < count {
                let Some(index) = target.pool.take() else {
                    break;
                };
                match target.password_step(&mut conn, index).await? {
                    Step::Challenge(p) => {
                        target.pool.give_back(index, true);
                        out.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.push(p);
                    }
                    Step::Refused => {
                        target.pool.give_back(index, false);
                        next.fetch_sub(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let all = std::mem::take(&mut *out.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(all)
}

pub struct Verified {
    pub per_second: f64,
    pub latency: Hist,
}

/// Verifies every prepared challenge with `concurrency` closed-loop clients.
pub async fn run(
    target: &Target,
    prepared: Vec<Prepared>,
    concurrency: usize,
) -> anyhow::Result<Verified> {
    let count = prepared.len();
    let queue = Arc::new(Mutex::new(prepared));
    let latency = histogram();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..concurrency {
        let (target, queue, latency) = (target.clone(), Arc::clone(&queue), Arc::clone(&latency));
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(target.node(client));
            // Connect before the clock matters.
            let _ = conn.get("/api/status").await;
            loop {
                let next = queue.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop();
                let Some(p) = next else { break };
                let began = Instant::now();
                verify(&mut conn, &p).await?;
                record(&latency, began);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(Verified {
        per_second: count as f64 / started.elapsed().as_secs_f64(),
        latency,
    })
}
