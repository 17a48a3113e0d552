//! Government integrity (政务诚信) over HTTP: a department's published records. Civil servants'
//! archives are internal: no public route names one. The services are `xyjt_app::integrity`.

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::Value;

/// A department's published government-integrity records (dishonesty under 容错 excluded) and
/// how many dishonesty records are in effect today.
#[utoipa::path(get, path = "/api/v1/integrity/departments/{code}",
    params(("code" = String, Path, description = "the department's USCC (prefix 11, 12 or 13)")),
    responses((status = 200, body = Object), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn get_department(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        xyjt_app::integrity::department_view(&state.ctx(), &code).await?,
    ))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PeriodQuery {
    /// The half year, e.g. `2026H1`.
    pub period: String,
}

/// A half-year's published assessment bulletin (通报): per department the total, every
/// component (value, weight, applied weight, points) and the rank, with the missing-value rule.
#[utoipa::path(get, path = "/api/v1/integrity/assessments", params(PeriodQuery),
    responses((status = 200, body = Object), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn get_assessments(
    State(state): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        xyjt_app::integrity::assessment::bulletin(&state.ctx(), &q.period).await?,
    ))
}
