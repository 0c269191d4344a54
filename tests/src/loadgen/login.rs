//! The login traffic of the benchmark: full two-step logins in a closed loop, password steps
//! at a fixed offered rate (open loop, latency counted from the scheduled send time so a slow
//! server cannot hide its queueing), and a burst of simultaneous password steps.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};

use super::client::{Answer, Conn};
use super::outbox::OutboxTail;
use super::users::{BenchUser, PASSWORD, UserPool};

pub type Hist = Arc<Mutex<Histogram<u64>>>;

pub fn histogram() -> Hist {
    Arc::new(Mutex::new(
        Histogram::new_with_bounds(1, 600_000_000, 3)
            .unwrap_or_else(|_| Histogram::new(3).unwrap_or_else(|_| unreachable!())),
    ))
}

pub fn record(hist: &Hist, since: Instant) {
    let micros = u64::try_from(since.elapsed().as_micros())
        .unwrap_or(u64::MAX)
        .max(1);
    if let Ok(mut h) = hist.lock() {
        h.saturating_record(micros);
    }
}

/// A percentile in milliseconds; NaN when nothing was recorded.
pub fn percentile_ms(hist: &Hist, q: f64) -> f64 {
    hist.lock().map_or(f64::NAN, |h| {
        if h.is_empty() {
            f64::NAN
        } else {
            h.value_at_quantile(q) as f64 / 1000.0
        }
    })
}

/// A percentile in milliseconds; `None` when nothing was recorded.
pub fn percentile(hist: &Hist, q: f64) -> Option<f64> {
    Some(percentile_ms(hist, q)).filter(|v| v.is_finite())
}

/// What a cluster offers the phases.
#[derive(Clone)]
pub struct Target {
    pub nodes: Vec<SocketAddr>,
    pub users: Arc<Vec<BenchUser>>,
    pub pool: Arc<UserPool>,
    pub outbox: Arc<Mutex<OutboxTail>>,
}

/// A started challenge and its code, for verifying later.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub two_factor_id: String,
    pub code: String,
}

pub enum Step {
    Challenge(Prepared),
    /// 429/503 with `Retry-After`.
    Refused,
}

impl Target {
    pub fn node(&self, i: usize) -> SocketAddr {
        self.nodes[i % self.nodes.len()]
    }

    fn code_for(&self, phone: &str) -> anyhow::Result<String> {
        // The daemon writes the SMS before it answers 242, so it is there; allow for a slow disk.
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let code = self
                .outbox
                .lock()
                .map_err(|_| anyhow::anyhow!("outbox lock poisoned"))?
                .code_for(phone)?;
            if let Some(code) = code {
                return Ok(code);
            }
            if Instant::now() > deadline {
                anyhow::bail!("no SMS to {phone} in the outbox after a 242");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// `POST /api/login` for pool user `index`; on 242 reads its code from the outbox.
    pub async fn password_step(&self, conn: &mut Conn, index: usize) -> anyhow::Result<Step> {
        let user = &self.users[index];
        let answer = conn
            .post(
                "/api/login",
                &json!({"loginId": user.email, "password": PASSWORD}),
            )
            .await?;
        match answer.status {
            242 => {
                let body: Value = serde_json::from_slice(&answer.body)?;
                let two_factor_id = body["twoFactorId"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("242 without twoFactorId"))?
                    .to_owned();
                let code = self.code_for(&user.phone)?;
                Ok(Step::Challenge(Prepared {
                    two_factor_id,
                    code,
                }))
            }
            429 | 503 if answer.retry_after => Ok(Step::Refused),
            other => unexpected("/api/login", other, &answer),
        }
    }
}

fn unexpected<T>(what: &str, status: u16, answer: &Answer) -> anyhow::Result<T> {
    anyhow::bail!(
        "{what} answered {status}: {}",
        String::from_utf8_lossy(&answer.body)
    )
}

/// `POST /api/two-factor/login`; must answer 200 with a JWT.
pub async fn verify(conn: &mut Conn, prepared: &Prepared) -> anyhow::Result<()> {
    let answer = conn
        .post(
            "/api/two-factor/login",
            &json!({"twoFactorId": prepared.two_factor_id, "code": prepared.code}),
        )
        .await?;
    if answer.status != 200 {
        return unexpected("/api/two-factor/login", answer.status, &answer);
    }
    let body: Value = serde_json::from_slice(&answer.body)?;
    if body["token"].as_str().is_none_or(str::is_empty) {
        anyhow::bail!("a 200 from /api/two-factor/login without a token");
    }
    Ok(())
}

pub struct FullLogins {
    pub per_second: f64,
    pub completed: usize,
    pub refused: usize,
    pub latency: Hist,
}

/// `clients` closed-loop clients doing whole logins (password, 242, code, 200) for `duration`
/// or until `at_most` completed.
pub async fn full_logins(
    target: &Target,
    clients: usize,
    duration: Duration,
    at_most: usize,
) -> anyhow::Result<FullLogins> {
    let started = Instant::now();
    let deadline = started + duration;
    let completed = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let latency = histogram();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let target = target.clone();
        let (completed, refused, latency) = (
            Arc::clone(&completed),
            Arc::clone(&refused),
            Arc::clone(&latency),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(target.node(client));
            while Instant::now() < deadline && completed.load(Ordering::Relaxed) < at_most {
                let Some(index) = target.pool.take() else {
                    break;
                };
                let began = Instant::now();
                match target.password_step(&mut conn, index).await {
                    Ok(Step::Challenge(prepared)) => {
                        target.pool.give_back(index, true);
                        verify(&mut conn, &prepared).await?;
                        record(&latency, began);
                        completed.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Step::Refused) => {
                        target.pool.give_back(index, false);
                        refused.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err(e) => {
                        target.pool.give_back(index, true);
                        return Err(e);
                    }
                }
            }
            Ok::<_, anyhow::Error>(Instant::now())
        }));
    }
    let mut finished = started;
    for task in tasks {
        finished = finished.max(task.await??);
    }
    let completed = completed.load(Ordering::Relaxed);
    Ok(FullLogins {
        per_second: completed as f64 / finished.duration_since(started).as_secs_f64(),
        completed,
        refused: refused.load(Ordering::Relaxed),
        latency,
    })
}

pub struct Offered {
    pub latency: Hist,
    pub refused: usize,
    pub prepared: Vec<Prepared>,
    pub achieved_per_second: f64,
}

/// A pool of keep-alive connections shared by open-loop requests.
#[derive(Clone, Default)]
pub struct Conns {
    idle: Arc<Mutex<Vec<Conn>>>,
    opened: Arc<AtomicUsize>,
}

impl Conns {
    pub fn take(&self, target: &Target) -> Conn {
        let reused = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        reused
            .unwrap_or_else(|| Conn::new(target.node(self.opened.fetch_add(1, Ordering::Relaxed))))
    }

    pub fn put(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

/// Password steps offered at `rate` per second for `duration`, whatever the answers.
pub async fn offered_password_steps(
    target: &Target,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Offered> {
    let latency = histogram();
    let refused = Arc::new(AtomicUsize::new(0));
    let prepared = Arc::new(Mutex::new(Vec::new()));
    let conns = Conns::default();
    let total = (rate * duration.as_secs_f64()).round().max(1.0) as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for i in 0..total {
        let scheduled = started + interval.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let Some(index) = target.pool.take() else {
            break;
        };
        let target = target.clone();
        let (latency, refused, prepared, conns) = (
            Arc::clone(&latency),
            Arc::clone(&refused),
            Arc::clone(&prepared),
            conns.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = conns.take(&target);
            let step = target.password_step(&mut conn, index).await;
            conns.put(conn);
            match step? {
                Step::Challenge(p) => {
                    record(&latency, scheduled);
                    target.pool.give_back(index, true);
                    if let Ok(mut all) = prepared.lock() {
                        all.push(p);
                    }
                }
                Step::Refused => {
                    target.pool.give_back(index, false);
                    refused.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let prepared = std::mem::take(&mut *prepared.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(Offered {
        achieved_per_second: prepared.len() as f64 / elapsed,
        latency,
        refused: refused.load(Ordering::Relaxed),
        prepared,
    })
}

pub struct Burst {
    pub accepted: usize,
    pub refused: usize,
    pub prepared: Vec<Prepared>,
    /// Highest VmRSS sampled during the burst, MiB.
    pub sampled_peak_mib: f64,
}

/// `count` password steps sent at the same instant on their own connections, sampling the
/// daemon's resident memory meanwhile.
pub async fn burst(target: &Target, count: usize, pid: u32) -> anyhow::Result<Burst> {
    let mut ready = Vec::with_capacity(count);
    for i in 0..count {
        let Some(index) = target.pool.take() else {
            break;
        };
        ready.push((index, Conn::new(target.node(i))));
    }
    let (go, wait) = tokio::sync::watch::channel(false);
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = Arc::clone(&sampling);
        tokio::spawn(async move {
            let mut peak = 0.0f64;
            while sampling.load(Ordering::Relaxed) {
                if let Ok((rss, _)) = super::node::memory_mib(pid) {
                    peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            peak
        })
    };
    let mut tasks = Vec::with_capacity(count);
    for (index, mut conn) in ready {
        let target = target.clone();
        let mut wait = wait.clone();
        tasks.push(tokio::spawn(async move {
            let _ = wait.wait_for(|go| *go).await;
            let step = target.password_step(&mut conn, index).await;
            let sent = matches!(step, Ok(Step::Challenge(_)));
            target.pool.give_back(index, sent || step.is_err());
            step
        }));
    }
    let _ = go.send(true);
    let (mut accepted, mut refused, mut prepared) = (0, 0, Vec::new());
    for task in tasks {
        match task.await?? {
            Step::Challenge(p) => {
                accepted += 1;
                prepared.push(p);
            }
            Step::Refused => refused += 1,
        }
    }
    sampling.store(false, Ordering::Relaxed);
    Ok(Burst {
        accepted,
        refused,
        prepared,
        sampled_peak_mib: sampler.await?,
    })
}
