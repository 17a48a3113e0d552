//! Government integrity over HTTP: only a token naming a personnel decision point may ask about
//! a civil servant there, and the answer cites the record; a department's public view; and no
//! public page or endpoint shows a civil servant's ID number.

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use xyjt_app::integrity::{self as gi, RecordInput, RegistrationInput};
use xyjt_core::calendar::Calendar;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::lists::DecisionPoint;
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::{api, citizen, uscc};

const PLAIN: &str = "xyjt_test_plain_token";
const PERSONNEL: &str = "xyjt_test_personnel_token";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, String) {
    let r = common::get(state, uri, "").await;
    (r.status, r.text)
}

async fn check(state: &AppState, token: &str, code: &str, point: &str) -> (StatusCode, Value) {
    let body = json!({"subject": {"identifier": code}, "decision_point": point});
    let r = api(state, "POST", "/api/v1/checks", token, body).await;
    (
        r.status,
        serde_json::from_str(&r.text).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn personnel_checks_need_a_scoped_token_and_civil_servants_stay_internal() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("integrity-web-{}.db", uuid::Uuid::now_v7()));
    let store: Arc<dyn Store> = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let policies = xyjt_core::policies::Policies::builtin_ref();
    xyjt_app::demo::seed(store.as_ref(), policies, today())
        .await
        .unwrap();
    let ctx = xyjt_app::Ctx::with_policies(store.as_ref(), policies, today());
    let dept = uscc("11", "MB000009");
    let civil = citizen("19820304", "123");
    for (kind, name, code, unit) in [
        ("部门", "示范市港航管理局（演示）", dept.as_str(), None),
        (
            "公务人员",
            "王五",
            civil.as_str(),
            Some("示范市港航管理局（演示）"),
        ),
    ] {
        let input = RegistrationInput {
            kind: kind.into(),
            name: name.into(),
            code: code.into(),
            unit: unit.map(str::to_string),
            post: None,
        };
        let s = gi::propose_registration(&ctx, &input, "a").await.unwrap();
        gi::review_registration(&ctx, &s.registration.id, "b", true, "")
            .await
            .unwrap();
    }
    let record = |archive: &str, code: &str, category: &str, sanction: Option<&str>, doc: &str| {
        RecordInput {
            archive: archive.into(),
            code: code.into(),
            category: category.into(),
            nature: "失信".into(),
            sanction: sanction.map(str::to_string),
            doc_no: doc.into(),
            decided_on: "2026-09-01".parse().unwrap(),
            deciding_unit: "示范市纪委监委".into(),
            facts: "违规发放津补贴".into(),
            basis: "《中华人民共和国公职人员政务处分法》第三十九条".into(),
        }
    };
    gi::record(
        &ctx,
        &record(
            "公务人员",
            &civil,
            "纪律处分",
            Some("记过"),
            "示纪〔2026〕21号",
        ),
        "t",
        "t",
    )
    .await
    .unwrap();
    gi::record(
        &ctx,
        &record("部门", &dept, "拖欠农民工工资", None, "示人社〔2026〕5号"),
        "t",
        "t",
    )
    .await
    .unwrap();
    store
        .append(
            [
                (PLAIN, vec![]),
                (
                    PERSONNEL,
                    vec![DecisionPoint::Hiring, DecisionPoint::Promotion],
                ),
            ]
            .into_iter()
            .map(|(token, points)| {
                NewEvent::new(
                    "test",
                    Utc::now(),
                    EventPayload::ApiTokenIssued {
                        token_id: token.into(),
                        name: "示范市组织人事系统".into(),
                        token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
                        decision_points: points,
                    },
                )
            })
            .collect(),
        )
        .await
        .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    state.search_limit = None;

    // A token without the personnel decision point is refused; one naming it is answered,
    // restricted, citing the record.
    let (status, body) = check(&state, PLAIN, &civil, "干部选拔任用").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");
    let (status, body) = check(&state, PERSONNEL, &civil, "干部选拔任用").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "restrict");
    let reasons = body["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| {
        r["entry_basis"]
            .as_str()
            .unwrap()
            .contains("示纪〔2026〕21号")
    }));
    // The personnel token is limited to its points.
    let (status, _) = check(&state, PERSONNEL, &civil, "招标投标").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Other decision points are as before for the plain token.
    let (status, body) = check(&state, PLAIN, &dept, "评优评先").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["decision"], "restrict", "{body}");

    // A department's records are public; a civil servant has no public view.
    let (status, text) = get(&state, &format!("/api/v1/integrity/departments/{dept}")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("示人社〔2026〕5号"));
    let (status, text) = get(&state, &format!("/integrity/departments/{dept}")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("示人社〔2026〕5号"));
    let (_, text) = get(&state, "/integrity/publicity").await;
    assert!(text.contains("示人社〔2026〕5号"));
    let (status, _) = get(&state, &format!("/api/v1/integrity/departments/{civil}")).await;
    assert_ne!(status, StatusCode::OK);

    // The demo's published assessment bulletin is on the portal, with every component.
    let (status, text) = get(&state, "/integrity/assessments").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("政务诚信考核通报") && text.contains("折算权重"));
    assert!(text.contains("双公示合规率") && text.contains("东湖市交通运输局"));
    let (status, text) = get(&state, "/integrity/assessments?period=2019H1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(text.contains("尚未发布"), "{text}");

    // No public page or endpoint shows the civil servant's ID number (or the archive).
    let subject = store
        .subject_by_code(&xyjt_core::ident::check(&civil).result.unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut pages = vec![
        "/".to_string(),
        "/?q=王五".into(),
        "/api/v1/subjects?q=王五".into(),
        format!("/api/v1/subjects/{}", subject.id),
        format!("/subjects/{}", subject.id),
        "/publicity".into(),
        "/lists/black".into(),
        "/api/v1/lists/black".into(),
        "/evaluation".into(),
        "/inspection/draws".into(),
        format!("/api/v1/integrity/departments/{dept}"),
        "/api/v1/integrity/departments".into(),
        "/integrity".into(),
        "/integrity/publicity".into(),
        "/integrity/assessments".into(),
        format!("/integrity/departments/{dept}"),
        format!("/integrity/departments/{civil}"),
    ];
    pages.push(format!("/api/v1/subjects?q={civil}"));
    for uri in &pages {
        let (status, text) = get(&state, uri).await;
        assert!(
            status.is_success() || status == StatusCode::NOT_FOUND,
            "{uri}: {status}"
        );
        assert!(
            !text.contains(&civil),
            "{uri} shows the civil servant's ID number"
        );
        assert!(
            !text.contains("示纪〔2026〕21号"),
            "{uri} shows the civil servant's archive"
        );
    }
}
