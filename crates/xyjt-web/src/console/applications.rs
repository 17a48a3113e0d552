//! 申请办理: the unit's inbox of applications and cases (异议, 修复, 限期整改, 投诉, 依申请公开),
//! coloured by deadline, one
//! application with its clocks and history, and the steps staff take on it.

use super::{
    Answer, CsrfForm, OrPage, allow, found, frame, scope_names, see_other, show, unit_id_of,
    unit_name,
};
use crate::AppState;
use crate::auth::{Staff, urlencode};
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::Deserialize;
use xyjt_core::account::Action;
use xyjt_core::workflow::{AppState as Workflow, Clock, ClockStatus, WorkflowKind};
use xyjt_store::Notification;

/// The row colour of a clock: red overdue, yellow near due or suspended, green otherwise.
/// The colour class of a clock's status (shared by the inbox and the rectification list).
pub(super) fn urgency(status: ClockStatus) -> &'static str {
    match status {
        ClockStatus::Overdue | ClockStatus::DoneLate => "urgent",
        ClockStatus::NearDue | ClockStatus::Suspended => "soon",
        _ => "fine",
    }
}

/// A clock as shown on a given day.
struct ClockRow<'a> {
    clock: &'a Clock,
    urgency: &'static str,
    due_on: NaiveDate,
    provisional: bool,
    status: &'static str,
    explanation: String,
}

fn clock_row<'a>(state: &AppState, clock: &'a Clock) -> ClockRow<'a> {
    let today = state.today();
    let due = clock.due(&state.calendar, today);
    let status = clock.status(&state.calendar, today, state.policies.deadlines.near_due);
    ClockRow {
        clock,
        urgency: urgency(status),
        due_on: due.due_on,
        provisional: due.provisional,
        status: status.label(),
        explanation: due.explanation,
    }
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage<'a> {
    frame: Frame,
    rows: Vec<(&'a Workflow, ClockRow<'a>)>,
    messages: Vec<Notification>,
    /// The filter links (kind, label) and the one chosen (empty: all).
    kinds: Vec<(String, &'static str)>,
    kind: String,
}

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    #[serde(default)]
    kind: String,
}

pub(super) async fn inbox_page(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<InboxQuery>,
) -> Answer {
    let scope = scope_names(&staff);
    let kind = WorkflowKind::parse(q.kind.trim());
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery {
            kind,
            ..Default::default()
        })
        .await
        .or_page()?;
    let mut kinds = vec![(String::new(), "全部")];
    kinds.extend(WorkflowKind::ALL.iter().map(|k| {
        (
            serde_json::to_value(k)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            k.label(),
        )
    }));
    let rows = apps
        .iter()
        .filter(|a| within(&scope, a))
        .filter_map(|a| Some((a, clock_row(&state, a.current_clock()?))))
        .collect();
    let messages = state
        .store
        .inbox(&unit_name(staff.org(), &staff.account.unit_id), 30)
        .await
        .or_page()?;
    show(&InboxPage {
        frame: frame(&staff, "申请办理"),
        rows,
        messages,
        kinds,
        kind: kind.map(|_| q.kind.trim().to_string()).unwrap_or_default(),
    })
}

#[derive(Template)]
#[template(path = "console/application.html")]
struct DetailPage<'a> {
    frame: Frame,
    wf: &'a Workflow,
    clocks: Vec<ClockRow<'a>>,
    objection: bool,
    /// `objection` | `repair` | `rectification` | `complaint`: which forms the page offers.
    kind: String,
    /// The decision's two outcomes for this kind (granted, not granted).
    outcomes: (&'static str, &'static str),
    /// 依申请公开: the results to choose from (outcome, the annual report row's label).
    outcome_rows: Vec<(String, String)>,
}

/// An application is seen by the units that handle or handled it, and the units above them.
fn within(scope: &[String], wf: &Workflow) -> bool {
    scope.contains(&wf.unit) || wf.clocks.iter().any(|c| scope.contains(&c.unit))
}

/// The application, or a 404 page when it does not exist or lies outside the staff's scope
/// (the same answer, so nothing is revealed).
async fn load(
    state: &AppState,
    staff: &Staff,
    number: &str,
) -> Result<Workflow, axum::response::Response> {
    let scope = scope_names(staff);
    let visible = state
        .store
        .application(number)
        .await
        .map(|wf| wf.filter(|wf| within(&scope, wf)));
    found(visible, || format!("申请 {number} 不存在"))
}

pub(super) async fn detail_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Answer {
    let wf = load(&state, &staff, &number).await?;
    show(&DetailPage {
        frame: frame(&staff, "申请办理"),
        clocks: wf.clocks.iter().map(|c| clock_row(&state, c)).collect(),
        objection: wf.app.kind == WorkflowKind::Objection,
        kind: serde_json::to_value(wf.app.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default(),
        outcomes: match wf.app.kind {
            WorkflowKind::Objection => ("异议成立，更正", "异议不成立"),
            WorkflowKind::Repair => ("准予修复", "不予修复"),
            WorkflowKind::Rectification => ("整改完成", "整改不到位"),
            WorkflowKind::Complaint => ("投诉属实", "投诉不属实"),
            WorkflowKind::Disclosure => ("", ""),
        },
        outcome_rows: xyjt_core::disclosure::annual::RESULT_ROWS
            .iter()
            .map(|r| (r.outcome.to_string(), r.label()))
            .collect(),
        wf: &wf,
    })
}

/// A step on an application: `decide` (granted, reason, revoke) or suspend, resume, extend
/// (workdays), forward (unit), each with a reason.
#[derive(Deserialize)]
pub(super) struct StepForm {
    #[serde(default)]
    action: String,
    reason: Option<String>,
    unit: Option<String>,
    clock: Option<String>,
    workdays: Option<String>,
    granted: Option<String>,
    revoke: Option<String>,
    outcome: Option<String>,
}

/// A field as given: trimmed, `None` when blank.
fn given(field: Option<String>) -> Option<String> {
    field
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub(super) async fn take_step(
    State(state): State<AppState>,
    Path(number): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<StepForm>,
) -> Answer {
    // Out of scope is refused by `allow` below (403, as for every console write).
    let wf = found(state.store.application(&number).await, || {
        format!("申请 {number} 不存在")
    })?;
    let action = if f.action == "decide" {
        Action::DecideApplications
    } else {
        Action::HandleApplications
    };
    allow(&staff, action, &unit_id_of(staff.org(), &wf.unit))?;
    let req = xyjt_app::workflows::StepRequest {
        action: f.action,
        on: None,
        reason: given(f.reason).unwrap_or_default(),
        unit: given(f.unit),
        clock: given(f.clock),
        workdays: given(f.workdays).and_then(|w| w.parse().ok()),
        granted: given(f.granted).map(|g| g == "true"),
        revoke: given(f.revoke).is_some_and(|v| v == "true"),
        corrected: None,
        outcome: given(f.outcome),
    };
    xyjt_app::workflows::take_step(&state.ctx(), &number, &req, &staff.actor())
        .await
        .or_page()?;
    let _ = state.refresh_checks().await;
    see_other(&format!("/console/applications/{}", urlencode(&number)))
}

/// `GET /console/applications/{number}/notice`: the printable 告知书 of a decided request
/// (依申请公开), for the units that may see the request.
pub(super) async fn notice_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
) -> Answer {
    let wf = load(&state, &staff, &number).await?;
    match xyjt_app::workflows::notice(&state.ctx(), &wf)
        .await
        .or_page()?
    {
        Some(n) => show(&crate::portal::NoticePage { n }),
        None => Err(super::err_page(crate::error::ApiError::not_found(format!(
            "申请 {number} 尚未答复，没有告知书"
        )))),
    }
}
