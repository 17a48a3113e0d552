//! 政务公开 over HTTP, on the demo data: the annual report's JSON shape on a year with no
//! requests (zeros, identity holding), the public catalogue (only published, 主动公开 items; no
//! staff name), search, an item's page, the Atom feed, the printable report and its XLSX; the
//! console: drafting with an attachment, a negative-list hit refused with its reason, scope (a
//! unit's staff read only their own items), the sign-off only by the bureau office's reviewer,
//! nothing public before it; comments on a draft decision; page snapshots. Runs on SQLite, and
//! the story on PostgreSQL when `XYJT_TEST_POSTGRES_URL` is set.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::json;
use std::sync::Arc;
use xyjt_core::calendar::Calendar;
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    let policies = xyjt_core::policies::Policies::builtin_ref();
    xyjt_app::demo::seed(store.as_ref(), policies, today())
        .await
        .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    state.search_limit = None;
    (store, state)
}

async fn sqlite(name: &str) -> (Arc<dyn Store>, AppState) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("disclosure-{name}-{}.db", uuid::Uuid::now_v7()));
    setup_on(&format!("sqlite://{}", path.display())).await
}

/// A multipart draft form with an optional attachment.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, Vec<u8>) {
    let boundary = "----xyjtboundaryDisclosure0123";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, content)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n{content}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn draft(
    state: &AppState,
    cookie: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str)>,
) -> Resp {
    let (ct, body) = multipart(fields, file);
    send(
        state,
        Request::post("/console/disclosure")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn id_of(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location()
        .strip_prefix("/console/disclosure/items/")
        .unwrap()
        .to_string()
}

/// Item ids (UUID v7) replaced for snapshots.
fn redact(s: &str) -> String {
    let re = regex::Regex::new(r"DI-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
        .unwrap();
    re.replace_all(s, "DI-[id]").replace("><", ">\n<")
}

#[tokio::test]
async fn the_annual_report_answers_the_official_table_on_an_empty_year() {
    let (_store, state) = sqlite("report").await;
    // The demo's requests are of last year and this one; 2024 has none.
    let r = get(&state, "/api/v1/disclosure/annual-report?year=2024", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["columns", "rows", "year"]);
    assert_eq!(v["year"], 2024);
    assert_eq!(
        v["columns"],
        json!([
            "自然人",
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
            "总计"
        ])
    );
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 25);
    for row in rows {
        assert_eq!(row.as_object().unwrap().len(), 2);
        assert_eq!(row["values"], json!([0, 0, 0, 0, 0, 0, 0]), "{row}");
    }
    let labels: Vec<&str> = rows.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels[0], "一、本年新收政府信息公开申请数量");
    assert!(labels.contains(&"（三）不予公开/1.属于国家秘密"));
    assert!(labels.contains(&"（四）无法提供/3.补正后申请内容仍不明确"));
    assert!(labels.contains(&"（五）不予处理/2.重复申请"));
    assert_eq!(labels[23], "（七）总计");
    assert_eq!(labels[24], "四、结转下年度继续办理");
    let bad = get(&state, "/api/v1/disclosure/annual-report?year=1999", "").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);

    // The printable page and the spreadsheet.
    let page = get(&state, "/disclosure/annual-report?year=2026", "").await;
    assert_eq!(page.status, StatusCode::OK);
    for s in [
        "三、收到和处理政府信息公开申请情况",
        "1.属于国家秘密",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "四、结转下年度继续办理",
        "行政规范性文件",
        "四、政府信息公开行政复议、行政诉讼情况",
        "本部分数据为 0",
    ] {
        assert!(page.text.contains(s), "{s}");
    }
    let xlsx = send(
        &state,
        Request::get("/disclosure/annual-report.xlsx?year=2026")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.text.starts_with("PK"), "a zip file");
    insta::assert_snapshot!("disclosure_annual_report_page", redact(&page.text));
}

async fn story(store: Arc<dyn Store>, state: AppState, snapshot: bool) {
    let _ = store;
    // The public catalogue: the demo's published items, newest first, none of staff.
    let list = get(&state, "/api/v1/disclosure/items", "").await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 20, "one per column and the open consultation");
    assert!(
        !list.text.contains("user:"),
        "no staff login in public views"
    );
    assert!(!list.text.contains("dh-lr") && !list.text.contains("dh-bgs"));
    assert!(
        !list.text.contains("权力清单调整情况"),
        "a draft is not public"
    );
    assert!(
        !list.text.contains("规划执行情况"),
        "a returned item is not public"
    );
    let first = &items[0];
    for key in [
        "index_no",
        "category",
        "publisher",
        "written_on",
        "published_on",
        "doc_no",
        "keywords",
        "title",
        "summary",
        "validity",
        "openness",
    ] {
        assert!(first.get(key).is_some(), "{key}");
    }
    assert!(
        items.iter().all(|i| i["index_no"]
            .as_str()
            .unwrap()
            .starts_with("11370101/2026-")),
        "{items:?}"
    );
    let repealed = items.iter().find(|i| i["column"] == "规范性文件").unwrap();
    assert_eq!(repealed["validity"], "废止");
    assert_eq!(repealed["cleanups"][0]["decision"], "废止");
    let search = get(
        &state,
        &format!("/api/v1/disclosure/items?q={}", enc("PPP")),
        "",
    )
    .await;
    assert_eq!(search.json().as_array().unwrap().len(), 1);
    let by_cat = get(
        &state,
        &format!("/api/v1/disclosure/items?category={}", enc("管理公开")),
        "",
    )
    .await;
    assert_eq!(by_cat.json().as_array().unwrap().len(), 4);
    let unknown = get(&state, "/api/v1/disclosure/items?column=nope", "").await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The portal.
    let guide = get(&state, "/disclosure", "").await;
    assert_eq!(guide.status, StatusCode::OK);
    assert!(guide.text.contains("政府信息公开指南"));
    assert!(guide.text.contains("权力清单和责任清单"));
    let catalogue = get(
        &state,
        &format!("/disclosure/catalogue?q={}", enc("政策解读")),
        "",
    )
    .await;
    assert!(catalogue.text.contains("（1 条）"), "{}", catalogue.text);
    let feed = get(&state, "/disclosure/feed.atom", "").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    assert_eq!(feed.text.matches("<entry>").count(), 20);
    assert!(!feed.text.contains("user:"));

    // Drafting in the console: a negative-list hit is refused with its reason.
    let (clerk, csrf) = sign_in(&state, "dh-lr").await;
    let base = |title: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("column", "policy-interpretation".to_string()),
            ("title", title.to_string()),
            ("written_on", "2026-11-16".to_string()),
            ("keywords", "信用 解读".to_string()),
            ("summary", "解读要点".to_string()),
            ("openness", "主动公开".to_string()),
            ("deadline_from", "2026-11-16".to_string()),
        ]
    };
    let fields = base("关于信用管理办法的政策解读（测试）");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let hit = draft(
        &state,
        &clerk,
        &refs,
        Some(("附件.txt", "联系人手机 13912345678")),
    )
    .await;
    assert_eq!(
        hit.status,
        StatusCode::OK,
        "the form again, with the reason"
    );
    assert!(hit.text.contains("负面清单"), "{}", hit.text);
    assert!(hit.text.contains("139****5678"));
    assert!(!hit.text.contains("13912345678"));
    let missing_start: Vec<(&str, &str)> = refs
        .iter()
        .filter(|(k, _)| *k != "deadline_from")
        .copied()
        .collect();
    let r = draft(&state, &clerk, &missing_start, None).await;
    assert!(r.text.contains("所解读文件公开之日"), "{}", r.text);
    let r = draft(
        &state,
        &clerk,
        &refs,
        Some(("解读.txt", "解读全文（测试）")),
    )
    .await;
    let id = id_of(&r);

    // Not public before the sign-off.
    for uri in [
        format!("/api/v1/disclosure/items/{id}"),
        format!("/disclosure/items/{id}"),
    ] {
        assert_eq!(
            get(&state, &uri, "").await.status,
            StatusCode::NOT_FOUND,
            "{uri}"
        );
    }
    let list = get(&state, "/api/v1/disclosure/items", "").await;
    assert!(!list.text.contains("关于信用管理办法的政策解读"));

    // Scope: another unit's staff neither sees nor signs it.
    let (xl_clerk, _) = sign_in(&state, "xl-lr").await;
    let other = get(
        &state,
        &format!("/console/disclosure/items/{id}"),
        &xl_clerk,
    )
    .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    let other_list = get(&state, "/console/disclosure", &xl_clerk).await;
    assert!(!other_list.text.contains("关于信用管理办法的政策解读"));
    let mine = get(&state, &format!("/console/disclosure/items/{id}"), &clerk).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.text.contains("待保密审查"));
    assert!(mine.text.contains("期限为 2026-11-19"), "{}", mine.text);
    assert!(
        !mine.text.contains("id=\"sign-off\""),
        "the drafter cannot sign"
    );
    let sign = |who: (String, String)| {
        let id = id.clone();
        let state = state.clone();
        async move {
            post(
                &state,
                &format!("/console/disclosure/items/{id}/sign-off"),
                &who.0,
                &[
                    ("csrf", &who.1),
                    ("decision", "approve"),
                    ("conclusion", ""),
                ],
            )
            .await
        }
    };
    let r = sign((clerk.clone(), csrf.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a clerk: {}", r.text);
    let r = sign(sign_in(&state, "dh-sh").await).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "not the bureau's office: {}",
        r.text
    );
    assert!(r.text.contains("局办公室"), "{}", r.text);
    let r = sign(sign_in(&state, "xl-sh").await).await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "another bureau: {}",
        r.text
    );

    // The office's inbox lists it; the sign-off publishes it with the next index number.
    let office = sign_in(&state, "dh-bgs").await;
    let inbox = get(&state, "/console/disclosure", &office.0).await;
    assert!(inbox.text.contains("id=\"inbox\""));
    assert!(inbox.text.contains("关于信用管理办法的政策解读"));
    let r = sign(office.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let public = get(&state, &format!("/api/v1/disclosure/items/{id}"), "").await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    let p = public.json();
    assert_eq!(p["index_no"], "11370101/2026-00021");
    assert_eq!(p["published_on"], "2026-11-20");
    assert_eq!(p["attachments"][0]["file_name"], "解读.txt");
    let sha = p["attachments"][0]["sha256"].as_str().unwrap().to_string();
    let file = get(&state, &format!("/disclosure/items/{id}/files/{sha}"), "").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.text, "解读全文（测试）");
    let page = get(&state, &format!("/disclosure/items/{id}"), "").await;
    assert!(page.text.contains("11370101/2026-00021"));
    assert!(!page.text.contains("dh-lr") && !page.text.contains("dh-bgs"));
    let again = sign(office.clone()).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "signed off once");
    // Late: due 2026-11-19, published 2026-11-20.
    let mine = get(&state, &format!("/console/disclosure/items/{id}"), &clerk).await;
    assert!(mine.text.contains("逾期公开"), "{}", mine.text);
    let rates = get(&state, "/api/v1/disclosure/on-time", "").await.json();
    assert!(
        rates["units"][0]["done_late"].as_u64().unwrap() >= 2,
        "{rates}"
    );

    // Comments on the open draft decision.
    let open = items
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains("征求意见稿"))
        .unwrap();
    let open_id = open["id"].as_str().unwrap();
    assert_eq!(open["comments_received"], 1);
    let r = post(
        &state,
        &format!("/disclosure/items/{open_id}/comments"),
        "",
        &[("text", "建议公布信用等级评定标准。")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/disclosure/items/{open_id}/comments"),
        "",
        json!({"text": "同意。"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["comments_received"], 3);
    let closed = items
        .iter()
        .find(|i| i["adoption"].is_object())
        .expect("the demo's closed consultation");
    let r = api(
        &state,
        "POST",
        &format!(
            "/api/v1/disclosure/items/{}/comments",
            closed["id"].as_str().unwrap()
        ),
        "",
        json!({"text": "晚了"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/disclosure/items/{id}/comments"),
        "",
        json!({"text": "不是征求意见稿"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The demo's returned item is redrafted (same id, its attachments kept) and back in review.
    let list = get(&state, "/console/disclosure", &clerk).await;
    let re = regex::Regex::new(
        r#"href="/console/disclosure/items/(DI-[0-9a-f-]+)">东湖市综合交通运输发展规划执行情况"#,
    )
    .unwrap();
    let returned = re.captures(&list.text).expect("the returned item")[1].to_string();
    let page = get(
        &state,
        &format!("/console/disclosure/items/{returned}"),
        &clerk,
    )
    .await;
    assert!(page.text.contains("退回修改") && page.text.contains("id=\"redraft-link\""));
    let form = get(
        &state,
        &format!("/console/disclosure?redraft={returned}"),
        &clerk,
    )
    .await;
    assert!(
        form.text
            .contains(&format!("name=\"item_id\" value=\"{returned}\""))
    );
    let r = draft(
        &state,
        &clerk,
        &[
            ("csrf", csrf.as_str()),
            ("item_id", returned.as_str()),
            ("column", "execution-progress"),
            ("title", "东湖市综合交通运输发展规划执行情况（核实后）"),
            ("written_on", "2026-11-19"),
            ("summary", "规划中期执行情况，数据已经统计部门核定。"),
        ],
        None,
    )
    .await;
    assert_eq!(id_of(&r), returned);
    let inbox = get(&state, "/console/disclosure", &office.0).await;
    assert!(inbox.text.contains("（核实后）"));
    let r = draft(
        &state,
        &clerk,
        &[
            ("csrf", csrf.as_str()),
            ("item_id", returned.as_str()),
            ("column", "execution-progress"),
            ("title", "再次起草"),
            ("written_on", "2026-11-19"),
            ("summary", "不在退回状态"),
        ],
        None,
    )
    .await;
    assert!(r.text.contains("不能重新起草"), "{}", r.text);

    // Last year's report was published by the province's office (the demo); this year's cannot
    // be yet, and only that office publishes.
    let page = get(&state, "/disclosure/annual-report?year=2025", "").await;
    assert!(
        page.text.contains("本报告已于 2026-01-20 发布"),
        "{}",
        page.text
    );
    let page = get(&state, "/disclosure/annual-report?year=2026", "").await;
    assert!(page.text.contains("尚未发布"));
    let r = post(
        &state,
        "/console/disclosure/report/publish",
        &office.0,
        &[("csrf", &office.1), ("year", "2025")],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "not the reporting body's office"
    );
    let (sf, sf_csrf) = sign_in(&state, "sf-bgs").await;
    let preview = get(&state, "/console/disclosure/report?year=2025", &sf).await;
    assert!(
        !preview.text.contains("id=\"publish\""),
        "published already"
    );
    let r = post(
        &state,
        "/console/disclosure/report/publish",
        &sf,
        &[("csrf", &sf_csrf), ("year", "2025")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = post(
        &state,
        "/console/disclosure/report/publish",
        &sf,
        &[("csrf", &sf_csrf), ("year", "2026")],
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the year has not ended"
    );
    let preview = get(&state, "/console/disclosure/report?year=2024", &sf).await;
    assert!(preview.text.contains("id=\"publish\""));
    let r = post(
        &state,
        "/console/disclosure/report/publish",
        &sf,
        &[("csrf", &sf_csrf), ("year", "2024")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let api_2024 = get(&state, "/api/v1/disclosure/annual-report?year=2024", "").await;
    assert_eq!(api_2024.json()["rows"].as_array().unwrap().len(), 25);

    if snapshot {
        let guide = get(&state, "/disclosure", "").await;
        insta::assert_snapshot!("disclosure_guide_page", redact(&guide.text));
        let console = get(&state, "/console/disclosure", &office.0).await;
        insta::assert_snapshot!(
            "disclosure_console_office",
            redact(&console.text).replace(&office.1, "[csrf]")
        );
    }
}

#[tokio::test]
async fn disclosure_over_http() {
    let (store, state) = sqlite("story").await;
    story(store, state, true).await;
}

#[tokio::test]
async fn disclosure_over_http_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("disclosure_on_postgres").await {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state, false).await;
        pg.drop().await;
    }
}

#[tokio::test]
async fn anonymous_comments_are_capped_with_the_other_filings() {
    let (_store, mut state) = sqlite("cap").await;
    let mut limits = state.policies.limits.clone();
    limits.anonymous_filings_per_day = 1;
    state.filings = xyjt_web::throttle::FilingCap::new(&limits);
    let list = get(&state, "/api/v1/disclosure/items", "").await.json();
    let open = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"].as_str().unwrap().contains("征求意见稿"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let uri = format!("/api/v1/disclosure/items/{open}/comments");
    let r = api(&state, "POST", &uri, "", json!({"text": " "})).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a refused comment does not count"
    );
    let r = api(&state, "POST", &uri, "", json!({"text": "建议一"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = api(&state, "POST", &uri, "", json!({"text": "建议二"})).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let r = post(
        &state,
        &format!("/disclosure/items/{open}/comments"),
        "",
        &[("text", "建议三")],
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("今日已达上限"));
}
