//! The hashing pool's live figures (queue depth, wait time, completions, refusals), read
//! from its counters on every scrape. The pool itself is `crypto::password`.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use crate::crypto::password::HashPool;

/// The hashing pool's queue depth, wait time, completions and refusals, read on each scrape.
#[derive(Debug)]
pub(super) struct PoolCollector {
    pub(super) pool: HashPool,
}

impl Collector for PoolCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        use std::sync::atomic::Ordering::Relaxed;
        let stats = self.pool.stats();
        let to_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        let depth = ConstGauge::new(i64::try_from(stats.waiting.load(Relaxed)).unwrap_or(0));
        depth.encode(encoder.encode_descriptor(
            "hash_pool_queue_depth",
            "Password hashes waiting for a worker",
            None,
            depth.metric_type(),
        )?)?;
        let waited = ConstCounter::new(stats.wait_micros.load(Relaxed) as f64 / 1_000_000.0);
        waited.encode(encoder.encode_descriptor(
            "hash_pool_wait_seconds",
            "Total time password hashes waited for a worker (divide by completed for the mean)",
            None,
            waited.metric_type(),
        )?)?;
        let completed = ConstCounter::new(to_u64(stats.completed.load(Relaxed)));
        completed.encode(encoder.encode_descriptor(
            "hash_pool_completed",
            "Password hashes computed",
            None,
            completed.metric_type(),
        )?)?;
        let refused = ConstCounter::new(to_u64(stats.refused.load(Relaxed)));
        refused.encode(encoder.encode_descriptor(
            "hash_pool_refused",
            "Password hashes refused because the queue was full (answered 503)",
            None,
            refused.metric_type(),
        )?)?;
        Ok(())
    }
}
