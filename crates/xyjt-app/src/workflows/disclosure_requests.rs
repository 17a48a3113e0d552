//! 依申请公开 (requests for government information) on the workflow engine: filing (online, or
//! entered later from paper by staff), the written answer (告知书) for the result with its legal
//! basis, the remedies and the processing fee, and the facts the annual report counts.
//! The steps (request-correction, corrected, consult, consult-reply, extend, decide with an
//! outcome) are `take_step`'s; their calendar rules are `xyjt_core::workflow::check_calendar`.

use super::{Draft, Filed, append_with_files, bad, filed_answer, filed_on, new_application};
use crate::{AppError, Ctx};
use chrono::{Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xyjt_core::disclosure::annual::{ApplicantType, RESULT_ROWS, RequestFact, result_row};
use xyjt_core::disclosure::requests::{Fee, fee_by_count};
use xyjt_core::ledger::{EventPayload, NewEvent};
use xyjt_core::workflow::{AppState as Workflow, AppStatus, Applicant, Target, WorkflowKind};
use xyjt_store::AppQuery;

/// Who asks.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DisclosureApplicant {
    /// 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他
    #[serde(rename = "type")]
    pub applicant_type: String,
    pub name: String,
    /// Phone, e-mail or address for the answer (never shown publicly).
    #[serde(default)]
    pub contact: Option<String>,
}

/// A request for government information (政府信息公开申请).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DisclosureRequestInput {
    pub applicant: DisclosureApplicant,
    /// The information asked for (名称、文号或者便于行政机关查询的其他特征性描述).
    pub content: String,
    /// 当面 | 邮寄 | 网络 | 传真
    pub channel: String,
    /// The day it was received; default today. Another day only for staff entering a paper
    /// application (a bearer token).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub received_on: Option<NaiveDate>,
    /// The agency asked (a unit id of the organisation tree); default the top unit.
    #[serde(default)]
    pub agency: Option<String>,
}

/// Files a request; `staff` may give an earlier receipt day (a paper application).
pub async fn file_disclosure_request(
    ctx: &Ctx<'_>,
    req: DisclosureRequestInput,
    actor: &str,
    staff: bool,
) -> Result<Filed, AppError> {
    if let Some(day) = req.received_on
        && day != ctx.today
        && !staff
    {
        return Err(AppError::forbidden(format!(
            "收到日期 {day} 不是今天：纸质申请由工作人员录入（需接口令牌）"
        ))
        .with_detail(json!({"field": "received_on"})));
    }
    let day = filed_on(ctx, req.received_on)?;
    let field = |f: &str, m: String| bad(m).with_detail(json!({"field": f}));
    let kind = ApplicantType::from_label(&req.applicant.applicant_type).ok_or_else(|| {
        field(
            "applicant.type",
            format!(
                "申请人类型应为 自然人、商业企业、科研机构、社会公益组织、法律服务机构 或 其他，收到“{}”",
                req.applicant.applicant_type.trim()
            ),
        )
    })?;
    let name = req.applicant.name.trim();
    if name.is_empty() {
        return Err(field("applicant.name", "申请人姓名或名称不能为空".into()));
    }
    let content = req.content.trim();
    if content.is_empty() {
        return Err(field(
            "content",
            "申请公开的政府信息内容（content）不能为空".into(),
        ));
    }
    let channels = &ctx.policies.disclosure.requests.channels;
    let channel = req.channel.trim();
    if !channels.iter().any(|c| c == channel) {
        return Err(field(
            "channel",
            format!("申请渠道应为 {} 之一，收到“{channel}”", channels.join("、")),
        ));
    }
    let tree = &ctx.policies.org;
    let agency = match req
        .agency
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        Some(id) => tree
            .unit(id)
            .ok_or_else(|| field("agency", format!("受理机关“{id}”不是组织机构中的单位")))?,
        None => tree
            .units
            .iter()
            .find(|u| u.parent.is_none())
            .ok_or_else(|| bad("组织机构为空"))?,
    };
    let (app, code) = new_application(
        ctx,
        Draft {
            kind: WorkflowKind::Disclosure,
            filed_on: day,
            subject_id: None,
            target: Target::default(),
            applicant: Applicant {
                name: name.to_string(),
                role: "public".into(),
                contact: req
                    .applicant
                    .contact
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty()),
                applicant_type: Some(kind.label().to_string()),
            },
            reason: content.to_string(),
            claimed: json!({}),
            evidence: vec![],
            declaration: None,
            unit: agency.name.clone(),
            channel: channel.to_string(),
            topic: None,
        },
    );
    let answer = filed_answer(ctx, &app, code);
    let event = NewEvent::new(
        actor,
        Utc::now(),
        EventPayload::ApplicationFiled { application: app },
    );
    append_with_files(ctx.store, vec![event], &[]).await?;
    Ok(answer)
}

async fn disclosure_requests(ctx: &Ctx<'_>) -> Result<Vec<Workflow>, AppError> {
    Ok(ctx
        .store
        .applications(&AppQuery {
            kind: Some(WorkflowKind::Disclosure),
            ..AppQuery::default()
        })
        .await?)
}

/// The processing fee by count (按件计收): this request's place among its applicant's requests
/// of the same calendar month (same name and type), by receipt day then number.
pub async fn request_fee(ctx: &Ctx<'_>, wf: &Workflow) -> Result<Fee, AppError> {
    let same = |a: &Workflow| {
        a.app.applicant.name == wf.app.applicant.name
            && a.app.applicant.applicant_type == wf.app.applicant.applicant_type
            && a.app.filed_on.year() == wf.app.filed_on.year()
            && a.app.filed_on.month() == wf.app.filed_on.month()
    };
    let nth = disclosure_requests(ctx)
        .await?
        .iter()
        .filter(|a| same(a))
        .filter(|a| (a.app.filed_on, &a.app.number) <= (wf.app.filed_on, &wf.app.number))
        .count() as u32;
    Ok(fee_by_count(
        &ctx.policies.disclosure.requests.fees,
        nth.max(1),
    ))
}

/// The written answer (告知书) of a decided request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub number: String,
    pub agency: String,
    pub applicant: String,
    pub applicant_type: String,
    #[schema(value_type = String, format = Date)]
    pub received_on: NaiveDate,
    pub channel: String,
    pub content: String,
    /// The result row's short name and its full label in the annual report table.
    pub outcome: String,
    pub row: String,
    /// The standard text for the result and the articles it rests on.
    pub text: String,
    pub basis: String,
    /// The agency's own explanation.
    pub reasons: String,
    #[schema(value_type = String, format = Date)]
    pub decided_on: NaiveDate,
    /// Whether it was answered within the deadline in force, and that deadline explained.
    pub on_time: bool,
    pub deadline: String,
    pub fee_yuan: u32,
    pub fee: String,
    pub remedies: String,
}

/// The 告知书 of a request, once decided (`None` before).
pub async fn notice(ctx: &Ctx<'_>, wf: &Workflow) -> Result<Option<Notice>, AppError> {
    let (Some(decision), Some(decided_on)) = (&wf.decision, wf.decided_on) else {
        return Ok(None);
    };
    if wf.app.kind != WorkflowKind::Disclosure {
        return Ok(None);
    }
    let outcome = decision.outcome.clone().unwrap_or_default();
    let policy = &ctx.policies.disclosure.requests;
    let text = policy.outcome(&outcome);
    let row = result_row(&outcome)
        .map(|i| RESULT_ROWS[i].label())
        .unwrap_or_default();
    let clock = wf.clock("answer");
    let due = clock.map(|c| c.due(ctx.calendar, decided_on));
    let fee = request_fee(ctx, wf).await?;
    Ok(Some(Notice {
        number: wf.app.number.clone(),
        agency: wf.unit.clone(),
        applicant: wf.app.applicant.name.clone(),
        applicant_type: wf.app.applicant.applicant_type.clone().unwrap_or_default(),
        received_on: wf.app.filed_on,
        channel: wf.app.channel.clone(),
        content: wf.app.reason.clone(),
        row,
        text: text.map(|t| t.text.clone()).unwrap_or_default(),
        basis: text.map(|t| t.basis.clone()).unwrap_or_default(),
        outcome,
        reasons: decision.reasons.clone(),
        decided_on,
        on_time: due.as_ref().is_none_or(|d| decided_on <= d.due_on),
        deadline: due.map(|d| d.explanation).unwrap_or_default(),
        fee_yuan: fee.yuan,
        fee: fee.explanation,
        remedies: policy.remedies.clone(),
    }))
}

/// Every request as the annual report counts it: applicant type, year received, and once
/// answered (or withdrawn: 其他处理/其他) the year closed and the result row.
pub async fn disclosure_request_facts(ctx: &Ctx<'_>) -> Result<Vec<RequestFact>, AppError> {
    Ok(disclosure_requests(ctx)
        .await?
        .iter()
        .map(|wf| {
            let applicant = wf
                .app
                .applicant
                .applicant_type
                .as_deref()
                .and_then(ApplicantType::from_label)
                .unwrap_or(ApplicantType::Other);
            let (closed_year, outcome) = match (wf.status, &wf.decision, wf.decided_on) {
                (AppStatus::Answered, Some(d), Some(on)) => (Some(on.year()), d.outcome.clone()),
                (AppStatus::Withdrawn, _, _) => (
                    wf.history.last().map(|h| h.on.year()),
                    Some("其他".to_string()),
                ),
                _ => (None, None),
            };
            RequestFact {
                applicant,
                received_year: wf.app.filed_on.year(),
                closed_year,
                outcome,
            }
        })
        .collect())
}
