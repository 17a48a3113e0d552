//! 双随机一公开 on the portal: the 随机抽查事项清单, the draw announcements (抽查公告) with their
//! tasks, and the results (抽查结果公示). Natural persons masked.

use super::shared::Missing;
use super::shared::urlencode;
use crate::AppState;
use crate::api::inspection::{
    DrawsQuery, ResultsQuery, draws_context, item_title, made_draw, made_draws, persons,
    quarter_param, recorded, shown_name_and_code, unit_name,
};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use xyjt_core::inspection::{DrawRecord, InspectionOutcome, InspectionResult};

#[derive(Template)]
#[template(path = "portal/inspection_items.html")]
struct ItemsPage {
    version: u32,
    effective_from: String,
    example: bool,
    note: String,
    inspectors_per_task: u32,
    serious: String,
    items: Vec<ItemRow>,
}

struct ItemRow {
    id: String,
    title: String,
    example: bool,
    basis: String,
    unit: String,
    subject_type: String,
    content: String,
    method: String,
    frequency: String,
    /// 抽查比例 per grade, in words.
    ratios: String,
}

/// `/inspection/items`: the 随机抽查事项清单 in force.
pub async fn items_page(State(state): State<AppState>) -> Response {
    let p = &state.policies.inspection;
    let page = ItemsPage {
        version: p.version,
        effective_from: p.effective_from.to_string(),
        example: p.example,
        note: p.note.clone(),
        inspectors_per_task: p.inspectors_per_task,
        serious: format!(
            "{}：{}。",
            xyjt_core::lists::NameList::from_key(&p.serious.list)
                .map_or_else(|| p.serious.list.clone(), |l| l.label().to_string()),
            p.serious.basis
        ),
        items: p
            .items
            .iter()
            .map(|i| ItemRow {
                id: i.id.clone(),
                title: i.title.clone(),
                example: i.example,
                basis: i.basis.clone(),
                unit: i.unit.clone(),
                subject_type: i.subject_type.clone(),
                content: i.content.clone(),
                method: i.method.clone(),
                frequency: i.frequency.clone(),
                ratios: i
                    .ratios
                    .iter()
                    .map(|r| format!("{} 级 {}%/年", r.grade, r.percent))
                    .collect::<Vec<_>>()
                    .join("、"),
            })
            .collect(),
    };
    crate::html::render(&page).into_response()
}

/// A draw as the portal shows it.
pub(crate) struct DrawView {
    id: String,
    link: String,
    quarter: String,
    unit: String,
    drawn_on: String,
    seed: String,
    seed_sha256: String,
    snapshot_seq: i64,
    policy_version: u32,
    tasks: Vec<TaskRow>,
}

struct TaskRow {
    no: u32,
    name: String,
    code: String,
    item: String,
    grade: String,
    reason: String,
    inspectors: String,
    result: String,
}

fn draw_view(
    state: &AppState,
    d: &DrawRecord,
    persons: &HashSet<String>,
    results: &[InspectionResult],
) -> DrawView {
    DrawView {
        id: d.id.clone(),
        link: urlencode(&d.id),
        quarter: d.quarter.clone(),
        unit: unit_name(state, &d.unit),
        drawn_on: d.drawn_on.to_string(),
        seed: d.seed.clone(),
        seed_sha256: d.seed_sha256.clone(),
        snapshot_seq: d.snapshot_seq,
        policy_version: d.policy_version,
        tasks: d
            .tasks
            .iter()
            .map(|t| {
                let (name, code) = shown_name_and_code(
                    &t.name,
                    t.code.as_deref(),
                    persons.contains(&t.subject_id),
                );
                let result = results
                    .iter()
                    .find(|r| {
                        r.draw_id.as_deref() == Some(d.id.as_str()) && r.task_no == Some(t.no)
                    })
                    .map_or_else(
                        || "待检查".to_string(),
                        |r| format!("{}（{}）", r.outcome.label(), r.on),
                    );
                TaskRow {
                    no: t.no,
                    name,
                    code: code.unwrap_or_default(),
                    item: item_title(state, &t.item_id),
                    grade: t.grade.clone().unwrap_or_else(|| "—".into()),
                    reason: t.reason.clone(),
                    inspectors: t.inspectors.join("、"),
                    result,
                }
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "portal/inspection_draws.html")]
struct DrawsPage {
    quarter: String,
    error: String,
    draws: Vec<DrawView>,
}

/// `/inspection/draws`: the draws made, newest first (of one quarter if asked).
pub async fn draws_page(
    State(state): State<AppState>,
    Query(q): Query<DrawsQuery>,
) -> Result<Response, ApiError> {
    let asked = q.quarter.clone().unwrap_or_default().trim().to_string();
    let (quarter, error) = match quarter_param(Some(&asked)) {
        Ok(q) => (q, String::new()),
        Err(e) => (None, e.message),
    };
    let draws = made_draws(&state, quarter.as_deref()).await?;
    let (persons, results) = draws_context(&state, &draws).await?;
    let page = DrawsPage {
        quarter: asked,
        error,
        draws: draws
            .iter()
            .map(|d| draw_view(&state, d, &persons, &results))
            .collect(),
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/inspection_draw.html")]
struct DrawPage {
    d: DrawView,
}

/// `/inspection/draws/{id}`: one draw's announcement.
pub async fn draw_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let d = match made_draw(&state, &id).await {
        Ok(d) => d,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            return Ok(Missing {
                title: "抽查公告不存在",
                message: format!("没有编号为 {id} 的抽查公告。"),
                back: "/inspection/draws",
                back_label: "返回抽查公告",
            }
            .respond());
        }
        Err(e) => return Err(e),
    };
    let draws = [d];
    let (persons, results) = draws_context(&state, &draws).await?;
    let page = DrawPage {
        d: draw_view(&state, &draws[0], &persons, &results),
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/inspection_results.html")]
struct ResultsPage {
    quarter: String,
    error: String,
    rows: Vec<ResultRow>,
}

struct ResultRow {
    on: String,
    name: String,
    item: String,
    outcome: &'static str,
    problem: bool,
    note: String,
    unit: String,
    inspectors: String,
    draw: String,
    draw_link: Option<String>,
}

/// `/inspection/results`: 抽查结果公示, newest first.
pub async fn results_page(
    State(state): State<AppState>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, ApiError> {
    let asked = q.quarter.clone().unwrap_or_default().trim().to_string();
    let (results, error) = match recorded(
        &state,
        &ResultsQuery {
            quarter: Some(asked.clone()),
            draw_id: q.draw_id.clone(),
        },
    )
    .await
    {
        Ok(r) => (r, String::new()),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => (Vec::new(), e.message),
        Err(e) => return Err(e),
    };
    let persons = persons(
        state.store.as_ref(),
        results.iter().map(|r| r.subject_id.clone()).collect(),
    )
    .await?;
    let rows = results
        .iter()
        .map(|r| ResultRow {
            on: r.on.to_string(),
            name: shown_name_and_code(&r.subject_name, None, persons.contains(&r.subject_id)).0,
            item: item_title(&state, &r.item_id),
            outcome: r.outcome.label(),
            problem: r.outcome != InspectionOutcome::NoProblem,
            note: r.note.clone(),
            unit: unit_name(&state, &r.unit),
            inspectors: r.inspectors.join("、"),
            draw: r
                .draw_id
                .as_deref()
                .map(|d| match r.task_no {
                    Some(n) => format!("{d} 第 {n} 项"),
                    None => d.to_string(),
                })
                .unwrap_or_default(),
            draw_link: r.draw_id.as_deref().map(urlencode),
        })
        .collect();
    Ok(crate::html::render(&ResultsPage {
        quarter: asked,
        error,
        rows,
    })
    .into_response())
}
