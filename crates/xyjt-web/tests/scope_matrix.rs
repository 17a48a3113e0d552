//! The read-and-write scope matrix of applications and cases, on the full demo: one application
//! handled by each of four units (西岭执法支队, 东湖执法支队, 东湖市交通运输局, the province) ×
//! every staff account (console page, 告知书, step) and every kind of calling system (API read
//! and step). The expectations are written out by hand from the organisation tree: a staff
//! member sees the units under their own unit (信用管理员 and 系统管理员: under their bureau); a
//! token acts for the unit it is named after and the units under it; a system that is not a unit
//! (the bidding platform) acts for none. Out of scope is 404 (or 403 for a step), with no
//! applicant name in the answer and nothing written.

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde_json::json;
use xyjt_core::workflow::{AppState as Workflow, WorkflowKind};

mod common;

use common::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

const XL_ZF: &str = "西岭市交通运输综合行政执法支队";
const DH_ZF: &str = "东湖市交通运输综合行政执法支队";
const DH: &str = "东湖市交通运输局";
const SF: &str = "示范省交通运输厅";

/// Who sees an application handled by each unit, in the order XL_ZF, DH_ZF, DH, SF.
const STAFF: &[(&str, [bool; 4])] = &[
    ("admin", [true, true, true, true]), // 系统管理员 of SF: the whole province
    ("xyc", [true, true, true, true]),   // 信用管理员 of SF-XY: its bureau, SF
    ("sf-bgs", [true, true, true, true]), // 审核员 of SF itself: SF and below
    ("xl-lr", [true, false, false, false]),
    ("xl-sh", [true, false, false, false]),
    ("dh-lr", [false, true, false, false]),
    ("dh-sh", [false, true, false, false]),
    ("dh-bgs", [false, true, true, false]), // 审核员 of DH: DH and DH-ZF below it
];

/// Calling systems (token names) and what they act for, in the same order.
const SYSTEMS: &[(&str, [bool; 4])] = &[
    (SF, [true, true, true, true]),
    (DH, [false, true, true, false]),
    (DH_ZF, [false, true, false, false]),
    (XL_ZF, [true, false, false, false]),
    ("演示招标投标平台", [false, false, false, false]),
];

async fn matrix_on(url: &str) {
    let (store, state) = demo_on(url, today()).await;

    let apps = store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .unwrap();
    let pick = |unit: &str, kind: Option<WorkflowKind>| -> Workflow {
        apps.iter()
            .find(|a| a.unit == unit && kind.is_none_or(|k| a.app.kind == k))
            .unwrap_or_else(|| panic!("a demo application of {unit}"))
            .clone()
    };
    let cases = [
        pick(XL_ZF, Some(WorkflowKind::Objection)),
        pick(DH_ZF, None),
        pick(DH, Some(WorkflowKind::Complaint)),
        pick(SF, Some(WorkflowKind::Disclosure)),
    ];
    // A decided disclosure request of the province, for the 告知书.
    let answered = apps
        .iter()
        .find(|a| a.unit == SF && a.app.kind == WorkflowKind::Disclosure && a.decision.is_some())
        .expect("a demo request answered")
        .clone();

    let mut checked = 0;
    for (login, sees) in STAFF {
        let (cookie, csrf) = sign_in(&state, login).await;
        for (wf, may) in cases.iter().zip(sees) {
            let uri = format!("/console/applications/{}", wf.app.number);
            let r = get(&state, &uri, &cookie).await;
            let want = if *may {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(r.status, want, "{login} GET {uri} ({})", wf.unit);
            if !may {
                assert!(
                    !r.text.contains(&wf.app.applicant.name),
                    "{login} reads {}'s applicant",
                    wf.unit
                );
                // A step on it is refused and writes nothing.
                let before = store.application(&wf.app.number).await.unwrap();
                let r = post(
                    &state,
                    &format!("/console/applications/{}/steps", wf.app.number),
                    &cookie,
                    &[
                        ("csrf", csrf.as_str()),
                        ("action", "extend"),
                        ("workdays", "5"),
                        ("reason", "越权测试"),
                    ],
                )
                .await;
                assert!(
                    r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                    "{login} steps on {}: {}",
                    wf.unit,
                    r.status
                );
                assert_eq!(store.application(&wf.app.number).await.unwrap(), before);
            }
            checked += 1;
        }
        let r = get(
            &state,
            &format!("/console/applications/{}/notice", answered.app.number),
            &cookie,
        )
        .await;
        let want = if sees[3] {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(r.status, want, "{login} reads the province's 告知书");
    }

    for (name, acts) in SYSTEMS {
        let token = xyjt_app::accounts::issue_token(store.as_ref(), name, "test")
            .await
            .unwrap();
        for (wf, may) in cases.iter().zip(acts) {
            let uri = format!("/api/v1/workflows/{}", wf.app.number);
            let r = api(&state, "GET", &uri, &token, serde_json::Value::Null).await;
            if *may {
                assert_eq!(r.status, StatusCode::OK, "{name} GET {uri}: {}", r.text);
                assert_eq!(r.json()["number"], wf.app.number.as_str());
            } else {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{name} GET {uri}");
                assert!(!r.text.contains(&wf.app.applicant.name));
                let before = store.application(&wf.app.number).await.unwrap();
                let r = api(
                    &state,
                    "POST",
                    &format!("{uri}/steps"),
                    &token,
                    json!({"action": "extend", "workdays": 5, "reason": "越权测试"}),
                )
                .await;
                assert!(
                    r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                    "{name} steps on {}: {} {}",
                    wf.unit,
                    r.status,
                    r.text
                );
                assert_eq!(store.application(&wf.app.number).await.unwrap(), before);
            }
            // The unit's inbox: only for systems acting for it.
            let inbox = api(
                &state,
                "GET",
                &format!("/api/v1/inbox?unit={}", enc(&wf.unit)),
                &token,
                serde_json::Value::Null,
            )
            .await;
            if *may {
                assert_eq!(inbox.status, StatusCode::OK, "{name} inbox of {}", wf.unit);
            } else {
                assert!(
                    inbox.status == StatusCode::FORBIDDEN || inbox.status == StatusCode::NOT_FOUND,
                    "{name} reads the inbox of {}: {}",
                    wf.unit,
                    inbox.status
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, (STAFF.len() + SYSTEMS.len()) * 4);
}

#[tokio::test]
async fn application_scope_matrix_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("scope-matrix-{}.db", uuid::Uuid::now_v7()));
    matrix_on(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn application_scope_matrix_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("application_scope_matrix").await {
        matrix_on(&pg.url).await;
        pg.drop().await;
    }
}

/// Civil servants' archives (internal) — and a 政务公开 draft — × every staff account. The archive
/// matrix: a record of a civil servant of 东湖市交通运输局 and one of 西岭市交通运输局. Only 信用管理员 and 审核员 read them (others: 403 before
/// anything is looked up), and only for civil servants whose unit is within their bureau (else
/// 404, the same as a missing record).
const CIVIL_SERVANT_RECORDS: &[(&str, [StatusCode; 2])] = &[
    ("admin", [StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]), // 系统管理员: no such role
    ("xyc", [StatusCode::OK, StatusCode::OK]),                 // 信用管理员 of the province
    ("sf-bgs", [StatusCode::OK, StatusCode::OK]),              // 审核员 of the province
    ("xl-lr", [StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]), // 录入员
    ("xl-sh", [StatusCode::NOT_FOUND, StatusCode::OK]),        // 审核员, bureau 西岭
    ("dh-lr", [StatusCode::FORBIDDEN, StatusCode::FORBIDDEN]),
    ("dh-sh", [StatusCode::OK, StatusCode::NOT_FOUND]), // 审核员, bureau 东湖
    ("dh-bgs", [StatusCode::OK, StatusCode::NOT_FOUND]),
];

async fn civil_servants_on(url: &str) {
    let (store, state) = demo_on(url, today()).await;
    let records = store
        .integrity_records(None, Some(xyjt_core::integrity::ArchiveKind::CivilServant))
        .await
        .unwrap();
    let of = |unit: &str| {
        records
            .iter()
            .find(|r| r.record.unit.as_deref() == Some(unit))
            .unwrap_or_else(|| panic!("a demo civil servant of {unit}"))
            .clone()
    };
    let pair = [of(DH), of("西岭市交通运输局")];
    // A 政务公开 draft of 东湖执法支队 awaiting the office's review: only staff of that unit or a
    // unit above it read it (not the province's credit office, a sibling of the bureaus); the
    // portal never shows it.
    let draft = store
        .disclosure_items(&xyjt_store::DisclosureQuery {
            unit: Some("DH-ZF".into()),
            status: Some(xyjt_core::disclosure::ItemStatus::Draft),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a demo draft of DH-ZF");
    let draft_readers = ["admin", "sf-bgs", "dh-lr", "dh-sh", "dh-bgs"];
    let portal = get(&state, &format!("/disclosure/items/{}", draft.item.id), "").await;
    assert_eq!(portal.status, StatusCode::NOT_FOUND);
    for (login, want) in CIVIL_SERVANT_RECORDS {
        let (cookie, _) = sign_in(&state, login).await;
        let uri = format!("/console/disclosure/items/{}", draft.item.id);
        let page = get(&state, &uri, &cookie).await;
        let may = draft_readers.contains(login);
        assert_eq!(
            page.status,
            if may {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            },
            "{login} GET {uri}"
        );
        if !may {
            assert!(
                !page.text.contains(&draft.item.title),
                "{login} reads the draft"
            );
        }
        for (r, want) in pair.iter().zip(want) {
            let uri = format!("/console/integrity/records/{}", r.record.id);
            let page = get(&state, &uri, &cookie).await;
            assert_eq!(
                page.status, *want,
                "{login} GET {uri} ({:?})",
                r.record.unit
            );
            if *want != StatusCode::OK {
                assert!(
                    !page.text.contains(&r.record.name),
                    "{login} reads the name"
                );
                assert!(!page.text.contains(&r.record.code), "{login} reads the ID");
            }
        }
    }
}

#[tokio::test]
async fn civil_servant_archive_matrix_on_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("scope-matrix-cs-{}.db", uuid::Uuid::now_v7()));
    civil_servants_on(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn civil_servant_archive_matrix_on_postgres() {
    if let Some(pg) = xyjt_store::testing::PgSchema::create("civil_servant_archive_matrix").await {
        civil_servants_on(&pg.url).await;
        pg.drop().await;
    }
}
