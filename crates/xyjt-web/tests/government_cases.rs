//! 政务诚信 casework over HTTP, on the demo data: the rectification case a department's
//! dishonesty record opens (clocks, submissions, the conclusion refused before the report, the
//! draft 通报 naming the overdue department, a 容错 finding withdrawing the case), complaints about
//! departments (filed anonymously with its refusals, answered by the department's system, the
//! reply published without the complainant or the complaint), government commitments (recorded by
//! the department, checked only by a unit above it, a broken one becoming 承诺未履行 with its own
//! case), and the console pages for all of it with their role and scope checks.
//! Runs on SQLite, and on PostgreSQL when `XYJT_TEST_POSTGRES_URL` is set.

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::{Value, json};
use std::sync::Arc;
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    demo_on(url, today()).await
}

/// The demo departments' USCCs by name.
async fn department_code(state: &AppState, name: &str) -> String {
    let list = get(state, "/api/v1/integrity/departments", "").await.json();
    list.as_array()
        .or_else(|| list["departments"].as_array())
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {list}"))["code"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn department(state: &AppState, code: &str) -> Value {
    let r = get(state, &format!("/api/v1/integrity/departments/{code}"), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn story(store: Arc<dyn Store>, state: AppState) {
    let dh = department_code(&state, "东湖市交通运输局").await;
    let xl = department_code(&state, "西岭市交通运输局").await;
    let dh_zf = department_code(&state, "东湖市交通运输综合行政执法支队").await;

    // --- The demo's cases as the public sees them.
    let v = department(&state, &dh).await;
    let cases = v["rectifications"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{v}");
    assert_eq!(cases[0]["topic"], "拖欠账款");
    assert_eq!(cases[0]["overdue"], true, "recorded 117 days ago: {v}");
    let answered = v["complaints_answered"].as_array().unwrap();
    assert_eq!(answered.len(), 1, "{v}");
    assert!(answered[0]["reply"].as_str().unwrap().contains("配套道路"));
    let public = v.to_string();
    for private in ["示范市长风物流有限公司", "13900000000", "招商引资协议约定"]
    {
        assert!(!public.contains(private), "{private} in {public}");
    }
    assert!(
        v["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["status"] == "kept"),
        "{v}"
    );
    let v = department(&state, &dh_zf).await;
    assert_eq!(v["rectifications"][0]["status"], "rectified", "{v}");
    assert_eq!(v["rectifications"][0]["overdue"], false, "{v}");
    let v = department(&state, &xl).await;
    assert!(
        v["commitments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["status"] == "broken"),
        "{v}"
    );
    assert!(
        v["dishonest"].to_string().contains("承诺未履行"),
        "a broken commitment is a dishonesty record: {v}"
    );
    assert_eq!(v["rectifications"].as_array().unwrap().len(), 1, "{v}");

    // --- The draft 通报: internal, and it names the overdue department only.
    let province = xyjt_app::accounts::issue_token(store.as_ref(), "示范省交通运输厅", "test")
        .await
        .unwrap();
    let dh_token = xyjt_app::accounts::issue_token(store.as_ref(), "东湖市交通运输局", "test")
        .await
        .unwrap();
    let xl_token = xyjt_app::accounts::issue_token(store.as_ref(), "西岭市交通运输局", "test")
        .await
        .unwrap();
    let r = get(&state, "/api/v1/integrity/rectifications/bulletin", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api(
        &state,
        "GET",
        "/api/v1/integrity/rectifications/bulletin",
        &province,
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = r.json();
    let named: Vec<&str> = b["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["department"].as_str().unwrap())
        .collect();
    assert!(named.contains(&"东湖市交通运输局"), "{b}");
    assert!(!named.contains(&"东湖市交通运输综合行政执法支队"), "{b}");
    assert!(b["text"].as_str().unwrap().contains("国发〔2016〕76号"));

    // --- A complaint: anonymous, refused with the field, answered by the department.
    let complaint = |department: &str, kind: &str| {
        json!({
            "type": kind,
            "department": department,
            "content": "承诺的公交线路延伸至今未开通",
            "complainant": {"name": "王测试", "contact": "13812345678"},
        })
    };
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/complaints",
        "",
        complaint(&dh, "随便投诉"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("\"type\""), "{}", r.text);
    let company = uscc("91", "GC000001");
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/complaints",
        "",
        complaint(&company, "政务失信投诉"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let mut backdated = complaint(&dh, "政务失信投诉");
    backdated["received_on"] = json!("2026-11-02");
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/complaints",
        "",
        backdated,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/complaints",
        "",
        complaint(&dh, "政务失信投诉"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let filed = r.json();
    let number = filed["number"].as_str().unwrap().to_string();
    assert!(number.starts_with("TS-20261120-"), "{number}");
    // 15 working days after Friday 2026-11-20 (not counted): 12-11.
    assert_eq!(filed["due_on"], "2026-12-11");
    let progress = get(
        &state,
        &format!(
            "/api/v1/applications/{number}?query_code={}",
            filed["query_code"].as_str().unwrap()
        ),
        "",
    )
    .await;
    assert_eq!(progress.status, StatusCode::OK, "{}", progress.text);
    assert_eq!(progress.json()["kind"], "complaint");
    assert_eq!(progress.json()["unit"], "东湖市交通运输局");
    // Another city's system may not answer it.
    let decide = json!({"action": "decide", "granted": false, "reason": "经核实，该线路已纳入明年计划，已电话答复"});
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/workflows/{number}/steps"),
        &xl_token,
        decide.clone(),
    )
    .await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
        "{} {}",
        r.status,
        r.text
    );
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/workflows/{number}/steps"),
        &dh_token,
        decide,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = department(&state, &dh).await;
    let replies = v["complaints_answered"].to_string();
    assert!(replies.contains("已纳入明年计划"), "{replies}");
    assert!(!replies.contains("王测试") && !replies.contains("13812345678"));

    // --- The overdue rectification: the explanation handed in; no conclusion before the report.
    let case = department(&state, &dh).await["rectifications"][0]["number"]
        .as_str()
        .unwrap()
        .to_string();
    let step = |action: &str, clock: Option<&str>, reason: &str| {
        let mut v = json!({"action": action, "reason": reason});
        if let Some(c) = clock {
            v["clock"] = json!(c);
        }
        if action == "decide" {
            v["granted"] = json!(true);
        }
        v
    };
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/workflows/{case}/steps"),
        &dh_token,
        step("submit", Some("explanation"), "书面说明：资金调度不及时"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/workflows/{case}/steps"),
        &dh_token,
        step("decide", None, "整改完成"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("整改报告"), "{}", r.text);
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/workflows/{case}/steps"),
        &dh_token,
        step("submit", Some("explanation"), "again"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

    // --- Commitments: the department records its own; only a unit above checks it.
    let commitment = json!({
        "department": dh,
        "kind": "期限承诺",
        "content": "年底前完成农村公路危桥改造 12 座",
        "published_in": "东交〔2026〕8号",
        "made_on": "2026-03-01",
        "due_on": "2026-11-15",
    });
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/commitments",
        &xl_token,
        commitment.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let mut bad = commitment.clone();
    bad["kind"] = json!("口头承诺");
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/commitments",
        &dh_token,
        bad,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("\"kind\""), "{}", r.text);
    let r = api(
        &state,
        "POST",
        "/api/v1/integrity/commitments",
        &dh_token,
        commitment,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let made = r.json();
    assert_eq!(made["status"], "due_for_check", "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    let finding = json!({"fulfilled": false, "finding": "仅完成 7 座"});
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/integrity/commitments/{id}/check"),
        &dh_token,
        finding.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/integrity/commitments/{id}/check"),
        &province,
        finding.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "broken");
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/integrity/commitments/{id}/check"),
        &province,
        finding,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let v = department(&state, &dh).await;
    assert!(v["dishonest"].to_string().contains("仅完成 7 座"), "{v}");
    let cases = v["rectifications"].as_array().unwrap();
    assert_eq!(cases.len(), 2, "the broken commitment opened a case: {v}");

    // --- A 容错 finding on that record withdraws its case (and the public no longer sees it).
    let record = store
        .integrity_records(Some(v["subject_id"].as_str().unwrap()), None)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.record.category == "commitment-broken" && s.record.facts.contains("7 座"))
        .unwrap();
    let ctx = state.ctx();
    xyjt_app::integrity::propose_tolerance(
        &ctx,
        &record.record.id,
        "因汛期封闭施工窗口，客观原因致进度滞后，已制定补救计划",
        "《关于建立健全容错纠错机制的意见》",
        vec![],
        "纪检员甲",
    )
    .await
    .unwrap();
    xyjt_app::integrity::review_tolerance(&ctx, &record.record.id, "审核员乙", true, "予以容错")
        .await
        .unwrap();
    let v = department(&state, &dh).await;
    assert_eq!(v["rectifications"].as_array().unwrap().len(), 1, "{v}");
    let withdrawn = store
        .applications(&xyjt_store::AppQuery {
            kind: Some(xyjt_core::workflow::WorkflowKind::Rectification),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.app.target.integrity_id.as_deref() == Some(record.record.id.as_str()))
        .unwrap();
    assert_eq!(withdrawn.status, xyjt_core::workflow::AppStatus::Withdrawn);

    // --- The assessment draws on complaints and commitments.
    let results = xyjt_app::integrity::assessment::assess(&ctx, "2026H2")
        .await
        .unwrap();
    let dh_result = results.iter().find(|r| r.code == dh).unwrap();
    let component = |id: &str| {
        dh_result
            .components
            .iter()
            .find(|c| c.indicator == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    // 东湖: one commitment kept (checked 55 days ago), one broken today → 50.
    assert_eq!(
        component("commitments-kept").value.map(|v| v.to_string()),
        Some("50".to_string()),
        "{:?}",
        component("commitments-kept")
    );
    assert!(component("complaints-on-time").value.is_some());

    // --- The console.
    let (xyc, _) = sign_in(&state, "xyc").await;
    let page = get(&state, "/console/integrity/rectifications", &xyc).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("逾期通报（草稿）"), "{}", page.text);
    assert!(page.text.contains("东湖市交通运输局"));
    let (dh_clerk, _) = sign_in(&state, "dh-lr").await;
    let page = get(&state, "/console/integrity/rectifications", &dh_clerk).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("逾期通报"), "a clerk drafts no 通报");
    assert!(page.text.contains("合同违约"), "its own unit's case");
    assert!(
        !page.text.contains("拖欠账款"),
        "not the city bureau's case"
    );
    let page = get(&state, "/console/integrity/assessments", &dh_clerk).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = get(&state, "/console/integrity/assessments?period=2026H2", &xyc).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for label in [
        "政务承诺履约率",
        "政务失信投诉按期答复率",
        "政务公开按期公开率",
        "第三方和社会评价",
    ] {
        assert!(page.text.contains(label), "{label}");
    }
    let (xyc_cookie, xyc_csrf) = sign_in(&state, "xyc").await;
    let r = post(
        &state,
        "/console/integrity/assessments/scores",
        &xyc_cookie,
        &[
            ("csrf", &xyc_csrf),
            ("period", "2026H2"),
            ("code", &dh),
            ("indicator", "public-evaluation"),
            ("value", "88.5"),
            ("note", "第三方评估（测试）"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = get(
        &state,
        "/console/integrity/assessments?period=2026H2",
        &xyc_cookie,
    )
    .await;
    assert!(page.text.contains("第三方评估（测试）"), "{}", page.text);
    let r = post(
        &state,
        "/console/integrity/assessments/scores",
        &xyc_cookie,
        &[
            ("csrf", &xyc_csrf),
            ("period", "2026H2"),
            ("code", &dh),
            ("indicator", "commitments-kept"),
            ("value", "100"),
        ],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "computed, not entered"
    );
    let (sh_cookie, sh_csrf) = sign_in(&state, "dh-sh").await;
    let r = post(
        &state,
        "/console/integrity/assessments/scores",
        &sh_cookie,
        &[
            ("csrf", &sh_csrf),
            ("period", "2026H2"),
            ("code", &dh),
            ("indicator", "public-evaluation"),
            ("value", "10"),
        ],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "a reviewer enters no score"
    );
    // The rectification case page offers the submission form to the department's unit.
    let zf_case = department(&state, &dh_zf).await["rectifications"][0]["number"]
        .as_str()
        .unwrap()
        .to_string();
    let page = get(
        &state,
        &format!("/console/applications/{zf_case}"),
        &dh_clerk,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("政务失信限期整改"), "{}", page.text);
    // The portal: the complaint form lists the departments; the department page its cases.
    let form = get(&state, "/integrity/complaints", "").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("东湖市交通运输局") && form.text.contains("12328诉求"));
    let page = get(&state, &format!("/integrity/departments/{dh}"), "").await;
    assert!(page.text.contains("限期整改") && page.text.contains("逾期"));
    assert!(page.text.contains("已纳入明年计划"));
    assert!(!page.text.contains("王测试"));
}

#[tokio::test]
async fn government_cases_over_http() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("government-cases-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    story(store, state).await;
}

#[tokio::test]
async fn government_cases_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("government_cases_on_postgres").await {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state).await;
        pg.drop().await;
    }
}
