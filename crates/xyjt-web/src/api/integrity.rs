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

/// A registered department (部门) as the public sees it, with its record counts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DepartmentSummary {
    pub subject_id: String,
    pub name: String,
    /// Its USCC (prefix 11, 12 or 13).
    pub code: String,
    /// Dishonesty records in effect today (容错 ones excluded).
    pub in_effect: usize,
    /// Published dishonesty records, in effect or not (容错 ones excluded).
    pub dishonest: usize,
    /// Good records (守信).
    pub good: usize,
}

/// Every registered department and its records (容错 ones never count as dishonesty), in the
/// order of their names. The records are departments' only: no civil servant is read.
pub async fn departments(
    state: &AppState,
) -> Result<
    (
        Vec<DepartmentSummary>,
        Vec<xyjt_core::integrity::IntegrityState>,
    ),
    ApiError,
> {
    use xyjt_core::integrity::{ArchiveKind, Nature};
    let registrations = state.store.registrations(Some("approved")).await?;
    let records = state
        .store
        .integrity_records(None, Some(ArchiveKind::Department))
        .await?;
    let today = state.today();
    let policy = &state.policies.integrity;
    let mut out: Vec<DepartmentSummary> = registrations
        .iter()
        .filter(|r| r.registration.archive == Some(ArchiveKind::Department))
        .filter_map(|r| {
            let s = &r.registration.subject;
            let code = s.uscc.as_ref()?.as_str().to_string();
            let mine = records.iter().filter(|x| x.record.subject_id == s.id);
            Some(DepartmentSummary {
                subject_id: s.id.clone(),
                name: s.name.clone(),
                code,
                in_effect: mine
                    .clone()
                    .filter(|x| x.in_effect_on(policy, today))
                    .count(),
                dishonest: mine.clone().filter(|x| x.counts_as_dishonest()).count(),
                good: mine.filter(|x| x.record.nature == Nature::Good).count(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.code.cmp(&b.code)));
    Ok((out, records))
}

/// Every registered department (部门) with how many dishonesty records it has in effect today,
/// published dishonesty records and good records. Dishonesty under 容错 is not counted. Civil
/// servants are never listed.
#[utoipa::path(get, path = "/api/v1/integrity/departments",
    responses((status = 200, body = Vec<DepartmentSummary>)))]
pub async fn list_departments(
    State(state): State<AppState>,
) -> Result<Json<Vec<DepartmentSummary>>, ApiError> {
    Ok(Json(departments(&state).await?.0))
}
