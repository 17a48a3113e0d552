//! 双随机抽查 and 重点监管覆盖: the staff member's unit's inspector pool, making a draw for a
//! quarter for that unit, a draw's tasks and recording their results (only the drawing unit may:
//! the service enforces it), and the quarter's coverage of seriously dishonest subjects. The
//! services are `xyjt_app::inspection`.

use super::{
    Answer, CsrfForm, OrPage, allow, allow_any, frame, invalid, see_other, show, unit_name,
};
use crate::AppState;
use crate::auth::{Staff, urlencode};
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, Query, State};
use chrono::NaiveDate;
use serde::Deserialize;
use xyjt_app::inspection::{self as insp, ResultInput};
use xyjt_core::account::Action;
use xyjt_core::inspection::{InspectionOutcome, Quarter};
use xyjt_store::InspectionQuery;

#[derive(Template)]
#[template(path = "console/inspection.html")]
struct InspectionPage {
    frame: Frame,
    policy_version: u32,
    per_task: u32,
    /// The unit's inspectors: `id 姓名`.
    pool: Vec<String>,
    /// The pool as the form edits it: `编号,姓名[,回避代码]` per line.
    pool_text: String,
    quarter: String,
    draws: Vec<DrawRow>,
}

struct DrawRow {
    id: String,
    link: String,
    quarter: String,
    unit: String,
    drawn_on: String,
    tasks: usize,
    done: usize,
}

pub(super) async fn inspection_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let pools = state.store.inspector_pools().await.or_page()?;
    let pool = pools
        .into_iter()
        .find(|(u, _)| *u == staff.account.unit_id)
        .map(|(_, p)| p)
        .unwrap_or_default();
    let mut draws = Vec::new();
    for d in state.store.inspection_draws(None).await.or_page()? {
        let Some(rec) = d.draw else { continue };
        let done = state
            .store
            .inspection_results(&InspectionQuery {
                draw_id: Some(rec.id.clone()),
                ..InspectionQuery::default()
            })
            .await
            .or_page()?
            .len();
        draws.push(DrawRow {
            link: urlencode(&rec.id),
            id: rec.id,
            quarter: rec.quarter,
            unit: unit_name(staff.org(), &rec.unit),
            drawn_on: rec.drawn_on.to_string(),
            tasks: rec.tasks.len(),
            done,
        });
    }
    show(&InspectionPage {
        frame: frame(&staff, "双随机抽查"),
        policy_version: state.policies.inspection.version,
        per_task: state.policies.inspection.inspectors_per_task,
        pool: pool
            .iter()
            .map(|i| format!("{} {}", i.id, i.name))
            .collect(),
        pool_text: pool
            .iter()
            .map(|i| match &i.avoid_code {
                Some(c) => format!("{},{},{c}", i.id, i.name),
                None => format!("{},{}", i.id, i.name),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        quarter: Quarter::of(state.today()).to_string(),
        draws,
    })
}

#[derive(Deserialize)]
pub(super) struct PoolForm {
    #[serde(default)]
    inspectors: String,
}

/// Replaces the staff member's unit's inspector pool (信用管理员 of the unit): one inspector per
/// line, `编号,姓名[,回避代码]` (a full-width comma is read as a comma).
pub(super) async fn set_pool(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<PoolForm>,
) -> Answer {
    let unit = staff.account.unit_id.clone();
    allow(&staff, Action::ManageLists, &unit)?;
    let mut inspectors = Vec::new();
    for (n, line) in f.inspectors.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
        if cells.len() < 2 || cells[0].is_empty() || cells[1].is_empty() {
            return Err(invalid(format!(
                "第 {} 行应为“编号,姓名[,回避代码]”：{line}",
                n + 1
            )));
        }
        inspectors.push(xyjt_core::inspection::Inspector {
            id: cells[0].to_string(),
            name: cells[1].to_string(),
            unit: unit.clone(),
            avoid_code: cells
                .get(2)
                .filter(|c| !c.is_empty())
                .map(|c| c.to_string()),
        });
    }
    insp::set_pool(&state.ctx(), &unit, inspectors, &staff.actor())
        .await
        .or_page()?;
    see_other("/console/inspection")
}

#[derive(Deserialize)]
pub(super) struct DrawForm {
    #[serde(default)]
    quarter: String,
}

/// Makes and records a draw for the staff member's unit (信用管理员 or 审核员 of the unit).
pub(super) async fn make_draw(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<DrawForm>,
) -> Answer {
    let unit = staff.account.unit_id.clone();
    allow_any(
        &staff,
        "组织双随机抽查",
        &[Action::ManageLists, Action::ReviewRecords],
        &unit,
    )?;
    let record = insp::draw(&state.ctx(), f.quarter.trim(), &unit, None, &staff.actor())
        .await
        .or_page()?;
    see_other(&format!(
        "/console/inspection/draws/{}",
        urlencode(&record.id)
    ))
}

#[derive(Template)]
#[template(path = "console/inspection_draw.html")]
struct DrawPage {
    frame: Frame,
    id: String,
    link: String,
    quarter: String,
    unit: String,
    drawn_on: String,
    seed: String,
    snapshot_seq: i64,
    /// The staff member's unit made the draw (and may record its results).
    own: bool,
    today: String,
    /// (key, label).
    outcomes: Vec<(&'static str, &'static str)>,
    tasks: Vec<TaskRow>,
}

struct TaskRow {
    no: u32,
    name: String,
    item: String,
    grade: String,
    reason: String,
    inspectors: String,
    result: Option<String>,
}

pub(super) async fn draw_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Answer {
    let (record, _) = insp::recorded_draw(state.store.as_ref(), &id)
        .await
        .or_page()?;
    let results = state
        .store
        .inspection_results(&InspectionQuery {
            draw_id: Some(id.clone()),
            ..InspectionQuery::default()
        })
        .await
        .or_page()?;
    let tasks = record
        .tasks
        .iter()
        .map(|t| TaskRow {
            no: t.no,
            name: match &t.code {
                Some(c) => format!("{}（{c}）", t.name),
                None => t.name.clone(),
            },
            item: crate::api::inspection::item_title(&state, &t.item_id),
            grade: t.grade.clone().unwrap_or_else(|| "—".into()),
            reason: t.reason.clone(),
            inspectors: t.inspectors.join("、"),
            result: results
                .iter()
                .find(|r| r.task_no == Some(t.no))
                .map(|r| format!("{}（{}）：{}", r.outcome.label(), r.on, r.note)),
        })
        .collect();
    show(&DrawPage {
        frame: frame(&staff, "抽查任务"),
        link: urlencode(&record.id),
        id: record.id.clone(),
        quarter: record.quarter.clone(),
        unit: unit_name(staff.org(), &record.unit),
        drawn_on: record.drawn_on.to_string(),
        seed: record.seed.clone(),
        snapshot_seq: record.snapshot_seq,
        own: record.unit == staff.account.unit_id,
        today: state.today().to_string(),
        outcomes: InspectionOutcome::ALL
            .iter()
            .map(|o| (o.key(), o.label()))
            .collect(),
        tasks,
    })
}

#[derive(Deserialize)]
pub(super) struct TaskForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    on: String,
}

/// Records a task's result for the staff member's unit (录入员 or 审核员); the service refuses a
/// draw of another unit and a task already recorded.
pub(super) async fn record_task(
    State(state): State<AppState>,
    Path((id, no)): Path<(String, u32)>,
    CsrfForm { staff, form: f }: CsrfForm<TaskForm>,
) -> Answer {
    let unit = staff.account.unit_id.clone();
    allow_any(
        &staff,
        "登记抽查结果",
        &[Action::SubmitRecords, Action::ReviewRecords],
        &unit,
    )?;
    let outcome = InspectionOutcome::parse(&f.outcome)
        .ok_or_else(|| invalid(format!("检查结果“{}”无效", f.outcome)))?;
    let on = match f.on.trim() {
        "" => state.today(),
        s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| invalid(format!("检查日期“{s}”不是日期（YYYY-MM-DD）")))?,
    };
    insp::record_result(
        &state.ctx(),
        ResultInput {
            draw_id: Some(id.clone()),
            task_no: Some(no),
            subject_id: None,
            outcome,
            note: f.note,
            on,
        },
        &unit,
        &staff.actor(),
    )
    .await
    .or_page()?;
    see_other(&format!("/console/inspection/draws/{}", urlencode(&id)))
}

#[derive(Template)]
#[template(path = "console/coverage.html")]
struct CoveragePage {
    frame: Frame,
    basis: String,
    quarter: String,
    rows: Vec<CoverageRow>,
    done: usize,
    pending: usize,
    overdue: usize,
}

struct CoverageRow {
    name: String,
    entry_id: String,
    inspected_on: String,
    overdue: bool,
    status: &'static str,
}

#[derive(Deserialize)]
pub(super) struct CoverageQuery {
    quarter: Option<String>,
}

/// Every subject blacklisted during the quarter, inspected or not (overdue once it is over).
pub(super) async fn coverage_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<CoverageQuery>,
) -> Answer {
    allow(&staff, Action::ViewConsole, &staff.account.unit_id)?;
    let quarter = q
        .quarter
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| Quarter::of(state.today()).to_string());
    let rows = insp::coverage(&state.ctx(), &quarter).await.or_page()?;
    let done = rows.iter().filter(|r| r.inspected_on.is_some()).count();
    show(&CoveragePage {
        frame: frame(&staff, "重点监管覆盖"),
        basis: state.policies.inspection.serious.basis.clone(),
        quarter,
        done,
        pending: rows.len() - done,
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows: rows
            .iter()
            .map(|r| CoverageRow {
                name: r.name.clone(),
                entry_id: r.entry_id.clone(),
                inspected_on: r.inspected_on.map(|d| d.to_string()).unwrap_or_default(),
                overdue: r.overdue,
                status: match (r.inspected_on, r.overdue) {
                    (Some(_), _) => "已检查",
                    (None, true) => "逾期未检查",
                    (None, false) => "待检查",
                },
            })
            .collect(),
    })
}
