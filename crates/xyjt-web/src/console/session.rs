//! Signing in and out, and changing one's own password.

use super::{Answer, CsrfForm, OrPage, err_page, event, found, invalid};
use crate::AppState;
use crate::auth::{self, forbidden};
use crate::ratelimit::ClientIp;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use xyjt_core::ledger::EventPayload;

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage<'a> {
    next: &'a str,
    token: &'a str,
    message: Option<&'a str>,
}

fn login_form(next: &str, token: &str, message: Option<&str>) -> Html<String> {
    crate::html::render(&LoginPage {
        next,
        token,
        message,
    })
}

/// Where to go after signing in: only paths inside the console, never an open redirect, and
/// never a control character (a line break would not make a `Location` header: it is ignored,
/// and logged, rather than failing after the session is opened).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if xyjt_core::text::any_control(n).is_some() => {
            tracing::warn!("sign-in: a control character in `next` ignored");
            "/console".into()
        }
        Some(n) if n.starts_with("/console") && !n.starts_with("//") => n.to_string(),
        _ => "/console".into(),
    }
}

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

pub(super) async fn login_page(Query(q): Query<NextQuery>) -> Response {
    let token = auth::new_token();
    auth::html_with_cookie(
        auth::form_cookie(&token),
        login_form(&safe_next(q.next.as_deref()), &token, None),
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    csrf: String,
    next: Option<String>,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "console/throttled.html")]
struct ThrottledPage {
    minutes: u64,
}

/// 429: too many wrong passwords for the account or from the client.
fn throttled(wait_secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, wait_secs.to_string())],
        crate::html::render(&ThrottledPage {
            minutes: wait_secs.div_ceil(60),
        }),
    )
        .into_response()
}

pub(super) async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let cookie = auth::cookie(&headers, auth::FORM_COOKIE).unwrap_or_default();
    if !auth::same_token(&cookie, &f.csrf) {
        return forbidden("登录表单已过期（CSRF 校验失败），请刷新页面后重试");
    }
    // Locked: refused before the password is looked at, the right one too.
    if let Err(locked) = state.sign_in.check(&f.login, client) {
        tracing::warn!(client = ?client, account = locked.account, wait_secs = locked.wait_secs, "console sign-in throttled");
        return throttled(locked.wait_secs);
    }
    match auth::sign_in(&state, &f.login, &f.password).await {
        Ok(Some(session_cookie)) => {
            state.sign_in.succeeded(&f.login);
            tracing::info!(login = %f.login, "console sign-in");
            ([(header::SET_COOKIE, session_cookie)], Redirect::to(&next)).into_response()
        }
        Ok(None) => {
            state.sign_in.failed(&f.login, client);
            // Not the login typed: it may be anything, a person's ID number included.
            tracing::info!(client = ?client, "console sign-in refused");
            let token = auth::new_token();
            (
                StatusCode::UNAUTHORIZED,
                [(header::SET_COOKIE, auth::form_cookie(&token))],
                login_form(&next, &token, Some("账号或密码不正确")),
            )
                .into_response()
        }
        Err(e) => err_page(e),
    }
}

/// Ends the session here and in the browser.
fn signed_out() -> Response {
    (
        [(header::SET_COOKIE, auth::clear_session_cookie())],
        Redirect::to("/console/login"),
    )
        .into_response()
}

/// Nothing but the token.
#[derive(Deserialize)]
pub(super) struct NoFields {}

pub(super) async fn logout(
    State(state): State<AppState>,
    CsrfForm { staff, .. }: CsrfForm<NoFields>,
) -> Response {
    let _ = state.store.delete_session(&staff.session_hash).await;
    signed_out()
}

#[derive(Deserialize)]
pub(super) struct PasswordForm {
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
}

/// Changes the signed-in person's own password (the old one must be right); every session of
/// the account ends with it, this one included.
pub(super) async fn change_password(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<PasswordForm>,
) -> Answer {
    let (_, hash) = found(state.store.account(&staff.account.login).await, || {
        "账号不存在".into()
    })?;
    if !auth::verify_password(&f.old, &hash) {
        return Err(forbidden("原密码不正确"));
    }
    if f.new.chars().count() < 10 {
        return Err(invalid("新密码至少 10 位"));
    }
    if f.new == f.old {
        return Err(invalid("新密码不能与原密码相同"));
    }
    let changed = event(
        &staff,
        EventPayload::PasswordChanged {
            login: staff.account.login.clone(),
            password_hash: auth::hash_password(&f.new),
        },
    );
    state.store.append(vec![changed]).await.or_page()?;
    Ok(signed_out())
}
