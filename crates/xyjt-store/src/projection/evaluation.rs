//! Projections of credit evaluation (models, runs, results) and of inspections (pools, draws,
//! results).

use crate::projection::workflows::{OutboxChannel, enqueue, notify};
use crate::{Context, StoreError};
use sqlx::{AnyConnection, Row};
use xyjt_core::evaluation::{EvalResult, EvalResultState, EvalRunState, ResultStatus, RunStatus};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::text::name_key;

pub(crate) async fn load_run(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<EvalRunState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM eval_runs WHERE id = $1",
        id,
        "评价批次",
    )
    .await
}

async fn write_run(conn: &mut AnyConnection, s: &EvalRunState, seq: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE eval_runs SET status = $1, data = $2, last_seq = $3 WHERE id = $4")
        .bind(s.status.key())
        .bind(crate::codec::to_json(s))
        .bind(seq)
        .bind(&s.run.id)
        .execute(conn)
        .await
        .context("更新评价批次")?;
    Ok(())
}

async fn insert_result(
    conn: &mut AnyConnection,
    s: &EvalResultState,
    seq: i64,
) -> Result<(), StoreError> {
    let r = &s.result;
    sqlx::query(
        "INSERT INTO eval_results (id, run_id, subject_id, model_id, period, grade, score, \
         name_key, status, published_on, valid_until, revision, data, last_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&r.id)
    .bind(&r.run_id)
    .bind(&r.subject_id)
    .bind(&r.model_id)
    .bind(&r.period)
    .bind(r.grade.clone())
    .bind(r.score.0)
    .bind(name_key(&r.subject_name))
    .bind(s.status.key())
    .bind(s.published_on.map(|d| d.to_string()))
    .bind(s.valid_until.map(|d| d.to_string()))
    .bind(s.revision.clone())
    .bind(crate::codec::to_json(r))
    .bind(seq)
    .execute(conn)
    .await
    .map_err(|e| crate::codec::insert_error(e, "评价结果", &r.id, "写入评价结果"))?;
    Ok(())
}

/// Marks superseded the published results of the same subject, model and period as `result`
/// (a re-scored one), or as every result of `run_id` (a later run of the same period).
async fn supersede(
    conn: &mut AnyConnection,
    result: Option<&EvalResult>,
    run_id: Option<&str>,
    seq: i64,
) -> Result<(), StoreError> {
    let superseded = ResultStatus::Superseded.key();
    let published = ResultStatus::Published.key();
    match (result, run_id) {
        (Some(r), _) => {
            sqlx::query(
                "UPDATE eval_results SET status = $1, last_seq = $2 WHERE subject_id = $3 \
                 AND model_id = $4 AND period = $5 AND status = $6",
            )
            .bind(superseded)
            .bind(seq)
            .bind(&r.subject_id)
            .bind(&r.model_id)
            .bind(&r.period)
            .bind(published)
            .execute(&mut *conn)
            .await
        }
        (None, Some(run)) => {
            sqlx::query(
                "UPDATE eval_results SET status = $1, last_seq = $2 WHERE status = $3 \
                 AND run_id <> $4 AND EXISTS (SELECT 1 FROM eval_results n WHERE n.run_id = $4 \
                 AND n.subject_id = eval_results.subject_id AND n.model_id = eval_results.model_id \
                 AND n.period = eval_results.period)",
            )
            .bind(superseded)
            .bind(seq)
            .bind(published)
            .bind(run)
            .execute(&mut *conn)
            .await
        }
        (None, None) => return Ok(()),
    }
    .context("更新被取代的评价结果")?;
    Ok(())
}

/// Sets the status (and publication) of every result of a run still in `from`.
async fn settle_results(
    conn: &mut AnyConnection,
    run_id: &str,
    from: ResultStatus,
    to: ResultStatus,
    published: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE eval_results SET status = $1, published_on = $2, valid_until = $3, \
         last_seq = $4 WHERE run_id = $5 AND status = $6",
    )
    .bind(to.key())
    .bind(published.map(|(on, _)| on.to_string()))
    .bind(published.map(|(_, until)| until.to_string()))
    .bind(seq)
    .bind(run_id)
    .bind(from.key())
    .execute(&mut *conn)
    .await
    .context("更新评价结果")?;
    Ok(())
}

/// Projects one evaluation or inspection event (called from `project`).
pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    project_as(conn, event, seq, true).await
}

/// Projects one evaluation or inspection event; `copies`: a published run is copied to its
/// supervising and sharing units (the origin's duty: a run received from another node is
/// not copied again).
pub(crate) async fn project_as(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
    copies: bool,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::EvalModelAdopted { model } => {
            sqlx::query("INSERT INTO eval_models (id, version, data, seq) VALUES ($1, $2, $3, $4)")
                .bind(&model.id)
                .bind(i64::from(model.version))
                .bind(crate::codec::to_json(model))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    crate::codec::insert_error(
                        e,
                        "评价模型版本",
                        &format!("{} 第 {} 版", model.id, model.version),
                        "写入评价模型",
                    )
                })?;
            Ok(())
        }
        EventPayload::EvalRunProposed { run } => {
            let s = EvalRunState {
                run: run.clone(),
                status: RunStatus::Proposed,
                proposed_by: event.actor.clone(),
                proposed_on: crate::codec::china_day(event),
                reviewed_by: None,
                review_comment: None,
                reviewed_on: None,
                due: None,
                published_on: None,
                valid_until: None,
            };
            sqlx::query(
                "INSERT INTO eval_runs (id, model_id, period, unit, status, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&run.id)
            .bind(&run.model_id)
            .bind(&run.period)
            .bind(&run.unit)
            .bind(s.status.key())
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| crate::codec::insert_error(e, "评价批次", &run.id, "写入评价批次"))?;
            Ok(())
        }
        // A run's results come first, then the run itself, in one transaction.
        EventPayload::EvalResultProposed { result } => {
            if let Some(run) = load_run(conn, &result.run_id).await? {
                return Err(StoreError::Workflow(format!(
                    "评价批次 {} 已{}，不能再加入结果",
                    run.run.id,
                    run.status.label()
                )));
            }
            let s = EvalResultState {
                result: result.clone(),
                status: ResultStatus::Proposed,
                published_on: None,
                valid_until: None,
                revision: None,
            };
            insert_result(conn, &s, seq).await
        }
        EventPayload::EvalRunReviewed {
            run_id,
            by,
            approved,
            comment,
            on,
            due,
        } => {
            let mut s = load_run(conn, run_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("评价批次 {run_id}")))?;
            if s.status != RunStatus::Proposed {
                return Err(StoreError::Workflow(format!(
                    "评价批次 {run_id} {}，不能再审核",
                    s.status.label()
                )));
            }
            s.status = if *approved {
                RunStatus::Approved
            } else {
                RunStatus::Rejected
            };
            s.reviewed_by = Some(by.clone());
            s.review_comment = Some(comment.clone());
            s.reviewed_on = Some(*on);
            s.due = *due;
            write_run(conn, &s, seq).await?;
            if !approved {
                settle_results(
                    conn,
                    run_id,
                    ResultStatus::Proposed,
                    ResultStatus::Rejected,
                    None,
                    seq,
                )
                .await?;
            }
            Ok(())
        }
        EventPayload::EvalRunPublished {
            run_id,
            on,
            valid_until,
            supervising_unit,
            sharing_units,
        } => {
            let mut s = load_run(conn, run_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("评价批次 {run_id}")))?;
            if s.status != RunStatus::Approved {
                return Err(StoreError::Workflow(format!(
                    "评价批次 {run_id} {}，只有审核通过的批次可以发布",
                    s.status.label()
                )));
            }
            s.status = RunStatus::Published;
            s.published_on = Some(*on);
            s.valid_until = Some(*valid_until);
            write_run(conn, &s, seq).await?;
            supersede(conn, None, Some(run_id), seq).await?;
            settle_results(
                conn,
                run_id,
                ResultStatus::Proposed,
                ResultStatus::Published,
                Some((*on, *valid_until)),
                seq,
            )
            .await?;
            if !copies {
                return Ok(());
            }
            let mut to: Vec<String> = supervising_unit.iter().cloned().collect();
            to.extend(sharing_units.iter().cloned());
            let payload = serde_json::json!({
                "kind": "evaluation_results",
                "run_id": run_id,
                "model_id": s.run.model_id,
                "model_version": s.run.model_version,
                "period": s.run.period,
                "unit": s.run.unit,
                "results": s.run.subjects,
                "published_on": on.to_string(),
                "due": s.due.map(|d| d.to_string()),
                "to": to,
            });
            enqueue(conn, event, seq, OutboxChannel::Sharing, run_id, payload).await?;
            if let Some(unit) = supervising_unit {
                notify(
                    conn,
                    event,
                    seq,
                    unit,
                    "evaluation_published",
                    run_id,
                    format!(
                        "{} {} 年度信用评价结果已发布（{} 户），抄送备案",
                        s.run.model_title, s.run.period, s.run.subjects
                    ),
                )
                .await?;
            }
            Ok(())
        }
        EventPayload::EvalResultRevised {
            result,
            reason,
            application,
            on,
            valid_until,
        } => {
            supersede(conn, Some(result), None, seq).await?;
            let s = EvalResultState {
                result: result.clone(),
                status: ResultStatus::Published,
                published_on: Some(*on),
                valid_until: Some(*valid_until),
                revision: Some(match application {
                    Some(a) => format!("{reason}（{a}）"),
                    None => reason.clone(),
                }),
            };
            insert_result(conn, &s, seq).await
        }
        EventPayload::InspectorPoolSet { unit, inspectors } => {
            sqlx::query("DELETE FROM inspector_pools WHERE unit = $1")
                .bind(unit)
                .execute(&mut *conn)
                .await
                .context("更新检查人员库")?;
            sqlx::query("INSERT INTO inspector_pools (unit, data, seq) VALUES ($1, $2, $3)")
                .bind(unit)
                .bind(crate::codec::to_json(inspectors))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入检查人员库")?;
            Ok(())
        }
        EventPayload::InspectionSeedCommitted {
            draw_id,
            quarter,
            unit,
            seed_sha256,
        } => {
            sqlx::query(
                "INSERT INTO inspection_draws (id, quarter, unit, seed_sha256, committed_seq, \
                 data, last_seq) VALUES ($1, $2, $3, $4, $5, NULL, $6)",
            )
            .bind(draw_id)
            .bind(quarter)
            .bind(unit)
            .bind(seed_sha256)
            .bind(seq)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| crate::codec::insert_error(e, "抽查", draw_id, "登记抽查种子"))?;
            Ok(())
        }
        EventPayload::InspectionDrawn { draw } => {
            let row = sqlx::query("SELECT seed_sha256, data FROM inspection_draws WHERE id = $1")
                .bind(&draw.id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取抽查")?
                .ok_or_else(|| StoreError::NotFound(format!("抽查 {} 的种子登记", draw.id)))?;
            let committed: String = row.try_get(0).context("抽查 seed_sha256")?;
            let data: Option<String> = row.try_get(1).context("抽查 data")?;
            if data.is_some() {
                return Err(StoreError::Workflow(format!("抽查 {} 已经抽取", draw.id)));
            }
            if committed != draw.seed_sha256 {
                return Err(StoreError::Workflow(format!(
                    "抽查 {} 的种子与事先登记的哈希不符",
                    draw.id
                )));
            }
            sqlx::query("UPDATE inspection_draws SET data = $1, last_seq = $2 WHERE id = $3")
                .bind(crate::codec::to_json(draw))
                .bind(seq)
                .bind(&draw.id)
                .execute(&mut *conn)
                .await
                .context("写入抽查结果")?;
            Ok(())
        }
        EventPayload::InspectionRecorded { result } => {
            sqlx::query(
                "INSERT INTO inspection_results (id, draw_id, task_no, subject_id, on_date, \
                 outcome, data, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&result.id)
            .bind(result.draw_id.clone())
            .bind(result.task_no.map(i64::from))
            .bind(&result.subject_id)
            .bind(result.on.to_string())
            .bind(result.outcome.key())
            .bind(crate::codec::to_json(result))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| crate::codec::insert_error(e, "检查结果", &result.id, "写入检查结果"))?;
            Ok(())
        }
        _ => Ok(()),
    }
}
