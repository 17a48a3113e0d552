//! Government integrity (政务诚信) over HTTP: the departments and a department's published
//! records (public); registrations, their review and records for calling systems (bearer).
//! Civil servants' archives are internal: no public route names one. The services are
//! `xyjt_app::integrity`.

use crate::AppState;
use crate::api::checks::Caller;
use crate::error::{ApiError, ErrorEnvelope};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use xyjt_app::integrity::{self as gi, RecordInput, Recorded, RegistrationInput};
use xyjt_core::integrity::ArchiveKind;

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
#[into_params(parameter_in = Query)]
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

/// The calling system's unit in the organisation tree, or 403.
fn caller_unit(state: &AppState, caller: &str) -> Result<String, ApiError> {
    state
        .policies
        .org
        .by_name(caller)
        .map(|u| u.id.clone())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("调用方“{caller}”不是组织机构中的单位，不能办理政务诚信档案"),
            )
        })
}

/// A civil servant's archive is the business of the calling system of their unit or a unit
/// above it (a unit outside the organisation tree belongs to its root), as the console's scope.
fn caller_reaches(state: &AppState, caller_unit: &str, unit: Option<&str>) -> bool {
    let tree = &state.policies.org;
    let unit_id = unit
        .and_then(|u| tree.by_name(u))
        .map(|u| u.id.clone())
        .or_else(|| {
            tree.units
                .iter()
                .find(|u| u.parent.is_none())
                .map(|u| u.id.clone())
        })
        .unwrap_or_default();
    tree.is_within(&unit_id, caller_unit)
}

fn out_of_scope(caller: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "调用方“{caller}”无权办理该公务人员的政务诚信档案（只能办理本单位及下级单位的公务人员）"
        ),
    )
}

/// Proposes a direct registration (主体登记) of a department, civil servant, company or person;
/// another calling system or a console reviewer reviews it (bearer; a civil servant only by the
/// system of their unit or a unit above it).
#[utoipa::path(post, path = "/api/v1/integrity/registrations", request_body = RegistrationInput,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn post_registration(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<RegistrationInput>,
) -> Result<Json<Value>, ApiError> {
    let unit = caller_unit(&state, &caller)?;
    if matches!(req.kind.trim(), "公务人员" | "公务员" | "civil_servant")
        && !caller_reaches(&state, &unit, req.unit.as_deref())
    {
        return Err(out_of_scope(&caller));
    }
    let s = gi::propose_registration(&state.ctx(), &req, &format!("api:{caller}")).await?;
    Ok(Json(serde_json::to_value(&s).unwrap_or(Value::Null)))
}

/// A review of a registration or a 容错 finding.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IntegrityReview {
    pub approved: bool,
    #[serde(default)]
    pub comment: String,
}

/// Reviews a proposed registration: not by the system that proposed it (bearer).
#[utoipa::path(post, path = "/api/v1/integrity/registrations/{id}/review",
    params(("id" = String, Path, description = "the registration")),
    request_body = IntegrityReview, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope)))]
pub async fn post_registration_review(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<IntegrityReview>,
) -> Result<Json<Value>, ApiError> {
    let unit = caller_unit(&state, &caller)?;
    let missing = || ApiError::not_found(format!("主体登记 {id} 不存在"));
    let r = state.store.registration(&id).await?.ok_or_else(missing)?;
    if r.registration.archive == Some(ArchiveKind::CivilServant)
        && !caller_reaches(&state, &unit, r.registration.unit.as_deref())
    {
        return Err(missing());
    }
    let s = gi::review_registration(
        &state.ctx(),
        &id,
        &format!("api:{caller}"),
        req.approved,
        &req.comment,
    )
    .await?;
    Ok(Json(serde_json::to_value(&s).unwrap_or(Value::Null)))
}

/// Records a government-integrity record (the same record again changes nothing; another
/// content under the same deciding unit and document number is 409). A civil servant's record
/// only by the system of their unit or a unit above it (bearer).
#[utoipa::path(post, path = "/api/v1/integrity/records", request_body = RecordInput,
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn post_record(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<RecordInput>,
) -> Result<Json<Value>, ApiError> {
    let unit = caller_unit(&state, &caller)?;
    if ArchiveKind::from_label(&req.archive) == Some(ArchiveKind::CivilServant)
        && let Ok(code) = xyjt_core::ident::check(&req.code).result
        && let Some(subject) = state.store.subject_by_code(&code).await?
        && let Some((ArchiveKind::CivilServant, cs_unit, _)) =
            state.store.gov_subject(&subject.id).await?
        && !caller_reaches(&state, &unit, cs_unit.as_deref())
    {
        return Err(out_of_scope(&caller));
    }
    let (status, id) = match gi::record(
        &state.ctx(),
        &req,
        &format!("api:{caller}"),
        &format!("api:{caller}"),
    )
    .await?
    {
        Recorded::New(id) => ("recorded", id),
        Recorded::Unchanged(id) => ("unchanged", id),
    };
    let _ = state.refresh_checks().await;
    Ok(Json(json!({"id": id, "status": status})))
}

/// File a complaint about a department (政务失信投诉, 毁约投诉, 12328诉求). No account needed:
/// keep the number and query code; progress and the reply at `/api/v1/applications/{number}`.
/// Paper complaints with an earlier receipt day are entered by staff (console or CLI).
#[utoipa::path(post, path = "/api/v1/integrity/complaints",
    request_body = xyjt_app::workflows::ComplaintRequest,
    responses((status = 200, body = xyjt_app::workflows::Filed), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope), (status = 429, body = ErrorEnvelope)))]
pub async fn post_complaint(
    State(state): State<AppState>,
    crate::ratelimit::ClientIp(client): crate::ratelimit::ClientIp,
    Json(req): Json<xyjt_app::workflows::ComplaintRequest>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let ctx = state.ctx();
    if req.received_on.is_some_and(|d| d != ctx.today) {
        return Err(ApiError::invalid(
            "received_on 只能由工作人员在控制台或命令行录入纸质投诉时填写",
        )
        .with_detail(json!({"field": "received_on"})));
    }
    match state
        .within_filing_cap(
            client,
            xyjt_app::workflows::file_complaint(&ctx, req, "portal"),
        )
        .await
    {
        Some(filed) => Ok(Json(filed?).into_response()),
        None => Ok(crate::api::workflows::filings_capped(&state)),
    }
}

/// The unit of the organisation tree that handles a department (its own unit by name).
fn department_unit_id(state: &AppState, name: &str) -> Option<String> {
    state.policies.org.by_name(name).map(|u| u.id.clone())
}

/// Records a department's public commitment (服务承诺, 期限承诺, 保障承诺): by the department's
/// own system or a unit above it (bearer).
#[utoipa::path(post, path = "/api/v1/integrity/commitments",
    request_body = xyjt_app::integrity::commitments::CommitmentInput, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope)))]
pub async fn post_commitment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<xyjt_app::integrity::commitments::CommitmentInput>,
) -> Result<Json<Value>, ApiError> {
    let unit = caller_unit(&state, &caller)?;
    let ctx = state.ctx();
    let department = xyjt_app::workflows::registered_department(&ctx, &req.department).await?;
    if !caller_reaches(&state, &unit, Some(&department.name)) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("调用方“{caller}”只能记录本单位及下级单位的政务承诺"),
        ));
    }
    let s = gi::commitments::make_commitment(&ctx, &req, &format!("api:{caller}")).await?;
    Ok(Json(gi::commitment_json(&s, ctx.today)))
}

/// The finding of a commitment check.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CommitmentFinding {
    pub fulfilled: bool,
    pub finding: String,
}

/// Checks a commitment (履约核查) once: by a unit above the department, never by the department
/// itself; a broken commitment is recorded as 承诺未履行 with a rectification case (bearer).
#[utoipa::path(post, path = "/api/v1/integrity/commitments/{id}/check",
    params(("id" = String, Path, description = "the commitment")),
    request_body = CommitmentFinding, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn post_commitment_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<CommitmentFinding>,
) -> Result<Json<Value>, ApiError> {
    let unit = caller_unit(&state, &caller)?;
    let ctx = state.ctx();
    let s = gi::commitments::commitment_or_404(&ctx, &id).await?;
    let own = department_unit_id(&state, &s.commitment.department);
    if own.as_deref() == Some(unit.as_str())
        || !caller_reaches(&state, &unit, Some(&s.commitment.department))
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("调用方“{caller}”不能核查该承诺：由上级单位核查，部门不核查自己的承诺"),
        ));
    }
    let s = gi::commitments::check_commitment(
        &ctx,
        &id,
        req.fulfilled,
        &req.finding,
        &caller,
        &format!("api:{caller}"),
    )
    .await?;
    let _ = state.refresh_checks().await;
    Ok(Json(gi::commitment_json(&s, ctx.today)))
}

/// The draft 通报 on rectifications past due (internal: any unit's system, bearer).
#[utoipa::path(get, path = "/api/v1/integrity/rectifications/bulletin", security(("bearer" = [])),
    responses((status = 200, body = xyjt_app::workflows::RectificationBulletin),
              (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn get_rectification_bulletin(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<xyjt_app::workflows::RectificationBulletin>, ApiError> {
    caller_unit(&state, &caller)?;
    Ok(Json(
        xyjt_app::workflows::rectification_bulletin(&state.ctx()).await?,
    ))
}
