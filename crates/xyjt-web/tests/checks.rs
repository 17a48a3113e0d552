//! The credit check at decision points, end to end over the real router and a real store:
//! tokens, maker-checker entries, the answer with its legal reasons, feedback, statistics, and
//! policy versions that change future answers but not past ones.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use chrono::{NaiveDate, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_core::canonical::sha256_hex;
use xyjt_core::ident::Uscc;
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::{Effect, ListPolicy, NameList};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::Store;
use xyjt_web::{AppState, router};

const TOKEN: &str = "xyjt_test_token_for_the_bidding_platform";
const COMPANY: &str = "91350100M000100Y43";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn ev(payload: EventPayload) -> NewEvent {
    NewEvent::new("test", Utc::now(), payload)
}

async fn setup() -> (Arc<dyn Store>, AppState) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("checks-{}.db", uuid::Uuid::now_v7()));
    setup_on(&format!("sqlite://{}", path.display())).await
}

async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    store
        .append(vec![
            ev(EventPayload::SubjectRegistered {
                subject: Subject {
                    id: "s-company".into(),
                    kind: PartyCategory::LegalPerson,
                    name: "示范市长风货运有限公司".into(),
                    uscc: Some(Uscc::parse(COMPANY).unwrap()),
                    org_code: None,
                    reg_no: None,
                    citizen_id: None,
                },
            }),
            ev(EventPayload::ApiTokenIssued {
                token_id: "t1".into(),
                name: "省公共资源交易平台".into(),
                token_hash: sha256_hex(TOKEN.as_bytes()),
                decision_points: vec![],
            }),
        ])
        .await
        .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    (store, state)
}

async fn call(
    state: &AppState,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string()))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn entry(list: NameList, item: &str, code: &str, name: &str) -> ListEntry {
    ListEntry {
        id: new_id(),
        list,
        subject_id: None,
        name: name.into(),
        code: Some(code.into()),
        item_id: item.into(),
        policy_version: 1,
        basis: "在交通建设工程招标投标中弄虚作假".into(),
        deciding_unit: "示范省交通运输厅".into(),
        entry_date: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap(),
        valid_until: NaiveDate::from_ymd_opt(2029, 5, 1),
        source_records: vec![],
        explanation: "test".into(),
    }
}

/// Proposes, reviews (by someone else) and publishes an entry.
async fn list_it(store: &dyn Store, e: ListEntry) {
    let id = e.id.clone();
    store
        .append(vec![
            ev(EventPayload::ListEntryProposed {
                entry: e,
                by: "录入员甲".into(),
            }),
            ev(EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: "审核员乙".into(),
                approved: true,
                comment: "证据充分".into(),
            }),
            ev(EventPayload::ListEntryPublished {
                entry_id: id,
                on: NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
            }),
        ])
        .await
        .unwrap();
}

fn tender(identifier: &str) -> Value {
    json!({"subject": {"identifier": identifier}, "decision_point": "招标投标"})
}

#[tokio::test]
async fn a_tendering_platform_is_answered_with_legal_reasons_and_it_is_on_record() {
    let (store, state) = setup().await;
    tendering_story(store, state).await;
}

/// The same story on PostgreSQL: entries, checks, feedback and policy versions there too.
#[tokio::test]
async fn the_tendering_story_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("the_tendering_story_on_postgres").await
    {
        let (store, state) = setup_on(&pg.url).await;
        tendering_story(store, state).await;
        pg.drop().await;
    }
}

async fn tendering_story(store: Arc<dyn Store>, state: AppState) {
    // No token, a wrong token: refused with the error envelope.
    let (status, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        None,
        Some(tender(COMPANY)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthorized");
    let (status, _) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some("nope"),
        Some(tender(COMPANY)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Nothing listed: allow.
    let (status, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(COMPANY)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["decision"], "allow");
    assert_eq!(body["reasons"], json!([]));
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["decision", "id", "reasons"]);

    // Maker and checker must differ.
    let e = entry(
        NameList::Black,
        "S-BLACK-BID-FRAUD",
        COMPANY,
        "示范市长风货运有限公司",
    );
    let id = e.id.clone();
    store
        .append(vec![ev(EventPayload::ListEntryProposed {
            entry: e.clone(),
            by: "录入员甲".into(),
        })])
        .await
        .unwrap();
    let same = store
        .append(vec![ev(EventPayload::ListEntryReviewed {
            entry_id: id.clone(),
            by: "录入员甲".into(),
            approved: true,
            comment: String::new(),
        })])
        .await;
    assert!(same.unwrap_err().to_string().contains("审核人不能是提出人"));
    // Proposed but not published: still allowed.
    state.refresh_checks().await.unwrap();
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(COMPANY)),
    )
    .await;
    assert_eq!(body["decision"], "allow");
    store
        .append(vec![
            ev(EventPayload::ListEntryReviewed {
                entry_id: id.clone(),
                by: "审核员乙".into(),
                approved: true,
                comment: "证据充分".into(),
            }),
            ev(EventPayload::ListEntryPublished {
                entry_id: id.clone(),
                on: NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
            }),
        ])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();

    // Listed: restrict, with the entry, the measure, its basis, validity and implementing units.
    // The old organisation code inside the USCC finds the same entry.
    for identifier in [COMPANY, "M000100Y4", "91350100-m000100y43"] {
        let (status, body) = call(
            &state,
            "POST",
            "/api/v1/checks",
            Some(TOKEN),
            Some(tender(identifier)),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["decision"], "restrict", "{identifier}: {body}");
    }
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(COMPANY)),
    )
    .await;
    let reason = &body["reasons"][0];
    assert_eq!(reason["list"], "black");
    assert_eq!(reason["entry_id"], id.as_str());
    assert_eq!(reason["measure_id"], "P-BLACK-TENDER");
    assert_eq!(reason["effect"], "restrict");
    assert!(!reason["legal_basis"].as_str().unwrap().is_empty());
    assert_eq!(reason["valid_from"], "2026-05-01");
    assert_eq!(reason["valid_until"], "2029-05-01");
    assert!(!reason["implementing_units"].as_array().unwrap().is_empty());
    let check_id = body["id"].as_str().unwrap().to_string();

    // By name too (traditional characters and full-width brackets do not matter).
    let (_, by_name) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(json!({"subject": {"name": "示范市長風貨運有限公司"}, "decision_point": "招标投标"})),
    )
    .await;
    assert_eq!(by_name["decision"], "restrict");

    // At another decision point the black list asks for review (licensing) or nothing.
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(json!({"subject": {"identifier": COMPANY}, "decision_point": "行政许可"})),
    )
    .await;
    assert_eq!(body["decision"], "review");
    let (status, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(json!({"subject": {"identifier": COMPANY}, "decision_point": "打麻将"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("招标投标")
    );

    // The asking system reports what it did; it is on record with the check.
    let (status, _) = call(
        &state,
        "POST",
        &format!("/api/v1/checks/{check_id}/feedback"),
        Some(TOKEN),
        Some(json!({"applied": false})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not applied needs a reason"
    );
    let (status, _) = call(
        &state,
        "POST",
        &format!("/api/v1/checks/{check_id}/feedback"),
        Some(TOKEN),
        Some(json!({"applied": true, "measure_id": "P-BLACK-TENDER", "note": "已拒绝其投标"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, record) = call(
        &state,
        "GET",
        &format!("/api/v1/checks/{check_id}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(record["check"]["asked_by"], "省公共资源交易平台");
    assert_eq!(record["check"]["decision"], "restrict");
    assert_eq!(record["check"]["policy_version"], 1);
    assert_eq!(record["feedback"]["applied"], true);
    // Another calling system neither reads this check nor reports on it.
    const OTHER: &str = "xyjt_test_token_of_another_system";
    store
        .append(vec![ev(EventPayload::ApiTokenIssued {
            token_id: "t-other".into(),
            name: "某市公共资源交易中心".into(),
            token_hash: sha256_hex(OTHER.as_bytes()),
            decision_points: vec![],
        })])
        .await
        .unwrap();
    let (status, body) = call(
        &state,
        "GET",
        &format!("/api/v1/checks/{check_id}"),
        Some(OTHER),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.get("check").is_none());
    let (status, _) = call(
        &state,
        "POST",
        &format!("/api/v1/checks/{check_id}/feedback"),
        Some(OTHER),
        Some(json!({"applied": true, "note": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, stats) = call(&state, "GET", "/api/v1/checks/stats", Some(TOKEN), None).await;
    let restrict = stats["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["decision"] == "restrict" && r["decision_point"] == "招标投标")
        .unwrap();
    assert_eq!(restrict["asked_by"], "省公共资源交易平台");
    assert_eq!(restrict["with_feedback"], 1);
    assert!(restrict["checks"].as_i64().unwrap() >= 4);

    // A new policy version changes future answers, not past ones.
    let v1 = ListPolicy::builtin();
    let mut items = v1.items.clone();
    let m = items.iter_mut().find(|i| i.id == "P-BLACK-TENDER").unwrap();
    m.effect = Some(Effect::Review);
    let v2 = v1
        .next_version(
            items,
            "信用管理处",
            "2026-05-20T09:00:00+08:00",
            "改为重点审查",
            today(),
        )
        .unwrap();
    assert_eq!(v2.version, 2);
    store
        .append(vec![ev(EventPayload::ListPolicyAdopted { policy: v2 })])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(COMPANY)),
    )
    .await;
    assert_eq!(body["decision"], "review");
    let new_id = body["id"].as_str().unwrap();
    let (_, new_record) = call(
        &state,
        "GET",
        &format!("/api/v1/checks/{new_id}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(new_record["check"]["policy_version"], 2);
    let (_, old_record) = call(
        &state,
        "GET",
        &format!("/api/v1/checks/{check_id}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(old_record["check"]["decision"], "restrict");
    assert_eq!(old_record["check"]["policy_version"], 1);

    assert!(store.verify().await.unwrap().error.is_none());
}

#[tokio::test]
async fn judgment_debtors_are_restricted_at_tendering_and_ended_entries_are_not() {
    let (store, state) = setup().await;
    let debtor = "91110000600037341L";
    let e = entry(
        NameList::External("失信被执行人".into()),
        "S-EXT-JUDGMENT-DEBTOR",
        debtor,
        "示范市某某建设有限公司",
    );
    let entry_id = e.id.clone();
    list_it(store.as_ref(), e).await;
    state.refresh_checks().await.unwrap();
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(debtor)),
    )
    .await;
    assert_eq!(body["decision"], "restrict", "{body}");
    assert_eq!(body["reasons"][0]["list"], "失信被执行人");
    assert_eq!(body["reasons"][0]["measure_id"], "P-EXT-JD-TENDER");
    // Public list page shows it.
    let (_, list) = call(
        &state,
        "GET",
        "/api/v1/lists/%E5%A4%B1%E4%BF%A1%E8%A2%AB%E6%89%A7%E8%A1%8C%E4%BA%BA",
        None,
        None,
    )
    .await;
    assert_eq!(list["total"], 1);

    // Ended by repair: no longer restricted, still in the ledger.
    store
        .append(vec![ev(EventPayload::ListEntryEnded {
            entry_id: entry_id.clone(),
            reason: xyjt_core::listing::EndReason::Repaired,
            on: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
            note: None,
        })])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();
    let (_, body) = call(
        &state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(tender(debtor)),
    )
    .await;
    assert_eq!(body["decision"], "allow");
    assert_eq!(store.events_of(&entry_id).await.unwrap().len(), 4);
}

#[tokio::test]
async fn joint_cases_are_followed_up_and_overdue_units_are_visible() {
    use xyjt_core::cases::JointCase;
    let (store, state) = setup().await;
    let unit_token = "xyjt_test_token_dh";
    store
        .append(vec![
            ev(EventPayload::ApiTokenIssued {
                token_id: "t2".into(),
                name: "东湖市交通运输局".into(),
                token_hash: sha256_hex(unit_token.as_bytes()),
                decision_points: vec![],
            }),
            ev(EventPayload::CaseOpened {
                case: JointCase {
                    id: "case-1".into(),
                    entry_id: "e-1".into(),
                    subject_name: "示范市长风货运有限公司".into(),
                    initiating_unit: "示范省交通运输厅信用管理处".into(),
                    measure_ids: vec!["P-BLACK-TENDER".into()],
                    implementing_units: vec!["东湖市交通运输局".into(), "西岭市交通运输局".into()],
                    opened_on: NaiveDate::from_ymd_opt(2026, 5, 6).unwrap(),
                    due_on: NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(),
                    due_provisional: false,
                    note: String::new(),
                },
            }),
        ])
        .await
        .unwrap();
    // Today (06-01) is past the deadline: both units overdue, the case is flagged.
    let (status, body) = call(
        &state,
        "GET",
        "/api/v1/cases?overdue=true",
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["units"][0]["status"], "overdue");
    // A unit that is not implementing the case may not report on it.
    let (status, _) = call(
        &state,
        "POST",
        "/api/v1/cases/case-1/reports",
        Some(TOKEN),
        Some(json!({"applied": true, "note": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = call(
        &state,
        "POST",
        "/api/v1/cases/case-1/reports",
        Some(unit_token),
        Some(json!({"applied": true, "note": "已限制其参与本市交通工程招标"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["units"][0]["status"], "reported_late");
    assert_eq!(body["units"][1]["status"], "overdue");
    // Reporting twice is refused and changes nothing.
    let (status, _) = call(
        &state,
        "POST",
        "/api/v1/cases/case-1/reports",
        Some(unit_token),
        Some(json!({"applied": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.events_of("case-1").await.unwrap().len(), 2);
}

#[tokio::test]
async fn bidders_are_screened_fuzzily_with_explanations_and_false_positives_are_remembered() {
    let (store, state) = setup().await;
    list_it(
        store.as_ref(),
        entry(
            NameList::Black,
            "S-BLACK-BID-FRAUD",
            COMPANY,
            "示范市长风货运有限公司",
        ),
    )
    .await;
    state.refresh_checks().await.unwrap();
    let body = json!({
        "decision_point": "招标投标",
        "bidders": [
            {"name": "示范市長風貨運有限責任公司"},
            {"identifier": COMPANY},
            {"name": "某某科技咨询服务部"}
        ]
    });
    let (status, res) = call(
        &state,
        "POST",
        "/api/v1/screenings",
        None,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, res2) = call(
        &state,
        "POST",
        "/api/v1/screenings",
        Some(TOKEN),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{res} {res2}");
    let results = res2["results"].as_array().unwrap();
    let fuzzy = &results[0]["hits"][0];
    assert_eq!(fuzzy["list"], "black");
    let score = fuzzy["score"].as_f64().unwrap();
    assert!((0.8..1.0).contains(&score), "{fuzzy}");
    assert!(!fuzzy["explanation"].as_array().unwrap().is_empty());
    assert_eq!(results[1]["hits"][0]["score"], 1.0);
    assert_eq!(results[2]["hits"], json!([]));

    // A person decides the first hit is another company: remembered, not reported again.
    let entry_id = fuzzy["entry_id"].as_str().unwrap().to_string();
    store
        .append(vec![ev(EventPayload::FalsePositiveMarked {
            entry_id,
            query_key: xyjt_app::checks::query_key(Some("示范市長風貨運有限責任公司"), None),
            by: "审核员乙".into(),
            reason: "经核实为同名不同主体".into(),
        })])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();
    let (_, res3) = call(
        &state,
        "POST",
        "/api/v1/screenings",
        Some(TOKEN),
        Some(body),
    )
    .await;
    assert_eq!(res3["results"][0]["hits"], json!([]));
    // Every screening is on record.
    let id = res3["id"].as_str().unwrap();
    let recorded = store.events_of(id).await.unwrap();
    assert_eq!(recorded[0].kind, "screening_answered");
    assert_eq!(
        res3["results"][1]["hits"][0]["score"], 1.0,
        "other queries still hit"
    );
}
