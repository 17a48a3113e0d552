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
    /// `json` (default): the signed report. `pdf`: the same report as a printable A4 PDF (QR
    /// code to its verification page, the JSON attached).
    pub format: Option<String>,
}

/// Issues a credit report on the subject (its id, or a code) as a JSON or PDF download.
#[utoipa::path(get, path = "/api/v1/subjects/{id}/report", params(("id" = String, Path,
    description = "subject id or code"), ReportParams),
    responses((status = 200, description = "the report (xyjt-credit-report/1 JSON, or the PDF with format=pdf)",
               content(("application/json"), ("application/pdf"))),
              (status = 404, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub(crate) async fn get_report(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
    Query(p): Query<ReportParams>,
) -> Response {
    let pdf = match p.format.as_deref().unwrap_or("json") {
        "json" => false,
        "pdf" => true,
        other => {
            return ApiError::invalid(format!("format 应为 json 或 pdf，实为“{other}”"))
                .into_response();
        }
    };
    if let Err(wait) = state.search_allowed(client) {
        return crate::error::rate_limited(wait);
    }
    let at = xyjt_app::reports::Issue {
        policies: &state.policies,
        signer: &state.ledger_key.signer,
        today: state.today(),
        now: chrono::Utc::now(),
        public_url: &state.public_url,
    };
    let report = match xyjt_app::reports::issue(state.store.as_ref(), &at, &id).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let attachment = |ext: &str| format!("attachment; filename=\"{}.{ext}\"", report.number);
    if !pdf {
        return (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (header::CONTENT_DISPOSITION, attachment("json")),
            ],
            serde_json::to_string_pretty(&report).expect("a report serialises"),
        )
            .into_response();
    }
    // Laying out and subsetting the font is CPU work: off the async workers.
    let disposition = attachment("pdf");
    let rendered =
        tokio::task::spawn_blocking(move || xyjt_pdf::render(&report, &report.verify_url)).await;
    match rendered {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => ApiError::internal(e.to_string()).into_response(),
        Err(e) => ApiError::internal(format!("PDF 生成中断：{e}")).into_response(),
    }
}
