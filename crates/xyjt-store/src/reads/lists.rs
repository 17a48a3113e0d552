//! Reads of the four lists, name-list entries, checks, tokens and joint cases.

use crate::connection::SqlStore;
use crate::projection::*;
use crate::{Context, StoreError};
use sqlx::Row;
use xyjt_core::listing::EntryState;
use xyjt_core::lists::ListPolicy;

pub(crate) async fn list_policy(
    store: &SqlStore,
    version: Option<u32>,
) -> Result<Option<ListPolicy>, StoreError> {
    let row = match version {
        Some(v) => {
            sqlx::query("SELECT data FROM list_policies WHERE version = $1")
                .bind(i64::from(v))
                .fetch_optional(&store.pool)
                .await
        }
        None => {
            sqlx::query("SELECT data FROM list_policies ORDER BY version DESC LIMIT 1")
                .fetch_optional(&store.pool)
                .await
        }
    }
    .context("读取清单政策")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("清单政策 data")?;
        serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("list policy: {e}")))
    })
    .transpose()
}

pub(crate) async fn list_entries(
    store: &SqlStore,
    list: Option<&str>,
) -> Result<Vec<EntryState>, StoreError> {
    let rows = match list {
        Some(l) => {
            sqlx::query(
                "SELECT data FROM list_entries WHERE list = $1 ORDER BY entry_date DESC, id",
            )
            .bind(l)
            .fetch_all(&store.pool)
            .await
        }
        None => {
            sqlx::query("SELECT data FROM list_entries ORDER BY entry_date DESC, id")
                .fetch_all(&store.pool)
                .await
        }
    }
    .context("读取名单条目")?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get(0).context("名单条目 data")?;
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("list entry: {e}")))
        })
        .collect()
}

pub(crate) async fn lists_version(store: &SqlStore) -> Result<i64, StoreError> {
    // Every write to these projections sets its row's sequence number (entries are never
    // deleted), so the greatest of them moves with any change to what the check index holds.
    sqlx::query(
        "SELECT CAST(COALESCE(MAX(v), 0) AS BIGINT) FROM ( \
         SELECT MAX(last_seq) AS v FROM list_entries \
         UNION ALL SELECT MAX(seq) FROM list_policies \
         UNION ALL SELECT MAX(seq) FROM false_positives) t",
    )
    .fetch_one(&store.pool)
    .await
    .context("读取名单版本")?
    .try_get(0)
    .context("名单版本")
}

pub(crate) async fn listed_subject_kinds(
    store: &SqlStore,
) -> Result<Vec<(String, xyjt_core::subject::PartyCategory)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.kind FROM subjects s WHERE s.id IN \
         (SELECT subject_id FROM list_entries WHERE status = 'published')",
    )
    .fetch_all(&store.pool)
    .await
    .context("读取名单主体类别")?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get(0).context("主体 id")?;
            let kind: String = r.try_get(1).context("主体类别")?;
            let kind = xyjt_core::subject::PartyCategory::from_label(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("subject kind {kind}")))?;
            Ok((id, kind))
        })
        .collect()
}

pub(crate) async fn list_entry(
    store: &SqlStore,
    id: &str,
) -> Result<Option<EntryState>, StoreError> {
    let mut conn = store.pool.acquire().await.context("获取连接")?;
    load_entry(&mut conn, id).await
}

pub(crate) async fn check_record(
    store: &SqlStore,
    id: &str,
) -> Result<Option<(xyjt_core::ledger::CheckRecord, Option<serde_json::Value>)>, StoreError> {
    let row = sqlx::query("SELECT data, feedback FROM checks WHERE id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await
        .context("读取核查记录")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("核查记录 data")?;
        let feedback: Option<String> = r.try_get(1).context("核查反馈")?;
        let check =
            serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("check: {e}")))?;
        let feedback = feedback.and_then(|f| serde_json::from_str(&f).ok());
        Ok((check, feedback))
    })
    .transpose()
}

pub(crate) async fn check_counts(store: &SqlStore) -> Result<Vec<crate::CheckCount>, StoreError> {
    let rows = sqlx::query(
        "SELECT asked_by, decision_point, decision, COUNT(*), \
         CAST(SUM(CASE WHEN feedback IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
         FROM checks GROUP BY asked_by, decision_point, decision ORDER BY asked_by, decision_point, decision",
    )
    .fetch_all(&store.pool)
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

pub(crate) async fn token_name(
    store: &SqlStore,
    token_hash: &str,
) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT name FROM api_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(&store.pool)
        .await
        .context("查找接口令牌")?;
    row.map(|r| r.try_get(0).context("令牌名称")).transpose()
}

pub(crate) async fn joint_cases(
    store: &SqlStore,
    initiator: Option<&str>,
) -> Result<Vec<xyjt_core::cases::CaseState>, StoreError> {
    let rows = match initiator {
        Some(u) => {
            sqlx::query(
                "SELECT data FROM joint_cases WHERE initiator = $1 ORDER BY opened_on DESC, id",
            )
            .bind(u)
            .fetch_all(&store.pool)
            .await
        }
        None => {
            sqlx::query("SELECT data FROM joint_cases ORDER BY opened_on DESC, id")
                .fetch_all(&store.pool)
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

pub(crate) async fn false_positives(store: &SqlStore) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query("SELECT entry_id, query_key FROM false_positives")
        .fetch_all(&store.pool)
        .await
        .context("读取误报标记")?;
    rows.iter()
        .map(|r| Ok((r.try_get(0).context("条目")?, r.try_get(1).context("查询")?)))
        .collect()
}

pub(crate) async fn joint_case(
    store: &SqlStore,
    id: &str,
) -> Result<Option<xyjt_core::cases::CaseState>, StoreError> {
    let row = sqlx::query("SELECT data FROM joint_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&store.pool)
        .await
        .context("读取联合惩戒案件")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("案件 data")?;
        serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("case: {e}")))
    })
    .transpose()
}
