//! Storage stories of the workflows — applications (objections, repair), commitments, the
//! inbox, the outbox and evidence files — each run on both backends with the same assertions.
//! The store is driven only through ledger events (evidence files through a transaction).

mod common;

use common::*;
use serde_json::json;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment::{
    CommitmentState, CommitmentStatus, FulfilmentCheck, TemplateSet, sign,
};
use xyjt_core::ledger::EventPayload;
use xyjt_core::workflow::{
    AppState, AppStatus, Applicant, Application, Decision, Step, Target, WorkflowKind, apply,
    first_clock, more_clocks, open,
};
use xyjt_store::{AppQuery, Notification, OutboxChannel, SqlStore, Store, StoreError};

const U1: &str = "示范市交通运输综合行政执法支队";
const U2: &str = "东湖市交通运输局";
const U3: &str = "西岭市交通运输局";

fn application(
    number: &str,
    kind: WorkflowKind,
    subject: &str,
    record: &str,
    unit: &str,
    filed_on: &str,
) -> Application {
    let (workdays, rule) = first_clock(kind, DeadlinePolicy::builtin());
    Application {
        number: number.into(),
        kind,
        query_code_hash: "0f".repeat(32),
        subject_id: Some(subject.into()),
        target: Target {
            result_id: None,
            integrity_id: None,
            record_id: Some(record.into()),
            entry_id: None,
            field: None,
        },
        applicant: Applicant {
            name: "张三".into(),
            role: "subject".into(),
            contact: Some("13800000000".into()),
            applicant_type: None,
        },
        reason: format!("{number} 的理由"),
        claimed: json!({}),
        evidence: vec![],
        declaration: None,
        unit: unit.into(),
        filed_on: d(filed_on),
        channel: "online".into(),
        policy_version: "test".into(),
        workdays,
        rule,
        topic: None,
        more_clocks: more_clocks(kind, DeadlinePolicy::builtin()),
    }
}

fn filed(at: &str, app: &Application) -> xyjt_core::ledger::NewEvent {
    ev_by(
        "portal",
        at,
        EventPayload::ApplicationFiled {
            application: app.clone(),
        },
    )
}

fn stepped(at: &str, number: &str, step: Step, on: &str) -> xyjt_core::ledger::NewEvent {
    ev_by(
        "handler",
        at,
        EventPayload::ApplicationStepped {
            number: number.into(),
            step,
            on: d(on),
            by: "handler".into(),
        },
    )
}

fn decided(kind: WorkflowKind, granted: bool) -> Step {
    Step::decided(
        kind,
        Decision {
            granted,
            reasons: if granted {
                "理由成立"
            } else {
                "理由不成立"
            }
            .into(),
            revoke: false,
            corrected: None,
            outcome: None,
        },
        DeadlinePolicy::builtin(),
    )
}

async fn applications_story(store: SqlStore) {
    assert_eq!(store.application("YY-1").await.unwrap(), None);
    assert!(
        store
            .applications(&AppQuery::default())
            .await
            .unwrap()
            .is_empty()
    );

    let yy1 = application(
        "YY-1",
        WorkflowKind::Objection,
        "s-a",
        "r-1",
        U1,
        "2025-06-02",
    );
    let xf1 = application("XF-1", WorkflowKind::Repair, "s-a", "r-1", U1, "2025-06-05");
    let yy2 = application(
        "YY-2",
        WorkflowKind::Objection,
        "s-b",
        "r-2",
        U2,
        "2025-06-05",
    );
    store
        .append(vec![filed("2025-06-02T01:00:00Z", &yy1)])
        .await
        .unwrap();
    store
        .append(vec![
            filed("2025-06-05T01:00:00Z", &xf1),
            filed("2025-06-05T01:00:00Z", &yy2),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.application("YY-1").await.unwrap(),
        Some(open(yy1.clone(), "portal")),
        "opened by the event's actor"
    );
    // A number is filed once.
    let dup = store
        .append(vec![filed("2025-06-05T02:00:00Z", &yy1)])
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup}");

    // YY-1: suspended, resumed, upheld. XF-1: forwarded, refused. YY-2: reassigned.
    let forward = Step::forwarded(U2, DeadlinePolicy::builtin());
    let steps = [
        (
            "YY-1",
            Step::Suspended {
                reason: "补正材料".into(),
            },
            "2025-06-03",
        ),
        ("YY-1", Step::Resumed, "2025-06-04"),
        ("XF-1", forward.clone(), "2025-06-06"),
        ("YY-2", Step::Assigned { unit: U3.into() }, "2025-06-06"),
    ];
    store
        .append(
            steps
                .iter()
                .map(|(n, s, on)| stepped("2025-06-06T01:00:00Z", n, s.clone(), on))
                .collect(),
        )
        .await
        .unwrap();
    // Decided late in the UTC day: the messages are dated by the China day (next day).
    let upheld = store
        .append(vec![stepped(
            "2025-06-10T17:00:00Z",
            "YY-1",
            decided(WorkflowKind::Objection, true),
            "2025-06-11",
        )])
        .await
        .unwrap();
    let refused = store
        .append(vec![stepped(
            "2025-06-12T01:00:00Z",
            "XF-1",
            decided(WorkflowKind::Repair, false),
            "2025-06-12",
        )])
        .await
        .unwrap();

    // What the store shows is the core's fold of the same steps.
    let mut expected = open(yy1.clone(), "portal");
    for (_, step, on) in steps.iter().filter(|(n, ..)| *n == "YY-1") {
        expected = apply(expected, step, d(on), "handler").unwrap();
    }
    let expected = apply(
        expected,
        &decided(WorkflowKind::Objection, true),
        d("2025-06-11"),
        "handler",
    )
    .unwrap();
    let got = store.application("YY-1").await.unwrap().unwrap();
    assert_eq!(got, expected);
    assert_eq!(got.status, AppStatus::Upheld);
    assert_eq!(got.decided_on, Some(d("2025-06-11")));
    assert_eq!(got.history.len(), 4);
    assert!(
        got.clock("sync").is_some(),
        "a granted decision starts sync"
    );
    let xf = store.application("XF-1").await.unwrap().unwrap();
    assert_eq!(xf.status, AppStatus::Refused);
    assert_eq!(xf.unit, U1, "forwarding does not change the handling unit");
    assert_eq!(xf.clock("authority").unwrap().unit, U2);
    let yy = store.application("YY-2").await.unwrap().unwrap();
    assert_eq!((yy.status, yy.unit.as_str()), (AppStatus::Accepted, U3));

    // Refused steps write nothing: unknown number, closed application, date going back.
    let head = store.head().await.unwrap();
    for (number, step, on) in [
        ("YY-9", Step::Resumed, "2025-06-20"),
        (
            "YY-1",
            Step::Withdrawn {
                reason: "撤回".into(),
            },
            "2025-06-20",
        ),
        ("YY-2", Step::Assigned { unit: U1.into() }, "2025-06-01"),
    ] {
        let err = store
            .append(vec![stepped("2025-06-20T01:00:00Z", number, step, on)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Workflow(_)), "{number}: {err}");
    }
    assert_eq!(store.head().await.unwrap(), head);

    // Filters, newest filed first, then number.
    let numbers = |v: Vec<AppState>| v.into_iter().map(|a| a.app.number).collect::<Vec<_>>();
    let query = |f: &dyn Fn(&mut AppQuery)| {
        let mut q = AppQuery::default();
        f(&mut q);
        q
    };
    for (q, want) in [
        (AppQuery::default(), vec!["XF-1", "YY-2", "YY-1"]),
        (
            query(&|q| q.kind = Some(WorkflowKind::Objection)),
            vec!["YY-2", "YY-1"],
        ),
        (
            query(&|q| q.kind = Some(WorkflowKind::Repair)),
            vec!["XF-1"],
        ),
        (query(&|q| q.unit = Some(U3.into())), vec!["YY-2"]),
        (query(&|q| q.unit = Some(U1.into())), vec!["XF-1", "YY-1"]),
        (query(&|q| q.unit = Some(U2.into())), vec![]),
        (query(&|q| q.open = Some(true)), vec!["YY-2"]),
        (query(&|q| q.open = Some(false)), vec!["XF-1", "YY-1"]),
        (
            query(&|q| q.record_id = Some("r-1".into())),
            vec!["XF-1", "YY-1"],
        ),
        (query(&|q| q.subject_id = Some("s-b".into())), vec!["YY-2"]),
        (
            query(&|q| {
                q.kind = Some(WorkflowKind::Objection);
                q.open = Some(false);
                q.subject_id = Some("s-a".into());
            }),
            vec!["YY-1"],
        ),
        (query(&|q| q.subject_id = Some("s-x".into())), vec![]),
    ] {
        assert_eq!(
            numbers(store.applications(&q).await.unwrap()),
            want,
            "{q:?}"
        );
    }

    // Inboxes: filings to the routed unit, reassignment and forwarding to the new unit.
    let inbox = |v: Vec<Notification>| {
        v.into_iter()
            .map(|n| (n.kind, n.reference))
            .collect::<Vec<_>>()
    };
    let pair = |k: &str, r: &str| (k.to_string(), r.to_string());
    assert_eq!(
        inbox(store.inbox(U1, 10).await.unwrap()),
        vec![
            pair("application_filed", "XF-1"),
            pair("application_filed", "YY-1")
        ]
    );
    assert_eq!(
        inbox(store.inbox(U2, 10).await.unwrap()),
        vec![
            pair("application_assigned", "XF-1"),
            pair("application_filed", "YY-2")
        ],
        "newest first"
    );
    assert_eq!(
        inbox(store.inbox(U3, 10).await.unwrap()),
        vec![pair("application_assigned", "YY-2")]
    );
    assert_eq!(store.inbox(U2, 1).await.unwrap().len(), 1, "limit");
    assert!(store.inbox("别的单位", 10).await.unwrap().is_empty());
    let first = store.inbox(U1, 10).await.unwrap().pop().unwrap();
    let filed_event = &store.events_of("YY-1").await.unwrap()[0];
    assert_eq!(first.id, format!("{}:{U1}", filed_event.id));
    assert_eq!(first.unit, U1);
    assert_eq!(first.created_on, "2025-06-02");
    assert!(first.message.contains("YY-1"), "{}", first.message);
    assert!(!first.read);

    // Outbox: the written answer to the applicant; a granted one also to the exchange.
    let (e_up, e_ref) = (&upheld[0], &refused[0]);
    let all = store.outbox(None, false).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![
            format!("{}:applicant", e_up.id),
            format!("{}:exchange", e_up.id),
            format!("{}:applicant", e_ref.id),
        ],
        "oldest first"
    );
    assert_eq!(
        all.iter()
            .map(|o| (o.channel, o.reference.as_str(), o.seq))
            .collect::<Vec<_>>(),
        vec![
            (OutboxChannel::Applicant, "YY-1", e_up.seq),
            (OutboxChannel::Exchange, "YY-1", e_up.seq),
            (OutboxChannel::Applicant, "XF-1", e_ref.seq),
        ]
    );
    assert_eq!(all[0].created_on, "2025-06-11", "China day of 17:00Z");
    assert_eq!(all[0].payload["status"], "upheld");
    assert_eq!(all[0].payload["applicant"]["name"], "张三");
    assert_eq!(all[1].payload["action"], "correct");
    assert_eq!(all[1].payload["record_id"], "r-1");
    assert_eq!(all[2].payload["status"], "refused");
    assert!(all.iter().all(|o| o.delivered_at.is_none()));
    let exchange = store
        .outbox(Some(OutboxChannel::Exchange), false)
        .await
        .unwrap();
    assert_eq!(exchange, vec![all[1].clone()]);
    let applicant = store
        .outbox(Some(OutboxChannel::Applicant), true)
        .await
        .unwrap();
    assert_eq!(applicant, vec![all[0].clone(), all[2].clone()]);

    // Delivery marks count only messages still pending; a first mark is kept. They are not
    // projections: the projection rows do not change.
    let projections = store.projection_rows().await.unwrap();
    assert_eq!(projections["outbox"].len(), 3);
    assert!(
        projections["outbox"]
            .iter()
            .all(|r| !r.contains("delivered_at"))
    );
    assert_eq!(projections["notifications"].len(), 5);
    assert_eq!(projections["applications"].len(), 3);
    let at1 = "2025-06-12T02:00:00Z";
    let at2 = "2025-06-13T02:00:00Z";
    assert_eq!(store.mark_delivered(&[], at1).await.unwrap(), 0);
    assert_eq!(
        store
            .mark_delivered(&["no-such-id".into(), "no-such-id".into()], at1)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .mark_delivered(&[all[0].id.clone(), "no-such-id".into()], at1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .mark_delivered(
                &[all[0].id.clone(), all[2].id.clone(), all[2].id.clone()],
                at2
            )
            .await
            .unwrap(),
        1
    );
    let pending = store.outbox(None, true).await.unwrap();
    assert_eq!(pending, vec![all[1].clone()]);
    assert!(
        store
            .outbox(Some(OutboxChannel::Applicant), true)
            .await
            .unwrap()
            .is_empty()
    );
    let marked: Vec<Option<String>> = store
        .outbox(None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.delivered_at)
        .collect();
    assert_eq!(marked, vec![Some(at1.into()), None, Some(at2.into())]);
    assert_eq!(store.projection_rows().await.unwrap(), projections);
}

async fn commitments_story(store: SqlStore) {
    assert_eq!(store.commitment("cm-1").await.unwrap(), None);
    assert!(store.commitments(None).await.unwrap().is_empty());
    let set = TemplateSet::builtin();
    let template = &set.templates[0];
    let signed = |id: &str, subject: &str, unit: &str, on: &str| {
        sign(
            id.into(),
            template,
            &set.version,
            subject,
            &format!("主体{subject}"),
            "道路运输经营许可",
            unit,
            d(on),
            None,
        )
    };
    let cms = [
        signed("cm-1", "s-a", U1, "2025-06-01"),
        signed("cm-2", "s-b", U2, "2025-06-03"),
        signed("cm-3", "s-a", U1, "2025-06-03"),
    ];
    let stored = store
        .append(
            cms.iter()
                .map(|c| {
                    ev(
                        "2025-06-03T01:00:00Z",
                        EventPayload::CommitmentSigned {
                            commitment: c.clone(),
                        },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    let pending = store.commitment("cm-1").await.unwrap().unwrap();
    assert_eq!(
        pending,
        CommitmentState {
            commitment: cms[0].clone(),
            check: None
        }
    );
    assert_eq!(pending.status(), CommitmentStatus::Pending);

    let ids = |v: Vec<CommitmentState>| v.into_iter().map(|c| c.commitment.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.commitments(None).await.unwrap()),
        vec!["cm-2", "cm-3", "cm-1"],
        "newest signed first, then id"
    );
    assert_eq!(
        ids(store.commitments(Some("s-a")).await.unwrap()),
        vec!["cm-3", "cm-1"]
    );
    assert!(store.commitments(Some("s-x")).await.unwrap().is_empty());

    // A fulfilment check: a breach.
    let breach = FulfilmentCheck {
        on: d("2025-06-20"),
        fulfilled: false,
        false_commitment: false,
        note: "未按承诺补齐材料".into(),
        by: "inspector".into(),
    };
    store
        .append(vec![ev(
            "2025-06-20T01:00:00Z",
            EventPayload::CommitmentChecked {
                commitment_id: "cm-1".into(),
                check: breach.clone(),
            },
        )])
        .await
        .unwrap();
    let checked = store.commitment("cm-1").await.unwrap().unwrap();
    assert_eq!(checked.check, Some(breach.clone()));
    assert_eq!(checked.status(), CommitmentStatus::Breached);
    assert_eq!(
        store.commitments(Some("s-a")).await.unwrap()[1],
        checked,
        "lists show the check"
    );

    // Refused checks write nothing: twice, before signing, unknown commitment.
    let head = store.head().await.unwrap();
    let early = FulfilmentCheck {
        on: d("2025-06-02"),
        ..breach.clone()
    };
    for (id, check) in [("cm-1", breach.clone()), ("cm-2", early), ("cm-9", breach)] {
        let err = store
            .append(vec![ev(
                "2025-06-21T01:00:00Z",
                EventPayload::CommitmentChecked {
                    commitment_id: id.into(),
                    check,
                },
            )])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Workflow(_)), "{id}: {err}");
    }
    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(store.commitment("cm-2").await.unwrap().unwrap().check, None);

    // Signing tells the accepting unit.
    let u1: Vec<(String, String, String)> = store
        .inbox(U1, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.id, n.kind, n.reference))
        .collect();
    assert_eq!(
        u1,
        vec![
            (
                format!("{}:{U1}", stored[2].id),
                "commitment_signed".into(),
                "cm-3".into()
            ),
            (
                format!("{}:{U1}", stored[0].id),
                "commitment_signed".into(),
                "cm-1".into()
            ),
        ]
    );
    assert_eq!(store.inbox(U2, 10).await.unwrap()[0].reference, "cm-2");
    assert!(store.outbox(None, false).await.unwrap().is_empty());
}

async fn attachments_story(store: SqlStore) {
    let bytes: Vec<u8> = (0..=255).collect();
    let sha = "a1".repeat(32);
    assert_eq!(store.attachment(&sha).await.unwrap(), None);

    let mut tx = store.begin().await.unwrap();
    tx.put_attachment(&sha, "证明材料.pdf", &bytes)
        .await
        .unwrap();
    tx.put_attachment(&"e0".repeat(32), "empty.txt", b"")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.attachment(&sha).await.unwrap(),
        Some(("证明材料.pdf".to_string(), bytes.clone()))
    );
    assert_eq!(
        store.attachment(&"e0".repeat(32)).await.unwrap(),
        Some(("empty.txt".to_string(), vec![]))
    );

    // Content-addressed: the same hash again keeps the first file.
    let mut tx = store.begin().await.unwrap();
    tx.put_attachment(&sha, "other.pdf", b"other")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        store.attachment(&sha).await.unwrap(),
        Some(("证明材料.pdf".to_string(), bytes))
    );

    // A rolled-back transaction keeps nothing; the ledger is untouched by files.
    let mut tx = store.begin().await.unwrap();
    tx.put_attachment(&"b2".repeat(32), "x.jpg", b"x")
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(store.attachment(&"b2".repeat(32)).await.unwrap(), None);
    assert_eq!(store.head().await.unwrap().seq, 0);

    // After a failed append the transaction keeps no file either.
    store
        .append(vec![ev(
            "2025-01-02T01:00:00Z",
            EventPayload::SubjectRegistered {
                subject: company("s-a", "示范市长风货运有限公司", "M000100Y"),
            },
        )])
        .await
        .unwrap();
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .append(vec![ev(
            "2025-01-03T01:00:00Z",
            EventPayload::SubjectRegistered {
                subject: company("s-a", "重复登记", "MA2B3C4D"),
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let refused = tx.put_attachment(&"c4".repeat(32), "y.jpg", b"y").await;
    assert!(matches!(refused, Err(StoreError::Poisoned)), "{refused:?}");
    assert!(matches!(tx.commit().await, Err(StoreError::Poisoned)));
    assert_eq!(store.attachment(&"c4".repeat(32)).await.unwrap(), None);
}

#[tokio::test]
async fn sqlite_applications() {
    on_sqlite("applications", applications_story).await;
}

#[tokio::test]
async fn postgres_applications() {
    on_postgres("postgres_applications", applications_story).await;
}

#[tokio::test]
async fn sqlite_commitments() {
    on_sqlite("commitments", commitments_story).await;
}

#[tokio::test]
async fn postgres_commitments() {
    on_postgres("postgres_commitments", commitments_story).await;
}

#[tokio::test]
async fn sqlite_attachments() {
    on_sqlite("attachments", attachments_story).await;
}

#[tokio::test]
async fn postgres_attachments() {
    on_postgres("postgres_attachments", attachments_story).await;
}

/// The ledger is the truth: a message is dated by its event's ledger time, so replaying the
/// ledger gives the same inbox and outbox. Here a caller's clock runs behind the ledger (its
/// events are sealed at the ledger's later time) across midnight in China.
async fn messages_dated_by_ledger_time(store: SqlStore, fresh: SqlStore) {
    let yy1 = application(
        "YY-1",
        WorkflowKind::Objection,
        "s-a",
        "r-1",
        U1,
        "2025-06-10",
    );
    let yy2 = application(
        "YY-2",
        WorkflowKind::Objection,
        "s-b",
        "r-2",
        U2,
        "2025-06-10",
    );
    // 2025-06-10T17:00Z is 2025-06-11 01:00 in China.
    store
        .append(vec![filed("2025-06-10T17:00:00Z", &yy1)])
        .await
        .unwrap();
    // A clock two hours behind: 23:00 on 2025-06-10 in China, sealed at 17:00Z.
    let late = store
        .append(vec![
            filed("2025-06-10T15:00:00Z", &yy2),
            stepped(
                "2025-06-10T15:00:00Z",
                "YY-1",
                decided(WorkflowKind::Objection, true),
                "2025-06-10",
            ),
        ])
        .await
        .unwrap();
    assert!(
        late.iter()
            .all(|e| e.recorded_at == "2025-06-10T17:00:00.000000Z")
    );
    let china_day = |seq: i64| {
        let e = &late[usize::try_from(seq - 2).unwrap()];
        (e.recorded_at_utc().unwrap() + chrono::Duration::hours(8))
            .date_naive()
            .to_string()
    };
    let yy2_note = &store.inbox(U2, 10).await.unwrap()[0];
    assert_eq!(yy2_note.reference, "YY-2");
    assert_eq!(yy2_note.created_on, china_day(2), "inbox of {U2}");
    for item in store.outbox(None, false).await.unwrap() {
        assert_eq!(item.created_on, china_day(item.seq), "outbox {}", item.id);
    }

    replay(&store, &fresh).await;
    assert_eq!(
        fresh.projection_rows().await.unwrap(),
        store.projection_rows().await.unwrap()
    );
}

#[tokio::test]
async fn sqlite_messages_dated_by_ledger_time() {
    on_sqlite_pair("messages", messages_dated_by_ledger_time).await;
}

#[tokio::test]
async fn postgres_messages_dated_by_ledger_time() {
    on_postgres_pair(
        "postgres_messages_dated_by_ledger_time",
        messages_dated_by_ledger_time,
    )
    .await;
}
