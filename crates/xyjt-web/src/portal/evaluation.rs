//! 信用评价结果: published results by model and period, searchable by (published) name and
//! filterable by grade, and one result's every deduction and addition. Natural persons masked.

use super::shared::Missing;
use super::shared::urlencode;
use crate::AppState;
use crate::api::evaluation::{ResultsQuery, public_result, published_results};
use crate::error::ApiError;
use crate::ratelimit::ClientIp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use xyjt_app::evaluation::{current_models, public_name_and_code};
use xyjt_core::evaluation::{Effect, EvalModel, EvalResultState, ResultStatus, RunStatus};
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::mask::mask_id_number;

#[derive(Template)]
#[template(path = "portal/evaluation.html")]
struct EvaluationPage {
    models: Vec<ModelOption>,
    model: Option<ModelView>,
    periods: Vec<String>,
    period: String,
    grades: Vec<String>,
    grade: String,
    query: String,
    rows: Vec<ResultRow>,
    total: i64,
    page: i64,
    pages: i64,
    /// model, period, grade and q, percent-encoded, for the page links.
    link_query: String,
}

struct ModelOption {
    id: String,
    title: String,
    example: bool,
    selected: bool,
}

struct ModelView {
    title: String,
    version: u32,
    example: bool,
    subjects: String,
    basis: String,
    base_score: String,
    valid_months: u32,
    limits: String,
    /// (grade, meaning, rule in words).
    bands: Vec<(String, String, String)>,
    items: Vec<ItemRow>,
}

struct ItemRow {
    title: String,
    example: bool,
    effect: &'static str,
    points: String,
    basis: String,
}

impl ModelView {
    fn new(m: &EvalModel) -> Self {
        let mut limits = Vec::new();
        if let Some(r) = m.max_rise {
            limits.push(format!("等级比上一周期最多上升 {r} 级"));
        }
        if m.consortium.is_some() {
            limits.push("联合体按成员中最低等级认定".to_string());
        }
        ModelView {
            title: m.title.clone(),
            version: m.version,
            example: m.example,
            subjects: m.subjects.clone(),
            basis: m.basis.clone(),
            base_score: m.base_score.to_string(),
            valid_months: m.valid_months,
            limits: limits.join("；"),
            bands: m
                .bands
                .iter()
                .map(|b| {
                    (
                        b.grade.clone(),
                        m.grade_label(&b.grade).to_string(),
                        b.describe(m.points_label()),
                    )
                })
                .collect(),
            items: m
                .items
                .iter()
                .map(|i| ItemRow {
                    title: i.title.clone(),
                    example: i.example,
                    effect: match i.effect {
                        Effect::Deduct => "扣分",
                        Effect::Add => "加分",
                    },
                    points: match i.cap {
                        Some(cap) => format!("每项 {}，最多 {cap}", i.points),
                        None => format!("每项 {}", i.points),
                    },
                    basis: i.basis.clone(),
                })
                .collect(),
        }
    }
}

struct ResultRow {
    name: String,
    code: String,
    subject_link: String,
    period: String,
    score: String,
    grade: String,
    published_on: String,
    valid_until: String,
    link: String,
}

fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn grade_text(s: &EvalResultState) -> String {
    s.result
        .grade
        .clone()
        .unwrap_or_else(|| "未定级".to_string())
}

const PAGE_SIZE: i64 = 50;

/// `/evaluation`: the published results of one model (the first in force by default).
#[derive(Template)]
#[template(path = "portal/rate_limited.html")]
struct RateLimited {
    wait: u64,
}

pub async fn evaluation_page(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Query(mut q): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    // A name search counts against the public search limit, as the home page's does.
    if q.q.as_deref().is_some_and(|t| !t.trim().is_empty())
        && let Err(wait) = state.search_allowed(client)
    {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(axum::http::header::RETRY_AFTER, wait.to_string())],
            crate::html::render(&RateLimited { wait }),
        )
            .into_response());
    }
    let models = current_models(state.store.as_ref(), &state.policies).await?;
    let chosen = q
        .model
        .as_deref()
        .and_then(|id| models.iter().find(|m| m.id == id.trim()))
        .or_else(|| models.first());
    q.model = chosen.map(|m| m.id.clone());
    q.per_page = Some(PAGE_SIZE);
    if let Err(e) = crate::edge::page_number(q.page) {
        return Ok(crate::edge::refusal("/evaluation", e));
    }
    // The periods with a published run of the model.
    let mut periods: Vec<String> = state
        .store
        .eval_runs(q.model.as_deref())
        .await?
        .into_iter()
        .filter(|r| r.status == RunStatus::Published)
        .map(|r| r.run.period)
        .collect();
    periods.sort_by(|a, b| b.cmp(a));
    periods.dedup();
    let found = published_results(&state, &q, PAGE_SIZE).await?;
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let period = q.period.clone().unwrap_or_default().trim().to_string();
    let grade = q.grade.clone().unwrap_or_default().trim().to_string();
    let query = q.q.clone().unwrap_or_default().trim().to_string();
    // Never echo a citizen ID number back into a page.
    let checked = check(&query);
    let query = if checked.kind == CodeKind::CitizenId {
        mask_id_number(&checked.normalized)
    } else {
        query
    };
    let link_query = format!(
        "model={}&period={}&grade={}&q={}",
        urlencode(q.model.as_deref().unwrap_or("")),
        urlencode(&period),
        urlencode(&grade),
        urlencode(&query)
    );
    let rows = found
        .items
        .iter()
        .map(|s| {
            let (name, code) = public_name_and_code(&s.result);
            ResultRow {
                name,
                code: code.unwrap_or_default(),
                subject_link: urlencode(&s.result.subject_id),
                period: s.result.period.clone(),
                score: s.result.score.to_string(),
                grade: grade_text(s),
                published_on: date(s.published_on),
                valid_until: date(s.valid_until),
                link: urlencode(&s.result.id),
            }
        })
        .collect();
    let page = EvaluationPage {
        models: models
            .iter()
            .map(|m| ModelOption {
                id: m.id.clone(),
                title: m.title.clone(),
                example: m.example,
                selected: Some(&m.id) == q.model.as_ref(),
            })
            .collect(),
        grades: chosen
            .map(|m| m.grades.iter().map(|g| g.grade.clone()).collect())
            .unwrap_or_default(),
        model: chosen.map(ModelView::new),
        periods,
        period,
        grade,
        query,
        rows,
        total: found.total,
        page: found.page,
        pages,
        link_query,
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/evaluation_result.html")]
struct ResultPage {
    name: String,
    code: String,
    subject_link: String,
    model_title: String,
    model_version: u32,
    model_link: String,
    example: bool,
    period: String,
    base_score: String,
    score: String,
    points: String,
    grade: String,
    band: String,
    explanation: String,
    published_on: String,
    valid_until: String,
    superseded: bool,
    revision: String,
    lines: Vec<LineRow>,
}

struct LineRow {
    item_id: String,
    title: String,
    example: bool,
    points: String,
    deduction: bool,
    bad_points: String,
    basis: String,
    fact: String,
    note: String,
}

/// `/evaluation/results/{id}`: a published result and every line of it; 404 otherwise.
pub async fn result_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let s = match public_result(&state, &id).await {
        Ok(s) => s,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            return Ok(Missing {
                title: "评价结果不存在",
                message: "该评价结果不存在或尚未公示。".into(),
                back: "/evaluation",
                back_label: "返回信用评价结果",
            }
            .respond());
        }
        Err(e) => return Err(e),
    };
    let r = &s.result;
    let (name, code) = public_name_and_code(r);
    let points_label = state
        .policies
        .evaluation
        .get(&r.model_id)
        .map_or("记分", |m| m.points_label())
        .to_string();
    let page = ResultPage {
        name,
        code: code.unwrap_or_default(),
        subject_link: urlencode(&r.subject_id),
        model_title: r.model_title.clone(),
        model_version: r.model_version,
        model_link: urlencode(&r.model_id),
        example: r.example,
        period: r.period.clone(),
        base_score: r.base_score.to_string(),
        score: r.score.to_string(),
        points: r
            .points
            .map(|p| format!("{points_label} {p}"))
            .unwrap_or_default(),
        grade: grade_text(&s),
        band: r.band.clone(),
        explanation: r.explanation.clone(),
        published_on: date(s.published_on),
        valid_until: date(s.valid_until),
        superseded: s.status == ResultStatus::Superseded,
        revision: s.revision.clone().unwrap_or_default(),
        lines: r
            .lines
            .iter()
            .map(|l| LineRow {
                item_id: l.item_id.clone(),
                title: l.title.clone(),
                example: l.example,
                points: if l.points.0 > 0 {
                    format!("+{}", l.points)
                } else {
                    l.points.to_string()
                },
                deduction: l.points.0 < 0,
                bad_points: l
                    .bad_points
                    .map(|p| format!("{points_label} {p}"))
                    .unwrap_or_default(),
                basis: l.basis.clone(),
                fact: l.fact.clone(),
                note: l.note.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(crate::html::render(&page).into_response())
}
