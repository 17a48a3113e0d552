//! 政务诚信 pages over HTTP, on the demo data: 主体登记 in the console (a field refused on the
//! form, the proposer's own review refused, approval by another account), records entered with
//! the service's field errors on the form, a 容错 finding proposed and approved (refused to its
//! proposer), the role and scope checks of every console page and write (civil servants'
//! archives only for 信用管理员 and 审核员 of the bureau of their unit), and the portal section:
//! departments with their records in effect, a department's page (容错 excluded), 政务失信公示,
//! the API list — and a crawl of the section finding no civil servant's name, ID number or record.
//! Runs on SQLite, and on PostgreSQL when `XYJT_TEST_POSTGRES_URL` is set.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use serde_json::Value;
use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use xyjt_core::account::{Account, Role};
use xyjt_core::calendar::Calendar;
use xyjt_core::integrity::ArchiveKind;
use xyjt_store::Store;
use xyjt_web::AppState;

mod common;

use common::*;

const DEPT_NAME: &str = "示范市公路养护中心（测试）";
/// Civil servants: one of 西岭 (inside 西岭's bureau), one of 东湖.
const CS_XL: &str = "甄公仆";
const CS_DH: &str = "贾公仆";
const CS_XL_DOC: &str = "西纪〔2026〕7号";
const CS_DH_DOC: &str = "东纪〔2026〕9号";
const WAGES_DOC: &str = "示人社〔2026〕31号";
const PENALTY_DOC: &str = "示市监〔2026〕12号";
const HONOUR_DOC: &str = "示政〔2026〕3号";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// The demo data plus a reviewer of the provincial credit office (SF-XY).
async fn setup_on(url: &str) -> (Arc<dyn Store>, AppState) {
    let store = xyjt_store::open(url).await.unwrap();
    let policies = xyjt_core::policies::Policies::builtin_ref();
    xyjt_app::demo::seed(store.as_ref(), policies, today())
        .await
        .unwrap();
    store
        .append(vec![xyjt_app::accounts::account_event(
            "test",
            Account {
                login: "xy-sh".into(),
                name: "信用管理处审核员".into(),
                unit_id: "SF-XY".into(),
                roles: vec![Role::Reviewer],
                disabled: false,
            },
            PASSWORD,
        )])
        .await
        .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    state.search_limit = None;
    (store, state)
}

/// A signed-in staff member: the session cookie and the session's CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

async fn sign_in(state: &AppState, login: &str) -> Session {
    let (cookie, csrf) = common::sign_in(state, login).await;
    Session { cookie, csrf }
}

impl Session {
    async fn get(&self, state: &AppState, uri: &str) -> Resp {
        get(state, uri, &self.cookie).await
    }

    async fn post(&self, state: &AppState, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        post(state, uri, &self.cookie, &all).await
    }
}

fn registration<'a>(
    kind: &'a str,
    name: &'a str,
    code: &'a str,
    unit: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", kind),
        ("name", name),
        ("code", code),
        ("unit", unit),
        ("post", if unit.is_empty() { "" } else { "科长" }),
    ]
}

#[allow(clippy::too_many_arguments)]
fn record<'a>(
    archive: &'a str,
    code: &'a str,
    category: &'a str,
    nature: &'a str,
    sanction: &'a str,
    doc_no: &'a str,
    decided_on: &'a str,
    deciding_unit: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("archive", archive),
        ("code", code),
        ("category", category),
        ("nature", nature),
        ("sanction", sanction),
        ("doc_no", doc_no),
        ("decided_on", decided_on),
        ("deciding_unit", deciding_unit),
        ("facts", "经查实的事实（测试）"),
        ("basis", "相关规定（测试）"),
    ]
}

/// The id of the record a redirect to `/console/integrity/records/{id}` names.
fn record_id(r: &Resp) -> String {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.location();
    to.strip_prefix("/console/integrity/records/")
        .unwrap_or_else(|| panic!("redirected to {to}"))
        .to_string()
}

async fn story(store: Arc<dyn Store>, state: AppState, snapshot: bool) {
    let dept = uscc("11", "WT000001");
    let cs_xl = citizen("19800101", "135");
    let cs_dh = citizen("19820202", "246");
    let xyc = sign_in(&state, "xyc").await; // 信用管理员, SF-XY
    let xy_sh = sign_in(&state, "xy-sh").await; // 审核员, SF-XY
    let xl_sh = sign_in(&state, "xl-sh").await; // 审核员, 西岭执法支队
    let xl_lr = sign_in(&state, "xl-lr").await; // 录入员, 西岭执法支队
    let admin = sign_in(&state, "admin").await; // 系统管理员

    // --- 主体登记 ---
    let page = xyc.get(&state, "/console/registrations").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("提出登记"), "{}", page.text);
    // Not signed in: to the sign-in page.
    let r = get(&state, "/console/registrations", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Without the CSRF token: refused.
    let r = post(
        &state,
        "/console/registrations",
        &xyc.cookie,
        &registration("部门", DEPT_NAME, &dept, ""),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The service's field errors are shown on the form, the values kept.
    let company = uscc("91", "WT000002");
    let r = xyc
        .post(
            &state,
            "/console/registrations",
            &registration("部门", DEPT_NAME, &company, ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"error-code\""), "{}", r.text);
    assert!(r.text.contains("11、12 或 13"));
    assert!(r.text.contains(&company), "the value is kept");
    let r = xyc
        .post(
            &state,
            "/console/registrations",
            &registration("公务人员", CS_XL, &cs_xl, ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"error-unit\""), "{}", r.text);
    // A clerk may propose a department, not a civil servant; a system administrator neither.
    let r = xl_lr
        .post(
            &state,
            "/console/registrations",
            &registration("公务人员", CS_XL, &cs_xl, "西岭市交通运输局"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("信用管理员"), "{}", r.text);
    let r = admin
        .post(
            &state,
            "/console/registrations",
            &registration("部门", DEPT_NAME, &dept, ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = xl_lr
        .post(
            &state,
            "/console/registrations",
            &registration("部门", DEPT_NAME, &dept, ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    for (name, code, unit) in [
        (CS_XL, cs_xl.as_str(), "西岭市交通运输局"),
        (CS_DH, cs_dh.as_str(), "东湖市交通运输局"),
    ] {
        let r = xyc
            .post(
                &state,
                "/console/registrations",
                &registration("公务人员", name, code, unit),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let pending = store.registrations(Some("proposed")).await.unwrap();
    let reg_of = |code: &str| {
        pending
            .iter()
            .find(|r| r.registration.subject.codes()[0].as_str() == code)
            .unwrap()
            .registration
            .id
            .clone()
    };
    let (reg_dept, reg_xl, reg_dh) = (reg_of(&dept), reg_of(&cs_xl), reg_of(&cs_dh));
    // Who sees the pending civil servants: the proposer's office all, 西岭's reviewer 西岭's
    // only, the clerk none.
    let page = xyc.get(&state, "/console/registrations").await;
    for s in [CS_XL, CS_DH, cs_xl.as_str(), cs_dh.as_str(), DEPT_NAME] {
        assert!(page.text.contains(s), "{s}");
    }
    let page = xl_sh.get(&state, "/console/registrations").await;
    assert!(page.text.contains(&cs_xl));
    assert!(!page.text.contains(&cs_dh) && !page.text.contains(CS_DH));
    assert!(
        page.text.contains("条公务人员登记不在您的查阅范围内"),
        "{}",
        page.text
    );
    let page = xl_lr.get(&state, "/console/registrations").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(DEPT_NAME));
    for s in [CS_XL, CS_DH, cs_xl.as_str(), cs_dh.as_str()] {
        assert!(!page.text.contains(s), "a clerk sees {s}");
    }
    // The proposer may not review; a clerk may not review; 西岭's reviewer not 东湖's person.
    let review = |id: &str| format!("/console/registrations/{}/review", enc(id));
    let approve = [("decision", "approve"), ("comment", "核实无误")];
    let r = xyc.post(&state, &review(&reg_xl), &approve).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("谁生产、谁审核"), "{}", r.text);
    let r = xl_lr.post(&state, &review(&reg_dept), &approve).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = xl_sh.post(&state, &review(&reg_dh), &approve).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for id in [&reg_dept, &reg_xl, &reg_dh] {
        let r = xy_sh.post(&state, &review(id), &approve).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let approved = store.registrations(Some("approved")).await.unwrap();
    for id in [&reg_dept, &reg_xl, &reg_dh] {
        let s = approved.iter().find(|r| &r.registration.id == id).unwrap();
        assert_eq!(s.reviewed_by.as_deref(), Some("user:xy-sh"));
    }
    // Reviewed once only.
    let r = xy_sh.post(&state, &review(&reg_dept), &approve).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // --- Records ---
    let page = xyc.get(&state, "/console/integrity/records/new").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("纪律处分"), "{}", page.text);
    assert_eq!(
        admin
            .get(&state, "/console/integrity/records/new")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // A discipline record needs its sanction: the service's error on the form.
    let r = xyc
        .post(
            &state,
            "/console/integrity/records",
            &record(
                "公务人员",
                &cs_xl,
                "discipline",
                "失信",
                "",
                CS_XL_DOC,
                "2026-09-01",
                "西岭市纪委监委",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"error-sanction\""), "{}", r.text);
    assert!(r.text.contains(CS_XL_DOC), "the values are kept");
    let r = xyc
        .post(
            &state,
            "/console/integrity/records",
            &record(
                "公务人员",
                &cs_xl,
                "discipline",
                "失信",
                "记过",
                CS_XL_DOC,
                "2026-13-01",
                "西岭市纪委监委",
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"error-decided_on\""), "{}", r.text);
    // A clerk may not enter a civil servant's record; 西岭's reviewer none at all.
    let cs_form = record(
        "公务人员",
        &cs_xl,
        "discipline",
        "失信",
        "记过",
        CS_XL_DOC,
        "2026-09-01",
        "西岭市纪委监委",
    );
    let r = xl_lr
        .post(&state, "/console/integrity/records", &cs_form)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = xl_sh
        .post(&state, "/console/integrity/records", &cs_form)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let cs_xl_record = record_id(
        &xyc.post(&state, "/console/integrity/records", &cs_form)
            .await,
    );
    let cs_dh_record = record_id(
        &xyc.post(
            &state,
            "/console/integrity/records",
            &record(
                "公务人员",
                &cs_dh,
                "accountability",
                "失信",
                "诫勉",
                CS_DH_DOC,
                "2026-10-08",
                "东湖市纪委监委",
            ),
        )
        .await,
    );
    // Departments' records: a clerk enters them.
    let wages = record_id(
        &xl_lr
            .post(
                &state,
                "/console/integrity/records",
                &record(
                    "部门",
                    &dept,
                    "migrant-wages",
                    "失信",
                    "",
                    WAGES_DOC,
                    "2026-09-15",
                    "示范市人力资源和社会保障局",
                ),
            )
            .await,
    );
    let penalty = record_id(
        &xl_lr
            .post(
                &state,
                "/console/integrity/records",
                &record(
                    "部门",
                    &dept,
                    "administrative-penalty",
                    "失信",
                    "",
                    PENALTY_DOC,
                    "2026-08-03",
                    "示范市市场监督管理局",
                ),
            )
            .await,
    );
    record_id(
        &xyc.post(
            &state,
            "/console/integrity/records",
            &record(
                "部门",
                &dept,
                "commendation",
                "守信",
                "",
                HONOUR_DOC,
                "2026-03-01",
                "示范市人民政府",
            ),
        )
        .await,
    );
    // The same document number with other facts is refused on the form.
    let mut changed = record(
        "部门",
        &dept,
        "migrant-wages",
        "失信",
        "",
        WAGES_DOC,
        "2026-09-16",
        "示范市人力资源和社会保障局",
    );
    changed.retain(|(k, _)| *k != "facts");
    let r = xl_lr
        .post(&state, "/console/integrity/records", &changed)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("已记录且内容不同"), "{}", r.text);

    // --- 容错纠错: proposed by the credit administrator, approved by another person ---
    let rec_uri = |id: &str| format!("/console/integrity/records/{}", enc(id));
    for id in [&penalty, &cs_dh_record] {
        let uri = format!("{}/tolerance", rec_uri(id));
        let finding = [
            ("reasons", "因政策调整先行先试，未谋取私利，已主动纠正"),
            ("basis", "容错纠错实施办法（测试）第五条"),
            ("evidence", "示容〔2026〕1号\n情况说明"),
        ];
        // Only a credit administrator proposes.
        let r = xy_sh.post(&state, &uri, &finding).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = xyc.post(&state, &uri, &finding).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = xyc.get(&state, &rec_uri(id)).await;
        assert!(page.text.contains("容错认定待审核"), "{}", page.text);
        let review = format!("{uri}/review");
        let decide = [("decision", "approve"), ("comment", "同意")];
        let r = xyc.post(&state, &review, &decide).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "the proposer may not review"
        );
        assert!(r.text.contains("谁生产、谁审核"));
        let r = xl_lr.post(&state, &review, &decide).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "a clerk may not review");
        let r = xy_sh.post(&state, &review, &decide).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let s = store.integrity_record(id).await.unwrap().unwrap();
        let t = s.tolerance.as_ref().unwrap();
        assert!(t.approved);
        assert_eq!(t.proposed_by, "user:xyc");
        assert_eq!(t.reviewed_by.as_deref(), Some("user:xy-sh"));
        assert_eq!(t.evidence, vec!["示容〔2026〕1号", "情况说明"]);
        assert!(!s.counts_as_dishonest());
        let page = xyc.get(&state, &rec_uri(id)).await;
        assert!(page.text.contains("已认定容错"), "{}", page.text);
    }

    // --- Reading archives: departments for all staff, civil servants for credit
    // administrators and reviewers of the bureau of their unit ---
    let archive = |code: &str| format!("/console/integrity?code={code}");
    let page = xyc.get(&state, &archive(&cs_xl)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(CS_XL_DOC) && page.text.contains("记过"));
    let page = xyc.get(&state, &archive(&cs_dh)).await;
    assert!(page.text.contains(CS_DH_DOC) && page.text.contains("已认定容错"));
    let page = xy_sh.get(&state, &archive(&cs_dh)).await;
    assert!(page.text.contains(CS_DH_DOC));
    let page = xl_sh.get(&state, &archive(&cs_xl)).await;
    assert!(page.text.contains(CS_XL_DOC), "{}", page.text);
    let page = xl_sh.get(&state, &archive(&cs_dh)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains(CS_DH_DOC) && !page.text.contains(CS_DH));
    assert!(page.text.contains("不在您的查阅范围内"));
    for who in [&xl_lr, &admin] {
        let page = who.get(&state, &archive(&cs_xl)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(!page.text.contains(CS_XL_DOC) && !page.text.contains(CS_XL));
        let page = who.get(&state, &rec_uri(&cs_xl_record)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(!page.text.contains(CS_XL_DOC));
        // The overview lists departments, never civil servants.
        let page = who.get(&state, "/console/integrity").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text.contains(DEPT_NAME));
        for s in [
            CS_XL,
            CS_DH,
            cs_xl.as_str(),
            cs_dh.as_str(),
            CS_XL_DOC,
            CS_DH_DOC,
        ] {
            assert!(!page.text.contains(s), "{s}");
        }
        let page = who.get(&state, &archive(&dept)).await;
        assert!(page.text.contains(WAGES_DOC) && page.text.contains(PENALTY_DOC));
    }
    let page = xl_lr.get(&state, &rec_uri(&wages)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(WAGES_DOC) && page.text.contains("影响期内"));
    let page = xl_sh.get(&state, &rec_uri(&cs_dh_record)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = xl_sh.get(&state, "/console/integrity").await;
    assert!(page.text.contains(CS_XL) && !page.text.contains(CS_DH));
    let page = xyc.get(&state, "/console/integrity").await;
    assert!(page.text.contains(CS_XL) && page.text.contains(CS_DH));
    // 西岭's reviewer may not review or propose 东湖's person's findings.
    let r = xl_sh
        .post(
            &state,
            &format!("{}/tolerance/review", rec_uri(&cs_dh_record)),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&state, "/console/integrity", "").await.status,
        StatusCode::SEE_OTHER
    );

    // --- The portal: departments, their records (容错 excluded), 政务失信公示 ---
    let home = get(&state, "/", "").await;
    assert!(home.text.contains("<a href=\"/integrity\">政务诚信</a>"));
    let page = get(&state, "/integrity", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(DEPT_NAME), "{}", page.text);
    let dept_page = get(&state, &format!("/integrity/departments/{dept}"), "").await;
    assert_eq!(dept_page.status, StatusCode::OK);
    assert!(dept_page.text.contains(WAGES_DOC), "{}", dept_page.text);
    assert!(dept_page.text.contains("示范市人力资源和社会保障局"));
    assert!(
        dept_page.text.contains(HONOUR_DOC),
        "good records are shown"
    );
    assert!(!dept_page.text.contains(PENALTY_DOC), "容错 is not shown");
    let page = get(&state, "/integrity/publicity", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(WAGES_DOC) && page.text.contains(DEPT_NAME));
    assert!(!page.text.contains(PENALTY_DOC) && !page.text.contains(HONOUR_DOC));
    // The API's list.
    let r = get(&state, "/api/v1/integrity/departments", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let list: Value = serde_json::from_str(&r.text).unwrap();
    let mine = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == dept.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(mine["name"], DEPT_NAME);
    assert_eq!(mine["in_effect"], 1);
    assert_eq!(mine["dishonest"], 1);
    assert_eq!(mine["good"], 1);
    // Every listed department is a registered department.
    let depts = store.registrations(Some("approved")).await.unwrap();
    for d in list.as_array().unwrap() {
        assert!(depts.iter().any(|r| {
            r.registration.archive == Some(ArchiveKind::Department)
                && r.registration.subject.id == d["subject_id"].as_str().unwrap()
        }));
    }
    let doc: Value =
        serde_json::from_str(&get(&state, "/api/v1/openapi.json", "").await.text).unwrap();
    assert!(doc["paths"].get("/api/v1/integrity/departments").is_some());
    // A civil servant's code is no department.
    for code in [&cs_xl, &cs_dh] {
        let r = get(&state, &format!("/integrity/departments/{code}"), "").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.text.contains(code.as_str()));
    }

    // The API refuses a civil servant's code as no department (it echoes the code asked for,
    // nothing else).
    let r = get(
        &state,
        &format!("/api/v1/integrity/departments/{cs_xl}"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for s in [CS_XL, CS_XL_DOC, "西岭市交通运输局"] {
        assert!(!r.text.contains(s), "{s}");
    }

    // A crawl of the portal section and its API: no civil servant's name, ID number or record.
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<String> = [
        "/integrity".to_string(),
        "/api/v1/integrity/departments".into(),
        format!("/api/v1/integrity/departments/{dept}"),
        format!("/integrity/departments/{cs_xl}"),
    ]
    .into();
    while let Some(uri) = queue.pop_front() {
        if !seen.insert(uri.clone()) {
            continue;
        }
        let r = get(&state, &uri, "").await;
        assert!(
            r.status.is_success() || r.status.is_client_error(),
            "{uri}: {}",
            r.status
        );
        for s in [
            CS_XL,
            CS_DH,
            cs_xl.as_str(),
            cs_dh.as_str(),
            CS_XL_DOC,
            CS_DH_DOC,
            "西岭市纪委监委",
            "东湖市纪委监委",
        ] {
            assert!(!r.text.contains(s), "{uri} shows {s}");
        }
        for part in r.text.split("href=\"").skip(1) {
            let link = part.split('"').next().unwrap();
            if link.starts_with("/integrity") {
                queue.push_back(link.replace("&amp;", "&"));
            }
        }
    }
    assert!(seen.len() >= 6, "{seen:?}");

    if snapshot {
        insta::assert_snapshot!(
            "integrity_department_page",
            regex::Regex::new(r"\b(ZG|TS)-\d{8}-[0-9A-Z]{6}\b")
                .unwrap()
                .replace_all(&dept_page.text.replace("><", ">\n<"), "[number]")
        );
    }
}

#[tokio::test]
async fn integrity_pages_over_http() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("integrity-pages-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    story(store, state, true).await;
}

#[tokio::test]
async fn integrity_pages_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("integrity_pages_on_postgres").await {
        let (store, state) = setup_on(&pg.url).await;
        story(store, state, false).await;
        pg.drop().await;
    }
}

async fn api(state: &AppState, uri: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let r = send(
        state,
        Request::post(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await;
    (
        r.status,
        serde_json::from_str(&r.text).unwrap_or(Value::Null),
    )
}

/// Registrations, their review and records with API tokens: a token acts for the unit it is
/// named after and the units below it; the proposer's token may not review.
#[tokio::test]
async fn integrity_writes_with_api_tokens() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("integrity-api-{}.db", uuid::Uuid::now_v7()));
    let (store, state) = setup_on(&format!("sqlite://{}", path.display())).await;
    let tokens = [
        ("t-xl", "西岭市交通运输局", "xyjt_test_token_xl"),
        ("t-dh", "东湖市交通运输局", "xyjt_test_token_dh"),
        ("t-sf", "示范省交通运输厅", "xyjt_test_token_sf"),
        ("t-out", "外部系统", "xyjt_test_token_out"),
    ];
    store
        .append(
            tokens
                .iter()
                .map(|(id, name, token)| {
                    xyjt_core::ledger::NewEvent::new(
                        "test",
                        chrono::Utc::now(),
                        xyjt_core::ledger::EventPayload::ApiTokenIssued {
                            token_id: (*id).into(),
                            name: (*name).into(),
                            token_hash: xyjt_core::canonical::sha256_hex(token.as_bytes()),
                            decision_points: vec![],
                        },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    let (xl, dh, sf, out) = (tokens[0].2, tokens[1].2, tokens[2].2, tokens[3].2);
    let dept = uscc("12", "WT000003");
    let cs = citizen("19900909", "357");
    let reg = |kind: &str, name: &str, code: &str, unit: Option<&str>| serde_json::json!({"kind": kind, "name": name, "code": code, "unit": unit});
    // No token: 401; a system outside the organisation tree: 403.
    let r = send(
        &state,
        Request::post("/api/v1/integrity/registrations")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(reg("部门", DEPT_NAME, &dept, None).to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (status, _) = api(
        &state,
        "/api/v1/integrity/registrations",
        out,
        reg("部门", DEPT_NAME, &dept, None),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A civil servant of 东湖 is not 西岭's business.
    let (status, body) = api(
        &state,
        "/api/v1/integrity/registrations",
        xl,
        reg("公务人员", CS_DH, &cs, Some("东湖市交通运输局")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let mut ids = Vec::new();
    for body in [
        reg("部门", DEPT_NAME, &dept, None),
        reg("公务人员", CS_XL, &cs, Some("西岭市交通运输局")),
    ] {
        let (status, body) = api(&state, "/api/v1/integrity/registrations", xl, body).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "proposed");
        ids.push(body["registration"]["id"].as_str().unwrap().to_string());
    }
    // A field refused by the service: 422 naming it (without a unit, only the root's system
    // reaches the person at all).
    let (status, _) = api(
        &state,
        "/api/v1/integrity/registrations",
        xl,
        reg("公务人员", CS_XL, &citizen("19900909", "468"), None),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api(
        &state,
        "/api/v1/integrity/registrations",
        sf,
        reg("公务人员", CS_XL, &citizen("19900909", "468"), None),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "unit");
    let approve = serde_json::json!({"approved": true, "comment": "核实无误"});
    let review = |id: &str| format!("/api/v1/integrity/registrations/{}/review", enc(id));
    let (status, _) = api(&state, &review(&ids[0]), xl, approve.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the proposer may not review");
    let (status, _) = api(&state, &review(&ids[1]), dh, approve.clone()).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "东湖 does not see 西岭's person"
    );
    for id in &ids {
        let (status, body) = api(&state, &review(id), sf, approve.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "approved");
        assert_eq!(body["reviewed_by"], "api:示范省交通运输厅");
    }
    // Records: once, then unchanged; a civil servant's only by their unit's system or above.
    let rec = |archive: &str, code: &str, category: &str, sanction: Option<&str>, doc: &str| {
        serde_json::json!({
            "archive": archive, "code": code, "category": category, "nature": "失信",
            "sanction": sanction, "doc_no": doc, "decided_on": "2026-10-01",
            "deciding_unit": "示范市纪委监委", "facts": "测试事实", "basis": "测试依据"
        })
    };
    let dept_rec = rec("部门", &dept, "拖欠账款", None, "示纪〔2026〕80号");
    let (status, body) = api(&state, "/api/v1/integrity/records", xl, dept_rec.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "recorded");
    let (_, again) = api(&state, "/api/v1/integrity/records", dh, dept_rec).await;
    assert_eq!(again["status"], "unchanged");
    assert_eq!(again["id"], body["id"]);
    let cs_rec = rec(
        "公务人员",
        &cs,
        "纪律处分",
        Some("警告"),
        "示纪〔2026〕81号",
    );
    let (status, _) = api(&state, "/api/v1/integrity/records", dh, cs_rec.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = api(&state, "/api/v1/integrity/records", xl, cs_rec).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let s = store
        .integrity_record(body["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.record.source, "api:西岭市交通运输局");
    assert_eq!(s.record.archive, ArchiveKind::CivilServant);
    let (status, body) = api(
        &state,
        "/api/v1/integrity/records",
        xl,
        rec("公务人员", &cs, "纪律处分", None, "示纪〔2026〕82号"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["details"][0]["field"], "sanction");
    // Documented.
    let doc: Value =
        serde_json::from_str(&get(&state, "/api/v1/openapi.json", "").await.text).unwrap();
    for path in [
        "/api/v1/integrity/departments",
        "/api/v1/integrity/registrations",
        "/api/v1/integrity/registrations/{id}/review",
        "/api/v1/integrity/records",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} not documented");
    }
}
