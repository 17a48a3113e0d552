//! 政府信息公开 on the portal: the guide (指南), the catalogue (主动公开目录) with search and
//! browsing by category, an item's page with its metadata (索引号, 信息分类, 发布机构, 成文日期,
//! 发布日期, 文号, 主题词, 时效 …), attachments, 清理 decisions and — for a draft decision open for
//! comment — the comment form and the adoption summary, the Atom feed, and the annual report
//! (printable page and XLSX). Only published, 主动公开 items are read (`xyjt_app::disclosure`'s
//! public reads); no staff name or comment author is shown.

use super::shared::{Missing, urlencode};
use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;
use xyjt_app::ErrorKind;
use xyjt_app::disclosure::{self as dc, CatalogueQuery, CommentInput, PublicItem};
use xyjt_core::disclosure::annual::{AnnualReport, RESULT_ROWS, REVIEW_COLUMNS, ROW_RESULTS};

/// A catalogue row.
pub(crate) struct Row {
    pub link: String,
    pub index_no: String,
    pub title: String,
    pub category: String,
    pub publisher: String,
    pub published_on: String,
    pub validity: String,
}

impl Row {
    pub(crate) fn new(p: &PublicItem) -> Self {
        Row {
            link: urlencode(&p.id),
            index_no: p.index_no.clone(),
            title: p.title.clone(),
            category: format!("{} / {}", p.category, p.column),
            publisher: p.publisher.clone(),
            published_on: p.published_on.clone(),
            validity: p.validity.clone(),
        }
    }
}

struct ColumnLink {
    label: String,
    query: String,
    count: usize,
}

struct CategoryLinks {
    label: String,
    query: String,
    columns: Vec<ColumnLink>,
}

#[derive(Template)]
#[template(path = "portal/disclosure_guide.html")]
struct GuidePage {
    categories: Vec<CategoryLinks>,
    /// The latest items.
    rows: Vec<Row>,
    last_year: i32,
}

/// `/disclosure`: 政府信息公开指南, the categories with their counts, the latest items.
pub async fn guide_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    let items = dc::catalogue(&ctx, &CatalogueQuery::default()).await?;
    let categories = state
        .policies
        .disclosure
        .categories
        .iter()
        .map(|c| CategoryLinks {
            label: c.label.clone(),
            query: urlencode(&c.id),
            columns: c
                .columns
                .iter()
                .map(|col| ColumnLink {
                    label: col.label.clone(),
                    query: urlencode(&col.id),
                    count: items.iter().filter(|s| s.item.column == col.id).count(),
                })
                .collect(),
        })
        .collect();
    let rows = items
        .iter()
        .take(10)
        .map(|s| Row::new(&dc::public_view(&ctx, s)))
        .collect();
    let page = GuidePage {
        categories,
        rows,
        last_year: state.today().year() - 1,
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/disclosure_catalogue.html")]
struct CataloguePage {
    q: String,
    heading: String,
    rows: Vec<Row>,
    error: String,
}

/// `/disclosure/catalogue`: the catalogue, searched (`q`) or browsed by `category` / `column`.
pub async fn catalogue_page(
    State(state): State<AppState>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    let policy = &state.policies.disclosure;
    let heading = match (&q.column, &q.category) {
        (Some(c), _) if !c.trim().is_empty() => policy
            .column_named(c)
            .map(|(cat, col)| format!("{} / {}", cat.label, col.label)),
        (_, Some(c)) if !c.trim().is_empty() => policy
            .categories
            .iter()
            .find(|x| x.id == c.trim() || x.label == c.trim())
            .map(|x| x.label.clone()),
        _ => None,
    }
    .unwrap_or_else(|| "全部".into());
    let (rows, error) = match dc::catalogue(&ctx, &q).await {
        Ok(items) => (
            items
                .iter()
                .map(|s| Row::new(&dc::public_view(&ctx, s)))
                .collect(),
            String::new(),
        ),
        Err(e) if e.kind == ErrorKind::Invalid => (Vec::new(), e.message),
        Err(e) => return Err(e.into()),
    };
    let page = CataloguePage {
        q: q.q.clone().unwrap_or_default(),
        heading,
        rows,
        error,
    };
    Ok(crate::html::render(&page).into_response())
}

struct FileLink {
    name: String,
    link: String,
    size: String,
}

#[derive(Template)]
#[template(path = "portal/disclosure_item.html")]
struct ItemPage {
    p: PublicItem,
    keywords: String,
    files: Vec<FileLink>,
    open_for_comment: bool,
    commented: bool,
    link: String,
}

#[derive(Deserialize)]
pub struct ItemQuery {
    #[serde(default)]
    commented: Option<String>,
}

fn missing() -> Response {
    Missing {
        title: "信息不存在",
        message: "没有找到该政府信息，或该信息未主动公开。".into(),
        back: "/disclosure/catalogue",
        back_label: "返回主动公开目录",
    }
    .respond()
}

/// `/disclosure/items/{id}`: an item's metadata and content; 404 unless published and 主动公开.
pub async fn item_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ItemQuery>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    let s = match dc::public_item(&ctx, &id).await {
        Ok(s) => s,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(missing()),
        Err(e) => return Err(e.into()),
    };
    let p = dc::public_view(&ctx, &s);
    let link = urlencode(&p.id);
    let page = ItemPage {
        keywords: p.keywords.join(" "),
        files: p
            .attachments
            .iter()
            .map(|a| FileLink {
                name: a.file_name.clone(),
                link: format!("/disclosure/items/{link}/files/{}", urlencode(&a.sha256)),
                size: if a.size >= 1024 {
                    format!("{} KB", a.size.div_ceil(1024))
                } else {
                    format!("{} 字节", a.size)
                },
            })
            .collect(),
        open_for_comment: s.open_for_comment(state.today()),
        commented: q.commented.is_some(),
        link,
        p,
    };
    Ok(crate::html::render(&page).into_response())
}

/// `GET /disclosure/items/{id}/files/{sha256}`: a public item's attachment.
pub async fn file(
    State(state): State<AppState>,
    Path((id, sha)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let (name, bytes) = match dc::public_attachment(&state.ctx(), &id, &sha).await {
        Ok(f) => f,
        Err(e) if e.kind == ErrorKind::NotFound => return Ok(missing()),
        Err(e) => return Err(e.into()),
    };
    let ascii: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        if ascii.is_empty() { "file" } else { &ascii },
        urlencode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    text: String,
}

#[derive(Template)]
#[template(path = "portal/disclosure_refused.html")]
struct Refused {
    message: String,
}

/// `POST /disclosure/items/{id}/comments`: a comment on a draft decision; back to its page.
pub async fn comment_post(
    State(state): State<AppState>,
    crate::ratelimit::ClientIp(client): crate::ratelimit::ClientIp,
    Path(id): Path<String>,
    axum::Form(f): axum::Form<CommentForm>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    let input = CommentInput { text: f.text };
    let Some(result) = state
        .within_filing_cap(client, dc::comment(&ctx, &id, &input, "网站"))
        .await
    else {
        return Ok(crate::html::render_status(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            &Refused {
                message: format!(
                    "同一来源每天最多提交 {} 件意见或申请，今日已达上限，请明日再试。",
                    state.filings.per_day
                ),
            },
        ));
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/disclosure/items/{}?commented=1", urlencode(&id)))
                .into_response(),
        ),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(missing()),
        Err(e) if matches!(e.kind, ErrorKind::Invalid | ErrorKind::Conflict) => {
            Ok(crate::html::render_status(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                &Refused { message: e.message },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

struct FeedEntry {
    id: String,
    link: String,
    title: String,
    summary: String,
    updated: String,
    category: String,
}

#[derive(Template)]
#[template(path = "portal/disclosure_feed.xml")]
struct Feed {
    updated: String,
    entries: Vec<FeedEntry>,
}

/// `/disclosure/feed.atom`: the latest 50 items as an Atom feed.
pub async fn feed(State(state): State<AppState>) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    let items = dc::catalogue(&ctx, &CatalogueQuery::default()).await?;
    let entries: Vec<FeedEntry> = items
        .iter()
        .take(50)
        .map(|s| {
            let p = dc::public_view(&ctx, s);
            FeedEntry {
                id: format!("urn:xyjt:disclosure:{}", p.id),
                link: format!("/disclosure/items/{}", urlencode(&p.id)),
                title: format!("{}（{}）", p.title, p.index_no),
                summary: p.summary.clone(),
                updated: format!("{}T00:00:00+08:00", p.published_on),
                category: format!("{} / {}", p.category, p.column),
            }
        })
        .collect();
    let updated = entries
        .first()
        .map(|e| e.updated.clone())
        .unwrap_or_else(|| format!("{}T00:00:00+08:00", state.today()));
    let body = crate::html::render(&Feed { updated, entries }).0;
    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        body,
    )
        .into_response())
}

/// The annual report as the printable page and the console's preview show it.
pub(crate) struct ReportView {
    pub r: AnnualReport,
    /// Part 3's lines: a heading (no values) or a row, with the group text when it starts a
    /// group (the first sub-row) and the sub-item.
    pub lines: Vec<ReportLine>,
    pub review_columns: Vec<&'static str>,
}

pub(crate) struct ReportLine {
    pub group: String,
    pub item: String,
    pub heading: bool,
    pub values: Vec<u64>,
}

impl ReportView {
    pub(crate) fn new(r: AnnualReport) -> Self {
        let mut lines = Vec::new();
        let first_result = RESULT_ROWS[0].label();
        let mut last_group = String::new();
        for row in &r.requests.rows {
            if row.label == first_result {
                lines.push(ReportLine {
                    group: ROW_RESULTS.into(),
                    item: String::new(),
                    heading: true,
                    values: Vec::new(),
                });
            }
            let (group, item) = match row.label.split_once('/') {
                Some((g, i)) => (g.to_string(), i.to_string()),
                None => (row.label.clone(), String::new()),
            };
            let show_group = if item.is_empty() || group != last_group {
                group.clone()
            } else {
                String::new()
            };
            last_group = group;
            lines.push(ReportLine {
                group: show_group,
                item,
                heading: false,
                values: row.values.to_vec(),
            });
        }
        ReportView {
            r,
            lines,
            review_columns: REVIEW_COLUMNS.to_vec(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/disclosure_report.html")]
struct ReportPage {
    v: ReportView,
    year: i32,
    /// 已于 … 发布, or that it is a preview.
    status: String,
}

/// The year's report as published, or computed now, with a line saying which.
pub(crate) async fn report_for(
    state: &AppState,
    year: i32,
) -> Result<(AnnualReport, String), xyjt_app::AppError> {
    let ctx = state.ctx();
    Ok(match dc::published_report(&ctx, year).await? {
        Some(p) => (p.report, format!("本报告已于 {} 发布。", p.on)),
        None => (
            dc::annual_report(&ctx, year).await?,
            "本报告尚未发布：以下为按平台当前数据统计的预览。".to_string(),
        ),
    })
}

#[derive(Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    year: Option<i32>,
}

/// `/disclosure/annual-report?year=YYYY` (default: last year): the report, printable.
pub async fn report_page(
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let year = q.year.unwrap_or(state.today().year() - 1);
    let (r, status) = report_for(&state, year).await?;
    let page = ReportPage {
        v: ReportView::new(r),
        year,
        status,
    };
    Ok(crate::html::render(&page).into_response())
}

/// `/disclosure/annual-report.xlsx?year=YYYY`: the same report as a spreadsheet.
pub async fn report_xlsx(
    State(state): State<AppState>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let year = q.year.unwrap_or(state.today().year() - 1);
    let (r, _) = report_for(&state, year).await?;
    let bytes = xyjt_import::disclosure_xlsx::annual_report_xlsx(&r).map_err(|e| {
        tracing::error!(error = %e, "writing the annual report spreadsheet failed");
        ApiError::from(xyjt_app::AppError::new(
            ErrorKind::Internal,
            "internal",
            "生成年度报告表格失败",
        ))
    })?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"disclosure-annual-report-{year}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
