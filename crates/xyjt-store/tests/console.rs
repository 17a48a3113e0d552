//! Storage stories of the console (accounts, sessions, submissions, the audit trail) and of the
//! ledger as a whole (paging through it in order, the projection tables it is replayed into),
//! each run on both backends with the same assertions. The store is driven only through ledger
//! events; sessions, which are not in the ledger, through their own methods.

mod common;

use common::*;
use xyjt_core::account::{Account, Role};
use xyjt_core::ledger::{EventPayload, StoredEvent};
use xyjt_core::record::RecordCategory;
use xyjt_core::submission::{Submission, SubmissionState, SubmissionStatus};
use xyjt_store::{Session, SqlStore, Store, StoreError};

fn account(login: &str, unit: &str, roles: Vec<Role>) -> Account {
    Account {
        login: login.into(),
        name: format!("用户{login}"),
        unit_id: unit.into(),
        roles,
        disabled: false,
    }
}

fn submission(id: &str, by: &str, on: &str) -> Submission {
    Submission {
        id: id.into(),
        category: RecordCategory::Penalty,
        source: "import".into(),
        file_name: format!("{id}.csv"),
        sha256: "c3".repeat(32),
        unit_id: "DH".into(),
        by: by.into(),
        submitted_on: d(on),
        total: 3,
        valid: 2,
        rejected: 1,
        errors: vec!["第3行 CF_JDRQ：日期无效".into()],
        rejects_sha256: None,
        rejects_file_name: None,
    }
}

async fn console_story(store: SqlStore) {
    // Accounts.
    let admin = account("admin", "SF", vec![Role::SysAdmin]);
    let zhang = account("zhang", "DH", vec![Role::Clerk]);
    let li = account("li", "DH", vec![Role::Reviewer, Role::CreditAdmin]);
    assert!(store.accounts().await.unwrap().is_empty());
    let created = |a: &Account, hash: &str| {
        ev_by(
            "admin",
            "2025-01-02T01:00:00Z",
            EventPayload::AccountCreated {
                account: a.clone(),
                password_hash: hash.into(),
            },
        )
    };
    store
        .append(vec![
            created(&admin, "$argon2id$admin"),
            created(&zhang, "$argon2id$zhang-1"),
            created(&li, "$argon2id$li"),
        ])
        .await
        .unwrap();
    assert_eq!(
        store.account("zhang").await.unwrap(),
        Some((zhang.clone(), "$argon2id$zhang-1".to_string()))
    );
    assert_eq!(store.account("nobody").await.unwrap(), None);
    assert_eq!(
        store.accounts().await.unwrap(),
        vec![li.clone(), zhang.clone(), admin.clone()],
        "by unit, then login"
    );
    let dup = store
        .append(vec![created(&zhang, "$argon2id$again")])
        .await
        .unwrap_err();
    assert!(matches!(dup, StoreError::Conflict { .. }), "{dup}");

    // Sessions: kept verbatim, expiry included. The store does not judge time: an expired
    // session is still returned with its expiry, and the caller refuses it.
    assert_eq!(store.session("h-none").await.unwrap(), None);
    let live = "2025-01-03T09:00:00+00:00";
    let past = "2020-01-01T00:00:00+00:00";
    store
        .create_session("h-zhang", "zhang", "csrf-z", live)
        .await
        .unwrap();
    store
        .create_session("h-zhang-old", "zhang", "csrf-o", past)
        .await
        .unwrap();
    store
        .create_session("h-li", "li", "csrf-l", live)
        .await
        .unwrap();
    assert_eq!(
        store.session("h-zhang").await.unwrap(),
        Some(Session {
            login: "zhang".into(),
            csrf: "csrf-z".into(),
            expires_at: live.into(),
        })
    );
    assert_eq!(
        store.session("h-zhang-old").await.unwrap(),
        Some(Session {
            login: "zhang".into(),
            csrf: "csrf-o".into(),
            expires_at: past.into(),
        })
    );
    // One session per cookie hash.
    assert!(
        store
            .create_session("h-li", "zhang", "csrf-x", live)
            .await
            .is_err()
    );
    assert_eq!(store.session("h-li").await.unwrap().unwrap().login, "li");
    // Sessions are not in the ledger.
    assert_eq!(store.head().await.unwrap().seq, 3);
    store.delete_session("h-li").await.unwrap();
    assert_eq!(store.session("h-li").await.unwrap(), None);
    store.delete_session("h-none").await.unwrap();
    store
        .create_session("h-li-2", "li", "csrf-l2", live)
        .await
        .unwrap();

    // A new password ends every session of that account, and only of it.
    store
        .append(vec![ev_by(
            "zhang",
            "2025-01-03T01:00:00Z",
            EventPayload::PasswordChanged {
                login: "zhang".into(),
                password_hash: "$argon2id$zhang-2".into(),
            },
        )])
        .await
        .unwrap();
    assert_eq!(
        store.account("zhang").await.unwrap().unwrap().1,
        "$argon2id$zhang-2"
    );
    assert_eq!(store.session("h-zhang").await.unwrap(), None);
    assert_eq!(store.session("h-zhang-old").await.unwrap(), None);
    assert_eq!(
        store.session("h-li-2").await.unwrap().unwrap().csrf,
        "csrf-l2"
    );
    let unknown = store
        .append(vec![ev(
            "2025-01-03T02:00:00Z",
            EventPayload::PasswordChanged {
                login: "nobody".into(),
                password_hash: "x".into(),
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound(_)), "{unknown}");

    // Submissions: filed by a clerk, reviewed by someone else.
    assert_eq!(store.submission("sub-1").await.unwrap(), None);
    let subs = [
        submission("sub-1", "zhang", "2025-02-01"),
        submission("sub-2", "zhang", "2025-02-02"),
        submission("sub-3", "zhang", "2025-02-03"),
    ];
    store
        .append(
            subs.iter()
                .map(|s| {
                    ev_by(
                        "zhang",
                        "2025-02-03T01:00:00Z",
                        EventPayload::SubmissionFiled {
                            submission: s.clone(),
                        },
                    )
                })
                .collect(),
        )
        .await
        .unwrap();
    assert_eq!(
        store.submission("sub-3").await.unwrap(),
        Some(SubmissionState {
            submission: subs[2].clone(),
            status: SubmissionStatus::Pending,
            reviewed_by: None,
            review_comment: None,
            reviewed_on: None,
        })
    );
    let reviewed = |id: &str, approved: bool, by: &str| {
        ev_by(
            by,
            "2025-02-04T01:00:00Z",
            EventPayload::SubmissionReviewed {
                submission_id: id.into(),
                approved,
                by: by.into(),
                comment: if approved {
                    "同意发布"
                } else {
                    "请更正"
                }
                .into(),
                on: d("2025-02-04"),
            },
        )
    };
    store
        .append(vec![reviewed("sub-1", true, "li")])
        .await
        .unwrap();
    store
        .append(vec![reviewed("sub-2", false, "li")])
        .await
        .unwrap();
    let published = store.submission("sub-1").await.unwrap().unwrap();
    assert_eq!(published.status, SubmissionStatus::Published);
    assert_eq!(published.reviewed_by.as_deref(), Some("li"));
    assert_eq!(published.review_comment.as_deref(), Some("同意发布"));
    assert_eq!(published.reviewed_on, Some(d("2025-02-04")));
    assert_eq!(
        store.submission("sub-2").await.unwrap().unwrap().status,
        SubmissionStatus::Returned
    );
    // Refused reviews write nothing: by the clerk, a second time, of an unknown submission.
    let head = store.head().await.unwrap();
    for (id, by) in [("sub-3", "zhang"), ("sub-1", "li"), ("sub-9", "li")] {
        let err = store
            .append(vec![reviewed(id, true, by)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Workflow(_)), "{id} {by}: {err}");
    }
    assert_eq!(store.head().await.unwrap(), head);

    // Newest change first, optionally of one status, at most `limit`.
    let ids = |v: Vec<SubmissionState>| v.into_iter().map(|s| s.submission.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.submissions(None, 10).await.unwrap()),
        vec!["sub-2", "sub-1", "sub-3"]
    );
    assert_eq!(
        ids(store.submissions(None, 2).await.unwrap()),
        vec!["sub-2", "sub-1"]
    );
    assert_eq!(
        ids(store.submissions(Some("pending"), 10).await.unwrap()),
        vec!["sub-3"]
    );
    assert_eq!(
        ids(store.submissions(Some("published"), 10).await.unwrap()),
        vec!["sub-1"]
    );
    assert_eq!(
        ids(store.submissions(Some("returned"), 10).await.unwrap()),
        vec!["sub-2"]
    );
    assert!(
        store
            .submissions(Some("unknown"), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The audit trail: newest first, by actor and kind.
    let trail = |v: Vec<StoredEvent>| {
        v.into_iter()
            .map(|e| (e.seq, e.actor, e.kind))
            .collect::<Vec<_>>()
    };
    let row = |seq: i64, actor: &str, kind: &str| (seq, actor.to_string(), kind.to_string());
    assert_eq!(
        trail(store.recent_events(None, None, 3).await.unwrap()),
        vec![
            row(9, "li", "submission_reviewed"),
            row(8, "li", "submission_reviewed"),
            row(7, "zhang", "submission_filed"),
        ]
    );
    assert_eq!(
        trail(store.recent_events(Some("zhang"), None, 10).await.unwrap()),
        vec![
            row(7, "zhang", "submission_filed"),
            row(6, "zhang", "submission_filed"),
            row(5, "zhang", "submission_filed"),
            row(4, "zhang", "password_changed"),
        ]
    );
    assert_eq!(
        trail(
            store
                .recent_events(None, Some("account_created"), 2)
                .await
                .unwrap()
        ),
        vec![
            row(3, "admin", "account_created"),
            row(2, "admin", "account_created"),
        ]
    );
    assert_eq!(
        trail(
            store
                .recent_events(Some("zhang"), Some("password_changed"), 10)
                .await
                .unwrap()
        ),
        vec![row(4, "zhang", "password_changed")]
    );
    assert!(
        store
            .recent_events(Some("admin"), Some("submission_filed"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let latest = &store.recent_events(None, None, 1).await.unwrap()[0];
    assert_eq!(latest, &store.events_of("sub-2").await.unwrap()[1]);
    assert_eq!(
        latest.typed().unwrap(),
        reviewed("sub-2", false, "li").payload
    );

    // What the console writes is in the projections; sessions are not.
    let rows = store.projection_rows().await.unwrap();
    assert_eq!(
        rows["accounts"],
        vec![
            format!(
                "login=admin;unit_id=SF;data={};password_hash=$argon2id$admin;last_seq=1",
                serde_json::to_string(&admin).unwrap()
            ),
            format!(
                "login=li;unit_id=DH;data={};password_hash=$argon2id$li;last_seq=3",
                serde_json::to_string(&li).unwrap()
            ),
            format!(
                "login=zhang;unit_id=DH;data={};password_hash=$argon2id$zhang-2;last_seq=4",
                serde_json::to_string(&zhang).unwrap()
            ),
        ]
    );
    let statuses: Vec<&str> = rows["submissions"]
        .iter()
        .map(|r| r.split(';').find(|c| c.starts_with("status=")).unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec!["status=published", "status=returned", "status=pending"]
    );
    store
        .create_session("h-after", "li", "csrf", live)
        .await
        .unwrap();
    assert_eq!(store.projection_rows().await.unwrap(), rows);
}

/// Reading the ledger back in pages, and the list of projection tables it is replayed into.
async fn ledger_story(store: SqlStore) {
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    let rows = store.projection_rows().await.unwrap();
    let tables = [
        "accounts",
        "api_tokens",
        "applications",
        "assessment_scores",
        "assessments",
        "checks",
        "commitments",
        "disclosure_items",
        "disclosure_reports",
        "eval_models",
        "eval_results",
        "eval_runs",
        "exchange_received",
        "exchange_subjects",
        "false_positives",
        "gov_commitments",
        "gov_subjects",
        "inspection_draws",
        "inspection_results",
        "inspector_pools",
        "intake_rejections",
        "integrity_records",
        "joint_cases",
        "list_entries",
        "list_policies",
        "notifications",
        "outbox",
        "records",
        "registrations",
        "subject_names",
        "subjects",
        "submissions",
    ];
    assert_eq!(rows.keys().map(String::as_str).collect::<Vec<_>>(), tables);
    assert!(rows.values().all(Vec::is_empty), "{rows:?}");

    // Seven events over three appends; the second carries a time from the past.
    let a = company("s-a", "示范市长风货运有限公司", "M000100Y");
    let b = company("s-b", "示范市大道物流有限公司", "MA2B3C4D");
    let mut appended = store
        .append(vec![
            ev(
                "2025-01-02T01:00:00Z",
                EventPayload::SubjectRegistered { subject: a.clone() },
            ),
            ev(
                "2025-01-02T01:00:01Z",
                EventPayload::SubjectRegistered { subject: b.clone() },
            ),
        ])
        .await
        .unwrap();
    appended.extend(
        store
            .append(vec![
                ev(
                    "2024-12-31T00:00:00Z",
                    EventPayload::SubjectRenamed {
                        subject_id: "s-a".into(),
                        name: "示范市长风物流集团有限公司".into(),
                        effective_on: d("2025-01-03"),
                    },
                ),
                ev(
                    "2025-03-05T01:00:00Z",
                    EventPayload::RecordPublished {
                        record_id: "r-1".into(),
                        subject_id: "s-a".into(),
                        body: penalty(&a, "罚〔2025〕1号", &authority()),
                        publication: None,
                    },
                ),
            ])
            .await
            .unwrap(),
    );
    appended.extend(
        store
            .append(vec![
                ev(
                    "2025-04-01T01:00:00Z",
                    EventPayload::ApiTokenIssued {
                        token_id: "tok-1".into(),
                        name: "tender-sys".into(),
                        token_hash: "ab".repeat(32),
                        decision_points: vec![],
                    },
                ),
                ev(
                    "2025-04-02T01:00:00Z",
                    EventPayload::RecordRevoked {
                        record_id: "r-1".into(),
                        reason: "撤销".into(),
                    },
                ),
                ev(
                    "2025-04-03T01:00:00Z",
                    EventPayload::SubjectRenamed {
                        subject_id: "s-b".into(),
                        name: "示范市大道运输有限公司".into(),
                        effective_on: d("2025-04-03"),
                    },
                ),
            ])
            .await
            .unwrap(),
    );
    assert_eq!(
        appended.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=7).collect::<Vec<_>>()
    );

    // Pages in ledger order, each exactly what was appended; the last page is short.
    let mut pages = Vec::new();
    let mut after = 0;
    loop {
        let page = store.events_after(after, 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().unwrap().seq;
        pages.push(page);
    }
    assert_eq!(
        pages
            .iter()
            .map(|p| p.iter().map(|e| e.seq).collect::<Vec<_>>())
            .collect::<Vec<_>>(),
        vec![vec![1, 2, 3], vec![4, 5, 6], vec![7]]
    );
    assert_eq!(pages.concat(), appended);
    assert_eq!(
        pages[0][2].recorded_at, "2025-01-02T01:00:01.000000Z",
        "the clamped time"
    );
    assert_eq!(
        store.events_after(5, 1).await.unwrap(),
        vec![appended[5].clone()]
    );
    assert_eq!(store.events_after(2, 0).await.unwrap(), vec![]);
    assert_eq!(store.events_after(7, 10).await.unwrap(), vec![]);
    assert_eq!(
        store.events_after(-1, 2).await.unwrap(),
        appended[..2].to_vec()
    );

    // Every projection table is listed, with the rows these events wrote.
    let rows = store.projection_rows().await.unwrap();
    assert_eq!(rows.keys().map(String::as_str).collect::<Vec<_>>(), tables);
    let count = |t: &str| rows[t].len();
    assert_eq!(
        (
            count("subjects"),
            count("subject_names"),
            count("records"),
            count("api_tokens")
        ),
        (2, 4, 1, 1)
    );
    assert!(
        rows["records"][0].contains("status=revoked"),
        "{}",
        rows["records"][0]
    );
    assert!(rows["subjects"][0].starts_with("id=s-a;"), "sorted rows");
    assert!(rows["subjects"][0].contains("name=示范市长风物流集团有限公司;"));
    assert_eq!(
        rows["api_tokens"],
        vec![format!(
            "id=tok-1;name=tender-sys;token_hash={};seq=5;decision_points=NULL",
            "ab".repeat(32)
        )]
    );
    for t in tables {
        if !["subjects", "subject_names", "records", "api_tokens"].contains(&t) {
            assert!(rows[t].is_empty(), "{t}: {:?}", rows[t]);
        }
    }
    // Not projections: the ledger itself, sessions, attachments; the Merkle tree (rebuilt from
    // the events by the append itself, and checked against them by `verify --checkpoint`), the
    // kept checkpoints and the issued credit reports (statements about the ledger).
    for t in [
        "ledger_events",
        "ledger_head",
        "sessions",
        "attachments",
        "ledger_tree",
        "ledger_checkpoints",
        "credit_reports",
        "exchange_state",
        "exchange_peers",
        "exchange_dead_letters",
        "exchange_seen",
    ] {
        assert!(!rows.contains_key(t), "{t}");
    }
}

#[tokio::test]
async fn sqlite_console() {
    on_sqlite("console", console_story).await;
}

#[tokio::test]
async fn postgres_console() {
    on_postgres("postgres_console", console_story).await;
}

#[tokio::test]
async fn sqlite_ledger_paging_and_projection_rows() {
    on_sqlite("ledger", ledger_story).await;
}

#[tokio::test]
async fn postgres_ledger_paging_and_projection_rows() {
    on_postgres("postgres_ledger_paging_and_projection_rows", ledger_story).await;
}
