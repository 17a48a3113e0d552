//! Projections of government integrity: registrations, the archives' extra facts, integrity
//! records and their fault-tolerance findings.

use crate::{Context, StoreError};
use sqlx::AnyConnection;
use xyjt_core::integrity::commitment::GovCommitmentState;
use xyjt_core::integrity::{IntegrityState, RegistrationState, Tolerance};
use xyjt_core::ledger::{EventPayload, NewEvent};

pub(crate) async fn load_registration(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<RegistrationState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM registrations WHERE id = $1",
        id,
        "主体登记",
    )
    .await
}

pub(crate) async fn load_integrity(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<IntegrityState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM integrity_records WHERE id = $1",
        id,
        "政务诚信记录",
    )
    .await
}

async fn update_integrity(
    conn: &mut AnyConnection,
    s: &IntegrityState,
    seq: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE integrity_records SET data = $1, last_seq = $2 WHERE id = $3")
        .bind(crate::codec::to_json(s))
        .bind(seq)
        .bind(&s.record.id)
        .execute(conn)
        .await
        .context("更新政务诚信记录")?;
    Ok(())
}

pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::RegistrationProposed { registration } => {
            let s = RegistrationState {
                registration: registration.clone(),
                status: "proposed".into(),
                reviewed_by: None,
                comment: None,
            };
            sqlx::query(
                "INSERT INTO registrations (id, subject_id, status, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&registration.id)
            .bind(&registration.subject.id)
            .bind(&s.status)
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                crate::codec::insert_error(e, "主体登记", &registration.id, "写入主体登记")
            })?;
            Ok(())
        }
        EventPayload::RegistrationReviewed {
            registration_id,
            by,
            approved,
            comment,
        } => {
            let mut s = load_registration(conn, registration_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("主体登记 {registration_id}")))?;
            if s.status != "proposed" {
                return Err(StoreError::Workflow(format!(
                    "主体登记 {registration_id} 已审核，不能再审核"
                )));
            }
            s.status = if *approved { "approved" } else { "rejected" }.into();
            s.reviewed_by = Some(by.clone());
            s.comment = Some(comment.clone());
            sqlx::query(
                "UPDATE registrations SET status = $1, data = $2, last_seq = $3 WHERE id = $4",
            )
            .bind(&s.status)
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .bind(registration_id)
            .execute(&mut *conn)
            .await
            .context("更新主体登记")?;
            if *approved && let Some(archive) = s.registration.archive {
                sqlx::query(
                    "INSERT INTO gov_subjects (subject_id, archive, unit, post, seq) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.registration.subject.id)
                .bind(crate::codec::enum_str(&archive))
                .bind(s.registration.unit.clone())
                .bind(s.registration.post.clone())
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入政务诚信档案主体")?;
            }
            Ok(())
        }
        EventPayload::IntegrityRecorded { record } => {
            let s = IntegrityState {
                record: record.clone(),
                tolerance: None,
            };
            sqlx::query(
                "INSERT INTO integrity_records (id, subject_id, archive, code, deciding_unit, doc_no, \
                 nature, decided_on, data, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(&record.id)
            .bind(&record.subject_id)
            .bind(crate::codec::enum_str(&record.archive))
            .bind(&record.code)
            .bind(&record.deciding_unit)
            .bind(&record.doc_no)
            .bind(crate::codec::enum_str(&record.nature))
            .bind(record.decided_on.to_string())
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                crate::codec::insert_error(
                    e,
                    "政务诚信记录",
                    &format!("{} {}", record.deciding_unit, record.doc_no),
                    "写入政务诚信记录",
                )
            })?;
            Ok(())
        }
        EventPayload::ToleranceProposed {
            record_id,
            reasons,
            basis,
            evidence,
            by,
        } => {
            let mut s = load_integrity(conn, record_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("政务诚信记录 {record_id}")))?;
            if s.tolerance
                .as_ref()
                .is_some_and(|t| t.approved || t.reviewed_by.is_none())
            {
                return Err(StoreError::Workflow(format!(
                    "政务诚信记录 {record_id} 已有容错认定（待审核或已认定）"
                )));
            }
            s.tolerance = Some(Tolerance {
                reasons: reasons.clone(),
                basis: basis.clone(),
                evidence: evidence.clone(),
                proposed_by: by.clone(),
                reviewed_by: None,
                decided_on: None,
                approved: false,
            });
            update_integrity(conn, &s, seq).await
        }
        EventPayload::ToleranceReviewed {
            record_id,
            by,
            approved,
            on,
            ..
        } => {
            let mut s = load_integrity(conn, record_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("政务诚信记录 {record_id}")))?;
            let t = s
                .tolerance
                .as_mut()
                .filter(|t| t.reviewed_by.is_none())
                .ok_or_else(|| {
                    StoreError::Workflow(format!("政务诚信记录 {record_id} 没有待审核的容错认定"))
                })?;
            t.reviewed_by = Some(by.clone());
            t.decided_on = Some(*on);
            t.approved = *approved;
            update_integrity(conn, &s, seq).await
        }
        EventPayload::AssessmentScoreEntered {
            period,
            subject_id,
            indicator,
            value,
            note,
            ..
        } => {
            sqlx::query(
                "DELETE FROM assessment_scores WHERE period = $1 AND subject_id = $2 AND indicator = $3",
            )
            .bind(period)
            .bind(subject_id)
            .bind(indicator)
            .execute(&mut *conn)
            .await
            .context("更新考核录入分")?;
            sqlx::query(
                "INSERT INTO assessment_scores (period, subject_id, indicator, value, note, seq) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(period)
            .bind(subject_id)
            .bind(indicator)
            .bind(value.0)
            .bind(note)
            .bind(seq)
            .execute(&mut *conn)
            .await
            .context("写入考核录入分")?;
            Ok(())
        }
        EventPayload::AssessmentPublished { period, .. } => {
            sqlx::query("DELETE FROM assessments WHERE period = $1")
                .bind(period)
                .execute(&mut *conn)
                .await
                .context("更新考核通报")?;
            sqlx::query("INSERT INTO assessments (period, data, seq) VALUES ($1, $2, $3)")
                .bind(period)
                .bind(crate::codec::to_json(&event.payload))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入考核通报")?;
            Ok(())
        }
        EventPayload::GovCommitmentMade { commitment } => {
            let s = GovCommitmentState {
                commitment: commitment.clone(),
                check: None,
            };
            sqlx::query(
                "INSERT INTO gov_commitments (id, subject_id, made_on, status, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&commitment.id)
            .bind(&commitment.subject_id)
            .bind(commitment.made_on.to_string())
            .bind("open")
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .context("写入政务承诺")?;
            Ok(())
        }
        EventPayload::GovCommitmentChecked {
            commitment_id,
            check,
        } => {
            let mut s = load_gov_commitment(conn, commitment_id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("政务承诺 {commitment_id}")))?;
            s.check = Some(check.clone());
            sqlx::query(
                "UPDATE gov_commitments SET status = $1, data = $2, last_seq = $3 WHERE id = $4",
            )
            .bind(if check.fulfilled { "kept" } else { "broken" })
            .bind(crate::codec::to_json(&s))
            .bind(seq)
            .bind(commitment_id)
            .execute(&mut *conn)
            .await
            .context("更新政务承诺")?;
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(crate) async fn load_gov_commitment(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<GovCommitmentState>, StoreError> {
    crate::codec::load_data(
        conn,
        "SELECT data FROM gov_commitments WHERE id = $1",
        id,
        "政务承诺",
    )
    .await
}
