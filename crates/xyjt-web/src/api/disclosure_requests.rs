//! 依申请公开 over HTTP: filing a request (anyone; a paper application with an earlier receipt
//! day only with a bearer token), and its written answer (告知书) by number and query code.
//! Progress is `GET /api/v1/applications/{number}?query_code=…` and steps are
//! `POST /api/v1/workflows/{number}/steps`, as for every application. The services are
//! `xyjt_app::workflows::{file_disclosure_request, notice}`.

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use crate::ratelimit::ClientIp;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xyjt_app::workflows::{DisclosureRequestInput, Filed, Notice, file_disclosure_request};

/// File a request for government information (政府信息公开申请). Answers the number, the query
/// code (shown once) and the answer's due date (20 working days after the day of receipt).
#[utoipa::path(post, path = "/api/v1/disclosure-requests", request_body = DisclosureRequestInput,
    responses((status = 200, body = Filed), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope)))]
pub async fn post_disclosure_request(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    parts: Parts,
    Json(req): Json<DisclosureRequestInput>,
) -> Result<Response, ApiError> {
    // A token (staff or a unit's system) may enter a paper application received earlier; a
    // wrong token is refused rather than ignored.
    let staff = match parts.headers.get(axum::http::header::AUTHORIZATION) {
        Some(_) => {
            crate::api::checks::resolve_token(&parts, &state).await?;
            true
        }
        None => false,
    };
    let ctx = state.ctx();
    let actor = if staff { "api" } else { "portal" };
    if staff {
        return Ok(Json(file_disclosure_request(&ctx, req, actor, true).await?).into_response());
    }
    match state
        .within_filing_cap(client, file_disclosure_request(&ctx, req, actor, false))
        .await
    {
        Some(filed) => Ok(Json(filed?).into_response()),
        None => Ok(crate::api::workflows::filings_capped(&state)),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueryCode {
    /// The query code given when the request was filed.
    pub query_code: String,
}

/// The written answer (告知书) of a decided request: the result, its legal basis, the agency's
/// reasons, whether it was on time, the processing fee and the remedies (number and query code).
#[utoipa::path(get, path = "/api/v1/disclosure-requests/{number}/notice",
    params(("number" = String, Path, description = "request number"), QueryCode),
    responses((status = 200, body = Notice), (status = 404, body = ErrorEnvelope)))]
pub async fn get_notice(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<QueryCode>,
) -> Result<Json<Notice>, ApiError> {
    let ctx = state.ctx();
    let wf = visible(&state, &number, &q.query_code).await?;
    xyjt_app::workflows::notice(&ctx, &wf)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 尚未答复")))
}

/// The request if the query code is its own; the same 404 otherwise.
pub(crate) async fn visible(
    state: &AppState,
    number: &str,
    query_code: &str,
) -> Result<xyjt_core::workflow::AppState, ApiError> {
    let missing = || ApiError::not_found(format!("申请 {number} 不存在或查询码不符"));
    let wf = state
        .store
        .application(number)
        .await?
        .filter(|wf| wf.app.kind == xyjt_core::workflow::WorkflowKind::Disclosure)
        .ok_or_else(missing)?;
    if wf.app.query_code_hash != xyjt_core::workflow::query_code_hash(query_code) {
        return Err(missing());
    }
    Ok(wf)
}
