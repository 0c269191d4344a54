//! Per-client request limits for the endpoints attackers hammer (password login, code entry,
//! code sends), kept in memory on each node. Clients are keyed by IP address, IPv6 grouped by
//! /64 (one subscriber gets a whole /64). Memory stays bounded: idle clients are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use crate::config::RateLimitConfig;
use crate::domain::rate::{self, Bucket, Limit};
use crate::domain::time::Timestamp;

/// Which limit applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    Login,
    TwoFactorLogin,
    TwoFactorSend,
}

/// The most clients remembered at once; beyond it idle entries are dropped, then all.
const MAX_CLIENTS: usize = 200_000;

#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    config: RateLimitConfig,
    clients: HashMap<(Class, IpAddr), Vec<Bucket>>,
    inserts_since_prune: usize,
}

/// The address a limit counts against: IPv4 as is, IPv6 by its /64 prefix.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                for s in &mut segments[4..] {
                    *s = 0;
                }
                IpAddr::V6(segments.into())
            }
        },
    }
}

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            state: Mutex::new(State {
                config,
                clients: HashMap::new(),
                inserts_since_prune: 0,
            }),
        }
    }

    /// Replaces the limits (on configuration reload); counts start over.
    pub fn set_config(&self, config: RateLimitConfig) {
        if let Ok(mut state) = self.state.lock() {
            state.config = config;
            state.clients.clear();
        }
    }

    /// Admits one request of `class` from `ip`, or says how long to wait.
    pub fn check(&self, class: Class, ip: IpAddr, now: Timestamp) -> Result<(), Duration> {
        let Ok(mut state) = self.state.lock() else {
            return Ok(());
        };
        if !state.config.enabled {
            return Ok(());
        }
        let limits: Vec<Limit> = match class {
            Class::Login => state.config.login.clone(),
            Class::TwoFactorLogin => state.config.two_factor_login.clone(),
            Class::TwoFactorSend => state.config.two_factor_send.clone(),
        };
        if limits.is_empty() {
            return Ok(());
        }
        let key = (class, client_key(ip));
        if !state.clients.contains_key(&key) {
            state.inserts_since_prune += 1;
            if state.inserts_since_prune >= 1024 || state.clients.len() >= MAX_CLIENTS {
                state.prune(now);
            }
        }
        let buckets = state
            .clients
            .entry(key)
            .or_insert_with(|| limits.iter().map(|l| Bucket::full(l, now)).collect());
        if buckets.len() != limits.len() {
            *buckets = limits.iter().map(|l| Bucket::full(l, now)).collect();
        }
        rate::admit(buckets, &limits, now)
    }

    pub fn tracked_clients(&self) -> usize {
        self.state.lock().map_or(0, |s| s.clients.len())
    }
}

impl State {
    fn limits(&self, class: Class) -> &[Limit] {
        match class {
            Class::Login => &self.config.login,
            Class::TwoFactorLogin => &self.config.two_factor_login,
            Class::TwoFactorSend => &self.config.two_factor_send,
        }
    }

    fn prune(&mut self, now: Timestamp) {
        self.inserts_since_prune = 0;
        let mut clients = std::mem::take(&mut self.clients);
        clients.retain(|(class, _), buckets| {
            let limits = self.limits(*class);
            !buckets.iter().zip(limits).all(|(b, l)| b.is_full(l, now))
        });
        if clients.len() >= MAX_CLIENTS {
            tracing::warn!(
                clients = clients.len(),
                "too many rate-limited clients to remember; starting over"
            );
            clients.clear();
        }
        self.clients = clients;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            enabled: true,
            login: vec![Limit::new(2, 60)],
            two_factor_login: vec![Limit::new(5, 60)],
            two_factor_send: vec![],
        })
    }

    #[test]
    fn limits_per_client_and_class() {
        let l = limiter();
        let now = Timestamp::from_millis(1_000_000);
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        assert!(l.check(Class::Login, a, now).is_ok());
        assert!(l.check(Class::Login, a, now).is_ok());
        assert_eq!(l.check(Class::Login, a, now), Err(Duration::from_secs(30)));
        assert!(l.check(Class::Login, b, now).is_ok(), "another client");
        assert!(
            l.check(Class::TwoFactorLogin, a, now).is_ok(),
            "another class"
        );
        assert!(
            l.check(Class::TwoFactorSend, a, now).is_ok(),
            "no limit configured"
        );
    }

    #[test]
    fn ipv6_clients_are_grouped_by_their_64() {
        let l = limiter();
        let now = Timestamp::from_millis(0);
        let one: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let two: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let other: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert!(l.check(Class::Login, one, now).is_ok());
        assert!(l.check(Class::Login, two, now).is_ok());
        assert!(l.check(Class::Login, one, now).is_err());
        assert!(l.check(Class::Login, other, now).is_ok());
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(
            client_key(mapped),
            "192.0.2.7".parse::<IpAddr>().expect("ip")
        );
    }

    #[test]
    fn idle_clients_are_forgotten() {
        let l = limiter();
        let start = Timestamp::from_millis(0);
        for i in 0..2000u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            let _ = l.check(Class::Login, ip, start);
        }
        let later = start.plus(Duration::from_secs(120));
        for i in 0..1100u32 {
            let ip = IpAddr::from((100_000 + i).to_be_bytes());
            let _ = l.check(Class::Login, ip, later);
        }
        assert!(l.tracked_clients() < 2000, "{}", l.tracked_clients());
    }
}
