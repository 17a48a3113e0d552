//! The one SQL implementation of `Store`, over sqlx's `Any` driver.

use crate::migrate::migrator;
use crate::{
    Backend, Context, IntakeCount, LedgerHead, PublicityQuery, RecordPage, Store, StoreError,
    StoreTx, SubjectPage, VerifyReport, redact_url,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Row};
use std::collections::HashSet;
use std::time::Duration;
use xyjt_core::canonical::to_canonical;
use xyjt_core::ident::Code;
use xyjt_core::ledger::{ChainVerifier, EventPayload, NewEvent, StoredEvent, fold_record, seal};
use xyjt_core::listing::{EntryState, fold_entry};
use xyjt_core::lists::ListPolicy;
use xyjt_core::record::{NaturalKey, Record, RecordCategory, RecordStatus};
use xyjt_core::subject::{NameChange, Subject};
use xyjt_core::text::name_key;

/// How many events `verify` reads per query: bounded memory however long the chain.
const VERIFY_PAGE: i64 = 5_000;

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connects, applies SQLite's pragmas (WAL, busy timeout, foreign keys) on every connection,
    /// and runs the backend's migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 10,
            })
            .acquire_timeout(Duration::from_secs(30));
        let url = match backend {
            Backend::Sqlite => {
                options = options.after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn)));
                sqlite_url_with_create(url)
            }
            Backend::Postgres => {
                options = options.after_connect(|conn, _meta| Box::pin(postgres_settings(conn)));
                url.to_string()
            }
        };
        let pool = options
            .connect(&url)
            .await
            .context(format!("连接数据库 {}", redact_url(&url)))?;
        migrator(backend).run(&pool).await?;
        Ok(SqlStore { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// WAL lets readers work while a writer commits; the busy timeout makes a second writer (the
/// CLI importing while the server runs) wait for the lock instead of failing at once.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA busy_timeout = 10000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
        // A 64 MiB page cache per connection (bounded): a large import transaction otherwise
        // spills the same pages to the WAL again and again.
        "PRAGMA cache_size = -65536",
    ] {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Plan every statement for its actual parameters and table sizes. sqlx reuses prepared
/// statements, and PostgreSQL would otherwise settle on a generic plan made while a table was
/// small (a sequential scan) and keep it as an import grows the table in one transaction.
async fn postgres_settings(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SET plan_cache_mode = force_custom_plan")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// SQLite creates the file when asked to: add `mode=rwc` unless the URL chose a mode.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

async fn read_head(
    conn: &mut AnyConnection,
    backend: Backend,
    lock: bool,
) -> Result<LedgerHead, StoreError> {
    let sql = if lock && backend == Backend::Postgres {
        "SELECT seq, hash, recorded_at FROM ledger_head WHERE id = 1 FOR UPDATE"
    } else {
        "SELECT seq, hash, recorded_at FROM ledger_head WHERE id = 1"
    };
    let row = sqlx::query(sql)
        .fetch_one(conn)
        .await
        .context("读取账本头")?;
    Ok(LedgerHead {
        seq: row.try_get(0).context("账本头 seq")?,
        hash: row.try_get(1).context("账本头 hash")?,
        recorded_at: row.try_get(2).context("账本头 recorded_at")?,
    })
}

const EVENT_COLUMNS: &str =
    "seq, id, recorded_at, actor, kind, aggregate_id, subject_id, payload, prev_hash, hash";

/// Reads an event row. A payload that is not valid JSON (only possible by tampering) is kept
/// as a string, so verification reports the event instead of failing to read it.
fn event_from_row(row: &AnyRow) -> Result<(StoredEvent, String), StoreError> {
    let raw: String = row.try_get(7).context("事件 payload")?;
    let payload = serde_json::from_str(&raw).unwrap_or_else(|_| Value::String(raw.clone()));
    let event = StoredEvent {
        seq: row.try_get(0).context("事件 seq")?,
        id: row.try_get(1).context("事件 id")?,
        recorded_at: row.try_get(2).context("事件 recorded_at")?,
        actor: row.try_get(3).context("事件 actor")?,
        kind: row.try_get(4).context("事件 kind")?,
        aggregate_id: row.try_get(5).context("事件 aggregate_id")?,
        subject_id: row.try_get(6).context("事件 subject_id")?,
        payload,
        prev_hash: row.try_get(8).context("事件 prev_hash")?,
        hash: row.try_get(9).context("事件 hash")?,
    };
    Ok((event, raw))
}

fn subject_from_row(row: &AnyRow) -> Result<Subject, StoreError> {
    let data: String = row.try_get("data").context("主体 data")?;
    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("subject: {e}")))
}

const RECORD_COLUMNS: &str = "id, subject_id, status, version, body, publication";

fn record_from_row(row: &AnyRow) -> Result<Record, StoreError> {
    let status: String = row.try_get(2).context("记录 status")?;
    let version: i64 = row.try_get(3).context("记录 version")?;
    let body: String = row.try_get(4).context("记录 body")?;
    let publication: Option<String> = row.try_get(5).context("记录 publication")?;
    let publication = publication
        .map(|p| serde_json::from_str(&p))
        .transpose()
        .map_err(|e| StoreError::Corrupt(format!("record publication: {e}")))?;
    Ok(Record {
        id: row.try_get(0).context("记录 id")?,
        subject_id: row.try_get(1).context("记录 subject_id")?,
        status: serde_json::from_value(Value::String(status))
            .map_err(|e| StoreError::Corrupt(format!("record status: {e}")))?,
        version: u32::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("record version {version}")))?,
        body: serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("record body: {e}")))?,
        publication,
    })
}

fn status_str(status: RecordStatus) -> String {
    match serde_json::to_value(status) {
        Ok(Value::String(s)) => s,
        _ => unreachable!("RecordStatus serialises to a string"),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_contains(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Maps a unique-constraint violation to a conflict naming what collided.
pub(crate) fn insert_error(
    e: sqlx::Error,
    what: &'static str,
    key: &str,
    context: &str,
) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict {
            what,
            key: key.to_string(),
        };
    }
    StoreError::Database {
        context: context.to_string(),
        source: e,
    }
}

async fn load_record(conn: &mut AnyConnection, id: &str) -> Result<Option<Record>, StoreError> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("读取记录")?;
    row.as_ref().map(record_from_row).transpose()
}

/// Updates the projections for one sealed event, inside the append transaction.
async fn project(conn: &mut AnyConnection, event: &NewEvent, seq: i64) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::SubjectRegistered { subject } => {
            insert_subjects(
                conn,
                vec![subject_row(subject, seq)],
                vec![name_row(&subject.id, seq, &subject.name, None)],
            )
            .await
        }
        EventPayload::SubjectRenamed {
            subject_id,
            name,
            effective_on,
        } => {
            let row = sqlx::query("SELECT data FROM subjects WHERE id = $1")
                .bind(subject_id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取主体")?
                .ok_or_else(|| StoreError::Corrupt(format!("改名的主体 {subject_id} 不存在")))?;
            let mut subject = subject_from_row(&row)?;
            subject.name = name.clone();
            let data = serde_json::to_string(&subject).expect("subjects serialise");
            sqlx::query(
                "UPDATE subjects SET name = $1, name_key = $2, data = $3, last_seq = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(name_key(name))
            .bind(data)
            .bind(seq)
            .bind(subject_id)
            .execute(&mut *conn)
            .await
            .context("更新主体名称")?;
            insert_name(conn, subject_id, seq, name, Some(effective_on.to_string())).await
        }
        EventPayload::RecordPublished { record_id, .. }
        | EventPayload::RecordCorrected { record_id, .. }
        | EventPayload::RecordRevoked { record_id, .. }
        | EventPayload::RecordExpired { record_id, .. }
        | EventPayload::RecordRepaired { record_id, .. } => {
            let before = load_record(conn, record_id).await?;
            let existed = before.is_some();
            let after = fold_record(before, &event.payload)?
                .expect("folding a record event yields a record");
            write_record(conn, &after, existed, seq).await
        }
        EventPayload::ListPolicyAdopted { policy } => {
            sqlx::query("INSERT INTO list_policies (version, data, seq) VALUES ($1, $2, $3)")
                .bind(i64::from(policy.version))
                .bind(serde_json::to_string(policy).expect("policies serialise"))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    insert_error(
                        e,
                        "清单政策版本",
                        &policy.version.to_string(),
                        "写入清单政策",
                    )
                })?;
            Ok(())
        }
        EventPayload::ListEntryProposed { .. }
        | EventPayload::ListEntryReviewed { .. }
        | EventPayload::ListEntryPublished { .. }
        | EventPayload::ListEntryEnded { .. } => {
            let id = event.payload.aggregate_id().to_string();
            let before = load_entry(conn, &id).await?;
            let existed = before.is_some();
            let step = event.payload.entry_step().expect("a list-entry event");
            let after = fold_entry(before, &step).map_err(StoreError::Entry)?;
            write_entry(conn, &after, existed, seq).await
        }
        EventPayload::CheckAnswered { check } => {
            insert_rows(
                conn,
                CHECK_INSERT,
                vec![check_row(check, seq)],
                "核查记录",
                &check.id,
            )
            .await
        }
        EventPayload::CheckFeedback { check_id, .. } => {
            let done = sqlx::query("UPDATE checks SET feedback = $1 WHERE id = $2")
                .bind(serde_json::to_string(&event.payload).expect("events serialise"))
                .bind(check_id)
                .execute(&mut *conn)
                .await
                .context("写入核查反馈")?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("核查记录 {check_id}")));
            }
            Ok(())
        }
        // On record in the ledger only; nothing is shown from it yet.
        EventPayload::ScreeningAnswered { .. } => Ok(()),
        EventPayload::ApplicationFiled { .. }
        | EventPayload::ApplicationStepped { .. }
        | EventPayload::CommitmentSigned { .. }
        | EventPayload::CommitmentChecked { .. } => {
            crate::workflows::project(conn, event, seq).await
        }
        EventPayload::AccountCreated { .. }
        | EventPayload::PasswordChanged { .. }
        | EventPayload::SubmissionFiled { .. }
        | EventPayload::SubmissionReviewed { .. } => {
            crate::console::project(conn, event, seq).await
        }
        EventPayload::FalsePositiveMarked {
            entry_id,
            query_key,
            ..
        } => {
            sqlx::query(
                "INSERT INTO false_positives (entry_id, query_key, data, seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (entry_id, query_key) DO NOTHING",
            )
            .bind(entry_id)
            .bind(query_key)
            .bind(serde_json::to_string(&event.payload).expect("events serialise"))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .context("写入误报标记")?;
            Ok(())
        }
        EventPayload::CaseOpened { case } => {
            let state = xyjt_core::cases::CaseState {
                case: case.clone(),
                reports: Vec::new(),
            };
            sqlx::query(
                "INSERT INTO joint_cases (id, initiator, entry_id, opened_on, due_on, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&case.id)
            .bind(&case.initiating_unit)
            .bind(&case.entry_id)
            .bind(case.opened_on.to_string())
            .bind(case.due_on.to_string())
            .bind(serde_json::to_string(&state).expect("cases serialise"))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, "联合惩戒案件", &case.id, "写入联合惩戒案件"))?;
            Ok(())
        }
        EventPayload::CaseReported { case_id, report } => {
            let row = sqlx::query("SELECT data FROM joint_cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取联合惩戒案件")?;
            let before = row
                .map(|r| -> Result<xyjt_core::cases::CaseState, StoreError> {
                    let data: String = r.try_get(0).context("案件 data")?;
                    serde_json::from_str(&data)
                        .map_err(|e| StoreError::Corrupt(format!("case: {e}")))
                })
                .transpose()?;
            let after = xyjt_core::cases::add_report(before, report).map_err(StoreError::Case)?;
            sqlx::query("UPDATE joint_cases SET data = $1, last_seq = $2 WHERE id = $3")
                .bind(serde_json::to_string(&after).expect("cases serialise"))
                .bind(seq)
                .bind(case_id)
                .execute(&mut *conn)
                .await
                .context("更新联合惩戒案件")?;
            Ok(())
        }
        EventPayload::ApiTokenIssued {
            token_id,
            name,
            token_hash,
        } => {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, token_hash, seq) VALUES ($1, $2, $3, $4)",
            )
            .bind(token_id)
            .bind(name)
            .bind(token_hash)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, "接口令牌", name, "写入接口令牌"))?;
            Ok(())
        }
        EventPayload::RowsRejected {
            batch_id,
            category,
            reported_on,
            rows,
        } => {
            for r in rows {
                sqlx::query(
                    "INSERT INTO intake_rejections (key, category, unit_code, unit_name, reported_on, \
                     batch_id, row_no, errors, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(&r.key)
                .bind(category.as_str())
                .bind(&r.unit_code)
                .bind(&r.unit_name)
                .bind(reported_on.to_string())
                .bind(batch_id)
                .bind(i64::try_from(r.row).unwrap_or(i64::MAX))
                .bind(r.errors.join("\n"))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入退回行")?;
            }
            Ok(())
        }
    }
}

/// A serde enum's string form (the stored key).
pub(crate) fn enum_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

async fn load_entry(conn: &mut AnyConnection, id: &str) -> Result<Option<EntryState>, StoreError> {
    let row = sqlx::query("SELECT data FROM list_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("读取名单条目")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("名单条目 data")?;
        serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("list entry: {e}")))
    })
    .transpose()
}

async fn write_entry(
    conn: &mut AnyConnection,
    e: &EntryState,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    let sql = if existed {
        "UPDATE list_entries SET list = $2, subject_id = $3, code = $4, name = $5, name_key = $6, \
         status = $7, entry_date = $8, valid_until = $9, data = $10, last_seq = $11 WHERE id = $1"
    } else {
        "INSERT INTO list_entries (id, list, subject_id, code, name, name_key, status, entry_date, \
         valid_until, data, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(sql)
        .bind(&e.entry.id)
        .bind(xyjt_core::check::list_key(&e.entry.list))
        .bind(&e.entry.subject_id)
        .bind(&e.entry.code)
        .bind(&e.entry.name)
        .bind(name_key(&e.entry.name))
        .bind(enum_str(&e.status))
        .bind(e.entry.entry_date.to_string())
        .bind(e.entry.valid_until.map(|d| d.to_string()))
        .bind(serde_json::to_string(e).expect("entries serialise"))
        .bind(seq)
        .execute(conn)
        .await
        .map_err(|err| insert_error(err, "名单条目", &e.entry.id, "写入名单条目"))?;
    Ok(())
}

/// The value `public_until` takes when a window has no end, so one index serves all queries.
const OPEN_END: &str = "9999-12-31";

const SUBJECT_INSERT: &str =
    "subjects (id, kind, name, name_key, uscc, org_code, reg_no, citizen_id, data, last_seq)";
const NAME_INSERT: &str = "subject_names (subject_id, seq, name, name_key, effective_on)";
const RECORD_INSERT: &str = "records (id, subject_id, category, doc_no, authority_code, \
     decision_date, status, version, body, last_seq, authority, source_unit_code, source_unit, \
     reported_on, late, public_from, public_until, publication)";
const EVENT_INSERT: &str = "ledger_events (seq, id, recorded_at, actor, kind, aggregate_id, \
     subject_id, payload, prev_hash, hash)";

const CHECK_INSERT: &str = "checks (id, asked_by, decision_point, decision, subject_id, \
     policy_version, checked_on, data, seq)";

fn check_row(check: &xyjt_core::ledger::CheckRecord, seq: i64) -> Vec<Arg> {
    vec![
        Arg::Text(check.id.clone()),
        Arg::Text(check.asked_by.clone()),
        Arg::Text(check.decision_point.label().to_string()),
        Arg::Text(enum_str(&check.decision)),
        Arg::OptText(check.subject_id.clone()),
        Arg::Int(i64::from(check.policy_version)),
        Arg::Text(check.checked_on.to_string()),
        Arg::Text(serde_json::to_string(check).expect("checks serialise")),
        Arg::Int(seq),
    ]
}

fn subject_row(subject: &Subject, seq: i64) -> Vec<Arg> {
    vec![
        Arg::Text(subject.id.clone()),
        Arg::Text(subject.kind.label().to_string()),
        Arg::Text(subject.name.clone()),
        Arg::Text(name_key(&subject.name)),
        Arg::OptText(subject.uscc.as_ref().map(|u| u.as_str().to_string())),
        Arg::OptText(subject.effective_org_code().map(|o| o.as_str().to_string())),
        Arg::OptText(subject.reg_no.as_ref().map(|r| r.as_str().to_string())),
        Arg::OptText(subject.citizen_id.as_ref().map(|c| c.as_str().to_string())),
        Arg::Text(serde_json::to_string(subject).expect("subjects serialise")),
        Arg::Int(seq),
    ]
}

fn name_row(subject_id: &str, seq: i64, name: &str, effective_on: Option<String>) -> Vec<Arg> {
    vec![
        Arg::Text(subject_id.to_string()),
        Arg::Int(seq),
        Arg::Text(name.to_string()),
        Arg::Text(name_key(name)),
        Arg::OptText(effective_on),
    ]
}

/// The `records` row of a record's folded state, in `RECORD_INSERT` column order.
fn record_row(r: &Record, seq: i64) -> Vec<Arg> {
    let key = r.body.natural_key();
    let (source_unit, source_unit_code) = r.body.source_unit();
    let p = r.publication.as_ref();
    let public_until = p.and_then(|p| {
        p.public_from.map(|_| {
            p.public_until
                .map_or_else(|| OPEN_END.to_string(), |d| d.to_string())
        })
    });
    vec![
        Arg::Text(r.id.clone()),
        Arg::Text(r.subject_id.clone()),
        Arg::Text(key.category.as_str().to_string()),
        Arg::Text(key.doc_no.clone()),
        Arg::Text(key.authority_code.as_str().to_string()),
        Arg::Text(r.body.decision_date().to_string()),
        Arg::Text(status_str(r.status)),
        Arg::Int(i64::from(r.version)),
        Arg::Text(serde_json::to_string(&r.body).expect("record bodies serialise")),
        Arg::Int(seq),
        Arg::Text(r.body.authority().to_string()),
        Arg::Text(source_unit_code.as_str().to_string()),
        Arg::Text(source_unit.to_string()),
        Arg::OptText(p.map(|p| p.reported_on.to_string())),
        Arg::Int(i64::from(p.is_some_and(|p| p.late))),
        Arg::OptText(p.and_then(|p| p.public_from).map(|d| d.to_string())),
        Arg::OptText(public_until),
        Arg::OptText(p.map(|p| serde_json::to_string(p).expect("publications serialise"))),
    ]
}

async fn insert_subjects(
    conn: &mut AnyConnection,
    subjects: Vec<Vec<Arg>>,
    names: Vec<Vec<Arg>>,
) -> Result<(), StoreError> {
    let key = single_key(&subjects, &[4, 7, 2]);
    insert_rows(conn, SUBJECT_INSERT, subjects, "主体", &key).await?;
    insert_rows(conn, NAME_INSERT, names, "名称历史", "").await
}

/// For a one-row batch, the first non-empty of the given columns: names the conflicting key.
fn single_key(rows: &[Vec<Arg>], columns: &[usize]) -> String {
    match rows {
        [row] => columns
            .iter()
            .find_map(|c| match &row[*c] {
                Arg::Text(t) => Some(t.clone()),
                Arg::OptText(Some(t)) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => "（批量写入中的一条）".to_string(),
    }
}

async fn insert_records(conn: &mut AnyConnection, rows: Vec<Vec<Arg>>) -> Result<(), StoreError> {
    let key = match rows.as_slice() {
        [row] => match (&row[3], &row[4]) {
            (Arg::Text(doc), Arg::Text(code)) => format!("{doc}（{code}）"),
            _ => String::new(),
        },
        _ => "（批量写入中的一条）".to_string(),
    };
    insert_rows(conn, RECORD_INSERT, rows, "同一机关的同一文书号", &key).await
}

/// Writes a record's folded state into the `records` projection.
async fn write_record(
    conn: &mut AnyConnection,
    r: &Record,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    if !existed {
        return insert_records(conn, vec![record_row(r, seq)]).await;
    }
    let mut q = sqlx::query(
        "UPDATE records SET subject_id = $2, category = $3, doc_no = $4, authority_code = $5, \
         decision_date = $6, status = $7, version = $8, body = $9, last_seq = $10, authority = $11, \
         source_unit_code = $12, source_unit = $13, reported_on = $14, late = $15, \
         public_from = $16, public_until = $17, publication = $18 WHERE id = $1",
    );
    for a in record_row(r, seq) {
        q = a.bind(q);
    }
    q.execute(conn).await.context("更新记录")?;
    Ok(())
}

/// One bound value of a bulk statement.
enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Arg {
    fn bind(self, q: AnyQuery<'_>) -> AnyQuery<'_> {
        match self {
            Arg::Text(t) => q.bind(t),
            Arg::OptText(t) => q.bind(t),
            Arg::Int(i) => q.bind(i),
        }
    }
}

/// Inserts rows with multi-row `INSERT … VALUES (…), (…)` statements: one round trip per
/// chunk instead of per row, which is what makes large imports fast (the SQLite driver hands
/// every statement to its worker thread). Chunks stay under both databases' parameter limits.
async fn insert_rows(
    conn: &mut AnyConnection,
    target: &str,
    rows: Vec<Vec<Arg>>,
    what: &'static str,
    key: &str,
) -> Result<(), StoreError> {
    let Some(width) = rows.first().map(Vec::len) else {
        return Ok(());
    };
    let per_chunk = (30_000 / width).clamp(1, 500);
    // SQLite resolves every `$N` by a linear scan of the statement's parameter names, which
    // turns a 30,000-parameter statement quadratic; anonymous `?` parameters bind by position.
    let positional = conn.backend_name() == "SQLite";
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(per_chunk).collect();
        let mut sql = String::with_capacity(64 + chunk.len() * width * 5);
        sql.push_str("INSERT INTO ");
        sql.push_str(target);
        sql.push_str(" VALUES ");
        let mut n = 0;
        for (i, _) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..width {
                if c > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                if positional {
                    sql.push('?');
                } else {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for a in row {
                q = a.bind(q);
            }
        }
        q.execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, what, key, &format!("写入{what}")))?;
    }
    Ok(())
}

async fn insert_name(
    conn: &mut AnyConnection,
    subject_id: &str,
    seq: i64,
    name: &str,
    effective_on: Option<String>,
) -> Result<(), StoreError> {
    insert_rows(
        conn,
        NAME_INSERT,
        vec![name_row(subject_id, seq, name, effective_on)],
        "名称历史",
        "",
    )
    .await
}

/// A write transaction over one pooled connection; see `StoreTx`.
pub struct SqlTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    head: LedgerHead,
    poisoned: bool,
}

impl SqlTx {
    async fn append_inner(
        &mut self,
        events: Vec<NewEvent>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stored = Vec::with_capacity(events.len());
        for event in &events {
            // Ledger time never runs backwards, whatever the callers' clocks say.
            let floor = DateTime::parse_from_rfc3339(&self.head.recorded_at)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or(event.recorded_at);
            let at = event.recorded_at.max(floor);
            let sealed = seal(event, self.head.seq + 1, at, &self.head.hash);
            self.head = LedgerHead {
                seq: sealed.seq,
                hash: sealed.hash.clone(),
                recorded_at: sealed.recorded_at.clone(),
            };
            stored.push(sealed);
        }
        let rows: Vec<Vec<Arg>> = stored
            .iter()
            .map(|e| {
                vec![
                    Arg::Int(e.seq),
                    Arg::Text(e.id.clone()),
                    Arg::Text(e.recorded_at.clone()),
                    Arg::Text(e.actor.clone()),
                    Arg::Text(e.kind.clone()),
                    Arg::Text(e.aggregate_id.clone()),
                    Arg::OptText(e.subject_id.clone()),
                    Arg::Text(to_canonical(&e.payload)),
                    Arg::Text(e.prev_hash.clone()),
                    Arg::Text(e.hash.clone()),
                ]
            })
            .collect();
        let key = single_key(&rows, &[1]);
        insert_rows(&mut self.tx, EVENT_INSERT, rows, "事件", &key).await?;
        // Registrations and first publications are inserted in bulk; any other event is
        // projected on its own, after the rows before it are written, so order is kept.
        let (mut subjects, mut names, mut records) = (Vec::new(), Vec::new(), Vec::new());
        let mut checks = Vec::new();
        for (event, sealed) in events.iter().zip(&stored) {
            match &event.payload {
                EventPayload::SubjectRegistered { subject } => {
                    subjects.push(subject_row(subject, sealed.seq));
                    names.push(name_row(&subject.id, sealed.seq, &subject.name, None));
                }
                EventPayload::RecordPublished { .. } => {
                    let record =
                        fold_record(None, &event.payload)?.expect("a publication yields a record");
                    records.push(record_row(&record, sealed.seq));
                }
                // Checks arrive in group-committed batches: insert them in bulk too.
                EventPayload::CheckAnswered { check } => {
                    checks.push(check_row(check, sealed.seq));
                }
                _ => {
                    insert_subjects(
                        &mut self.tx,
                        std::mem::take(&mut subjects),
                        std::mem::take(&mut names),
                    )
                    .await?;
                    insert_records(&mut self.tx, std::mem::take(&mut records)).await?;
                    insert_rows(
                        &mut self.tx,
                        CHECK_INSERT,
                        std::mem::take(&mut checks),
                        "核查记录",
                        "",
                    )
                    .await?;
                    project(&mut self.tx, event, sealed.seq).await?;
                }
            }
        }
        insert_subjects(&mut self.tx, subjects, names).await?;
        insert_records(&mut self.tx, records).await?;
        insert_rows(&mut self.tx, CHECK_INSERT, checks, "核查记录", "").await?;
        sqlx::query("UPDATE ledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1")
            .bind(self.head.seq)
            .bind(&self.head.hash)
            .bind(&self.head.recorded_at)
            .execute(&mut *self.tx)
            .await
            .context("更新账本头")?;
        Ok(stored)
    }
}

#[async_trait]
impl StoreTx for SqlTx {
    async fn append(&mut self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        if events.is_empty() {
            return Ok(Vec::new());
        }
        // A half-applied batch (event stored, projection failed) must never be committed.
        let result = self.append_inner(events).await;
        self.poisoned = result.is_err();
        result
    }

    async fn subject_by_code(&mut self, code: &Code) -> Result<Option<Subject>, StoreError> {
        subject_by_code(&mut self.tx, code).await
    }

    async fn record_by_key(&mut self, key: &NaturalKey) -> Result<Option<Record>, StoreError> {
        record_by_key(&mut self.tx, key).await
    }

    async fn records_by_keys(&mut self, keys: &[NaturalKey]) -> Result<Vec<Record>, StoreError> {
        let mut found = Vec::new();
        for category in [RecordCategory::License, RecordCategory::Penalty] {
            let docs: Vec<&str> = keys
                .iter()
                .filter(|k| k.category == category)
                .map(|k| k.doc_no.as_str())
                .collect();
            for chunk in docs.chunks(500) {
                let placeholders: Vec<String> =
                    (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT {RECORD_COLUMNS} FROM records WHERE category = $1 AND doc_no IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(&sql).bind(category.as_str());
                for d in chunk {
                    q = q.bind(*d);
                }
                for row in q
                    .fetch_all(&mut *self.tx)
                    .await
                    .context("按文书号批量查找记录")?
                {
                    let record = record_from_row(&row)?;
                    // Same 文书号 from another authority is another decision.
                    if keys.contains(&record.body.natural_key()) {
                        found.push(record);
                    }
                }
            }
        }
        Ok(found)
    }

    async fn subjects_by_codes(&mut self, codes: &[Code]) -> Result<Vec<Subject>, StoreError> {
        let mut found: Vec<Subject> = Vec::new();
        for column in ["uscc", "org_code", "reg_no", "citizen_id"] {
            let values: Vec<&str> = codes
                .iter()
                .filter(|c| code_column(c) == column)
                .map(|c| c.as_str())
                .collect();
            for chunk in values.chunks(500) {
                let placeholders: Vec<String> =
                    (1..=chunk.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT data FROM subjects WHERE {column} IN ({})",
                    placeholders.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for v in chunk {
                    q = q.bind(*v);
                }
                for row in q
                    .fetch_all(&mut *self.tx)
                    .await
                    .context("按代码批量查找主体")?
                {
                    let subject = subject_from_row(&row)?;
                    if !found.iter().any(|s| s.id == subject.id) {
                        found.push(subject);
                    }
                }
            }
        }
        Ok(found)
    }

    async fn known_rejections(&mut self, keys: &[String]) -> Result<HashSet<String>, StoreError> {
        let mut known = HashSet::new();
        for chunk in keys.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT key FROM intake_rejections WHERE key IN ({})",
                placeholders.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            for row in q
                .fetch_all(&mut *self.tx)
                .await
                .context("查询已记录的退回行")?
            {
                known.insert(row.try_get::<String, _>(0).context("退回行 key")?);
            }
        }
        Ok(known)
    }

    async fn put_attachment(
        &mut self,
        sha256: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<(), StoreError> {
        if self.poisoned {
            return Err(StoreError::Poisoned);
        }
        let result =
            crate::workflows::put_attachment(&mut self.tx, sha256, file_name, content).await;
        self.poisoned = result.is_err();
        result
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        if self.poisoned {
            let _ = self.tx.rollback().await;
            return Err(StoreError::Poisoned);
        }
        self.tx.commit().await.context("提交写事务")
    }

    async fn rollback(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.rollback().await.context("回滚写事务")
    }
}

/// The `subjects` column an identifier is indexed in.
fn code_column(code: &Code) -> &'static str {
    match code {
        Code::Uscc(_) => "uscc",
        Code::OrgCode(_) => "org_code",
        Code::RegNo(_) => "reg_no",
        Code::CitizenId(_) => "citizen_id",
    }
}

async fn subject_by_code(
    conn: &mut AnyConnection,
    code: &Code,
) -> Result<Option<Subject>, StoreError> {
    let column = code_column(code);
    let sql = format!("SELECT data FROM subjects WHERE {column} = $1 ORDER BY id LIMIT 1");
    let row = sqlx::query(&sql)
        .bind(code.as_str())
        .fetch_optional(conn)
        .await
        .context("按代码查找主体")?;
    row.as_ref().map(subject_from_row).transpose()
}

async fn record_by_key(
    conn: &mut AnyConnection,
    key: &NaturalKey,
) -> Result<Option<Record>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE category = $1 AND doc_no = $2 AND authority_code = $3"
    );
    let row = sqlx::query(&sql)
        .bind(key.category.as_str())
        .bind(&key.doc_no)
        .bind(key.authority_code.as_str())
        .fetch_optional(conn)
        .await
        .context("按文书号查找记录")?;
    row.as_ref().map(record_from_row).transpose()
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn begin(&self) -> Result<Box<dyn StoreTx>, StoreError> {
        // SQLite: take the write lock up front, so two writers queue on busy_timeout instead of
        // failing when a read lock cannot be upgraded. PostgreSQL: the head row lock serialises.
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .context("开始写事务")?;
        let head = read_head(&mut tx, self.backend, true).await?;
        Ok(Box::new(SqlTx {
            tx,
            head,
            poisoned: false,
        }))
    }

    async fn head(&self) -> Result<LedgerHead, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        read_head(&mut conn, self.backend, false).await
    }

    async fn events_of(&self, aggregate_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE aggregate_id = $1 ORDER BY seq"
        );
        let rows = sqlx::query(&sql)
            .bind(aggregate_id)
            .fetch_all(&self.pool)
            .await
            .context("读取事件历史")?;
        rows.iter()
            .map(|r| event_from_row(r).map(|(e, _)| e))
            .collect()
    }

    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        // Read the head first: events appended while we walk are simply not covered.
        let head = self.head().await?;
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        );
        loop {
            let rows = sqlx::query(&sql)
                .bind(after)
                .bind(head.seq)
                .bind(VERIFY_PAGE)
                .fetch_all(&self.pool)
                .await
                .context("读取账本事件")?;
            for row in &rows {
                let (event, raw) = event_from_row(row)?;
                if let Err(error) = verifier.push_raw(&event, &raw) {
                    return Ok(VerifyReport {
                        events: verifier.count(),
                        head,
                        error: Some(error),
                    });
                }
                after = event.seq;
            }
            if (rows.len() as i64) < VERIFY_PAGE {
                break;
            }
        }
        let error = verifier.finish(head.seq, &head.hash).err();
        Ok(VerifyReport {
            events: verifier.count(),
            head,
            error,
        })
    }

    async fn subject(&self, id: &str) -> Result<Option<Subject>, StoreError> {
        let row = sqlx::query("SELECT data FROM subjects WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("读取主体")?;
        row.as_ref().map(subject_from_row).transpose()
    }

    async fn subject_by_code(&self, code: &Code) -> Result<Option<Subject>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        subject_by_code(&mut conn, code).await
    }

    async fn name_history(&self, subject_id: &str) -> Result<Vec<NameChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.name, n.effective_on, e.recorded_at FROM subject_names n \
             JOIN ledger_events e ON e.seq = n.seq WHERE n.subject_id = $1 ORDER BY n.seq",
        )
        .bind(subject_id)
        .fetch_all(&self.pool)
        .await
        .context("读取名称历史")?;
        rows.iter()
            .map(|r| {
                let name: String = r.try_get(0).context("名称")?;
                let effective: Option<String> = r.try_get(1).context("生效日期")?;
                let recorded: String = r.try_get(2).context("记录时间")?;
                let date = effective.unwrap_or_else(|| recorded.chars().take(10).collect());
                let effective_on = date
                    .parse()
                    .map_err(|_| StoreError::Corrupt(format!("名称生效日期 {date}")))?;
                Ok(NameChange { name, effective_on })
            })
            .collect()
    }

    async fn search_subjects(
        &self,
        name_key: &str,
        limit: i64,
        offset: i64,
    ) -> Result<SubjectPage, StoreError> {
        let pattern = like_contains(name_key);
        let filter = "FROM subjects WHERE name_key LIKE $1 ESCAPE '\\' OR id IN \
                      (SELECT subject_id FROM subject_names WHERE name_key LIKE $1 ESCAPE '\\')";
        let total: i64 = sqlx::query(&format!("SELECT COUNT(*) {filter}"))
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .context("统计主体")?
            .try_get(0)
            .context("统计主体")?;
        let rows = sqlx::query(&format!(
            "SELECT data {filter} ORDER BY name, id LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await
        .context("查询主体")?;
        let items = rows
            .iter()
            .map(subject_from_row)
            .collect::<Result<_, _>>()?;
        Ok(SubjectPage { items, total })
    }

    async fn count_subjects(&self) -> Result<i64, StoreError> {
        sqlx::query("SELECT COUNT(*) FROM subjects")
            .fetch_one(&self.pool)
            .await
            .context("统计主体")?
            .try_get(0)
            .context("统计主体")
    }

    async fn record(&self, id: &str) -> Result<Option<Record>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        load_record(&mut conn, id).await
    }

    async fn record_as_of(
        &self,
        id: &str,
        as_of: DateTime<Utc>,
    ) -> Result<Option<Record>, StoreError> {
        let events = self.events_of(id).await?;
        Ok(xyjt_core::ledger::record_as_of(&events, Some(as_of))?)
    }

    async fn record_by_key(&self, key: &NaturalKey) -> Result<Option<Record>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        record_by_key(&mut conn, key).await
    }

    async fn records_of_subject(&self, subject_id: &str) -> Result<Vec<Record>, StoreError> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE subject_id = $1 ORDER BY decision_date DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(subject_id)
            .fetch_all(&self.pool)
            .await
            .context("读取主体的记录")?;
        rows.iter().map(record_from_row).collect()
    }

    async fn public_records(&self, q: &PublicityQuery) -> Result<RecordPage, StoreError> {
        // Built with numbered placeholders in the order the values are pushed.
        let mut filters = vec![
            "status = 'active'".to_string(),
            "public_from IS NOT NULL".to_string(),
            "public_from <= $1".to_string(),
            "public_until >= $1".to_string(),
        ];
        let mut args: Vec<String> = vec![q.on.to_string()];
        let next = |args: &mut Vec<String>, v: String| {
            args.push(v);
            format!("${}", args.len())
        };
        if let Some(c) = q.category {
            let p = next(&mut args, c.as_str().to_string());
            filters.push(format!("category = {p}"));
        }
        if let Some(unit) = q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
            match xyjt_core::ident::Uscc::parse(unit) {
                Ok(code) => {
                    let p = next(&mut args, code.as_str().to_string());
                    filters.push(format!("(authority_code = {p} OR source_unit_code = {p})"));
                }
                Err(_) => {
                    let p = next(&mut args, like_contains(unit));
                    filters.push(format!(
                        "(authority LIKE {p} ESCAPE '\\' OR source_unit LIKE {p} ESCAPE '\\')"
                    ));
                }
            }
        }
        if let Some(from) = q.decided_from {
            let p = next(&mut args, from.to_string());
            filters.push(format!("decision_date >= {p}"));
        }
        if let Some(to) = q.decided_to {
            let p = next(&mut args, to.to_string());
            filters.push(format!("decision_date <= {p}"));
        }
        let filter = filters.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM records WHERE {filter}");
        let mut count = sqlx::query(&count_sql);
        for a in &args {
            count = count.bind(a);
        }
        let total: i64 = count
            .fetch_one(&self.pool)
            .await
            .context("统计公示记录")?
            .try_get(0)
            .context("统计公示记录")?;
        let n = args.len();
        let page_sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE {filter} \
             ORDER BY decision_date DESC, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut page = sqlx::query(&page_sql);
        for a in &args {
            page = page.bind(a);
        }
        let rows = page
            .bind(q.limit)
            .bind(q.offset)
            .fetch_all(&self.pool)
            .await
            .context("查询公示记录")?;
        let items = rows.iter().map(record_from_row).collect::<Result<_, _>>()?;
        Ok(RecordPage { items, total })
    }

    async fn intake_counts(&self) -> Result<Vec<IntakeCount>, StoreError> {
        let accepted = sqlx::query(
            "SELECT source_unit_code, MAX(source_unit), substr(reported_on, 1, 7), category, \
             COUNT(*), CAST(SUM(late) AS BIGINT) FROM records WHERE reported_on IS NOT NULL \
             GROUP BY source_unit_code, substr(reported_on, 1, 7), category",
        )
        .fetch_all(&self.pool)
        .await
        .context("统计接收记录")?;
        let rejected = sqlx::query(
            "SELECT unit_code, MAX(unit_name), substr(reported_on, 1, 7), category, COUNT(*) \
             FROM intake_rejections GROUP BY unit_code, substr(reported_on, 1, 7), category",
        )
        .fetch_all(&self.pool)
        .await
        .context("统计退回记录")?;
        let mut counts: std::collections::BTreeMap<(String, String, String), IntakeCount> =
            std::collections::BTreeMap::new();
        for row in &accepted {
            let key: (String, String, String) = (
                row.try_get(0).context("单位")?,
                row.try_get(2).context("月份")?,
                row.try_get(3).context("类别")?,
            );
            let c = counts.entry(key.clone()).or_insert_with(|| IntakeCount {
                unit_code: key.0.clone(),
                unit_name: String::new(),
                month: key.1.clone(),
                category: key.2.clone(),
                accepted: 0,
                late: 0,
                rejected: 0,
            });
            c.unit_name = row.try_get(1).context("单位名称")?;
            c.accepted = row.try_get(4).context("接收数")?;
            c.late = row.try_get(5).context("迟报数")?;
        }
        for row in &rejected {
            let key: (String, String, String) = (
                row.try_get(0).context("单位")?,
                row.try_get(2).context("月份")?,
                row.try_get(3).context("类别")?,
            );
            let name: String = row.try_get(1).context("单位名称")?;
            let c = counts.entry(key.clone()).or_insert_with(|| IntakeCount {
                unit_code: key.0.clone(),
                unit_name: name.clone(),
                month: key.1.clone(),
                category: key.2.clone(),
                accepted: 0,
                late: 0,
                rejected: 0,
            });
            if c.unit_name.is_empty() {
                c.unit_name = name;
            }
            c.rejected = row.try_get(4).context("退回数")?;
        }
        Ok(counts.into_values().collect())
    }

    async fn list_policy(&self, version: Option<u32>) -> Result<Option<ListPolicy>, StoreError> {
        let row = match version {
            Some(v) => {
                sqlx::query("SELECT data FROM list_policies WHERE version = $1")
                    .bind(i64::from(v))
                    .fetch_optional(&self.pool)
                    .await
            }
            None => {
                sqlx::query("SELECT data FROM list_policies ORDER BY version DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await
            }
        }
        .context("读取清单政策")?;
        row.map(|r| {
            let data: String = r.try_get(0).context("清单政策 data")?;
            serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("list policy: {e}")))
        })
        .transpose()
    }

    async fn list_entries(&self, list: Option<&str>) -> Result<Vec<EntryState>, StoreError> {
        let rows =
            match list {
                Some(l) => sqlx::query(
                    "SELECT data FROM list_entries WHERE list = $1 ORDER BY entry_date DESC, id",
                )
                .bind(l)
                .fetch_all(&self.pool)
                .await,
                None => {
                    sqlx::query("SELECT data FROM list_entries ORDER BY entry_date DESC, id")
                        .fetch_all(&self.pool)
                        .await
                }
            }
            .context("读取名单条目")?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(0).context("名单条目 data")?;
                serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("list entry: {e}")))
            })
            .collect()
    }

    async fn list_entry(&self, id: &str) -> Result<Option<EntryState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        load_entry(&mut conn, id).await
    }

    async fn check_record(
        &self,
        id: &str,
    ) -> Result<Option<(xyjt_core::ledger::CheckRecord, Option<serde_json::Value>)>, StoreError>
    {
        let row = sqlx::query("SELECT data, feedback FROM checks WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("读取核查记录")?;
        row.map(|r| {
            let data: String = r.try_get(0).context("核查记录 data")?;
            let feedback: Option<String> = r.try_get(1).context("核查反馈")?;
            let check = serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("check: {e}")))?;
            let feedback = feedback.and_then(|f| serde_json::from_str(&f).ok());
            Ok((check, feedback))
        })
        .transpose()
    }

    async fn check_counts(&self) -> Result<Vec<crate::CheckCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT asked_by, decision_point, decision, COUNT(*), \
             CAST(SUM(CASE WHEN feedback IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
             FROM checks GROUP BY asked_by, decision_point, decision ORDER BY asked_by, decision_point, decision",
        )
        .fetch_all(&self.pool)
        .await
        .context("统计核查")?;
        rows.iter()
            .map(|r| {
                Ok(crate::CheckCount {
                    asked_by: r.try_get(0).context("调用方")?,
                    decision_point: r.try_get(1).context("环节")?,
                    decision: r.try_get(2).context("结论")?,
                    checks: r.try_get(3).context("次数")?,
                    with_feedback: r.try_get(4).context("反馈数")?,
                })
            })
            .collect()
    }

    async fn token_name(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT name FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .context("查找接口令牌")?;
        row.map(|r| r.try_get(0).context("令牌名称")).transpose()
    }

    async fn subjects_with_records(
        &self,
        category: RecordCategory,
    ) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT subject_id FROM records WHERE category = $1 ORDER BY subject_id",
        )
        .bind(category.as_str())
        .fetch_all(&self.pool)
        .await
        .context("查找有记录的主体")?;
        rows.iter()
            .map(|r| r.try_get(0).context("主体 id"))
            .collect()
    }

    async fn joint_cases(
        &self,
        initiator: Option<&str>,
    ) -> Result<Vec<xyjt_core::cases::CaseState>, StoreError> {
        let rows =
            match initiator {
                Some(u) => sqlx::query(
                    "SELECT data FROM joint_cases WHERE initiator = $1 ORDER BY opened_on DESC, id",
                )
                .bind(u)
                .fetch_all(&self.pool)
                .await,
                None => {
                    sqlx::query("SELECT data FROM joint_cases ORDER BY opened_on DESC, id")
                        .fetch_all(&self.pool)
                        .await
                }
            }
            .context("读取联合惩戒案件")?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(0).context("案件 data")?;
                serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("case: {e}")))
            })
            .collect()
    }

    async fn false_positives(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = sqlx::query("SELECT entry_id, query_key FROM false_positives")
            .fetch_all(&self.pool)
            .await
            .context("读取误报标记")?;
        rows.iter()
            .map(|r| Ok((r.try_get(0).context("条目")?, r.try_get(1).context("查询")?)))
            .collect()
    }

    async fn joint_case(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::cases::CaseState>, StoreError> {
        let row = sqlx::query("SELECT data FROM joint_cases WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("读取联合惩戒案件")?;
        row.map(|r| {
            let data: String = r.try_get(0).context("案件 data")?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("case: {e}")))
        })
        .transpose()
    }

    async fn application(
        &self,
        number: &str,
    ) -> Result<Option<xyjt_core::workflow::AppState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::load_application(&mut conn, number).await
    }

    async fn applications(
        &self,
        query: &crate::AppQuery,
    ) -> Result<Vec<xyjt_core::workflow::AppState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::applications(&mut conn, query).await
    }

    async fn commitment(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::commitment::CommitmentState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::load_commitment(&mut conn, id).await
    }

    async fn commitments(
        &self,
        subject_id: Option<&str>,
    ) -> Result<Vec<xyjt_core::commitment::CommitmentState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::commitments(&mut conn, subject_id).await
    }

    async fn inbox(&self, unit: &str, limit: i64) -> Result<Vec<crate::Notification>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::inbox(&mut conn, unit, limit).await
    }

    async fn outbox(
        &self,
        channel: Option<&str>,
        pending_only: bool,
    ) -> Result<Vec<crate::OutboxItem>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::workflows::outbox(&mut conn, channel, pending_only).await
    }

    async fn mark_delivered(&self, ids: &[String], at: &str) -> Result<u64, StoreError> {
        let mut n = 0;
        for id in ids {
            n += sqlx::query(
                "UPDATE outbox SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await
            .context("标记已发送")?
            .rows_affected();
        }
        Ok(n)
    }

    async fn attachment(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT file_name, content FROM attachments WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .context("读取证明材料")?;
        row.map(|r| {
            let name: String = r.try_get(0).context("file_name")?;
            let content: String = r.try_get(1).context("content")?;
            let bytes = hex::decode(content)
                .map_err(|e| StoreError::Corrupt(format!("attachment: {e}")))?;
            Ok((name, bytes))
        })
        .transpose()
    }

    async fn account(
        &self,
        login: &str,
    ) -> Result<Option<(xyjt_core::account::Account, String)>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::console::account(&mut conn, login).await
    }

    async fn accounts(&self) -> Result<Vec<xyjt_core::account::Account>, StoreError> {
        let rows = sqlx::query("SELECT data FROM accounts ORDER BY unit_id, login")
            .fetch_all(&self.pool)
            .await
            .context("读取账号")?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(0).context("账号 data")?;
                serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("account: {e}")))
            })
            .collect()
    }

    async fn create_session(
        &self,
        id_hash: &str,
        login: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id_hash, login, csrf, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id_hash)
        .bind(login)
        .bind(csrf)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .context("写入会话")?;
        Ok(())
    }

    async fn session(&self, id_hash: &str) -> Result<Option<(String, String, String)>, StoreError> {
        let row = sqlx::query("SELECT login, csrf, expires_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await
            .context("读取会话")?;
        row.map(|r| {
            Ok((
                r.try_get(0).context("login")?,
                r.try_get(1).context("csrf")?,
                r.try_get(2).context("expires_at")?,
            ))
        })
        .transpose()
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .context("删除会话")?;
        Ok(())
    }

    async fn submission(
        &self,
        id: &str,
    ) -> Result<Option<xyjt_core::submission::SubmissionState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::console::load_submission(&mut conn, id).await
    }

    async fn submissions(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<xyjt_core::submission::SubmissionState>, StoreError> {
        let rows = sqlx::query(
            "SELECT data FROM submissions WHERE ($1 IS NULL OR status = $1)              ORDER BY last_seq DESC LIMIT $2",
        )
        .bind(status.map(str::to_string))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("读取报送")?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(0).context("报送 data")?;
                serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("submission: {e}")))
            })
            .collect()
    }

    async fn recent_events(
        &self,
        actor: Option<&str>,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, id, recorded_at, actor, kind, aggregate_id, subject_id, payload,              prev_hash, hash FROM ledger_events WHERE ($1 IS NULL OR actor = $1)              AND ($2 IS NULL OR kind = $2) ORDER BY seq DESC LIMIT $3",
        )
        .bind(actor.map(str::to_string))
        .bind(kind.map(str::to_string))
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("读取账本事件")?;
        rows.iter()
            .map(|r| event_from_row(r).map(|(e, _)| e))
            .collect()
    }
}
