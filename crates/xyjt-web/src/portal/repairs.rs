//! 信用修复申请 online: the guide, the form (the criteria as the preview judges them, then the
//! form when the record is eligible) and its post, filed through the same service as the API
//! (`xyjt_app::workflows::file_repair`).

use super::forms::{
    Target, TargetQuery, TargetSummary, csrf_ok, csrf_refused, failed, filed_page, form_response,
    form_token, load_target, not_public, posted, too_long,
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
use xyjt_app::workflows::{ApplicantInput, RepairRequest, eligibility_as_filed, file_repair};
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::commitment;
use xyjt_core::record::Record;
use xyjt_core::repair::Eligibility;

// ---------------------------------------------------------------------------------------------
// Credit repair.

/// The repair form as posted. Checkboxes are present only when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RepairForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    record: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    corrected: Option<String>,
    #[serde(default)]
    obligations: Option<String>,
    #[serde(default)]
    commitment: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/repair_guide.html")]
struct RepairGuide<'a> {
    d: &'a DeadlinePolicy,
}

pub async fn repair_guide(State(state): State<AppState>) -> Html<String> {
    crate::html::render(&RepairGuide {
        d: &state.policies.deadlines,
    })
}

#[derive(Template)]
#[template(path = "portal/repair_form.html")]
struct RepairPage<'a> {
    platform_workdays: u32,
    target: TargetSummary,
    errors: &'a [String],
    elig: Eligibility,
    token: &'a str,
    record_id: &'a str,
    form: &'a RepairForm,
    /// The commitment to sign (信用修复承诺), when the templates have one.
    commitment: Option<&'a commitment::Template>,
    templates_version: &'a str,
}

pub async fn repair_new(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TargetQuery>,
) -> Result<Response, ApiError> {
    let token = form_token(&headers);
    let Some(Target::Record(record)) = load_target(&state, q.record.as_deref(), None).await? else {
        return Ok(not_public());
    };
    let page = repair_page(&state, &record, &RepairForm::default(), &[], &token).await?;
    Ok(form_response(StatusCode::OK, &token, page))
}

/// The criteria (as the preview judges them), then the form when the record is eligible.
/// `errors` are shown above it (a refusal lists every unmet condition).
async fn repair_page(
    state: &AppState,
    record: &Record,
    f: &RepairForm,
    errors: &[String],
    token: &str,
) -> Result<Html<String>, ApiError> {
    let ctx = state.ctx();
    let templates = &state.policies.commitments;
    Ok(crate::html::render(&RepairPage {
        platform_workdays: state.policies.deadlines.repair_platform,
        target: TargetSummary::of_record(record),
        errors,
        elig: eligibility_as_filed(&ctx, record, ctx.today).await?,
        token,
        record_id: &record.id,
        form: f,
        commitment: templates.for_matter("信用修复承诺"),
        templates_version: &templates.version,
    }))
}

fn repair_request(record: &Record, f: &RepairForm) -> Result<RepairRequest, String> {
    let reason = f.reason.trim();
    let name = f.name.trim();
    let contact = f.contact.trim();
    if reason.is_empty() {
        return Err("请填写修复理由。".into());
    }
    too_long(reason, 2000, "修复理由")?;
    if name.is_empty() {
        return Err("请填写申请人（当事人）姓名或名称。".into());
    }
    too_long(name, 100, "申请人姓名或名称")?;
    too_long(contact, 100, "联系方式")?;
    Ok(RepairRequest {
        record_id: record.id.clone(),
        reason: reason.to_string(),
        filed_on: None,
        applicant: Some(ApplicantInput {
            name: name.to_string(),
            role: Some("subject".into()),
            contact: (!contact.is_empty()).then(|| contact.to_string()),
        }),
        evidence: vec![],
        corrected: f.corrected.is_some(),
        obligations_met: f.obligations.is_some(),
        commitment_id: None,
        sign_commitment: f.commitment.is_some(),
    })
}

pub async fn repair_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (f, evidence) = match posted::<RepairForm>(req).await {
        Ok(p) => (p.form, p.evidence),
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused(&format!(
            "/repairs/new?record={}",
            urlencode(f.record.trim())
        )));
    }
    let Some(Target::Record(record)) = load_target(&state, Some(&f.record), None).await? else {
        return Ok(not_public());
    };
    let token = f.csrf.clone();
    let reshow = async |errors: Vec<String>| -> Result<Response, ApiError> {
        let page = repair_page(&state, &record, &f, &errors, &token).await?;
        Ok(form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            page,
        ))
    };
    let req = match repair_request(&record, &f) {
        Ok(req) => RepairRequest { evidence, ..req },
        Err(message) => return reshow(vec![message]).await,
    };
    let Some(filed) = state
        .within_filing_cap(client, file_repair(&state.ctx(), req, "portal"))
        .await
    else {
        return Ok(super::forms::filings_capped(&state));
    };
    match filed.map_err(ApiError::from) {
        Ok(filed) => Ok(filed_page(
            "信用修复申请",
            &filed,
            state.policies.deadlines.repair_platform,
        )),
        Err(e) if e.code == "not_eligible" => {
            // Every unmet condition, as the service judged the application.
            let mut errors = vec!["暂不符合信用修复条件，申请未提交：".to_string()];
            errors.extend(e.details.iter().map(|d| {
                format!(
                    "{}：{}",
                    d["label"].as_str().unwrap_or(""),
                    d["explanation"].as_str().unwrap_or("")
                )
            }));
            reshow(errors).await
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => reshow(vec![e.message]).await,
        Err(e) => Ok(failed(&e)),
    }
}
