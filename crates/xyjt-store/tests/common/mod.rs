//! Helpers shared by the per-aggregate storage stories: each story runs on SQLite (a fresh file
//! per test) and on PostgreSQL (a fresh schema per test, from `XYJT_TEST_POSTGRES_URL`; under
//! `CI=true` an unreachable server fails the run), exactly as `conformance.rs` does.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, Utc};
use xyjt_core::ident::{CitizenId, Uscc, org_code_check_char, uscc_check_char};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::money::WanYuan;
use xyjt_core::record::{Party, PenaltyKind, PenaltyRecord, RecordBody};
use xyjt_core::subject::{PartyCategory, Subject};
use xyjt_store::testing::PgSchema;
use xyjt_store::{Backend, SqlStore, Store};

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// An event by `actor` at `at`.
pub fn ev_by(actor: &str, at: &str, payload: EventPayload) -> NewEvent {
    NewEvent::new(actor, t(at), payload)
}

pub fn ev(at: &str, payload: EventPayload) -> NewEvent {
    ev_by("test", at, payload)
}

/// A valid USCC with the given 8-character organisation-code body (`91350100` region prefix).
pub fn uscc(org_body: &str) -> Uscc {
    let org = format!("{org_body}{}", org_code_check_char(org_body).unwrap());
    let first17 = format!("91350100{org}");
    Uscc::parse(&format!("{first17}{}", uscc_check_char(&first17).unwrap())).unwrap()
}

pub fn company(id: &str, name: &str, org_body: &str) -> Subject {
    Subject {
        id: id.into(),
        kind: PartyCategory::LegalPerson,
        name: name.into(),
        uscc: Some(uscc(org_body)),
        org_code: None,
        reg_no: None,
        citizen_id: None,
    }
}

pub fn person(id: &str) -> Subject {
    Subject {
        id: id.into(),
        kind: PartyCategory::NaturalPerson,
        name: "欧阳娜娜".into(),
        uscc: None,
        org_code: None,
        reg_no: None,
        citizen_id: Some(CitizenId::parse("11010519491231002X").unwrap()),
    }
}

/// A penalty decided by `authority` for `subject`.
pub fn penalty(subject: &Subject, doc_no: &str, authority: &Uscc) -> RecordBody {
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
        facts: "超限运输".into(),
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
        source_unit_code: authority.clone(),
        remark: None,
    })
}

/// The deciding unit of `penalty` by default.
pub fn authority() -> Uscc {
    Uscc::parse("91110000600037341L").unwrap()
}

pub async fn sqlite_store(name: &str) -> SqlStore {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}.db", uuid::Uuid::now_v7()));
    let store = SqlStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    store
}

/// Runs a story on a fresh SQLite file.
pub async fn on_sqlite<F, Fut>(test: &str, story: F)
where
    F: FnOnce(SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    story(sqlite_store(test).await).await;
}

/// Runs a story on a fresh PostgreSQL schema, dropped when it passes.
pub async fn on_postgres<F, Fut>(test: &str, story: F)
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

/// Runs a story on two fresh SQLite files (a store and an empty one to replay into).
pub async fn on_sqlite_pair<F, Fut>(test: &str, story: F)
where
    F: FnOnce(SqlStore, SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    story(sqlite_store(test).await, sqlite_store(test).await).await;
}

/// Runs a story on two fresh PostgreSQL schemas, dropped when it passes.
pub async fn on_postgres_pair<F, Fut>(test: &str, story: F)
where
    F: FnOnce(SqlStore, SqlStore) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (Some(a), Some(b)) = (PgSchema::create(test).await, PgSchema::create(test).await) else {
        return;
    };
    let first = SqlStore::connect(&a.url).await.unwrap();
    let second = SqlStore::connect(&b.url).await.unwrap();
    assert_eq!(second.backend(), Backend::Postgres);
    story(first, second).await;
    a.drop().await;
    b.drop().await;
}

/// Appends every event of `source`, as stored (id, time, actor, subject), to the empty `fresh`:
/// what `xyjt rebuild-projections` does.
pub async fn replay(source: &SqlStore, fresh: &SqlStore) {
    let events: Vec<NewEvent> = source
        .events_after(0, i64::MAX)
        .await
        .unwrap()
        .iter()
        .map(|e| {
            let mut new = NewEvent::new(
                e.actor.clone(),
                e.recorded_at_utc().unwrap(),
                e.typed().unwrap(),
            );
            new.id = e.id.clone();
            new.subject_id = e.subject_id.clone();
            new
        })
        .collect();
    fresh.append(events).await.unwrap();
    assert_eq!(fresh.head().await.unwrap(), source.head().await.unwrap());
}
