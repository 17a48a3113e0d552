//! Hostile input over the real router, the same story on SQLite and on PostgreSQL (a fresh
//! schema per test, from `XYJT_TEST_POSTGRES_URL`; under `CI=true` an unreachable server fails
//! the run): control characters in a search, a path segment, a JSON or form field and a
//! multipart field are a 400 naming the field; page numbers are bounded; a control character
//! in the sign-in's `next` neither fails nor leaves a session behind; a console upload with NUL in
//! a cell rejects that row, naming it.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::{Value, json};
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_web::{AppState, router};

const PASSWORD: &str = xyjt_app::accounts::DEMO_PASSWORD;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup(url: &str) -> AppState {
    let store = xyjt_store::open(url).await.unwrap();
    for chunk in xyjt_core::demo::generate(today(), 20_261_122).chunks(2000) {
        store.append(chunk.to_vec()).await.unwrap();
    }
    store
        .append(xyjt_app::accounts::demo_account_events())
        .await
        .unwrap();
    let mut state = AppState::new(store, Calendar::builtin()).await.unwrap();
    state.today = Some(today());
    state
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("not JSON: {}", self.text))
    }
}

async fn send(state: &AppState, req: Request<Body>) -> Resp {
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
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_json(state: &AppState, uri: &str, body: &Value) -> Resp {
    send(
        state,
        Request::post(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_form(state: &AppState, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Resp {
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

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
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

/// A 400 in the API's envelope naming `field`.
fn assert_api_refusal(r: &Resp, code: &str, field: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let body = r.json();
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], field, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(field),
        "{body}"
    );
}

/// A 400 page (not JSON) saying what is wrong with `field`.
fn assert_page_refusal(r: &Resp, field: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "{:?}",
        r.headers
    );
    assert!(r.text.contains(field), "{}", r.text);
}

async fn sessions(url: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

async fn story(state: AppState, url: &str) {
    // A search and a path segment with NUL (and other control characters).
    let r = get(&state, "/api/v1/subjects?q=%00").await;
    assert_api_refusal(&r, "control_character", "q");
    let r = get(&state, "/api/v1/subjects?q=%E7%A4%BA%1B").await;
    assert_api_refusal(&r, "control_character", "q");
    assert_page_refusal(&get(&state, "/?q=a%00b").await, "q");
    let r = get(&state, "/api/v1/records/abc%00def").await;
    assert_api_refusal(&r, "control_character", "id");
    let r = get(&state, "/api/v1/records/abc%00/history").await;
    assert_api_refusal(&r, "control_character", "id");
    let r = get(&state, "/api/v1/subjects/%00").await;
    assert_api_refusal(&r, "control_character", "id");
    assert_page_refusal(&get(&state, "/subjects/x%00y").await, "id");
    // A line break is no part of an id either.
    let r = get(&state, "/api/v1/records/abc%0A").await;
    assert_api_refusal(&r, "control_character", "id");
    // Without control characters the same routes answer as before.
    assert_eq!(
        get(&state, "/api/v1/records/abcdef").await.status,
        StatusCode::NOT_FOUND
    );

    // Page numbers: bounded, the same answer on both backends.
    for uri in [
        "/api/v1/publicity?page=9223372036854775807",
        "/api/v1/publicity?page=10001&per_page=100",
        "/api/v1/publicity?page=0",
        "/api/v1/subjects?q=%E7%A4%BA%E8%8C%83&page=9223372036854775807",
    ] {
        let r = get(&state, uri).await;
        assert_api_refusal(&r, "invalid_parameter", "page");
    }
    let r = get(&state, "/api/v1/publicity?page=10000&per_page=100").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"], json!([]));
    assert!(r.json()["total"].as_i64().unwrap() > 0);
    assert_page_refusal(
        &get(&state, "/publicity?page=9223372036854775807").await,
        "page",
    );
    assert_page_refusal(&get(&state, "/lists/black?page=99999999").await, "page");
    assert_eq!(
        get(&state, "/publicity?page=2").await.status,
        StatusCode::OK
    );

    // An objection through the API: NUL in the reason or the applicant's name is refused, a
    // multi-line reason is filed.
    let listing = get(&state, "/api/v1/publicity?category=penalty&per_page=1").await;
    let record_id = listing.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let objection = |reason: &str, name: &str| {
        json!({
            "record_id": record_id,
            "reason": reason,
            "applicant": {"name": name, "role": "subject"},
        })
    };
    let head = state.store.head().await.unwrap();
    let r = post_json(
        &state,
        "/api/v1/objections",
        &objection("金额\u{0}有误", "张三"),
    )
    .await;
    assert_api_refusal(&r, "control_character", "reason");
    let r = post_json(
        &state,
        "/api/v1/objections",
        &objection("金额有误", "张\u{0}三"),
    )
    .await;
    assert_api_refusal(&r, "control_character", "applicant.name");
    assert_eq!(state.store.head().await.unwrap(), head, "nothing written");
    let r = post_json(
        &state,
        "/api/v1/objections",
        &objection("第一，金额有误；\r\n第二，\t日期有误", "张三"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The portal's objection form, multipart: the same refusal, as a page.
    let form = get(&state, &format!("/objections/new?record={record_id}")).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = set_cookie(&form, "xyjt_form").unwrap();
    let token = hidden(&form.text, "csrf");
    let boundary = "XyjtBoundary7MA4YWxk";
    let mut body = String::new();
    for (k, v) in [
        ("csrf", token.as_str()),
        ("record", record_id.as_str()),
        ("reason", "罚款金额\u{0}有误"),
        ("name", "张三"),
        ("role", "subject"),
    ] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let head = state.store.head().await.unwrap();
    let r = send(
        &state,
        Request::post("/objections")
            .header(header::COOKIE, &cookie)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_page_refusal(&r, "reason");
    assert_eq!(state.store.head().await.unwrap(), head, "nothing written");

    // Sign-in with a control character in `next`: no 500, no session left behind.
    let before = sessions(url).await;
    let page = get(&state, "/console/login").await;
    let form_cookie = set_cookie(&page, "xyjt_login").unwrap();
    let token = hidden(&page.text, "csrf");
    let fields = |next: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("next", next.to_string()),
            ("login", "xl-lr".to_string()),
            ("password", PASSWORD.to_string()),
        ]
    };
    let nul = fields("/console\u{1}x");
    let nul: Vec<(&str, &str)> = nul.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_form(&state, "/console/login", &form_cookie, &nul).await;
    assert_page_refusal(&r, "next");
    assert!(set_cookie(&r, "xyjt_session").is_none());
    assert_eq!(sessions(url).await, before, "no session row left");
    // A line break (which text fields may hold) is not a place to go: the default page.
    let newline = fields("/console\r\nSet-Cookie: x=y");
    let newline: Vec<(&str, &str)> = newline.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = post_form(&state, "/console/login", &form_cookie, &newline).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.headers[header::LOCATION], "/console");
    let session = set_cookie(&r, "xyjt_session").unwrap();
    assert_eq!(sessions(url).await, before + 1);

    // A file uploaded in the console with NUL in a cell: that row is rejected, row and field
    // named; the other row is valid. On PostgreSQL the dry run used to fail on the NUL.
    let get_signed = |uri: &str| {
        send(
            &state,
            Request::get(uri)
                .header(header::COOKIE, &session)
                .body(Body::empty())
                .unwrap(),
        )
    };
    let entry = get_signed("/console/records/new?category=penalty").await;
    assert_eq!(entry.status, StatusCode::OK, "{}", entry.text);
    let csrf = hidden(&entry.text, "csrf");
    let key = "id=\"CF_SJLYDM\" value=\"";
    let at = entry.text.find(key).unwrap() + key.len();
    let unit_code = entry.text[at..].split('"').next().unwrap().to_string();
    let unit = "西岭市交通运输综合行政执法支队";
    let header_row = "CF_XDR_MC,CF_XDR_LB,CF_XDR_SHXYM,CF_WSH,CF_WFXW,CF_SY,CF_YJ,CF_CFLB,CF_NR,CF_NR_FK,CF_JDRQ,CF_YXQ,CF_CFJG,CF_CFJGDM,CF_SJLY,CF_SJLYDM";
    let row = |doc: &str, facts: &str| {
        format!(
            "示范市甲运输有限公司,法人及非法人组织,91350100M000100Y43,{doc},超限运输,{facts},《公路安全保护条例》第六十六条,罚款,罚款人民币3000元,0.3,2026-11-18,2027-11-18,{unit},{unit_code},{unit},{unit_code}"
        )
    };
    let csv = format!(
        "{header_row}\n{}\n{}\n",
        row("西交执罚〔2026〕951号", "车货总重超过限定标准"),
        row("西交执罚〔2026〕952号", "车货总重\u{0}超过限定标准"),
    );
    let boundary = "XyjtImportBoundary0gW";
    let mut body = String::new();
    for (k, v) in [("csrf", csrf.as_str()), ("category", "penalty")] {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"处罚.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    ));
    let r = send(
        &state,
        Request::post("/console/import")
            .header(header::COOKIE, &session)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = get_signed(r.headers[header::LOCATION].to_str().unwrap()).await;
    assert!(
        page.text.contains("id=\"valid-rows\">1<") && page.text.contains("id=\"rejected-rows\">1<"),
        "{}",
        page.text
    );
    assert!(page.text.contains("第2行 CF_SY"), "{}", page.text);
    assert!(page.text.contains("控制字符（U+0000）"), "{}", page.text);
}

#[tokio::test]
async fn hostile_input_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("hardening-{}.db", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}", path.display());
    let state = setup(&url).await;
    story(state, &url).await;
}

#[tokio::test]
async fn hostile_input_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("hostile_input_on_postgres").await {
        let state = setup(&pg.url).await;
        story(state, &pg.url).await;
        pg.drop().await;
    }
}
