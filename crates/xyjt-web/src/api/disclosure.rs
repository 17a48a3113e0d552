//! Government information disclosure (政务公开) over HTTP, all public reads of what is public:
//! the catalogue (published, 主动公开 items only; anything else is 404), comments on a draft
//! decision open for comment, on-time publication per unit, and part 3 of the annual report.
//! Drafting and the confidentiality review are console work (staff sessions). The services are
//! `xyjt_app::disclosure`.

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use crate::ratelimit::ClientIp;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use xyjt_app::disclosure::{self as dc, CatalogueQuery, CommentInput, PublicItem};

/// The public catalogue (主动公开目录), newest publication first; `q` searches the title, 索引号,
/// 文号, 主题词 and 内容概览.
#[utoipa::path(get, path = "/api/v1/disclosure/items", params(CatalogueQuery),
    responses((status = 200, body = Vec<PublicItem>), (status = 422, body = ErrorEnvelope)))]
pub async fn list_items(
    State(state): State<AppState>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Json<Vec<PublicItem>>, ApiError> {
    let ctx = state.ctx();
    let items = dc::catalogue(&ctx, &q).await?;
    Ok(Json(
        items.iter().map(|s| dc::public_view(&ctx, s)).collect(),
    ))
}

/// One public item with its metadata; 404 for a draft, a returned or a non-public item.
#[utoipa::path(get, path = "/api/v1/disclosure/items/{id}",
    params(("id" = String, Path, description = "the item's id")),
    responses((status = 200, body = PublicItem), (status = 404, body = ErrorEnvelope)))]
pub async fn get_item(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<PublicItem>, ApiError> {
    let ctx = state.ctx();
    let s = dc::public_item(&ctx, &id).await?;
    Ok(Json(dc::public_view(&ctx, &s)))
}

/// A comment on a draft decision open for comment (重大决策预公开); only the text is kept.
#[utoipa::path(post, path = "/api/v1/disclosure/items/{id}/comments",
    params(("id" = String, Path, description = "the item's id")),
    request_body = CommentInput,
    responses((status = 201, body = Object), (status = 404, body = ErrorEnvelope),
              (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope),
              (status = 429, body = ErrorEnvelope)))]
pub async fn post_comment(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
    Json(input): Json<CommentInput>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    match state
        .within_filing_cap(client, dc::comment(&ctx, &id, &input, "网站"))
        .await
    {
        Some(s) => Ok((
            StatusCode::CREATED,
            Json(json!({"comments_received": s?.comments.len()})),
        )
            .into_response()),
        None => Ok(comments_capped(&state)),
    }
}

/// 429 once a source reached the daily cap of anonymous submissions (comments count with
/// objections and repair applications: `limits.toml`).
pub(crate) fn comments_capped(state: &AppState) -> Response {
    let wait = crate::throttle::secs_to_china_midnight();
    (
        [(axum::http::header::RETRY_AFTER, wait.to_string())],
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "同一来源每天最多提交 {} 件意见或申请，今日已达上限，请明日再试",
                state.filings.per_day
            ),
        )
        .with_detail(json!({"retry_after": wait})),
    )
        .into_response()
}

/// On-time publication per unit, over the items whose column has a publication deadline.
#[utoipa::path(get, path = "/api/v1/disclosure/on-time",
    responses((status = 200, body = Object)))]
pub async fn get_on_time(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let rows = dc::on_time(&state.ctx()).await?;
    Ok(Json(json!({"units": rows})))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The report's year.
    pub year: i32,
}

/// Part 3 of the annual report (收到和处理政府信息公开申请情况): `columns` are the six applicant
/// types and 总计, `rows` every official row in order with its seven values; the identity
/// 本年新收 + 上年结转 = 办结总计 + 结转下年度 is checked before answering.
#[utoipa::path(get, path = "/api/v1/disclosure/annual-report", params(YearQuery),
    responses((status = 200, body = Object), (status = 422, body = ErrorEnvelope)))]
pub async fn get_annual_report(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Value>, ApiError> {
    let t = dc::request_table(&state.ctx(), q.year).await?;
    Ok(Json(serde_json::to_value(t).expect("tables serialise")))
}
