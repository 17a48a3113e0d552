//! The one SQL implementation of `Store`, over sqlx's `Any` driver.

use crate::migrate::migrator;
use crate::{
    Backend, Context, LedgerHead, Store, StoreError, SubjectPage, VerifyReport, redact_url,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyConnection, AnyPool, Row};
use std::time::Duration;
use xyjt_core::canonical::to_canonical;
use xyjt_core::ident::Code;
use xyjt_core::ledger::{ChainVerifier, EventPayload, NewEvent, StoredEvent, fold_record, seal};
use xyjt_core::record::{NaturalKey, Record, RecordStatus};
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
            Backend::Postgres => url.to_string(),
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

    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        // SQLite: take the write lock up front, so two writers queue on busy_timeout instead of
        // failing when a read lock cannot be upgraded. PostgreSQL: the head row lock serialises.
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        };
        tx.context("开始写事务")
    }

    async fn read_head(
        &self,
        conn: &mut AnyConnection,
        lock: bool,
    ) -> Result<LedgerHead, StoreError> {
        let sql = if lock && self.backend == Backend::Postgres {
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
}

/// WAL lets readers work while a writer commits; the busy timeout makes a second writer (the
/// CLI importing while the server runs) wait for the lock instead of failing at once.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA busy_timeout = 10000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
    ] {
        sqlx::query(pragma).execute(&mut *conn).await?;
    }
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

const RECORD_COLUMNS: &str = "id, subject_id, status, version, body";

fn record_from_row(row: &AnyRow) -> Result<Record, StoreError> {
    let status: String = row.try_get(2).context("记录 status")?;
    let version: i64 = row.try_get(3).context("记录 version")?;
    let body: String = row.try_get(4).context("记录 body")?;
    Ok(Record {
        id: row.try_get(0).context("记录 id")?,
        subject_id: row.try_get(1).context("记录 subject_id")?,
        status: serde_json::from_value(Value::String(status))
            .map_err(|e| StoreError::Corrupt(format!("record status: {e}")))?,
        version: u32::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("record version {version}")))?,
        body: serde_json::from_str(&body)
            .map_err(|e| StoreError::Corrupt(format!("record body: {e}")))?,
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
fn insert_error(e: sqlx::Error, what: &'static str, key: &str, context: &str) -> StoreError {
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
            let data = serde_json::to_string(subject).expect("subjects serialise");
            let key = subject
                .uscc
                .as_ref()
                .map(|u| u.as_str().to_string())
                .or_else(|| subject.citizen_id.as_ref().map(|c| c.as_str().to_string()))
                .unwrap_or_else(|| subject.name.clone());
            sqlx::query(
                "INSERT INTO subjects (id, kind, name, name_key, uscc, org_code, reg_no, citizen_id, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&subject.id)
            .bind(subject.kind.label())
            .bind(&subject.name)
            .bind(name_key(&subject.name))
            .bind(subject.uscc.as_ref().map(|u| u.as_str().to_string()))
            .bind(subject.effective_org_code().map(|o| o.as_str().to_string()))
            .bind(subject.reg_no.as_ref().map(|r| r.as_str().to_string()))
            .bind(subject.citizen_id.as_ref().map(|c| c.as_str().to_string()))
            .bind(data)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, "主体", &key, "写入主体"))?;
            insert_name(conn, &subject.id, seq, &subject.name, None).await
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
        | EventPayload::RecordExpired { record_id, .. } => {
            let before = load_record(conn, record_id).await?;
            let existed = before.is_some();
            let after = fold_record(before, &event.payload)?
                .expect("folding a record event yields a record");
            let body = serde_json::to_string(&after.body).expect("record bodies serialise");
            let key = after.body.natural_key();
            if existed {
                sqlx::query(
                    "UPDATE records SET doc_no = $1, authority_code = $2, decision_date = $3, \
                     status = $4, version = $5, body = $6, last_seq = $7 WHERE id = $8",
                )
                .bind(&key.doc_no)
                .bind(key.authority_code.as_str())
                .bind(after.body.decision_date().to_string())
                .bind(status_str(after.status))
                .bind(i64::from(after.version))
                .bind(body)
                .bind(seq)
                .bind(&after.id)
                .execute(&mut *conn)
                .await
                .map_err(|e| insert_error(e, "决定", &key.doc_no, "更新记录"))?;
            } else {
                sqlx::query(
                    "INSERT INTO records (id, subject_id, category, doc_no, authority_code, decision_date, \
                     status, version, body, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&after.id)
                .bind(&after.subject_id)
                .bind(key.category.as_str())
                .bind(&key.doc_no)
                .bind(key.authority_code.as_str())
                .bind(after.body.decision_date().to_string())
                .bind(status_str(after.status))
                .bind(i64::from(after.version))
                .bind(body)
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    insert_error(
                        e,
                        "同一机关的同一文书号",
                        &format!("{}（{}）", key.doc_no, key.authority_code),
                        "写入记录",
                    )
                })?;
            }
            Ok(())
        }
    }
}

async fn insert_name(
    conn: &mut AnyConnection,
    subject_id: &str,
    seq: i64,
    name: &str,
    effective_on: Option<String>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO subject_names (subject_id, seq, name, name_key, effective_on) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(subject_id)
    .bind(seq)
    .bind(name)
    .bind(name_key(name))
    .bind(effective_on)
    .execute(conn)
    .await
    .context("写入名称历史")?;
    Ok(())
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn append(&self, events: Vec<NewEvent>) -> Result<Vec<StoredEvent>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut head = self.read_head(&mut tx, true).await?;
        let mut stored = Vec::with_capacity(events.len());
        for event in &events {
            // Ledger time never runs backwards, whatever the callers' clocks say.
            let floor = DateTime::parse_from_rfc3339(&head.recorded_at)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or(event.recorded_at);
            let at = event.recorded_at.max(floor);
            let sealed = seal(event, head.seq + 1, at, &head.hash);
            let sql = format!(
                "INSERT INTO ledger_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            );
            sqlx::query(&sql)
                .bind(sealed.seq)
                .bind(&sealed.id)
                .bind(&sealed.recorded_at)
                .bind(&sealed.actor)
                .bind(&sealed.kind)
                .bind(&sealed.aggregate_id)
                .bind(&sealed.subject_id)
                .bind(to_canonical(&sealed.payload))
                .bind(&sealed.prev_hash)
                .bind(&sealed.hash)
                .execute(&mut *tx)
                .await
                .map_err(|e| insert_error(e, "事件", &sealed.id, "写入账本事件"))?;
            project(&mut tx, event, sealed.seq).await?;
            head = LedgerHead {
                seq: sealed.seq,
                hash: sealed.hash.clone(),
                recorded_at: sealed.recorded_at.clone(),
            };
            stored.push(sealed);
        }
        sqlx::query("UPDATE ledger_head SET seq = $1, hash = $2, recorded_at = $3 WHERE id = 1")
            .bind(head.seq)
            .bind(&head.hash)
            .bind(&head.recorded_at)
            .execute(&mut *tx)
            .await
            .context("更新账本头")?;
        tx.commit().await.context("提交写事务")?;
        Ok(stored)
    }

    async fn head(&self) -> Result<LedgerHead, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        self.read_head(&mut conn, false).await
    }

    async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("读取账本事件")?;
        rows.iter()
            .map(|r| event_from_row(r).map(|(e, _)| e))
            .collect()
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
        let column = match code {
            Code::Uscc(_) => "uscc",
            Code::OrgCode(_) => "org_code",
            Code::RegNo(_) => "reg_no",
            Code::CitizenId(_) => "citizen_id",
        };
        let sql = format!("SELECT data FROM subjects WHERE {column} = $1 ORDER BY id LIMIT 1");
        let row = sqlx::query(&sql)
            .bind(code.as_str())
            .fetch_optional(&self.pool)
            .await
            .context("按代码查找主体")?;
        row.as_ref().map(subject_from_row).transpose()
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
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE category = $1 AND doc_no = $2 AND authority_code = $3"
        );
        let row = sqlx::query(&sql)
            .bind(key.category.as_str())
            .bind(&key.doc_no)
            .bind(key.authority_code.as_str())
            .fetch_optional(&self.pool)
            .await
            .context("按文书号查找记录")?;
        row.as_ref().map(record_from_row).transpose()
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
}
