//! In-memory limits against abuse, their numbers from the policy (`data/policy/limits.toml`,
//! `xyjt_core::limits::EdgeLimits`):
//!
//! * [`SignInThrottle`]: after `sign_in_max_failures` wrong passwords within
//!   `sign_in_window_minutes`, for one account or from one client address, sign-in is refused
//!   (the right password too) until the oldest of them leaves the window.
//! * [`FilingCap`]: at most `anonymous_filings_per_day` anonymous applications (objections and
//!   repairs) per client address and day.
//!
//! The counters live in this process: a restart forgets them, and several server processes
//! count separately.

use chrono::NaiveDate;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xyjt_core::limits::EdgeLimits;

/// Past this many tracked keys, idle ones are dropped on the next request.
const PRUNE_ABOVE: usize = 10_000;
/// Of a typed login, only this many characters are kept as a key.
const LOGIN_KEY_CHARS: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Client(Option<IpAddr>),
}

/// Wrong passwords by account and by client. Cloning shares the counters.
#[derive(Clone)]
pub struct SignInThrottle {
    pub max_failures: usize,
    pub window: Duration,
    failures: Arc<Mutex<HashMap<Key, VecDeque<Instant>>>>,
}

/// Why a sign-in is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locked {
    /// Seconds until one more attempt is allowed (at least 1).
    pub wait_secs: u64,
    /// Whether the account (rather than only the client) is locked.
    pub account: bool,
}

fn account_key(login: &str) -> Key {
    Key::Account(login.trim().chars().take(LOGIN_KEY_CHARS).collect())
}

impl SignInThrottle {
    pub fn new(limits: &EdgeLimits) -> Self {
        SignInThrottle {
            max_failures: limits.sign_in_max_failures as usize,
            window: Duration::from_secs(u64::from(limits.sign_in_window_minutes) * 60),
            failures: Arc::default(),
        }
    }

    /// `Err` while the account or the client is locked.
    pub fn check(&self, login: &str, client: Option<IpAddr>) -> Result<(), Locked> {
        self.check_at(login, client, Instant::now())
    }

    fn check_at(&self, login: &str, client: Option<IpAddr>, now: Instant) -> Result<(), Locked> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut locked: Option<Locked> = None;
        for key in [account_key(login), Key::Client(client)] {
            let account = matches!(key, Key::Account(_));
            let Some(times) = failures.get_mut(&key) else {
                continue;
            };
            while times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                times.pop_front();
            }
            if times.len() >= self.max_failures {
                // Locked until enough of the failures leave the window.
                let oldest = times[times.len() - self.max_failures];
                let wait = self.window.saturating_sub(now.duration_since(oldest));
                let secs = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                locked = Some(Locked {
                    wait_secs: locked.map_or(secs, |l| l.wait_secs.max(secs)),
                    account: account || locked.is_some_and(|l| l.account),
                });
            }
        }
        locked.map_or(Ok(()), Err)
    }

    /// Counts a wrong password (or an unknown login) for the account and the client.
    pub fn failed(&self, login: &str, client: Option<IpAddr>) {
        self.failed_at(login, client, Instant::now());
    }

    fn failed_at(&self, login: &str, client: Option<IpAddr>, now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, t| {
                t.back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        for key in [account_key(login), Key::Client(client)] {
            let times = failures.entry(key).or_default();
            times.push_back(now);
            // Only the last `max_failures` matter.
            while times.len() > self.max_failures {
                times.pop_front();
            }
        }
    }

    /// A successful sign-in forgets the account's failures (not the client's: one good
    /// password must not unlock guessing at other accounts).
    pub fn succeeded(&self, login: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account_key(login));
    }
}

/// A client address (unknown without `ConnectInfo`) and a day.
type ClientDay = (Option<IpAddr>, NaiveDate);

/// Anonymous applications filed per client and day. Cloning shares the counters.
#[derive(Clone)]
pub struct FilingCap {
    pub per_day: u32,
    counts: Arc<Mutex<HashMap<ClientDay, u32>>>,
}

impl FilingCap {
    pub fn new(limits: &EdgeLimits) -> Self {
        FilingCap {
            per_day: limits.anonymous_filings_per_day,
            counts: Arc::default(),
        }
    }

    /// Takes one of the client's filings of `day`; `false` when none is left. A filing that
    /// then fails is handed back with [`FilingCap::give_back`].
    pub fn take(&self, client: Option<IpAddr>, day: NaiveDate) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.retain(|(_, d), _| *d >= day);
        let n = counts.entry((client, day)).or_default();
        if *n >= self.per_day {
            tracing::warn!(client = ?client, per_day = self.per_day, "anonymous filings capped");
            return false;
        }
        *n += 1;
        true
    }

    pub fn give_back(&self, client: Option<IpAddr>, day: NaiveDate) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = counts.get_mut(&(client, day)) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Seconds until midnight in China (UTC+8), when the day's cap starts over.
pub fn secs_to_china_midnight() -> u64 {
    let now = chrono::Utc::now().timestamp() + 8 * 3600;
    (86_400 - now.rem_euclid(86_400)).max(1) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max: u32, minutes: u32, per_day: u32) -> EdgeLimits {
        EdgeLimits {
            version: "test".into(),
            sign_in_max_failures: max,
            sign_in_window_minutes: minutes,
            anonymous_filings_per_day: per_day,
        }
    }

    #[test]
    fn wrong_passwords_lock_the_account_and_the_client_for_the_window() {
        let t = SignInThrottle::new(&limits(3, 15, 1));
        let t0 = Instant::now();
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        let b = Some(IpAddr::from([10, 0, 0, 2]));
        for i in 0..3 {
            assert!(t.check_at("admin", a, t0 + Duration::from_secs(i)).is_ok());
            t.failed_at("admin", a, t0 + Duration::from_secs(i));
        }
        let at = t0 + Duration::from_secs(60);
        let locked = t.check_at("admin", b, at).unwrap_err();
        assert!(locked.account, "the account, from any client");
        assert_eq!(locked.wait_secs, 15 * 60 - 60);
        let locked = t.check_at("someone", a, at).unwrap_err();
        assert!(!locked.account, "the client, for any account");
        assert!(t.check_at("someone", b, at).is_ok());
        // Once the oldest failure leaves the window, one more attempt is allowed.
        assert!(
            t.check_at("admin", b, t0 + Duration::from_secs(15 * 60))
                .is_ok()
        );
        // A success forgets the account's failures, not the client's.
        t.succeeded("admin");
        assert!(t.check_at("admin", b, at).is_ok());
        assert!(t.check_at("admin", a, at).is_err());
    }

    #[test]
    fn filings_are_capped_per_client_and_day() {
        let cap = FilingCap::new(&limits(1, 1, 2));
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let a = Some(IpAddr::from([10, 0, 0, 1]));
        assert!(cap.take(a, day));
        assert!(cap.take(a, day));
        assert!(!cap.take(a, day));
        assert!(cap.take(Some(IpAddr::from([10, 0, 0, 2])), day));
        cap.give_back(a, day);
        assert!(cap.take(a, day), "a failed filing does not count");
        assert!(!cap.take(a, day));
        assert!(cap.take(a, day.succ_opt().unwrap()), "a new day");
    }
}
