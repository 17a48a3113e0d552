//! Public reads that do not depend on the size of the tables (issue 16): the name lists served
//! from the check index and paged (page numbers and a keyset cursor agree with the ledger's
//! entries in force), the 公示栏 page walked by its own 下一页 / 上一页 links (a cursor each),
//! the name search by its index (substring; never a civil servant), and conditional GET (ETag / Last-Modified, 304, a new validator after a write).
//! Runs on SQLite, and on PostgreSQL when `XYJT_TEST_POSTGRES_URL` is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use common::*;
use std::sync::Arc;
use xyjt_store::Store;
use xyjt_web::AppState;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

fn sqlite_url(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    format!("sqlite://{}", path.display())
}

async fn story(store: Arc<dyn Store>, state: AppState) {
    lists_are_paged_from_the_index(&store, &state).await;
    publicity_page_links_walk_by_cursor(&state).await;
    name_search_by_index(&store, &state).await;
    conditional_get(&store, &state).await;
}

fn ids(v: &serde_json::Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

async fn lists_are_paged_from_the_index(store: &Arc<dyn Store>, state: &AppState) {
    for list in ["black", "red", "watch"] {
        // The oracle: the projection's entries in force today, newest entry date first, then id.
        let mut expected: Vec<_> = store
            .list_entries(Some(list))
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.is_active_on(today()))
            .collect();
        expected.sort_by(|a, b| {
            b.entry
                .entry_date
                .cmp(&a.entry.entry_date)
                .then_with(|| a.entry.id.cmp(&b.entry.id))
        });
        let expected: Vec<String> = expected.into_iter().map(|e| e.entry.id).collect();
        let least = if list == "black" { 7 } else { 0 };
        assert!(
            expected.len() >= least,
            "{list}: the demo lists entries: {expected:?}"
        );

        let all = get(state, &format!("/api/v1/lists/{list}?per_page=1000"), "").await;
        assert_eq!(all.status, StatusCode::OK, "{}", all.text);
        let all = all.json();
        assert_eq!(all["total"].as_u64(), Some(expected.len() as u64));
        assert_eq!(ids(&all), expected, "{list}: one page of everything");
        assert!(all.get("next_after").is_none(), "{all}");

        // Page numbers and the cursor walk the same entries in the same order.
        let (mut by_page, mut by_cursor) = (Vec::new(), Vec::new());
        for page in 1..=expected.len().div_ceil(2) {
            let r = get(
                state,
                &format!("/api/v1/lists/{list}?per_page=2&page={page}"),
                "",
            )
            .await;
            by_page.extend(ids(&r.json()));
        }
        let mut uri = format!("/api/v1/lists/{list}?per_page=2");
        loop {
            let r = get(state, &uri, "").await.json();
            by_cursor.extend(ids(&r));
            match r["next_after"].as_str() {
                Some(next) => uri = format!("/api/v1/lists/{list}?per_page=2&after={}", enc(next)),
                None => break,
            }
        }
        assert_eq!(by_page, expected, "{list}: by page");
        assert_eq!(by_cursor, expected, "{list}: by cursor");
    }
    // Any other text names an empty list (not an error, and not kept by the index).
    let r = get(state, "/api/v1/lists/no-such-list", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["total"], 0);
    // The default page is 100 entries; a page beyond the end is empty, not an error.
    let r = get(state, "/api/v1/lists/black?page=999", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(ids(&r.json()).is_empty());
    assert_eq!(r.json()["per_page"], 100);
    for bad in [
        "per_page=0",
        "per_page=1001",
        "page=0",
        "after=no-such-entry",
        "page=2&after=x",
    ] {
        let r = get(state, &format!("/api/v1/lists/black?{bad}"), "").await;
        // A page number out of range is 400 everywhere (edge::page_number); the rest 422.
        let want = if bad == "page=0" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(r.status, want, "{bad}: {}", r.text);
        assert!(r.text.contains("message"), "{bad}: {}", r.text);
    }

    // The portal page shows the same entries in the same order, 50 a page.
    let first = get(state, "/lists/black", "").await;
    assert_eq!(first.status, StatusCode::OK);
    let all = get(state, "/api/v1/lists/black?per_page=50", "")
        .await
        .json();
    let names: Vec<String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect();
    let mut at = 0;
    for name in &names {
        let found = first.text[at..]
            .find(name.as_str())
            .unwrap_or_else(|| panic!("{name} not in order on the page"));
        at += found + name.len();
    }
}

/// The records of a 公示栏 page, in order (their notices' links carry the record id).
fn page_records(html: &str) -> Vec<String> {
    let re = regex::Regex::new(r#"href="/records/([^/"]+)/notices""#).unwrap();
    re.captures_iter(html).map(|c| c[1].to_string()).collect()
}

fn link(html: &str, label: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(r#"<a href="(/publicity\?[^"]*)">{label}</a>"#)).unwrap();
    re.captures(html).map(|c| c[1].replace("&amp;", "&"))
}

async fn publicity_page_links_walk_by_cursor(state: &AppState) {
    let api = get(state, "/api/v1/publicity?category=penalty&per_page=20", "").await;
    let total = api.json()["total"].as_i64().unwrap();
    assert!(total > 40, "the demo publishes many penalties: {total}");
    let mut by_api = Vec::new();
    let mut uri = "/api/v1/publicity?category=penalty&per_page=100".to_string();
    loop {
        let r = get(state, &uri, "").await.json();
        by_api.extend(ids(&r));
        match r["next_after"].as_str() {
            Some(n) => {
                uri = format!(
                    "/api/v1/publicity?category=penalty&per_page=100&after={}",
                    enc(n)
                )
            }
            None => break,
        }
    }
    let first = get(state, "/publicity?category=penalty", "").await;
    assert_eq!(first.status, StatusCode::OK);
    if page_records(&first.text).is_empty() {
        // The record table links each record's notices; without them this walk proves nothing.
        panic!("no record links on the 公示栏 page: {}", first.text);
    }
    // Forward by 下一页: every link after the first carries a cursor.
    let mut pages = vec![first.text.clone()];
    let mut seen = page_records(&first.text);
    let mut next = link(&first.text, "下一页");
    while let Some(uri) = next {
        assert!(uri.contains("after="), "{uri}");
        let r = get(state, &uri, "").await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        seen.extend(page_records(&r.text));
        next = link(&r.text, "下一页");
        pages.push(r.text);
    }
    assert_eq!(seen, by_api, "the page walk shows what the API lists");
    assert!(
        pages
            .last()
            .unwrap()
            .contains(&format!("第 {} 页", pages.len())),
        "the cursor pages keep their numbers"
    );
    // Back by 上一页 from the last page: the same pages, in reverse.
    let mut back = Vec::new();
    let mut prev = link(pages.last().unwrap(), "上一页");
    while let Some(uri) = prev {
        let r = get(state, &uri, "").await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        back.push(page_records(&r.text));
        prev = link(&r.text, "上一页");
    }
    let forward: Vec<Vec<String>> = pages[..pages.len() - 1]
        .iter()
        .rev()
        .map(|p| page_records(p))
        .collect();
    assert_eq!(back, forward);
    // A cursor that is not one is refused with a page that says so.
    for bad in ["after=nonsense", "before=2026-13-40~x", "after=a&before=b"] {
        let r = get(state, &format!("/publicity?{bad}"), "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.text.contains("翻页参数无效"), "{bad}: {}", r.text);
    }
}

async fn name_search_by_index(store: &Arc<dyn Store>, state: &AppState) {
    let everyone = store.search_subjects("", 10_000, 0).await.unwrap();
    let company = everyone
        .items
        .iter()
        .find(|s| s.name.chars().count() >= 8 && s.uscc.is_some())
        .expect("a company in the demo")
        .clone();
    let name: Vec<char> = company.name.chars().collect();
    // A part from the middle (three characters and more: the trigram index).
    let middle: String = name[2..6].iter().collect();
    let r = get(
        state,
        &format!("/api/v1/subjects?q={}&per_page=100", enc(&middle)),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let found = r.json();
    assert!(ids(&found).contains(&company.id), "{middle}: {found}");
    // The oracle: every subject whose name contains it (no former names in the demo's set
    // beyond the current ones matter for this count).
    let containing = everyone
        .items
        .iter()
        .filter(|s| {
            xyjt_core::text::name_key(&s.name).contains(&xyjt_core::text::name_key(&middle))
        })
        .count();
    assert!(
        found["total"].as_u64().unwrap() >= containing as u64,
        "{found}"
    );
    // Two characters: names containing them (a scan that stops at the cap).
    let pair: String = name[3..5].iter().collect();
    let r = get(
        state,
        &format!("/api/v1/subjects?q={}&per_page=100", enc(&pair)),
        "",
    )
    .await
    .json();
    let containing = everyone
        .items
        .iter()
        .filter(|s| xyjt_core::text::name_key(&s.name).contains(&xyjt_core::text::name_key(&pair)))
        .count() as u64;
    let total = r["total"].as_u64().unwrap();
    assert!(
        total >= containing.min(1_000) && total > 0,
        "{pair}: {containing} vs {r}"
    );
    if total <= 100 {
        assert!(ids(&r).contains(&company.id), "{pair}: {r}");
    }
    // A civil servant is never found by the public (their archive is internal), though the
    // platform holds the subject.
    for person in ["周建华", "吴晓梅", "郑国强"] {
        assert!(
            everyone.items.iter().any(|s| s.name == person),
            "the demo registers {person}"
        );
        let r = get(state, &format!("/api/v1/subjects?q={}", enc(person)), "")
            .await
            .json();
        assert_eq!(r["total"], 0, "{person}: {r}");
        let page = get(state, &format!("/?q={}", enc(person)), "").await;
        assert!(page.text.contains("未找到相关主体"), "{person}");
        // Nor by the citizen ID number, nor by the subject's own page.
        let subject = everyone.items.iter().find(|s| s.name == person).unwrap();
        let id_number = subject
            .citizen_id
            .as_ref()
            .expect("registered with an ID")
            .to_string();
        let r = get(state, &format!("/api/v1/subjects?q={id_number}"), "")
            .await
            .json();
        assert_eq!(r["total"], 0, "{person} by ID: {r}");
        let page = get(state, &format!("/?q={id_number}"), "").await;
        assert!(page.text.contains("未找到相关主体"), "{person} by ID");
        for uri in [
            format!("/api/v1/subjects/{}", subject.id),
            format!("/subjects/{}", subject.id),
        ] {
            let r = get(state, &uri, "").await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
            assert!(!r.text.contains(person), "{uri}");
        }
    }
    // LIKE's wildcards are literal in the index too.
    for q in ["%%%", "___", "\"\"\""] {
        let r = get(state, &format!("/api/v1/subjects?q={}", enc(q)), "").await;
        assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
        assert_eq!(r.json()["total"], 0, "{q}");
    }
}

async fn conditional_get(store: &Arc<dyn Store>, state: &AppState) {
    let get_with = |uri: &str, h: Option<(header::HeaderName, String)>| {
        let mut req = Request::get(uri);
        if let Some((name, value)) = h {
            req = req.header(name, value);
        }
        req.body(Body::empty()).unwrap()
    };
    for uri in [
        "/",
        "/publicity",
        "/lists/black",
        "/api/v1/lists/black",
        "/api/v1/publicity",
    ] {
        let first = send(state, get_with(uri, None)).await;
        assert_eq!(first.status, StatusCode::OK, "{uri}");
        let etag = first.headers[header::ETAG].to_str().unwrap().to_string();
        let modified = first.headers[header::LAST_MODIFIED]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(first.headers[header::CACHE_CONTROL], "no-cache", "{uri}");
        let again = send(
            state,
            get_with(uri, Some((header::IF_NONE_MATCH, etag.clone()))),
        )
        .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{uri}");
        assert!(again.text.is_empty());
        assert_eq!(again.headers[header::ETAG].to_str().unwrap(), etag);
        let since = send(
            state,
            get_with(uri, Some((header::IF_MODIFIED_SINCE, modified))),
        )
        .await;
        assert_eq!(since.status, StatusCode::NOT_MODIFIED, "{uri}");
        let other = send(
            state,
            get_with(
                uri,
                Some((header::IF_NONE_MATCH, "W/\"0-0-0\"".to_string())),
            ),
        )
        .await;
        assert_eq!(other.status, StatusCode::OK, "{uri}");
    }
    // Not for pages with forms, the ledger page, a caller with a token, or an error.
    for uri in [
        "/objections/new",
        "/ledger",
        "/api/v1/lists/black?per_page=0",
    ] {
        let r = send(state, get_with(uri, None)).await;
        assert!(r.headers.get(header::ETAG).is_none(), "{uri}");
    }
    let r = send(
        state,
        get_with(
            "/api/v1/publicity",
            Some((header::AUTHORIZATION, "Bearer x".to_string())),
        ),
    )
    .await;
    assert!(r.headers.get(header::ETAG).is_none());

    // A write other than a recorded check gives a new validator: the old copy is stale.
    let before = send(state, get_with("/lists/black", None)).await;
    let etag = before.headers[header::ETAG].to_str().unwrap().to_string();
    store
        .append(vec![xyjt_core::ledger::NewEvent::new(
            "test",
            chrono::Utc::now(),
            xyjt_core::ledger::EventPayload::SubjectRegistered {
                subject: xyjt_core::subject::Subject {
                    id: "s-etag".into(),
                    kind: xyjt_core::subject::PartyCategory::LegalPerson,
                    name: "示范市新登记运输有限公司".into(),
                    uscc: Some(uscc("91", "MA2ETAG1").parse().unwrap()),
                    org_code: None,
                    reg_no: None,
                    citizen_id: None,
                },
            },
        )])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();
    let after = send(
        state,
        get_with("/lists/black", Some((header::IF_NONE_MATCH, etag.clone()))),
    )
    .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.headers[header::ETAG].to_str().unwrap(), etag);
    // And the new subject is found by the search index at once (the projection's triggers).
    let r = get(
        state,
        &format!("/api/v1/subjects?q={}", enc("新登记运输")),
        "",
    )
    .await
    .json();
    assert_eq!(ids(&r), vec!["s-etag".to_string()], "{r}");
}

#[tokio::test]
async fn public_reads_on_sqlite() {
    let (store, state) = demo_on(&sqlite_url("public-reads"), today()).await;
    story(store, state).await;
}

#[tokio::test]
async fn public_reads_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("public_reads_on_postgres").await {
        let (store, state) = demo_on(&pg.url, today()).await;
        story(store, state).await;
        pg.drop().await;
    }
}
