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
    /// The last record of the page before (`DATE~ID`): 下一页 enters the order there.
    after: Option<String>,
    /// The first record of the page after: 上一页.
    before: Option<String>,
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
    /// The links' query strings after `category` and `unit` (page number and cursor).
    previous: Option<String>,
    next: Option<String>,
}

/// A record's place in the board's order, as a cursor.
fn cursor(r: &xyjt_core::record::Record) -> String {
    urlencode(&format!("{}~{}", r.body.decision_date(), r.id))
}

fn parse_cursor(s: &str) -> Option<(chrono::NaiveDate, String)> {
    let (date, id) = s.split_once('~')?;
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    (!id.is_empty()).then(|| (date, id.to_string()))
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
    let query = xyjt_store::PublicityQuery {
        on: state.today(),
        category,
        unit: unit.clone(),
        decided_from: None,
        decided_to: None,
        limit: PER_PAGE,
        offset: (page - 1) * PER_PAGE,
    };
    // Page numbers for a link typed by hand; the page's own links carry a cursor, so walking
    // the board page by page costs the same at page 5,000 as at page 1.
    let bad_cursor = || {
        crate::edge::refusal(
            "/publicity",
            ApiError::invalid("翻页参数无效，请从公示栏首页重新翻页"),
        )
    };
    let (after, before) = match (q.after.as_deref(), q.before.as_deref()) {
        (Some(_), Some(_)) => return Ok(bad_cursor()),
        (a, b) => (a.map(parse_cursor), b.map(parse_cursor)),
    };
    let result = match (after, before) {
        (Some(None), _) | (_, Some(None)) => return Ok(bad_cursor()),
        (Some(Some((date, id))), _) => {
            let total = state.public_records(&counted(&query)).await?.total;
            let items = state
                .public_store
                .public_records_after(&query, date, &id)
                .await?;
            xyjt_store::RecordPage { items, total }
        }
        (_, Some(Some((date, id)))) => {
            let total = state.public_records(&counted(&query)).await?.total;
            let items = state
                .public_store
                .public_records_before(&query, date, &id)
                .await?;
            xyjt_store::RecordPage { items, total }
        }
        (None, None) => state.public_records(&query).await?,
    };
    let marks = state.objection_marks().await?;
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
        previous: (page > 1).then(|| match result.items.first() {
            Some(r) if page > 2 => format!("page={}&before={}", page - 1, cursor(r)),
            _ => format!("page={}", page - 1),
        }),
        next: (page * PER_PAGE < result.total)
            .then(|| result.items.last())
            .flatten()
            .map(|r| format!("page={}&after={}", page + 1, cursor(r))),
    })
    .into_response())
}

/// The query as counted (the total is the same whatever the page).
fn counted(q: &xyjt_store::PublicityQuery) -> xyjt_store::PublicityQuery {
    xyjt_store::PublicityQuery {
        limit: 0,
        offset: 0,
        ..q.clone()
    }
}
