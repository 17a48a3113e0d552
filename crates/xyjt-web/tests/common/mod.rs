//! HTTP helpers shared by the web tests: requests through the router, forms, sign-in, and valid
//! fictional identifiers.
#![allow(dead_code)]

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use serde_json::Value;
use tower::ServiceExt;
use xyjt_core::ident::{citizen_id_check_char, org_code_check_char, uscc_check_char};
use xyjt_web::{AppState, router};

pub const PASSWORD: &str = xyjt_app::accounts::DEMO_PASSWORD;

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }

    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .unwrap_or_else(|| panic!("no redirect: {} {}", self.status, self.text))
            .to_str()
            .unwrap()
            .to_string()
    }
}

pub async fn send(state: &AppState, req: Request<Body>) -> Resp {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(state: &AppState, uri: &str, cookie: &str) -> Resp {
    send(
        state,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

/// A JSON request with a bearer token.
pub async fn api(state: &AppState, method: &str, uri: &str, token: &str, body: Value) -> Resp {
    send(
        state,
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

/// Percent-encodes everything but the unreserved characters.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A form post.
pub async fn post(state: &AppState, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Resp {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    send(
        state,
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// A hidden input's value.
pub fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

fn cookie(r: &Resp, name: &str) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

/// Signs in with the demo password; returns the session cookie and the session's CSRF token.
pub async fn sign_in(state: &AppState, login: &str) -> (String, String) {
    let page = get(state, "/console/login", "").await;
    let form_cookie = cookie(&page, "xyjt_login");
    let token = hidden(&page.text, "csrf");
    let r = post(
        state,
        "/console/login",
        &form_cookie,
        &[
            ("csrf", &token),
            ("next", "/console"),
            ("login", login),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.text);
    let session = cookie(&r, "xyjt_session");
    let home = get(state, "/console", &session).await;
    assert_eq!(home.status, StatusCode::OK);
    let csrf = hidden(&home.text, "csrf");
    (session, csrf)
}

/// A valid USCC: `prefix` (11 机关, 91 企业 …), division 990100, an 8-character org body.
pub fn uscc(prefix: &str, body: &str) -> String {
    let org = format!("{body}{}", org_code_check_char(body).unwrap());
    let first17 = format!("{prefix}990100{org}");
    format!("{first17}{}", uscc_check_char(&first17).unwrap())
}

/// A valid citizen ID of division 990100: birth `YYYYMMDD`, a 3-digit sequence.
pub fn citizen(birth: &str, seq: &str) -> String {
    let first17 = format!("990100{birth}{seq}");
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

/// The full demo (`xyjt_app::demo::seed`) on `url` as of `today`, and a state serving it on that
/// day without the search limit.
pub async fn demo_on(
    url: &str,
    today: chrono::NaiveDate,
) -> (std::sync::Arc<dyn xyjt_store::Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    xyjt_app::demo::seed(
        store.as_ref(),
        xyjt_core::policies::Policies::builtin_ref(),
        today,
    )
    .await
    .unwrap();
    let mut state = AppState::new(store.clone(), xyjt_core::calendar::Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today);
    state.search_limit = None;
    (store, state)
}
