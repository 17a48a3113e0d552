//! 依申请公开 over HTTP, on the demo data: filing (anonymous, or from paper with a token), the
//! refusals with their field, the statutory rules refused with the article (a late correction,
//! a late extension, an answer without a result row), the 告知书 by number and query code, the
//! console's case page — and the annual report's part 3 counted from the demo's requests, with
//! carry-over into and out of the year and the identity holding.
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

/// A row of the annual report's part 3 by (a part of) its label.
fn row(report: &Value, label: &str) -> Vec<u64> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"].as_str().unwrap().contains(label))
        .unwrap_or_else(|| panic!("{label} in {report}"))["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect()
}

/// A request without any Authorization header.
async fn anon(state: &AppState, body: Value) -> Resp {
    send(
        state,
        axum::http::Request::post("/api/v1/disclosure-requests")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn story(store: Arc<dyn Store>, state: AppState) {
    // --- The annual report counts the demo's requests (columns: 自然人, 商业企业, 科研机构,
    // 社会公益组织, 法律服务机构, 其他, 总计).
    let r = get(&state, "/api/v1/disclosure/annual-report?year=2025", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let y2025 = r.json();
    assert_eq!(row(&y2025, "本年新收"), [2, 1, 0, 0, 1, 0, 4]);
    assert_eq!(row(&y2025, "上年结转"), [0; 7]);
    assert_eq!(row(&y2025, "（一）予以公开"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(row(&y2025, "（二）部分公开"), [0, 1, 0, 0, 0, 0, 1]);
    assert_eq!(row(&y2025, "保护第三方合法权益"), [0, 0, 0, 0, 1, 0, 1]);
    assert_eq!(row(&y2025, "（七）总计"), [1, 1, 0, 0, 1, 0, 3]);
    assert_eq!(row(&y2025, "结转下年度"), [1, 0, 0, 0, 0, 0, 1]);
    let r = get(&state, "/api/v1/disclosure/annual-report?year=2026", "").await;
    let y2026 = r.json();
    assert_eq!(row(&y2026, "本年新收"), [2, 1, 1, 1, 0, 1, 6]);
    assert_eq!(row(&y2026, "上年结转"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(
        row(&y2026, "本机关不掌握相关政府信息"),
        [1, 0, 0, 0, 0, 0, 1]
    );
    assert_eq!(row(&y2026, "属于四类过程性信息"), [0, 0, 1, 0, 0, 0, 1]);
    assert_eq!(row(&y2026, "（六）其他处理/3.其他"), [1, 0, 0, 0, 0, 0, 1]);
    assert_eq!(row(&y2026, "（七）总计"), [2, 0, 1, 0, 0, 0, 3]);
    assert_eq!(row(&y2026, "结转下年度"), [1, 1, 0, 1, 0, 1, 4]);
    // 本年新收 + 上年结转 = 办结总计 + 结转下年度, column by column.
    for report in [&y2025, &y2026] {
        let (a, b, c, d) = (
            row(report, "本年新收"),
            row(report, "上年结转"),
            row(report, "（七）总计"),
            row(report, "结转下年度"),
        );
        for i in 0..7 {
            assert_eq!(a[i] + b[i], c[i] + d[i], "column {i} of {report}");
        }
    }

    // --- Filing.
    let request = |kind: &str, channel: &str| {
        json!({
            "applicant": {"type": kind, "name": "吴测试", "contact": "13612345678"},
            "content": "示范市2026年交通运输行政处罚裁量基准",
            "channel": channel,
        })
    };
    let r = anon(&state, request("个体户", "网络")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("applicant.type"), "{}", r.text);
    let r = anon(&state, request("自然人", "电话")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("\"channel\""), "{}", r.text);
    let r = anon(&state, request("自然人", "网络")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // 20 working days after Friday 2026-11-20 (not counted): 12-18.
    assert_eq!(r.json()["due_on"], "2026-12-18");
    assert!(
        r.json()["number"]
            .as_str()
            .unwrap()
            .starts_with("GK-20261120-")
    );
    let mut paper = request("商业企业", "邮寄");
    paper["received_on"] = json!("2026-09-28");
    let r = anon(&state, paper.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = api(
        &state,
        "POST",
        "/api/v1/disclosure-requests",
        "not-a-token",
        paper.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let office = xyjt_app::accounts::issue_token(store.as_ref(), "示范省交通运输厅", "test")
        .await
        .unwrap();
    let r = api(
        &state,
        "POST",
        "/api/v1/disclosure-requests",
        &office,
        paper,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let filed = r.json();
    // From 09-28: 09-29, 09-30, (National Day) 10-08, 10-09, 10-10 (make-up) … 10-30.
    assert_eq!(filed["due_on"], "2026-10-30");
    let number = filed["number"].as_str().unwrap().to_string();
    let code = filed["query_code"].as_str().unwrap().to_string();

    // --- The statutory rules, refused with the article.
    let steps = format!("/api/v1/workflows/{number}/steps");
    let r = api(
        &state,
        "POST",
        &steps,
        &office,
        json!({"action": "request-correction", "on": "2026-10-20", "reason": "请写明文号"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("第三十条") && r.text.contains("2026-10-13"),
        "{}",
        r.text
    );
    let r = api(
        &state,
        "POST",
        &steps,
        &office,
        json!({"action": "extend", "on": "2026-11-02", "reason": "需调档"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("期限届满前") && r.text.contains("2026-10-30"),
        "{}",
        r.text
    );
    let r = api(
        &state,
        "POST",
        &steps,
        &office,
        json!({"action": "decide", "on": "2026-11-05", "reason": "经审查"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("outcome"), "{}", r.text);
    let r = api(
        &state,
        "POST",
        &steps,
        &office,
        json!({"action": "decide", "on": "2026-11-05", "reason": "该标准经定密为秘密级", "outcome": "1.属于国家秘密"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "answered");

    // --- The answer: progress, the 告知书 (JSON and printable), only with the query code.
    let progress = get(
        &state,
        &format!("/api/v1/applications/{number}?query_code={code}"),
        "",
    )
    .await;
    assert_eq!(progress.json()["decision"]["outcome"], "属于国家秘密");
    let notice = get(
        &state,
        &format!("/api/v1/disclosure-requests/{number}/notice?query_code={code}"),
        "",
    )
    .await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.text);
    let n = notice.json();
    assert_eq!(n["on_time"], false, "answered after 10-30: {n}");
    assert!(n["basis"].as_str().unwrap().contains("第十四条"));
    assert!(n["remedies"].as_str().unwrap().contains("行政复议"));
    assert_eq!(n["row"], "（三）不予公开/1.属于国家秘密");
    assert_eq!(n["fee_yuan"], 0);
    let wrong = get(
        &state,
        &format!("/api/v1/disclosure-requests/{number}/notice?query_code=WRONG"),
        "",
    )
    .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let page = get(
        &state,
        &format!("/disclosure/requests/{number}/notice?query_code={code}"),
        "",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("政府信息公开申请答复告知书") && page.text.contains("第十四条"));
    let page = get(&state, &format!("/disclosure/requests/{number}/notice"), "").await;
    assert!(!page.text.contains("第十四条"), "no query code, no notice");

    // --- Portal form and console.
    let form = get(&state, "/disclosure/requests", "").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("法律服务机构") && form.text.contains("所需政府信息"));
    let (xyc, _) = sign_in(&state, "xyc").await;
    let open = store
        .applications(&xyjt_store::AppQuery {
            kind: Some(xyjt_core::workflow::WorkflowKind::Disclosure),
            open: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let consulting = open
        .iter()
        .find(|a| a.status == xyjt_core::workflow::AppStatus::Consulting)
        .expect("the demo has a request under consultation");
    let page = get(
        &state,
        &format!("/console/applications/{}", consulting.app.number),
        &xyc,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("办理结果") && page.text.contains("收到意见"));
    let page = get(
        &state,
        &format!("/console/applications/{number}/notice"),
        &xyc,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let (clerk, _) = sign_in(&state, "dh-lr").await;
    let page = get(
        &state,
        &format!("/console/applications/{number}/notice"),
        &clerk,
    )
    .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "another unit's request");
}

#[tokio::test]
async fn disclosure_requests_over_http() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("disclosure-requests-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    story(store, state).await;
}

#[tokio::test]
async fn disclosure_requests_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("disclosure_requests_on_postgres").await
    {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state).await;
        pg.drop().await;
    }
}
