//! The security headers of every response (pages, API, errors, the stylesheet):
//!
//! * `Content-Security-Policy`: nothing but this origin's stylesheet, scripts, images and form
//!   targets; no inline script or style (the templates use neither: `static/print.js` is the one
//!   script), no framing, no `<base>`.
//! * `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`, `Referrer-Policy: same-origin`.
//! * Over HTTPS only — the request came over TLS, or a trusted proxy
//!   ([`crate::ratelimit::TrustedProxies`]) says `X-Forwarded-Proto: https`:
//!   `Strict-Transport-Security`, and `Secure` on every cookie set (the console session, the
//!   forms' tokens). Over plain HTTP a `Secure` cookie would never come back.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// One year, the usual HSTS lifetime.
const HSTS: &str = "max-age=31536000";

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let https = req.uri().scheme_str() == Some("https")
        || state.trusted_proxies.says_https(peer, req.headers());
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
        h.remove(header::SET_COOKIE);
        for cookie in cookies {
            let secure = cookie
                .to_str()
                .ok()
                .filter(|c| {
                    !c.split(';')
                        .any(|attr| attr.trim().eq_ignore_ascii_case("secure"))
                })
                .and_then(|c| HeaderValue::try_from(format!("{c}; Secure")).ok())
                .unwrap_or(cookie);
            h.append(header::SET_COOKIE, secure);
        }
    }
    response
}
