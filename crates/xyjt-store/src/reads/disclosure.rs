//! Reads of the disclosure catalogue.

use crate::connection::SqlStore;
use crate::{Context, DisclosureQuery, DisclosureStore, StoreError};
use async_trait::async_trait;
use sqlx::Row;
use xyjt_core::disclosure::ItemState;

#[async_trait]
impl DisclosureStore for SqlStore {
    async fn disclosure_item(&self, id: &str) -> Result<Option<ItemState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::projection::disclosure::load_item(&mut conn, id).await
    }

    async fn disclosure_items(&self, q: &DisclosureQuery) -> Result<Vec<ItemState>, StoreError> {
        let mut sql = String::from("SELECT data FROM disclosure_items WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut add = |clause: &str, v: String, sql: &mut String| {
            binds.push(v);
            sql.push_str(&format!(" AND {clause} = ${}", binds.len()));
        };
        if let Some(u) = &q.unit {
            add("unit", u.clone(), &mut sql);
        }
        if let Some(s) = &q.status {
            add("status", crate::codec::enum_str(s), &mut sql);
        }
        if let Some(c) = &q.category {
            add("category", c.clone(), &mut sql);
        }
        if let Some(c) = &q.column {
            add("col", c.clone(), &mut sql);
        }
        if q.public_only {
            sql.push_str(" AND status = 'published' AND openness = 'active'");
        }
        sql.push_str(" ORDER BY (published_on IS NULL), published_on DESC, index_code, index_seq DESC, last_seq DESC");
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query
            .fetch_all(&self.pool)
            .await
            .context("读取政务公开目录")?;
        rows.iter()
            .map(|r| crate::codec::data_from_row(r, "政务公开信息"))
            .collect()
    }

    async fn last_index_seq(&self, code: &str, year: i32) -> Result<Option<u32>, StoreError> {
        let row = sqlx::query(
            "SELECT MAX(index_seq) AS m FROM disclosure_items \
             WHERE index_code = $1 AND index_year = $2",
        )
        .bind(code)
        .bind(i64::from(year))
        .fetch_one(&self.pool)
        .await
        .context("读取索引号流水号")?;
        let m: Option<i64> = row.try_get("m").context("index_seq")?;
        Ok(m.map(|m| m as u32))
    }

    async fn disclosure_report(
        &self,
        year: i32,
    ) -> Result<Option<xyjt_core::disclosure::annual::PublishedReport>, StoreError> {
        let row = sqlx::query("SELECT data FROM disclosure_reports WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(&self.pool)
            .await
            .context("读取年度报告")?;
        row.as_ref()
            .map(|r| crate::codec::data_from_row(r, "年度报告"))
            .transpose()
    }
}
