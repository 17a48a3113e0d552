//! Filing an objection, and which records and entries are under one.

use super::{
    Draft, Filed, ObjectionRequest, append_with_files, applicant, bad, decode_evidence,
    filed_answer, filed_on, new_application, record_or_404,
};
use crate::{AppError, Ctx};
use chrono::Utc;
use serde_json::json;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::workflow::{Target, WorkflowKind};
use xyjt_store::{AppQuery, Store};

/// Files an objection against a record, one of its fields, or a list entry.
pub async fn file_objection(
    ctx: &Ctx<'_>,
    req: ObjectionRequest,
    actor: &str,
) -> Result<Filed, AppError> {
    let day = filed_on(ctx, req.filed_on)?;
    if req.reason.trim().is_empty() {
        return Err(bad("异议理由（reason）不能为空").with_detail(json!({"field": "reason"})));
    }
    if !(req.claimed.is_object() || req.claimed.is_null()) {
        return Err(
            bad("claimed 应为“字段: 主张的值”的对象").with_detail(json!({"field": "claimed"}))
        );
    }
    let mut claimed = if req.claimed.is_null() {
        json!({})
    } else {
        req.claimed.clone()
    };
    let (subject_id, unit, default_name, target) = match (&req.record_id, &req.entry_id) {
        (Some(rid), None) => {
            let r = record_or_404(ctx.store, rid).await?;
            // Fields may be named by internal key, national code or Chinese label; they are
            // kept by internal key, and the claimed values must fit the record.
            let category = r.body.category();
            let refused = |what: &str, name: &str, message: String| {
                bad(message).with_detail(json!({"field": what, "name": name}))
            };
            let field = req
                .field
                .as_deref()
                .map(|f| {
                    xyjt_core::workflow::field_key(category, f)
                        .map(str::to_string)
                        .map_err(|m| refused("field", f, m))
                })
                .transpose()?;
            let normalized = xyjt_core::workflow::normalize_fields(category, &claimed)
                .map_err(|m| bad(m).with_detail(json!({"field": "claimed"})))?;
            claimed = serde_json::Value::Object(normalized);
            if claimed.as_object().is_some_and(|o| !o.is_empty()) {
                xyjt_core::workflow::patch_body(&r.body, &claimed)
                    .map_err(|m| bad(m).with_detail(json!({"field": "claimed"})))?;
            }
            let unit = r.body.source_unit().0.to_string();
            (
                Some(r.subject_id.clone()),
                unit,
                r.body.party().name.clone(),
                Target {
                    record_id: Some(rid.clone()),
                    entry_id: None,
                    result_id: None,
                    integrity_id: None,
                    field: field.clone(),
                },
            )
        }
        (None, Some(eid)) => {
            let e = ctx
                .store
                .list_entry(eid)
                .await?
                .ok_or_else(|| AppError::not_found(format!("名单条目 {eid} 不存在")))?;
            (
                e.entry.subject_id.clone(),
                e.entry.deciding_unit.clone(),
                e.entry.name.clone(),
                Target {
                    record_id: None,
                    entry_id: Some(eid.clone()),
                    result_id: None,
                    integrity_id: None,
                    field: req.field.clone(),
                },
            )
        }
        (None, None) if req.result_id.is_some() => {
            let rid = req.result_id.clone().unwrap_or_default();
            let r = ctx
                .store
                .eval_result(&rid)
                .await?
                .filter(|r| r.status == xyjt_core::evaluation::ResultStatus::Published)
                .ok_or_else(|| AppError::not_found(format!("已发布的评价结果 {rid} 不存在")))?;
            let run = crate::evaluation::run_or_404(ctx.store, &r.result.run_id).await?;
            (
                Some(r.result.subject_id.clone()),
                run.run.unit.clone(),
                r.result.subject_name.clone(),
                Target {
                    record_id: None,
                    entry_id: None,
                    result_id: Some(rid),
                    integrity_id: None,
                    field: None,
                },
            )
        }
        _ => {
            return Err(bad("请给出 record_id、entry_id 或 result_id 之一")
                .with_detail(json!({"field": "record_id"})));
        }
    };
    let files = decode_evidence(&req.evidence)?;
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Objection,
            filed_on: day,
            subject_id,
            target,
            applicant: applicant(req.applicant, &default_name)?,
            reason: req.reason.trim().to_string(),
            claimed,
            evidence: files.iter().map(|(e, _)| e.clone()).collect(),
            declaration: None,
            unit,
            topic: None,
            channel: if req.filed_on.is_some() {
                "paper"
            } else {
                "online"
            }
            .into(),
        },
    );
    let answer = filed_answer(ctx, &app, code);
    let event = NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    );
    append_with_files(ctx.store, vec![event], &files).await?;
    Ok(answer)
}

/// What open objections are about (record and entry ids), of one subject or all: public views
/// mark them 异议处理中.
pub async fn objection_marks(
    store: &dyn Store,
    subject_id: Option<&str>,
) -> Result<std::collections::HashSet<String>, AppError> {
    let apps = store
        .applications(&AppQuery {
            kind: Some(WorkflowKind::Objection),
            open: Some(true),
            subject_id: subject_id.map(str::to_string),
            ..AppQuery::default()
        })
        .await?;
    Ok(apps
        .iter()
        .flat_map(|a| {
            a.app
                .target
                .record_id
                .iter()
                .chain(a.app.target.entry_id.iter())
                .cloned()
        })
        .collect())
}
