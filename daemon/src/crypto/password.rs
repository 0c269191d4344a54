//! Password hashing with Argon2id on a bounded pool of worker threads.
//!
//! Hashing is deliberately expensive (≈15 ms and 19 MiB at the defaults), so it never runs on
//! the async workers: a fixed number of threads (≤ cores) each own one memory buffer,
//! allocated on the worker's first hash and reused after, and a bounded queue sits in front
//! of them. When the queue is full the pool refuses
//! at once ([`PoolError::Overloaded`]) instead of queueing without limit: overload sheds in
//! microseconds and memory stays at `workers × m_cost`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::{Ident, Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;
use zeroize::Zeroizing;

use super::{CryptoError, random};

const ARGON2ID: Ident = Ident::new_unwrap("argon2id");
const OUTPUT_LEN: usize = 32;
const SALT_LEN: usize = 16;

/// Argon2id cost parameters (OWASP's second recommendation by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Cost {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Cost {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl Argon2Cost {
    fn params(&self) -> Result<Params, CryptoError> {
        Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(OUTPUT_LEN),
        )
        .map_err(|e| CryptoError::Hashing(e.to_string()))
    }

    /// Checks the parameters are ones Argon2 accepts.
    pub fn validate(&self) -> Result<(), CryptoError> {
        self.params().map(|_| ())
    }
}

/// The result of checking a password.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub matches: bool,
    /// The stored hash used other parameters than the configured ones: rehash it.
    pub needs_rehash: bool,
}

/// One worker's reusable Argon2 memory.
struct Scratch {
    blocks: Vec<Block>,
}

impl Scratch {
    fn new() -> Self {
        Self { blocks: Vec::new() }
    }

    fn blocks_for(&mut self, params: &Params) -> &mut [Block] {
        let needed = params.block_count();
        if self.blocks.len() < needed {
            self.blocks.resize(needed, Block::default());
        }
        &mut self.blocks[..needed]
    }
}

/// Hashes `password` into a PHC string with a fresh random salt.
fn hash_with(
    scratch: &mut Scratch,
    cost: &Argon2Cost,
    password: &[u8],
) -> Result<String, CryptoError> {
    let params = cost.params()?;
    let salt = random::bytes::<SALT_LEN>()?;
    let mut out = [0u8; OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(password, &salt, &mut out, scratch.blocks_for(&params))
        .map_err(|e| CryptoError::Hashing(e.to_string()))?;
    phc_string(&params, &salt, &out)
}

fn phc_string(params: &Params, salt: &[u8], out: &[u8]) -> Result<String, CryptoError> {
    let phc = PasswordHash {
        algorithm: ARGON2ID,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(|e| CryptoError::Hashing(e.to_string()))?,
        salt: Some(Salt::new(salt).map_err(|e| CryptoError::Hashing(e.to_string()))?),
        hash: Some(Output::new(out).map_err(|e| CryptoError::Hashing(e.to_string()))?),
    };
    Ok(phc.to_string())
}

/// A hash with the configured parameters, a random salt and a random output: verifying
/// against it costs exactly one hash and matches no password (with probability 2⁻²⁵⁶).
/// Made without hashing, so start-up does not pay for it.
fn dummy_hash(cost: &Argon2Cost) -> Result<String, CryptoError> {
    let params = cost.params()?;
    let salt = random::bytes::<SALT_LEN>()?;
    let out = Zeroizing::new(random::bytes::<OUTPUT_LEN>()?);
    phc_string(&params, &salt, out.as_slice())
}

/// Checks `password` against a stored PHC string in constant time.
fn verify_with(
    scratch: &mut Scratch,
    cost: &Argon2Cost,
    password: &[u8],
    phc: &str,
) -> Result<Verified, CryptoError> {
    let parsed = PasswordHash::new(phc).map_err(|e| CryptoError::Hashing(e.to_string()))?;
    if parsed.algorithm != ARGON2ID {
        return Err(CryptoError::Hashing(format!(
            "unsupported algorithm {}",
            parsed.algorithm
        )));
    }
    let params = Params::try_from(&parsed).map_err(|e| CryptoError::Hashing(e.to_string()))?;
    let salt = parsed
        .salt
        .ok_or_else(|| CryptoError::Hashing("hash without salt".to_owned()))?;
    let expected = parsed
        .hash
        .ok_or_else(|| CryptoError::Hashing("hash without output".to_owned()))?;
    let mut out = Zeroizing::new(vec![0u8; expected.len()]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password,
            salt.as_ref(),
            &mut out,
            scratch.blocks_for(&params),
        )
        .map_err(|e| CryptoError::Hashing(e.to_string()))?;
    let matches: bool = out.as_slice().ct_eq(expected.as_bytes()).into();
    let needs_rehash = params.m_cost() != cost.memory_kib
        || params.t_cost() != cost.iterations
        || params.p_cost() != cost.parallelism
        || parsed.version != Some(Version::V0x13.into());
    Ok(Verified {
        matches,
        needs_rehash,
    })
}

enum Job {
    Hash {
        password: Zeroizing<String>,
        reply: oneshot::Sender<Result<String, CryptoError>>,
    },
    /// `phc: None` verifies against the pool's dummy hash, so unknown users cost the same.
    Verify {
        password: Zeroizing<String>,
        phc: Option<String>,
        reply: oneshot::Sender<Result<Verified, CryptoError>>,
    },
}

/// Why the pool did not hash.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("the password hashing queue is full")]
    Overloaded { retry_after: Duration },
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("the password hashing pool has stopped")]
    Stopped,
}

/// Pool settings.
#[derive(Clone, Copy, Debug)]
pub struct PoolConfig {
    pub cost: Argon2Cost,
    /// Worker threads; each holds one `m_cost` buffer.
    pub workers: usize,
    /// Jobs that may wait for a worker before new ones are refused.
    pub queue: usize,
    /// How far below normal the workers run (see [`crate::thread_priority`]); 0: normal.
    pub nice: i32,
}

/// Live figures of the pool, for metrics.
#[derive(Debug, Default)]
pub struct PoolStats {
    pub waiting: AtomicUsize,
    pub refused: AtomicUsize,
    pub completed: AtomicUsize,
    /// Total microseconds jobs spent waiting for a worker.
    pub wait_micros: AtomicUsize,
}

/// A cheap handle to the hashing pool.
#[derive(Clone)]
pub struct HashPool {
    sender: SyncSender<(Instant, Job)>,
    config: PoolConfig,
    stats: Arc<PoolStats>,
    /// How long the latest hash took, in microseconds, for `Retry-After` on refusal.
    typical_micros: Arc<AtomicU64>,
}

impl std::fmt::Debug for HashPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashPool")
            .field("config", &self.config)
            .finish()
    }
}

impl HashPool {
    /// Starts the workers and makes the dummy hash used for unknown users.
    pub fn start(config: PoolConfig) -> Result<Self, CryptoError> {
        config.cost.validate()?;
        let workers = config.workers.max(1);
        let dummy = Arc::new(dummy_hash(&config.cost)?);
        let typical_micros = Arc::new(AtomicU64::new(0));

        let (sender, receiver) = sync_channel::<(Instant, Job)>(config.queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let stats = Arc::new(PoolStats::default());
        for index in 0..workers {
            let receiver = Arc::clone(&receiver);
            let dummy = Arc::clone(&dummy);
            let stats = Arc::clone(&stats);
            let typical = Arc::clone(&typical_micros);
            let cost = config.cost;
            let nice = config.nice;
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || {
                    if let Err(e) = crate::thread_priority::lower_current_thread(nice) {
                        tracing::warn!(error = %e, "a hashing thread runs at normal priority");
                    }
                    worker(receiver, cost, dummy, stats, typical)
                })
                .map_err(|e| CryptoError::Hashing(format!("cannot start a hashing thread: {e}")))?;
        }
        Ok(Self {
            sender,
            config: PoolConfig { workers, ..config },
            stats,
            typical_micros,
        })
    }

    pub fn config(&self) -> PoolConfig {
        self.config
    }

    pub fn stats(&self) -> &PoolStats {
        &self.stats
    }

    fn submit(&self, job: Job) -> Result<(), PoolError> {
        self.stats.waiting.fetch_add(1, Ordering::Relaxed);
        match self.sender.try_send((Instant::now(), job)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.stats.waiting.fetch_sub(1, Ordering::Relaxed);
                self.stats.refused.fetch_add(1, Ordering::Relaxed);
                // The queue drains in about (queue / workers) hashes.
                let typical = Duration::from_micros(self.typical_micros.load(Ordering::Relaxed));
                let drain = typical.saturating_mul(
                    u32::try_from(self.config.queue / self.config.workers.max(1) + 1)
                        .unwrap_or(u32::MAX),
                );
                Err(PoolError::Overloaded {
                    retry_after: drain.max(Duration::from_secs(1)),
                })
            }
            Err(TrySendError::Disconnected(_)) => {
                self.stats.waiting.fetch_sub(1, Ordering::Relaxed);
                Err(PoolError::Stopped)
            }
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: &str) -> Result<String, PoolError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Hash {
            password: Zeroizing::new(password.to_owned()),
            reply,
        })?;
        Ok(answer.await.map_err(|_| PoolError::Stopped)??)
    }

    /// Checks a password; with `phc: None` it burns the same time and reports no match.
    pub async fn verify(&self, password: &str, phc: Option<String>) -> Result<Verified, PoolError> {
        let (reply, answer) = oneshot::channel();
        self.submit(Job::Verify {
            password: Zeroizing::new(password.to_owned()),
            phc,
            reply,
        })?;
        Ok(answer.await.map_err(|_| PoolError::Stopped)??)
    }
}

fn worker(
    receiver: Arc<Mutex<Receiver<(Instant, Job)>>>,
    cost: Argon2Cost,
    dummy: Arc<String>,
    stats: Arc<PoolStats>,
    typical_micros: Arc<AtomicU64>,
) {
    // Allocated on this worker's first hash and reused for every later one: an idle daemon
    // holds no Argon2 memory, a busy one at most `workers × m_cost`.
    let mut scratch = Scratch::new();
    loop {
        let next = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok((queued_at, job)) = next else {
            return;
        };
        stats.waiting.fetch_sub(1, Ordering::Relaxed);
        let waited = queued_at.elapsed();
        stats.wait_micros.fetch_add(
            usize::try_from(waited.as_micros()).unwrap_or(usize::MAX),
            Ordering::Relaxed,
        );
        if waited > Duration::from_millis(500) {
            tracing::warn!(
                waited_ms = waited.as_millis(),
                "a password hash waited long for a worker"
            );
        }
        let hashing = Instant::now();
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&mut scratch, &cost, password.as_bytes()));
            }
            Job::Verify {
                password,
                phc,
                reply,
            } => {
                let result =
                    match phc {
                        Some(phc) => verify_with(&mut scratch, &cost, password.as_bytes(), &phc),
                        None => verify_with(&mut scratch, &cost, password.as_bytes(), &dummy).map(
                            |_| Verified {
                                matches: false,
                                needs_rehash: false,
                            },
                        ),
                    };
                let _ = reply.send(result);
            }
        }
        typical_micros.store(
            u64::try_from(hashing.elapsed().as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        stats.completed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Hashes on the calling thread; for tools and tests, not for request handling.
pub fn hash_blocking(cost: &Argon2Cost, password: &str) -> Result<String, CryptoError> {
    hash_with(&mut Scratch::new(), cost, password.as_bytes())
}

/// Verifies on the calling thread; for tools and benchmarks, not for request handling.
pub fn verify_blocking(
    cost: &Argon2Cost,
    password: &str,
    phc: &str,
) -> Result<Verified, CryptoError> {
    verify_with(&mut Scratch::new(), cost, password.as_bytes(), phc)
}

/// A reusable single-thread hasher, for measuring the raw hash bound with the daemon's code.
pub struct BlockingVerifier {
    scratch: Scratch,
    cost: Argon2Cost,
}

impl BlockingVerifier {
    pub fn new(cost: Argon2Cost) -> Self {
        Self {
            scratch: Scratch::new(),
            cost,
        }
    }

    pub fn verify(&mut self, password: &str, phc: &str) -> Result<Verified, CryptoError> {
        verify_with(&mut self.scratch, &self.cost, password.as_bytes(), phc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters keep unit tests fast; the logic is the same.
    pub(crate) const TEST_COST: Argon2Cost = Argon2Cost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn hash_then_verify() {
        let phc = hash_blocking(&TEST_COST, "correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let ok = verify_blocking(&TEST_COST, "correct horse", &phc).expect("verify");
        assert!(ok.matches && !ok.needs_rehash);
        let bad = verify_blocking(&TEST_COST, "correct horsf", &phc).expect("verify");
        assert!(!bad.matches);
    }

    #[test]
    fn changed_parameters_ask_for_a_rehash() {
        let phc = hash_blocking(&TEST_COST, "pw").expect("hash");
        let newer = Argon2Cost {
            memory_kib: 128,
            ..TEST_COST
        };
        let v = verify_blocking(&newer, "pw", &phc).expect("verify");
        assert!(v.matches && v.needs_rehash);
    }

    #[test]
    fn garbage_hashes_are_errors_not_panics() {
        assert!(verify_blocking(&TEST_COST, "pw", "not a hash").is_err());
        assert!(
            verify_blocking(
                &TEST_COST,
                "pw",
                "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
            )
            .is_err()
        );
    }

    #[test]
    fn the_dummy_hash_has_the_configured_cost_and_matches_nothing() {
        let dummy = dummy_hash(&TEST_COST).expect("dummy");
        assert!(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{dummy}");
        let v = verify_blocking(&TEST_COST, "", &dummy).expect("verifies like a real hash");
        assert!(!v.matches && !v.needs_rehash);
        assert_ne!(dummy, dummy_hash(&TEST_COST).expect("dummy"));
    }

    #[tokio::test]
    async fn pool_verifies_and_sheds_when_full() {
        let pool = HashPool::start(PoolConfig {
            cost: TEST_COST,
            workers: 1,
            queue: 1,
            nice: 0,
        })
        .expect("pool");
        let phc = pool.hash("secret").await.expect("hash");
        assert!(
            pool.verify("secret", Some(phc.clone()))
                .await
                .expect("verify")
                .matches
        );
        assert!(!pool.verify("secret", None).await.expect("dummy").matches);

        // Fill the queue without awaiting: with one worker and one slot, a burst must be refused.
        // Each job of the burst costs a real hash (tens of milliseconds, the PHC string's own
        // parameters), so the worker cannot drain the queue between two submissions.
        let slow = dummy_hash(&Argon2Cost {
            memory_kib: 16 * 1024,
            iterations: 2,
            parallelism: 1,
        })
        .expect("slow hash");
        let mut refused = 0;
        let mut pending = Vec::new();
        for _ in 0..50 {
            let (reply, answer) = oneshot::channel();
            match pool.submit(Job::Verify {
                password: Zeroizing::new("x".to_owned()),
                phc: Some(slow.clone()),
                reply,
            }) {
                Ok(()) => pending.push(answer),
                Err(PoolError::Overloaded { retry_after }) => {
                    assert!(retry_after >= Duration::from_secs(1));
                    refused += 1;
                }
                Err(other) => panic!("unexpected {other}"),
            }
        }
        assert!(refused > 0, "a full queue must refuse");
        for answer in pending {
            answer.await.expect("answered").expect("verified");
        }
    }

    /// The nice values of this process's threads named `name` (names from `/proc`).
    #[cfg(target_os = "linux")]
    fn nice_of_threads_named(name: &str) -> Vec<i32> {
        std::fs::read_dir("/proc/self/task")
            .expect("/proc")
            .filter_map(|task| {
                let dir = task.ok()?.path();
                let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
                let tid = dir.file_name()?.to_str()?.parse().ok()?;
                (comm.trim() == name).then_some(tid)
            })
            .filter_map(|tid| {
                rustix::process::getpriority_process(rustix::process::Pid::from_raw(tid)).ok()
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn workers_run_below_the_rest_of_the_process() {
        let base = rustix::process::getpriority_process(None).expect("nice");
        let pool = HashPool::start(PoolConfig {
            cost: TEST_COST,
            workers: 1,
            queue: 1,
            nice: 3,
        })
        .expect("pool");
        pool.hash("secret").await.expect("the worker is up");
        // Other tests' pools (nice 0) may be running too: one worker at base + 3 is this one.
        assert!(
            nice_of_threads_named("argon2-0").contains(&(base + 3).min(19)),
            "no hashing thread runs at nice {}",
            base + 3
        );
    }
}
