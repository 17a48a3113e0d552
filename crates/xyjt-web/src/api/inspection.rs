//! 双随机一公开 over HTTP, public: the 随机抽查事项清单, the draw announcements (抽查公告: the
//! subjects, their items and grades, why each was drawn, the inspectors' ids, the seed and the
//! snapshot anyone can replay the draw from) and the results (抽查结果公示). Natural persons'
//! names and citizen IDs are masked.

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use utoipa::IntoParams;
use xyjt_core::ident::{CodeKind, check};
use xyjt_core::inspection::{DrawRecord, InspectionResult, Quarter};
use xyjt_core::mask::{mask_id_number, mask_person_name};
use xyjt_core::subject::PartyCategory;
use xyjt_store::{DrawState, InspectionQuery, Store};

/// Which of these subjects are natural persons (or unknown: masked to be safe).
pub(crate) async fn persons(
    store: &dyn Store,
    ids: Vec<String>,
) -> Result<HashSet<String>, ApiError> {
    let mut seen: HashMap<String, bool> = HashMap::new();
    for id in ids {
        if seen.contains_key(&id) {
            continue;
        }
        let person = store
            .subject(&id)
            .await?
            .is_none_or(|s| s.kind == PartyCategory::NaturalPerson);
        seen.insert(id, person);
    }
    Ok(seen
        .into_iter()
        .filter(|(_, p)| *p)
        .map(|(id, _)| id)
        .collect())
}

/// A name and code as the public may see them: a person's (or a citizen ID's bearer's) masked.
pub(crate) fn shown_name_and_code(
    name: &str,
    code: Option<&str>,
    person: bool,
) -> (String, Option<String>) {
    let person = person || code.is_some_and(|c| check(c).kind == CodeKind::CitizenId);
    if person {
        (mask_person_name(name), code.map(mask_id_number))
    } else {
        (name.to_string(), code.map(str::to_string))
    }
}

/// The unit's name in the organisation tree (its id when unknown).
pub(crate) fn unit_name(state: &AppState, id: &str) -> String {
    state
        .policies
        .org
        .unit(id)
        .map_or_else(|| id.to_string(), |u| u.name.clone())
}

/// The item's title in the list in force (its id when unknown).
pub(crate) fn item_title(state: &AppState, id: &str) -> String {
    state
        .policies
        .inspection
        .item(id)
        .map_or_else(|| id.to_string(), |i| i.title.clone())
}

/// A draw as announced: masked subjects, the item of each task, its result once recorded.
pub(crate) fn draw_json(
    state: &AppState,
    d: &DrawRecord,
    persons: &HashSet<String>,
    results: &[InspectionResult],
) -> Value {
    let tasks: Vec<Value> = d
        .tasks
        .iter()
        .map(|t| {
            let (name, code) =
                shown_name_and_code(&t.name, t.code.as_deref(), persons.contains(&t.subject_id));
            let result = results
                .iter()
                .find(|r| r.draw_id.as_deref() == Some(d.id.as_str()) && r.task_no == Some(t.no));
            json!({
                "no": t.no,
                "item_id": t.item_id,
                "item_title": item_title(state, &t.item_id),
                "subject_id": t.subject_id,
                "name": name,
                "code": code,
                "grade": t.grade,
                "reason": t.reason,
                "inspectors": t.inspectors,
                "result": result.map(|r| json!({
                    "id": r.id,
                    "outcome": r.outcome.key(),
                    "outcome_label": r.outcome.label(),
                    "on": r.on,
                })),
            })
        })
        .collect();
    json!({
        "id": d.id,
        "quarter": d.quarter,
        "unit": d.unit,
        "unit_name": unit_name(state, &d.unit),
        "drawn_on": d.drawn_on,
        "seed": d.seed,
        "seed_sha256": d.seed_sha256,
        "snapshot_seq": d.snapshot_seq,
        "policy_version": d.policy_version,
        "tasks": tasks,
    })
}

/// A recorded inspection as published (抽查结果公示).
pub(crate) fn result_json(state: &AppState, r: &InspectionResult, person: bool) -> Value {
    let (name, _) = shown_name_and_code(&r.subject_name, None, person);
    json!({
        "id": r.id,
        "draw_id": r.draw_id,
        "task_no": r.task_no,
        "subject_id": r.subject_id,
        "name": name,
        "item_id": r.item_id,
        "item_title": item_title(state, &r.item_id),
        "outcome": r.outcome.key(),
        "outcome_label": r.outcome.label(),
        "note": r.note,
        "unit": r.unit,
        "unit_name": unit_name(state, &r.unit),
        "inspectors": r.inspectors,
        "on": r.on,
    })
}

/// The 随机抽查事项清单 in force: each item's basis, inspecting unit, subjects, content, method,
/// frequency and ratio per grade; example items are marked `example`.
#[utoipa::path(get, path = "/api/v1/inspection/items", responses((status = 200, body = Object)))]
pub(crate) async fn list_items(State(state): State<AppState>) -> Json<Value> {
    let p = &state.policies.inspection;
    Json(json!({
        "version": p.version,
        "effective_from": p.effective_from,
        "example": p.example,
        "note": p.note,
        "inspectors_per_task": p.inspectors_per_task,
        "serious": p.serious,
        "total": p.items.len(),
        "items": p.items,
    }))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DrawsQuery {
    /// Only this quarter, e.g. `2026-Q4`.
    pub quarter: Option<String>,
}

pub(crate) fn quarter_param(q: Option<&str>) -> Result<Option<String>, ApiError> {
    match q.map(str::trim).filter(|s| !s.is_empty()) {
        Some(q) => Quarter::parse(q)
            .map(|q| Some(q.to_string()))
            .map_err(ApiError::invalid),
        None => Ok(None),
    }
}

/// The draws made (only those whose seed was revealed), newest first.
pub(crate) async fn made_draws(
    state: &AppState,
    quarter: Option<&str>,
) -> Result<Vec<DrawRecord>, ApiError> {
    Ok(state
        .store
        .inspection_draws(quarter)
        .await?
        .into_iter()
        .filter_map(|d: DrawState| d.draw)
        .collect())
}

/// Everything a list of announced draws needs: which subjects are persons, the results.
pub(crate) async fn draws_context(
    state: &AppState,
    draws: &[DrawRecord],
) -> Result<(HashSet<String>, Vec<InspectionResult>), ApiError> {
    let persons = persons(
        state.store.as_ref(),
        draws
            .iter()
            .flat_map(|d| d.tasks.iter().map(|t| t.subject_id.clone()))
            .collect(),
    )
    .await?;
    let mut results = Vec::new();
    for d in draws {
        results.extend(
            state
                .store
                .inspection_results(&InspectionQuery {
                    draw_id: Some(d.id.clone()),
                    ..InspectionQuery::default()
                })
                .await?,
        );
    }
    Ok((persons, results))
}

/// 抽查公告: the draws made, with their tasks (natural persons masked), newest first.
#[utoipa::path(get, path = "/api/v1/inspection/draws", params(DrawsQuery),
    responses((status = 200, body = Object), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn list_draws(
    State(state): State<AppState>,
    Query(q): Query<DrawsQuery>,
) -> Result<Json<Value>, ApiError> {
    let quarter = quarter_param(q.quarter.as_deref())?;
    let draws = made_draws(&state, quarter.as_deref()).await?;
    let (persons, results) = draws_context(&state, &draws).await?;
    let items: Vec<Value> = draws
        .iter()
        .map(|d| draw_json(&state, d, &persons, &results))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}

/// One draw's announcement; 404 when no such draw was made.
pub(crate) async fn made_draw(state: &AppState, id: &str) -> Result<DrawRecord, ApiError> {
    state
        .store
        .inspection_draw(id)
        .await?
        .and_then(|d| d.draw)
        .ok_or_else(|| ApiError::not_found(format!("抽查 {id} 不存在或尚未抽取")))
}

/// One draw's announcement (抽查公告).
#[utoipa::path(get, path = "/api/v1/inspection/draws/{id}",
    params(("id" = String, Path, description = "draw id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorEnvelope)))]
pub(crate) async fn get_draw(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let d = made_draw(&state, &id).await?;
    let draws = [d];
    let (persons, results) = draws_context(&state, &draws).await?;
    Ok(Json(draw_json(&state, &draws[0], &persons, &results)))
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Only inspections of this quarter, e.g. `2026-Q4`.
    pub quarter: Option<String>,
    /// Only the results of this draw.
    pub draw_id: Option<String>,
}

/// Recorded inspections (of the quarter, or of one draw), newest first.
pub(crate) async fn recorded(
    state: &AppState,
    q: &ResultsQuery,
) -> Result<Vec<InspectionResult>, ApiError> {
    let quarter =
        quarter_param(q.quarter.as_deref())?.map(|s| Quarter::parse(&s).expect("just parsed"));
    Ok(state
        .store
        .inspection_results(&InspectionQuery {
            draw_id: q
                .draw_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            from: quarter.map(|q| q.first_day()),
            to: quarter.map(|q| q.last_day()),
            ..InspectionQuery::default()
        })
        .await?)
}

/// 抽查结果公示: recorded inspections, newest first (natural persons masked).
#[utoipa::path(get, path = "/api/v1/inspection/results", params(ResultsQuery),
    responses((status = 200, body = Object), (status = 422, body = ErrorEnvelope)))]
pub(crate) async fn list_results(
    State(state): State<AppState>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<Value>, ApiError> {
    let results = recorded(&state, &q).await?;
    let persons = persons(
        state.store.as_ref(),
        results.iter().map(|r| r.subject_id.clone()).collect(),
    )
    .await?;
    let items: Vec<Value> = results
        .iter()
        .map(|r| result_json(&state, r, persons.contains(&r.subject_id)))
        .collect();
    Ok(Json(json!({"total": items.len(), "items": items})))
}
