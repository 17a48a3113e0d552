//! The public portal over the demo data: name lists (masked), online objections and repairs
//! through the forms (with the double-submit token), the search rate limit, policies and news.

use axum::body::{Body, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{NaiveDate, Utc};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;
use xyjt_core::calendar::Calendar;
use xyjt_core::ident::CitizenId;
use xyjt_core::ledger::{EventPayload, NewEvent, new_id};
use xyjt_core::listing::ListEntry;
use xyjt_core::lists::{ListPolicy, NameList, evaluate_rule};
use xyjt_core::publicity::PublicityPolicy;
use xyjt_core::record::{Record, RecordCategory};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::{AppQuery, Store};
use xyjt_web::{AppState, RateLimit, router};

const TODAY: &str = "2026-11-22";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn ev(payload: EventPayload) -> NewEvent {
    NewEvent::new("test", Utc::now(), payload)
}

struct Demo {
    state: AppState,
    store: Arc<dyn Store>,
    /// Every valid citizen ID number anywhere in the data.
    ids: BTreeSet<String>,
    /// Natural persons' full names put on lists.
    listed_people: Vec<String>,
    /// A company on the red list.
    red_company: String,
}

/// Proposes, approves and publishes an entry.
fn entry_events(entry: ListEntry, on: NaiveDate) -> Vec<NewEvent> {
    let id = entry.id.clone();
    vec![
        ev(EventPayload::ListEntryProposed {
            entry,
            by: "录入员甲".into(),
        }),
        ev(EventPayload::ListEntryReviewed {
            entry_id: id.clone(),
            by: "审核员乙".into(),
            approved: true,
            comment: "依规列入".into(),
        }),
        ev(EventPayload::ListEntryPublished { entry_id: id, on }),
    ]
}

fn entry(
    list: NameList,
    s: &Subject,
    code: Option<String>,
    item: &str,
    on: NaiveDate,
) -> ListEntry {
    ListEntry {
        id: new_id(),
        list,
        subject_id: Some(s.id.clone()),
        name: s.name.clone(),
        code,
        item_id: item.into(),
        policy_version: ListPolicy::builtin().version,
        basis: "测试列入依据".into(),
        deciding_unit: "示范市交通运输局".into(),
        entry_date: on,
        valid_until: None,
        source_records: vec![],
        explanation: "test".into(),
    }
}

/// The demo data set, with the entries the list rules propose (as `xyjt demo` does), a natural
/// person on the blacklist, a company on the red list and two 失信被执行人 (one a person known
/// only by name and ID number).
async fn demo() -> Demo {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("portal-{}.db", uuid::Uuid::now_v7()));
    let store = xyjt_store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let today = d(TODAY);
    let events = xyjt_core::demo::generate(today, 42);
    let mut ids = BTreeSet::new();
    let mut subjects = Vec::new();
    for e in &events {
        let json = serde_json::to_string(&e.payload).unwrap();
        let chars: Vec<char> = json.chars().collect();
        for w in chars.windows(18) {
            let s: String = w.iter().collect();
            if CitizenId::parse(&s).is_ok() && s.chars().all(|c| c.is_ascii_alphanumeric()) {
                ids.insert(s);
            }
        }
        if let EventPayload::SubjectRegistered { subject } = &e.payload {
            subjects.push(subject.clone());
        }
    }
    for chunk in events.chunks(2_000) {
        store.append(chunk.to_vec()).await.unwrap();
    }
    // The list rules, as `xyjt lists evaluate` applies them.
    let policy = ListPolicy::builtin();
    let publicity = PublicityPolicy::builtin();
    let mut steps = Vec::new();
    for subject_id in store
        .subjects_with_records(RecordCategory::Penalty)
        .await
        .unwrap()
    {
        let records = store.records_of_subject(&subject_id).await.unwrap();
        let subject = store.subject(&subject_id).await.unwrap().unwrap();
        for item in policy.scopes() {
            let Some(list) = item.lists.first() else {
                continue;
            };
            if let Some(m) = evaluate_rule(item, &records, &publicity, today) {
                let code = subject
                    .uscc
                    .as_ref()
                    .map(|u| u.as_str().to_string())
                    .or_else(|| subject.citizen_id.as_ref().map(|c| c.as_str().to_string()));
                let mut e = entry(list.clone(), &subject, code, &item.id, today);
                e.basis = format!("{}；{}", item.cause, item.legal_basis);
                e.deciding_unit = item.acting_unit.clone();
                e.source_records = m.matched_record_ids;
                steps.extend(entry_events(e, today));
            }
        }
    }
    let people: Vec<&Subject> = subjects
        .iter()
        .filter(|s| s.kind == PartyCategory::NaturalPerson)
        .collect();
    let company = subjects
        .iter()
        .find(|s| s.kind == PartyCategory::LegalPerson)
        .unwrap();
    let person = people[0];
    steps.extend(entry_events(
        entry(
            NameList::Black,
            person,
            person.citizen_id.as_ref().map(|c| c.to_string()),
            "S-BLACK-SERIOUS-PENALTY",
            d("2026-10-01"),
        ),
        d("2026-10-01"),
    ));
    steps.extend(entry_events(
        entry(
            NameList::Red,
            company,
            company.uscc.as_ref().map(|u| u.to_string()),
            "S-RED-AA",
            d("2026-09-01"),
        ),
        d("2026-09-01"),
    ));
    let debtor = people[1];
    let mut external = entry(
        NameList::External("失信被执行人".into()),
        debtor,
        debtor.citizen_id.as_ref().map(|c| c.to_string()),
        "S-EXT-JUDGMENT-DEBTOR",
        d("2026-08-01"),
    );
    external.subject_id = None;
    external.deciding_unit = "示范市中级人民法院（演示）".into();
    steps.extend(entry_events(external, d("2026-08-01")));
    // A person the court lists by name only: masked all the same.
    let mut by_name = entry(
        NameList::External("失信被执行人".into()),
        people[2],
        None,
        "S-EXT-JUDGMENT-DEBTOR",
        d("2026-08-01"),
    );
    by_name.subject_id = None;
    steps.extend(entry_events(by_name, d("2026-08-01")));
    store.append(steps).await.unwrap();
    // Every natural person on any list (by rule too), to look for their full names.
    let mut listed_people = vec![
        person.name.clone(),
        debtor.name.clone(),
        people[2].name.clone(),
    ];
    for e in store.list_entries(None).await.unwrap() {
        if let Some(id) = &e.entry.subject_id {
            let s = store.subject(id).await.unwrap().unwrap();
            if s.kind == PartyCategory::NaturalPerson && !listed_people.contains(&s.name) {
                listed_people.push(s.name);
            }
        }
    }
    let mut state = AppState::new(store.clone(), Calendar::builtin())
        .await
        .unwrap();
    state.today = Some(today);
    state.search_limit = None;
    Demo {
        state,
        store,
        ids,
        listed_people,
        red_company: company.name.clone(),
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(state: &AppState, req: Request<Body>) -> Reply {
    let res = router(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
    Reply {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

async fn get(state: &AppState, uri: &str) -> Reply {
    send(state, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post_form(
    state: &AppState,
    uri: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Reply {
    let body: Vec<String> = form
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    let mut req =
        Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, format!("xyjt_form={c}"));
    }
    send(state, req.body(Body::from(body.join("&"))).unwrap()).await
}

/// Percent-encodes all but the unreserved characters (RFC 3986).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The text between `start` and the next `end`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The token a page set in its cookie.
fn cookie_token(reply: &Reply) -> String {
    let cookie = reply
        .headers
        .get(header::SET_COOKIE)
        .expect("the form sets its token cookie")
        .to_str()
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let token = between(cookie, "xyjt_form=", ";").unwrap().to_string();
    assert_eq!(token.len(), 32);
    token
}

/// The token a form page set in its cookie, checked to be echoed in the hidden field.
fn form_token(reply: &Reply) -> String {
    let token = cookie_token(reply);
    assert!(
        reply
            .body
            .contains(&format!("name=\"csrf\" value=\"{token}\"")),
        "the form echoes the token"
    );
    token
}

/// Every run matching `\d{17}[\dX]` that is a valid citizen ID number.
fn full_id_numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(18)
        .filter(|w| {
            w[..17].iter().all(char::is_ascii_digit) && (w[17].is_ascii_digit() || w[17] == 'X')
        })
        .map(|w| w.iter().collect::<String>())
        .filter(|s| CitizenId::parse(s).is_ok())
        .collect()
}

async fn public_penalties(demo: &Demo) -> Vec<Record> {
    demo.store
        .public_records(&xyjt_store::PublicityQuery {
            on: d(TODAY),
            category: Some(RecordCategory::Penalty),
            unit: None,
            decided_from: None,
            decided_to: None,
            limit: 1000,
            offset: 0,
        })
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn list_pages_show_entries_in_force_masked() {
    let demo = demo().await;
    let mut pages = Vec::new();
    for list in [
        "red",
        "black",
        "watch",
        "%E5%A4%B1%E4%BF%A1%E8%A2%AB%E6%89%A7%E8%A1%8C%E4%BA%BA",
    ] {
        let r = get(&demo.state, &format!("/lists/{list}")).await;
        assert_eq!(r.status, StatusCode::OK, "/lists/{list}");
        assert!(
            r.body.contains("<th>列入事项</th>"),
            "/lists/{list} has a table"
        );
        assert!(
            r.body.contains("申请异议"),
            "/lists/{list} links objections"
        );
        pages.push(r.body);
    }
    let [red, black, watch, debtors] = &pages[..] else {
        unreachable!()
    };
    assert!(red.contains(&demo.red_company) && red.contains("S-RED-AA"));
    assert!(black.contains("S-BLACK-SERIOUS-PENALTY"));
    assert!(
        watch.contains("S-WATCH-OVERLOAD") || watch.contains("S-WATCH-ILLEGAL-OP"),
        "the demo's penalties put someone on the watch list by rule"
    );
    assert!(debtors.contains("示范市中级人民法院（演示）"));
    // People: family name only, ID numbers 6 + 4.
    for (i, name) in demo.listed_people.iter().enumerate() {
        let masked = xyjt_core::mask::mask_person_name(name);
        assert!(
            i >= 3 || pages.iter().any(|p| p.contains(&masked)),
            "{masked} is listed"
        );
        for p in &pages {
            assert!(!p.contains(name.as_str()), "full name {name} shown");
        }
    }
    assert!(
        black.contains("********"),
        "the person's ID number is shown masked"
    );
    for p in &pages {
        assert_eq!(full_id_numbers(p), Vec::<String>::new());
        for id in &demo.ids {
            assert!(!p.contains(id.as_str()));
        }
    }
    // The search box filters by name.
    let part: String = demo.red_company.chars().skip(3).take(4).collect();
    let r = get(&demo.state, &format!("/lists/red?q={}", enc(&part))).await;
    assert!(r.body.contains(&demo.red_company), "{part}");
    let r = get(
        &demo.state,
        &format!("/lists/red?q={}", enc("没有这个名称")),
    )
    .await;
    assert!(!r.body.contains(&demo.red_company) && r.body.contains("暂无符合条件的名单信息"));
    // A person's full name does not find (and so confirm) the masked entry.
    let r = get(
        &demo.state,
        &format!("/lists/black?q={}", enc(&demo.listed_people[0])),
    )
    .await;
    assert!(r.body.contains("暂无符合条件的名单信息"));
    // An unknown list is not a page.
    let r = get(&demo.state, "/lists/%E4%B8%8D%E5%AD%98%E5%9C%A8").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The JSON API masks exactly as the pages do, including the person listed by name only.
    for list in [
        "red",
        "black",
        "watch",
        "%E5%A4%B1%E4%BF%A1%E8%A2%AB%E6%89%A7%E8%A1%8C%E4%BA%BA",
    ] {
        let r = get(&demo.state, &format!("/api/v1/lists/{list}")).await;
        assert_eq!(r.status, StatusCode::OK);
        for name in &demo.listed_people {
            assert!(
                !r.body.contains(name.as_str()),
                "API {list}: full name {name}"
            );
        }
        assert_eq!(full_id_numbers(&r.body), Vec::<String>::new());
    }
    let r = get(
        &demo.state,
        "/api/v1/lists/%E5%A4%B1%E4%BF%A1%E8%A2%AB%E6%89%A7%E8%A1%8C%E4%BA%BA",
    )
    .await;
    assert!(
        r.body
            .contains(&xyjt_core::mask::mask_person_name(&demo.listed_people[2]))
    );
}

#[tokio::test]
async fn objection_form_round_trip() {
    let demo = demo().await;
    let record = public_penalties(&demo).await.remove(0);
    let form = get(
        &demo.state,
        &format!("/objections/new?record={}", record.id),
    )
    .await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.headers[header::CACHE_CONTROL], "no-store");
    let token = form_token(&form);
    assert!(form.body.contains(record.body.doc_no()));
    assert!(
        form.body
            .contains("<option value=\"content\">处罚内容</option>")
    );
    // A validation error re-shows the form with the message, and files nothing.
    let r = post_form(
        &demo.state,
        "/objections",
        Some(&token),
        &[
            ("csrf", &token),
            ("record", &record.id),
            ("reason", "  "),
            ("name", "张三"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写异议理由") && r.body.contains("action=\"/objections\""));
    let r = post_form(
        &demo.state,
        "/objections",
        Some(&token),
        &[
            ("csrf", &token),
            ("record", &record.id),
            ("reason", "处罚日期录入错误"),
            ("field", "decision_date"),
            ("value", "2026-02-30"),
            ("name", "张三"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("处罚决定日期应写为日期"), "{}", r.body);
    assert!(
        r.body.contains("处罚日期录入错误"),
        "what was typed is kept"
    );
    assert!(
        demo.store
            .applications(&AppQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Filed.
    let r = post_form(
        &demo.state,
        "/objections",
        Some(&token),
        &[
            ("csrf", &token),
            ("record", &record.id),
            ("reason", "处罚内容与决定书不一致"),
            ("field", "content"),
            ("value", "罚款人民币500元"),
            ("role", "public"),
            ("name", "张三"),
            ("contact", "13800000000"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let number = between(&r.body, "id=\"number\">", "<").unwrap().to_string();
    let code = between(&r.body, "id=\"query-code\">", "<")
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 8);
    assert!(r.body.contains("查询码只显示这一次"));
    assert!(
        r.body
            .contains(&format!("/applications?number={}", enc(&number)))
    );
    assert!(!r.body.contains("13800000000"), "the contact is not echoed");
    let apps = demo.store.applications(&AppQuery::default()).await.unwrap();
    assert_eq!(apps.len(), 1);
    let app = &apps[0].app;
    assert_eq!(app.number, number);
    assert_eq!(app.target.record_id.as_deref(), Some(record.id.as_str()));
    assert_eq!(app.target.field.as_deref(), Some("content"));
    assert_eq!(app.claimed["content"], "罚款人民币500元");
    assert_eq!(app.applicant.role, "public");
    assert_eq!(app.channel, "online");
    let due = between(&r.body, "办理期限：", " 前").unwrap();
    // The progress lookup works with the number and code shown.
    let p = get(
        &demo.state,
        &format!(
            "/applications?number={}&query_code={}",
            enc(&number),
            enc(&code)
        ),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains(&number) && p.body.contains("异议"),
        "{}",
        p.body
    );
    assert!(p.body.contains(due), "the lookup shows the due date {due}");
    assert!(!p.body.contains("申请编号或查询码不正确"));
    let p = get(
        &demo.state,
        &format!("/applications?number={}&query_code=WRONG", enc(&number)),
    )
    .await;
    assert!(p.body.contains("申请编号或查询码不正确"));
    // The record is now marked on the profile, which links both applications.
    let profile = get(&demo.state, &format!("/subjects/{}", record.subject_id)).await;
    assert!(profile.body.contains("异议处理中"));
    assert!(
        profile
            .body
            .contains(&format!("/objections/new?record={}", record.id))
    );
    assert!(
        profile
            .body
            .contains(&format!("/repairs/new?record={}", record.id))
    );
}

#[tokio::test]
async fn objection_to_a_list_entry() {
    let demo = demo().await;
    let black = get(&demo.state, "/lists/black").await;
    let entry = between(&black.body, "/objections/new?entry=", "\"")
        .unwrap()
        .to_string();
    let form = get(&demo.state, &format!("/objections/new?entry={entry}")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(full_id_numbers(&form.body), Vec::<String>::new());
    let token = form_token(&form);
    let r = post_form(
        &demo.state,
        "/objections",
        Some(&token),
        &[
            ("csrf", &token),
            ("entry", &entry),
            ("reason", "已履行完毕，不应继续列入"),
            ("value", "应移出名单"),
            ("name", "某某公司"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let apps = demo.store.applications(&AppQuery::default()).await.unwrap();
    assert_eq!(apps[0].app.target.entry_id.as_deref(), Some(entry.as_str()));
    assert!(apps[0].app.reason.contains("主张的正确内容：应移出名单"));
    // The entry is now marked on the list page and in the API, and offers no second objection.
    let black = get(&demo.state, "/lists/black").await;
    assert!(black.body.contains("异议处理中"));
    assert!(
        !black
            .body
            .contains(&format!("/objections/new?entry={entry}"))
    );
    let api: serde_json::Value =
        serde_json::from_str(&get(&demo.state, "/api/v1/lists/black").await.body).unwrap();
    let item = api["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == entry.as_str())
        .unwrap();
    assert_eq!(item["under_objection"], true);
}

#[tokio::test]
async fn posts_without_the_matching_token_are_refused() {
    let demo = demo().await;
    let record = public_penalties(&demo).await.remove(0);
    let form = get(
        &demo.state,
        &format!("/objections/new?record={}", record.id),
    )
    .await;
    let token = form_token(&form);
    let other = "A".repeat(32);
    let fields = |csrf: &str| {
        vec![
            ("csrf", csrf.to_string()),
            ("record", record.id.clone()),
            ("reason", "理由".to_string()),
            ("name", "张三".to_string()),
        ]
    };
    let cases = vec![
        (None, fields("")),                // no cookie, no field
        (Some(token.clone()), fields("")), // cookie, no field
        (Some(other), fields(&token)),     // the form's field, another cookie
        (None, fields(&token)),            // the form's field, no cookie
    ];
    for (cookie, form) in &cases {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        for uri in ["/objections", "/repairs"] {
            let r = post_form(&demo.state, uri, cookie.as_deref(), &form).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri} {cookie:?}");
            assert!(r.body.contains("安全校验未通过") && r.body.contains("申请未提交"));
        }
    }
    assert!(
        demo.store
            .applications(&AppQuery::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn repair_form_explains_eligibility() {
    let demo = demo().await;
    let today = d(TODAY);
    let penalties = public_penalties(&demo).await;
    let min_until = |r: &Record| r.publication.as_ref().and_then(|p| p.min_until);
    let recent = penalties
        .iter()
        .find(|r| min_until(r).is_some_and(|m| m >= today))
        .expect("a penalty still in its minimum period");
    let r = get(&demo.state, &format!("/repairs/new?record={}", recent.id)).await;
    assert_eq!(r.status, StatusCode::OK);
    let row = between(&r.body, "<td>最短公示期已满</td>", "</tr>").unwrap();
    assert!(row.contains("✗ 不满足"), "{row}");
    assert!(row.contains(&format!("最短公示期至 {}", min_until(recent).unwrap())));
    assert!(r.body.contains("暂不符合信用修复条件"));
    assert!(
        !r.body.contains("action=\"/repairs\""),
        "no form when not eligible"
    );
    // Posted all the same: refused, every unmet condition shown, nothing filed.
    let token = cookie_token(&r);
    let r = post_form(
        &demo.state,
        "/repairs",
        Some(&token),
        &[
            ("csrf", &token),
            ("record", &recent.id),
            ("reason", "已整改"),
            ("name", "当事人"),
            ("corrected", "yes"),
            ("obligations", "yes"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("申请未提交"));
    assert!(
        r.body.contains("<li>最短公示期已满：最短公示期至"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("<li>已签署信用修复承诺书："),
        "unticked commitment is listed too"
    );
    assert!(
        demo.store
            .applications(&AppQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    // A penalty past its minimum period: the form; the commitment must be signed.
    let old = penalties
        .iter()
        .find(|r| min_until(r).is_some_and(|m| m < today))
        .expect("a penalty past its minimum period");
    let r = get(&demo.state, &format!("/repairs/new?record={}", old.id)).await;
    let row = between(&r.body, "<td>最短公示期已满</td>", "</tr>").unwrap();
    assert!(row.contains("✓ 满足"), "{row}");
    assert!(r.body.contains("action=\"/repairs\"") && r.body.contains("信用修复承诺书"));
    let token = form_token(&r);
    let mut fields = vec![
        ("csrf", token.as_str()),
        ("record", old.id.as_str()),
        ("reason", "已缴纳罚款并完成整改"),
        ("name", "当事人"),
        ("corrected", "yes"),
        ("obligations", "yes"),
    ];
    let r = post_form(&demo.state, "/repairs", Some(&token), &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("<li>已签署信用修复承诺书："));
    assert!(
        r.body.contains("已缴纳罚款并完成整改"),
        "the form is re-shown filled in"
    );
    fields.push(("commitment", "yes"));
    let r = post_form(&demo.state, "/repairs", Some(&token), &fields).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = between(&r.body, "id=\"number\">", "<").unwrap();
    let code = between(&r.body, "id=\"query-code\">", "<").unwrap();
    let p = get(
        &demo.state,
        &format!("/applications?number={}&query_code={code}", enc(number)),
    )
    .await;
    assert!(
        p.body.contains("信用修复") && p.body.contains(number),
        "{}",
        p.body
    );
    let apps = demo.store.applications(&AppQuery::default()).await.unwrap();
    let decl = apps[0].app.declaration.as_ref().unwrap();
    assert!(decl.corrected && decl.obligations_met && decl.commitment_id.is_some());
}

#[tokio::test]
async fn public_search_is_rate_limited() {
    let mut demo = demo().await;
    demo.state.search_limit = Some(RateLimit::new(3, Duration::from_secs(60)));
    let state = &demo.state;
    for _ in 0..3 {
        assert_eq!(
            get(state, "/api/v1/subjects?q=%E7%A4%BA%E8%8C%83")
                .await
                .status,
            StatusCode::OK
        );
    }
    let r = get(state, "/api/v1/subjects?q=%E7%A4%BA%E8%8C%83").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = r.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["message"], "查询过于频繁，请稍后再试");
    // The page search shares the bucket and answers in Chinese HTML.
    let r = get(state, "/?q=%E7%A4%BA%E8%8C%83").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert!(r.body.contains("查询过于频繁") && r.body.contains("lang=\"zh-CN\""));
    // The home page without a query is not a search.
    assert_eq!(get(state, "/").await.status, StatusCode::OK);
    // Another client has its own bucket.
    let mut req = Request::get("/api/v1/subjects?q=%E7%A4%BA%E8%8C%83")
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
    assert_eq!(send(state, req).await.status, StatusCode::OK);
}

/// Over real connections, the server keys the limit on the peer address.
#[tokio::test]
async fn served_rate_limit_is_per_peer_address() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut demo = demo().await;
    demo.state.search_limit = Some(RateLimit::new(1, Duration::from_secs(60)));
    let app = xyjt_web::Application::build(demo.state.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = app.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async {
        let _ = stopped.await;
    }));
    let status_from = |local: [u8; 4]| async move {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::from((local, 0))).unwrap();
        let mut conn = socket.connect(addr).await.unwrap();
        conn.write_all(
            b"GET /api/v1/subjects?q=%E7%A4%BA%E8%8C%83 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        let mut out = Vec::new();
        conn.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out)
            .split(' ')
            .nth(1)
            .unwrap()
            .to_string()
    };
    assert_eq!(status_from([127, 0, 0, 1]).await, "200");
    assert_eq!(status_from([127, 0, 0, 1]).await, "429");
    assert_eq!(status_from([127, 0, 0, 2]).await, "200", "another address");
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}

#[tokio::test]
async fn policies_page_shows_the_policies_in_force() {
    let demo = demo().await;
    let r = get(&demo.state, "/policies").await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("<td>异议：受理单位核实并书面答复</td><td>15 个工作日</td>"));
    assert!(b.contains("<td>信用修复：平台办结（答复申请人）</td><td>10 个工作日</td>"));
    let deadlines = xyjt_core::cases::DeadlinePolicy::builtin();
    assert!(b.contains(&format!("版本 {}", deadlines.version)));
    let publicity = PublicityPolicy::builtin();
    assert!(b.contains(&format!("版本 {}", publicity.version)));
    assert!(b.contains("<td>一般失信行为</td><td>公示</td><td>3 个月</td><td>12 个月</td>"));
    let lists = ListPolicy::builtin();
    assert!(b.contains(&format!("第 {} 版", lists.version)));
    for item in &lists.items {
        assert!(
            b.contains(&format!("id=\"item-{}\"", item.id)),
            "{}",
            item.id
        );
        assert!(
            b.contains(&item.title.replace('"', "&quot;")),
            "{}",
            item.title
        );
    }
    for kind in [
        "诚信典型范围",
        "严重失信行为及主体范围",
        "守信激励措施",
        "失信惩戒措施",
    ] {
        assert!(b.contains(&format!("<h3>{kind}清单")), "{kind}");
    }
    let templates = xyjt_core::commitment::TemplateSet::builtin();
    assert!(b.contains(&format!("模板版本 {}", templates.version)));
    for t in &templates.templates {
        assert!(b.contains(&t.title) && b.contains(&t.items[0]), "{}", t.id);
    }
}

#[derive(serde::Deserialize)]
struct NewsFile {
    item: Vec<NewsItem>,
}

#[derive(serde::Deserialize)]
struct NewsItem {
    id: u32,
    date: String,
    title: String,
    body: String,
}

#[tokio::test]
async fn news_list_and_items() {
    let demo = demo().await;
    let file: NewsFile = toml::from_str(include_str!("../../../data/news.toml")).unwrap();
    assert!((5..=6).contains(&file.item.len()));
    let r = get(&demo.state, "/news").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("虚构"));
    for n in &file.item {
        assert!(
            n.title.contains("演示") && n.body.contains("虚构"),
            "{} is marked fictional",
            n.id
        );
        assert!(
            r.body.contains(&n.title) && r.body.contains(&n.date),
            "{}",
            n.title
        );
        assert!(r.body.contains(&format!("href=\"/news/{}\"", n.id)));
        let item = get(&demo.state, &format!("/news/{}", n.id)).await;
        assert_eq!(item.status, StatusCode::OK);
        let first = n.body.trim().split("\n\n").next().unwrap();
        assert!(item.body.contains(&n.title) && item.body.contains(first));
    }
    // Newest first.
    let mut dates: Vec<&str> = file.item.iter().map(|n| n.date.as_str()).collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    let positions: Vec<usize> = dates.iter().map(|d| r.body.find(d).unwrap()).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        get(&demo.state, "/news/999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn home_has_navigation_and_counters() {
    let demo = demo().await;
    let r = get(&demo.state, "/").await;
    assert_eq!(r.status, StatusCode::OK);
    for (href, label) in [
        ("/", "首页"),
        ("/publicity", "双公示"),
        ("/lists/red", "红名单"),
        ("/lists/black", "黑名单"),
        ("/lists/watch", "重点关注名单"),
        ("/objections", "异议申请"),
        ("/repairs", "信用修复"),
        ("/applications", "进度查询"),
        ("/policies", "政策文件"),
        ("/news", "新闻动态"),
    ] {
        assert!(
            r.body.contains(&format!("<a href=\"{href}\">{label}</a>")),
            "{label}"
        );
    }
    // The phone-friendly rules (wrapping navigation, scrolling tables) are in the one stylesheet.
    assert!(
        r.body
            .contains("<link rel=\"stylesheet\" href=\"/static/style.css\">")
    );
    let css = get(&demo.state, "/static/style.css").await;
    assert!(css.body.contains("flex-wrap:wrap") && css.body.contains("overflow-x:auto"));
    let subjects = demo.store.count_subjects().await.unwrap();
    assert!(r.body.contains(&format!("<b>{subjects}</b>信用主体")));
    let red = demo
        .store
        .list_entries(Some("red"))
        .await
        .unwrap()
        .iter()
        .filter(|e| e.is_active_on(d(TODAY)))
        .count();
    assert!(red > 0);
    assert!(r.body.contains(&format!("<b>{red}</b>红名单")));
    // The counters are kept between requests, and follow the ledger: a new red-list entry is
    // counted once the check index has seen it.
    let subject = demo
        .store
        .search_subjects("", 500, 0)
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|s| s.uscc.is_some())
        .unwrap();
    let code = subject.uscc.as_ref().map(|u| u.to_string());
    let item = ListPolicy::builtin().items[0].id.clone();
    demo.store
        .append(entry_events(
            entry(NameList::Red, &subject, code, &item, d(TODAY)),
            d(TODAY),
        ))
        .await
        .unwrap();
    demo.state.refresh_checks().await.unwrap();
    let again = get(&demo.state, "/").await;
    assert!(
        again.body.contains(&format!("<b>{}</b>红名单", red + 1)),
        "the new entry is counted"
    );
    assert!(again.body.contains(&format!("<b>{subjects}</b>信用主体")));
    // The guides behind the navigation.
    for uri in ["/objections", "/repairs"] {
        let g = get(&demo.state, uri).await;
        assert_eq!(g.status, StatusCode::OK, "{uri}");
        assert!(g.body.contains("个工作日"));
    }
}

/// The objection form also posts as multipart with evidence files: they are kept (by SHA-256)
/// and listed on the application; an empty file input is no evidence.
#[tokio::test]
async fn objection_form_with_evidence_files() {
    let demo = demo().await;
    let record = public_penalties(&demo).await.remove(0);
    let form = get(
        &demo.state,
        &format!("/objections/new?record={}", record.id),
    )
    .await;
    assert!(
        form.body.contains("enctype=\"multipart/form-data\"")
            && form.body.contains("name=\"evidence\"")
    );
    let token = form_token(&form);
    let boundary = "----xyjtevidence";
    let mut body = Vec::new();
    for (k, v) in [
        ("csrf", token.as_str()),
        ("record", record.id.as_str()),
        ("reason", "罚款金额有误，附缴款凭证"),
        ("role", "subject"),
        ("name", "示范市某运输有限公司"),
    ] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, content) in [("缴款凭证.pdf", "%PDF-1.4 receipt"), ("", "")] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{content}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let r = send(
        &demo.state,
        Request::post("/objections")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, format!("xyjt_form={token}"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let number = between(&r.body, "id=\"number\">", "<").unwrap().to_string();
    let app = demo.store.application(&number).await.unwrap().unwrap();
    assert_eq!(
        app.app.evidence.len(),
        1,
        "the empty file input is not evidence"
    );
    assert_eq!(app.app.evidence[0].file_name, "缴款凭证.pdf");
    let (name, bytes) = demo
        .store
        .attachment(&app.app.evidence[0].sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (name.as_str(), bytes.as_slice()),
        ("缴款凭证.pdf", b"%PDF-1.4 receipt".as_slice())
    );
}
