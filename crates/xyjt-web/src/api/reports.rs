//! `GET /api/v1/subjects/{id}/report`: a credit report (信用报告) on a subject, signed, with
//! every fact's inclusion proof. Public (it holds only what the public pages show, masked), and
//! counted against the search limit per client since each one is kept.

use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `json` (default). `pdf` is not built yet and is refused with 422.
    pub format: Option<String>,
}

/// Issues a credit report on the subject (its id, or a code) as a JSON download.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/report", params(("id" = String, Path,
    description = "subject id or code"), ReportParams),
    responses((status = 200, description = "the report (xyjt-credit-report/1 JSON)", content_type = "application/json"),
              (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub(crate) async fn get_report(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Response {
    match p.format.as_deref().unwrap_or("json") {
        "json" => {}
        "pdf" => {
            return ApiError::invalid("format=pdf：PDF 格式的信用报告尚未提供，请使用 format=json")
                .into_response();
        }
        other => {
            return ApiError::invalid(format!("format 应为 json，实为“{other}”")).into_response();
        }
    }
    if let Err(wait) = state.search_allowed(client) {
        return crate::error::rate_limited(wait);
    }
    let report = xyjt_app::reports::issue(
        state.store.as_ref(),
        &state.ledger_key.signer,
        &id,
        state.today(),
        chrono::Utc::now(),
        state.policies.checkpoints.report_validity_days,
    )
    .await;
    match report {
        Ok(r) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.json\"", r.number),
                ),
            ],
            serde_json::to_string_pretty(&r).expect("a report serialises"),
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
