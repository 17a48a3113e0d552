//! Government integrity on the workflow engine: the rectification case (限期整改) a department's
//! new dishonesty record opens, complaints about departments (政务失信投诉, 毁约投诉, 诉求), and
//! the 通报 drafted for rectifications past due.

use super::{
    ApplicantInput, Draft, EvidenceUpload, Filed, append_with_files, applicant, bad,
    decode_evidence, filed_answer, filed_on, new_application,
};
use crate::{AppError, Ctx};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use xyjt_core::integrity::{ArchiveKind, IntegrityRecord, Nature};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::subject::Subject;
use xyjt_core::workflow::{AppState as Workflow, ClockStatus, Step, Target, WorkflowKind};
use xyjt_store::AppQuery;

/// The unit that handles a department's cases (by name, as applications name units): the unit
/// of the organisation tree with the department's name, else the tree's root (the platform's own
/// credit office routes it on).
pub fn department_unit(ctx: &Ctx<'_>, department: &str) -> String {
    let units = &ctx.policies.org.units;
    units
        .iter()
        .find(|u| u.name == department)
        .or_else(|| units.iter().find(|u| u.parent.is_none()))
        .map(|u| u.name.clone())
        .unwrap_or_else(|| department.to_string())
}

/// The rectification case a new record opens, when it is a department's dishonesty record: the
/// written explanation and the rectification report are due from today (the day the platform
/// learns of it, whatever the decision's date).
pub fn rectification_for(ctx: &Ctx<'_>, record: &IntegrityRecord, by: &str) -> Option<NewEvent> {
    if record.archive != ArchiveKind::Department || record.nature != Nature::Dishonest {
        return None;
    }
    let category = ctx
        .policies
        .integrity
        .category(&record.category)
        .map(|c| c.label.clone())
        .unwrap_or_else(|| record.category.clone());
    let (app, _code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Rectification,
            filed_on: ctx.today,
            subject_id: Some(record.subject_id.clone()),
            target: Target {
                integrity_id: Some(record.id.clone()),
                ..Target::default()
            },
            applicant: xyjt_core::workflow::Applicant {
                name: record.name.clone(),
                role: "subject".into(),
                contact: None,
                applicant_type: None,
            },
            reason: format!(
                "政务失信记录：{category}（{} {}）：{}",
                record.deciding_unit, record.doc_no, record.facts
            ),
            claimed: json!({}),
            evidence: vec![],
            declaration: None,
            unit: department_unit(ctx, &record.name),
            channel: "platform".into(),
            topic: Some(category),
        },
    );
    Some(
        NewEvent::new(
            by,
            Utc::now(),
            EventPayload::ApplicationFiled { application: app },
        )
        .with_subject(record.subject_id.clone()),
    )
}

/// The open rectification case of a record, if any.
pub async fn open_rectification(
    ctx: &Ctx<'_>,
    subject_id: &str,
    record_id: &str,
) -> Result<Option<Workflow>, AppError> {
    Ok(ctx
        .store
        .applications(&AppQuery {
            kind: Some(WorkflowKind::Rectification),
            open: Some(true),
            subject_id: Some(subject_id.to_string()),
            ..AppQuery::default()
        })
        .await?
        .into_iter()
        .find(|a| a.app.target.integrity_id.as_deref() == Some(record_id)))
}

/// The step closing a record's open rectification case when a 容错 finding keeps the record out
/// of the dishonesty record.
pub async fn withdraw_rectification(
    ctx: &Ctx<'_>,
    subject_id: &str,
    record_id: &str,
    by: &str,
) -> Result<Option<NewEvent>, AppError> {
    let Some(wf) = open_rectification(ctx, subject_id, record_id).await? else {
        return Ok(None);
    };
    let step = Step::Withdrawn {
        reason: "经容错认定，该记录不计入政务失信，整改案件撤销".into(),
    };
    xyjt_core::workflow::apply(wf.clone(), &step, ctx.today, by).map_err(|e| bad(e.to_string()))?;
    Ok(Some(NewEvent::new(
        by,
        Utc::now(),
        EventPayload::ApplicationStepped {
            number: wf.app.number,
            step,
            on: ctx.today,
            by: by.to_string(),
        },
    )))
}

/// A complaint about a department (政务失信投诉): online by anyone, or entered from paper.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ComplaintRequest {
    /// One of the policy's complaint types (毁约投诉, 政务失信投诉, 12328诉求).
    #[serde(rename = "type")]
    pub complaint_type: String,
    /// The department complained about: its 统一社会信用代码.
    pub department: String,
    /// What happened and what is asked.
    pub content: String,
    /// The complainant (name and contact; never shown publicly).
    pub complainant: ApplicantInput,
    #[serde(default)]
    pub evidence: Vec<EvidenceUpload>,
    /// The day a paper complaint was received (staff only); default today.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<NaiveDate>,
}

/// A registered department (approved registration), by USCC.
pub async fn registered_department(ctx: &Ctx<'_>, code: &str) -> Result<Subject, AppError> {
    let not_found = || {
        AppError::not_found(format!(
            "没有统一社会信用代码为 {} 的已登记部门",
            code.trim()
        ))
        .with_detail(json!({"field": "department"}))
    };
    let parsed = xyjt_core::ident::check(code.trim()).result.map_err(|e| {
        bad(format!("部门的统一社会信用代码无效：{e}")).with_detail(json!({"field": "department"}))
    })?;
    let subject = ctx
        .store
        .subject_by_code(&parsed)
        .await?
        .ok_or_else(not_found)?;
    match ctx.store.gov_subject(&subject.id).await? {
        Some((ArchiveKind::Department, _, _)) => Ok(subject),
        _ => Err(not_found()),
    }
}

/// Files a complaint: routed to the department's unit, the reply due in working days (policy).
pub async fn file_complaint(
    ctx: &Ctx<'_>,
    req: ComplaintRequest,
    actor: &str,
) -> Result<Filed, AppError> {
    let day = filed_on(ctx, req.received_on)?;
    let types = &ctx.policies.integrity.complaint_types;
    let complaint_type = req.complaint_type.trim();
    if !types.iter().any(|t| t == complaint_type) {
        return Err(bad(format!(
            "投诉类型应为 {} 之一，收到“{complaint_type}”",
            types.join("、")
        ))
        .with_detail(json!({"field": "type"})));
    }
    let content = req.content.trim();
    if content.is_empty() {
        return Err(bad("投诉内容（content）不能为空").with_detail(json!({"field": "content"})));
    }
    let department = registered_department(ctx, &req.department).await?;
    let mut complainant = applicant(Some(req.complainant), "")?;
    complainant.role = "public".into();
    let files = decode_evidence(&req.evidence)?;
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Complaint,
            filed_on: day,
            subject_id: Some(department.id.clone()),
            target: Target::default(),
            applicant: complainant,
            reason: content.to_string(),
            claimed: json!({}),
            evidence: files.iter().map(|(e, _)| e.clone()).collect(),
            declaration: None,
            unit: department_unit(ctx, &department.name),
            channel: if req.received_on.is_some() {
                "paper"
            } else {
                "online"
            }
            .into(),
            topic: Some(complaint_type.to_string()),
        },
    );
    let answer = filed_answer(ctx, &app, code);
    let event = NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    )
    .with_subject(department.id);
    append_with_files(ctx.store, vec![event], &files).await?;
    Ok(answer)
}

/// A department's cases as the public sees them: rectifications with their deadlines, and
/// complaints answered (type, dates, status and the reply — never the complainant or the
/// complaint's text).
pub fn public_case_json(wf: &Workflow, ctx: &Ctx<'_>) -> Value {
    let near = ctx.policy.near_due;
    let clocks: Vec<Value> = wf
        .clocks
        .iter()
        .map(|c| {
            let due = c.due(ctx.calendar, ctx.today);
            let status = c.status(ctx.calendar, ctx.today, near);
            json!({
                "label": c.label,
                "due_on": due.due_on,
                "done_on": c.done_on,
                "status": status,
                "status_label": status.label(),
            })
        })
        .collect();
    json!({
        "number": wf.app.number,
        "kind": wf.app.kind,
        "kind_label": wf.app.kind.label(),
        "topic": wf.app.topic,
        "filed_on": wf.app.filed_on,
        "status": wf.status,
        "status_label": wf.status.label(),
        "overdue": wf.is_overdue(ctx.calendar, ctx.today, near),
        "clocks": clocks,
        "reply": wf.decision.as_ref().map(|d| d.reasons.clone()),
        "decided_on": wf.decided_on,
    })
}

/// One overdue rectification in a 通报.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct OverdueCase {
    pub number: String,
    pub department: String,
    pub unit: String,
    /// What is overdue (提交书面说明, 提交整改报告) and since when.
    pub overdue: Vec<String>,
    pub reason: String,
}

/// The draft 通报 on rectifications past due (seed 000: 予以公开通报批评), for the office to
/// edit and issue; empty `cases` when nothing is overdue.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct RectificationBulletin {
    #[schema(value_type = String, format = Date)]
    pub on: NaiveDate,
    pub title: String,
    pub cases: Vec<OverdueCase>,
    /// The draft text, in Chinese.
    pub text: String,
}

/// Every open rectification with a clock past due, as a draft 通报.
pub async fn rectification_bulletin(ctx: &Ctx<'_>) -> Result<RectificationBulletin, AppError> {
    let apps = ctx
        .store
        .applications(&AppQuery {
            kind: Some(WorkflowKind::Rectification),
            open: Some(true),
            ..AppQuery::default()
        })
        .await?;
    let near = ctx.policy.near_due;
    let mut cases: Vec<OverdueCase> = apps
        .iter()
        .filter_map(|wf| {
            let overdue: Vec<String> = wf
                .clocks
                .iter()
                .filter(|c| c.status(ctx.calendar, ctx.today, near) == ClockStatus::Overdue)
                .map(|c| {
                    format!(
                        "{}（期限 {}）",
                        c.label,
                        c.due(ctx.calendar, ctx.today).due_on
                    )
                })
                .collect();
            (!overdue.is_empty()).then(|| OverdueCase {
                number: wf.app.number.clone(),
                department: wf.app.applicant.name.clone(),
                unit: wf.unit.clone(),
                overdue,
                reason: wf.app.reason.clone(),
            })
        })
        .collect();
    cases.sort_by(|a, b| {
        a.department
            .cmp(&b.department)
            .then(a.number.cmp(&b.number))
    });
    let title = format!("关于政务失信限期整改逾期情况的通报（草稿，{}）", ctx.today);
    let mut text = format!("{title}\n\n");
    if cases.is_empty() {
        text.push_str("截至通报日，没有逾期未整改的政务失信记录。\n");
    } else {
        text.push_str(&format!(
            "根据《国务院关于加强政务诚信建设的指导意见》（国发〔2016〕76号）关于“对具体失信情况书面说明原因并限期加以整改”“予以公开通报批评”的要求，截至 {}，以下 {} 个部门未按期完成政务失信整改：\n",
            ctx.today,
            cases.len()
        ));
        for (i, c) in cases.iter().enumerate() {
            text.push_str(&format!(
                "{}. {}（案件 {}）：{}逾期未提交。{}\n",
                i + 1,
                c.department,
                c.number,
                c.overdue.join("、"),
                c.reason
            ));
        }
        text.push_str(
            "请上述部门立即整改并报送整改情况；存在未解决政务失信记录的部门，依规取消其参加各类荣誉评选资格。\n",
        );
    }
    Ok(RectificationBulletin {
        on: ctx.today,
        title,
        cases,
        text,
    })
}
