//! Projection of received facts (`exchange_received`, `exchange_subjects`): where each came
//! from, keyed by (origin node, origin sequence), so a fact is never applied twice.

use crate::{Context, StoreError};
use sqlx::AnyConnection;
use xyjt_core::exchange::Origin;
use xyjt_core::ledger::{EventPayload, NewEvent};

pub(crate) async fn record(
    conn: &mut AnyConnection,
    event: &NewEvent,
    origin: &Origin,
    fact: Option<&EventPayload>,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO exchange_received (origin_node, origin_seq, origin_event_id, origin_hash, \
         kind, aggregate_id, applied, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&origin.node)
    .bind(origin.seq)
    .bind(&origin.event_id)
    .bind(&origin.hash)
    .bind(&origin.kind)
    .bind(event.payload.aggregate_id())
    .bind(i64::from(fact.is_some()))
    .bind(seq)
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        crate::codec::insert_error(e, "交换收到的事实", &origin.cite(), "写入交换收到的事实")
    })?;
    if let Some(local) = &origin.same_subject {
        sqlx::query(
            "INSERT INTO exchange_subjects (origin_subject_id, origin_node, subject_id, seq) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&origin.aggregate_id)
        .bind(&origin.node)
        .bind(local)
        .bind(seq)
        .execute(&mut *conn)
        .await
        .context("写入交换主体对应")?;
    }
    Ok(())
}

/// Projects a received fact (or one of its prior facts) as if it had happened here; a
/// published evaluation run is not copied again, and a department's or civil servant's
/// integrity record makes its subject a government-integrity subject here (the origin
/// registered it as one; its registration stays there).
pub(crate) async fn project_received(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::EvalRunPublished { .. } => {
            crate::projection::evaluation::project_as(conn, event, seq, false).await
        }
        EventPayload::IntegrityRecorded { record } => {
            crate::projection::integrity::project(conn, event, seq).await?;
            let known = sqlx::query("SELECT 1 FROM gov_subjects WHERE subject_id = $1")
                .bind(&record.subject_id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取政务诚信档案主体")?
                .is_some();
            if !known {
                sqlx::query(
                    "INSERT INTO gov_subjects (subject_id, archive, unit, post, seq) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&record.subject_id)
                .bind(crate::codec::enum_str(&record.archive))
                .bind(record.unit.clone())
                .bind(record.post.clone())
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入政务诚信档案主体")?;
            }
            Ok(())
        }
        _ => crate::projection::project(conn, event, seq).await,
    }
}
