//! Token buckets: "at most N requests per T seconds", refilled continuously. Several
//! buckets with different windows make a multi-window limit (short bursts and sustained
//! rates). Pure: time is an argument.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::domain::time::Timestamp;

/// One limit: `requests` per `seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub requests: u32,
    pub seconds: u32,
}

impl Limit {
    pub const fn new(requests: u32, seconds: u32) -> Self {
        Self { requests, seconds }
    }

    fn refill_per_milli(&self) -> f64 {
        f64::from(self.requests) / (f64::from(self.seconds.max(1)) * 1000.0)
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Bucket {
    tokens: f64,
    updated: Timestamp,
}

impl Bucket {
    pub fn full(limit: &Limit, now: Timestamp) -> Self {
        Self {
            tokens: f64::from(limit.requests),
            updated: now,
        }
    }

    fn refill(&mut self, limit: &Limit, now: Timestamp) {
        let elapsed = now.since(self.updated).as_millis() as f64;
        self.tokens =
            (self.tokens + elapsed * limit.refill_per_milli()).min(f64::from(limit.requests));
        self.updated = now;
    }

    /// Whether the bucket is full again (nothing to remember about this client).
    pub fn is_full(&self, limit: &Limit, now: Timestamp) -> bool {
        let mut copy = *self;
        copy.refill(limit, now);
        copy.tokens >= f64::from(limit.requests)
    }

    /// How long until one token is available (zero when one is).
    fn wait(&self, limit: &Limit) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            // The small allowance keeps float noise from adding a millisecond.
            let millis = ((1.0 - self.tokens) / limit.refill_per_milli() - 1e-6)
                .ceil()
                .max(1.0);
            Duration::from_millis(millis as u64)
        }
    }
}

/// Takes one token from every bucket, or none when any is empty; the error is how long
/// until all of them would admit the request.
pub fn admit(buckets: &mut [Bucket], limits: &[Limit], now: Timestamp) -> Result<(), Duration> {
    let mut wait = Duration::ZERO;
    for (bucket, limit) in buckets.iter_mut().zip(limits) {
        bucket.refill(limit, now);
        wait = wait.max(bucket.wait(limit));
    }
    if wait > Duration::ZERO {
        return Err(wait);
    }
    for bucket in buckets.iter_mut() {
        bucket.tokens -= 1.0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_at_the_sustained_rate() {
        let limits = [Limit::new(3, 60)];
        let t0 = Timestamp::from_millis(0);
        let mut buckets = vec![Bucket::full(&limits[0], t0)];
        for _ in 0..3 {
            assert!(admit(&mut buckets, &limits, t0).is_ok());
        }
        let wait = admit(&mut buckets, &limits, t0).expect_err("empty");
        assert_eq!(wait, Duration::from_secs(20));
        assert!(admit(&mut buckets, &limits, t0.plus(Duration::from_secs(20))).is_ok());
        assert!(!buckets[0].is_full(&limits[0], t0.plus(Duration::from_secs(20))));
        assert!(buckets[0].is_full(&limits[0], t0.plus(Duration::from_secs(80))));
    }

    #[test]
    fn every_window_must_admit() {
        let limits = [Limit::new(10, 1), Limit::new(2, 3600)];
        let t0 = Timestamp::from_millis(0);
        let mut buckets: Vec<Bucket> = limits.iter().map(|l| Bucket::full(l, t0)).collect();
        assert!(admit(&mut buckets, &limits, t0).is_ok());
        assert!(admit(&mut buckets, &limits, t0).is_ok());
        let wait = admit(&mut buckets, &limits, t0).expect_err("the hourly window is empty");
        assert_eq!(wait, Duration::from_secs(1800));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Over any stretch of time, a bucket admits at most its size plus what refills.
        #[test]
        fn never_admits_more_than_the_limit(requests in 1u32..20, seconds in 1u32..120,
                                            gaps in prop::collection::vec(0u64..5_000, 1..400)) {
            let limits = [Limit::new(requests, seconds)];
            let start = Timestamp::from_millis(0);
            let mut buckets = vec![Bucket::full(&limits[0], start)];
            let mut now = start;
            let mut admitted = 0u64;
            for gap in gaps {
                now = now.plus(std::time::Duration::from_millis(gap));
                if admit(&mut buckets, &limits, now).is_ok() {
                    admitted += 1;
                }
            }
            let elapsed = now.since(start).as_secs_f64();
            let bound = f64::from(requests) + elapsed * f64::from(requests) / f64::from(seconds);
            prop_assert!(admitted as f64 <= bound + 1e-9, "{} > {}", admitted, bound);
        }
    }
}
