//! The home page: the search box, the platform's counters and the latest news; with `?q=` the
//! search results (rate limited per client).

use super::news::{NewsItem, news};
use crate::AppState;
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use crate::views::SubjectView;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::mask::Audience;
use xyjt_core::record::RecordCategory;
use xyjt_core::text::name_key;

#[derive(Deserialize)]
pub struct HomeQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct HomePage {
    title: &'static str,
    /// The query as shown back (a citizen ID number masked).
    query: String,
    /// Without a query: the counters and news.
    overview: Option<Overview>,
    /// With a query: the subjects found.
    results: Vec<SubjectRow>,
    /// With a query that finds more than is shown: how many, and what to do.
    note: Option<String>,
}

/// The home page's counters (subjects, records public today, entries per list) and news.
struct Overview {
    subjects: i64,
    licenses: i64,
    penalties: i64,
    red: usize,
    black: usize,
    watch: usize,
    today: NaiveDate,
    news: &'static [NewsItem],
}

struct SubjectRow {
    id: String,
    name: String,
    kind: String,
    code: String,
}

#[derive(Template)]
#[template(path = "portal/rate_limited.html")]
struct RateLimited {
    wait: u64,
}

pub async fn home(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(query): Query<HomeQuery>,
) -> Result<Response, ApiError> {
    let q = query.q.unwrap_or_default();
    let q = q.trim();
    if !q.is_empty()
        && let Err(wait) = state.search_allowed(client)
    {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            crate::html::render(&RateLimited { wait }),
        )
            .into_response());
    }
    let checked = check(q);
    // Never echo a citizen ID number back into a page, not even the searcher's own.
    let shown_query = if checked.kind == CodeKind::CitizenId {
        xyjt_core::mask::mask_id_number(&checked.normalized)
    } else {
        q.to_string()
    };
    if q.is_empty() {
        let page = HomePage {
            title: "首页",
            query: shown_query,
            overview: Some(overview(&state).await?),
            results: vec![],
            note: None,
        };
        return Ok(crate::html::render(&page).into_response());
    }
    const SHOWN: i64 = 50;
    let (subjects, note) = match (&checked.kind, &checked.result) {
        (kind, Ok(code)) if *kind != CodeKind::Unknown => {
            let mut found: Vec<_> = state
                .public_store
                .subject_by_code(code)
                .await?
                .into_iter()
                .collect();
            if let Some(s) = found.first()
                && state.hidden_from_public(&s.id).await?
            {
                found.clear();
            }
            (found, None)
        }
        _ => {
            let found = state
                .public_store
                .search_subjects(&name_key(q), SHOWN, 0)
                .await?;
            let note = if found.more {
                Some(format!(
                    "匹配的主体超过 {} 个，仅显示按名称排序的前 {SHOWN} 个。请输入更完整的名称或统一社会信用代码。",
                    xyjt_store::SEARCH_CAP
                ))
            } else if found.total > SHOWN {
                Some(format!(
                    "共 {} 个匹配的主体，显示按名称排序的前 {SHOWN} 个。请输入更完整的名称以缩小范围。",
                    found.total
                ))
            } else {
                None
            };
            (found.items, note)
        }
    };
    let results = subjects
        .iter()
        .map(|s| {
            let v = SubjectView::new(s, Audience::Public);
            SubjectRow {
                code: v.uscc.or(v.citizen_id).unwrap_or_default(),
                id: v.id,
                name: v.name,
                kind: v.kind,
            }
        })
        .collect();
    let page = HomePage {
        title: "查询结果",
        query: shown_query,
        overview: None,
        results,
        note,
    };
    Ok(crate::html::render(&page).into_response())
}

/// The counters read from the projections, and when: they stand until the check index is
/// rebuilt (something other than a recorded check was appended) or the day changes, so the
/// home page does not recount every public record on every request.
#[derive(Clone, Copy)]
pub(crate) struct Figures {
    built_at: i64,
    today: NaiveDate,
    subjects: i64,
    licenses: i64,
    penalties: i64,
}

async fn figures(state: &AppState, built_at: i64, today: NaiveDate) -> Result<Figures, ApiError> {
    let cached = *state.home_figures.lock().expect("figures lock");
    if let Some(f) = cached.filter(|f| f.built_at == built_at && f.today == today) {
        return Ok(f);
    }
    let subjects = state.public_store.count_subjects().await?;
    let mut public = Vec::new();
    for category in [RecordCategory::License, RecordCategory::Penalty] {
        let n = state
            .public_store
            .count_public_records(&xyjt_store::PublicityQuery {
                on: today,
                category: Some(category),
                unit: None,
                decided_from: None,
                decided_to: None,
                limit: 1,
                offset: 0,
            })
            .await?;
        public.push(n);
    }
    let f = Figures {
        built_at,
        today,
        subjects,
        licenses: public[0],
        penalties: public[1],
    };
    *state.home_figures.lock().expect("figures lock") = Some(f);
    Ok(f)
}

async fn overview(state: &AppState) -> Result<Overview, ApiError> {
    let today = state.today();
    // The list counts come from the check index, which holds every published entry in memory.
    let index = state.checks.current();
    let f = figures(state, index.built_at(), today).await?;
    let news = news();
    Ok(Overview {
        subjects: f.subjects,
        licenses: f.licenses,
        penalties: f.penalties,
        red: index.in_force_count("red", today),
        black: index.in_force_count("black", today),
        watch: index.in_force_count("watch", today),
        today,
        news: &news[..news.len().min(3)],
    })
}
