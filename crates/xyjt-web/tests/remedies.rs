//! Objections, credit repair and commitments end to end over the real router and a real store
//! (SQLite, and PostgreSQL when reachable): filing, following by number and query code,
//! handling with deadlines, and what an upheld objection or an approved repair changes on the
//! public profile, in check answers and in the ledger.

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
use xyjt_core::lists::NameList;
use xyjt_core::money::WanYuan;
use xyjt_core::publicity::{PublicityPolicy, publication_for};
use xyjt_core::record::{Party, PenaltyKind, PenaltyRecord, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::Store;
use xyjt_web::{AppState, router};

const TOKEN: &str = "xyjt_test_token_for_the_handling_unit";
const COMPANY: &str = "91350100M000100Y43";
const UNIT: &str = "示范市交通运输综合行政执法支队";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ev(payload: EventPayload) -> NewEvent {
    NewEvent::new("test", Utc::now(), payload)
}

fn penalty(doc_no: &str, decided: &str, fine: &str) -> RecordBody {
    let authority = Uscc::parse("11350100MB00000012").unwrap();
    RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: "示范市长风货运有限公司".into(),
            category: PartyCategory::LegalPerson,
            uscc: Some(Uscc::parse(COMPANY).unwrap()),
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: Some("张三".into()),
            legal_rep_id_type: Some("身份证".into()),
            legal_rep_id_no: Some("11010519491231002X".into()),
            id_type: None,
            id_no: None,
        },
        doc_no: doc_no.into(),
        violation_type: "超限运输".into(),
        facts: "车货总重超过限定标准".into(),
        basis: "《公路安全保护条例》第六十六条".into(),
        kinds: vec![PenaltyKind::Fine],
        content: "罚款人民币2000元".into(),
        fine: Some(WanYuan::parse(fine).unwrap()),
        confiscated: None,
        licence_affected: None,
        decision_date: d(decided),
        valid_until: d("2027-12-31"),
        publicity_until: None,
        authority: UNIT.into(),
        authority_code: authority.clone(),
        source_unit: UNIT.into(),
        source_unit_code: authority,
        remark: None,
    })
}

fn black_entry(record_id: &str) -> ListEntry {
    ListEntry {
        id: new_id(),
        list: NameList::Black,
        subject_id: Some("s-company".into()),
        name: "示范市长风货运有限公司".into(),
        code: Some(COMPANY.into()),
        item_id: "S-BLACK-SERIOUS-PENALTY".into(),
        policy_version: 1,
        basis: "受到严重行政处罚".into(),
        deciding_unit: UNIT.into(),
        entry_date: d("2026-09-01"),
        valid_until: None,
        source_records: vec![record_id.into()],
        explanation: "test".into(),
    }
}

async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    let cal = Calendar::builtin();
    let policy = PublicityPolicy::builtin();
    let mut events = vec![
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
            name: UNIT.into(),
            token_hash: sha256_hex(TOKEN.as_bytes()),
            decision_points: vec![],
        }),
    ];
    // r-old: a general penalty of 2025-11-03, minimum publicity ended 2026-02-03.
    // r-new: of 2026-09-01, minimum publicity until 2026-12-01.
    for (id, doc, decided) in [
        ("r-old", "示交罚〔2025〕88号", "2025-11-03"),
        ("r-new", "示交罚〔2026〕12号", "2026-09-01"),
    ] {
        let body = penalty(doc, decided, "0.2");
        let publication = publication_for(&body, d(decided), &cal, &policy);
        events.push(
            ev(EventPayload::RecordPublished {
                record_id: id.into(),
                subject_id: "s-company".into(),
                body,
                publication: Some(publication),
            })
            .with_subject("s-company"),
        );
    }
    store.append(events).await.unwrap();
    for rid in ["r-old", "r-new"] {
        let e = black_entry(rid);
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
                    comment: "依规列入".into(),
                }),
                ev(EventPayload::ListEntryPublished {
                    entry_id: id,
                    on: d("2026-09-02"),
                }),
            ])
            .await
            .unwrap();
    }
    let mut state = AppState::new(store.clone(), cal).await.unwrap();
    state.today = Some(d("2026-09-28"));
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
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into())),
    )
}

fn on(state: &AppState, day: &str) -> AppState {
    let mut s = state.clone();
    s.today = Some(d(day));
    s
}

async fn check_decision(state: &AppState) -> String {
    state.refresh_checks().await.unwrap();
    let (status, body) = call(
        state,
        "POST",
        "/api/v1/checks",
        Some(TOKEN),
        Some(json!({"subject": {"identifier": COMPANY}, "decision_point": "招标投标"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["decision"].as_str().unwrap().to_string()
}

async fn public_record_ids(state: &AppState) -> Vec<(String, bool)> {
    let (status, body) = call(state, "GET", "/api/v1/subjects/s-company", None, None).await;
    assert_eq!(status, StatusCode::OK);
    body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["under_objection"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

async fn story(store: Arc<dyn Store>, state: AppState) {
    assert_eq!(check_decision(&state).await, "restrict");
    assert_eq!(
        public_record_ids(&state).await,
        vec![("r-new".to_string(), false), ("r-old".to_string(), false)]
    );

    // --- An objection to one field of r-new, filed on paper on 09-28. -----------------------
    let (status, bad) = call(
        &state,
        "POST",
        "/api/v1/objections",
        None,
        Some(json!({"record_id": "r-new", "reason": "金额有误", "claimed": {"colour": "red"}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad["error"]["message"].as_str().unwrap().contains("colour"));
    let (status, bad) = call(
        &state,
        "POST",
        "/api/v1/objections",
        None,
        Some(json!({"record_id": "r-new", "reason": "x", "filed_on": "2026-10-01"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a future filing day: {bad}"
    );
    let (status, filed) = call(
        &state,
        "POST",
        "/api/v1/objections",
        None,
        Some(json!({
            "record_id": "r-new",
            "reason": "罚款金额应为1000元，见缴款凭证",
            "claimed": {"fine": "0.1"},
            "filed_on": "2026-09-28",
            "evidence": [{"file_name": "缴款凭证.pdf", "content_base64": "JVBERi0xLjQK"}]
        })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let keys: Vec<&String> = filed.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["due_on", "number", "query_code"]);
    assert_eq!(
        filed["due_on"], "2026-10-23",
        "15 working days over National Day"
    );
    let number = filed["number"].as_str().unwrap().to_string();
    let code = filed["query_code"].as_str().unwrap().to_string();
    assert!(number.starts_with("YY-20260928-"));

    // Following it: the wrong code reveals nothing, the right one the progress.
    for uri in [
        format!("/api/v1/applications/{number}"),
        format!("/api/v1/applications/{number}?query_code=WRONG234"),
        "/api/v1/applications/YY-20260928-NOSUCH?query_code=X".to_string(),
    ] {
        let (status, body) = call(&state, "GET", &uri, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.get("status").is_none() && body.get("history").is_none());
    }
    let (status, progress) = call(
        &state,
        "GET",
        &format!("/api/v1/applications/{number}?query_code={code}"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(progress["status"], "accepted");
    assert_eq!(progress["due_on"], "2026-10-23");
    assert!(
        progress["due_explanation"]
            .as_str()
            .unwrap()
            .contains("2026-10-01 至 2026-10-07（法定节假日）")
    );
    assert_eq!(progress["history"][0]["action"], "提交申请");
    // The public profile marks the record; the routed unit has it in its inbox.
    assert_eq!(
        public_record_ids(&state).await,
        vec![("r-new".to_string(), true), ("r-old".to_string(), false)]
    );
    let (_, inbox) = call(
        &state,
        "GET",
        &format!("/api/v1/inbox?unit={UNIT}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["reference"] == number.as_str())
    );
    let sha = sha256_hex(b"%PDF-1.4\n");
    let (name, bytes) = store.attachment(&sha).await.unwrap().unwrap();
    assert_eq!(
        (name.as_str(), bytes.as_slice()),
        ("缴款凭证.pdf", b"%PDF-1.4\n".as_slice())
    );

    // Handling: suspended for materials 10-08, resumed 10-12 → due moves to 10-28.
    let step = |action: &str, day: &str, extra: Value| {
        let mut b = json!({"action": action, "on": day});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let later = on(&state, "2026-10-12");
    let uri = format!("/api/v1/workflows/{number}/steps");
    let (status, _) = call(
        &later,
        "POST",
        &uri,
        None,
        Some(step("resume", "2026-10-08", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        &later,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step("resume", "2026-10-08", json!({}))),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not suspended: {body}"
    );
    // Another unit's system may not handle it, and nothing is written.
    const OTHER: &str = "xyjt_test_token_of_another_unit";
    store
        .append(vec![ev(EventPayload::ApiTokenIssued {
            token_id: "t2".into(),
            name: "东湖市交通运输综合行政执法支队".into(),
            token_hash: sha256_hex(OTHER.as_bytes()),
            decision_points: vec![],
        })])
        .await
        .unwrap();
    let head = store.head().await.unwrap().seq;
    let (status, body) = call(
        &later,
        "POST",
        &uri,
        Some(OTHER),
        Some(step("suspend", "2026-10-08", json!({"reason": "x"}))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("无权代表")
    );
    assert_eq!(store.head().await.unwrap().seq, head);
    // Reads need the same scope as writes: the other unit's system neither reads the
    // application nor the handling unit's inbox, nor finds it in its own list.
    let (status, _) = call(
        &later,
        "GET",
        &format!("/api/v1/workflows/{number}"),
        Some(OTHER),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &later,
        "GET",
        &format!("/api/v1/inbox?unit={UNIT}"),
        Some(OTHER),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &later,
        "GET",
        &format!("/api/v1/workflows?unit={UNIT}"),
        Some(OTHER),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, mine) = call(&later, "GET", "/api/v1/workflows", Some(OTHER), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["total"], 0, "{mine}");
    let (status, own) = call(
        &later,
        "GET",
        &format!("/api/v1/workflows/{number}"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let (status, _) = call(
        &later,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step(
            "suspend",
            "2026-10-08",
            json!({"reason": "请补正缴款凭证原件"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, wf) = call(
        &later,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step("resume", "2026-10-12", json!({}))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(wf["due_on"], "2026-10-28");
    assert!(
        wf["due_explanation"]
            .as_str()
            .unwrap()
            .contains("中止期间3个工作日不计")
    );

    // Upheld on 10-14: the record is corrected (a new event), the entry resting on it ends.
    let decided = on(&state, "2026-10-14");
    let (status, body) = call(
        &decided,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step("decide", "2026-10-14", json!({"granted": true}))),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reasons required: {body}"
    );
    let (status, wf) = call(
        &decided,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step(
            "decide",
            "2026-10-14",
            json!({"granted": true, "reasons": "经核实，罚款金额应为1000元，予以更正"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
    assert_eq!(wf["status"], "upheld");
    let sync = wf["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "sync")
        .unwrap();
    // 5 working days from 10-14: 10-15, 10-16, 10-19, 10-20, 10-21.
    assert_eq!(sync["due_on"], "2026-10-21");
    let r = store.record("r-new").await.unwrap().unwrap();
    assert_eq!(r.version, 2);
    let body = serde_json::to_value(&r.body).unwrap();
    assert_eq!(body["fine"], "0.1");
    let history = store.events_of("r-new").await.unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.kind, "record_corrected");
    assert!(last.payload["reason"].as_str().unwrap().contains(&number));
    assert_eq!(
        public_record_ids(&decided).await,
        vec![("r-new".to_string(), false), ("r-old".to_string(), false)],
        "no longer under objection"
    );
    let entries = store.list_entries(Some("black")).await.unwrap();
    let ended: Vec<_> = entries.iter().filter(|e| e.ended.is_some()).collect();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].entry.source_records, vec!["r-new".to_string()]);
    assert_eq!(
        serde_json::to_value(ended[0].ended.unwrap().0).unwrap(),
        "objection_upheld"
    );
    // The exchange adapter has the correction to send to the provincial platform.
    let pending = store
        .outbox(Some(xyjt_store::OutboxChannel::Exchange), true)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].payload["action"], "correct");
    assert_eq!(pending[0].payload["record_id"], "r-new");
    // Still restricted: the entry resting on r-old stands.
    assert_eq!(check_decision(&decided).await, "restrict");

    // --- Credit repair. ---------------------------------------------------------------------
    let (status, refused) = call(
        &decided,
        "POST",
        "/api/v1/repairs",
        None,
        Some(json!({"record_id": "r-new", "reason": "已整改"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "not_eligible");
    let unmet: Vec<&str> = refused["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(unmet, ["min_period"]);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2026-12-02 起方可申请")
    );
    let (_, elig) = call(
        &decided,
        "GET",
        "/api/v1/repairs/eligibility?record_id=r-old",
        None,
        None,
    )
    .await;
    assert_eq!(elig["eligible"], true, "{elig}");
    let (status, filed) = call(
        &decided,
        "POST",
        "/api/v1/repairs",
        None,
        Some(json!({"record_id": "r-old", "reason": "已缴纳罚款并完成整改"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    assert_eq!(filed["due_on"], "2026-10-28", "10 working days from 10-14");
    let repair = filed["number"].as_str().unwrap().to_string();
    // Filing signed the repair commitment, published with the subject.
    let (_, commitments) = call(
        &decided,
        "GET",
        "/api/v1/commitments?subject_id=s-company",
        None,
        None,
    )
    .await;
    assert_eq!(commitments["items"][0]["matter_type"], "信用修复承诺");
    // A second application for the same record is refused while this one is open.
    let (status, again) = call(
        &decided,
        "POST",
        "/api/v1/repairs",
        None,
        Some(json!({"record_id": "r-old", "reason": "x"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&repair)
    );

    let uri = format!("/api/v1/workflows/{repair}/steps");
    let (status, body) = call(
        &decided,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step(
            "decide",
            "2026-10-14",
            json!({"granted": true, "reasons": "x"}),
        )),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "forward first: {body}"
    );
    let day = on(&state, "2026-10-16");
    let (status, _) = call(
        &day,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step("forward", "2026-10-15", json!({"unit": UNIT}))),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, wf) = call(
        &day,
        "POST",
        &uri,
        Some(TOKEN),
        Some(step(
            "decide",
            "2026-10-16",
            json!({"granted": true, "reasons": "已纠正失信行为、履行处罚义务，准予修复"}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
    assert_eq!(wf["status"], "approved");
    // Publicity stopped: the profile no longer lists r-old, the check now allows …
    assert_eq!(
        public_record_ids(&day).await,
        vec![("r-new".to_string(), false)]
    );
    assert_eq!(check_decision(&day).await, "allow");
    // … but the record and everything before are in the ledger, and the chain verifies.
    let r = store.record("r-old").await.unwrap().unwrap();
    let p = r.publication.unwrap();
    assert_eq!(p.repaired_on, Some(d("2026-10-16")));
    assert_eq!(p.public_until, Some(d("2026-10-15")));
    assert_eq!(p.repaired_by.as_deref(), Some(repair.as_str()));
    let kinds: Vec<String> = store
        .events_of("r-old")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["record_published", "record_repaired"]);
    let report = store.verify().await.unwrap();
    assert!(report.error.is_none(), "{:?}", report.error);
    // The record as of 10-15 was still public.
    let (status, _) = call(&day, "GET", "/api/v1/records/r-old", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not public any more");

    // --- Overdue and statistics. --------------------------------------------------------------
    let (_, filed) = call(&state, "POST", "/api/v1/objections", None, Some(json!({"record_id": "r-new", "reason": "当事人名称有误", "claimed": {}, "filed_on": "2026-09-01"}))).await;
    let late = filed["number"].as_str().unwrap().to_string();
    let november = on(&state, "2026-11-02");
    let (_, overdue) = call(
        &november,
        "GET",
        &format!("/api/v1/workflows?overdue=true&unit={UNIT}"),
        Some(TOKEN),
        None,
    )
    .await;
    let numbers: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [late.as_str()]);
    let (_, stats) = call(&november, "GET", "/api/v1/stats/workflows", None, None).await;
    let row = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == UNIT && r["kind"] == "objection")
        .unwrap();
    // Objection 1: answered on time; its sync clock is overdue (never drained); objection 2
    // overdue.
    assert_eq!(row["done_on_time"], 1);
    assert_eq!(row["overdue"], 2);
    assert!((row["on_time_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
}

/// A field is named however the caller has it: the national code (`CF_NR_FK`), the Chinese
/// label (`罚款金额`, `罚款金额（万元）`) or the internal key (`fine`), in `field`, `claimed`
/// and a decision's `corrected`; the ledger keeps the internal key. A name that is no field,
/// or a field of the other layout, or a value that does not fit, is refused naming the field
/// in Chinese.
async fn field_names(store: Arc<dyn Store>, state: AppState) {
    let file = |body: Value| {
        let state = state.clone();
        async move { call(&state, "POST", "/api/v1/objections", None, Some(body)).await }
    };
    let stored = |number: String| {
        let store = store.clone();
        async move {
            let wf = store.application(&number).await.unwrap().unwrap();
            (wf.app.target.field.clone(), wf.app.claimed.clone())
        }
    };
    for (field, claimed) in [
        ("CF_NR_FK", json!({"CF_NR_FK": "0.1"})),
        ("罚款金额", json!({"罚款金额": "0.1"})),
        ("cf_nr_fk", json!({"罚款金额（万元）": "0.1"})),
        ("fine", json!({"fine": "0.1"})),
    ] {
        let (status, filed) = file(json!({
            "record_id": "r-new", "reason": "罚款金额有误", "field": field, "claimed": claimed,
        }))
        .await;
        assert_eq!(status, StatusCode::OK, "{field}: {filed}");
        let (kept_field, kept) = stored(filed["number"].as_str().unwrap().into()).await;
        assert_eq!(kept_field.as_deref(), Some("fine"), "{field}");
        assert_eq!(kept, json!({"fine": "0.1"}), "{field}");
    }
    // Party columns by code or label, kept under `party`.
    let (status, filed) = file(json!({
        "record_id": "r-new", "reason": "名称有误",
        "claimed": {"CF_XDR_MC": "示范市长风物流有限公司", "法定代表人": "李四"},
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{filed}");
    let (_, kept) = stored(filed["number"].as_str().unwrap().into()).await;
    assert_eq!(
        kept,
        json!({"party.name": "示范市长风物流有限公司", "party.legal_rep": "李四"})
    );

    // Refusals name the field in Chinese.
    for (body, expect) in [
        (
            json!({"record_id": "r-new", "reason": "x", "claimed": {"CF_XX": "1"}}),
            "行政处罚信息中没有字段“CF_XX”",
        ),
        (
            json!({"record_id": "r-new", "reason": "x", "field": "XK_XKBH"}),
            "“许可编号”（XK_XKBH）不是行政处罚信息的字段",
        ),
        (
            json!({"record_id": "r-new", "reason": "x", "claimed": {"罚款金额": "一千元"}}),
            "“罚款金额（万元）”的值 \"一千元\" 不合规",
        ),
        (
            json!({"record_id": "r-new", "reason": "x", "claimed": {"fine": "0.1", "CF_NR_FK": "0.2"}}),
            "“罚款金额（万元）”写了不止一次",
        ),
    ] {
        let (status, bad) = file(body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {bad}");
        let message = bad["error"]["message"].as_str().unwrap();
        assert!(message.contains(expect), "{body}: {message}");
    }

    // Upheld with the corrected value named by its Chinese label: the record is corrected.
    let (_, filed) = file(json!({
        "record_id": "r-new", "reason": "罚款金额有误", "claimed": {"CF_NR_FK": "0.1"},
        "filed_on": "2026-09-28",
    }))
    .await;
    let number = filed["number"].as_str().unwrap().to_string();
    let decided = on(&state, "2026-10-14");
    let uri = format!("/api/v1/workflows/{number}/steps");
    let (status, bad) = call(
        &decided,
        "POST",
        &uri,
        Some(TOKEN),
        Some(
            json!({"action": "decide", "on": "2026-10-14", "granted": true,
            "reasons": "核实缴款凭证，异议成立", "corrected": {"罚款": "0.15"}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("行政处罚信息中没有字段“罚款”"),
        "{bad}"
    );
    let (status, wf) = call(
        &decided,
        "POST",
        &uri,
        Some(TOKEN),
        Some(
            json!({"action": "decide", "on": "2026-10-14", "granted": true,
            "reasons": "核实缴款凭证，异议成立", "corrected": {"罚款金额（万元）": "0.15"}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{wf}");
    let r = store.record("r-new").await.unwrap().unwrap();
    let RecordBody::Penalty(p) = &r.body else {
        panic!("a penalty")
    };
    assert_eq!(p.fine, Some(WanYuan::parse("0.15").unwrap()));
    let wf = store.application(&number).await.unwrap().unwrap();
    assert_eq!(
        wf.decision.unwrap().corrected,
        Some(json!({"fine": "0.15"})),
        "the ledger keeps the internal key"
    );
}

#[tokio::test]
async fn objections_name_fields_by_national_code_or_chinese_label() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("field-names-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    field_names(store, state).await;
    if let Some(pg) =
        xyjt_store::testing::PgSchema::create("objections_name_fields_by_national_code").await
    {
        let (store, state) = setup_on(&pg.url).await;
        field_names(store, state).await;
        pg.drop().await;
    }
}

#[tokio::test]
async fn objection_and_repair_change_the_profile_and_checks_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("remedies-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    story(store, state).await;
}

#[tokio::test]
async fn objection_and_repair_on_postgres() {
    if let Some(pg) =
        xyjt_store::testing::PgSchema::create("objection_and_repair_on_postgres").await
    {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state).await;
        pg.drop().await;
    }
}

#[tokio::test]
async fn a_false_commitment_revokes_what_it_obtained_and_proposes_a_watch_entry() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("commitments-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    let (_, templates) = call(&state, "GET", "/api/v1/commitment-templates", None, None).await;
    let types: Vec<&str> = templates["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["matter_type"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"审批告知承诺") && types.contains(&"采购人承诺"));
    let (status, c) = call(
        &state,
        "POST",
        "/api/v1/commitments",
        Some(TOKEN),
        Some(json!({"template_id": "SPGZCN", "subject_id": "s-company", "matter": "道路货物运输经营许可", "unit": UNIT, "obtained_record": "r-new"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["status"], "pending");
    // 60 working days from 09-28 for the fulfilment check.
    assert_eq!(c["fulfilment_check"]["workdays"], 60);
    let id = c["id"].as_str().unwrap();
    let uri = format!("/api/v1/commitments/{id}/checks");
    let (status, _) = call(
        &state,
        "POST",
        &uri,
        Some(TOKEN),
        Some(json!({"fulfilled": false})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a breach needs a note"
    );
    let (status, c) = call(
        &state,
        "POST",
        &uri,
        Some(TOKEN),
        Some(json!({"fulfilled": false, "false_commitment": true, "note": "承诺的停车场地不存在"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["status"], "false");
    let r = store.record("r-new").await.unwrap().unwrap();
    assert_eq!(serde_json::to_value(r.status).unwrap(), "revoked");
    let watch = store.list_entries(Some("watch")).await.unwrap();
    assert_eq!(watch.len(), 1);
    assert_eq!(watch[0].entry.item_id, "S-WATCH-FALSE-COMMITMENT");
    assert_eq!(
        serde_json::to_value(watch[0].status).unwrap(),
        "proposed",
        "reviewed like any proposal"
    );
    let (status, _) = call(
        &state,
        "POST",
        &uri,
        Some(TOKEN),
        Some(json!({"fulfilled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "checked once");
}

#[tokio::test]
async fn the_notices_delivered_with_a_penalty_are_printable_and_masked() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("notices-{}.db", uuid::Uuid::now_v7()));
    let (_store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    let req = Request::builder()
        .uri("/records/r-new/notices")
        .body(Body::empty())
        .unwrap();
    let res = router(state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = String::from_utf8(
        to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    for title in [
        "信用修复告知书",
        "异议告知书",
        "信用修复承诺书",
        "信用合规建议书",
        "示交罚〔2026〕12号",
    ] {
        assert!(html.contains(title), "{title}");
    }
    // The earliest repair day and the deadlines come from the record and the policy.
    assert!(html.contains("自 2026-12-02 起"));
    assert!(html.contains("15个工作日内核实并书面答复"));
    assert!(
        !html.contains("11010519491231002X"),
        "the legal representative's ID is masked"
    );
}
