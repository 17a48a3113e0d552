//! Reads of applications, commitments, inbox, outbox and evidence files.

use crate::connection::SqlStore;
use crate::{Context, StoreError};
use sqlx::Row;

pub(crate) async fn application(
    store: &SqlStore,
    number: &str,
) -> Result<Option<xyjt_core::workflow::AppState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::load_application(&mut conn, number).await
}

pub(crate) async fn applications(
    store: &SqlStore,
    query: &crate::AppQuery,
) -> Result<Vec<xyjt_core::workflow::AppState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::applications(&mut conn, query).await
}

pub(crate) async fn commitment(
    store: &SqlStore,
    id: &str,
) -> Result<Option<xyjt_core::commitment::CommitmentState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::load_commitment(&mut conn, id).await
}

pub(crate) async fn commitments(
    store: &SqlStore,
    subject_id: Option<&str>,
) -> Result<Vec<xyjt_core::commitment::CommitmentState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::commitments(&mut conn, subject_id).await
}

pub(crate) async fn inbox(
    store: &SqlStore,
    unit: &str,
    limit: i64,
) -> Result<Vec<crate::Notification>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::inbox(&mut conn, unit, limit).await
}

pub(crate) async fn outbox(
    store: &SqlStore,
    channel: Option<crate::OutboxChannel>,
    pending_only: bool,
) -> Result<Vec<crate::OutboxItem>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    crate::projection::workflows::outbox(&mut conn, channel, pending_only).await
}

pub(crate) async fn mark_delivered(
    store: &SqlStore,
    ids: &[String],
    at: &str,
) -> Result<u64, StoreError> {
    let mut n = 0;
    for id in ids {
        n += sqlx::query(
            "UPDATE outbox SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&store.primary)
        .await
        .context("标记已发送")?
        .rows_affected();
    }
    Ok(n)
}

pub(crate) async fn attachment(
    store: &SqlStore,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let row = sqlx::query("SELECT file_name, content FROM attachments WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&store.pool)
        .await
        .context("读取证明材料")?;
    row.map(|r| {
        let name: String = r.try_get(0).context("file_name")?;
        let content: String = r.try_get(1).context("content")?;
        let bytes =
            hex::decode(content).map_err(|e| StoreError::Corrupt(format!("attachment: {e}")))?;
        Ok((name, bytes))
    })
    .transpose()
}
