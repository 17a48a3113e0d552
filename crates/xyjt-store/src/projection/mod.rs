//! Projections: the tables computed from the ledger, updated for each event inside the
//! append transaction. Subjects, records, name-list entries and checks here; workflows and the
//! console in their own modules.

pub(crate) mod console;
pub(crate) mod disclosure;
pub(crate) mod evaluation;
pub(crate) mod exchange;
pub(crate) mod integrity;
pub(crate) mod workflows;

use crate::codec::*;
use crate::{Context, StoreError};
use sqlx::{AnyConnection, Row};
use xyjt_core::ident::Code;
use xyjt_core::ledger::{EventPayload, NewEvent, fold_record};
use xyjt_core::listing::{EntryState, fold_entry};
use xyjt_core::record::{NaturalKey, Record};
use xyjt_core::subject::Subject;
use xyjt_core::text::name_key;

pub(crate) async fn load_record(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Record>, StoreError> {
    let sql = format!("SELECT {RECORD_COLUMNS} FROM records WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("读取记录")?;
    row.as_ref().map(record_from_row).transpose()
}

/// Updates the projections for one sealed event, inside the append transaction.
pub(crate) async fn project(
    conn: &mut AnyConnection,
    event: &NewEvent,
    seq: i64,
) -> Result<(), StoreError> {
    match &event.payload {
        EventPayload::SubjectRegistered { subject } => {
            insert_subjects(
                conn,
                vec![subject_row(subject, seq)],
                vec![name_row(&subject.id, seq, &subject.name, None)],
            )
            .await
        }
        EventPayload::SubjectRenamed {
            subject_id,
            name,
            effective_on,
        } => {
            let row = sqlx::query("SELECT data FROM subjects WHERE id = $1")
                .bind(subject_id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取主体")?
                .ok_or_else(|| StoreError::Corrupt(format!("改名的主体 {subject_id} 不存在")))?;
            let mut subject = subject_from_row(&row)?;
            subject.name = name.clone();
            let data = serde_json::to_string(&subject).expect("subjects serialise");
            sqlx::query(
                "UPDATE subjects SET name = $1, name_key = $2, data = $3, last_seq = $4 WHERE id = $5",
            )
            .bind(name)
            .bind(name_key(name))
            .bind(data)
            .bind(seq)
            .bind(subject_id)
            .execute(&mut *conn)
            .await
            .context("更新主体名称")?;
            insert_name(conn, subject_id, seq, name, Some(effective_on.to_string())).await
        }
        EventPayload::RecordPublished { record_id, .. }
        | EventPayload::RecordCorrected { record_id, .. }
        | EventPayload::RecordRevoked { record_id, .. }
        | EventPayload::RecordExpired { record_id, .. }
        | EventPayload::RecordRepaired { record_id, .. } => {
            let before = load_record(conn, record_id).await?;
            let existed = before.is_some();
            let after = fold_record(before, &event.payload)?
                .expect("folding a record event yields a record");
            write_record(conn, &after, existed, seq).await
        }
        EventPayload::ListPolicyAdopted { policy } => {
            sqlx::query("INSERT INTO list_policies (version, data, seq) VALUES ($1, $2, $3)")
                .bind(i64::from(policy.version))
                .bind(serde_json::to_string(policy).expect("policies serialise"))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .map_err(|e| {
                    insert_error(
                        e,
                        "清单政策版本",
                        &policy.version.to_string(),
                        "写入清单政策",
                    )
                })?;
            Ok(())
        }
        EventPayload::ListEntryProposed { .. }
        | EventPayload::ListEntryReviewed { .. }
        | EventPayload::ListEntryPublished { .. }
        | EventPayload::ListEntryEnded { .. } => {
            let id = event.payload.aggregate_id().to_string();
            let before = load_entry(conn, &id).await?;
            let existed = before.is_some();
            let step = event.payload.entry_step().expect("a list-entry event");
            let after = fold_entry(before, &step).map_err(StoreError::Entry)?;
            write_entry(conn, &after, existed, seq).await
        }
        EventPayload::CheckAnswered { check } => {
            insert_rows(
                conn,
                CHECK_INSERT,
                vec![check_row(check, seq)],
                "核查记录",
                &check.id,
            )
            .await
        }
        EventPayload::CheckFeedback { check_id, .. } => {
            let done = sqlx::query("UPDATE checks SET feedback = $1 WHERE id = $2")
                .bind(serde_json::to_string(&event.payload).expect("events serialise"))
                .bind(check_id)
                .execute(&mut *conn)
                .await
                .context("写入核查反馈")?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("核查记录 {check_id}")));
            }
            Ok(())
        }
        // On record in the ledger only; nothing is shown from it yet.
        EventPayload::ScreeningAnswered { .. } => Ok(()),
        EventPayload::EvalModelAdopted { .. }
        | EventPayload::EvalRunProposed { .. }
        | EventPayload::EvalResultProposed { .. }
        | EventPayload::EvalRunReviewed { .. }
        | EventPayload::EvalRunPublished { .. }
        | EventPayload::EvalResultRevised { .. }
        | EventPayload::InspectorPoolSet { .. }
        | EventPayload::InspectionSeedCommitted { .. }
        | EventPayload::InspectionDrawn { .. }
        | EventPayload::InspectionRecorded { .. } => {
            crate::projection::evaluation::project(conn, event, seq).await
        }
        EventPayload::RegistrationProposed { .. }
        | EventPayload::RegistrationReviewed { .. }
        | EventPayload::IntegrityRecorded { .. }
        | EventPayload::ToleranceProposed { .. }
        | EventPayload::ToleranceReviewed { .. }
        | EventPayload::AssessmentScoreEntered { .. }
        | EventPayload::AssessmentPublished { .. }
        | EventPayload::GovCommitmentMade { .. }
        | EventPayload::GovCommitmentChecked { .. } => {
            crate::projection::integrity::project(conn, event, seq).await
        }
        EventPayload::DisclosureDrafted { .. }
        | EventPayload::DisclosureSignedOff { .. }
        | EventPayload::DisclosureCleaned { .. }
        | EventPayload::DisclosureCommented { .. }
        | EventPayload::DisclosureAdopted { .. }
        | EventPayload::DisclosureReportPublished { .. } => {
            crate::projection::disclosure::project(conn, event, seq).await
        }
        EventPayload::ExchangeReceived {
            origin,
            fact,
            prior,
        } => {
            crate::projection::exchange::record(conn, event, origin, fact.as_deref(), seq).await?;
            if let Some(fact) = fact {
                // The fact (after the facts it needs) is projected as if it had happened here,
                // dated by this ledger; what only the origin does (copying a published run to
                // its supervising and sharing units) is not done again.
                for payload in prior.iter().map(|p| &p.fact).chain([&**fact]) {
                    let inner = NewEvent {
                        id: event.id.clone(),
                        actor: event.actor.clone(),
                        recorded_at: event.recorded_at,
                        payload: payload.clone(),
                        subject_id: event.subject_id.clone(),
                    };
                    Box::pin(crate::projection::exchange::project_received(
                        conn, &inner, seq,
                    ))
                    .await?;
                }
            }
            Ok(())
        }
        EventPayload::ApplicationFiled { .. }
        | EventPayload::ApplicationStepped { .. }
        | EventPayload::CommitmentSigned { .. }
        | EventPayload::CommitmentChecked { .. } => {
            crate::projection::workflows::project(conn, event, seq).await
        }
        EventPayload::AccountCreated { .. }
        | EventPayload::PasswordChanged { .. }
        | EventPayload::SubmissionFiled { .. }
        | EventPayload::SubmissionReviewed { .. } => {
            crate::projection::console::project(conn, event, seq).await
        }
        EventPayload::FalsePositiveMarked {
            entry_id,
            query_key,
            ..
        } => {
            sqlx::query(
                "INSERT INTO false_positives (entry_id, query_key, data, seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (entry_id, query_key) DO NOTHING",
            )
            .bind(entry_id)
            .bind(query_key)
            .bind(serde_json::to_string(&event.payload).expect("events serialise"))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .context("写入误报标记")?;
            Ok(())
        }
        EventPayload::CaseOpened { case } => {
            let state = xyjt_core::cases::CaseState {
                case: case.clone(),
                reports: Vec::new(),
            };
            sqlx::query(
                "INSERT INTO joint_cases (id, initiator, entry_id, opened_on, due_on, data, last_seq) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&case.id)
            .bind(&case.initiating_unit)
            .bind(&case.entry_id)
            .bind(case.opened_on.to_string())
            .bind(case.due_on.to_string())
            .bind(serde_json::to_string(&state).expect("cases serialise"))
            .bind(seq)
            .execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, "联合惩戒案件", &case.id, "写入联合惩戒案件"))?;
            Ok(())
        }
        EventPayload::CaseReported { case_id, report } => {
            let row = sqlx::query("SELECT data FROM joint_cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(&mut *conn)
                .await
                .context("读取联合惩戒案件")?;
            let before = row
                .map(|r| -> Result<xyjt_core::cases::CaseState, StoreError> {
                    let data: String = r.try_get(0).context("案件 data")?;
                    serde_json::from_str(&data)
                        .map_err(|e| StoreError::Corrupt(format!("case: {e}")))
                })
                .transpose()?;
            let after = xyjt_core::cases::add_report(before, report).map_err(StoreError::Case)?;
            sqlx::query("UPDATE joint_cases SET data = $1, last_seq = $2 WHERE id = $3")
                .bind(serde_json::to_string(&after).expect("cases serialise"))
                .bind(seq)
                .bind(case_id)
                .execute(&mut *conn)
                .await
                .context("更新联合惩戒案件")?;
            Ok(())
        }
        EventPayload::ApiTokenIssued {
            token_id,
            name,
            token_hash,
            decision_points,
        } => {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, token_hash, seq, decision_points) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_id)
            .bind(name)
            .bind(token_hash)
            .bind(seq)
            .bind(
                (!decision_points.is_empty())
                    .then(|| serde_json::to_string(decision_points).expect("points serialise")),
            )
            .execute(&mut *conn)
            .await
            .map_err(|e| insert_error(e, "接口令牌", name, "写入接口令牌"))?;
            Ok(())
        }
        EventPayload::RowsRejected {
            batch_id,
            category,
            reported_on,
            rows,
        } => {
            for r in rows {
                sqlx::query(
                    "INSERT INTO intake_rejections (key, category, unit_code, unit_name, reported_on, \
                     batch_id, row_no, errors, seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (key) DO NOTHING",
                )
                .bind(&r.key)
                .bind(category.as_str())
                .bind(&r.unit_code)
                .bind(&r.unit_name)
                .bind(reported_on.to_string())
                .bind(batch_id)
                .bind(i64::try_from(r.row).unwrap_or(i64::MAX))
                .bind(r.errors.join("\n"))
                .bind(seq)
                .execute(&mut *conn)
                .await
                .context("写入退回行")?;
            }
            Ok(())
        }
    }
}

pub(crate) async fn load_entry(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<EntryState>, StoreError> {
    let row = sqlx::query("SELECT data FROM list_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
        .context("读取名单条目")?;
    row.map(|r| {
        let data: String = r.try_get(0).context("名单条目 data")?;
        serde_json::from_str(&data).map_err(|e| StoreError::Corrupt(format!("list entry: {e}")))
    })
    .transpose()
}

pub(crate) async fn write_entry(
    conn: &mut AnyConnection,
    e: &EntryState,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    let sql = if existed {
        "UPDATE list_entries SET list = $2, subject_id = $3, code = $4, name = $5, name_key = $6, \
         status = $7, entry_date = $8, valid_until = $9, data = $10, last_seq = $11 WHERE id = $1"
    } else {
        "INSERT INTO list_entries (id, list, subject_id, code, name, name_key, status, entry_date, \
         valid_until, data, last_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    };
    sqlx::query(sql)
        .bind(&e.entry.id)
        .bind(xyjt_core::check::list_key(&e.entry.list))
        .bind(&e.entry.subject_id)
        .bind(&e.entry.code)
        .bind(&e.entry.name)
        .bind(name_key(&e.entry.name))
        .bind(enum_str(&e.status))
        .bind(e.entry.entry_date.to_string())
        .bind(e.entry.valid_until.map(|d| d.to_string()))
        .bind(serde_json::to_string(e).expect("entries serialise"))
        .bind(seq)
        .execute(conn)
        .await
        .map_err(|err| insert_error(err, "名单条目", &e.entry.id, "写入名单条目"))?;
    Ok(())
}

/// The value `public_until` takes when a window has no end, so one index serves all queries.
pub(crate) const OPEN_END: &str = "9999-12-31";

pub(crate) const SUBJECT_INSERT: &str =
    "subjects (id, kind, name, name_key, uscc, org_code, reg_no, citizen_id, data, last_seq)";
pub(crate) const NAME_INSERT: &str =
    "subject_names (subject_id, seq, name, name_key, effective_on)";
pub(crate) const RECORD_INSERT: &str = "records (id, subject_id, category, doc_no, authority_code, \
     decision_date, status, version, body, last_seq, authority, source_unit_code, source_unit, \
     reported_on, late, public_from, public_until, publication)";
pub(crate) const EVENT_INSERT: &str = "ledger_events (seq, id, recorded_at, actor, kind, aggregate_id, \
     subject_id, payload, prev_hash, hash)";

pub(crate) const CHECK_INSERT: &str = "checks (id, asked_by, decision_point, decision, subject_id, \
     policy_version, checked_on, data, seq)";

pub(crate) fn check_row(check: &xyjt_core::ledger::CheckRecord, seq: i64) -> Vec<Arg> {
    vec![
        Arg::Text(check.id.clone()),
        Arg::Text(check.asked_by.clone()),
        Arg::Text(check.decision_point.label().to_string()),
        Arg::Text(enum_str(&check.decision)),
        Arg::OptText(check.subject_id.clone()),
        Arg::Int(i64::from(check.policy_version)),
        Arg::Text(check.checked_on.to_string()),
        Arg::Text(serde_json::to_string(check).expect("checks serialise")),
        Arg::Int(seq),
    ]
}

pub(crate) fn subject_row(subject: &Subject, seq: i64) -> Vec<Arg> {
    vec![
        Arg::Text(subject.id.clone()),
        Arg::Text(subject.kind.label().to_string()),
        Arg::Text(subject.name.clone()),
        Arg::Text(name_key(&subject.name)),
        Arg::OptText(subject.uscc.as_ref().map(|u| u.as_str().to_string())),
        Arg::OptText(subject.effective_org_code().map(|o| o.as_str().to_string())),
        Arg::OptText(subject.reg_no.as_ref().map(|r| r.as_str().to_string())),
        Arg::OptText(subject.citizen_id.as_ref().map(|c| c.as_str().to_string())),
        Arg::Text(serde_json::to_string(subject).expect("subjects serialise")),
        Arg::Int(seq),
    ]
}

pub(crate) fn name_row(
    subject_id: &str,
    seq: i64,
    name: &str,
    effective_on: Option<String>,
) -> Vec<Arg> {
    vec![
        Arg::Text(subject_id.to_string()),
        Arg::Int(seq),
        Arg::Text(name.to_string()),
        Arg::Text(name_key(name)),
        Arg::OptText(effective_on),
    ]
}

/// The `records` row of a record's folded state, in `RECORD_INSERT` column order.
pub(crate) fn record_row(r: &Record, seq: i64) -> Vec<Arg> {
    let key = r.body.natural_key();
    let (source_unit, source_unit_code) = r.body.source_unit();
    let p = r.publication.as_ref();
    let public_until = p.and_then(|p| {
        p.public_from.map(|_| {
            p.public_until
                .map_or_else(|| OPEN_END.to_string(), |d| d.to_string())
        })
    });
    vec![
        Arg::Text(r.id.clone()),
        Arg::Text(r.subject_id.clone()),
        Arg::Text(key.category.as_str().to_string()),
        Arg::Text(key.doc_no.clone()),
        Arg::Text(key.authority_code.as_str().to_string()),
        Arg::Text(r.body.decision_date().to_string()),
        Arg::Text(status_str(r.status)),
        Arg::Int(i64::from(r.version)),
        Arg::Text(serde_json::to_string(&r.body).expect("record bodies serialise")),
        Arg::Int(seq),
        Arg::Text(r.body.authority().to_string()),
        Arg::Text(source_unit_code.as_str().to_string()),
        Arg::Text(source_unit.to_string()),
        Arg::OptText(p.map(|p| p.reported_on.to_string())),
        Arg::Int(i64::from(p.is_some_and(|p| p.late))),
        Arg::OptText(p.and_then(|p| p.public_from).map(|d| d.to_string())),
        Arg::OptText(public_until),
        Arg::OptText(p.map(|p| serde_json::to_string(p).expect("publications serialise"))),
    ]
}

pub(crate) async fn insert_subjects(
    conn: &mut AnyConnection,
    subjects: Vec<Vec<Arg>>,
    names: Vec<Vec<Arg>>,
) -> Result<(), StoreError> {
    let key = single_key(&subjects, &[4, 7, 2]);
    insert_rows(conn, SUBJECT_INSERT, subjects, "主体", &key).await?;
    insert_rows(conn, NAME_INSERT, names, "名称历史", "").await
}

/// For a one-row batch, the first non-empty of the given columns: names the conflicting key.
pub(crate) fn single_key(rows: &[Vec<Arg>], columns: &[usize]) -> String {
    match rows {
        [row] => columns
            .iter()
            .find_map(|c| match &row[*c] {
                Arg::Text(t) => Some(t.clone()),
                Arg::OptText(Some(t)) => Some(t.clone()),
                _ => None,
            })
            .unwrap_or_default(),
        _ => "（批量写入中的一条）".to_string(),
    }
}

pub(crate) async fn insert_records(
    conn: &mut AnyConnection,
    rows: Vec<Vec<Arg>>,
) -> Result<(), StoreError> {
    let key = match rows.as_slice() {
        [row] => match (&row[3], &row[4]) {
            (Arg::Text(doc), Arg::Text(code)) => format!("{doc}（{code}）"),
            _ => String::new(),
        },
        _ => "（批量写入中的一条）".to_string(),
    };
    insert_rows(conn, RECORD_INSERT, rows, "同一机关的同一文书号", &key).await
}

/// Writes a record's folded state into the `records` projection.
pub(crate) async fn write_record(
    conn: &mut AnyConnection,
    r: &Record,
    existed: bool,
    seq: i64,
) -> Result<(), StoreError> {
    if !existed {
        return insert_records(conn, vec![record_row(r, seq)]).await;
    }
    let mut q = sqlx::query(
        "UPDATE records SET subject_id = $2, category = $3, doc_no = $4, authority_code = $5, \
         decision_date = $6, status = $7, version = $8, body = $9, last_seq = $10, authority = $11, \
         source_unit_code = $12, source_unit = $13, reported_on = $14, late = $15, \
         public_from = $16, public_until = $17, publication = $18 WHERE id = $1",
    );
    for a in record_row(r, seq) {
        q = a.bind(q);
    }
    q.execute(conn).await.context("更新记录")?;
    Ok(())
}

/// One bound value of a bulk statement.
pub(crate) async fn insert_name(
    conn: &mut AnyConnection,
    subject_id: &str,
    seq: i64,
    name: &str,
    effective_on: Option<String>,
) -> Result<(), StoreError> {
    insert_rows(
        conn,
        NAME_INSERT,
        vec![name_row(subject_id, seq, name, effective_on)],
        "名称历史",
        "",
    )
    .await
}

/// A write transaction over one pooled connection; see `StoreTx`.
pub(crate) fn code_column(code: &Code) -> &'static str {
    match code {
        Code::Uscc(_) => "uscc",
        Code::OrgCode(_) => "org_code",
        Code::RegNo(_) => "reg_no",
        Code::CitizenId(_) => "citizen_id",
    }
}

pub(crate) async fn subject_by_code(
    conn: &mut AnyConnection,
    code: &Code,
) -> Result<Option<Subject>, StoreError> {
    let column = code_column(code);
    let sql = format!("SELECT data FROM subjects WHERE {column} = $1 ORDER BY id LIMIT 1");
    let row = sqlx::query(&sql)
        .bind(code.as_str())
        .fetch_optional(conn)
        .await
        .context("按代码查找主体")?;
    row.as_ref().map(subject_from_row).transpose()
}

pub(crate) async fn record_by_key(
    conn: &mut AnyConnection,
    key: &NaturalKey,
) -> Result<Option<Record>, StoreError> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE category = $1 AND doc_no = $2 AND authority_code = $3"
    );
    let row = sqlx::query(&sql)
        .bind(key.category.as_str())
        .bind(&key.doc_no)
        .bind(key.authority_code.as_str())
        .fetch_optional(conn)
        .await
        .context("按文书号查找记录")?;
    row.as_ref().map(record_from_row).transpose()
}
