//! 依申请公开 on the portal: the request form and its post (through the same service as the API,
//! `xyjt_app::workflows::file_disclosure_request`), and the printable written answer (告知书) by
//! number and query code. Progress is at `/applications`, like every application.

use super::forms::{
    csrf_ok, csrf_refused, failed, filed_page, filings_capped, form_response, form_token, posted,
    too_long,
};
use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xyjt_app::workflows::{
    DisclosureApplicant, DisclosureRequestInput, Notice, file_disclosure_request,
};
use xyjt_core::disclosure::annual::ApplicantType;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "type")]
    applicant_type: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    content: String,
}

#[derive(Template)]
#[template(path = "portal/disclosure_request_form.html")]
struct RequestPage {
    form: RequestForm,
    token: String,
    types: Vec<&'static str>,
    answer_workdays: u32,
    agency: String,
    error: Option<String>,
}

fn page(state: &AppState, form: RequestForm, token: &str, error: Option<String>) -> RequestPage {
    RequestPage {
        form,
        token: token.to_string(),
        types: ApplicantType::ALL.iter().map(|t| t.label()).collect(),
        answer_workdays: state.policies.deadlines.disclosure_answer,
        agency: state
            .policies
            .org
            .units
            .iter()
            .find(|u| u.parent.is_none())
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        error,
    }
}

/// `GET /disclosure/requests`: the form.
pub async fn request_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = form_token(&headers);
    let p = page(&state, RequestForm::default(), &token, None);
    form_response(StatusCode::OK, &token, crate::html::render(&p))
}

/// `POST /disclosure/requests`: files it (channel 网络), or re-shows the form with what was wrong.
pub async fn request_post(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> Result<Response, ApiError> {
    let f = match posted::<RequestForm>(req).await {
        Ok(p) => p.form,
        Err(r) => return Ok(r),
    };
    if !csrf_ok(&headers, &f.csrf) {
        return Ok(csrf_refused("/disclosure/requests"));
    }
    let token = f.csrf.clone();
    let reshow = |message: String| {
        let p = page(&state, f.clone(), &token, Some(message));
        form_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            crate::html::render(&p),
        )
    };
    for (value, max, what) in [
        (&f.content, 2000, "所需信息"),
        (&f.name, 100, "申请人"),
        (&f.contact, 200, "联系方式"),
    ] {
        if let Err(m) = too_long(value.trim(), max, what) {
            return Ok(reshow(m));
        }
    }
    let input = DisclosureRequestInput {
        applicant: DisclosureApplicant {
            applicant_type: f.applicant_type.clone(),
            name: f.name.clone(),
            contact: Some(f.contact.clone()),
        },
        content: f.content.clone(),
        channel: "网络".into(),
        received_on: None,
        agency: None,
    };
    let ctx = state.ctx();
    let Some(filed) = state
        .within_filing_cap(
            client,
            file_disclosure_request(&ctx, input, "portal", false),
        )
        .await
    else {
        return Ok(filings_capped(&state));
    };
    match filed.map_err(ApiError::from) {
        Ok(filed) => Ok(filed_page(
            "政府信息公开申请",
            &filed,
            state.policies.deadlines.disclosure_answer,
        )),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => Ok(reshow(e.message.clone())),
        Err(e) => Ok(failed(&e)),
    }
}

#[derive(Template)]
#[template(path = "portal/disclosure_notice.html")]
pub(crate) struct NoticePage {
    pub n: Notice,
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    query_code: String,
}

/// `GET /disclosure/requests/{number}/notice?query_code=`: the printable 告知书.
pub async fn notice_page(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, ApiError> {
    let missing = || super::shared::Missing {
        title: "告知书不存在",
        message: "申请编号或查询码不符，或该申请尚未答复。".into(),
        back: "/applications",
        back_label: "查询办理进度",
    };
    let Ok(wf) = crate::api::disclosure_requests::visible(&state, &number, &q.query_code).await
    else {
        return Ok(missing().respond());
    };
    match xyjt_app::workflows::notice(&state.ctx(), &wf).await? {
        Some(n) => Ok(crate::html::render(&NoticePage { n }).into_response()),
        None => Ok(missing().respond()),
    }
}
