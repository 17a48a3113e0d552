//! Reads of government integrity.

use crate::connection::SqlStore;
use crate::{Context, IntegrityStore, StoreError};
use async_trait::async_trait;
use sqlx::Row;
use xyjt_core::integrity::commitment::GovCommitmentState;
use xyjt_core::integrity::{ArchiveKind, IntegrityState, RegistrationState};
use xyjt_core::lists::DecisionPoint;

fn archive_from(s: &str) -> Result<ArchiveKind, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("archive {s}")))
}

#[async_trait]
impl IntegrityStore for SqlStore {
    async fn registration(&self, id: &str) -> Result<Option<RegistrationState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::projection::integrity::load_registration(&mut conn, id).await
    }

    async fn registrations(
        &self,
        status: Option<&str>,
    ) -> Result<Vec<RegistrationState>, StoreError> {
        let rows = match status {
            Some(s) => {
                sqlx::query(
                    "SELECT data FROM registrations WHERE status = $1 ORDER BY last_seq DESC",
                )
                .bind(s)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query("SELECT data FROM registrations ORDER BY last_seq DESC")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .context("读取主体登记")?;
        rows.iter()
            .map(|r| crate::codec::data_from_row(r, "主体登记"))
            .collect()
    }

    async fn gov_subject(
        &self,
        subject_id: &str,
    ) -> Result<Option<(ArchiveKind, Option<String>, Option<String>)>, StoreError> {
        let row = sqlx::query("SELECT archive, unit, post FROM gov_subjects WHERE subject_id = $1")
            .bind(subject_id)
            .fetch_optional(&self.pool)
            .await
            .context("读取政务诚信档案主体")?;
        row.map(|r| {
            let archive: String = r.try_get("archive").context("archive")?;
            Ok((
                archive_from(&archive)?,
                r.try_get("unit").context("unit")?,
                r.try_get("post").context("post")?,
            ))
        })
        .transpose()
    }

    async fn integrity_record(&self, id: &str) -> Result<Option<IntegrityState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::projection::integrity::load_integrity(&mut conn, id).await
    }

    async fn integrity_records(
        &self,
        subject_id: Option<&str>,
        archive: Option<ArchiveKind>,
    ) -> Result<Vec<IntegrityState>, StoreError> {
        let archive = archive.map(|a| crate::codec::enum_str(&a));
        let rows = match (subject_id, &archive) {
            (Some(s), _) => {
                sqlx::query(
                    "SELECT data FROM integrity_records WHERE subject_id = $1 \
                     ORDER BY decided_on DESC, id",
                )
                .bind(s)
                .fetch_all(&self.pool)
                .await
            }
            (None, Some(a)) => {
                sqlx::query(
                    "SELECT data FROM integrity_records WHERE archive = $1 \
                     ORDER BY decided_on DESC, id",
                )
                .bind(a)
                .fetch_all(&self.pool)
                .await
            }
            (None, None) => {
                sqlx::query("SELECT data FROM integrity_records ORDER BY decided_on DESC, id")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .context("读取政务诚信记录")?;
        rows.iter()
            .map(|r| crate::codec::data_from_row(r, "政务诚信记录"))
            .collect()
    }

    async fn integrity_by_key(
        &self,
        deciding_unit: &str,
        doc_no: &str,
    ) -> Result<Option<IntegrityState>, StoreError> {
        let row = sqlx::query(
            "SELECT data FROM integrity_records WHERE deciding_unit = $1 AND doc_no = $2",
        )
        .bind(deciding_unit)
        .bind(doc_no)
        .fetch_optional(&self.pool)
        .await
        .context("读取政务诚信记录")?;
        row.as_ref()
            .map(|r| crate::codec::data_from_row(r, "政务诚信记录"))
            .transpose()
    }

    async fn assessment_scores(
        &self,
        period: &str,
    ) -> Result<Vec<(String, String, xyjt_core::evaluation::Score, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT subject_id, indicator, value, note FROM assessment_scores WHERE period = $1 \
             ORDER BY subject_id, indicator",
        )
        .bind(period)
        .fetch_all(&self.pool)
        .await
        .context("读取考核录入分")?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("subject_id").context("subject_id")?,
                    r.try_get("indicator").context("indicator")?,
                    xyjt_core::evaluation::Score(r.try_get("value").context("value")?),
                    r.try_get("note").context("note")?,
                ))
            })
            .collect()
    }

    async fn assessment(&self, period: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let row = sqlx::query("SELECT data FROM assessments WHERE period = $1")
            .bind(period)
            .fetch_optional(&self.pool)
            .await
            .context("读取考核通报")?;
        row.as_ref()
            .map(|r| crate::codec::data_from_row(r, "考核通报"))
            .transpose()
    }

    async fn gov_commitment(&self, id: &str) -> Result<Option<GovCommitmentState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::projection::integrity::load_gov_commitment(&mut conn, id).await
    }

    async fn gov_commitments(
        &self,
        subject_id: Option<&str>,
    ) -> Result<Vec<GovCommitmentState>, StoreError> {
        let rows = match subject_id {
            Some(s) => {
                sqlx::query(
                    "SELECT data FROM gov_commitments WHERE subject_id = $1 \
                     ORDER BY made_on DESC, id",
                )
                .bind(s)
                .fetch_all(&self.pool)
                .await
            }
            None => {
                sqlx::query("SELECT data FROM gov_commitments ORDER BY made_on DESC, id")
                    .fetch_all(&self.pool)
                    .await
            }
        }
        .context("读取政务承诺")?;
        rows.iter()
            .map(|r| crate::codec::data_from_row(r, "政务承诺"))
            .collect()
    }

    async fn token_scope(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, Vec<DecisionPoint>)>, StoreError> {
        let row = sqlx::query("SELECT name, decision_points FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await
            .context("查找接口令牌")?;
        row.map(|r| {
            let name: String = r.try_get("name").context("令牌名称")?;
            let points: Option<String> = r.try_get("decision_points").context("令牌决策点")?;
            let points = match points {
                Some(p) => serde_json::from_str(&p)
                    .map_err(|e| StoreError::Corrupt(format!("token decision points: {e}")))?,
                None => Vec::new(),
            };
            Ok((name, points))
        })
        .transpose()
    }
}
