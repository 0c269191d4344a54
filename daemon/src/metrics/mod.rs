//! Prometheus metrics: the counters and histograms the daemon keeps, and their exposition in
//! the text format (through `prometheus-client`, never by hand). One [`Metrics`] per daemon,
//! held by [`crate::app::App`]; no globals.
//!
//! What is counted where: HTTP requests, logins and two-factor outcomes in `http::handle`
//! (from the route and the status it answered), SMS sends in `service::sms`, store commit
//! latency by the [`MeasuredStore`] wrapper, and the hashing pool's figures read at scrape
//! time. This module does not serve HTTP (see `api::metrics`).

mod pool;
mod store;

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use crate::crypto::password::HashPool;
pub use store::MeasuredStore;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteStatus {
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Status {
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderResult {
    provider: String,
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// The daemon's metrics.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<RouteStatus, Counter>,
    http_latency: HistogramFamily<Route>,
    logins: Family<Status, Counter>,
    challenges: Family<Outcome, Counter>,
    code_sends: Family<Outcome, Counter>,
    verifications: Family<Outcome, Counter>,
    sms_sends: Family<ProviderResult, Counter>,
    sms_codes_sent: Counter,
    sms_codes_verified: Counter,
    sms_budget_used: Gauge,
    sms_budget_limit: Gauge,
    store_commit: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("twofold");
        let http_requests = Family::<RouteStatus, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route pattern and status",
            http_requests.clone(),
        );
        let http_latency: HistogramFamily<Route> = Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time from the request's arrival to its response, by route pattern",
            prometheus_client::registry::Unit::Seconds,
            http_latency.clone(),
        );
        let logins = Family::<Status, Counter>::default();
        registry.register(
            "logins",
            "POST /api/login by answered status (200, 242, 404, 409, ...)",
            logins.clone(),
        );
        let challenges = Family::<Outcome, Counter>::default();
        registry.register(
            "two_factor_challenges",
            "Two-factor challenges started by a login, by outcome",
            challenges.clone(),
        );
        let code_sends = Family::<Outcome, Counter>::default();
        registry.register(
            "two_factor_sends",
            "POST /api/two-factor/send requests, by outcome (the status answered)",
            code_sends.clone(),
        );
        let verifications = Family::<Outcome, Counter>::default();
        registry.register(
            "two_factor_verifications",
            "POST /api/two-factor/login code checks, by outcome (the status answered)",
            verifications.clone(),
        );
        let sms_sends = Family::<ProviderResult, Counter>::default();
        registry.register(
            "sms_sends",
            "SMS handed to a provider, by provider kind and result",
            sms_sends.clone(),
        );
        let sms_codes_sent = Counter::default();
        registry.register(
            "sms_codes_sent",
            "Two-factor codes sent by SMS (conversion: compare with sms_codes_verified)",
            sms_codes_sent.clone(),
        );
        let sms_codes_verified = Counter::default();
        registry.register(
            "sms_codes_verified",
            "Two-factor logins completed with a code",
            sms_codes_verified.clone(),
        );
        let sms_budget_used = Gauge::default();
        registry.register(
            "sms_hourly_budget_used",
            "SMS sent node-wide in the last hour (read at scrape time)",
            sms_budget_used.clone(),
        );
        let sms_budget_limit = Gauge::default();
        registry.register(
            "sms_hourly_budget",
            "The tenant's node-wide hourly SMS budget",
            sms_budget_limit.clone(),
        );
        let store_commit = latency_histogram();
        registry.register_with_unit(
            "store_commit_duration",
            "Time a write transaction took until it was durable",
            prometheus_client::registry::Unit::Seconds,
            store_commit.clone(),
        );
        registry.register(
            "build",
            "The running build",
            Info::new(BuildLabels {
                version: env!("CARGO_PKG_VERSION").to_owned(),
            }),
        );
        Self {
            registry,
            http_requests,
            http_latency,
            logins,
            challenges,
            code_sends,
            verifications,
            sms_sends,
            sms_codes_sent,
            sms_codes_verified,
            sms_budget_used,
            sms_budget_limit,
            store_commit,
        }
    }

    /// Exposes the hashing pool's live figures (read on every scrape).
    pub fn watch_pool(&mut self, pool: HashPool) {
        self.registry
            .register_collector(Box::new(pool::PoolCollector { pool }));
    }

    /// Counts one answered request. `route` is the router's pattern (never raw ids).
    pub fn observe_request(&self, method: &http::Method, route: &str, status: u16, took: Duration) {
        self.http_requests
            .get_or_create(&RouteStatus {
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_latency
            .get_or_create(&Route {
                route: route.to_owned(),
            })
            .observe(took.as_secs_f64());
        if *method != http::Method::POST {
            return;
        }
        let outcome = || Outcome {
            outcome: status.to_string(),
        };
        match route {
            "/api/login" => {
                self.logins.get_or_create(&Status { status }).inc();
                if status == crate::http::response::TWO_FACTOR_REQUIRED {
                    self.challenges
                        .get_or_create(&Outcome {
                            outcome: "started".to_owned(),
                        })
                        .inc();
                }
            }
            "/api/two-factor/send" | "/api/two-factor/send/{id}" => {
                self.code_sends.get_or_create(&outcome()).inc();
            }
            "/api/two-factor/login" => {
                self.verifications.get_or_create(&outcome()).inc();
                if status == 200 {
                    self.sms_codes_verified.inc();
                    self.challenges
                        .get_or_create(&Outcome {
                            outcome: "completed".to_owned(),
                        })
                        .inc();
                }
            }
            _ => {}
        }
    }

    /// Counts one SMS handed to a provider.
    pub fn observe_sms(&self, provider: &str, ok: bool) {
        self.sms_sends
            .get_or_create(&ProviderResult {
                provider: provider.to_owned(),
                result: if ok { "sent" } else { "failed" }.to_owned(),
            })
            .inc();
        if ok {
            self.sms_codes_sent.inc();
        }
    }

    /// Sets the hourly SMS budget gauges (done just before a scrape).
    pub fn set_sms_budget(&self, used: usize, limit: u32) {
        self.sms_budget_used
            .set(i64::try_from(used).unwrap_or(i64::MAX));
        self.sms_budget_limit.set(i64::from(limit));
    }

    pub fn observe_commit(&self, took: Duration) {
        self.store_commit.observe(took.as_secs_f64());
    }

    /// The text exposition (OpenMetrics text, which Prometheus scrapes).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_counted_by_status_and_route_patterns_are_labels() {
        let metrics = Metrics::new();
        metrics.observe_request(
            &http::Method::POST,
            "/api/login",
            242,
            Duration::from_millis(3),
        );
        metrics.observe_request(
            &http::Method::GET,
            "/api/user/{id}",
            200,
            Duration::from_millis(1),
        );
        metrics.observe_sms("console", true);
        let text = metrics.encode().expect("encodes");
        assert!(
            text.contains("twofold_logins_total{status=\"242\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("twofold_http_requests_total{route=\"/api/user/{id}\",status=\"200\"} 1"),
            "{text}"
        );
        assert!(text.contains("twofold_two_factor_challenges_total{outcome=\"started\"} 1"));
        assert!(text.contains("twofold_sms_sends_total{provider=\"console\",result=\"sent\"} 1"));
        assert!(text.contains("twofold_build_info{version=\""));
    }
}
