//! 政务失信投诉 online: the form (a registered department, what the complaint is about, what
//! happened, who complains) and its post, filed through the same service as the API
//! (`xyjt_app::workflows::file_complaint`). Progress and the department's reply are at
//! `/applications` with the number and query code, like any application.

use super::forms::{
    csrf_ok, csrf_refused, failed, filed_page, filings_capped, form_response, form_token, posted,
    too_long,
};
use crate::AppState;
use crate::api::integrity::departments;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use xyjt_app::workflows::{ApplicantInput, ComplaintRequest, file_complaint};

/// The complaint form as posted (and as re-shown).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplaintForm {
    #[serde(default)]
    csrf: String,
    /// The department's USCC.
    #[serde(default)]
    department: String,
    #[serde(default, rename = "type")]
    complaint_type: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
}

#[derive(Template)]
#[template(path = "portal/complaint_form.html")]
struct ComplaintPage {
    form: ComplaintForm,
    token: String,
    departments: Vec<(String, String)>,
    types: Vec<String>,
    reply_workdays: u32,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    form: ComplaintForm,
    token: &str,
    error: Option<String>,
) -> Result<ComplaintPage, ApiError> {
    let (list, _) = departments(state).await?;
    Ok(ComplaintPage {
        form,
        token: token.to_string(),
        departments: list.into_iter().map(|d| (d.code, d.name)).collect(),
        types: state.policies.integrity.complaint_types.clone(),
        reply_workdays: state.policies.deadlines.complaint_reply,
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ComplaintQuery {
    /// Preselects a department (from its page).
    #[serde(default)]
    department: Option<String>,
}

/// `GET /integrity/complaints`: the form.
pub async fn complaint_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ComplaintQuery>,
) -> Result<Response, ApiError> {
    let token = form_token(&headers);
    let form = ComplaintForm {
        department: q.department.unwrap_or_default(),
        ..ComplaintForm::default()
    };
    let p = page(&state, form, &token, None).await?;
    Ok(form_response(
        StatusCode::OK,
        &token,
        crate::html::render(&p),
    ))
}

fn request(f: &ComplaintForm) -> Result<ComplaintRequest, String> {
    too_long(f.content.trim(), 2000, "投诉内容")?;
    too_long(f.name.trim(), 100, "姓名或名称")?;
    too_long(f.contact.trim(), 100, "联系方式")?;
    if f.department.trim().is_empty() {
        return Err("请选择被投诉部门".into());
    }
    if f.name.trim().is_empty() {
        return Err("请填写投诉人姓名或名称".into());
    }
    Ok(ComplaintRequest {
        complaint_type: f.complaint_type.clone(),
        department: f.department.clone(),
        content: f.content.clone(),
        complainant: ApplicantInput {
            name: f.name.trim().to_string(),
            role: Some("public".into()),
            contact: (!f.contact.trim().is_empty()).then(|| f.contact.trim().to_string()),
        },
        evidence: vec![],
        received_on: None,
    })
}

/// `POST /integrity/complaints`: files it, or re-shows the form with what was wrong.
pub async fn complaint_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let (f, evidence) = match posted::<ComplaintForm>(req).await {
        Ok(p) => (p.form, p.evidence),
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused("/integrity/complaints"));
    }
    let token = f.csrf.clone();
    let reshow = async |message: String| -> Result<Response, ApiError> {
        let p = page(&state, f.clone(), &token, Some(message)).await?;
        Ok(form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            crate::html::render(&p),
        ))
    };
    let req = match request(&f) {
        Ok(req) => ComplaintRequest { evidence, ..req },
        Err(message) => return reshow(message).await,
    };
    let Some(filed) = state
        .within_filing_cap(client, file_complaint(&state.ctx(), req, "portal"))
        .await
    else {
        return Ok(filings_capped(&state));
    };
    match filed.map_err(ApiError::from) {
        Ok(filed) => Ok(filed_page(
            "政务失信投诉",
            &filed,
            state.policies.deadlines.complaint_reply,
        )),
        Err(e)
            if e.status == StatusCode::UNPROCESSABLE_ENTITY
                || e.status == StatusCode::NOT_FOUND =>
        {
            reshow(e.message.clone()).await
        }
        Err(e) => Ok(failed(&e)),
    }
}
