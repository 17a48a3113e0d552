//! The security headers on every kind of response, HSTS and `Secure` cookies only over HTTPS
//! (said by a trusted proxy), templates the Content-Security-Policy lets work, sign-in
//! throttling by account and by client, and the daily cap on anonymous applications.

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_core::policies::Policies;
use xyjt_web::{AppState, TrustedProxies, router};

const PASSWORD: &str = xyjt_app::accounts::DEMO_PASSWORD;
const PROXY: [u8; 4] = [10, 0, 0, 1];

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup(filings_per_day: u32) -> AppState {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("security-{}.db", uuid::Uuid::now_v7()));
    let store = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for chunk in xyjt_core::demo::generate(today(), 20_261_122).chunks(2000) {
        store.append(chunk.to_vec()).await.unwrap();
    }
    store
        .append(xyjt_app::accounts::demo_account_events())
        .await
        .unwrap();
    let mut policies = Policies {
        calendar: Calendar::builtin(),
        ..Policies::builtin()
    };
    policies.limits.anonymous_filings_per_day = filings_per_day;
    let mut state = AppState::with_policies(store, policies).await.unwrap();
    state.today = Some(today());
    state.trusted_proxies = TrustedProxies::parse(&["10.0.0.0/24"]).unwrap();
    state
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

/// Sends `req` as if from `peer` (the address the server sees).
async fn send_from(state: &AppState, peer: [u8; 4], mut req: Request<Body>) -> Resp {
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
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

async fn get(state: &AppState, uri: &str) -> Resp {
    send_from(
        state,
        [192, 0, 2, 1],
        Request::get(uri).body(Body::empty()).unwrap(),
    )
    .await
}

fn set_cookies(r: &Resp) -> Vec<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

fn cookie(r: &Resp, name: &str) -> Option<String> {
    set_cookies(r)
        .into_iter()
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

fn assert_security_headers(r: &Resp, what: &str) {
    let h = |name: header::HeaderName| {
        r.headers
            .get(&name)
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = h(header::CONTENT_SECURITY_POLICY);
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{what}");
    assert_eq!(h(header::X_FRAME_OPTIONS), "DENY", "{what}");
    assert_eq!(h(header::REFERRER_POLICY), "same-origin", "{what}");
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_hsts_only_over_https() {
    let state = setup(10).await;
    let listing = get(&state, "/api/v1/publicity?category=penalty&per_page=1").await;
    let body: Value = serde_json::from_str(&listing.text).unwrap();
    let record = body["items"][0]["id"].as_str().unwrap().to_string();
    for uri in [
        "/".to_string(),
        "/publicity".into(),
        "/api/v1/publicity".into(),
        "/api/v1/no-such-thing".into(),
        "/no-such-page".into(),
        "/static/style.css".into(),
        "/static/print.js".into(),
        "/console/login".into(),
        "/console".into(),
        "/api/v1/subjects?q=%00".into(),
        format!("/records/{record}/notices"),
        format!("/objections/new?record={record}"),
    ] {
        let r = get(&state, &uri).await;
        assert_security_headers(&r, &uri);
        assert!(
            r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "{uri}: HSTS over plain HTTP"
        );
        for c in set_cookies(&r) {
            assert!(!c.contains("Secure"), "{uri}: {c}");
        }
    }
    // A framework rejection (wrong method) too.
    let r = send_from(
        &state,
        [192, 0, 2, 1],
        Request::post("/api/v1/subjects")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_security_headers(&r, "405");

    // The notices page prints through the one script, served from here.
    let notices = get(&state, &format!("/records/{record}/notices")).await;
    assert!(
        notices
            .text
            .contains("<script src=\"/static/print.js\"></script>")
    );
    assert!(notices.text.contains("data-print"));
    let script = get(&state, "/static/print.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.text.contains("window.print()"));

    // Behind a trusted proxy that says HTTPS: HSTS, and every cookie Secure.
    let https = |peer: [u8; 4]| {
        send_from(
            &state,
            peer,
            Request::get("/console/login")
                .header("x-forwarded-proto", "https")
                .header("x-forwarded-for", "203.0.113.9")
                .body(Body::empty())
                .unwrap(),
        )
    };
    let r = https(PROXY).await;
    assert_security_headers(&r, "https");
    assert!(
        r.headers[header::STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let cookies = set_cookies(&r);
    assert!(!cookies.is_empty());
    for c in &cookies {
        assert!(c.ends_with("; Secure"), "{c}");
    }
    // The same headers from anyone else are not believed.
    let r = https([198, 51, 100, 7]).await;
    assert!(r.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    for c in set_cookies(&r) {
        assert!(!c.contains("Secure"), "{c}");
    }
}

/// The Content-Security-Policy forbids inline script and style: no template may use them.
#[test]
fn templates_hold_no_inline_script_or_style() {
    let inline = regex::Regex::new(
        r#"(?i)<script(\s[^>]*)?>\s*[^<\s]|<style|\sstyle\s*=|\son[a-z]+\s*=|javascript:"#,
    )
    .unwrap();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates"
    ))];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            seen += 1;
            if let Some(m) = inline.find(&text) {
                panic!("{}: inline script or style: {}", path.display(), m.as_str());
            }
            for tag in text.match_indices("<script") {
                let rest = &text[tag.0..];
                assert!(
                    rest[..rest.find('>').unwrap()].contains("src=\"/static/"),
                    "{}: a script not served from /static/",
                    path.display()
                );
            }
        }
    }
    assert!(seen > 20, "templates read: {seen}");
}

/// Posts the sign-in form as `peer`; through the proxy with `forwarded` as the client.
async fn sign_in_from(
    state: &AppState,
    peer: [u8; 4],
    forwarded: Option<&str>,
    login: &str,
    password: &str,
) -> Resp {
    let page = get(state, "/console/login").await;
    let form_cookie = cookie(&page, "xyjt_login").unwrap();
    let token = hidden(&page.text, "csrf");
    let mut req = Request::post("/console/login")
        .header(header::COOKIE, form_cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let body = format!("csrf={token}&next=%2Fconsole&login={login}&password={password}");
    send_from(state, peer, req.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_and_the_client() {
    let state = setup(10).await;
    let attacker = [198, 51, 100, 1];
    let office = [198, 51, 100, 2];
    for i in 0..5 {
        let r = sign_in_from(&state, attacker, None, "admin", &format!("guess{i}")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // The right password, now: refused, with a page in Chinese and no session.
    let r = sign_in_from(&state, attacker, None, "admin", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.text.contains("密码错误次数过多"), "{}", r.text);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&wait), "{wait}");
    assert!(cookie(&r, "xyjt_session").is_none());
    // The account is locked from any client …
    let r = sign_in_from(&state, office, None, "admin", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // … and the client for any account.
    let r = sign_in_from(&state, attacker, None, "xl-lr", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another account from another client is not affected.
    let r = sign_in_from(&state, office, None, "xl-lr", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(cookie(&r, "xyjt_session").is_some());

    // Behind the trusted proxy, clients are told apart by X-Forwarded-For.
    for i in 0..5 {
        let r = sign_in_from(
            &state,
            PROXY,
            Some("203.0.113.5"),
            &format!("nobody{i}"),
            "x",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = sign_in_from(&state, PROXY, Some("203.0.113.5"), "xl-sh", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = sign_in_from(&state, PROXY, Some("203.0.113.6"), "xl-sh", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

#[tokio::test]
async fn anonymous_filings_are_capped_per_client_and_day() {
    let state = setup(2).await;
    let listing = get(&state, "/api/v1/publicity?category=penalty&per_page=3").await;
    let body: Value = serde_json::from_str(&listing.text).unwrap();
    let records: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    let file = |peer: [u8; 4], record: &str, reason: &str| {
        send_from(
            &state,
            peer,
            Request::post("/api/v1/objections")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"record_id": record, "reason": reason, "applicant": {"name": "张三"}})
                        .to_string(),
                ))
                .unwrap(),
        )
    };
    let citizen = [198, 51, 100, 9];
    // A refused filing does not count.
    let r = file(citizen, &records[0], " ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    for record in &records[..2] {
        let r = file(citizen, record, "金额有误").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let head = state.store.head().await.unwrap();
    let r = file(citizen, &records[2], "金额有误").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let body: Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert!(body["error"]["message"].as_str().unwrap().contains("2 件"));
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(state.store.head().await.unwrap(), head, "nothing written");

    // The portal's form counts against the same cap, and answers with a page.
    let form = send_from(
        &state,
        citizen,
        Request::get(format!("/objections/new?record={}", records[2]))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let form_cookie = cookie(&form, "xyjt_form").unwrap();
    let token = hidden(&form.text, "csrf");
    let post = |peer: [u8; 4]| {
        send_from(
            &state,
            peer,
            Request::post("/objections")
                .header(header::COOKIE, &form_cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "csrf={token}&record={}&reason=%E9%87%91%E9%A2%9D%E6%9C%89%E8%AF%AF&name=%E5%BC%A0%E4%B8%89&role=subject",
                    records[2]
                )))
                .unwrap(),
        )
    };
    let r = post(citizen).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.text.contains("今日已达上限"), "{}", r.text);
    assert_eq!(state.store.head().await.unwrap(), head, "nothing written");
    // Another client files.
    let r = post([198, 51, 100, 10]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("查询码"), "{}", r.text);
}
