//! Reads for the console: accounts, sessions, submissions, the audit trail.

use crate::codec::*;
use crate::connection::SqlStore;
use crate::{Context, StoreError};
use sqlx::Row;
use xyjt_core::ledger::StoredEvent;

pub(crate) async fn account(
    store: &SqlStore,
    login: &str,
) -> Result<Option<(xyjt_core::account::Account, String)>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::console::account(&mut conn, login).await
}

pub(crate) async fn accounts(
    store: &SqlStore,
) -> Result<Vec<xyjt_core::account::Account>, StoreError> {
    let rows = sqlx::query("SELECT data FROM accounts ORDER BY unit_id, login")
        .fetch_all(&store.pool)
        .await
        .context("读取账号")?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(0).context("账号 data")?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("account: {e}")))
        })
        .collect()
}

pub(crate) async fn create_session(
    store: &SqlStore,
    id_hash: &str,
    login: &str,
    csrf: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (id_hash, login, csrf, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(id_hash)
        .bind(login)
        .bind(csrf)
        .bind(expires_at)
        .execute(&store.primary)
        .await
        .context("写入会话")?;
    Ok(())
}

pub(crate) async fn session(
    store: &SqlStore,
    id_hash: &str,
) -> Result<Option<crate::Session>, StoreError> {
    let row = sqlx::query("SELECT login, csrf, expires_at FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(&store.pool)
        .await
        .context("读取会话")?;
    row.map(|r| {
        Ok(crate::Session {
            login: r.try_get(0).context("login")?,
            csrf: r.try_get(1).context("csrf")?,
            expires_at: r.try_get(2).context("expires_at")?,
        })
    })
    .transpose()
}

pub(crate) async fn delete_session(store: &SqlStore, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&store.primary)
        .await
        .context("删除会话")?;
    Ok(())
}

pub(crate) async fn submission(
    store: &SqlStore,
    id: &str,
) -> Result<Option<xyjt_core::submission::SubmissionState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::console::load_submission(&mut conn, id).await
}

pub(crate) async fn submissions(
    store: &SqlStore,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<xyjt_core::submission::SubmissionState>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM submissions WHERE ($1 IS NULL OR status = $1)              ORDER BY last_seq DESC LIMIT $2",
    )
    .bind(status.map(str::to_string))
    .bind(limit)
    .fetch_all(&store.pool)
    .await
    .context("读取报送")?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(0).context("报送 data")?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("submission: {e}")))
        })
        .collect()
}

pub(crate) async fn recent_events(
    store: &SqlStore,
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
    .fetch_all(&store.pool)
    .await
    .context("读取账本事件")?;
    rows.iter()
        .map(|r| event_from_row(r).map(|(e, _)| e))
        .collect()
}
