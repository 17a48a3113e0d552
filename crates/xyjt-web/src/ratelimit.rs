//! An in-memory rate limit for the public search (`/api/v1/subjects`, the home page search):
//! at most `max` requests in any `window` per client IP (a sliding log), so the open search
//! cannot be used to walk the register.
//!
//! The client is the peer address from `ConnectInfo` (the server is started with
//! `into_make_service_with_connect_info`). Without it (in-process tests) every request falls in
//! one shared bucket. `X-Forwarded-For` and `X-Forwarded-Proto` are believed only from a trusted
//! proxy (`--trusted-proxy` / `XYJT_TRUSTED_PROXIES`, [`TrustedProxies`]): anyone else can set
//! them.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Past this many tracked clients, idle ones are dropped on the next request.
const PRUNE_ABOVE: usize = 10_000;

/// A per-client sliding-window limit. Cloning shares the counters.
#[derive(Clone)]
pub struct RateLimit {
    pub max: usize,
    pub window: Duration,
    clients: Arc<Mutex<HashMap<Option<IpAddr>, Client>>>,
}

#[derive(Default)]
struct Client {
    /// Times of the requests let through inside the window, oldest first.
    hits: VecDeque<Instant>,
    /// Already logged as limited since its last accepted request (log once, not per request).
    logged: bool,
}

impl RateLimit {
    /// `max` requests per `window` per client.
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimit {
            max,
            window,
            clients: Arc::default(),
        }
    }

    /// The default for the public search: 120 requests per 60 seconds.
    pub fn search_default() -> Self {
        Self::new(120, Duration::from_secs(60))
    }

    /// Counts a request of `client`; `Err(wait)` when over the limit, `wait` being how long
    /// until one more request is allowed (whole seconds, at least 1).
    pub fn hit(&self, client: Option<IpAddr>) -> Result<(), u64> {
        self.hit_at(client, Instant::now())
    }

    fn hit_at(&self, client: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() > PRUNE_ABOVE {
            clients.retain(|_, c| {
                c.hits
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let c = clients.entry(client).or_default();
        while c
            .hits
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            c.hits.pop_front();
        }
        if c.hits.len() < self.max {
            c.hits.push_back(now);
            c.logged = false;
            return Ok(());
        }
        let oldest = c.hits.front().copied().unwrap_or(now);
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        if !c.logged {
            c.logged = true;
            // The client and the limit only: never the query, which may be a name or ID number.
            tracing::warn!(client = ?client, max = self.max, window_secs = self.window.as_secs(), "public search rate limited");
        }
        Err(secs.max(1))
    }
}

/// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: addresses
/// (`10.0.0.5`) or networks (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[(IpAddr, u8)]>);

impl TrustedProxies {
    /// Parses `10.0.0.5`, `10.0.0.0/8` or `::1`; an error names what is wrong.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in items {
            let item = item.as_ref().trim();
            if item.is_empty() {
                continue;
            }
            let (addr, prefix) = match item.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("可信代理“{item}”不是 IP 地址或网段"))?;
            let bits = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= bits)
                    .ok_or_else(|| format!("可信代理“{item}”的前缀长度无效"))?,
                None => bits,
            };
            nets.push((addr, prefix));
        }
        Ok(TrustedProxies(nets.into()))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, prefix)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(*n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(*n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    /// The client of a request from `peer`: the peer itself, unless it is a trusted proxy; then
    /// the last address of `X-Forwarded-For` that is not a trusted proxy (each proxy appends the
    /// address it got the request from, so what is left of them is the client's word).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if !self.contains(peer) {
            return Some(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|a| !self.contains(**a))
            .or(forwarded.first())
            .copied()
            .or(Some(peer))
    }

    /// Whether a trusted proxy in front says the client used HTTPS (`X-Forwarded-Proto`).
    pub fn says_https(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        peer.is_some_and(|p| self.contains(p))
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
    }
}

/// The peer's address, from `ConnectInfo`.
pub fn peer(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The client's IP address, when the server knows the peer (through a trusted proxy: the
/// address it forwarded).
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<crate::AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::AppState,
    ) -> Result<Self, Infallible> {
        Ok(ClientIp(
            state.trusted_proxies.client(peer(parts), &parts.headers),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.7"]).unwrap();
        assert!(proxies.contains(IpAddr::from([10, 1, 2, 3])));
        assert!(!proxies.contains(IpAddr::from([11, 1, 2, 3])));
        assert!(proxies.contains(IpAddr::from([192, 168, 1, 7])));
        assert!(!proxies.contains(IpAddr::from([192, 168, 1, 8])));
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "6.6.6.6, 203.0.113.9, 10.0.0.2".parse().unwrap(),
        );
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        let proxy = Some(IpAddr::from([10, 0, 0, 1]));
        let stranger = Some(IpAddr::from([198, 51, 100, 1]));
        // From the proxy: the last address not a proxy (6.6.6.6 is the client's own claim).
        assert_eq!(
            proxies.client(proxy, &headers),
            Some(IpAddr::from([203, 0, 113, 9]))
        );
        assert!(proxies.says_https(proxy, &headers));
        // From anyone else: the peer, and no HTTPS.
        assert_eq!(proxies.client(stranger, &headers), stranger);
        assert!(!proxies.says_https(stranger, &headers));
        assert!(TrustedProxies::default().client(proxy, &headers) == proxy);
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local"]).is_err());
    }

    #[test]
    fn limits_per_client_in_a_sliding_window() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        assert!(limit.hit_at(a, t0).is_ok());
        assert!(limit.hit_at(a, t0 + Duration::from_secs(10)).is_ok());
        // Third within the minute: wait until the first one leaves the window (50 s).
        assert_eq!(limit.hit_at(a, t0 + Duration::from_secs(10)), Err(50));
        // Another client is not affected.
        assert!(limit.hit_at(b, t0 + Duration::from_secs(10)).is_ok());
        // Refused requests do not count: after the first hit ages out, one more goes through.
        assert!(limit.hit_at(a, t0 + Duration::from_secs(60)).is_ok());
        assert_eq!(
            limit.hit_at(a, t0 + Duration::from_millis(60_500)),
            Err(10),
            "9.5 s left rounds up"
        );
    }
}
