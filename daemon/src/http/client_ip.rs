//! Who the client is: the connection's peer, or — when the peer is one of the configured
//! reverse proxies — the nearest untrusted address in `X-Forwarded-For`. Anything else in
//! that header is ignored, so clients cannot pick their own address.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// Parses `10.0.0.1` or `10.0.0.0/8` (and IPv6 forms).
pub fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    text.parse::<IpNet>()
        .ok()
        .or_else(|| text.parse::<IpAddr>().ok().map(IpNet::from))
}

/// The client's address, given the configured trusted proxies.
pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[String]) -> IpAddr {
    let networks: Vec<IpNet> = trusted.iter().filter_map(|t| parse_network(t)).collect();
    let is_trusted = |ip: &IpAddr| networks.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse::<IpAddr>().ok())
        .collect();
    // Walk from the nearest hop back; the first address we do not trust is the client.
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or_else(|| forwarded.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("header"));
        h
    }

    #[test]
    fn untrusted_peers_cannot_claim_an_address() {
        let peer: IpAddr = "203.0.113.9".parse().expect("ip");
        assert_eq!(resolve(peer, &headers("1.2.3.4"), &[]), peer);
        assert_eq!(
            resolve(peer, &headers("1.2.3.4"), &["10.0.0.0/8".to_owned()]),
            peer
        );
    }

    #[test]
    fn a_trusted_proxy_passes_the_client_on() {
        let proxy: IpAddr = "10.0.0.5".parse().expect("ip");
        let trusted = ["10.0.0.0/8".to_owned()];
        // The client may have forged the left part; only the hop our proxy added counts.
        let resolved = resolve(proxy, &headers("6.6.6.6, 198.51.100.7, 10.0.0.9"), &trusted);
        assert_eq!(resolved, "198.51.100.7".parse::<IpAddr>().expect("ip"));
        assert_eq!(resolve(proxy, &HeaderMap::new(), &trusted), proxy);
        assert!(parse_network("fd00::/8").is_some());
        assert!(parse_network("nope").is_none());
    }
}
