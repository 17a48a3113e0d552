//! Conditional GET for the public read pages and API (`ETag`, `Last-Modified`, 304).
//!
//! What those pages show is a function of the address, the day, and the ledger as the check
//! index was last built: anything other than a recorded check rebuilds it (within a second of
//! the write, or at once for writes through this server). So the validator is that build
//! position, the day and this process (a new deployment may render differently), and a
//! revalidation that still matches is answered 304 before any page is computed. A page read
//! from the database between a write and the rebuild may carry the older validator: a client
//! then holds it at most until the rebuild, never longer.
//!
//! Pages with forms (their tokens are per visitor), the signed report (issued anew each time)
//! and the ledger page (its head moves with every check) are not on the list.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, FixedOffset, TimeZone, Utc};

/// Exact public paths that are cacheable.
const PATHS: &[&str] = &[
    "/",
    "/publicity",
    "/policies",
    "/news",
    "/evaluation",
    "/inspection/items",
    "/inspection/draws",
    "/inspection/results",
    "/integrity",
    "/integrity/publicity",
    "/integrity/assessments",
    "/disclosure",
    "/disclosure/catalogue",
    "/disclosure/annual-report",
    "/api/v1/publicity",
    "/api/v1/subjects",
    "/api/v1/stats/shuanggongshi",
];

/// Public path prefixes that are cacheable (one resource each).
const PREFIXES: &[&str] = &[
    "/lists/",
    "/subjects/",
    "/news/",
    "/evaluation/results/",
    "/inspection/draws/",
    "/integrity/departments/",
    "/disclosure/items/",
    "/api/v1/lists/",
    "/api/v1/subjects/",
    "/api/v1/records/",
];

/// Whether a path's answer depends only on the ledger as indexed, the day and the address.
pub fn cacheable(path: &str) -> bool {
    if path.ends_with("/report") || path.ends_with("/comments") {
        return false;
    }
    PATHS.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// This process's start, so a new deployment never matches an old validator.
fn process_nonce() -> u64 {
    static NONCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *NONCE.get_or_init(|| Utc::now().timestamp_millis().unsigned_abs())
}

/// The validator and the modification time of the public pages now.
fn validator(state: &AppState) -> (String, DateTime<Utc>) {
    let index = state.checks.current();
    let day = state.today();
    let etag = format!(
        "W/\"{}-{}-{:x}\"",
        index.built_at(),
        day.format("%Y%m%d"),
        process_nonce()
    );
    // Pages change at midnight (publicity windows) without a rebuild.
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    let midnight = day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| china.from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let modified = index.built_time().max(midnight);
    (etag, modified)
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Whether the client's copy is current: `If-None-Match` decides when given, else
/// `If-Modified-Since` (to the second).
fn fresh(req: &Request, etag: &str, modified: DateTime<Utc>) -> bool {
    let h = req.headers();
    if let Some(tags) = h.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags
            .split(',')
            .map(str::trim)
            .any(|t| t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/"));
    }
    h.get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

pub async fn conditional(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // A caller with a token may be shown more than the public: never answered from a validator.
    if !matches!(*req.method(), Method::GET | Method::HEAD)
        || !cacheable(req.uri().path())
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return next.run(req).await;
    }
    let (etag, modified) = validator(&state);
    let headers = |etag: &str| {
        [
            (header::ETAG, HeaderValue::from_str(etag).ok()),
            (
                header::LAST_MODIFIED,
                HeaderValue::from_str(&http_date(modified)).ok(),
            ),
            (
                header::CACHE_CONTROL,
                Some(HeaderValue::from_static("no-cache")),
            ),
        ]
    };
    if fresh(&req, &etag, modified) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        for (name, value) in headers(&etag) {
            if let Some(v) = value {
                response.headers_mut().insert(name, v);
            }
        }
        return response;
    }
    let mut response = next.run(req).await;
    // Only a page as it is: not an error, a refusal or a rate limit.
    if response.status() == StatusCode::OK && !response.headers().contains_key(header::SET_COOKIE) {
        for (name, value) in headers(&etag) {
            if let Some(v) = value {
                response.headers_mut().entry(name).or_insert(v);
            }
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_reports_and_the_ledger_are_not_cacheable() {
        for p in [
            "/",
            "/publicity",
            "/lists/black",
            "/api/v1/lists/black",
            "/subjects/x",
        ] {
            assert!(cacheable(p), "{p}");
        }
        for p in [
            "/objections/new",
            "/repairs",
            "/integrity/complaints",
            "/disclosure/requests",
            "/ledger",
            "/api/v1/subjects/x/report",
            "/disclosure/items/x/comments",
            "/console",
            "/api/v1/checks",
        ] {
            assert!(!cacheable(p), "{p}");
        }
    }

    #[test]
    fn http_dates_round_trip() {
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 8, 5, 9).unwrap();
        let s = http_date(t);
        assert_eq!(s, "Mon, 30 Nov 2026 08:05:09 GMT");
        assert_eq!(DateTime::parse_from_rfc2822(&s).unwrap(), t);
    }
}
