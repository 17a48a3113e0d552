//! Credit evaluation and 双随机一公开 over HTTP, on the demo data: a run started in the console,
//! refused to its proposer's review, approved by another reviewer, published, then on the portal,
//! in the API and on the subject's profile — natural persons masked, unpublished results 404; a
//! draw made in the console, a task's result recorded (and refused to another unit), the
//! announcements and results public; the coverage page; the same run/review/publish with API
//! tokens. Runs on SQLite, and on PostgreSQL when `XYJT_TEST_POSTGRES_URL` is set.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use serde_json::Value;
use std::sync::Arc;
use xyjt_core::account::{Account, Role};
use xyjt_core::calendar::Calendar;
use xyjt_core::inspection::Inspector;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::*;

const PRACTITIONER: &str = "road-transport-practitioner";
/// A token named after the provincial credit office (SF-XY) and one after the department (SF).
const OFFICE_TOKEN: &str = "xyjt_test_token_credit_office";
const DEPT_TOKEN: &str = "xyjt_test_token_department";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// The demo data, plus a reviewer of the credit office (SF-XY), a lead who is both credit
/// administrator and reviewer there, two API tokens, and an inspector pool for 东湖 (DH-ZF).
async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    let policies = xyjt_core::policies::Policies::builtin_ref();
    xyjt_app::demo::seed(store.as_ref(), policies, today())
        .await
        .unwrap();
    let mut events: Vec<NewEvent> = [
        ("xy-sh", "信用管理处审核员", vec![Role::Reviewer]),
        (
            "xy-lead",
            "信用管理处负责人",
            vec![Role::CreditAdmin, Role::Reviewer],
        ),
    ]
    .into_iter()
    .map(|(login, name, roles)| {
        xyjt_app::accounts::account_event(
            "test",
            Account {
                login: login.into(),
                name: name.into(),
                unit_id: "SF-XY".into(),
                roles,
                disabled: false,
            },
            PASSWORD,
        )
    })
    .collect();
    for (id, name, token) in [
        ("t-office", "示范省交通运输厅信用管理处", OFFICE_TOKEN),
        ("t-dept", "示范省交通运输厅", DEPT_TOKEN),
    ] {
        events.push(NewEvent::new(
            "test",
            Utc::now(),
            EventPayload::ApiTokenIssued {
                token_id: id.into(),
                name: name.into(),
                token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
                decision_points: vec![],
            },
        ));
    }
    store.append(events).await.unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    state.search_limit = None;
    let inspectors = (1..=6)
        .map(|n| Inspector {
            id: format!("DH-ZF-{n:02}"),
            name: format!("东湖检查员{n}"),
            unit: "DH-ZF".into(),
            avoid_code: None,
        })
        .collect();
    xyjt_app::inspection::set_pool(&state.ctx(), "DH-ZF", inspectors, "test")
        .await
        .unwrap();
    (store, state)
}

async fn setup_sqlite(name: &str) -> (Arc<dyn Store>, AppState) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    setup_on(&format!("sqlite://{}", path.display())).await
}

/// The natural persons' results of a run: (result id, subject id, full name, citizen ID).
async fn person_results(store: &dyn Store, run_id: &str) -> Vec<(String, String, String, String)> {
    let page = store
        .eval_results(&xyjt_store::EvalResultQuery {
            run_id: Some(run_id.into()),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap();
    page.items
        .iter()
        .filter(|s| s.result.natural_person)
        .map(|s| {
            (
                s.result.id.clone(),
                s.result.subject_id.clone(),
                s.result.subject_name.clone(),
                s.result.subject_code.clone().unwrap_or_default(),
            )
        })
        .collect()
}

async fn story(store: Arc<dyn Store>, state: AppState) {
    // --- Start a run in the console (the lead of the credit office). ---
    let (lead, lead_csrf) = sign_in(&state, "xy-lead").await;
    let page = get(&state, "/console/evaluation", &lead).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("道路运输从业人员信用评价（示例）"),
        "{}",
        page.text
    );
    // A clerk's reviewer of another unit may not start one for … a reviewer may not at all.
    let (xl_sh, xl_sh_csrf) = sign_in(&state, "xl-sh").await;
    let r = post(
        &state,
        "/console/evaluation/runs",
        &xl_sh,
        &[
            ("csrf", &xl_sh_csrf),
            ("model", PRACTITIONER),
            ("period", "2026"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("发起信用评价"), "{}", r.text);
    // Without the session's CSRF token: refused.
    let r = post(
        &state,
        "/console/evaluation/runs",
        &lead,
        &[("model", PRACTITIONER), ("period", "2026")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The demo has last year's runs of every model and this year's road transport run.
    let before = store.eval_runs(None).await.unwrap().len();
    assert!(
        !store
            .eval_runs(Some(PRACTITIONER))
            .await
            .unwrap()
            .iter()
            .any(|r| r.run.period == "2026")
    );
    let r = post(
        &state,
        "/console/evaluation/runs",
        &lead,
        &[
            ("csrf", &lead_csrf),
            ("model", PRACTITIONER),
            ("period", "2026"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let run_link = r.location();
    let runs = store.eval_runs(None).await.unwrap();
    assert_eq!(runs.len(), before + 1);
    let mine = runs
        .iter()
        .find(|r| r.proposed_by == "user:xy-lead")
        .unwrap();
    let run_id = mine.run.id.clone();
    assert_eq!(run_link, format!("/console/evaluation/runs/{run_id}"));
    assert_eq!(
        (mine.run.model_id.as_str(), mine.run.period.as_str()),
        (PRACTITIONER, "2026")
    );
    assert!(mine.run.subjects > 0);
    let persons = person_results(store.as_ref(), &run_id).await;
    assert!(!persons.is_empty());
    let (result_id, subject_id, full_name, citizen_id) = persons[0].clone();
    let run_page = get(&state, &run_link, &lead).await;
    assert_eq!(run_page.status, StatusCode::OK);
    assert!(run_page.text.contains("待审核"));
    assert!(run_page.text.contains("id=\"review\""));

    // --- Read scope: a proposed result is not public. ---
    let result_uri = format!("/api/v1/evaluation/results/{}", enc(&result_id));
    assert_eq!(
        get(&state, &result_uri, "").await.status,
        StatusCode::NOT_FOUND
    );
    let r = get(
        &state,
        &format!("/evaluation/results/{}", enc(&result_id)),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("尚未公示"));
    let list = get(
        &state,
        &format!("/api/v1/evaluation/results?model={PRACTITIONER}&period=2026"),
        "",
    )
    .await
    .json();
    assert_eq!(list["total"], 0);
    // Last year's (the demo's) grade is the one in force.
    let profile = get(&state, &format!("/api/v1/subjects/{subject_id}"), "")
        .await
        .json();
    assert_eq!(profile["grades"][0]["period"], "2025", "{profile}");
    // The demo's road transport run of this year awaits review: its results are not public.
    let pending = store
        .eval_runs(Some("js-road-transport"))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.status.key() == "proposed")
        .unwrap();
    let pending_result = store
        .eval_results(&xyjt_store::EvalResultQuery {
            run_id: Some(pending.run.id.clone()),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(
        get(
            &state,
            &format!(
                "/api/v1/evaluation/results/{}",
                enc(&pending_result.result.id)
            ),
            ""
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // --- Review: the proposer is refused by the service (谁生产、谁审核). ---
    let r = post(
        &state,
        &format!("{run_link}/review"),
        &lead,
        &[("csrf", &lead_csrf), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("须由提出人以外的人员审核"), "{}", r.text);
    // A reviewer of another unit is out of scope.
    let r = post(
        &state,
        &format!("{run_link}/review"),
        &xl_sh,
        &[("csrf", &xl_sh_csrf), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Rejecting needs a reason.
    let (sh, sh_csrf) = sign_in(&state, "xy-sh").await;
    let r = post(
        &state,
        &format!("{run_link}/review"),
        &sh,
        &[("csrf", &sh_csrf), ("decision", "reject"), ("comment", " ")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("审核不通过须写明理由"));
    // Publishing before approval: refused.
    let r = post(
        &state,
        &format!("{run_link}/publish"),
        &sh,
        &[("csrf", &sh_csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        store.eval_run(&run_id).await.unwrap().unwrap().status.key(),
        "proposed"
    );
    let r = post(
        &state,
        &format!("{run_link}/review"),
        &sh,
        &[
            ("csrf", &sh_csrf),
            ("decision", "approve"),
            ("comment", "同意"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let approved = store.eval_run(&run_id).await.unwrap().unwrap();
    assert_eq!(approved.status.key(), "approved");
    assert_eq!(approved.reviewed_by.as_deref(), Some("user:xy-sh"));
    assert_eq!(approved.due, Some(today() + chrono::Duration::days(5)));
    // Six days later, still unpublished: overdue (5 days, policy).
    let mut later = state.clone();
    later.today = Some(today() + chrono::Duration::days(6));
    let overdue = get(&later, "/console/evaluation", &sh).await;
    assert!(overdue.text.contains("已逾期"), "{}", overdue.text);
    assert!(
        !get(&state, "/console/evaluation", &sh)
            .await
            .text
            .contains("已逾期")
    );
    // Still not public until published.
    assert_eq!(
        get(&state, &result_uri, "").await.status,
        StatusCode::NOT_FOUND
    );
    let list_page = get(&state, "/console/evaluation", &sh).await;
    assert!(list_page.text.contains("审核通过，待发布"));
    assert!(
        list_page
            .text
            .contains(&(today() + chrono::Duration::days(5)).to_string())
    );

    // --- Publish. ---
    let r = post(
        &state,
        &format!("{run_link}/publish"),
        &sh,
        &[("csrf", &sh_csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let published = store.eval_run(&run_id).await.unwrap().unwrap();
    assert_eq!(published.status.key(), "published");
    assert_eq!(published.published_on, Some(today()));

    // --- Public: the result, masked. ---
    let r = get(&state, &result_uri, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let result = r.json();
    assert_eq!(result["id"], result_id.as_str());
    assert_eq!(result["model_id"], PRACTITIONER);
    assert_eq!(result["status"], "published");
    assert_eq!(result["example"], true);
    let shown_name = result["name"].as_str().unwrap().to_string();
    assert_ne!(shown_name, full_name);
    assert!(shown_name.contains('*'), "{shown_name}");
    assert!(!r.text.contains(&full_name));
    assert!(!r.text.contains(&citizen_id));
    assert!(result["code"].as_str().unwrap().contains('*'));
    // Every line names its item, basis, points and fact.
    for line in result["lines"].as_array().unwrap() {
        for key in ["item_id", "title", "basis", "points", "fact"] {
            assert!(line.get(key).is_some(), "{key} missing in {line}");
        }
    }
    let list = get(
        &state,
        &format!("/api/v1/evaluation/results?model={PRACTITIONER}&period=2026&per_page=100"),
        "",
    )
    .await;
    assert!(published.run.subjects <= 100, "one page holds the run");
    let list_json = list.json();
    assert_eq!(list_json["total"].as_u64().unwrap(), published.run.subjects);
    for p in &persons {
        assert!(!list.text.contains(&p.2), "full name {} in the list", p.2);
        assert!(!list.text.contains(&p.3));
    }
    // A grade filter keeps only that grade.
    let grade = result["grade"].as_str().unwrap_or("B").to_string();
    let by_grade = get(
        &state,
        &format!(
            "/api/v1/evaluation/results?model={PRACTITIONER}&period=2026&grade={grade}&per_page=100"
        ),
        "",
    )
    .await
    .json();
    assert!(by_grade["total"].as_u64().unwrap() >= 1);
    assert!(
        by_grade["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["grade"] == grade.as_str())
    );
    // Page numbers are bounded at the edge, as on every paged route.
    for uri in [
        "/api/v1/evaluation/results?page=0",
        "/api/v1/evaluation/results?page=10001",
        "/evaluation?page=0",
    ] {
        assert_eq!(
            get(&state, uri, "").await.status,
            StatusCode::BAD_REQUEST,
            "{uri}"
        );
    }
    // A person's full name finds nothing (only what is published is searched).
    let by_name = get(
        &state,
        &format!("/api/v1/evaluation/results?q={}", enc(&full_name)),
        "",
    )
    .await
    .json();
    assert_eq!(by_name["total"], 0, "{by_name}");
    // The subject's profile carries the grade in force.
    let profile = get(&state, &format!("/api/v1/subjects/{subject_id}"), "")
        .await
        .json();
    let grades = profile["grades"].as_array().unwrap();
    assert_eq!(grades.len(), 1, "{profile}");
    assert_eq!(grades[0]["model_id"], PRACTITIONER);
    assert_eq!(grades[0]["model_version"], 1);
    assert_eq!(grades[0]["period"], "2026");
    assert_eq!(grades[0]["grade"], result["grade"]);
    assert_eq!(grades[0]["published_on"], today().to_string());
    assert_eq!(grades[0]["valid_until"], "2027-11-19");

    // --- Portal pages. ---
    let portal = get(
        &state,
        &format!("/evaluation?model={PRACTITIONER}&period=2026"),
        "",
    )
    .await;
    assert_eq!(portal.status, StatusCode::OK);
    assert!(portal.text.contains("信用评价结果"));
    assert!(
        portal
            .text
            .contains("<span class=\"badge warn\">示例</span>")
    );
    assert!(portal.text.contains(&shown_name));
    for p in &persons {
        assert!(!portal.text.contains(&p.2), "full name {} on the page", p.2);
    }
    assert!(portal.text.contains("href=\"/evaluation\""), "nav link");
    let detail = get(
        &state,
        &format!("/evaluation/results/{}", enc(&result_id)),
        "",
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    assert!(detail.text.contains("扣分与加分明细"));
    assert!(detail.text.contains(&shown_name));
    assert!(!detail.text.contains(&full_name));
    // A result with lines shows each one (item, basis, fact) on its page.
    let with_lines = store
        .eval_results(&xyjt_store::EvalResultQuery {
            run_id: Some(run_id.clone()),
            limit: 10_000,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| !s.result.lines.is_empty())
        .expect("some practitioner has a deduction in 2026");
    let page = get(
        &state,
        &format!("/evaluation/results/{}", enc(&with_lines.result.id)),
        "",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    for l in &with_lines.result.lines {
        assert!(page.text.contains(&l.title), "{}", l.title);
        assert!(page.text.contains(&l.fact), "{}", l.fact);
        assert!(page.text.contains(&l.basis), "{}", l.basis);
        assert!(page.text.contains(&l.points.to_string()));
    }
    let profile_page = get(&state, &format!("/subjects/{subject_id}"), "").await;
    assert!(profile_page.text.contains("信用评价等级"));
    assert!(
        profile_page
            .text
            .contains("道路运输从业人员信用评价（第 1 版）")
    );
    assert!(profile_page.text.contains("2027-11-19"));

    // --- 双随机: a draw by 东湖's reviewer, for its unit. ---
    let (dh_sh, dh_sh_csrf) = sign_in(&state, "dh-sh").await;
    let page = get(&state, "/console/inspection", &dh_sh).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("DH-ZF-01 东湖检查员1"));
    // A clerk may not make a draw.
    let (dh_lr, dh_lr_csrf) = sign_in(&state, "dh-lr").await;
    let r = post(
        &state,
        "/console/inspection/draws",
        &dh_lr,
        &[("csrf", &dh_lr_csrf), ("quarter", "2026-Q4")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &state,
        "/console/inspection/draws",
        &dh_sh,
        &[("csrf", &dh_sh_csrf), ("quarter", "2026-Q4")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let draw_link = r.location();
    // The demo made one draw for the quarter already; this is the second.
    let draws = store.inspection_draws(Some("2026-Q4")).await.unwrap();
    assert_eq!(draws.len(), 2);
    let draw = draws
        .iter()
        .find(|d| draw_link.ends_with(&d.id))
        .unwrap()
        .draw
        .clone()
        .unwrap();
    assert_eq!(draw.unit, "DH-ZF");
    assert_eq!(draw_link, format!("/console/inspection/draws/{}", draw.id));
    assert!(!draw.tasks.is_empty());
    assert!(draw.tasks.iter().all(|t| t.inspectors.len() == 2));
    // It replays identically.
    assert_eq!(
        xyjt_app::inspection::replay(&state.ctx(), &draw.id)
            .await
            .unwrap(),
        None
    );
    let task_page = get(&state, &draw_link, &dh_lr).await;
    assert_eq!(task_page.status, StatusCode::OK);
    assert!(task_page.text.contains("/tasks/1\""), "{}", task_page.text);

    // Another unit may not record its results (the service refuses).
    let r = post(
        &state,
        &format!("{draw_link}/tasks/1"),
        &xl_sh,
        &[
            ("csrf", &xl_sh_csrf),
            ("outcome", "no_problem"),
            ("note", "现场检查未发现问题"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("本单位不能登记其结果"), "{}", r.text);
    // 东湖's clerk records task 1.
    let r = post(
        &state,
        &format!("{draw_link}/tasks/1"),
        &dh_lr,
        &[
            ("csrf", &dh_lr_csrf),
            ("outcome", "problems_found"),
            ("note", "消防器材过期，责令限期整改"),
            ("on", "2026-11-18"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Once only.
    let r = post(
        &state,
        &format!("{draw_link}/tasks/1"),
        &dh_lr,
        &[
            ("csrf", &dh_lr_csrf),
            ("outcome", "no_problem"),
            ("note", "再次登记"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let task_page = get(&state, &draw_link, &dh_lr).await;
    assert!(task_page.text.contains("发现问题，责令整改（2026-11-18）"));

    // --- Public announcements, natural persons masked. ---
    let draws_json = get(&state, "/api/v1/inspection/draws?quarter=2026-Q4", "").await;
    assert_eq!(draws_json.status, StatusCode::OK);
    let dj = draws_json.json();
    assert_eq!(dj["total"], 2);
    let announced = dj["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == draw.id.as_str())
        .unwrap();
    let tasks = announced["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), draw.tasks.len());
    assert_eq!(tasks[0]["result"]["outcome"], "problems_found");
    assert_eq!(tasks[0]["inspectors"].as_array().unwrap().len(), 2);
    let mut person_tasks = 0;
    for t in &draw.tasks {
        let subject = store.subject(&t.subject_id).await.unwrap().unwrap();
        if subject.kind == xyjt_core::subject::PartyCategory::NaturalPerson {
            person_tasks += 1;
            assert!(
                !draws_json.text.contains(&t.name),
                "a person's full name {} in the announcement",
                t.name
            );
            if let Some(code) = &t.code {
                assert!(!draws_json.text.contains(code.as_str()));
            }
        }
    }
    assert!(person_tasks > 0, "the practitioner item drew no person");
    let one = get(&state, &format!("/api/v1/inspection/draws/{}", draw.id), "").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["seed"], draw.seed.as_str());
    assert_eq!(
        get(&state, "/api/v1/inspection/draws/DR-none", "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&state, "/api/v1/inspection/draws?quarter=2026Q9", "")
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let results = get(
        &state,
        &format!("/api/v1/inspection/results?draw_id={}", enc(&draw.id)),
        "",
    )
    .await
    .json();
    assert_eq!(results["total"], 1);
    assert_eq!(results["items"][0]["outcome"], "problems_found");
    assert_eq!(results["items"][0]["task_no"], 1);
    assert_eq!(results["items"][0]["note"], "消防器材过期，责令限期整改");
    let quarter = get(&state, "/api/v1/inspection/results?quarter=2026-Q4", "")
        .await
        .json();
    assert!(
        quarter["total"].as_u64().unwrap() >= 2,
        "the demo's and ours"
    );
    let portal_draws = get(&state, "/inspection/draws", "").await;
    assert_eq!(portal_draws.status, StatusCode::OK);
    assert!(portal_draws.text.contains(&draw.seed));
    for t in &draw.tasks {
        let subject = store.subject(&t.subject_id).await.unwrap().unwrap();
        if subject.kind == xyjt_core::subject::PartyCategory::NaturalPerson {
            assert!(!portal_draws.text.contains(&t.name));
        }
    }
    let portal_results = get(&state, "/inspection/results", "").await;
    assert!(portal_results.text.contains("消防器材过期，责令限期整改"));
    let items = get(&state, "/inspection/items", "").await;
    assert!(items.text.contains("严重失信主体专项检查"));
    assert!(
        items
            .text
            .contains("<span class=\"badge warn\">示例</span>")
    );
    let items_json = get(&state, "/api/v1/inspection/items", "").await.json();
    assert_eq!(
        items_json["total"].as_u64().unwrap() as usize,
        state.policies.inspection.items.len()
    );

    // --- Coverage: the blacklisted subjects of the quarter, inspected or not. ---
    let rows = xyjt_app::inspection::coverage(&state.ctx(), "2026-Q4")
        .await
        .unwrap();
    assert!(!rows.is_empty());
    let inspected = rows.iter().filter(|r| r.inspected_on.is_some()).count();
    let cov = get(&state, "/console/coverage", &dh_sh).await;
    assert_eq!(cov.status, StatusCode::OK);
    assert!(
        cov.text.contains(&format!(
            "2026-Q4：应检查 {} 户，已检查 {inspected} 户，未检查 {} 户。",
            rows.len(),
            rows.len() - inspected
        )),
        "{}",
        cov.text
    );
    assert!(!cov.text.contains("逾期未检查"));
    // After the quarter, the ones not inspected are overdue.
    let mut next_year = state.clone();
    next_year.today = Some(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
    let cov = get(&next_year, "/console/coverage?quarter=2026-Q4", &dh_sh).await;
    assert!(
        cov.text.contains(&format!(
            "其中逾期 <span class=\"bad\">{}</span> 户",
            rows.len() - inspected
        )),
        "{}",
        cov.text
    );
    assert!(cov.text.contains("逾期未检查"));
}

#[tokio::test]
async fn evaluation_and_inspection_over_http() {
    let (store, state) = setup_sqlite("evaluation").await;
    story(store, state).await;
}

#[tokio::test]
async fn evaluation_and_inspection_on_postgres() {
    if let Some(pg) =
        xyjt_store::testing::PgSchema::create("evaluation_and_inspection_on_postgres").await
    {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state).await;
        pg.drop().await;
    }
}

#[tokio::test]
async fn runs_with_api_tokens() {
    let (store, state) = setup_sqlite("evaluation-api").await;
    // No token: 401.
    let r = send(
        &state,
        Request::post("/api/v1/evaluation/runs")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"model":"js-road-transport","period":"2026"}"#,
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api(
        &state,
        "POST",
        "/api/v1/evaluation/runs",
        OFFICE_TOKEN,
        serde_json::json!({"model": "js-road-transport", "period": "2026"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let run = r.json();
    let id = run["id"].as_str().unwrap().to_string();
    assert_eq!(run["status"], "proposed");
    assert_eq!(run["unit"], "SF-XY");
    // The same calling system may not review its own run.
    let review = format!("/api/v1/evaluation/runs/{id}/review");
    let r = api(
        &state,
        "POST",
        &review,
        OFFICE_TOKEN,
        serde_json::json!({"approved": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("须由提出人以外的人员审核"));
    // The demo bidding platform is no unit: out of scope.
    let r = api(
        &state,
        "POST",
        &review,
        xyjt_app::demo::DEMO_TOKEN,
        serde_json::json!({"approved": true}),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api(
        &state,
        "POST",
        &review,
        DEPT_TOKEN,
        serde_json::json!({"approved": true, "comment": "同意"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
    let r = api(
        &state,
        "POST",
        &format!("/api/v1/evaluation/runs/{id}/publish"),
        DEPT_TOKEN,
        Value::Null,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "published");
    let runs = api(
        &state,
        "GET",
        "/api/v1/evaluation/runs",
        OFFICE_TOKEN,
        Value::Null,
    )
    .await
    .json();
    let listed = runs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["status"], "published");
    assert_eq!(listed["proposed_by"], "api:示范省交通运输厅信用管理处");
    let public = get(
        &state,
        "/api/v1/evaluation/results?model=js-road-transport&period=2026",
        "",
    )
    .await
    .json();
    let total = store.eval_run(&id).await.unwrap().unwrap().run.subjects;
    assert_eq!(public["total"].as_u64().unwrap(), total);

    // The models in force, as the public reads them.
    let models = get(&state, "/api/v1/evaluation/models", "").await.json();
    let ids: Vec<&str> = models["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"highway-construction") && ids.contains(&"js-road-transport"));
    insta::assert_json_snapshot!("evaluation_models", models);
    // The item list page.
    let page = get(&state, "/inspection/items", "").await;
    insta::assert_snapshot!("inspection_items_page", page.text.replace("><", ">\n<"));

    // A name search is a public search: limited per client, like the subject search.
    let mut limited = state.clone();
    limited.search_limit = Some(xyjt_web::RateLimit::new(
        2,
        std::time::Duration::from_secs(60),
    ));
    let q = enc("示范");
    for _ in 0..2 {
        let r = get(&limited, &format!("/api/v1/evaluation/results?q={q}"), "").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = get(&limited, &format!("/api/v1/evaluation/results?q={q}"), "").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["error"]["code"], "rate_limited");
    let r = get(&limited, &format!("/evaluation?q={q}"), "").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("查询过于频繁"));
    // Browsing without a name is not a search.
    assert_eq!(
        get(&limited, "/api/v1/evaluation/results", "").await.status,
        StatusCode::OK
    );
    // A citizen ID typed into the search is not echoed back into the page.
    let r = get(&state, "/evaluation?q=11010519491231002X", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text.contains("11010519491231002X"));
    assert!(r.text.contains("110105********002X"), "{}", r.text);

    // Every new path is in the OpenAPI document.
    let doc = get(&state, "/api/v1/openapi.json", "").await.json();
    for path in [
        "/api/v1/evaluation/models",
        "/api/v1/evaluation/results",
        "/api/v1/evaluation/results/{id}",
        "/api/v1/evaluation/runs",
        "/api/v1/evaluation/runs/{id}/review",
        "/api/v1/evaluation/runs/{id}/publish",
        "/api/v1/inspection/items",
        "/api/v1/inspection/draws",
        "/api/v1/inspection/draws/{id}",
        "/api/v1/inspection/results",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not documented");
    }
}

/// The console sets a unit's inspector pool: only the unit's credit administrator, one inspector
/// per line, a bad line named; the page shows the pool afterwards.
#[tokio::test]
async fn the_console_sets_the_units_inspector_pool() {
    let (store, state) = setup_sqlite("pool").await;
    let (xyc, xyc_csrf) = sign_in(&state, "xyc").await;
    let (clerk, clerk_csrf) = sign_in(&state, "dh-lr").await;
    let lines = "XY-01,陈检查\nXY-02，林检查,91350100M000100Y1";
    let r = post(
        &state,
        "/console/inspection/pool",
        &clerk,
        &[("csrf", &clerk_csrf), ("inspectors", lines)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &state,
        "/console/inspection/pool",
        &xyc,
        &[("csrf", &xyc_csrf), ("inspectors", "XY-01")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("第 1 行"), "{}", r.text);
    let r = post(
        &state,
        "/console/inspection/pool",
        &xyc,
        &[("csrf", &xyc_csrf), ("inspectors", lines)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let pools = store.inspector_pools().await.unwrap();
    let (_, pool) = pools
        .iter()
        .find(|(u, _)| u == "SF-XY")
        .expect("the pool is set");
    assert_eq!(pool.len(), 2);
    assert_eq!(pool[1].avoid_code.as_deref(), Some("91350100M000100Y1"));
    assert!(pool.iter().all(|i| i.unit == "SF-XY"));
    let page = get(&state, "/console/inspection", &xyc).await;
    assert!(page.text.contains("XY-02 林检查"), "{}", page.text);
}
