//! One storage story, run on both backends: SQLite (a fresh file per test) and PostgreSQL (a
//! fresh schema per test, from `XYJT_TEST_POSTGRES_URL`). Under `CI=true` an unreachable
//! PostgreSQL fails the run; elsewhere the PostgreSQL tests say loudly that they were skipped.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use xyjt_core::ident::{CitizenId, Code, OrgCode, Uscc};
use xyjt_core::ledger::{ChainError, EventPayload, NewEvent, RejectedRow};
use xyjt_core::money::WanYuan;
use xyjt_core::record::{
    Party, PenaltyKind, PenaltyRecord, Publication, RecordBody, RecordCategory, RecordStatus,
};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_core::text::name_key;
use xyjt_store::testing::PgSchema;
use xyjt_store::{Backend, PublicityQuery, RecordPage, SqlStore, Store, StoreError};

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn company() -> Subject {
    Subject {
        id: "s-company".into(),
        kind: PartyCategory::LegalPerson,
        name: "示范市长风货运有限公司".into(),
        uscc: Some(Uscc::parse("91350100M000100Y43").unwrap()),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    }
}

fn person() -> Subject {
    Subject {
        id: "s-person".into(),
        kind: PartyCategory::NaturalPerson,
        name: "欧阳娜娜".into(),
        uscc: None,
        org_code: None,
        reg_no: None,
        citizen_id: Some(CitizenId::parse("11010519491231002X").unwrap()),
    }
}

fn penalty(subject: &Subject, doc_no: &str, facts: &str) -> RecordBody {
    let authority = Uscc::parse("91110000600037341L").unwrap();
    RecordBody::Penalty(PenaltyRecord {
        party: Party {
            name: subject.name.clone(),
            category: subject.kind,
            uscc: subject.uscc.clone(),
            reg_no: None,
            org_code: None,
            tax_reg_no: None,
            institution_cert_no: None,
            social_org_cert_no: None,
            legal_rep: Some("张三".into()),
            legal_rep_id_type: Some("身份证".into()),
            legal_rep_id_no: Some("11010519491231002X".into()),
            id_type: None,
            id_no: None,
        },
        doc_no: doc_no.into(),
        violation_type: "超限超载运输".into(),
        facts: facts.into(),
        basis: "《公路安全保护条例》第六十四条".into(),
        kinds: vec![PenaltyKind::Fine],
        content: "罚款人民币2000元".into(),
        fine: Some(WanYuan::parse("0.2").unwrap()),
        confiscated: None,
        licence_affected: None,
        decision_date: d("2025-03-03"),
        valid_until: d("2026-03-03"),
        publicity_until: None,
        authority: "示范市交通运输综合行政执法支队".into(),
        authority_code: authority.clone(),
        source_unit: "示范市交通运输综合行政执法支队".into(),
        source_unit_code: authority,
        remark: None,
    })
}

fn ev(at: &str, payload: EventPayload) -> NewEvent {
    NewEvent::new("test", t(at), payload)
}

/// Runs raw SQL outside the store's API, the way someone tampering with the database would.
async fn sql(store: &SqlStore, statement: &str) {
    sqlx::raw_sql(statement)
        .execute(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

async fn story(store: SqlStore) {
    // An empty ledger verifies.
    let head = store.head().await.unwrap();
    assert_eq!(head.seq, 0);
    assert!(store.verify().await.unwrap().error.is_none());

    // Registration.
    let c = company();
    let p = person();
    let stored = store
        .append(vec![
            ev(
                "2025-01-02T01:00:00Z",
                EventPayload::SubjectRegistered { subject: c.clone() },
            ),
            ev(
                "2025-01-02T01:05:00Z",
                EventPayload::SubjectRegistered { subject: p.clone() },
            ),
        ])
        .await
        .unwrap();
    assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(stored[1].prev_hash, stored[0].hash);
    assert_eq!(store.subject("s-company").await.unwrap(), Some(c.clone()));
    assert_eq!(store.count_subjects().await.unwrap(), 2);

    // Found by every identifier, including the old organisation code inside the USCC (旧码转换).
    let by_uscc = Code::Uscc(Uscc::parse("91350100M000100Y43").unwrap());
    let by_org = Code::OrgCode(OrgCode::parse("M000100Y4").unwrap());
    let by_id = Code::CitizenId(CitizenId::parse("11010519491231002X").unwrap());
    assert_eq!(
        store.subject_by_code(&by_uscc).await.unwrap().unwrap().id,
        "s-company"
    );
    assert_eq!(
        store.subject_by_code(&by_org).await.unwrap().unwrap().id,
        "s-company"
    );
    assert_eq!(
        store.subject_by_code(&by_id).await.unwrap().unwrap().id,
        "s-person"
    );

    // A batch with one bad event writes nothing at all.
    let mut dup = company();
    dup.id = "s-dup".into();
    let err = store
        .append(vec![
            ev(
                "2025-01-03T01:00:00Z",
                EventPayload::SubjectRenamed {
                    subject_id: "s-company".into(),
                    name: "不应出现的名称".into(),
                    effective_on: d("2025-01-03"),
                },
            ),
            ev(
                "2025-01-03T01:00:01Z",
                EventPayload::SubjectRegistered { subject: dup },
            ),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(store.head().await.unwrap().seq, 2);
    assert_eq!(
        store.subject("s-company").await.unwrap().unwrap().name,
        c.name
    );

    // A penalty: published, corrected later, then revoked.
    let body = penalty(&c, "示交执罚〔2025〕1号", "超限运输");
    store
        .append(vec![ev(
            "2025-03-05T02:00:00Z",
            EventPayload::RecordPublished {
                record_id: "r-1".into(),
                subject_id: "s-company".into(),
                body: body.clone(),
                publication: None,
            },
        )])
        .await
        .unwrap();
    let key = body.natural_key();
    assert_eq!(key.category, RecordCategory::Penalty);
    assert_eq!(store.record_by_key(&key).await.unwrap().unwrap().id, "r-1");

    // The same decision twice is a conflict, not a duplicate.
    let again = store
        .append(vec![ev(
            "2025-03-05T02:00:01Z",
            EventPayload::RecordPublished {
                record_id: "r-dup".into(),
                subject_id: "s-company".into(),
                body: body.clone(),
                publication: None,
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Conflict { .. }), "{again}");

    let corrected = penalty(&c, "示交执罚〔2025〕1号", "超限运输（更正）");
    store
        .append(vec![ev(
            "2025-04-01T02:00:00Z",
            EventPayload::RecordCorrected {
                record_id: "r-1".into(),
                body: corrected.clone(),
                reason: "更正违法事实".into(),
                publication: None,
            },
        )])
        .await
        .unwrap();
    let now = store.record("r-1").await.unwrap().unwrap();
    assert_eq!(now.version, 2);
    assert_eq!(now.body, corrected);

    // State at past dates, folded from the ledger.
    assert_eq!(
        store
            .record_as_of("r-1", t("2025-03-01T00:00:00Z"))
            .await
            .unwrap(),
        None
    );
    let march = store
        .record_as_of("r-1", t("2025-03-20T00:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((march.version, march.body), (1, body.clone()));
    let april = store
        .record_as_of("r-1", t("2025-04-02T00:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(april.version, 2);

    store
        .append(vec![ev(
            "2025-05-01T02:00:00Z",
            EventPayload::RecordRevoked {
                record_id: "r-1".into(),
                reason: "行政复议撤销".into(),
            },
        )])
        .await
        .unwrap();
    assert_eq!(
        store.record("r-1").await.unwrap().unwrap().status,
        RecordStatus::Revoked
    );
    // Revoked is final; what happened before stays readable.
    let late = store
        .append(vec![ev(
            "2025-05-02T02:00:00Z",
            EventPayload::RecordCorrected {
                record_id: "r-1".into(),
                body: body.clone(),
                reason: "x".into(),
                publication: None,
            },
        )])
        .await
        .unwrap_err();
    assert!(matches!(late, StoreError::Fold(_)), "{late}");
    assert_eq!(
        store
            .record_as_of("r-1", t("2025-04-02T00:00:00Z"))
            .await
            .unwrap()
            .unwrap()
            .status,
        RecordStatus::Active
    );
    assert_eq!(store.events_of("r-1").await.unwrap().len(), 3);
    assert_eq!(
        store.records_of_subject("s-company").await.unwrap().len(),
        1
    );

    // Renaming keeps the old name searchable.
    store
        .append(vec![ev(
            "2025-06-01T02:00:00Z",
            EventPayload::SubjectRenamed {
                subject_id: "s-company".into(),
                name: "示范市长风物流集团有限公司".into(),
                effective_on: d("2025-06-01"),
            },
        )])
        .await
        .unwrap();
    let history = store.name_history("s-company").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].effective_on, d("2025-06-01"));
    for q in ["长风货运", "长风物流", "ＳＨＩ长风"] {
        let found = store.search_subjects(&name_key(q), 10, 0).await.unwrap();
        assert_eq!(found.total, i64::from(q != "ＳＨＩ长风"), "search {q}");
    }
    // LIKE wildcards in the query are literal.
    assert_eq!(store.search_subjects("%", 10, 0).await.unwrap().total, 0);
    assert_eq!(store.search_subjects("_", 10, 0).await.unwrap().total, 0);

    // Ledger time never runs backwards.
    let back = store
        .append(vec![ev(
            "2020-01-01T00:00:00Z",
            EventPayload::SubjectRenamed {
                subject_id: "s-person".into(),
                name: "欧阳娜娜".into(),
                effective_on: d("2025-06-02"),
            },
        )])
        .await
        .unwrap();
    assert_eq!(back[0].recorded_at, "2025-06-01T02:00:00.000000Z");

    let report = store.verify().await.unwrap();
    assert_eq!(report.error, None);
    assert_eq!(report.events, 7);
    assert_eq!(report.head.seq, 7);

    tampering_is_caught(&store).await;
}

fn publication(reported: &str, from: &str, until: Option<&str>, late: bool) -> Publication {
    Publication {
        reported_on: d(reported),
        deadline: d(reported),
        deadline_provisional: false,
        late,
        public_from: Some(d(from)),
        public_until: until.map(d),
        min_until: None,
        severity: Some("一般".into()),
        explanation: "test".into(),
        policy_version: "test".into(),
        repaired_on: None,
        repaired_by: None,
    }
}

/// Publicity listing, intake statistics and transactions: the 双公示 side of the store.
async fn publicity_story(store: SqlStore) {
    let c = company();
    store
        .append(vec![ev(
            "2025-01-02T01:00:00Z",
            EventPayload::SubjectRegistered { subject: c.clone() },
        )])
        .await
        .unwrap();
    let mut events = Vec::new();
    for (i, (reported, from, until, late)) in [
        ("2025-03-05", "2025-03-03", Some("2026-03-02"), false),
        ("2025-03-20", "2025-03-04", Some("2025-06-30"), true),
        ("2025-04-02", "2025-04-01", None, false),
    ]
    .into_iter()
    .enumerate()
    {
        let body = penalty(&c, &format!("示交执罚〔2025〕{}号", i + 10), "超限运输");
        events.push(ev(
            "2025-04-03T01:00:00Z",
            EventPayload::RecordPublished {
                record_id: format!("p-{i}"),
                subject_id: "s-company".into(),
                body,
                publication: Some(publication(reported, from, until, late)),
            },
        ));
    }
    store.append(events).await.unwrap();
    let query = |on: &str| PublicityQuery {
        on: d(on),
        category: None,
        unit: None,
        decided_from: None,
        decided_to: None,
        limit: 10,
        offset: 0,
    };
    let ids = |page: RecordPage| page.items.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store.public_records(&query("2025-03-03")).await.unwrap()),
        vec!["p-0"]
    );
    assert_eq!(
        store
            .public_records(&query("2025-05-01"))
            .await
            .unwrap()
            .total,
        3
    );
    assert_eq!(
        store
            .public_records(&query("2025-07-01"))
            .await
            .unwrap()
            .total,
        2
    );
    assert_eq!(
        store
            .public_records(&query("2030-01-01"))
            .await
            .unwrap()
            .total,
        1,
        "open-ended"
    );
    let mut q = query("2025-05-01");
    q.category = Some(RecordCategory::License);
    assert_eq!(store.public_records(&q).await.unwrap().total, 0);
    q.category = Some(RecordCategory::Penalty);
    q.unit = Some("执法支队".into());
    assert_eq!(store.public_records(&q).await.unwrap().total, 3);
    q.unit = Some("91110000600037341L".into());
    assert_eq!(store.public_records(&q).await.unwrap().total, 3);
    q.unit = Some("别的单位".into());
    assert_eq!(store.public_records(&q).await.unwrap().total, 0);
    q.unit = None;
    q.limit = 2;
    q.offset = 2;
    let page = store.public_records(&q).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 1));

    // Rejected rows count once however often they are submitted.
    let rejected = |batch: &str| {
        ev(
            "2025-04-03T02:00:00Z",
            EventPayload::RowsRejected {
                batch_id: batch.into(),
                category: RecordCategory::Penalty,
                reported_on: d("2025-03-21"),
                rows: vec![RejectedRow {
                    key: "k1".into(),
                    unit_code: "91110000600037341L".into(),
                    unit_name: "示范市交通运输综合行政执法支队".into(),
                    row: 3,
                    errors: vec!["CF_JDRQ: 日期无效".into()],
                }],
            },
        )
    };
    store.append(vec![rejected("b1")]).await.unwrap();
    store.append(vec![rejected("b2")]).await.unwrap();
    let counts = store.intake_counts().await.unwrap();
    let march: Vec<_> = counts.iter().filter(|c| c.month == "2025-03").collect();
    assert_eq!(march.len(), 1);
    assert_eq!(
        (march[0].accepted, march[0].late, march[0].rejected),
        (2, 1, 1)
    );
    assert_eq!(march[0].unit_name, "示范市交通运输综合行政执法支队");

    // A rolled-back transaction leaves nothing; a committed one is visible.
    let head = store.head().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let mut p = person();
    p.id = "s-rolled-back".into();
    tx.append(vec![ev(
        "2025-05-01T00:00:00Z",
        EventPayload::SubjectRegistered { subject: p },
    )])
    .await
    .unwrap();
    let by_id = Code::CitizenId(CitizenId::parse("11010519491231002X").unwrap());
    assert!(
        tx.subject_by_code(&by_id).await.unwrap().is_some(),
        "a tx reads its own writes"
    );
    assert_eq!(
        tx.known_rejections(&["k1".into(), "k2".into()])
            .await
            .unwrap()
            .len(),
        1
    );
    tx.rollback().await.unwrap();
    assert_eq!(store.head().await.unwrap(), head);
    assert!(store.subject("s-rolled-back").await.unwrap().is_none());

    // After a failed append, the transaction refuses to commit.
    let mut tx = store.begin().await.unwrap();
    let err = tx
        .append(vec![ev(
            "2025-05-01T00:00:00Z",
            EventPayload::SubjectRegistered { subject: company() },
        )])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    assert!(matches!(tx.commit().await, Err(StoreError::Poisoned)));
    assert_eq!(store.head().await.unwrap(), head);
    assert!(store.verify().await.unwrap().error.is_none());
}

/// Alters stored events by SQL, outside the program, and checks `verify` names the event.
async fn tampering_is_caught(store: &SqlStore) {
    match store.backend() {
        Backend::Sqlite => {
            sql(
                store,
                "DROP TRIGGER ledger_events_no_update; DROP TRIGGER ledger_events_no_delete",
            )
            .await
        }
        Backend::Postgres => {
            sql(
                store,
                "DROP TRIGGER ledger_events_no_update ON ledger_events; \
                 DROP TRIGGER ledger_events_no_truncate ON ledger_events",
            )
            .await
        }
    }
    let row =
        sqlx::query("SELECT payload, prev_hash, recorded_at FROM ledger_events WHERE seq = 3")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let payload: String = row.get(0);
    let prev: String = row.get(1);
    let recorded: String = row.get(2);
    let restore = format!(
        "UPDATE ledger_events SET payload = '{}', prev_hash = '{prev}', recorded_at = '{recorded}' WHERE seq = 3",
        payload.replace('\'', "''")
    );

    // A changed fact.
    sql(
        store,
        "UPDATE ledger_events SET payload = replace(payload, '0.2', '0.02') WHERE seq = 3",
    )
    .await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(error, Some(ChainError::HashMismatch { seq: 3, .. })),
        "{error:?}"
    );
    sql(store, &restore).await;
    assert_eq!(store.verify().await.unwrap().error, None);

    // A changed time.
    sql(
        store,
        "UPDATE ledger_events SET recorded_at = '2025-03-04T02:00:00.000000Z' WHERE seq = 3",
    )
    .await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(error, Some(ChainError::HashMismatch { seq: 3, .. })),
        "{error:?}"
    );
    sql(store, &restore).await;

    // A relinked chain.
    sql(
        store,
        "UPDATE ledger_events SET prev_hash = hash WHERE seq = 3",
    )
    .await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(error, Some(ChainError::BrokenLink { seq: 3, .. })),
        "{error:?}"
    );
    sql(store, &restore).await;

    // The same JSON re-spaced: the meaning is equal, the stored bytes are not what was written.
    sql(
        store,
        "UPDATE ledger_events SET payload = replace(payload, ':', ': ') WHERE seq = 3",
    )
    .await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(error, Some(ChainError::NonCanonical { seq: 3, .. })),
        "{error:?}"
    );
    sql(store, &restore).await;
    assert_eq!(store.verify().await.unwrap().error, None);

    // A removed event in the middle, then at the end.
    sql(store, "DELETE FROM ledger_events WHERE seq = 4").await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(
            error,
            Some(ChainError::Gap {
                expected: 4,
                found: 5,
                ..
            })
        ),
        "{error:?}"
    );
    sql(store, "DELETE FROM ledger_events WHERE seq >= 4").await;
    let error = store.verify().await.unwrap().error;
    assert!(
        matches!(
            error,
            Some(ChainError::HeadMismatch {
                head_seq: 7,
                last_seq: 3,
                ..
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn sqlite_story() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("conformance-{}.db", uuid::Uuid::now_v7()));
    let store = SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    // WAL is on for the embedded database.
    let mode: String = sqlx::query("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(mode.to_lowercase(), "wal");
    story(store).await;
}

async fn sqlite_store(name: &str) -> SqlStore {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn sqlite_publicity_story() {
    publicity_story(sqlite_store("publicity").await).await;
}

#[tokio::test]
async fn postgres_publicity_story() {
    on_postgres("postgres_publicity_story", publicity_story).await;
}

#[tokio::test]
async fn append_only_triggers_refuse_updates_sqlite() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("triggers-{}.db", uuid::Uuid::now_v7()));
    let store = SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    append_only(store).await;
}

async fn append_only(store: SqlStore) {
    store
        .append(vec![ev(
            "2025-01-02T01:00:00Z",
            EventPayload::SubjectRegistered { subject: company() },
        )])
        .await
        .unwrap();
    for statement in [
        "UPDATE ledger_events SET actor = 'x'",
        "DELETE FROM ledger_events",
    ] {
        let result = sqlx::raw_sql(statement).execute(store.pool()).await;
        assert!(result.is_err(), "{statement} must be refused");
    }
    assert!(store.verify().await.unwrap().error.is_none());
}

/// Runs a story on a fresh PostgreSQL schema, dropped when it passes.
async fn on_postgres<F, Fut>(test: &str, story: F)
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if let Some(pg) = PgSchema::create(test).await {
        let store = SqlStore::connect(&pg.url).await.unwrap();
        assert_eq!(store.backend(), Backend::Postgres);
        story(store).await;
        pg.drop().await;
    }
}

#[tokio::test]
async fn postgres_story() {
    on_postgres("postgres_story", story).await;
}

#[tokio::test]
async fn append_only_triggers_refuse_updates_postgres() {
    on_postgres("append_only_triggers_refuse_updates_postgres", append_only).await;
}
