//! The HTTP handlers of objections (异议), credit repair (信用修复) and credit commitments
//! (信用承诺). The services are `xyjt_app::workflows`; these parse, call and answer.

use super::checks::Caller;
use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use xyjt_core::repair::Eligibility;
use xyjt_core::workflow::{WorkflowKind, query_code_hash};
use xyjt_store::AppQuery;

use xyjt_app::workflows::{
    CommitmentRequest, Filed, FulfilmentRequest, ObjectionRequest, RepairRequest, StepRequest,
    WorkflowStatsRow, check_commitment, commitment_json, eligibility_as_filed, file_objection,
    file_repair, public_view, record_or_404, sign_commitment, staff_view, take_step,
    workflow_stats,
};

/// The platform itself, as a calling system (its exchange adapter).
pub const PLATFORM: &str = "信用交通平台";

/// The token's scope (`xyjt_core::account::caller_acts_for`) as a 403.
fn acts_for(state: &AppState, caller: &str, unit: &str) -> Result<(), ApiError> {
    xyjt_core::account::caller_acts_for(&state.policies.org, caller, unit)
        .map_err(|d| ApiError::new(StatusCode::FORBIDDEN, "forbidden", d.to_string()))
}

/// File an objection (异议申请). No account needed: keep the number and query code.
#[utoipa::path(post, path = "/api/v1/objections", request_body = ObjectionRequest,
    responses((status = 200, body = Filed), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn post_objection(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<ObjectionRequest>,
) -> Result<Response, ApiError> {
    match state
        .within_filing_cap(client, file_objection(&state.ctx(), req, "portal"))
        .await
    {
        Some(filed) => Ok(Json(filed?).into_response()),
        None => Ok(filings_capped(&state)),
    }
}

/// 429: the client's anonymous applications of the day are used up.
pub(crate) fn filings_capped(state: &AppState) -> Response {
    let wait = crate::throttle::secs_to_china_midnight();
    (
        [(axum::http::header::RETRY_AFTER, wait.to_string())],
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "同一来源每天最多提交 {} 件异议、信用修复申请或投诉，今日已达上限，请明日再试",
                state.filings.per_day
            ),
        )
        .with_detail(json!({"retry_after": wait})),
    )
        .into_response()
}

/// File a credit repair application (信用修复申请); refused with every unmet condition.
#[utoipa::path(post, path = "/api/v1/repairs", request_body = RepairRequest,
    responses((status = 200, body = Filed), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope),
              (status = 429, body = crate::error::ErrorEnvelope)))]
pub async fn post_repair(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<RepairRequest>,
) -> Result<Response, ApiError> {
    match state
        .within_filing_cap(client, file_repair(&state.ctx(), req, "portal"))
        .await
    {
        Some(filed) => Ok(Json(filed?).into_response()),
        None => Ok(filings_capped(&state)),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueryCode {
    /// The query code given when the application was filed.
    pub query_code: Option<String>,
}

/// Follow an application by its number and query code. A wrong or missing code reveals
/// nothing (the same 404 as an unknown number).
#[utoipa::path(get, path = "/api/v1/applications/{number}", params(("number" = String, Path, description = "application number"), QueryCode),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_application(
    State(state): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<QueryCode>,
) -> Result<Json<Value>, ApiError> {
    let nothing = || ApiError::not_found("申请编号或查询码不正确");
    let code = q
        .query_code
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(nothing)?;
    let wf = state
        .store
        .application(&number)
        .await?
        .ok_or_else(nothing)?;
    if query_code_hash(&code) != wf.app.query_code_hash {
        return Err(nothing());
    }
    let near = state.policies.deadlines.near_due;
    Ok(Json(public_view(&wf, &state.calendar, state.today(), near)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EligibilityQuery {
    pub record_id: String,
    /// Judge on this day; default today.
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
}

/// Whether a record may be repaired, each condition explained (the applicant's declarations
/// are taken as given and a commitment as signed with the application).
#[utoipa::path(get, path = "/api/v1/repairs/eligibility", params(EligibilityQuery),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_eligibility(
    State(state): State<AppState>,
    Query(q): Query<EligibilityQuery>,
) -> Result<Json<Eligibility>, ApiError> {
    let ctx = state.ctx();
    let record = record_or_404(ctx.store, &q.record_id).await?;
    let on = q.on.unwrap_or(ctx.today);
    Ok(Json(eligibility_as_filed(&ctx, &record, on).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkflowQuery {
    /// Only applications handled by this unit.
    pub unit: Option<String>,
    /// `objection` | `repair` | `rectification` | `complaint`
    pub kind: Option<String>,
    /// Only open ones.
    pub open: Option<bool>,
    /// Only those with a clock past due.
    pub overdue: Option<bool>,
}

fn parse_kind(s: Option<&str>) -> Result<Option<WorkflowKind>, ApiError> {
    match s {
        None | Some("") => Ok(None),
        Some(name) => WorkflowKind::parse(name).map(Some).ok_or_else(|| {
            ApiError::invalid(format!(
                "kind 应为 objection、repair、rectification 或 complaint，收到“{name}”"
            ))
        }),
    }
}

/// Applications of the units the calling system acts for, with every clock and its status
/// (staff, bearer). Asking for another unit's is refused.
#[utoipa::path(get, path = "/api/v1/workflows", params(WorkflowQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(q): Query<WorkflowQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(unit) = q.unit.as_deref().filter(|u| !u.is_empty()) {
        acts_for(&state, &caller, unit)?;
    }
    let today = state.today();
    let near = state.policies.deadlines.near_due;
    let apps = state
        .store
        .applications(&AppQuery {
            kind: parse_kind(q.kind.as_deref())?,
            unit: q.unit.clone(),
            open: q.open.or(q.overdue.filter(|o| *o)),
            ..AppQuery::default()
        })
        .await?;
    let items: Vec<Value> = apps
        .iter()
        .filter(|w| acts_for(&state, &caller, &w.unit).is_ok())
        .filter(|w| !q.overdue.unwrap_or(false) || w.is_overdue(&state.calendar, today, near))
        .map(|w| staff_view(w, &state.calendar, today, near))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// One application in full, for a system acting for its handling unit (bearer); another
/// unit's is not found.
#[utoipa::path(get, path = "/api/v1/workflows/{number}", params(("number" = String, Path, description = "application number")),
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_workflow(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let wf = state
        .store
        .application(&number)
        .await?
        .filter(|wf| acts_for(&state, &caller, &wf.unit).is_ok())
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 不存在")))?;
    let near = state.policies.deadlines.near_due;
    Ok(Json(staff_view(&wf, &state.calendar, state.today(), near)))
}

/// A staff step on an application: assign, suspend, resume, extend, forward, decide,
/// withdraw, sync (bearer; the caller is recorded).
#[utoipa::path(post, path = "/api/v1/workflows/{number}/steps", request_body = StepRequest,
    params(("number" = String, Path, description = "application number")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_step(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(number): Path<String>,
    Json(req): Json<StepRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = state.ctx();
    let wf = ctx
        .store
        .application(&number)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("申请 {number} 不存在")))?;
    // A calling system acts for the unit it is named after; the platform's exchange adapter
    // (信用交通平台) may record syncs for any unit.
    let platform_sync = req.action == "sync" && caller == PLATFORM;
    if !platform_sync {
        acts_for(&state, &caller, &wf.unit)?;
    }
    let after = take_step(&ctx, &number, &req, &format!("api:{caller}")).await?;
    // Lists changed: checks see it now, not at the next refresh tick.
    state.refresh_checks().await?;
    Ok(Json(staff_view(
        &after,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

/// On-time rates per unit and workflow (objection / repair clocks).
#[utoipa::path(get, path = "/api/v1/stats/workflows",
    responses((status = 200, body = [WorkflowStatsRow])))]
pub async fn get_workflow_stats(
    State(state): State<AppState>,
) -> Result<Json<Vec<WorkflowStatsRow>>, ApiError> {
    let apps = state.store.applications(&AppQuery::default()).await?;
    let near = state.policies.deadlines.near_due;
    Ok(Json(workflow_stats(
        &apps,
        &state.calendar,
        state.today(),
        near,
    )))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    pub unit: String,
}

/// A unit's inbox (站内消息), newest first, for a system acting for that unit (bearer).
#[utoipa::path(get, path = "/api/v1/inbox", params(InboxQuery), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope)))]
pub async fn get_inbox(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Value>, ApiError> {
    acts_for(&state, &caller, &q.unit)?;
    let items = state.store.inbox(&q.unit, 200).await?;
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// The commitment templates in force, per matter type.
#[utoipa::path(get, path = "/api/v1/commitment-templates", responses((status = 200, body = Object)))]
pub async fn get_templates(State(state): State<AppState>) -> Json<Value> {
    let t = &state.policies.commitments;
    Json(json!({"version": t.version, "templates": t.templates}))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentQuery {
    pub subject_id: Option<String>,
}

/// Signed commitments (公开承诺), with their fulfilment status.
#[utoipa::path(get, path = "/api/v1/commitments", params(CommitmentQuery), responses((status = 200, body = Object)))]
pub async fn list_commitments(
    State(state): State<AppState>,
    Query(q): Query<CommitmentQuery>,
) -> Result<Json<Value>, ApiError> {
    let near = state.policies.deadlines.near_due;
    let today = state.today();
    let items: Vec<Value> = state
        .store
        .commitments(q.subject_id.as_deref())
        .await?
        .iter()
        .map(|c| commitment_json(c, &state.calendar, today, near))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// Record a signed commitment (bearer).
#[utoipa::path(post, path = "/api/v1/commitments", request_body = CommitmentRequest, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_commitment(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<CommitmentRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = state.ctx();
    acts_for(&state, &caller, &req.unit)?;
    let s = sign_commitment(&ctx, req, &format!("api:{caller}")).await?;
    Ok(Json(commitment_json(
        &s,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

/// Record a fulfilment check (践诺核查) (bearer).
#[utoipa::path(post, path = "/api/v1/commitments/{id}/checks", request_body = FulfilmentRequest,
    params(("id" = String, Path, description = "commitment id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn post_commitment_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<FulfilmentRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = state.ctx();
    let c = ctx
        .store
        .commitment(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("信用承诺 {id} 不存在")))?;
    acts_for(&state, &caller, &c.commitment.unit)?;
    let s = check_commitment(&ctx, &id, req, &format!("api:{caller}")).await?;
    state.refresh_checks().await?;
    Ok(Json(commitment_json(
        &s,
        ctx.calendar,
        ctx.today,
        ctx.policy.near_due,
    )))
}

// ---------------------------------------------------------------------------------------------
// Demo data.
