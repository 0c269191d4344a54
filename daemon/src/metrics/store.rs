//! [`MeasuredStore`]: wraps any store and times every write until it is durable (the
//! `twofold_store_commit_duration_seconds` histogram); everything else passes through.

use std::sync::Arc;
use std::time::Instant;

use prometheus_client::metrics::histogram::Histogram;

use super::Metrics;
use crate::store::{BoxFuture, ReadJob, Store, StoreError, StoreHealth, WriteJob};

/// A store that times every write until it is durable; everything else passes through.
pub struct MeasuredStore {
    inner: Arc<dyn Store>,
    commit: Histogram,
}

impl MeasuredStore {
    pub fn wrap(inner: Arc<dyn Store>, metrics: &Metrics) -> Arc<dyn Store> {
        Arc::new(Self {
            inner,
            commit: metrics.store_commit.clone(),
        })
    }
}

impl Store for MeasuredStore {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }

    fn read_job(&self, job: ReadJob) -> BoxFuture<'_, Result<(), StoreError>> {
        self.inner.read_job(job)
    }

    fn write_job(&self, job: WriteJob) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            let started = Instant::now();
            let outcome = self.inner.write_job(job).await;
            self.commit.observe(started.elapsed().as_secs_f64());
            outcome
        })
    }

    fn health(&self) -> BoxFuture<'_, StoreHealth> {
        self.inner.health()
    }

    fn backup_to<'a>(&'a self, path: &'a std::path::Path) -> BoxFuture<'a, Result<(), StoreError>> {
        self.inner.backup_to(path)
    }
}
