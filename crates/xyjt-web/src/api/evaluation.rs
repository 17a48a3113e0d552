//! Credit evaluation (信用评价) over HTTP: the models in force and the published results
//! (public, natural persons masked), and — for a calling system with a token — starting, reviewing
//! and publishing a run. The services are `xyjt_app::evaluation`.

use super::checks::Caller;
use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use crate::ratelimit::ClientIp;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use xyjt_app::evaluation as eval;
use xyjt_core::evaluation::{EvalModel, EvalResultState, ResultStatus};
use xyjt_core::text::name_key;
use xyjt_store::EvalResultQuery;

/// A model as the public reads it: the stored model and its bands in words.
pub(crate) fn model_json(m: &EvalModel) -> Value {
    let label = m.points_label();
    let bands: Vec<Value> = m
        .bands
        .iter()
        .map(|b| {
            json!({
                "grade": b.grade,
                "label": m.grade_label(&b.grade),
                "rule": b.describe(label),
            })
        })
        .collect();
    let mut v = serde_json::to_value(m).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("band_rules".into(), Value::Array(bands));
    }
    v
}

/// The evaluation models in force (latest adopted version of each), with their grades, bands
/// and scoring items; items and models the documents do not fix are marked `example`.
#[utoipa::path(get, path = "/api/v1/evaluation/models", responses((status = 200, body = Object)))]
pub(crate) async fn list_models(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let models = eval::current_models(state.store.as_ref(), &state.policies).await?;
    let items: Vec<Value> = models.iter().map(model_json).collect();
    Ok(Json(json!({
        "publish_days": state.policies.evaluation.publish_days,
        "total": items.len(),
        "items": items,
    })))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Model id, e.g. `js-road-transport`.
    pub model: Option<String>,
    /// Evaluation period (a year, e.g. `2025`).
    pub period: Option<String>,
    /// Only this grade (`AA`, `A`, …).
    pub grade: Option<String>,
    /// Part of the name as published (a natural person's name is published masked, so only
    /// the masked form is found).
    pub q: Option<String>,
    /// 1-based page number.
    pub page: Option<i64>,
    /// Items per page, at most 100.
    pub per_page: Option<i64>,
}

/// A page of published results, as the public sees them.
pub(crate) struct PublicResults {
    pub items: Vec<EvalResultState>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn blank(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Published results matching the query. A name search matches only what is published: a
/// person's full name does not find the masked row.
pub(crate) async fn published_results(
    state: &AppState,
    q: &ResultsQuery,
    default_per_page: i64,
) -> Result<PublicResults, ApiError> {
    let page = crate::edge::page_number(q.page)?;
    let per_page = q.per_page.unwrap_or(default_per_page);
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::invalid("per_page 必须在 1 到 100 之间"));
    }
    let mut query = EvalResultQuery {
        model_id: blank(&q.model),
        period: blank(&q.period),
        grade: blank(&q.grade),
        status: Some(ResultStatus::Published),
        limit: per_page,
        offset: (page - 1) * per_page,
        ..EvalResultQuery::default()
    };
    let Some(text) = blank(&q.q) else {
        let found = state.store.eval_results(&query).await?;
        return Ok(PublicResults {
            items: found.items,
            total: found.total,
            page,
            per_page,
        });
    };
    let key = name_key(&text);
    query.name_key = Some(key.clone());
    query.limit = 10_000;
    query.offset = 0;
    let found = state.store.eval_results(&query).await?;
    let shown: Vec<EvalResultState> = found
        .items
        .into_iter()
        .filter(|s| name_key(&eval::public_name_and_code(&s.result).0).contains(&key))
        .collect();
    let total = shown.len() as i64;
    Ok(PublicResults {
        items: shown
            .into_iter()
            .skip(((page - 1) * per_page) as usize)
            .take(per_page as usize)
            .collect(),
        total,
        page,
        per_page,
    })
}

/// Published evaluation results (信用评价结果公示), newest period first then best score; natural
/// persons' names and citizen IDs masked.
#[utoipa::path(get, path = "/api/v1/evaluation/results", params(ResultsQuery),
    responses((status = 200, body = Object), (status = 400, body = ErrorEnvelope),
              (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope, headers(("Retry-After" = u64, description = "seconds to wait")))))]
pub(crate) async fn list_results(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    // A name search counts against the public search limit, as the subject search does.
    if blank(&q.q).is_some()
        && let Err(wait) = state.search_allowed(client)
    {
        return Ok(crate::error::rate_limited(wait));
    }
    let found = published_results(&state, &q, 20).await?;
    let items: Vec<Value> = found.items.iter().map(eval::public_result_json).collect();
    Ok(Json(json!({
        "items": items,
        "total": found.total,
        "page": found.page,
        "per_page": found.per_page,
    }))
    .into_response())
}

/// A result the public may read: published (or published and since superseded by a re-scored
/// one); anything else is 404.
pub(crate) async fn public_result(state: &AppState, id: &str) -> Result<EvalResultState, ApiError> {
    state
        .store
        .eval_result(id)
        .await?
        .filter(|s| {
            s.published_on.is_some()
                && matches!(s.status, ResultStatus::Published | ResultStatus::Superseded)
        })
        .ok_or_else(|| ApiError::not_found(format!("评价结果 {id} 不存在或未公开")))
}

/// One published result with every deduction and addition (item, basis, points, fact). The id
/// contains `/`: send it percent-encoded (`%2F`).
#[utoipa::path(get, path = "/api/v1/evaluation/results/{id}",
    params(("id" = String, Path, description = "result id, percent-encoded")),
    responses((status = 200, body = Object), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = public_result(&state, &id).await?;
    Ok(Json(eval::public_result_json(&s)))
}

/// A subject's grade in force, on its profile.
#[derive(Serialize, ToSchema)]
pub struct GradeView {
    pub result_id: String,
    pub model_id: String,
    pub model_title: String,
    pub model_version: u32,
    /// The model is example policy (示例).
    pub example: bool,
    pub period: String,
    /// `None` when the model's bands did not cover the score.
    pub grade: Option<String>,
    pub band: String,
    pub score: String,
    #[schema(value_type = Option<String>, format = Date)]
    pub published_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
}

impl GradeView {
    pub fn new(s: &EvalResultState) -> Self {
        let r = &s.result;
        GradeView {
            result_id: r.id.clone(),
            model_id: r.model_id.clone(),
            model_title: r.model_title.clone(),
            model_version: r.model_version,
            example: r.example,
            period: r.period.clone(),
            grade: r.grade.clone(),
            band: r.band.clone(),
            score: r.score.to_string(),
            published_on: s.published_on,
            valid_until: s.valid_until,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Token-authenticated runs: the calling system acts for the unit it is named after.

/// The token's scope (`caller_acts_for`) for a unit id, as a 403.
fn acts_for_unit(state: &AppState, caller: &str, unit_id: &str) -> Result<(), ApiError> {
    let name = state
        .policies
        .org
        .unit(unit_id)
        .map_or(unit_id, |u| u.name.as_str());
    xyjt_core::account::caller_acts_for(&state.policies.org, caller, name).map_err(|d| {
        ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            d.to_string(),
        )
    })
}

#[derive(Deserialize, ToSchema)]
pub struct RunRequest {
    /// Model id.
    pub model: String,
    /// Period, e.g. `2025`.
    pub period: String,
    /// Facts up to this day (default: today, at most the period's last day).
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// Evaluation runs of the units the calling system acts for, newest first, with their review
/// and publication clock (bearer).
#[utoipa::path(get, path = "/api/v1/evaluation/runs", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope)))]
pub(crate) async fn list_runs(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<Value>, ApiError> {
    let today = state.today();
    let items: Vec<Value> = state
        .store
        .eval_runs(None)
        .await?
        .iter()
        .filter(|r| acts_for_unit(&state, &caller, &r.run.unit).is_ok())
        .map(|r| eval::run_json(r, today))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// Starts a run for the calling system's unit (its token's name is an organisation unit): every
/// subject the model applies to is scored and the results are proposed for review (bearer).
#[utoipa::path(post, path = "/api/v1/evaluation/runs", request_body = RunRequest, security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorEnvelope),
              (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn post_run(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Json(req): Json<RunRequest>,
) -> Result<Json<Value>, ApiError> {
    let unit = state
        .policies
        .org
        .by_name(&caller)
        .map(|u| u.id.clone())
        .ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "forbidden",
                format!("调用方“{caller}”不是组织机构中的单位，不能发起信用评价"),
            )
        })?;
    let ctx = state.ctx();
    let run = eval::run(
        &ctx,
        &req.model,
        &req.period,
        req.as_of,
        &unit,
        &format!("api:{caller}"),
    )
    .await?;
    Ok(Json(eval::run_json(&run, ctx.today)))
}

#[derive(Deserialize, ToSchema)]
pub struct ReviewRequest {
    pub approved: bool,
    /// Required when not approved.
    #[serde(default)]
    pub comment: String,
}

/// Reviews a proposed run (谁生产、谁审核: not by the system that proposed it) (bearer).
#[utoipa::path(post, path = "/api/v1/evaluation/runs/{id}/review", request_body = ReviewRequest,
    params(("id" = String, Path, description = "run id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub(crate) async fn post_review(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Json(req): Json<ReviewRequest>,
) -> Result<Json<Value>, ApiError> {
    let ctx = state.ctx();
    let run = eval::run_or_404(ctx.store, &id).await?;
    acts_for_unit(&state, &caller, &run.run.unit)?;
    let run = eval::review(
        &ctx,
        &id,
        &format!("api:{caller}"),
        req.approved,
        &req.comment,
    )
    .await?;
    Ok(Json(eval::run_json(&run, ctx.today)))
}

/// Publishes an approved run and copies it to the supervising and sharing units (bearer).
#[utoipa::path(post, path = "/api/v1/evaluation/runs/{id}/publish",
    params(("id" = String, Path, description = "run id")), security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 403, body = ErrorEnvelope),
              (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope)))]
pub(crate) async fn post_publish(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let ctx = state.ctx();
    let run = eval::run_or_404(ctx.store, &id).await?;
    acts_for_unit(&state, &caller, &run.run.unit)?;
    let run = eval::publish(&ctx, &id, &format!("api:{caller}")).await?;
    Ok(Json(eval::run_json(&run, ctx.today)))
}
