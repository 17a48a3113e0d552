//! The ledger core: the head, appending sealed events (each projected in the same
//! transaction), reading an aggregate's history, verifying the chain.

use crate::codec::*;
use crate::connection::SqlStore;
use crate::projection::*;
use crate::{Backend, Context, LedgerHead, Store, StoreError, StoreTx, VerifyReport};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;
use xyjt_core::canonical::to_canonical;
use xyjt_core::ident::Code;
use xyjt_core::ledger::{ChainVerifier, EventPayload, NewEvent, StoredEvent, fold_record, seal};
use xyjt_core::record::{NaturalKey, Record, RecordCategory};
use xyjt_core::subject::Subject;

/// How many events `verify` reads per query: bounded memory however long the chain.
const VERIFY_PAGE: i64 = 5_000;

pub(crate) async fn read_head(
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

pub struct SqlTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    head: LedgerHead,
    poisoned: bool,
    /// The Merkle tree's frontier, loaded (and caught up) at the first append.
    tree: Option<xyjt_verify::merkle::Frontier>,
    maintain_tree: bool,
}

impl SqlTx {
    async fn append_inner(
        &mut self,
        mut events: Vec<NewEvent>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if self.tree.is_none() && self.maintain_tree {
            self.tree = Some(crate::tree::frontier(&mut self.tx, self.head.seq).await?);
        }
        let mut stored = Vec::with_capacity(events.len());
        for event in &mut events {
            // Ledger time never runs backwards, whatever the callers' clocks say; the
            // projections see the ledger's time too (a notice is dated by it), so replaying
            // the ledger gives the same rows.
            let floor = DateTime::parse_from_rfc3339(&self.head.recorded_at)
                .map(|d| d.with_timezone(&Utc))
                .unwrap_or(event.recorded_at);
            event.recorded_at = event.recorded_at.max(floor);
            let sealed = seal(event, self.head.seq + 1, event.recorded_at, &self.head.hash);
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
        if let Some(tree) = self.tree.as_mut() {
            crate::tree::append(&mut self.tx, tree, &stored).await?;
        }
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
            crate::projection::workflows::put_attachment(&mut self.tx, sha256, file_name, content)
                .await;
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
pub(crate) async fn begin(store: &SqlStore) -> Result<Box<dyn StoreTx>, StoreError> {
    Ok(Box::new(begin_sql(store).await?))
}

impl SqlTx {
    /// The transaction's connection, for the reads and bookkeeping of one use (the exchange).
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Appends inside this transaction (as `StoreTx::append`).
    pub(crate) async fn append_sealed(
        &mut self,
        events: Vec<NewEvent>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        StoreTx::append(self, events).await
    }

    pub(crate) async fn commit_sql(self) -> Result<(), StoreError> {
        Box::new(self).commit().await
    }
}

/// A write transaction as its concrete type.
pub(crate) async fn begin_sql(store: &SqlStore) -> Result<SqlTx, StoreError> {
    // SQLite: take the write lock up front, so two writers queue on busy_timeout instead of
    // failing when a read lock cannot be upgraded. PostgreSQL: the head row lock serialises.
    let mut tx = match store.backend {
        Backend::Sqlite => store.primary.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => store.primary.begin().await,
    }
    .context("开始写事务")?;
    let head = read_head(&mut tx, store.backend, true).await?;
    Ok(SqlTx {
        tx,
        head,
        poisoned: false,
        tree: None,
        maintain_tree: store.maintain_tree,
    })
}

/// Brings the Merkle tree up to the ledger head (building it for events written before it
/// existed) and returns the head's size and root, read in one write transaction so they agree.
pub(crate) async fn tree_head(store: &SqlStore) -> Result<crate::TreeHead, StoreError> {
    let mut tx = match store.backend {
        Backend::Sqlite => store.primary.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => store.primary.begin().await,
    }
    .context("开始写事务")?;
    let head = read_head(&mut tx, store.backend, true).await?;
    let frontier = crate::tree::frontier(&mut tx, head.seq).await?;
    tx.commit().await.context("提交默克尔树补建")?;
    Ok(crate::TreeHead {
        size: frontier.size(),
        root: frontier.root(),
        head,
    })
}

pub(crate) async fn head(store: &SqlStore) -> Result<LedgerHead, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    read_head(&mut conn, store.backend, false).await
}

pub(crate) async fn events_of(
    store: &SqlStore,
    aggregate_id: &str,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM ledger_events WHERE aggregate_id = $1 ORDER BY seq");
    let rows = sqlx::query(&sql)
        .bind(aggregate_id)
        .fetch_all(&store.pool)
        .await
        .context("读取事件历史")?;
    rows.iter()
        .map(|r| event_from_row(r).map(|(e, _)| e))
        .collect()
}

pub(crate) async fn verify(store: &SqlStore) -> Result<VerifyReport, StoreError> {
    // Read the head first: events appended while we walk are simply not covered.
    let head = store.head().await?;
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
            .fetch_all(&store.pool)
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

pub(crate) async fn events_after(
    store: &SqlStore,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows = sqlx::query(&sql)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&store.pool)
        .await
        .context("读取账本事件")?;
    rows.iter()
        .map(|r| event_from_row(r).map(|(e, _)| e))
        .collect()
}

/// The tables computed from the ledger, with columns that are not (the outbox's delivery mark).
const PROJECTIONS: &[(&str, &[&str])] = &[
    ("subjects", &[]),
    ("subject_names", &[]),
    ("records", &[]),
    ("intake_rejections", &[]),
    ("list_policies", &[]),
    ("list_entries", &[]),
    ("checks", &[]),
    ("api_tokens", &[]),
    ("false_positives", &[]),
    ("joint_cases", &[]),
    ("applications", &[]),
    ("commitments", &[]),
    ("notifications", &[]),
    ("outbox", &["delivered_at"]),
    ("accounts", &[]),
    ("submissions", &[]),
    ("eval_models", &[]),
    ("eval_runs", &[]),
    ("eval_results", &[]),
    ("inspector_pools", &[]),
    ("inspection_draws", &[]),
    ("inspection_results", &[]),
    ("registrations", &[]),
    ("gov_subjects", &[]),
    ("integrity_records", &[]),
    ("assessment_scores", &[]),
    ("assessments", &[]),
    ("gov_commitments", &[]),
    ("disclosure_items", &[]),
    ("disclosure_reports", &[]),
    ("exchange_received", &[]),
    ("exchange_subjects", &[]),
];

/// The projection tables whose rows are not identified by their first column alone.
/// Every other table's first column is its primary key.
const COMPOSITE_KEYS: &[(&str, &[&str])] = &[
    ("subject_names", &["subject_id", "seq"]),
    ("false_positives", &["entry_id", "query_key"]),
    ("eval_models", &["id", "version"]),
    ("exchange_received", &["origin_node", "origin_seq"]),
];

pub(crate) async fn projections(
    store: &SqlStore,
) -> Result<Vec<crate::ProjectionTable>, StoreError> {
    use sqlx::Column;
    let mut out = Vec::with_capacity(PROJECTIONS.len());
    for (table, skip) in PROJECTIONS {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(&store.pool)
            .await
            .context(format!("读取投影表 {table}"))?;
        let mut columns: Vec<String> = Vec::new();
        let mut ordinals: Vec<usize> = Vec::new();
        if let Some(first) = rows.first() {
            for c in first.columns() {
                if !skip.contains(&c.name()) {
                    columns.push(c.name().to_string());
                    ordinals.push(c.ordinal());
                }
            }
        }
        let key = match COMPOSITE_KEYS.iter().find(|(t, _)| t == table) {
            Some((_, names)) => names
                .iter()
                .filter_map(|n| columns.iter().position(|c| c == n))
                .collect(),
            None if columns.is_empty() => Vec::new(),
            None => vec![0],
        };
        let rows = rows
            .iter()
            .map(|row| ordinals.iter().map(|&i| cell_text(row, i)).collect())
            .collect();
        out.push(crate::ProjectionTable::new(table, columns, key, rows));
    }
    Ok(out)
}

/// A cell as text whatever its SQL type (the `Any` driver decodes by type).
fn cell_text(row: &sqlx::any::AnyRow, i: usize) -> String {
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.unwrap_or_else(|| "NULL".into());
    }
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map_or_else(|| "NULL".into(), |v| v.to_string());
    }
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
        return v.map_or_else(|| "NULL".into(), hex::encode);
    }
    "?".into()
}
