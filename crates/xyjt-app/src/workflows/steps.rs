//! Steps on an application (assign, suspend, decide …), the public and staff views with
//! every clock explained, and on-time rates.

use super::{bad, record_or_404};
use crate::{AppError, Ctx};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use xyjt_core::calendar::Calendar;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::listing::EntryState;
use xyjt_core::mask::{mask_person_name, mask_phone};
use xyjt_core::repair::effects_of_grant;
use xyjt_core::workflow::{
    AppState as Workflow, Decision, Step, WorkflowKind, apply, check_policy,
};

/// A staff action on an application.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StepRequest {
    /// `assign` | `suspend` | `resume` | `extend` | `forward` | `decide` | `withdraw` | `sync` |
    /// `submit` (rectification: `clock` = `explanation` or `report`, `reason` = what was handed in) |
    /// `request-correction` | `corrected` | `consult` | `consult-reply` (依申请公开)
    pub action: String,
    /// The day it happened; default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    /// Why (suspend, extend, withdraw) or the written answer (decide; `reasons` also accepted).
    #[serde(default, alias = "reasons")]
    pub reason: String,
    /// assign / forward: the unit; sync: where the result went.
    #[serde(default)]
    pub unit: Option<String>,
    /// extend: which clock (default the current one) and how many working days.
    #[serde(default)]
    pub clock: Option<String>,
    #[serde(default)]
    pub workdays: Option<u32>,
    /// decide: upheld / approved (`true`) or dismissed / refused (`false`).
    #[serde(default)]
    pub granted: Option<bool>,
    /// decide (objection): revoke the record instead of correcting it.
    #[serde(default)]
    pub revoke: bool,
    /// decide (objection): the corrected values, by field (national code, Chinese label or
    /// body name); default what the applicant claimed.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub corrected: Option<Value>,
    /// decide (依申请公开): the result, as a result row of the annual report table names it
    /// (予以公开, 部分公开, 属于国家秘密, 本机关不掌握相关政府信息, 重复申请 …).
    #[serde(default)]
    pub outcome: Option<String>,
}

fn step_from(req: &StepRequest, wf: &Workflow, policy: &DeadlinePolicy) -> Result<Step, AppError> {
    let need_reason = |what: &str| {
        if req.reason.trim().is_empty() {
            Err(bad(format!("{what}必须写明理由（reason）"))
                .with_detail(json!({"field": "reason"})))
        } else {
            Ok(req.reason.trim().to_string())
        }
    };
    let unit = |what: &str| {
        req.unit
            .clone()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| {
                bad(format!("{what}需要指定单位（unit）")).with_detail(json!({"field": "unit"}))
            })
    };
    Ok(match req.action.as_str() {
        "assign" => Step::Assigned {
            unit: unit("改派")?,
        },
        "suspend" => Step::Suspended {
            reason: need_reason("中止")?,
        },
        "resume" => Step::Resumed,
        "extend" => Step::Extended {
            clock: req
                .clock
                .clone()
                .or_else(|| wf.current_clock().map(|c| c.key.clone()))
                .unwrap_or_default(),
            // 依申请公开: the statutory extension's length unless another is given (refused).
            workdays: match (req.workdays, wf.app.kind) {
                (None, WorkflowKind::Disclosure) => policy.disclosure_extension,
                (w, _) => w.filter(|d| *d > 0).ok_or_else(|| {
                    bad("延期需要给出工作日数（workdays > 0）")
                        .with_detail(json!({"field": "workdays"}))
                })?,
            },
            reason: need_reason("延期")?,
        },
        "request-correction" => Step::CorrectionRequested {
            reason: need_reason("要求补正")?,
        },
        "corrected" => Step::Corrected,
        "consult" => Step::Consulted {
            party: unit("征求意见")?,
            max_workdays: policy.disclosure_consult_max,
        },
        "consult-reply" => Step::ConsultReplied,
        "forward" => Step::forwarded(&unit("转认定单位")?, policy),
        "decide" if wf.app.kind == WorkflowKind::Disclosure => {
            let outcome = req
                .outcome
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .ok_or_else(|| {
                    bad("答复需要给出办理结果（outcome），如 予以公开、部分公开、属于国家秘密")
                        .with_detail(json!({"field": "outcome"}))
                })?;
            let row = xyjt_core::disclosure::annual::result_row(outcome).ok_or_else(|| {
                bad(format!(
                    "办理结果“{outcome}”不是年度报告表格第三部分的一项（如 予以公开、部分公开、属于国家秘密、本机关不掌握相关政府信息、重复申请）"
                ))
                .with_detail(json!({"field": "outcome"}))
            })?;
            let outcome = xyjt_core::disclosure::annual::RESULT_ROWS[row].outcome;
            Step::decided(
                wf.app.kind,
                Decision {
                    granted: matches!(outcome, "予以公开" | "部分公开"),
                    reasons: need_reason("答复")?,
                    revoke: false,
                    corrected: None,
                    outcome: Some(outcome.to_string()),
                },
                policy,
            )
        }
        "decide" => {
            let granted = req.granted.ok_or_else(|| {
                bad("决定需要给出 granted（true 支持 / false 不支持）")
                    .with_detail(json!({"field": "granted"}))
            })?;
            Step::decided(
                wf.app.kind,
                Decision {
                    granted,
                    reasons: need_reason("书面答复")?,
                    revoke: req.revoke,
                    corrected: req.corrected.clone(),
                    outcome: None,
                },
                policy,
            )
        }
        "withdraw" => Step::Withdrawn {
            reason: need_reason("撤回")?,
        },
        "sync" => Step::Synced {
            target: req
                .unit
                .clone()
                .unwrap_or_else(|| "省级信用信息共享平台".into()),
        },
        "submit" => Step::Submitted {
            clock: req
                .clock
                .clone()
                .or_else(|| {
                    wf.clocks
                        .iter()
                        .find(|c| c.done_on.is_none())
                        .map(|c| c.key.clone())
                })
                .unwrap_or_default(),
            document: need_reason("提交材料")?,
        },
        other => {
            return Err(bad(format!(
                "未知操作“{other}”：应为 assign、suspend、resume、extend、forward、decide、withdraw、sync、submit、request-correction、corrected、consult、consult-reply"
            ))
            .with_detail(json!({"field": "action"})));
        }
    })
}

/// Takes one step on an application; a granted decision writes its consequences with it.
pub async fn take_step(
    ctx: &Ctx<'_>,
    number: &str,
    req: &StepRequest,
    actor: &str,
) -> Result<Workflow, AppError> {
    let wf = ctx
        .store
        .application(number)
        .await?
        .ok_or_else(|| AppError::not_found(format!("申请 {number} 不存在")))?;
    let on = req.on.unwrap_or(ctx.today);
    if on > ctx.today {
        return Err(
            bad(format!("日期 {on} 晚于今天 {}", ctx.today)).with_detail(json!({"field": "on"}))
        );
    }
    let mut step = step_from(req, &wf, ctx.policy)?;
    // Corrected values may name fields by national code or Chinese label: kept by internal key.
    if let Step::Decided { decision, .. } = &mut step
        && let (Some(corrected), Some(id)) = (&decision.corrected, &wf.app.target.record_id)
    {
        let category = record_or_404(ctx.store, id).await?.body.category();
        let normalized =
            xyjt_core::workflow::normalize_fields(category, corrected).map_err(|m| {
                bad(format!("更正内容：{m}")).with_detail(json!({"field": "corrected"}))
            })?;
        decision.corrected = Some(serde_json::Value::Object(normalized));
    }
    check_policy(&wf, &step, ctx.policy).map_err(|e| bad(e.to_string()))?;
    xyjt_core::workflow::check_calendar(&wf, &step, on, ctx.calendar, ctx.policy)
        .map_err(|e| bad(e.to_string()))?;
    // The projection applies the same rule; refused here, with the reason, before writing.
    let after = apply(wf, &step, on, actor).map_err(|e| bad(e.to_string()))?;
    let mut events = vec![NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationStepped {
            number: number.to_string(),
            step: step.clone(),
            on,
            by: actor.to_string(),
        },
    )];
    if let Step::Decided { decision, .. } = &step
        && decision.granted
    {
        let record = match &after.app.target.record_id {
            Some(id) => Some(record_or_404(ctx.store, id).await?),
            None => None,
        };
        let entries: Vec<EntryState> = match (&record, &after.app.target.entry_id) {
            (Some(r), _) => ctx
                .store
                .list_entries(None)
                .await?
                .into_iter()
                .filter(|e| e.entry.subject_id.as_deref() == Some(r.subject_id.as_str()))
                .collect(),
            (None, Some(eid)) => ctx.store.list_entry(eid).await?.into_iter().collect(),
            (None, None) => vec![],
        };
        let effects = effects_of_grant(&after, record.as_ref(), &entries, on)
            .map_err(|e| bad(format!("无法执行决定：{e}")))?;
        for payload in effects {
            let mut e = NewEvent::new(actor, Utc::now(), payload);
            if let Some(s) = &after.app.subject_id {
                e = e.with_subject(s.clone());
            }
            events.push(e);
        }
        // An upheld objection to an evaluation result re-scores it from the ledger as it is now
        // and publishes the new result in its place.
        if let Some(result_id) = &after.app.target.result_id
            && after.app.kind == xyjt_core::workflow::WorkflowKind::Objection
        {
            let (payload, _) = crate::evaluation::rescore_payload(
                &Ctx { today: on, ..*ctx },
                result_id,
                &format!("异议申请 {number} 成立，重新评价"),
                Some(number),
            )
            .await?;
            events.push(NewEvent::new(actor, Utc::now(), payload));
        }
    }
    ctx.store.append(events).await?;
    Ok(after)
}

/// One clock as views show it: the rule, the due date and how it was reached, the status.
pub fn clock_json(
    c: &xyjt_core::workflow::Clock,
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Value {
    let due = c.due(cal, today);
    let status = c.status(cal, today, near_due);
    json!({
        "key": c.key,
        "label": c.label,
        "unit": c.unit,
        "rule": c.rule,
        "start": c.start,
        "workdays": c.workdays,
        "extensions": c.extensions,
        "suspensions": c.suspensions,
        "due_on": due.due_on,
        "due_provisional": due.provisional,
        "due_explanation": due.explanation,
        "skipped": due.skipped,
        "make_up_workdays": due.make_up_workdays,
        "done_on": c.done_on,
        "status": status,
        "status_label": status.label(),
    })
}

/// The current deadline of an application: its first open clock, else its last.
fn current_due(
    wf: &Workflow,
    cal: &Calendar,
    today: NaiveDate,
) -> Option<xyjt_core::workflow::Due> {
    wf.current_clock().map(|c| c.due(cal, today))
}

/// The applicant's view (by number and query code): no staff names, no contact details.
pub fn public_view(wf: &Workflow, cal: &Calendar, today: NaiveDate, near_due: u32) -> Value {
    let due = current_due(wf, cal, today);
    let history: Vec<Value> = wf
        .history
        .iter()
        .map(|h| json!({"on": h.on, "action": h.action, "note": h.note}))
        .collect();
    json!({
        "number": wf.app.number,
        "kind": wf.app.kind,
        "kind_label": wf.app.kind.label(),
        "status": wf.status,
        "status_label": wf.status.label(),
        "filed_on": wf.app.filed_on,
        "unit": wf.unit,
        "due_on": due.as_ref().map(|d| d.due_on),
        "due_provisional": due.as_ref().is_some_and(|d| d.provisional),
        "due_explanation": due.as_ref().map(|d| d.explanation.clone()),
        "clocks": wf.clocks.iter().map(|c| clock_json(c, cal, today, near_due)).collect::<Vec<_>>(),
        "decision": wf.decision.as_ref().map(|d| json!({"granted": d.granted, "reasons": d.reasons, "decided_on": wf.decided_on, "outcome": d.outcome})),
        "history": history,
    })
}

/// The handling unit's view: everything, the applicant's contact masked all the same (it is
/// needed only by the delivery adapters, which read the outbox).
pub fn staff_view(wf: &Workflow, cal: &Calendar, today: NaiveDate, near_due: u32) -> Value {
    let mut v = public_view(wf, cal, today, near_due);
    let mut applicant = wf.app.applicant.clone();
    applicant.contact = applicant.contact.as_deref().map(mask_phone);
    if applicant.role == "public" {
        applicant.name = mask_person_name(&applicant.name);
    }
    let o = v.as_object_mut().expect("an object");
    o.insert("history".into(), json!(wf.history));
    o.insert("target".into(), json!(wf.app.target));
    o.insert("subject_id".into(), json!(wf.app.subject_id));
    o.insert("reason".into(), json!(wf.app.reason));
    o.insert("claimed".into(), wf.app.claimed.clone());
    o.insert("evidence".into(), json!(wf.app.evidence));
    o.insert("declaration".into(), json!(wf.app.declaration));
    o.insert("applicant".into(), json!(applicant));
    o.insert("channel".into(), json!(wf.app.channel));
    o.insert("policy_version".into(), json!(wf.app.policy_version));
    o.insert("overdue".into(), json!(wf.is_overdue(cal, today, near_due)));
    o.insert("decision".into(), json!(wf.decision));
    v
}

// ---------------------------------------------------------------------------------------------
// Statistics: on-time rates per unit (跟踪问效 of the workflows).

/// Clocks of one unit and workflow kind: how many closed on time, late, and are open or overdue.
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
pub struct WorkflowStatsRow {
    pub unit: String,
    /// `objection` | `repair`
    pub kind: String,
    pub clocks: u64,
    pub done_on_time: u64,
    pub done_late: u64,
    pub open: u64,
    pub overdue: u64,
    /// done_on_time / (done_on_time + done_late + overdue); `None` with nothing due yet.
    pub on_time_rate: Option<f64>,
}

/// Per unit and kind, over every clock of every application (`core::stats::on_time_rates`).
pub fn workflow_stats(
    apps: &[Workflow],
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Vec<WorkflowStatsRow> {
    xyjt_core::stats::on_time_rates(apps, cal, today, near_due)
        .into_iter()
        .map(|t| WorkflowStatsRow {
            unit: t.unit,
            kind: t.kind,
            clocks: t.clocks,
            done_on_time: t.done_on_time,
            done_late: t.done_late,
            open: t.open,
            overdue: t.overdue,
            on_time_rate: t.on_time_rate,
        })
        .collect()
}
