//! Joint punishment cases over HTTP: implementing units report back with their token; the
//! initiator follows each unit's status, overdue ones flagged.

use super::checks::Caller;
use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use xyjt_core::cases::CaseState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// Only cases opened by this unit.
    pub initiator: Option<String>,
    /// Only cases with an implementing unit past its deadline.
    pub overdue: Option<bool>,
}

fn case_json(c: &CaseState, today: chrono::NaiveDate) -> serde_json::Value {
    let units: Vec<serde_json::Value> = c
        .case
        .implementing_units
        .iter()
        .map(|u| {
            let status = c.unit_status(u, today);
            serde_json::json!({
                "unit": u,
                "status": status,
                "status_label": status.label(),
                "report": c.reports.iter().find(|r| &r.unit == u),
            })
        })
        .collect();
    serde_json::json!({
        "id": c.case.id,
        "entry_id": c.case.entry_id,
        "subject_name": c.case.subject_name,
        "initiating_unit": c.case.initiating_unit,
        "measure_ids": c.case.measure_ids,
        "opened_on": c.case.opened_on,
        "due_on": c.case.due_on,
        "due_provisional": c.case.due_provisional,
        "overdue": c.is_overdue(today),
        "units": units,
    })
}

/// Joint punishment cases with each implementing unit's status.
#[utoipa::path(get, path = "/api/v1/cases", params(CaseQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope)))]
pub async fn list_cases(
    State(state): State<AppState>,
    Caller(_caller): Caller,
    Query(q): Query<CaseQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let today = state.today();
    let cases = state.store.joint_cases(q.initiator.as_deref()).await?;
    let items: Vec<serde_json::Value> = cases
        .iter()
        .filter(|c| !q.overdue.unwrap_or(false) || c.is_overdue(today))
        .map(|c| case_json(c, today))
        .collect();
    Ok(Json(
        serde_json::json!({"total": items.len(), "items": items}),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    /// Whether the unit applied the measures.
    pub applied: bool,
    /// What was done, or why not (required when not applied).
    #[serde(default)]
    pub note: String,
}

/// An implementing unit (the token's system name) reports back on a case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/reports", request_body = ReportRequest,
    params(("id" = String, Path, description = "case id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn report_case(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<ReportRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let today = state.today();
    let after = xyjt_app::lists::report_case(
        state.store.as_ref(),
        &id,
        &caller,
        req.applied,
        req.note,
        &format!("api:{caller}"),
        today,
    )
    .await?;
    Ok(Json(case_json(&after, today)))
}
