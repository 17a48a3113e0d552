//! The HTTP edge against the real router and a real SQLite store.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_core::ident::{CitizenId, Uscc};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::NameList;
use xyjt_core::money::WanYuan;
use xyjt_core::publicity::{PublicityPolicy, publication_for};
use xyjt_core::record::{Party, PenaltyKind, PenaltyRecord, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::Store;
use xyjt_web::{AppState, router};

async fn store(name: &str) -> Arc<dyn Store> {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

async fn app(store: Arc<dyn Store>) -> axum::Router {
    let mut state = AppState::new(store, Calendar::builtin()).await.unwrap();
    state.today = Some(NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
    router(state)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String) {
    let response = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn get_json(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let (status, body) = get(app, uri).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A small fixed world: one company, one person with a penalty.
async fn fixture() -> axum::Router {
    let store = store("api").await;
    let person = Subject {
        id: "s-person".into(),
        kind: PartyCategory::NaturalPerson,
        name: "欧阳娜娜".into(),
        uscc: None,
        org_code: None,
        reg_no: None,
        citizen_id: Some(CitizenId::parse("11010519491231002X").unwrap()),
    };
    let company = Subject {
        id: "s-company".into(),
        kind: PartyCategory::LegalPerson,
        name: "示范市长风（集团）货运有限公司".into(),
        uscc: Some(Uscc::parse("91350100M000100Y43").unwrap()),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    };
    let authority = Uscc::parse("91110000600037341L").unwrap();
    let body = RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: person.name.clone(),
            category: PartyCategory::NaturalPerson,
            uscc: None,
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: None,
            legal_rep_id_type: None,
            legal_rep_id_no: None,
            id_type: Some("身份证".into()),
            id_no: Some("11010519491231002X".into()),
        },
        doc_no: "示交执罚〔2025〕7号".into(),
        violation_type: "客运车辆超员".into(),
        facts: "客运车辆载客超过核定人数".into(),
        basis: "《道路旅客运输及客运站管理规定》第一百零二条".into(),
        kinds: vec![PenaltyKind::Fine],
        content: "罚款人民币2000元".into(),
        fine: Some(WanYuan::from_yuan(2000)),
        confiscated: None,
        licence_affected: None,
        decision_date: NaiveDate::from_ymd_opt(2025, 3, 3).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2026, 3, 3).unwrap(),
        publicity_until: None,
        authority: "示范市交通运输综合行政执法支队".into(),
        authority_code: authority.clone(),
        source_unit: "示范市交通运输综合行政执法支队".into(),
        source_unit_code: authority,
        remark: None,
    });
    let mut events = vec![
        NewEvent::new(
            "test",
            t("2025-01-02T01:00:00Z"),
            EventPayload::SubjectRegistered { subject: person },
        ),
        NewEvent::new(
            "test",
            t("2025-01-02T01:00:00Z"),
            EventPayload::SubjectRegistered { subject: company },
        ),
        NewEvent::new(
            "test",
            t("2025-03-04T01:00:00Z"),
            EventPayload::RecordPublished {
                record_id: "r-1".into(),
                subject_id: "s-person".into(),
                publication: Some(publication_for(
                    &body,
                    NaiveDate::from_ymd_opt(2025, 3, 4).unwrap(),
                    &Calendar::builtin(),
                    &PublicityPolicy::builtin(),
                )),
                body,
            },
        ),
    ];
    for (i, e) in events.iter_mut().enumerate() {
        e.id = format!("e-{i}");
    }
    store.append(events).await.unwrap();
    app(store).await
}

#[tokio::test]
async fn health_and_openapi() {
    let app = fixture().await;
    let (status, health) = get_json(&app, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["database"], "sqlite");
    // Three fixture events, and the adoption of the built-in list policy at start.
    assert_eq!(health["ledger_events"], 4);
    let (status, doc) = get_json(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/subjects",
        "/api/v1/subjects/{id}",
        "/api/v1/records/{id}",
        "/api/v1/publicity",
        "/api/v1/stats/shuanggongshi",
        "/api/v1/lists/{list}",
        "/api/v1/checks",
        "/api/v1/checks/{id}/feedback",
        "/api/v1/screenings",
        "/api/v1/cases",
        "/api/v1/objections",
        "/api/v1/repairs",
        "/api/v1/repairs/eligibility",
        "/api/v1/applications/{number}",
        "/api/v1/workflows",
        "/api/v1/workflows/{number}",
        "/api/v1/workflows/{number}/steps",
        "/api/v1/stats/workflows",
        "/api/v1/inbox",
        "/api/v1/commitment-templates",
        "/api/v1/commitments",
        "/api/v1/commitments/{id}/checks",
        "/healthz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn errors_share_one_envelope() {
    let app = fixture().await;
    let (status, body) = get_json(&app, "/api/v1/no-such-thing").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    insta::assert_json_snapshot!("not_found", body);
    let (status, body) = get_json(&app, "/api/v1/subjects?q=x&per_page=1000").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_parameter");
    // Axum's own rejections get the same envelope.
    let (status, body) = get_json(&app, "/api/v1/subjects?q=x&page=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_request");
    let response = app
        .clone()
        .oneshot(
            Request::post("/api/v1/subjects")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value =
        serde_json::from_slice(&to_bytes(response.into_body(), usize::MAX).await.unwrap()).unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let (status, body) = get_json(&app, "/api/v1/subjects/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn search_by_name_variant_and_by_code() {
    let app = fixture().await;
    // Half-width brackets and a space still find the full-width name.
    let (_, by_name) = get_json(
        &app,
        "/api/v1/subjects?q=%E9%95%BF%E9%A3%8E(%E9%9B%86%E5%9B%A2)%20%E8%B4%A7%E8%BF%90",
    )
    .await;
    assert_eq!(by_name["total"], 1);
    insta::assert_json_snapshot!("search_company", by_name);
    // The old organisation code finds the USCC holder.
    let (_, by_org) = get_json(&app, "/api/v1/subjects?q=M000100-Y4").await;
    assert_eq!(by_org["items"][0]["id"], "s-company");
    // A citizen ID finds the person, whose data is masked in the answer.
    let (_, by_id) = get_json(&app, "/api/v1/subjects?q=11010519491231002x").await;
    assert_eq!(by_id["items"][0]["id"], "s-person");
    assert_eq!(by_id["items"][0]["citizen_id"], "110105********002X");
    assert_eq!(by_id["items"][0]["name"], "欧阳**");
}

#[tokio::test]
async fn person_profile_is_masked() {
    let app = fixture().await;
    let (status, profile) = get_json(&app, "/api/v1/subjects/s-person").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("person_profile", profile);
    let text = profile.to_string();
    assert!(!text.contains("11010519491231002X"));
    assert!(!text.contains("娜娜"));
}

#[tokio::test]
async fn record_as_of_a_past_date() {
    let app = fixture().await;
    let (status, _) = get_json(&app, "/api/v1/records/r-1?as_of=2025-03-01").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not yet recorded on 1 March");
    let (status, record) = get_json(&app, "/api/v1/records/r-1?as_of=2025-03-04").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(record["version"], 1);
    let (status, _) = get_json(&app, "/api/v1/records/r-1?as_of=yesterday").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, history) = get_json(&app, "/api/v1/records/r-1/history").await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["kind"], "record_published");
}

#[tokio::test]
async fn pages_render_in_chinese() {
    let app = fixture().await;
    let (status, html) = get(&app, "/?q=%E9%95%BF%E9%A3%8E").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("示范市长风（集团）货运有限公司"));
    let (_, html) = get(&app, "/subjects/s-person").await;
    assert!(html.contains("欧阳**") && html.contains("110105********002X"));
    assert!(!html.contains("11010519491231002X"));
    assert!(
        html.contains("示交执罚〔2025〕7号") && html.contains("2026-03-03（一般）"),
        "{html}"
    );
    let (status, html) = get(&app, "/publicity?category=penalty").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("共 1 条") && html.contains("示交执罚〔2025〕7号"),
        "{html}"
    );
    let (_, html) = get(&app, "/publicity?category=license").await;
    assert!(html.contains("共 0 条"));
}

/// Walks every public endpoint over the demo data and looks for any full citizen ID number.
#[tokio::test]
async fn no_public_response_contains_an_unmasked_id_number() {
    let store = store("privacy").await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let events = xyjt_core::demo::generate(today, 42);
    let mut ids = BTreeSet::new();
    let mut subjects = Vec::new();
    let mut records = Vec::new();
    let mut entry_ids = Vec::new();
    for e in &events {
        let json = serde_json::to_string(&e.payload).unwrap();
        // Every 18-character run that is a valid citizen ID anywhere in the data.
        let chars: Vec<char> = json.chars().collect();
        for w in chars.windows(18) {
            let s: String = w.iter().collect();
            if CitizenId::parse(&s).is_ok() && s.chars().all(|c| c.is_ascii_alphanumeric()) {
                ids.insert(s);
            }
        }
        match &e.payload {
            EventPayload::SubjectRegistered { subject } => subjects.push(subject.clone()),
            EventPayload::RecordPublished { record_id, .. } => records.push(record_id.clone()),
            _ => {}
        }
    }
    assert!(
        ids.len() > 100,
        "the demo has many personal ID numbers to leak"
    );
    store.append(events).await.unwrap();
    // Natural persons on every list (with their ID numbers as codes; one 失信被执行人 known only
    // by name and number), so the list pages and the objection forms have people to mask.
    let people: Vec<&Subject> = subjects
        .iter()
        .filter(|s| s.kind == PartyCategory::NaturalPerson)
        .take(4)
        .collect();
    let mut entries = Vec::new();
    for (person, list) in people.iter().zip([
        NameList::Red,
        NameList::Black,
        NameList::Watch,
        NameList::External("失信被执行人".into()),
    ]) {
        let id = format!("entry-{}", person.id);
        let external = list.is_external();
        entries.push(NewEvent::new(
            "test",
            Utc::now(),
            EventPayload::ListEntryProposed {
                entry: ListEntry {
                    id: id.clone(),
                    list,
                    subject_id: (!external).then(|| person.id.clone()),
                    name: person.name.clone(),
                    code: person.citizen_id.as_ref().map(|c| c.to_string()),
                    item_id: "S-BLACK-SERIOUS-PENALTY".into(),
                    policy_version: 1,
                    basis: "测试".into(),
                    deciding_unit: "示范市交通运输局".into(),
                    entry_date: today,
                    valid_until: None,
                    source_records: vec![],
                    explanation: "test".into(),
                },
                by: "test".into(),
            },
        ));
        entries.push(NewEvent::new(
            "test",
            Utc::now(),
            EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: "reviewer".into(),
                approved: true,
                comment: String::new(),
            },
        ));
        entries.push(NewEvent::new(
            "test",
            Utc::now(),
            EventPayload::ListEntryPublished {
                entry_id: id.clone(),
                on: today,
            },
        ));
        entry_ids.push(id);
    }
    store.append(entries).await.unwrap();
    let mut state = AppState::new(store, Calendar::builtin()).await.unwrap();
    state.today = Some(today);
    // The walk searches once per subject: far over the public rate limit.
    state.search_limit = None;
    let app = router(state);
    let mut uris = vec![
        "/".to_string(),
        "/healthz".to_string(),
        "/api/v1/openapi.json".to_string(),
        "/api/v1/ledger/head".to_string(),
        "/api/v1/stats/shuanggongshi".to_string(),
        "/publicity".to_string(),
        "/policies".to_string(),
        "/news".to_string(),
        "/objections".to_string(),
        "/repairs".to_string(),
        "/applications".to_string(),
    ];
    for list in ["red", "black", "watch", "失信被执行人"] {
        uris.push(format!("/api/v1/lists/{}", urlencode(list)));
        uris.push(format!("/lists/{}", urlencode(list)));
    }
    for id in &entry_ids {
        uris.push(format!("/objections/new?entry={}", urlencode(id)));
    }
    for category in ["license", "penalty"] {
        let (_, first) = get_json(
            &app,
            &format!("/api/v1/publicity?category={category}&per_page=100"),
        )
        .await;
        let total = first["total"].as_i64().unwrap();
        assert!(total > 50, "the demo publishes many {category} records");
        for page in 1..=(total + 99) / 100 {
            uris.push(format!(
                "/api/v1/publicity?category={category}&per_page=100&page={page}"
            ));
        }
        for page in 1..=(total + 19) / 20 {
            uris.push(format!("/publicity?category={category}&page={page}"));
        }
    }
    for s in &subjects {
        uris.push(format!("/api/v1/subjects/{}", s.id));
        uris.push(format!("/subjects/{}", s.id));
        let q = s
            .citizen_id
            .as_ref()
            .map_or(s.name.clone(), |c| c.to_string());
        uris.push(format!("/api/v1/subjects?q={}", urlencode(&q)));
        uris.push(format!("/?q={}", urlencode(&q)));
    }
    for r in &records {
        uris.push(format!("/objections/new?record={r}"));
        uris.push(format!("/repairs/new?record={r}"));
        uris.push(format!("/api/v1/records/{r}"));
        uris.push(format!("/api/v1/records/{r}?as_of=2026-11-22"));
        uris.push(format!("/api/v1/records/{r}/history"));
    }
    for uri in &uris {
        let (status, body) = get(&app, uri).await;
        // Records outside their publicity window are not found; every other page answers.
        assert!(
            status == StatusCode::OK
                || (status == StatusCode::NOT_FOUND
                    && (uri.starts_with("/api/v1/records/") || uri.contains("?record="))),
            "{uri}: {status}"
        );
        for id in &ids {
            assert!(!body.contains(id.as_str()), "{uri} leaks {id}");
        }
    }
    // The people on the lists are shown, by family name only.
    let (_, black) = get(&app, "/lists/black").await;
    assert!(black.contains(&xyjt_core::mask::mask_person_name(&people[1].name)));
    assert!(!black.contains(&people[1].name));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn publicity_listing_and_statistics() {
    let app = fixture().await;
    let (status, list) = get_json(&app, "/api/v1/publicity?category=penalty").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["publicity"]["public_until"], "2026-03-03");
    assert_eq!(
        list["items"][0]["body"]["party"]["id_no"],
        "110105********002X"
    );
    let (_, none) = get_json(&app, "/api/v1/publicity?category=license").await;
    assert_eq!(none["total"], 0);
    let (_, by_unit) = get_json(
        &app,
        "/api/v1/publicity?unit=91110000600037341L&from=2025-03-01&to=2025-03-31",
    )
    .await;
    assert_eq!(by_unit["total"], 1);
    let (_, outside) = get_json(&app, "/api/v1/publicity?from=2025-04-01").await;
    assert_eq!(outside["total"], 0);
    let (status, bad) = get_json(&app, "/api/v1/publicity?category=xx").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad["error"]["code"], "invalid_parameter");
    let (status, stats) = get_json(&app, "/api/v1/stats/shuanggongshi?month=2025-03").await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!("stats_march", stats);
}

/// Keyset paging of the 公示栏 (`?after=`, issue 16) walks the same records in the same order as
/// page numbers, whatever the page size; a bad cursor, or one mixed with `page`, is refused.
#[tokio::test]
async fn publicity_keyset_paging_matches_page_numbers() {
    let store = store("keyset").await;
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    store
        .append(xyjt_core::demo::generate(today, 42))
        .await
        .unwrap();
    let mut state = AppState::new(store, Calendar::builtin()).await.unwrap();
    state.today = Some(today);
    let app = router(state);
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, first) = get_json(&app, "/api/v1/publicity?category=penalty&per_page=100").await;
    let total = first["total"].as_i64().unwrap();
    assert!(total > 100, "the demo publishes many penalties: {total}");
    let mut by_page = Vec::new();
    for page in 1..=(total + 99) / 100 {
        let (_, p) = get_json(
            &app,
            &format!("/api/v1/publicity?category=penalty&per_page=100&page={page}"),
        )
        .await;
        by_page.extend(ids(&p));
    }
    assert_eq!(by_page.len() as i64, total);
    for per_page in [7, 100] {
        let mut by_key = Vec::new();
        let mut uri = format!("/api/v1/publicity?category=penalty&per_page={per_page}");
        loop {
            let (status, p) = get_json(&app, &uri).await;
            assert_eq!(status, StatusCode::OK, "{p}");
            assert_eq!(p["total"].as_i64(), Some(total));
            by_key.extend(ids(&p));
            match p["next_after"].as_str() {
                Some(next) => {
                    uri = format!(
                        "/api/v1/publicity?category=penalty&per_page={per_page}&after={}",
                        urlencode(next)
                    )
                }
                None => break,
            }
        }
        assert_eq!(by_key, by_page, "per_page={per_page}");
    }
    for bad in [
        "after=2026-13-01~x",
        "after=nodate",
        "after=2026-01-01~",
        "page=2&after=2026-01-01~x",
    ] {
        let (status, e) = get_json(&app, &format!("/api/v1/publicity?{bad}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }
}
