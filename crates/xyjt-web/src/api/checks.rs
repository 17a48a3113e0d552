//! The credit check's HTTP handlers and the calling system's bearer token. The index, the
//! recorder and the services are `xyjt_app::checks`.

use crate::AppState;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::Value;
pub use xyjt_app::checks::{
    Bidder, CheckIndex, CheckRequest, CheckResponse, CheckSubject, FeedbackRequest, ScreenHit,
    ScreeningRequest, current_policy, query_key,
};

/// The calling system, authenticated by `Authorization: Bearer TOKEN`.
pub struct Caller(pub String);

/// The calling system and the decision points its token is limited to (empty: not limited;
/// the personnel decision points must be named).
pub struct ScopedCaller {
    pub name: String,
    pub points: Vec<xyjt_core::lists::DecisionPoint>,
}

pub(crate) async fn resolve_token(
    parts: &Parts,
    state: &AppState,
) -> Result<(String, Vec<xyjt_core::lists::DecisionPoint>), ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("缺少接口令牌：请在 Authorization 头中使用 Bearer 令牌"))?;
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("Authorization 头应为 “Bearer 令牌”"))?;
    let hash = xyjt_core::canonical::sha256_hex(token.as_bytes());
    if let Some(found) = state.tokens.read().expect("token cache").get(&hash) {
        return Ok(found.clone());
    }
    match state.store.token_scope(&hash).await? {
        Some(found) => {
            state
                .tokens
                .write()
                .expect("token cache")
                .insert(hash, found.clone());
            Ok(found)
        }
        None => Err(unauthorized("接口令牌无效")),
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Ok(Caller(resolve_token(parts, state).await?.0))
    }
}

impl FromRequestParts<AppState> for ScopedCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (name, points) = resolve_token(parts, state).await?;
        Ok(ScopedCaller { name, points })
    }
}

/// Answers, records and returns a check.
#[utoipa::path(post, path = "/api/v1/checks", request_body = CheckRequest,
    security(("bearer" = [])),
    responses((status = 200, body = CheckResponse), (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create_check(
    State(state): State<AppState>,
    caller: ScopedCaller,
    Json(req): Json<CheckRequest>,
) -> Result<Json<CheckResponse>, ApiError> {
    if let Some(point) = xyjt_core::lists::DecisionPoint::from_label(&req.decision_point) {
        xyjt_app::integrity::authorize_point(&state.policies, &caller.points, point)?;
    }
    let answer =
        xyjt_app::checks::answer_check(&state.ctx(), &state.checks, &caller.name, req).await?;
    Ok(Json(answer))
}

/// The calling system reports what it did with a check's answer.
#[utoipa::path(post, path = "/api/v1/checks/{id}/feedback", request_body = FeedbackRequest,
    params(("id" = String, Path, description = "check id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn check_feedback(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<FeedbackRequest>,
) -> Result<Json<Value>, ApiError> {
    xyjt_app::checks::record_feedback(state.store.as_ref(), &caller, &id, req).await?;
    Ok(Json(serde_json::json!({"id": id, "recorded": true})))
}

/// A check this system asked, with its feedback (another system's check is not found).
#[utoipa::path(get, path = "/api/v1/checks/{id}", params(("id" = String, Path, description = "check id")),
    security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 404, body = crate::error::ErrorEnvelope)))]
pub async fn get_check(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        xyjt_app::checks::check_for(state.store.as_ref(), &caller, &id).await?,
    ))
}

/// Checks and feedback per calling system, decision point and answer (跟踪问效).
#[utoipa::path(get, path = "/api/v1/checks/stats", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn check_stats(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let items = xyjt_app::checks::check_stats(state.store.as_ref()).await?;
    Ok(Json(serde_json::json!({ "items": items })))
}

/// Screens a list of bidders against every active list (exact identifiers, fuzzy names).
#[utoipa::path(post, path = "/api/v1/screenings", request_body = ScreeningRequest, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = crate::error::ErrorEnvelope),
              (status = 403, body = crate::error::ErrorEnvelope),
              (status = 422, body = crate::error::ErrorEnvelope)))]
pub async fn create_screening(
    State(state): State<AppState>,
    scoped: ScopedCaller,
    Json(req): Json<ScreeningRequest>,
) -> Result<Json<Value>, ApiError> {
    if let Some(point) = xyjt_core::lists::DecisionPoint::from_label(&req.decision_point) {
        xyjt_app::integrity::authorize_point(&state.policies, &scoped.points, point)?;
    }
    let caller = scoped.name;
    let today = state.today();
    Ok(Json(
        xyjt_app::checks::screen_bidders(state.store.as_ref(), &state.checks, &caller, req, today)
            .await?,
    ))
}
