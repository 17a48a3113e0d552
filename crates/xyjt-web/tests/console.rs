//! The staff console over the real router and a real store with the demo data: sign-in with
//! CSRF, record entry → review by another person → published on the portal, file import with a
//! row-by-row report and a rejects file, and the write matrix — every console write tried by
//! every demo account, refused (403, nothing written) unless role and unit allow it.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_store::Store;
use xyjt_web::{AppState, router};

const PASSWORD: &str = xyjt_app::accounts::DEMO_PASSWORD;
const XL: &str = "西岭市交通运输综合行政执法支队";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

async fn setup() -> (Arc<dyn Store>, AppState) {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("console-{}.db", uuid::Uuid::now_v7()));
    let store = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    for chunk in xyjt_core::demo::generate(today(), 20_261_122).chunks(2000) {
        store.append(chunk.to_vec()).await.unwrap();
    }
    store
        .append(xyjt_app::accounts::demo_account_events())
        .await
        .unwrap();
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today());
    (store, state)
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

async fn send(state: &AppState, req: Request<Body>) -> Resp {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(state: &AppState, uri: &str, cookie: &str) -> Resp {
    send(
        state,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post(state: &AppState, uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Resp {
    send(
        state,
        Request::post(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(fields)))
            .unwrap(),
    )
    .await
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

fn input_value(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}\" value=\"");
    let i = html.find(&key).unwrap_or_else(|| panic!("no {id}")) + key.len();
    html[i..].split('"').next().unwrap().to_string()
}

/// Signs in and returns the session cookie and the session's CSRF token.
async fn sign_in(state: &AppState, login: &str) -> (String, String) {
    let page = get(state, "/console/login", "").await;
    let form_cookie = set_cookie(&page, "xyjt_login").unwrap();
    let token = hidden(&page.text, "csrf");
    let r = post(
        state,
        "/console/login",
        &form_cookie,
        &[
            ("csrf", &token),
            ("next", "/console"),
            ("login", login),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.text);
    let session = set_cookie(&r, "xyjt_session").unwrap();
    let home = get(state, "/console", &session).await;
    assert_eq!(home.status, StatusCode::OK);
    (session.clone(), hidden(&home.text, "csrf"))
}

fn location(r: &Resp) -> String {
    r.headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sign_in_checks_password_csrf_and_session() {
    let (_store, state) = setup().await;
    // Not signed in: to the sign-in page, keeping where to go next.
    let r = get(&state, "/console/submissions", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/console/login?next=%2Fconsole%2Fsubmissions");
    // A sign-in without the form's token is refused outright.
    let r = post(
        &state,
        "/console/login",
        "",
        &[("login", "xl-lr"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A wrong password: 401, the same message as an unknown account.
    let page = get(&state, "/console/login", "").await;
    let cookie = set_cookie(&page, "xyjt_login").unwrap();
    let token = hidden(&page.text, "csrf");
    for (login, password) in [("xl-lr", "wrong-password"), ("nobody", PASSWORD)] {
        let r = post(
            &state,
            "/console/login",
            &cookie,
            &[("csrf", &token), ("login", login), ("password", password)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.text.contains("账号或密码不正确"));
        assert!(set_cookie(&r, "xyjt_session").is_none());
    }
    // An open redirect is not possible through `next`.
    let r = post(
        &state,
        "/console/login",
        &cookie,
        &[
            ("csrf", &token),
            ("next", "https://evil.example/"),
            ("login", "xl-lr"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(location(&r), "/console");
    let session = set_cookie(&r, "xyjt_session").unwrap();
    let cookie_header = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie_header.contains("HttpOnly"));
    let home = get(&state, "/console", &session).await;
    assert!(
        home.text.contains("工作台") && home.text.contains("<svg"),
        "dashboard with charts"
    );
    let csrf = hidden(&home.text, "csrf");
    // Sign-out needs the token too; afterwards the cookie is worthless.
    let r = post(&state, "/console/logout", &session, &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&state, "/console/logout", &session, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&state, "/console", &session).await.status,
        StatusCode::SEE_OTHER
    );
}

/// The entry form's fields for a new penalty of 西岭 with a unique document number.
async fn penalty_fields(
    state: &AppState,
    cookie: &str,
    doc_no: &str,
    party: &str,
) -> Vec<(String, String)> {
    let page = get(state, "/console/records/new?category=penalty", cookie).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let code = input_value(&page.text, "CF_SJLYDM");
    vec![
        ("category", "penalty"),
        ("CF_XDR_MC", party),
        ("CF_XDR_LB", "法人及非法人组织"),
        ("CF_XDR_SHXYM", "91350100M000100Y43"),
        ("CF_WSH", doc_no),
        ("CF_WFXW", "超限运输"),
        ("CF_SY", "车货总重超过限定标准"),
        ("CF_YJ", "《公路安全保护条例》第六十六条"),
        ("CF_CFLB", "罚款"),
        ("CF_NR", "罚款人民币3000元"),
        ("CF_NR_FK", "0.3"),
        ("CF_JDRQ", "2026-11-18"),
        ("CF_YXQ", "2027-11-18"),
        ("CF_CFJG", XL),
        ("CF_CFJGDM", &code),
        ("CF_SJLY", XL),
        ("CF_SJLYDM", &code),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn enter(state: &AppState, cookie: &str, csrf: &str, doc_no: &str) -> Resp {
    let mut fields = penalty_fields(state, cookie, doc_no, "示范市长风货运有限公司").await;
    fields.push(("csrf".into(), csrf.into()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post(state, "/console/records", cookie, &refs).await
}

#[tokio::test]
async fn a_record_goes_from_entry_through_review_to_the_portal() {
    let (store, state) = setup().await;
    let (clerk, clerk_csrf) = sign_in(&state, "xl-lr").await;
    let r = enter(&state, &clerk, &clerk_csrf, "西交执罚〔2026〕901号").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let submission = location(&r);
    let page = get(&state, &submission, &clerk).await;
    assert!(page.text.contains("待审核"));
    assert!(page.text.contains("id=\"valid-rows\">1<"), "{}", page.text);
    // Not public yet.
    let search = get(
        &state,
        "/api/v1/subjects?q=%E9%95%BF%E9%A3%8E%E8%B4%A7%E8%BF%90",
        "",
    )
    .await;
    assert!(search.text.contains("\"total\":0"), "{}", search.text);
    // The clerk cannot review (role), nor can another unit's reviewer (unit).
    let id = submission.rsplit('/').next().unwrap();
    let review = format!("/console/submissions/{id}/review");
    let r = post(
        &state,
        &review,
        &clerk,
        &[("csrf", &clerk_csrf), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (dh, dh_csrf) = sign_in(&state, "dh-sh").await;
    let r = post(
        &state,
        &review,
        &dh,
        &[("csrf", &dh_csrf), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("西岭市交通运输综合行政执法支队"));
    // The unit's reviewer publishes it.
    let (reviewer, reviewer_csrf) = sign_in(&state, "xl-sh").await;
    let r = post(
        &state,
        &review,
        &reviewer,
        &[
            ("csrf", &reviewer_csrf),
            ("decision", "approve"),
            ("comment", "核对无误"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = get(&state, &submission, &reviewer).await;
    assert!(page.text.contains("已审核发布"));
    let search = get(
        &state,
        "/api/v1/subjects?q=%E9%95%BF%E9%A3%8E%E8%B4%A7%E8%BF%90",
        "",
    )
    .await;
    let found: Value = serde_json::from_str(&search.text).unwrap();
    let subject = found["items"][0]["id"].as_str().unwrap().to_string();
    let profile: Value = serde_json::from_str(
        &get(&state, &format!("/api/v1/subjects/{subject}"), "")
            .await
            .text,
    )
    .unwrap();
    assert_eq!(profile["records"][0]["doc_no"], "西交执罚〔2026〕901号");
    // Who did what is in the ledger: the clerk filed, the reviewer approved with the records.
    let events = store
        .recent_events(Some("user:xl-sh"), None, 10)
        .await
        .unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert!(
        kinds.contains(&"submission_reviewed") && kinds.contains(&"record_published"),
        "{kinds:?}"
    );
    assert_eq!(
        store
            .recent_events(Some("user:xl-lr"), None, 10)
            .await
            .unwrap()[0]
            .kind,
        "submission_filed"
    );
    // Reviewing twice is refused.
    let r = post(
        &state,
        &review,
        &reviewer,
        &[("csrf", &reviewer_csrf), ("decision", "approve")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

fn multipart(csrf: &str, file_name: &str, content: &str) -> (String, Vec<u8>) {
    let boundary = "----xyjtboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("category", "penalty")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_import_shows_every_bad_row_and_offers_the_rejects_file() {
    let (_store, state) = setup().await;
    let (clerk, csrf) = sign_in(&state, "xl-lr").await;
    let fields = penalty_fields(&state, &clerk, "X", "示范市甲运输有限公司").await;
    let header: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k != "category")
        .map(|(k, _)| k.as_str())
        .collect();
    let row = |doc: &str, date: &str| {
        fields
            .iter()
            .filter(|(k, _)| k != "category")
            .map(|(k, v)| match k.as_str() {
                "CF_WSH" => doc.to_string(),
                "CF_JDRQ" => date.to_string(),
                _ => v.clone(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let csv = format!(
        "{}\n{}\n{}\n",
        header.join(","),
        row("西交执罚〔2026〕911号", "2026-11-02"),
        row("西交执罚〔2026〕912号", "2026-02-30")
    );
    let (ctype, body) = multipart(&csrf, "十一月处罚.csv", &csv);
    let r = send(
        &state,
        Request::post("/console/import")
            .header(header::COOKIE, &clerk)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = get(&state, &location(&r), &clerk).await;
    assert!(
        page.text.contains("id=\"valid-rows\">1<") && page.text.contains("id=\"rejected-rows\">1<"),
        "{}",
        page.text
    );
    assert!(
        page.text.contains("第2行 CF_JDRQ"),
        "row and field named: {}",
        page.text
    );
    let link = page
        .text
        .split("id=\"rejects-link\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let rejects = get(&state, &link, &clerk).await;
    assert_eq!(rejects.status, StatusCode::OK);
    assert!(rejects.text.contains("错误原因") && rejects.text.contains("912号"));
    assert!(!rejects.text.contains("911号"), "only the bad row");
    // Files are for signed-in staff only.
    assert_eq!(get(&state, &link, "").await.status, StatusCode::SEE_OTHER);
    // Another unit's clerk cannot submit 西岭's data.
    let (dh, dh_csrf) = sign_in(&state, "dh-lr").await;
    let (ctype, body) = multipart(&dh_csrf, "x.csv", &csv);
    let r = send(
        &state,
        Request::post("/console/import")
            .header(header::COOKIE, &dh)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("数据来源单位不在"), "{}", r.text);
}

/// Every console write, tried by every demo account (and with a forged token): allowed only
/// for the right role in the right unit, and a refusal writes nothing.
#[tokio::test]
async fn no_write_succeeds_without_the_right_unit_and_role() {
    let (store, state) = setup().await;
    let accounts = ["admin", "xyc", "xl-lr", "xl-sh", "dh-lr", "dh-sh"];
    let mut sessions = std::collections::HashMap::new();
    for a in accounts {
        sessions.insert(a, sign_in(&state, a).await);
    }
    // A 西岭 penalty record to object to.
    let page = store
        .public_records(&xyjt_store::PublicityQuery {
            on: today(),
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: Some(XL.into()),
            decided_from: None,
            decided_to: None,
            limit: 1,
            offset: 0,
        })
        .await
        .unwrap();
    let record = page.items[0].id.clone();
    // (write, the accounts allowed to do it) — decided by hand from the role table.
    let cases: [(&str, &[&str]); 5] = [
        ("enter a 西岭 record", &["xl-lr"]),
        ("review a 西岭 submission", &["xl-sh"]),
        ("decide an objection on 西岭 data", &["xl-sh", "xyc"]),
        ("review a proposed list entry of 西岭", &["xyc"]),
        ("create an account", &["admin"]),
    ];
    for (what, allowed) in cases {
        for who in accounts.iter().copied().chain(["forged-token"]) {
            let (cookie, csrf) = if who == "forged-token" {
                (sessions["xl-lr"].0.clone(), "forged".to_string())
            } else {
                sessions[who].clone()
            };
            // A fresh target for every attempt, made by someone else.
            let (uri, fields): (String, Vec<(String, String)>) = match what {
                "enter a 西岭 record" => {
                    let mut f = penalty_fields(
                        &state,
                        &sessions["xl-lr"].0,
                        &format!("西交执罚〔2026〕{who}号"),
                        "示范市乙运输有限公司",
                    )
                    .await;
                    f.push(("csrf".into(), csrf.clone()));
                    ("/console/records".into(), f)
                }
                "review a 西岭 submission" => {
                    let (c, t) = &sessions["xl-lr"];
                    let r = enter(&state, c, t, &format!("西交执罚〔2026〕审{who}号")).await;
                    let id = location(&r).rsplit('/').next().unwrap().to_string();
                    let before = store.submission(&id).await.unwrap().unwrap();
                    assert_eq!(
                        before.status,
                        xyjt_core::submission::SubmissionStatus::Pending
                    );
                    (
                        format!("/console/submissions/{id}/review"),
                        vec![
                            ("csrf".into(), csrf.clone()),
                            ("decision".into(), "approve".into()),
                        ],
                    )
                }
                "decide an objection on 西岭 data" => {
                    let ctx = xyjt_app::Ctx::new(store.as_ref(), &state.calendar, today());
                    let filed = xyjt_app::workflows::file_objection(
                        &ctx,
                        serde_json::from_value(
                            serde_json::json!({"record_id": record, "reason": "名称有误"}),
                        )
                        .unwrap(),
                        "test",
                    )
                    .await
                    .unwrap();
                    (
                        format!("/console/applications/{}/steps", filed.number),
                        vec![
                            ("csrf".into(), csrf.clone()),
                            ("action".into(), "decide".into()),
                            ("granted".into(), "false".into()),
                            ("reason".into(), "经核实信息无误".into()),
                        ],
                    )
                }
                "review a proposed list entry of 西岭" => {
                    let entry = xyjt_core::listing::ListEntry {
                        id: xyjt_core::ledger::new_id(),
                        list: xyjt_core::lists::NameList::Watch,
                        subject_id: None,
                        name: format!("示范市丙运输有限公司{who}"),
                        code: None,
                        item_id: "S-WATCH-OVERLOAD".into(),
                        policy_version: 1,
                        basis: "test".into(),
                        deciding_unit: XL.into(),
                        entry_date: today(),
                        valid_until: None,
                        source_records: vec![],
                        explanation: "test".into(),
                    };
                    let id = entry.id.clone();
                    store
                        .append(vec![NewEvent::new(
                            "rule:test",
                            Utc::now(),
                            EventPayload::ListEntryProposed {
                                entry,
                                by: "rule:test".into(),
                            },
                        )])
                        .await
                        .unwrap();
                    (
                        format!("/console/lists/{id}/review"),
                        vec![
                            ("csrf".into(), csrf.clone()),
                            ("decision".into(), "approve".into()),
                        ],
                    )
                }
                _ => (
                    "/console/accounts".into(),
                    vec![
                        ("csrf".into(), csrf.clone()),
                        ("login".into(), format!("new-{who}")),
                        ("name".into(), "新账号".into()),
                        ("unit_id".into(), "XL-ZF".into()),
                        ("role_clerk".into(), "1".into()),
                        ("password".into(), "a-long-password".into()),
                    ],
                ),
            };
            let head = store.head().await.unwrap().seq;
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let r = post(&state, &uri, &cookie, &refs).await;
            if allowed.contains(&who) {
                assert_eq!(
                    r.status,
                    StatusCode::SEE_OTHER,
                    "{who} may {what}: {}",
                    r.text
                );
                assert!(
                    store.head().await.unwrap().seq > head,
                    "{who} {what}: written"
                );
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{who} may not {what}: {}",
                    r.text
                );
                assert_eq!(
                    store.head().await.unwrap().seq,
                    head,
                    "{who} {what}: nothing written"
                );
            }
        }
    }
}

fn multipart_fields(fields: &[(&str, &str)], file: &str) -> (String, Vec<u8>) {
    let boundary = "----xyjtpolicyboundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lists.json\"\r\nContent-Type: application/json\r\n\r\n{file}\r\n--{boundary}--\r\n")
            .as_bytes(),
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Only a province-level credit administrator adopts a new version of the four lists; the old
/// versions stay readable.
#[tokio::test]
async fn a_new_four_list_version_needs_a_province_credit_admin() {
    let (store, state) = setup().await;
    let (admin, admin_csrf) = sign_in(&state, "xyc").await;
    let page = get(&state, "/console/policy", &admin).await;
    assert!(
        page.text.contains("id=\"policy-version\">1<"),
        "{}",
        page.text
    );
    let current = get(&state, "/console/policy/export.json", &admin)
        .await
        .text;
    assert!(current.contains("S-BLACK-BID-FRAUD"));
    for (who, expected) in [
        ("xl-sh", StatusCode::FORBIDDEN),
        ("admin", StatusCode::FORBIDDEN),
        ("xyc", StatusCode::SEE_OTHER),
    ] {
        let (cookie, csrf) = if who == "xyc" {
            (admin.clone(), admin_csrf.clone())
        } else {
            sign_in(&state, who).await
        };
        let (ctype, body) = multipart_fields(
            &[
                ("csrf", &csrf),
                ("note", "依据新文件调整"),
                ("effective_from", "2026-12-01"),
            ],
            &current,
        );
        let r = send(
            &state,
            Request::post("/console/policy")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, expected, "{who}: {}", r.text);
    }
    let latest = store.list_policy(None).await.unwrap().unwrap();
    assert_eq!(latest.version, 2);
    assert_eq!(latest.changed_by, "user:xyc");
    assert_eq!(
        latest.effective_from,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    );
    assert!(
        store.list_policy(Some(1)).await.unwrap().is_some(),
        "version 1 is kept"
    );
    // A broken file is refused with the reason, and nothing is adopted.
    let (ctype, body) = multipart_fields(&[("csrf", &admin_csrf), ("note", "x")], "{not json");
    let r = send(
        &state,
        Request::post("/console/policy")
            .header(header::COOKIE, &admin)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.list_policy(None).await.unwrap().unwrap().version, 2);
}

/// Files above axum's default 2 MB body limit reach the importer (which answers for their
/// content), and an empty file is refused with the reason.
#[tokio::test]
async fn large_and_empty_uploads_get_a_reason() {
    let (_store, state) = setup().await;
    let (clerk, csrf) = sign_in(&state, "xl-lr").await;
    let big = format!("甲,乙\n{}", "没有表头的内容,x\n".repeat(150_000));
    assert!(big.len() > 3_000_000);
    for (content, expected, says) in [
        (
            big.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "文件无法导入",
        ),
        ("", StatusCode::UNPROCESSABLE_ENTITY, "文件为空"),
    ] {
        let (ctype, body) = multipart(&csrf, "大文件.csv", content);
        let r = send(
            &state,
            Request::post("/console/import")
                .header(header::COOKIE, &clerk)
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, expected, "{}", &r.text[..r.text.len().min(300)]);
        assert!(
            r.text.contains(says),
            "{}",
            &r.text[..r.text.len().min(300)]
        );
        assert!(
            r.text.contains("操作未完成") && r.text.contains("<html"),
            "a page, not JSON"
        );
    }
}

/// A system administrator issues a unit's API token in the console; it works at once, and only
/// a system administrator can issue one.
#[tokio::test]
async fn api_tokens_are_issued_to_units_by_system_administrators() {
    let (_store, state) = setup().await;
    let (reviewer, reviewer_csrf) = sign_in(&state, "xl-sh").await;
    let r = post(
        &state,
        "/console/tokens",
        &reviewer,
        &[("csrf", &reviewer_csrf), ("unit_id", "XL-ZF")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (admin, csrf) = sign_in(&state, "admin").await;
    let r = post(
        &state,
        "/console/tokens",
        &admin,
        &[("csrf", &csrf), ("unit_id", "XL-ZF")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let token = r
        .text
        .split("id=\"token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let check = send(
        &state,
        Request::post("/api/v1/checks")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                r#"{"subject": {"name": "不存在的公司"}, "decision_point": "招标投标"}"#,
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    let answer: Value = serde_json::from_str(&check.text).unwrap();
    let id = answer["id"].as_str().unwrap();
    let recorded = send(
        &state,
        Request::get(format!("/api/v1/checks/{id}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        recorded.text.contains(XL),
        "asked by the unit: {}",
        recorded.text
    );
}

/// Changing one's password needs the old one, ends the sessions, and the new one signs in.
#[tokio::test]
async fn a_password_change_needs_the_old_one_and_ends_sessions() {
    let (_store, state) = setup().await;
    let (cookie, csrf) = sign_in(&state, "xl-lr").await;
    let r = post(
        &state,
        "/console/password",
        &cookie,
        &[
            ("csrf", &csrf),
            ("old", "wrong-old-one"),
            ("new", "a-new-long-password"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &state,
        "/console/password",
        &cookie,
        &[("csrf", &csrf), ("old", PASSWORD), ("new", "short")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = post(
        &state,
        "/console/password",
        &cookie,
        &[
            ("csrf", &csrf),
            ("old", PASSWORD),
            ("new", "a-new-long-password"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&state, "/console", &cookie).await.status,
        StatusCode::SEE_OTHER,
        "the session ended"
    );
    let page = get(&state, "/console/login", "").await;
    let form_cookie = set_cookie(&page, "xyjt_login").unwrap();
    let token = hidden(&page.text, "csrf");
    for (password, expected) in [
        (PASSWORD, StatusCode::UNAUTHORIZED),
        ("a-new-long-password", StatusCode::SEE_OTHER),
    ] {
        let r = post(
            &state,
            "/console/login",
            &form_cookie,
            &[("csrf", &token), ("login", "xl-lr"), ("password", password)],
        )
        .await;
        assert_eq!(r.status, expected);
    }
}

/// The deciding bureau's credit administrator withdraws a published entry with a reason; another
/// bureau's cannot, and the entry stays on record as ended.
#[tokio::test]
async fn a_published_entry_is_withdrawn_with_its_reason() {
    let (store, state) = setup().await;
    let entry = xyjt_core::listing::ListEntry {
        id: xyjt_core::ledger::new_id(),
        list: xyjt_core::lists::NameList::Black,
        subject_id: None,
        name: "示范市丁运输有限公司".into(),
        code: None,
        item_id: "S-BLACK-BID-FRAUD".into(),
        policy_version: 1,
        basis: "test".into(),
        deciding_unit: XL.into(),
        entry_date: today(),
        valid_until: None,
        source_records: vec![],
        explanation: "test".into(),
    };
    let id = entry.id.clone();
    store
        .append(vec![
            NewEvent::new(
                "rule:test",
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry,
                    by: "rule:test".into(),
                },
            ),
            NewEvent::new(
                "审核员",
                Utc::now(),
                EventPayload::ListEntryReviewed {
                    entry_id: id.clone(),
                    by: "审核员".into(),
                    approved: true,
                    comment: String::new(),
                },
            ),
            NewEvent::new(
                "审核员",
                Utc::now(),
                EventPayload::ListEntryPublished {
                    entry_id: id.clone(),
                    on: today(),
                },
            ),
        ])
        .await
        .unwrap();
    let uri = format!("/console/lists/{id}/end");
    let (clerk, clerk_csrf) = sign_in(&state, "xl-lr").await;
    let r = post(
        &state,
        &uri,
        &clerk,
        &[("csrf", &clerk_csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (admin, csrf) = sign_in(&state, "xyc").await;
    let r = post(&state, &uri, &admin, &[("csrf", &csrf), ("reason", "  ")]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is required"
    );
    let r = post(
        &state,
        &uri,
        &admin,
        &[("csrf", &csrf), ("reason", "认定依据的判决已撤销")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let e = store.list_entry(&id).await.unwrap().unwrap();
    assert_eq!(
        e.ended.map(|(r, _)| r),
        Some(xyjt_core::listing::EndReason::Withdrawn)
    );
    let events = store.events_of(&id).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.actor, "user:xyc");
    assert_eq!(last.payload["note"], "认定依据的判决已撤销");
    let page = get(&state, "/console/lists", &admin).await;
    assert!(page.text.contains("认定单位撤销（"));
}

/// Uploads `csv` to the console's import as the holder of `cookie`.
async fn import(state: &AppState, cookie: &str, csrf: &str, name: &str, csv: &str) -> Resp {
    let (ctype, body) = multipart(csrf, name, csv);
    send(
        state,
        Request::post("/console/import")
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// 谁生产、谁审核、谁负责 whatever the header says (issue 17, item 1): a clerk cannot file
/// another unit's rows by spelling the 数据来源单位 column another way the importer accepts
/// (`cf_sjly`, `SJLY`, `数据来源单位（必填）`); the check reads the importer's own rows.
#[tokio::test]
async fn another_units_rows_are_refused_whatever_the_header_spelling() {
    let (store, state) = setup().await;
    let (clerk, csrf) = sign_in(&state, "xl-lr").await;
    let (dh, _) = sign_in(&state, "dh-lr").await;
    let dh_form = get(&state, "/console/records/new?category=penalty", &dh).await;
    let dh_unit = input_value(&dh_form.text, "CF_SJLY");
    let dh_code = input_value(&dh_form.text, "CF_SJLYDM");
    assert!(dh_unit.starts_with("东湖"), "{dh_unit}");
    let fields = penalty_fields(&state, &clerk, "X", "示范市戊运输有限公司").await;
    let file = |spelling: &str, unit: &str, code: &str, doc: &str| {
        let (head, row): (Vec<String>, Vec<String>) = fields
            .iter()
            .filter(|(k, _)| k != "category")
            .map(|(k, v)| match k.as_str() {
                "CF_SJLY" => (spelling.to_string(), unit.to_string()),
                "CF_CFJG" => (k.clone(), unit.to_string()),
                "CF_SJLYDM" | "CF_CFJGDM" => (k.clone(), code.to_string()),
                "CF_WSH" => (k.clone(), doc.to_string()),
                _ => (k.clone(), v.clone()),
            })
            .unzip();
        format!("{}\n{}\n", head.join(","), row.join(","))
    };
    let xl_code = input_value(
        &get(&state, "/console/records/new?category=penalty", &clerk)
            .await
            .text,
        "CF_SJLYDM",
    );
    for (i, spelling) in ["cf_sjly", "SJLY", "数据来源单位（必填）"]
        .into_iter()
        .enumerate()
    {
        // The spelling is one the importer reads: the clerk's own row goes to review.
        let own = file(spelling, XL, &xl_code, &format!("西交执罚〔2026〕93{i}号"));
        let r = import(&state, &clerk, &csrf, "本单位.csv", &own).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{spelling}: {}", r.text);
        let page = get(&state, &location(&r), &clerk).await;
        assert!(page.text.contains("id=\"valid-rows\">1<"), "{}", page.text);
        // 东湖's row under the same spelling is refused, and nothing is filed.
        let other = file(
            spelling,
            &dh_unit,
            &dh_code,
            &format!("东交执罚〔2026〕93{i}号"),
        );
        let head = store.head().await.unwrap().seq;
        let r = import(&state, &clerk, &csrf, "东湖处罚.csv", &other).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{spelling}: {}", r.text);
        assert!(
            r.text.contains("数据来源单位不在") && r.text.contains(&dh_unit),
            "{}",
            r.text
        );
        assert_eq!(
            store.head().await.unwrap().seq,
            head,
            "{spelling}: nothing filed"
        );
    }
}

/// Files are read with the scope of what they belong to (issue 17, item 2): a submission's
/// files and an application's evidence go to staff of the submitting or handling unit and of
/// the units above it; to anyone else they do not exist (404).
#[tokio::test]
async fn files_are_served_only_within_the_owning_units_scope() {
    let (store, state) = setup().await;
    let (clerk, csrf) = sign_in(&state, "xl-lr").await;
    let r = enter(&state, &clerk, &csrf, "西交执罚〔2026〕951号").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = get(&state, &location(&r), &clerk).await;
    let file = page
        .text
        .split("href=\"/console/files/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let submitted = format!("/console/files/{file}");
    // An objection with evidence on a 西岭 record, handled by 西岭.
    let records = store
        .public_records(&xyjt_store::PublicityQuery {
            on: today(),
            category: Some(xyjt_core::record::RecordCategory::Penalty),
            unit: Some(XL.into()),
            decided_from: None,
            decided_to: None,
            limit: 1,
            offset: 0,
        })
        .await
        .unwrap();
    let ctx = xyjt_app::Ctx::new(store.as_ref(), &state.calendar, today());
    let filed = xyjt_app::workflows::file_objection(
        &ctx,
        serde_json::from_value(serde_json::json!({
            "record_id": records.items[0].id,
            "reason": "名称有误",
            "evidence": [{"file_name": "证明.pdf", "content_base64": "JVBERi0xLjQK"}]
        }))
        .unwrap(),
        "test",
    )
    .await
    .unwrap();
    // The application itself is read within the same scope as its files.
    let application = format!("/console/applications/{}", filed.number);
    let evidence = format!(
        "/console/files/{}",
        xyjt_core::canonical::sha256_hex(b"%PDF-1.4\n")
    );
    for (who, expected) in [
        ("xl-lr", StatusCode::OK),
        ("xl-sh", StatusCode::OK),
        ("xyc", StatusCode::OK),
        ("admin", StatusCode::OK),
        ("dh-lr", StatusCode::NOT_FOUND),
        ("dh-sh", StatusCode::NOT_FOUND),
    ] {
        let (cookie, _) = sign_in(&state, who).await;
        for uri in [&submitted, &evidence, &application] {
            let r = get(&state, uri, &cookie).await;
            assert_eq!(r.status, expected, "{who} {uri}: {}", r.text);
        }
    }
    // A file of nothing at all is not found either.
    let (cookie, _) = sign_in(&state, "xyc").await;
    let none = format!("/console/files/{}", "0".repeat(64));
    assert_eq!(
        get(&state, &none, &cookie).await.status,
        StatusCode::NOT_FOUND
    );
}

/// One CSRF check for every console write: each form (urlencoded or multipart) posted with a
/// wrong token is refused with the same 403 page before anything else is looked at, and
/// nothing is written.
#[tokio::test]
async fn every_console_write_checks_the_token_first() {
    let (store, state) = setup().await;
    let (cookie, _) = sign_in(&state, "admin").await;
    let head = store.head().await.unwrap().seq;
    let forms = [
        "/console/logout",
        "/console/password",
        "/console/records",
        "/console/submissions/no-such/review",
        "/console/applications/no-such/steps",
        "/console/lists/no-such/review",
        "/console/lists/no-such/end",
        "/console/accounts",
        "/console/tokens",
    ];
    for uri in forms {
        for token in ["forged", ""] {
            let r = post(
                &state,
                uri,
                &cookie,
                &[("csrf", token), ("decision", "approve")],
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.text);
            assert!(
                r.text.contains("id=\"denied\"") && r.text.contains("CSRF 校验失败"),
                "{uri}: {}",
                r.text
            );
        }
    }
    for uri in ["/console/import", "/console/policy"] {
        let (ctype, body) = multipart_fields(&[("csrf", "forged"), ("note", "x")], "{}");
        let r = send(
            &state,
            Request::post(uri)
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, ctype)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.text);
        assert!(r.text.contains("CSRF 校验失败"), "{uri}: {}", r.text);
    }
    assert_eq!(store.head().await.unwrap().seq, head, "nothing written");
    // The session still works: a forged sign-out did not end it.
    assert_eq!(
        get(&state, "/console", &cookie).await.status,
        StatusCode::OK
    );
}

/// Reads are scoped like writes (issue 17): 名单管理, 核查记录 and 操作审计 show a staff member
/// only what their unit and the units below did (a manager: the whole bureau). Entries, checks
/// and events of units outside the tree and of systems (imports, the demo, system jobs) belong
/// to the root: only a scope over the whole tree sees them.
#[tokio::test]
async fn lists_checks_and_audit_show_only_the_units_in_scope() {
    const DH: &str = "东湖市交通运输综合行政执法支队";
    const XL_TOKEN: &str = "xyjt_test_token_of_xiling_detachment";
    const DH_TOKEN: &str = "xyjt_test_token_of_donghu_detachment";
    let (store, state) = setup().await;
    let entry = |id: &str, name: &str, unit: &str| xyjt_core::listing::ListEntry {
        id: id.into(),
        list: xyjt_core::lists::NameList::Black,
        subject_id: None,
        name: name.into(),
        code: None,
        item_id: "S-BLACK-SERIOUS-PENALTY".into(),
        policy_version: 1,
        basis: "受到严重行政处罚".into(),
        deciding_unit: unit.into(),
        entry_date: today(),
        valid_until: None,
        source_records: vec![],
        explanation: "test".into(),
    };
    let token = |id: &str, name: &str, secret: &str| {
        NewEvent::new(
            "system:init",
            Utc::now(),
            EventPayload::ApiTokenIssued {
                token_id: id.into(),
                name: name.into(),
                token_hash: xyjt_core::canonical::sha256_hex(secret.as_bytes()),
                decision_points: vec![],
            },
        )
    };
    store
        .append(vec![
            token("t-xl", XL, XL_TOKEN),
            token("t-dh", DH, DH_TOKEN),
            NewEvent::new(
                "user:xl-lr",
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry: entry("e-xl", "西岭甲物流有限公司", XL),
                    by: "xl-lr".into(),
                },
            ),
            NewEvent::new(
                "user:dh-lr",
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry: entry("e-dh", "东湖乙物流有限公司", DH),
                    by: "dh-lr".into(),
                },
            ),
            // A unit outside the organisation tree (an external list's court).
            NewEvent::new(
                "system:exchange",
                Utc::now(),
                EventPayload::ListEntryProposed {
                    entry: entry(
                        "e-court",
                        "法院丙物流有限公司",
                        "示范市中级人民法院（演示）",
                    ),
                    by: "system:exchange".into(),
                },
            ),
        ])
        .await
        .unwrap();
    state.refresh_checks().await.unwrap();
    // A check asked by each detachment's system, about different companies.
    for (secret, code) in [
        (XL_TOKEN, "91350100M000100Y43"),
        (DH_TOKEN, "91110000600037341L"),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/checks")
            .header("authorization", format!("Bearer {secret}"))
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({"subject": {"identifier": code}, "decision_point": "招标投标"})
                    .to_string(),
            ))
            .unwrap();
        let r = send(&state, req).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let rows = |html: &str, table: &str| {
        html.split(&format!("<table id=\"{table}\">"))
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .map_or(0, |t| t.matches("<tr><td>").count())
    };
    // (login, sees 西岭, sees 东湖, sees the root's)
    for (login, xl, dh, root) in [
        ("xl-lr", true, false, false),
        ("xl-sh", true, false, false),
        ("dh-lr", false, true, false),
        ("dh-sh", false, true, false),
        ("xyc", true, true, true),
        ("admin", true, true, true),
    ] {
        let (cookie, _) = sign_in(&state, login).await;
        let lists = get(&state, "/console/lists", &cookie).await;
        assert_eq!(lists.status, StatusCode::OK, "{login}");
        assert_eq!(lists.text.contains("西岭甲物流有限公司"), xl, "{login}");
        assert_eq!(lists.text.contains("东湖乙物流有限公司"), dh, "{login}");
        assert_eq!(lists.text.contains("法院丙物流有限公司"), root, "{login}");
        let checks = get(&state, "/console/checks", &cookie).await;
        assert_eq!(checks.status, StatusCode::OK, "{login}");
        assert_eq!(checks.text.contains("91350100M000100Y43"), xl, "{login}");
        assert_eq!(checks.text.contains("91110000600037341L"), dh, "{login}");
        let audit = get(&state, "/console/audit", &cookie).await;
        assert_eq!(audit.status, StatusCode::OK, "{login}");
        assert_eq!(audit.text.contains("<td>user:xl-lr</td>"), xl, "{login}");
        assert_eq!(
            audit.text.contains(&format!("<td>api:{XL}</td>")),
            xl,
            "{login}"
        );
        assert_eq!(audit.text.contains("<td>user:dh-lr</td>"), dh, "{login}");
        assert_eq!(
            audit.text.contains(&format!("<td>api:{DH}</td>")),
            dh,
            "{login}"
        );
        assert_eq!(audit.text.contains("<td>system:init</td>"), root, "{login}");
        // Asking for another unit's actor by name shows nothing either.
        let other = if dh { "user:xl-lr" } else { "user:dh-lr" };
        let asked = get(&state, &format!("/console/audit?actor={other}"), &cookie).await;
        assert_eq!(
            rows(&asked.text, "audit") > 0,
            root || (xl && dh),
            "{login}"
        );
    }
}

#[tokio::test]
async fn the_exchange_page_shows_peers_and_dead_letters() {
    let (store, state) = setup().await;
    // Every unit's sync clocks are on it: the province's 信用管理员 only.
    let (clerk, _) = sign_in(&state, "xl-lr").await;
    let refused = get(&state, "/console/exchange", &clerk).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (cookie, _) = sign_in(&state, "xyc").await;
    let page = get(&state, "/console/exchange", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("（未加入交换）"), "{}", page.text);
    assert!(page.text.contains("尚无对端节点"));
    assert!(page.text.contains("没有死信"));
    // A message from XL that could not be applied: the peer and the letter with its reason.
    let event = store.events_after(0, 1).await.unwrap().remove(0);
    let envelope = xyjt_core::exchange::Envelope {
        node: "XL".into(),
        prev: 0,
        event,
        related: vec![],
    };
    store
        .exchange_dead_letter(&envelope, "哈希与内容不符 <script>", 5)
        .await
        .unwrap();
    let page = get(&state, "/console/exchange", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<td>XL</td>"), "{}", page.text);
    assert!(page.text.contains("XL#1"));
    assert!(
        page.text.contains("哈希与内容不符 &lt;script&gt;"),
        "escaped"
    );
    assert!(
        page.text
            .contains(r#"<a href="/console/exchange">信息交换</a>"#)
    );
    assert!(page.text.contains("没有未关闭的同步期限"));
    // An upheld objection starts the 5-working-day sync clock: listed until a peer acknowledges.
    let record = store
        .events_after(0, 5_000)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == "record_published")
        .unwrap()
        .aggregate_id;
    let ctx = xyjt_app::Ctx::new(store.as_ref(), &state.policies.calendar, today());
    let filed = xyjt_app::workflows::file_objection(
        &ctx,
        xyjt_app::workflows::ObjectionRequest {
            record_id: Some(record),
            entry_id: None,
            result_id: None,
            field: None,
            reason: "处罚决定已被撤销".into(),
            claimed: Value::Null,
            filed_on: None,
            applicant: None,
            evidence: vec![],
        },
        "企业",
    )
    .await
    .unwrap();
    xyjt_app::workflows::take_step(
        &ctx,
        &filed.number,
        &xyjt_app::workflows::StepRequest {
            action: "decide".into(),
            on: None,
            reason: "异议成立".into(),
            unit: None,
            clock: None,
            workdays: None,
            granted: Some(true),
            revoke: true,
            corrected: None,
            outcome: None,
        },
        "审核人",
    )
    .await
    .unwrap();
    let page = get(&state, "/console/exchange", &cookie).await;
    assert!(page.text.contains(&filed.number), "{}", page.text);
    assert!(page.text.contains("报送省级平台"));
}
