//! Reads of credit evaluation and inspections, and the bulk reads an evaluation run needs.

use crate::codec::*;
use crate::connection::SqlStore;
use crate::{
    Context, DrawState, EvalResultPage, EvalResultQuery, EvaluationStore, InspectionQuery,
    StoreError,
};
use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;
use xyjt_core::evaluation::{EvalModel, EvalResult, EvalResultState, EvalRunState, ResultStatus};
use xyjt_core::inspection::{InspectionResult, Inspector};
use xyjt_core::ledger::StoredEvent;
use xyjt_core::record::Record;
use xyjt_core::subject::Subject;

const RESULT_COLUMNS: &str = "data, status, published_on, valid_until, revision";

fn result_from_row(row: &AnyRow) -> Result<EvalResultState, StoreError> {
    let result: EvalResult = data_from_row(row, "评价结果")?;
    let status: String = row.try_get("status").context("评价结果 status")?;
    let day = |col: &str| -> Result<Option<chrono::NaiveDate>, StoreError> {
        let v: Option<String> = row.try_get(col).context(format!("评价结果 {col}"))?;
        v.map(|t| {
            t.parse()
                .map_err(|_| StoreError::Corrupt(format!("评价结果 {col}: {t}")))
        })
        .transpose()
    };
    Ok(EvalResultState {
        status: ResultStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("评价结果状态 {status}")))?,
        published_on: day("published_on")?,
        valid_until: day("valid_until")?,
        revision: row.try_get("revision").context("评价结果 revision")?,
        result,
    })
}

fn draw_from_row(row: &AnyRow) -> Result<DrawState, StoreError> {
    let data: Option<String> = row.try_get("data").context("抽查 data")?;
    Ok(DrawState {
        id: row.try_get("id").context("抽查 id")?,
        quarter: row.try_get("quarter").context("抽查 quarter")?,
        unit: row.try_get("unit").context("抽查 unit")?,
        seed_sha256: row.try_get("seed_sha256").context("抽查 seed_sha256")?,
        committed_seq: row.try_get("committed_seq").context("抽查 committed_seq")?,
        draw: data
            .map(|d| serde_json::from_str(&d))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("draw: {e}")))?,
    })
}

/// `WHERE …` and its values, numbered in push order.
struct Filter {
    clauses: Vec<String>,
    values: Vec<String>,
}

impl Filter {
    fn new() -> Self {
        Filter {
            clauses: Vec::new(),
            values: Vec::new(),
        }
    }

    fn eq(&mut self, column: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.values.push(v.to_string());
            self.clauses
                .push(format!("{column} = ${}", self.values.len()));
        }
    }

    fn push(&mut self, template: &str, value: String) {
        self.values.push(value);
        self.clauses
            .push(template.replace("$?", &format!("${}", self.values.len())));
    }

    fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

#[async_trait]
impl EvaluationStore for SqlStore {
    async fn events_of_kinds(
        &self,
        kinds: &[&str],
        after_seq: i64,
        up_to_seq: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE seq > $1 AND seq <= $2 \
             AND kind IN ({}) ORDER BY seq LIMIT $3",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql)
            .bind(after_seq)
            .bind(up_to_seq)
            .bind(limit);
        for k in kinds {
            q = q.bind(*k);
        }
        let rows = q.fetch_all(&self.pool).await.context("读取账本事件")?;
        rows.iter()
            .map(|r| event_from_row(r).map(|(e, _)| e))
            .collect()
    }

    async fn first_event_not_of_kinds(
        &self,
        kinds: &[&str],
        after_seq: i64,
        up_to_seq: i64,
    ) -> Result<Option<i64>, StoreError> {
        let marks: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 3)).collect();
        let not_in = if kinds.is_empty() {
            String::new()
        } else {
            format!(" AND kind NOT IN ({})", marks.join(", "))
        };
        let sql = format!(
            "SELECT seq FROM ledger_events WHERE seq > $1 AND seq <= $2{not_in} ORDER BY seq LIMIT 1"
        );
        let mut q = sqlx::query(&sql).bind(after_seq).bind(up_to_seq);
        for k in kinds {
            q = q.bind(*k);
        }
        let row = q.fetch_optional(&self.pool).await.context("读取账本事件")?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    async fn subjects_after(&self, after_id: &str, limit: i64) -> Result<Vec<Subject>, StoreError> {
        let rows = sqlx::query("SELECT data FROM subjects WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .context("读取主体")?;
        rows.iter().map(subject_from_row).collect()
    }

    async fn records_of_subjects(&self, ids: &[String]) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE subject_id IN ({}) ORDER BY subject_id, decision_date, id",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id);
            }
            let rows = q.fetch_all(&self.pool).await.context("读取主体的记录")?;
            for r in &rows {
                out.push(record_from_row(r)?);
            }
        }
        Ok(out)
    }

    async fn eval_models(&self) -> Result<Vec<EvalModel>, StoreError> {
        let rows = sqlx::query("SELECT data FROM eval_models ORDER BY id, version")
            .fetch_all(&self.pool)
            .await
            .context("读取评价模型")?;
        rows.iter().map(|r| data_from_row(r, "评价模型")).collect()
    }

    async fn eval_runs(&self, model_id: Option<&str>) -> Result<Vec<EvalRunState>, StoreError> {
        let mut f = Filter::new();
        f.eq("model_id", model_id);
        let sql = format!(
            "SELECT data FROM eval_runs{} ORDER BY last_seq DESC",
            f.sql()
        );
        let mut q = sqlx::query(&sql);
        for v in &f.values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await.context("读取评价批次")?;
        rows.iter().map(|r| data_from_row(r, "评价批次")).collect()
    }

    async fn eval_run(&self, id: &str) -> Result<Option<EvalRunState>, StoreError> {
        let mut conn = self.pool.acquire().await.context("获取连接")?;
        crate::projection::evaluation::load_run(&mut conn, id).await
    }

    async fn eval_results(&self, query: &EvalResultQuery) -> Result<EvalResultPage, StoreError> {
        let mut f = Filter::new();
        f.eq("run_id", query.run_id.as_deref());
        f.eq("model_id", query.model_id.as_deref());
        f.eq("period", query.period.as_deref());
        f.eq("status", query.status.map(|s| s.key()));
        f.eq("grade", query.grade.as_deref());
        f.eq("subject_id", query.subject_id.as_deref());
        if let Some(k) = &query.name_key {
            f.push("name_key LIKE $? ESCAPE '\\'", like_contains(k));
        }
        let filter = f.sql();
        let count_sql = format!("SELECT COUNT(*) FROM eval_results{filter}");
        let mut q = sqlx::query(&count_sql);
        for v in &f.values {
            q = q.bind(v);
        }
        let total: i64 = q
            .fetch_one(&self.pool)
            .await
            .context("统计评价结果")?
            .try_get(0)
            .context("统计评价结果")?;
        let n = f.values.len();
        let sql = format!(
            "SELECT {RESULT_COLUMNS} FROM eval_results{filter} \
             ORDER BY period DESC, score DESC, subject_id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let mut q = sqlx::query(&sql);
        for v in &f.values {
            q = q.bind(v);
        }
        let rows = q
            .bind(query.limit)
            .bind(query.offset)
            .fetch_all(&self.pool)
            .await
            .context("查询评价结果")?;
        Ok(EvalResultPage {
            items: rows.iter().map(result_from_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    async fn eval_result(&self, id: &str) -> Result<Option<EvalResultState>, StoreError> {
        let sql = format!("SELECT {RESULT_COLUMNS} FROM eval_results WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .context("读取评价结果")?;
        row.as_ref().map(result_from_row).transpose()
    }

    async fn inspector_pools(&self) -> Result<Vec<(String, Vec<Inspector>)>, StoreError> {
        let rows = sqlx::query("SELECT unit, data FROM inspector_pools ORDER BY unit")
            .fetch_all(&self.pool)
            .await
            .context("读取检查人员库")?;
        rows.iter()
            .map(|r| {
                let unit: String = r.try_get("unit").context("检查人员库 unit")?;
                Ok((unit, data_from_row(r, "检查人员库")?))
            })
            .collect()
    }

    async fn inspection_draws(&self, quarter: Option<&str>) -> Result<Vec<DrawState>, StoreError> {
        let mut f = Filter::new();
        f.eq("quarter", quarter);
        let sql = format!(
            "SELECT id, quarter, unit, seed_sha256, committed_seq, data FROM inspection_draws{} \
             ORDER BY committed_seq DESC",
            f.sql()
        );
        let mut q = sqlx::query(&sql);
        for v in &f.values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await.context("读取抽查")?;
        rows.iter().map(draw_from_row).collect()
    }

    async fn inspection_draw(&self, id: &str) -> Result<Option<DrawState>, StoreError> {
        let row = sqlx::query(
            "SELECT id, quarter, unit, seed_sha256, committed_seq, data FROM inspection_draws \
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .context("读取抽查")?;
        row.as_ref().map(draw_from_row).transpose()
    }

    async fn inspection_results(
        &self,
        query: &InspectionQuery,
    ) -> Result<Vec<InspectionResult>, StoreError> {
        let mut f = Filter::new();
        f.eq("draw_id", query.draw_id.as_deref());
        f.eq("subject_id", query.subject_id.as_deref());
        if let Some(d) = query.from {
            f.push("on_date >= $?", d.to_string());
        }
        if let Some(d) = query.to {
            f.push("on_date <= $?", d.to_string());
        }
        let sql = format!(
            "SELECT data FROM inspection_results{} ORDER BY on_date DESC, id",
            f.sql()
        );
        let mut q = sqlx::query(&sql);
        for v in &f.values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.pool).await.context("读取检查结果")?;
        rows.iter().map(|r| data_from_row(r, "检查结果")).collect()
    }
}
