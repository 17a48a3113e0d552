//! Government integrity (政务诚信) over HTTP: a department's published records. Civil servants'
//! archives are internal: no public route names one. The services are `xyjt_app::integrity`.

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use axum::Json;
use axum::extract::{Path, State};
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
