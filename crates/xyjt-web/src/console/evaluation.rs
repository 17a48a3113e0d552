//! 信用评价: evaluation runs with their status and 5-day clock, starting a run for the staff
//! member's unit, a run's results with every line, review by another person (the service
//! refuses the proposer) and publication. The services are `xyjt_app::evaluation`.

use super::{
    Answer, CsrfForm, OrPage, allow, allow_any, found, frame, invalid, see_other, sees_unit, show,
    unit_name,
};
use crate::AppState;
use crate::auth::{Staff, urlencode};
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use xyjt_app::evaluation as eval;
use xyjt_core::account::Action;
use xyjt_core::evaluation::{EvalResultState, EvalRunState, RunStatus};
use xyjt_store::EvalResultQuery;

#[derive(Template)]
#[template(path = "console/evaluation.html")]
struct EvaluationPage {
    frame: Frame,
    publish_days: u32,
    /// (id, title).
    models: Vec<(String, String)>,
    default_period: String,
    runs: Vec<RunRow>,
}

/// A run as the console lists it.
struct RunRow {
    id: String,
    link: String,
    model: String,
    period: String,
    as_of: String,
    unit: String,
    subjects: u64,
    ungraded: u64,
    status: &'static str,
    proposed_by: String,
    proposed_on: String,
    reviewed_by: String,
    reviewed_on: String,
    comment: String,
    due: String,
    overdue: bool,
    published_on: String,
    published_late: bool,
    valid_until: String,
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn run_row(staff: &Staff, r: &EvalRunState, today: NaiveDate) -> RunRow {
    let example = if staff
        .policies
        .evaluation
        .get(&r.run.model_id)
        .is_some_and(|m| m.example)
    {
        "（示例）"
    } else {
        ""
    };
    RunRow {
        id: r.run.id.clone(),
        link: urlencode(&r.run.id),
        model: format!(
            "{}{example}（第 {} 版）",
            r.run.model_title, r.run.model_version
        ),
        period: r.run.period.clone(),
        as_of: r.run.as_of.to_string(),
        unit: unit_name(staff.org(), &r.run.unit),
        subjects: r.run.subjects,
        ungraded: r.run.ungraded,
        status: r.status.label(),
        proposed_by: r.proposed_by.clone(),
        proposed_on: r.proposed_on.to_string(),
        reviewed_by: r.reviewed_by.clone().unwrap_or_default(),
        reviewed_on: date(r.reviewed_on),
        comment: r.review_comment.clone().unwrap_or_default(),
        due: date(r.due),
        overdue: r.overdue_on(today),
        published_on: date(r.published_on),
        published_late: r.published_late(),
        valid_until: date(r.valid_until),
    }
}

pub(super) async fn evaluation_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let today = state.today();
    let models = eval::current_models(state.store.as_ref(), &state.policies)
        .await
        .or_page()?;
    let runs = state.store.eval_runs(None).await.or_page()?;
    show(&EvaluationPage {
        frame: frame(&staff, "信用评价"),
        publish_days: state.policies.evaluation.publish_days,
        models: models
            .iter()
            .map(|m| {
                let example = if m.example { "（示例）" } else { "" };
                (
                    m.id.clone(),
                    format!("{}{example}（第 {} 版）", m.title, m.version),
                )
            })
            .collect(),
        default_period: (today.year() - 1).to_string(),
        runs: runs
            .iter()
            .filter(|r| sees_unit(&staff, &r.run.unit))
            .map(|r| run_row(&staff, r, today))
            .collect(),
    })
}

#[derive(Deserialize)]
pub(super) struct RunForm {
    #[serde(default)]
    model: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    as_of: String,
}

/// Scores every subject the model applies to and proposes the results, for the staff member's
/// unit (信用管理员 or 录入员: who produces the results).
pub(super) async fn start_run(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<RunForm>,
) -> Answer {
    let unit = staff.account.unit_id.clone();
    allow_any(
        &staff,
        "发起信用评价",
        &[Action::ManageLists, Action::SubmitRecords],
        &unit,
    )?;
    let as_of = match f.as_of.trim() {
        "" => None,
        s => Some(
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| invalid(format!("事实截止日“{s}”不是日期（YYYY-MM-DD）")))?,
        ),
    };
    let run = eval::run(
        &state.ctx(),
        f.model.trim(),
        f.period.trim(),
        as_of,
        &unit,
        &staff.actor(),
    )
    .await
    .or_page()?;
    see_other(&format!(
        "/console/evaluation/runs/{}",
        urlencode(&run.run.id)
    ))
}

#[derive(Template)]
#[template(path = "console/evaluation_run.html")]
struct RunPage {
    frame: Frame,
    r: RunRow,
    proposed: bool,
    approved: bool,
    results: Vec<ResultRow>,
    total: i64,
    page: i64,
    pages: i64,
}

struct ResultRow {
    name: String,
    code: String,
    score: String,
    points: String,
    grade: String,
    explanation: String,
    previous: String,
    status: &'static str,
    /// Each line in words: item, points, basis, fact.
    lines: Vec<String>,
}

fn result_row(s: &EvalResultState, points_label: &str) -> ResultRow {
    let r = &s.result;
    ResultRow {
        name: r.subject_name.clone(),
        code: r.subject_code.clone().unwrap_or_default(),
        score: r.score.to_string(),
        points: r
            .points
            .map(|p| format!("{points_label} {p}"))
            .unwrap_or_default(),
        grade: r.grade.clone().unwrap_or_else(|| "未定级".into()),
        explanation: r.explanation.clone(),
        previous: r.previous_grade.clone().unwrap_or_default(),
        status: s.status.label(),
        lines: r
            .lines
            .iter()
            .map(|l| {
                let example = if l.example { "（示例）" } else { "" };
                let note = l
                    .note
                    .as_deref()
                    .map(|n| format!("；{n}"))
                    .unwrap_or_default();
                format!(
                    "{}{example} {}：{}（依据：{}）{note}",
                    l.title, l.points, l.fact, l.basis
                )
            })
            .collect(),
    }
}

#[derive(Deserialize)]
pub(super) struct PageQuery {
    page: Option<i64>,
}

const RESULTS_PER_PAGE: i64 = 50;

pub(super) async fn run_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Answer {
    // Another unit's run — its proposed results above all — is not there for staff outside
    // that unit's scope: the same 404 as a missing run.
    let run = found(
        state
            .store
            .eval_run(&id)
            .await
            .map(|r| r.filter(|r| sees_unit(&staff, &r.run.unit))),
        || format!("评价批次 {id} 不存在"),
    )?;
    let page = crate::edge::page_number(q.page).or_page()?;
    let results = state
        .store
        .eval_results(&EvalResultQuery {
            run_id: Some(id.clone()),
            limit: RESULTS_PER_PAGE,
            offset: (page - 1) * RESULTS_PER_PAGE,
            ..EvalResultQuery::default()
        })
        .await
        .or_page()?;
    let points_label = state
        .store
        .eval_models()
        .await
        .or_page()?
        .into_iter()
        .find(|m| m.id == run.run.model_id && m.version == run.run.model_version)
        .map_or_else(|| "记分".to_string(), |m| m.points_label().to_string());
    show(&RunPage {
        frame: frame(&staff, "评价批次"),
        r: run_row(&staff, &run, state.today()),
        proposed: run.status == RunStatus::Proposed,
        approved: run.status == RunStatus::Approved,
        results: results
            .items
            .iter()
            .map(|s| result_row(s, &points_label))
            .collect(),
        total: results.total,
        page,
        pages: ((results.total + RESULTS_PER_PAGE - 1) / RESULTS_PER_PAGE).max(1),
    })
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// A reviewer (审核员) of the evaluating unit approves or rejects a proposed run; the service
/// refuses the person who proposed it (谁生产、谁审核).
pub(super) async fn review_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ReviewForm>,
) -> Answer {
    let run = found(state.store.eval_run(&id).await, || {
        format!("评价批次 {id} 不存在")
    })?;
    allow(&staff, Action::ReviewRecords, &run.run.unit)?;
    let approved = match f.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(invalid("请选择“审核通过”或“不通过”")),
    };
    eval::review(&state.ctx(), &id, &staff.actor(), approved, &f.comment)
        .await
        .or_page()?;
    see_other(&format!("/console/evaluation/runs/{}", urlencode(&id)))
}

#[derive(Deserialize)]
pub(super) struct PublishForm {}

/// Publishes an approved run and copies it to the supervising and sharing units.
pub(super) async fn publish_run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm {
        staff,
        form: PublishForm {},
    }: CsrfForm<PublishForm>,
) -> Answer {
    let run = found(state.store.eval_run(&id).await, || {
        format!("评价批次 {id} 不存在")
    })?;
    allow_any(
        &staff,
        "发布信用评价结果",
        &[Action::ReviewRecords, Action::ManageLists],
        &run.run.unit,
    )?;
    eval::publish(&state.ctx(), &id, &staff.actor())
        .await
        .or_page()?;
    see_other(&format!("/console/evaluation/runs/{}", urlencode(&id)))
}
