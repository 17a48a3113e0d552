//! Projections and queries of the workflow events: applications (objections, repair),
//! commitments, the in-app inbox, the outbox, evidence files.

use crate::{Context, StoreError};
use serde::Serialize;
use serde_json::json;
use sqlx::{AnyConnection, Row};
use xyjt_core::commitment::{CommitmentState, record_check};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::workflow::{AppState, Step, WorkflowError, apply, open};

/// Filters for listing applications; all optional.
#[derive(Debug, Clone, Default)]
pub struct AppQuery {
    pub kind: Option<xyjt_core::workflow::WorkflowKind>,
    /// The unit now handling it.
    pub unit: Option<String>,
    /// Only open (`true`) or only closed (`false`) ones.
    pub open: Option<bool>,
    pub record_id: Option<String>,
    pub subject_id: Option<String>,
}

/// A message in a unit's inbox (站内消息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    pub id: String,
    pub unit: String,
    pub created_on: String,
    pub kind: String,
    /// The application number or commitment id it is about.
    pub reference: String,
    pub message: String,
    pub read: bool,
}

/// A message waiting for an adapter (exchange with the provincial platform, SMS, mail).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxItem {
    pub id: String,
    pub channel: OutboxChannel,
    pub reference: String,
    pub payload: serde_json::Value,
    pub seq: i64,
    pub created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}

/// Where an outbox message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxChannel {
    /// The provincial platform (corrected or repaired data, 5-working-day sync).
    Exchange,
    /// The applicant (the written answer, by mail or SMS).
    Applicant,
    /// The supervising and sharing units (published evaluation results, 5-day clock).
    Sharing,
}

impl OutboxChannel {
    pub const ALL: [OutboxChannel; 3] = [
        OutboxChannel::Exchange,
        OutboxChannel::Applicant,
        OutboxChannel::Sharing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxChannel::Exchange => "exchange",
            OutboxChannel::Applicant => "applicant",
            OutboxChannel::Sharing => "sharing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

pub(crate) async fn load_application(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<AppState>, StoreError> {
    let row = sqlx::query("SELECT data FROM applications WHERE number = $1")
        .bind(number)
        .fetch_optional(conn)
        .await
        .context("读取申请")?;
    row.map(|r| crate::codec::data_from_row(&r, "申请"))
        .transpose()
}

pub(crate) async fn load_commitment(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<CommitmentState>, StoreError> {
    let row = sqlx::query("SELECT data FROM commitments WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("读取信用承诺")?;
    row.map(|r| crate::codec::data_from_row(&r, "信用承诺"))
        .transpose()
}

async fn write_application(
    conn: &mut AnyConnection,
    s: &AppState,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    let sql = if existed {
        "UPDATE applications SET kind = $2, status = $3, is_open = $4, subject_id = $5, \
         record_id = $6, entry_id = $7, unit = $8, filed_on = $9, data = $10, last_seq = $11 \
         WHERE number = $1"
    } else {
        "INSERT INTO applications (number, kind, status, is_open, subject_id, record_id, entry_id, \
         unit, filed_on, data, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(sql)
        .bind(&s.app.number)
        .bind(crate::codec::enum_str(&s.app.kind))
        .bind(crate::codec::enum_str(&s.status))
        .bind(i64::from(s.status.is_open()))
        .bind(&s.app.subject_id)
        .bind(&s.app.target.record_id)
        .bind(&s.app.target.entry_id)
        .bind(&s.unit)
        .bind(s.app.filed_on.to_string())
        .bind(serde_json::to_string(s).expect("applications serialise"))
        .bind(seq)
        .execute(conn)
        .await
        .map_err(|e| crate::codec::insert_error(e, "申请编号", &s.app.number, "写入申请"))?;
    Ok(())
}

async fn write_commitment(
    conn: &mut AnyConnection,
    s: &CommitmentState,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    let c = &s.commitment;
    let sql = if existed {
        "UPDATE commitments SET subject_id = $2, template_id = $3, unit = $4, signed_on = $5, \
         status = $6, data = $7, last_seq = $8 WHERE id = $1"
    } else {
        "INSERT INTO commitments (id, subject_id, template_id, unit, signed_on, status, data, \
         last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    };
    sqlx::query(sql)
        .bind(&c.id)
        .bind(&c.subject_id)
        .bind(&c.template_id)
        .bind(&c.unit)
        .bind(c.signed_on.to_string())
        .bind(crate::codec::enum_str(&s.status()))
        .bind(serde_json::to_string(s).expect("commitments serialise"))
        .bind(seq)
        .execute(conn)
        .await
        .map_err(|e| crate::codec::insert_error(e, "信用承诺", &c.id, "写入信用承诺"))?;
    Ok(())
}

pub(crate) async fn notify(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
    unit: &str,
    kind: &str,
    reference: &str,
    message: String,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO notifications (id, unit, seq, created_on, kind, ref, message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(format!("{}:{unit}", event.id))
    .bind(unit)
    .bind(seq)
    .bind(crate::codec::china_day(event).to_string())
    .bind(kind)
    .bind(reference)
    .bind(message)
    .execute(conn)
    .await
    .context("写入站内消息")?;
    Ok(())
}

pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
    channel: OutboxChannel,
    reference: &str,
    payload: serde_json::Value,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (id, channel, ref, payload, seq, created_on) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(format!("{}:{}", event.id, channel.as_str()))
    .bind(channel.as_str())
    .bind(reference)
    .bind(payload.to_string())
    .bind(seq)
    .bind(crate::codec::china_day(event).to_string())
    .execute(conn)
    .await
    .context("写入待发送消息")?;
    Ok(())
}

fn wf_err(e: WorkflowError) -> StoreError {
    StoreError::Workflow(e.to_string())
}

/// Projects one workflow or commitment event (called from `project`).
pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::ApplicationFiled { application } => {
            let s = open(application.clone(), &event.actor);
            write_application(conn, &s, false, seq).await?;
            let due = &s.clocks[0];
            notify(
                conn,
                event,
                seq,
                &s.unit,
                "application_filed",
                &application.number,
                format!(
                    "收到{} {}（{}），{}",
                    application.kind.label(),
                    application.number,
                    application.reason.chars().take(40).collect::<String>(),
                    due.rule
                ),
            )
            .await
        }
        EventPayload::ApplicationStepped {
            number,
            step,
            on,
            by,
        } => {
            let before = load_application(conn, number)
                .await?
                .ok_or_else(|| wf_err(WorkflowError::Missing(number.clone())))?;
            let after = apply(before, step, *on, by).map_err(wf_err)?;
            write_application(conn, &after, true, seq).await?;
            match step {
                Step::Assigned { unit } | Step::Forwarded { unit, .. } => {
                    notify(
                        conn,
                        event,
                        seq,
                        unit,
                        "application_assigned",
                        number,
                        format!("{} {} 转由本单位办理", after.app.kind.label(), number),
                    )
                    .await?;
                }
                Step::Decided { decision, .. } => {
                    // The written answer goes to the applicant (mail / SMS adapters).
                    enqueue(
                        conn,
                        event,
                        seq,
                        OutboxChannel::Applicant,
                        number,
                        json!({
                            "number": number,
                            "kind": after.app.kind,
                            "status": after.status,
                            "status_label": after.status.label(),
                            "reasons": decision.reasons,
                            "decided_on": on,
                            "applicant": after.app.applicant,
                        }),
                    )
                    .await?;
                    if decision.granted
                        && matches!(
                            after.app.kind,
                            xyjt_core::workflow::WorkflowKind::Objection
                                | xyjt_core::workflow::WorkflowKind::Repair
                        )
                    {
                        // Corrected / repaired data goes to the provincial platform.
                        enqueue(
                            conn,
                            event,
                            seq,
                            OutboxChannel::Exchange,
                            number,
                            json!({
                                "number": number,
                                "kind": after.app.kind,
                                "action": match (after.app.kind, decision.revoke) {
                                    (xyjt_core::workflow::WorkflowKind::Objection, true) => "revoke",
                                    (xyjt_core::workflow::WorkflowKind::Objection, false) => "correct",
                                    (_, _) => "repair",
                                },
                                "record_id": after.app.target.record_id,
                                "entry_id": after.app.target.entry_id,
                                "decided_on": on,
                                "reasons": decision.reasons,
                            }),
                        )
                        .await?;
                    }
                }
                _ => {}
            }
            Ok(())
        }
        EventPayload::CommitmentSigned { commitment } => {
            let s = CommitmentState {
                commitment: commitment.clone(),
                check: None,
            };
            write_commitment(conn, &s, false, seq).await?;
            notify(
                conn,
                event,
                seq,
                &commitment.unit,
                "commitment_signed",
                &commitment.id,
                format!(
                    "{}签署《{}》，{}",
                    commitment.subject_name, commitment.title, commitment.check.rule
                ),
            )
            .await
        }
        EventPayload::CommitmentChecked {
            commitment_id,
            check,
        } => {
            let before = load_commitment(conn, commitment_id).await?;
            let after = record_check(before, commitment_id, check)
                .map_err(|e| StoreError::Workflow(e.to_string()))?;
            write_commitment(conn, &after, true, seq).await
        }
        _ => Ok(()),
    }
}

pub(crate) async fn put_attachment(
    conn: &mut AnyConnection,
    sha256: &str,
    file_name: &str,
    content: &[u8],
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO attachments (sha256, file_name, size, content) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(file_name)
    .bind(i64::try_from(content.len()).unwrap_or(i64::MAX))
    .bind(hex::encode(content))
    .execute(conn)
    .await
    .context("写入证明材料")?;
    Ok(())
}

pub(crate) async fn applications(
    conn: &mut AnyConnection,
    q: &AppQuery,
) -> Result<Vec<AppState>, StoreError> {
    // Few filters, all optional: a fixed statement with "($n IS NULL OR col = $n)" keeps one
    // prepared plan per backend.
    let rows = sqlx::query(
        "SELECT data FROM applications WHERE ($1 IS NULL OR kind = $1) \
         AND ($2 IS NULL OR unit = $2) AND ($3 IS NULL OR is_open = $3) \
         AND ($4 IS NULL OR record_id = $4) AND ($5 IS NULL OR subject_id = $5) \
         ORDER BY filed_on DESC, number",
    )
    .bind(q.kind.map(|k| crate::codec::enum_str(&k)))
    .bind(q.unit.clone())
    .bind(q.open.map(i64::from))
    .bind(q.record_id.clone())
    .bind(q.subject_id.clone())
    .fetch_all(conn)
    .await
    .context("读取申请列表")?;
    rows.iter()
        .map(|r| crate::codec::data_from_row(r, "申请"))
        .collect()
}

pub(crate) async fn commitments(
    conn: &mut AnyConnection,
    subject_id: Option<&str>,
) -> Result<Vec<CommitmentState>, StoreError> {
    let rows = sqlx::query(
        "SELECT data FROM commitments WHERE ($1 IS NULL OR subject_id = $1) \
         ORDER BY signed_on DESC, id",
    )
    .bind(subject_id.map(str::to_string))
    .fetch_all(conn)
    .await
    .context("读取信用承诺")?;
    rows.iter()
        .map(|r| crate::codec::data_from_row(r, "信用承诺"))
        .collect()
}

pub(crate) async fn inbox(
    conn: &mut AnyConnection,
    unit: &str,
    limit: i64,
) -> Result<Vec<Notification>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, unit, created_on, kind, ref, message, read_at FROM notifications \
         WHERE unit = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(unit)
    .bind(limit)
    .fetch_all(conn)
    .await
    .context("读取站内消息")?;
    rows.iter()
        .map(|r| {
            let read: Option<String> = r.try_get(6).context("read_at")?;
            Ok(Notification {
                id: r.try_get(0).context("id")?,
                unit: r.try_get(1).context("unit")?,
                created_on: r.try_get(2).context("created_on")?,
                kind: r.try_get(3).context("kind")?,
                reference: r.try_get(4).context("ref")?,
                message: r.try_get(5).context("message")?,
                read: read.is_some(),
            })
        })
        .collect()
}

pub(crate) async fn outbox(
    conn: &mut AnyConnection,
    channel: Option<OutboxChannel>,
    pending_only: bool,
) -> Result<Vec<OutboxItem>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, channel, ref, payload, seq, created_on, delivered_at FROM outbox \
         WHERE ($1 IS NULL OR channel = $1) AND ($2 = 0 OR delivered_at IS NULL) ORDER BY seq, id",
    )
    .bind(channel.map(|c| c.as_str().to_string()))
    .bind(i64::from(pending_only))
    .fetch_all(conn)
    .await
    .context("读取待发送消息")?;
    rows.iter()
        .map(|r| {
            let payload: String = r.try_get(3).context("payload")?;
            Ok(OutboxItem {
                id: r.try_get(0).context("id")?,
                channel: {
                    let c: String = r.try_get(1).context("channel")?;
                    OutboxChannel::parse(&c)
                        .ok_or_else(|| StoreError::Corrupt(format!("outbox channel {c}")))?
                },
                reference: r.try_get(2).context("ref")?,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(format!("outbox: {e}")))?,
                seq: r.try_get(4).context("seq")?,
                created_on: r.try_get(5).context("created_on")?,
                delivered_at: r.try_get(6).context("delivered_at")?,
            })
        })
        .collect()
}
