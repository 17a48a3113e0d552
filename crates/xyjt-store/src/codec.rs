//! Row codecs and insert helpers shared by the ledger, the projections and the reads: a leaf
//! module that imports none of them.

use crate::{Context, StoreError};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use xyjt_core::ledger::StoredEvent;
use xyjt_core::record::{Record, RecordStatus};
use xyjt_core::subject::Subject;

pub(crate) const EVENT_COLUMNS: &str =
    "seq, id, recorded_at, actor, kind, aggregate_id, subject_id, payload, prev_hash, hash";

/// Reads an event row. A payload that is not valid JSON (only possible by tampering) is kept
/// as a string, so verification reports the event instead of failing to read it.
pub(crate) fn event_from_row(row: &AnyRow) -> Result<(StoredEvent, String), StoreError> {
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

pub(crate) fn subject_from_row(row: &AnyRow) -> Result<Subject, StoreError> {
    let data: String = row.try_get("data").context("主体 data")?;
    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("subject: {e}")))
}

pub(crate) const RECORD_COLUMNS: &str = "id, subject_id, status, version, body, publication";

pub(crate) fn record_from_row(row: &AnyRow) -> Result<Record, StoreError> {
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

pub(crate) fn status_str(status: RecordStatus) -> String {
    match serde_json::to_value(status) {
        Ok(Value::String(s)) => s,
        _ => unreachable!("RecordStatus serialises to a string"),
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn like_contains(needle: &str) -> String {
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

/// A serde enum's string form (the stored key).
pub(crate) fn enum_str<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

pub(crate) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Arg {
    pub(crate) fn bind(self, q: AnyQuery<'_>) -> AnyQuery<'_> {
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
pub(crate) async fn insert_rows(
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

/// The `data` column (JSON) of the one row `sql` selects for `id`, decoded; `what` names it in
/// errors (读取 … / … data).
pub(crate) async fn load_data<T: serde::de::DeserializeOwned>(
    conn: &mut AnyConnection,
    sql: &str,
    id: &str,
    what: &str,
) -> Result<Option<T>, StoreError> {
    let row = sqlx::query(sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .context(format!("读取{what}"))?;
    row.as_ref().map(|r| data_from_row(r, what)).transpose()
}

/// A row's `data` column (JSON), decoded; `what` names it in errors.
pub(crate) fn data_from_row<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    what: &str,
) -> Result<T, StoreError> {
    let data: String = row.try_get("data").context(format!("{what} data"))?;
    serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

/// A projection's JSON column.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("projections serialise")
}

/// The day (China time, UTC+8) an event was recorded: the day projections date things by.
pub(crate) fn china_day(event: &xyjt_core::ledger::NewEvent) -> chrono::NaiveDate {
    (event.recorded_at + chrono::Duration::hours(8)).date_naive()
}
