//! Storage story of the disclosure catalogue (政务公开): drafts, sign-offs with index numbers,
//! returns and redrafts, 清理 decisions, comments and the adoption summary; the public filter;
//! index numbers unique per unit code and year; a step the fold refuses writes nothing; the
//! replay gives the same rows. Run on SQLite and PostgreSQL with the same assertions.

mod common;

use common::*;
use xyjt_core::disclosure::{
    Adoption, Cleanup, Comment, DisclosureItem, IndexNo, ItemStatus, Openness, SignOff, Validity,
};
use xyjt_core::ledger::EventPayload;
use xyjt_store::{DisclosureQuery, DisclosureStore, SqlStore, Store, StoreError};

fn item(id: &str, unit: &str, column: &str, openness: Openness) -> DisclosureItem {
    DisclosureItem {
        id: id.into(),
        unit: unit.into(),
        category: "result".into(),
        column: column.into(),
        title: format!("信息 {id}"),
        doc_no: String::new(),
        written_on: d("2026-03-01"),
        keywords: vec!["信用".into()],
        summary: "概览".into(),
        body: String::new(),
        openness,
        attachments: Vec::new(),
        deadline: None,
        comment_until: (column == "decision-consultation").then(|| d("2026-03-20")),
        drafted_by: "user:clerk".into(),
        drafted_on: d("2026-03-02"),
        policy_version: 1,
    }
}

fn sign(id: &str, approved: bool, on: &str, index: Option<&str>) -> EventPayload {
    EventPayload::DisclosureSignedOff {
        item_id: id.into(),
        sign_off: SignOff {
            by: "user:office".into(),
            on: d(on),
            approved,
            conclusion: if approved { "同意公开" } else { "退回" }.into(),
            hits: Vec::new(),
        },
        index_no: index.map(|n| IndexNo::parse(n).unwrap()),
    }
}

fn drafted(i: DisclosureItem) -> EventPayload {
    EventPayload::DisclosureDrafted { item: i }
}

async fn story(store: &SqlStore) {
    let at = "2026-03-02T02:00:00Z";
    store
        .append(vec![
            ev(
                at,
                drafted(item("A", "DH", "normative-documents", Openness::Active)),
            ),
            ev(at, drafted(item("B", "DH", "ppp", Openness::Active))),
            ev(at, drafted(item("C", "XL", "ppp", Openness::OnRequest))),
            ev(
                at,
                drafted(item("D", "DH", "decision-consultation", Openness::Active)),
            ),
        ])
        .await
        .unwrap();
    let all = DisclosureQuery::default();
    assert_eq!(store.disclosure_items(&all).await.unwrap().len(), 4);
    let public = DisclosureQuery {
        public_only: true,
        ..DisclosureQuery::default()
    };
    assert!(store.disclosure_items(&public).await.unwrap().is_empty());
    assert_eq!(store.last_index_seq("11370100", 2026).await.unwrap(), None);

    store
        .append(vec![
            ev(
                at,
                sign("A", true, "2026-03-03", Some("11370100/2026-00001")),
            ),
            ev(at, sign("B", false, "2026-03-03", None)),
            ev(
                at,
                sign("C", true, "2026-03-03", Some("11370200/2026-00001")),
            ),
            ev(
                at,
                sign("D", true, "2026-03-04", Some("11370100/2026-00002")),
            ),
        ])
        .await
        .unwrap();
    let shown = store.disclosure_items(&public).await.unwrap();
    let ids: Vec<&str> = shown.iter().map(|s| s.item.id.as_str()).collect();
    assert_eq!(
        ids,
        ["D", "A"],
        "newest first; 依申请公开 and returned items not shown"
    );
    assert_eq!(
        store.last_index_seq("11370100", 2026).await.unwrap(),
        Some(2)
    );
    assert_eq!(store.last_index_seq("11370100", 2025).await.unwrap(), None);
    let returned = store.disclosure_item("B").await.unwrap().unwrap();
    assert_eq!(returned.status, ItemStatus::Returned);
    let by_unit = DisclosureQuery {
        unit: Some("DH".into()),
        status: Some(ItemStatus::Returned),
        ..DisclosureQuery::default()
    };
    assert_eq!(store.disclosure_items(&by_unit).await.unwrap().len(), 1);
    let by_column = DisclosureQuery {
        column: Some("ppp".into()),
        category: Some("result".into()),
        ..DisclosureQuery::default()
    };
    assert_eq!(store.disclosure_items(&by_column).await.unwrap().len(), 2);

    // A used index number is a conflict; nothing of that append is written.
    store
        .append(vec![ev(
            at,
            drafted(item("B", "DH", "ppp", Openness::Active)),
        )])
        .await
        .unwrap();
    let err = store
        .append(vec![ev(
            at,
            sign("B", true, "2026-03-05", Some("11370100/2026-00002")),
        )])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        store.disclosure_item("B").await.unwrap().unwrap().status,
        ItemStatus::Draft
    );
    // The fold refuses a second sign-off.
    let err = store
        .append(vec![ev(
            at,
            sign("A", true, "2026-03-05", Some("11370100/2026-00009")),
        )])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不能审查"), "{err}");

    store
        .append(vec![
            ev(
                at,
                EventPayload::DisclosureCleaned {
                    item_id: "A".into(),
                    cleanup: Cleanup {
                        decision: "废止".into(),
                        validity: Validity::Repealed,
                        reason: "上位法修改".into(),
                        on: d("2026-11-02"),
                        by: "user:office".into(),
                    },
                },
            ),
            ev(
                at,
                EventPayload::DisclosureCommented {
                    item_id: "D".into(),
                    comment: Comment {
                        id: "c1".into(),
                        received_on: d("2026-03-10"),
                        channel: "网站".into(),
                        text: "建议".into(),
                    },
                },
            ),
            ev(
                at,
                EventPayload::DisclosureAdopted {
                    item_id: "D".into(),
                    adoption: Adoption {
                        adopted: "采纳".into(),
                        not_adopted: "无".into(),
                        on: d("2026-03-23"),
                        by: "user:office".into(),
                    },
                },
            ),
        ])
        .await
        .unwrap();
    let a = store.disclosure_item("A").await.unwrap().unwrap();
    assert_eq!(a.validity, Validity::Repealed);
    let d_ = store.disclosure_item("D").await.unwrap().unwrap();
    assert_eq!(d_.comments.len(), 1);
    assert!(d_.adoption.is_some());
    assert!(store.disclosure_item("nope").await.unwrap().is_none());

    // A year's report: published once, its table's identity checked by the projection.
    use xyjt_core::disclosure::annual;
    let table = annual::request_table(2025, &[]).unwrap();
    let active = annual::active_stats(
        xyjt_core::disclosure::DisclosurePolicy::builtin(),
        &[],
        2025,
        Vec::new(),
    );
    let report = annual::annual_report("示范省交通运输厅", active, table, None).unwrap();
    let publish = |r: annual::AnnualReport| {
        ev(
            at,
            EventPayload::DisclosureReportPublished {
                report_id: annual::report_id(r.year),
                report: r,
                by: "user:office".into(),
                on: d("2026-01-20"),
            },
        )
    };
    assert!(store.disclosure_report(2025).await.unwrap().is_none());
    let mut broken = report.clone();
    broken.requests.rows[0].values = [1, 0, 0, 0, 0, 0, 1];
    let err = store.append(vec![publish(broken)]).await.unwrap_err();
    assert!(err.to_string().contains("勾稽关系"), "{err}");
    assert!(store.disclosure_report(2025).await.unwrap().is_none());
    store.append(vec![publish(report.clone())]).await.unwrap();
    let p = store.disclosure_report(2025).await.unwrap().unwrap();
    assert_eq!(p.report, report);
    assert_eq!(p.on, d("2026-01-20"));
    let err = store.append(vec![publish(report)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
}

async fn replayed(source: SqlStore, fresh: SqlStore) {
    story(&source).await;
    replay(&source, &fresh).await;
    assert_eq!(
        source.projections().await.unwrap(),
        fresh.projections().await.unwrap()
    );
}

#[tokio::test]
async fn sqlite_disclosure() {
    on_sqlite_pair("disclosure", replayed).await;
}

#[tokio::test]
async fn postgres_disclosure() {
    on_postgres_pair("postgres_disclosure", replayed).await;
}
