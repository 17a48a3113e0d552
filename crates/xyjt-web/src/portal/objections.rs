//! 异议申请 online: the guide, the form (against a record public today or a list entry in force)
//! and its post, filed through the same service as the API (`xyjt_app::workflows::file_objection`).

use super::forms::{
    Target, TargetQuery, TargetSummary, claimable_fields, csrf_ok, csrf_refused, failed,
    filed_page, form_response, form_token, load_target, not_public, posted, too_long,
};
use super::shared::urlencode;
use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use xyjt_app::workflows::{ApplicantInput, ObjectionRequest, file_objection};
use xyjt_core::cases::DeadlinePolicy;

/// The objection form as posted.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObjectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    entry: String,
    #[serde(default)]
    reason: String,
    /// The field objected to; empty = the whole record or entry.
    #[serde(default)]
    field: String,
    /// The value claimed to be right.
    #[serde(default)]
    value: String,
    #[serde(default)]
    name: String,
    /// `subject` or `public`.
    #[serde(default)]
    role: String,
    #[serde(default)]
    contact: String,
}

impl ObjectionForm {
    fn back(&self) -> String {
        if self.entry.trim().is_empty() {
            format!("/objections/new?record={}", urlencode(self.record.trim()))
        } else {
            format!("/objections/new?entry={}", urlencode(self.entry.trim()))
        }
    }
}

#[derive(Template)]
#[template(path = "portal/objection_guide.html")]
struct ObjectionGuide<'a> {
    d: &'a DeadlinePolicy,
}

pub async fn objection_guide(State(state): State<AppState>) -> Html<String> {
    crate::html::render(&ObjectionGuide {
        d: &state.policies.deadlines,
    })
}

#[derive(Template)]
#[template(path = "portal/objection_form.html")]
struct ObjectionPage<'a> {
    answer_workdays: u32,
    target: TargetSummary,
    error: Option<&'a str>,
    token: &'a str,
    /// `record` or `entry`: the hidden field naming the target.
    target_field: &'static str,
    target_id: &'a str,
    /// The fields a value may be claimed for: (name, label, selected).
    fields: Vec<(&'static str, &'static str, bool)>,
    form: &'a ObjectionForm,
    role_subject: bool,
    role_public: bool,
}

pub async fn objection_new(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TargetQuery>,
) -> Result<Response, ApiError> {
    let token = form_token(&headers);
    let Some(target) = load_target(&state, q.record.as_deref(), q.entry.as_deref()).await? else {
        return Ok(not_public());
    };
    let form = ObjectionForm {
        role: "subject".into(),
        ..ObjectionForm::default()
    };
    let page = objection_page(&state, &target, &form, None, &token).await?;
    Ok(form_response(StatusCode::OK, &token, page))
}

async fn objection_page(
    state: &AppState,
    target: &Target,
    f: &ObjectionForm,
    error: Option<&str>,
    token: &str,
) -> Result<Html<String>, ApiError> {
    let (target_field, target_id, fields) = match target {
        Target::Record(r) => ("record", r.id.as_str(), claimable_fields(r)),
        Target::Entry(e) => ("entry", e.entry.id.as_str(), vec![]),
    };
    Ok(crate::html::render(&ObjectionPage {
        answer_workdays: state.policies.deadlines.objection_answer,
        target: TargetSummary::of(state, target).await?,
        error,
        token,
        target_field,
        target_id,
        fields: fields
            .into_iter()
            .map(|(key, label, _)| (key, label, f.field == key))
            .collect(),
        form: f,
        role_subject: f.role == "subject" || f.role.is_empty(),
        role_public: f.role == "public",
    }))
}

/// The request the service takes, or the first problem found, in Chinese.
fn objection_request(target: &Target, f: &ObjectionForm) -> Result<ObjectionRequest, String> {
    let reason = f.reason.trim();
    let value = f.value.trim();
    let name = f.name.trim();
    let contact = f.contact.trim();
    if reason.is_empty() {
        return Err("请填写异议理由。".into());
    }
    too_long(reason, 2000, "异议理由")?;
    too_long(value, 500, "主张的正确内容")?;
    if name.is_empty() {
        return Err("请填写申请人姓名或名称。".into());
    }
    too_long(name, 100, "申请人姓名或名称")?;
    too_long(contact, 100, "联系方式")?;
    let role = match f.role.as_str() {
        "" | "subject" => "subject",
        "public" => "public",
        _ => return Err("请选择申请人身份。".into()),
    };
    let field = f.field.trim();
    let (record_id, entry_id, field, claimed, reason) = match target {
        Target::Record(r) if !field.is_empty() => {
            let Some((_, label, date)) = claimable_fields(r)
                .into_iter()
                .find(|(k, _, _)| *k == field)
            else {
                return Err("所选的项目不属于这条信息，请重新选择。".into());
            };
            if date
                && !value.is_empty()
                && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_err()
            {
                return Err(format!("{label}应写为日期，如 2026-01-31。"));
            }
            let claimed = if value.is_empty() {
                Value::Null
            } else {
                json!({ field: value })
            };
            (
                Some(r.id.clone()),
                None,
                Some(field.to_string()),
                claimed,
                reason.to_string(),
            )
        }
        target => {
            // No field chosen: what is claimed goes with the reason, as text.
            let reason = if value.is_empty() {
                reason.to_string()
            } else {
                format!("{reason}\n主张的正确内容：{value}")
            };
            let (record_id, entry_id) = match target {
                Target::Record(r) => (Some(r.id.clone()), None),
                Target::Entry(e) => (None, Some(e.entry.id.clone())),
            };
            (record_id, entry_id, None, Value::Null, reason)
        }
    };
    Ok(ObjectionRequest {
        record_id,
        entry_id,
        result_id: None,
        field,
        reason,
        claimed,
        filed_on: None,
        applicant: Some(ApplicantInput {
            name: name.to_string(),
            role: Some(role.to_string()),
            contact: (!contact.is_empty()).then(|| contact.to_string()),
        }),
        evidence: vec![],
    })
}

pub async fn objection_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (f, evidence) = match posted::<ObjectionForm>(req).await {
        Ok(p) => (p.form, p.evidence),
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused(&f.back()));
    }
    let Some(target) = load_target(&state, Some(&f.record), Some(&f.entry)).await? else {
        return Ok(not_public());
    };
    let token = f.csrf.clone();
    let reshow = async |message: &str| -> Result<Response, ApiError> {
        let page = objection_page(&state, &target, &f, Some(message), &token).await?;
        Ok(form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            page,
        ))
    };
    let req = match objection_request(&target, &f) {
        Ok(req) => ObjectionRequest { evidence, ..req },
        Err(message) => return reshow(&message).await,
    };
    let Some(filed) = state
        .within_filing_cap(client, file_objection(&state.ctx(), req, "portal"))
        .await
    else {
        return Ok(super::forms::filings_capped(&state));
    };
    match filed.map_err(ApiError::from) {
        Ok(filed) => Ok(filed_page(
            "异议申请",
            &filed,
            state.policies.deadlines.objection_answer,
        )),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => reshow(&e.message).await,
        Err(e) => Ok(failed(&e)),
    }
}
