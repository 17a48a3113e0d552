//! Page snapshots: the main portal and console pages over a fixed demo data set on a fixed day.
//! Taken before the pages moved to templates, they prove that a restructuring changes no output
//! except where a snapshot is knowingly updated (`cargo insta review`). Generated ids, hashes,
//! form tokens, application numbers and clock times are redacted; whitespace between tags is
//! normalised so indentation in a template is not a change.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use regex::Regex;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_store::Store;
use xyjt_web::{AppState, router};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup() -> (Arc<dyn Store>, AppState) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("pages-{}.db", uuid::Uuid::now_v7()));
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
    xyjt_app::demo::seed_demo_workflows(
        store.as_ref(),
        xyjt_core::policies::Policies::builtin_ref(),
        today(),
    )
    .await
    .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    state.search_limit = None;
    (store, state)
}

async fn get(state: &AppState, uri: &str, cookie: &str) -> (StatusCode, String) {
    let res = router(state.clone())
        .oneshot(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// Redacts what differs from run to run and normalises whitespace between tags.
fn normalise(html: &str) -> String {
    static RULES: OnceLock<Vec<(Regex, &'static str)>> = OnceLock::new();
    let rules = RULES.get_or_init(|| {
        [
            (
                r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                "[id]",
            ),
            (r"[0-9a-f]{64}", "[sha256]"),
            (
                r#"name="csrf" value="[^"]*""#,
                r#"name="csrf" value="[csrf]""#,
            ),
            (r"\b(YY|XF|ZG|TS)-\d{8}-[0-9A-Z]{6}\b", "[number]"),
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}| UTC)?",
                "[time]",
            ),
            (r">\s+<", "><"),
            (r"\s+\n", "\n"),
        ]
        .into_iter()
        .map(|(re, to)| (Regex::new(re).unwrap(), to))
        .collect()
    });
    let mut out = html.to_string();
    for (re, to) in rules {
        out = re.replace_all(&out, *to).into_owned();
    }
    // One tag per line keeps snapshot diffs readable.
    out.replace("><", ">\n<")
}

async fn sign_in(state: &AppState, login: &str) -> String {
    let res = router(state.clone())
        .oneshot(Request::get("/console/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let form_cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("xyjt_login="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap();
    let page =
        String::from_utf8_lossy(&to_bytes(res.into_body(), usize::MAX).await.unwrap()).into_owned();
    let key = "name=\"csrf\" value=\"";
    let i = page.find(key).unwrap() + key.len();
    let token = page[i..].split('"').next().unwrap();
    let body = format!(
        "csrf={token}&next=%2Fconsole&login={login}&password={}",
        xyjt_app::accounts::DEMO_PASSWORD
    );
    let res = router(state.clone())
        .oneshot(
            Request::post("/console/login")
                .header(header::COOKIE, form_cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("xyjt_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .unwrap()
}

/// The first public penalty on the 公示栏 API: its record and subject ids.
async fn a_public_penalty(state: &AppState) -> (String, String) {
    let res = router(state.clone())
        .oneshot(
            Request::get("/api/v1/publicity?category=penalty&per_page=1")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&to_bytes(res.into_body(), usize::MAX).await.unwrap()).unwrap();
    let item = &v["items"][0];
    (
        item["id"].as_str().unwrap().to_string(),
        item["subject_id"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn portal_and_console_pages_render_as_before() {
    let (_store, state) = setup().await;
    let (record, subject) = a_public_penalty(&state).await;
    let portal = [
        ("home", "/".to_string()),
        ("search", "/?q=%E8%BF%90%E8%BE%93".to_string()),
        ("publicity", "/publicity".to_string()),
        (
            "publicity_penalties_p2",
            "/publicity?category=penalty&page=2".to_string(),
        ),
        ("subject", format!("/subjects/{subject}")),
        ("notices", format!("/records/{record}/notices")),
        ("applications", "/applications".to_string()),
        ("list_red", "/lists/red".to_string()),
        ("list_black", "/lists/black".to_string()),
        ("policies", "/policies".to_string()),
        ("news", "/news".to_string()),
        ("objection_form", format!("/objections/new?record={record}")),
        ("repair_form", format!("/repairs/new?record={record}")),
        ("repair_guide", "/repairs".to_string()),
        ("not_found", "/lists/no-such-list".to_string()),
    ];
    for (name, uri) in portal {
        let (status, html) = get(&state, &uri, "").await;
        insta::assert_snapshot!(
            format!("portal_{name}"),
            format!("{status}\n{}", normalise(&html))
        );
    }
    let login = get(&state, "/console/login", "").await;
    insta::assert_snapshot!(
        "console_login",
        format!("{}\n{}", login.0, normalise(&login.1))
    );
    for (login, pages) in [
        (
            "xl-sh",
            &[
                ("dashboard", "/console"),
                ("entry", "/console/records/new"),
                ("submissions", "/console/submissions"),
                ("applications", "/console/applications"),
                ("checks", "/console/checks"),
            ][..],
        ),
        (
            "xyc",
            &[
                ("lists", "/console/lists"),
                ("policy", "/console/policy"),
                ("audit", "/console/audit"),
            ][..],
        ),
        ("admin", &[("accounts", "/console/accounts")][..]),
    ] {
        let cookie = sign_in(&state, login).await;
        for (name, uri) in pages {
            let (status, html) = get(&state, uri, &cookie).await;
            insta::assert_snapshot!(
                format!("console_{login}_{name}"),
                format!("{status}\n{}", normalise(&html))
            );
        }
    }
}

#[tokio::test]
async fn the_stylesheet_is_one_cacheable_asset() {
    let (_store, state) = setup().await;
    let res = router(state.clone())
        .oneshot(
            Request::get("/static/style.css")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let etag = h[header::ETAG].to_str().unwrap().to_string();
    let css = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    assert!(String::from_utf8_lossy(&css).contains("body.console .stat"));
    let again = router(state)
        .oneshot(
            Request::get("/static/style.css")
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
