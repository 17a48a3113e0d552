//! An in-memory rate limit for the public search (`/api/v1/subjects`, the home page search):
//! at most `max` requests in any `window` per client IP (a sliding log), so the open search
//! cannot be used to walk the register.
//!
//! The client is the peer address from `ConnectInfo` (the server is started with
//! `into_make_service_with_connect_info`). Without it (in-process tests) every request falls in
//! one shared bucket. Behind a reverse proxy all clients share the proxy's address: a proxy
//! should then rate-limit itself, as `X-Forwarded-For` is not trusted here (anyone can set it).

use axum::extract::{ConnectInfo, FromRequestParts};
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

/// The client's IP address, when the server knows the peer.
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
