//! Staff sign-in for the console: argon2 password hashes, server-side sessions behind an
//! HttpOnly cookie, and a per-session CSRF token that every console form carries.
//!
//! Console handlers take a [`Staff`] (signed in, or off to the sign-in page) and, for writes, a
//! [`CsrfForm`]: the signed-in staff member with a typed form whose token has been checked — the
//! one place a console form's CSRF token is checked (multipart uploads check it once in
//! `console::CsrfUpload`, through [`Staff::check_csrf`]).
//!
//! The session cookie holds a random value; the database keeps only its SHA-256, so a copy of
//! the sessions table cannot be replayed. The sign-in form itself is protected by a
//! double-submit token (a cookie and a hidden field that must match).

// Page handlers fail with a ready response (a redirect, a 403 page); it is built once per
// request, so its size does not matter.
#![allow(clippy::result_large_err)]

use crate::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use xyjt_core::account::Account;
use xyjt_core::canonical::sha256_hex;
use xyjt_core::workflow::random_code;

pub const SESSION_COOKIE: &str = "xyjt_session";
pub const FORM_COOKIE: &str = "xyjt_login";
/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 8;

pub use xyjt_app::accounts::{hash_password, verify_password};

/// A cookie's value from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A fresh random token (session ids, CSRF tokens): 40 characters, about 198 bits.
pub fn new_token() -> String {
    random_code(40)
}

/// `Set-Cookie` for the sign-in form's token (double submit; the portal's public forms use
/// their own cookie, so an open portal tab cannot spoil a sign-in).
pub fn form_cookie(token: &str) -> String {
    format!("{FORM_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

/// Compares without leaking where the strings differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in staff member, with the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Staff {
    pub account: Account,
    pub csrf: String,
    pub session_hash: String,
    /// The policies in force (the organisation tree decides what the staff may see and do).
    pub policies: std::sync::Arc<xyjt_core::policies::Policies>,
}

impl Staff {
    /// The organisation tree in force.
    pub fn org(&self) -> &xyjt_core::cases::OrgTree {
        &self.policies.org
    }

    /// The actor name written into ledger events.
    pub fn actor(&self) -> String {
        format!("user:{}", self.account.login)
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        if same_token(&self.csrf, token) {
            Ok(())
        } else {
            Err(forbidden(
                "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
            ))
        }
    }
}

/// The console's refusal page (无权操作).
#[derive(Template)]
#[template(path = "console/denied.html")]
struct DeniedPage<'a> {
    message: &'a str,
}

/// A 403 page in Chinese.
pub fn forbidden(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        crate::html::render(&DeniedPage { message }),
    )
        .into_response()
}

/// A console form: the signed-in staff member and the form's fields (`T`, urlencoded), the
/// session's CSRF token checked. Not signed in: to the sign-in page; a wrong or missing token:
/// the 403 page, before the handler runs.
pub struct CsrfForm<T> {
    pub staff: Staff,
    pub form: T,
}

/// The form as posted: the token beside the handler's fields.
#[derive(Deserialize)]
struct Signed<T> {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    form: T,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let Form(signed) = Form::<Signed<T>>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        staff.check_csrf(&signed.csrf)?;
        Ok(CsrfForm {
            staff,
            form: signed.form,
        })
    }
}

/// Percent-encodes a path or query component (everything but `A-Z a-z 0-9 - _ . ~`).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/console");
            Redirect::to(&format!("/console/login?next={}", urlencode(next))).into_response()
        };
        let Some(raw) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let hash = sha256_hex(raw.as_bytes());
        let session = state
            .store
            .session(&hash)
            .await
            .map_err(|e| crate::ApiError::from(e).into_response())?;
        let Some(xyjt_store::Session {
            login,
            csrf,
            expires_at,
        }) = session
        else {
            return Err(to_login());
        };
        if expires_at < Utc::now().to_rfc3339() {
            let _ = state.store.delete_session(&hash).await;
            return Err(to_login());
        }
        let account = state
            .store
            .account(&login)
            .await
            .map_err(|e| crate::ApiError::from(e).into_response())?;
        match account {
            Some((account, _)) if !account.disabled => Ok(Staff {
                account,
                csrf,
                session_hash: hash,
                policies: state.policies.clone(),
            }),
            _ => Err(to_login()),
        }
    }
}

/// Signs in: checks the password and opens a session. Returns the cookie to set.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: &str,
) -> Result<Option<String>, crate::ApiError> {
    let Some((account, phc)) = state.store.account(login.trim()).await? else {
        // Spend the same time as a real check, so timing does not reveal which logins exist.
        let _ = verify_password(password, DUMMY_HASH);
        return Ok(None);
    };
    if account.disabled || !verify_password(password, &phc) {
        return Ok(None);
    }
    let raw = new_token();
    let expires = (Utc::now() + Duration::hours(SESSION_HOURS)).to_rfc3339();
    state
        .store
        .create_session(
            &sha256_hex(raw.as_bytes()),
            &account.login,
            &new_token(),
            &expires,
        )
        .await?;
    Ok(Some(format!(
        "{SESSION_COOKIE}={raw}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        SESSION_HOURS * 3600
    )))
}

/// An argon2 hash of a random string, checked against when the login does not exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hdqn1Y5RzNI4mPRmC0/Zcvo2tcu7ABXkZyz3SPqnVpY";

/// The cookie that ends a session in the browser.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

pub fn html_with_cookie(cookie: String, html: Html<String>) -> Response {
    ([(header::SET_COOKIE, cookie)], html).into_response()
}
