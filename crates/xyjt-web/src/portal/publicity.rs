//! 双公示 公示栏: what is public today, 20 a page, by category and unit.

use super::shared::{RecordRow, urlencode};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xyjt_core::record::RecordCategory;

const PER_PAGE: i64 = 20;

#[derive(Deserialize)]
pub struct PublicityPageQuery {
    category: Option<String>,
    unit: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "portal/publicity.html")]
struct PublicityPage {
    /// The category asked for, as given (`license`, `penalty` or anything else: all).
    category: String,
    unit: String,
    /// The unit, percent-encoded for the page links.
    unit_query: String,
    total: i64,
    page: i64,
    records: Vec<RecordRow>,
    previous: Option<i64>,
    next: Option<i64>,
}

pub async fn publicity_page(
    State(state): State<AppState>,
    Query(q): Query<PublicityPageQuery>,
) -> Result<Response, ApiError> {
    let category = match q.category.as_deref() {
        Some("license") => Some(RecordCategory::License),
        Some("penalty") => Some(RecordCategory::Penalty),
        _ => None,
    };
    let unit = q.unit.clone().filter(|u| !u.trim().is_empty());
    let page = match crate::edge::page_number(q.page) {
        Ok(page) => page,
        Err(e) => return Ok(crate::edge::refusal("/publicity", e)),
    };
    let result = state
        .public_records(&xyjt_store::PublicityQuery {
            on: state.today(),
            category,
            unit: unit.clone(),
            decided_from: None,
            decided_to: None,
            limit: PER_PAGE,
            offset: (page - 1) * PER_PAGE,
        })
        .await?;
    let marks = xyjt_app::workflows::objection_marks(state.store.as_ref(), None).await?;
    let unit = unit.unwrap_or_default();
    Ok(crate::html::render(&PublicityPage {
        category: q.category.unwrap_or_default(),
        unit_query: urlencode(&unit),
        unit,
        total: result.total,
        page,
        records: result
            .items
            .iter()
            .map(|r| RecordRow::new(r, &marks))
            .collect(),
        previous: (page > 1).then_some(page - 1),
        next: (page * PER_PAGE < result.total).then_some(page + 1),
    })
    .into_response())
}
