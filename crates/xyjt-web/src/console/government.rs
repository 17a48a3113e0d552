//! 政务诚信 casework in the console: the rectification inbox (限期整改, clocks coloured) with the
//! draft 通报 on overdue cases, and the half-yearly assessment — preview with every component,
//! staff scores entered for the `entered` indicators, and publication of the bulletin.
//!
//! Who may do what: any signed-in staff member sees the rectification cases of units within
//! their scope (steps on a case go through the application page, as for objections); the draft
//! 通报 and the assessment are for 信用管理员 and 审核员; entering a score needs 信用管理员
//! (管理名单), publishing the bulletin 审核员 (审核发布) — as for the other publications.

use super::applications::urgency;
use super::{Answer, CsrfForm, OrPage, allow_any, err_page, frame, scope_names, see_other, show};
use crate::AppState;
use crate::auth::{Staff, urlencode};
use crate::html::Frame;
use askama::Template;
use axum::extract::{Query, State};
use chrono::Datelike;
use serde::Deserialize;
use xyjt_core::account::Action;
use xyjt_core::integrity::assessment::{AssessmentResult, Source};
use xyjt_core::workflow::WorkflowKind;

struct CaseRow {
    number: String,
    department: String,
    unit: String,
    topic: String,
    filed_on: String,
    status: String,
    /// (label, due date, status label, urgency class)
    clocks: Vec<(String, String, &'static str, &'static str)>,
    urgency: &'static str,
}

#[derive(Template)]
#[template(path = "console/rectifications.html")]
struct RectificationsPage {
    frame: Frame,
    rows: Vec<CaseRow>,
    bulletin: Option<String>,
}

/// `GET /console/integrity/rectifications`
pub(super) async fn rectifications_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let scope = scope_names(&staff);
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery {
            kind: Some(WorkflowKind::Rectification),
            ..Default::default()
        })
        .await
        .or_page()?;
    let (cal, today, near) = (
        &state.calendar,
        state.today(),
        state.policies.deadlines.near_due,
    );
    let rows: Vec<CaseRow> = apps
        .iter()
        .filter(|a| scope.contains(&a.unit))
        .map(|a| {
            let clocks: Vec<_> = a
                .clocks
                .iter()
                .map(|c| {
                    let st = c.status(cal, today, near);
                    (
                        c.label.clone(),
                        c.due(cal, today).due_on.to_string(),
                        st.label(),
                        urgency(st),
                    )
                })
                .collect();
            let worst = a
                .clocks
                .iter()
                .map(|c| urgency(c.status(cal, today, near)))
                .min_by_key(|u| match *u {
                    "urgent" => 0,
                    "soon" => 1,
                    _ => 2,
                })
                .unwrap_or("fine");
            CaseRow {
                number: a.app.number.clone(),
                department: a.app.applicant.name.clone(),
                unit: a.unit.clone(),
                topic: a.app.topic.clone().unwrap_or_default(),
                filed_on: a.app.filed_on.to_string(),
                status: a.status.label().to_string(),
                clocks,
                urgency: if a.status.is_open() { worst } else { "fine" },
            }
        })
        .collect();
    let bulletin = if allow_any(
        &staff,
        "起草整改逾期通报",
        &[Action::ManageLists, Action::ReviewRecords],
        &staff.account.unit_id,
    )
    .is_ok()
    {
        let b = xyjt_app::workflows::rectification_bulletin(&state.ctx())
            .await
            .or_page()?;
        Some(b.text)
    } else {
        None
    };
    show(&RectificationsPage {
        frame: frame(&staff, "限期整改"),
        rows,
        bulletin,
    })
}

#[derive(Deserialize)]
pub(super) struct PeriodQuery {
    #[serde(default)]
    period: String,
}

/// One indicator a staff member enters.
struct Entered {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/assessment.html")]
struct AssessmentPage {
    frame: Frame,
    period: String,
    period_q: String,
    results: Vec<AssessmentResult>,
    entered: Vec<Entered>,
    published: bool,
    missing_rule: String,
    model_version: u32,
}

/// The half year before the current one (the one usually being assessed).
fn last_half(today: chrono::NaiveDate) -> String {
    if today.month() <= 6 {
        format!("{}H2", today.year() - 1)
    } else {
        format!("{}H1", today.year())
    }
}

fn may_assess(staff: &Staff) -> Result<(), axum::response::Response> {
    allow_any(
        staff,
        "政务诚信考核",
        &[Action::ManageLists, Action::ReviewRecords],
        &staff.account.unit_id,
    )
}

/// `GET /console/integrity/assessments?period=2026H1`
pub(super) async fn assessment_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PeriodQuery>,
) -> Answer {
    may_assess(&staff)?;
    let period = if q.period.trim().is_empty() {
        last_half(state.today())
    } else {
        q.period.trim().to_uppercase()
    };
    let ctx = state.ctx();
    let results = xyjt_app::integrity::assessment::assess(&ctx, &period)
        .await
        .or_page()?;
    let model = &state.policies.assessment;
    let published = state.store.assessment(&period).await.or_page()?.is_some();
    show(&AssessmentPage {
        frame: frame(&staff, "政务诚信考核"),
        period_q: urlencode(&period),
        period,
        results,
        entered: model
            .indicators
            .iter()
            .filter(|i| i.source == Source::Entered)
            .map(|i| Entered {
                id: i.id.clone(),
                label: i.label.clone(),
            })
            .collect(),
        published,
        missing_rule: model.missing.label().to_string(),
        model_version: model.version,
    })
}

#[derive(Deserialize)]
pub(super) struct ScoreForm {
    period: String,
    code: String,
    indicator: String,
    value: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/integrity/assessments/scores`: one entered score (信用管理员).
pub(super) async fn enter_score(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<ScoreForm>,
) -> Answer {
    super::allow(&staff, Action::ManageLists, &staff.account.unit_id)?;
    xyjt_app::integrity::assessment::enter_score(
        &state.ctx(),
        &f.period,
        &f.code,
        &f.indicator,
        &f.value,
        &f.note,
        &staff.actor(),
    )
    .await
    .map_err(|e| err_page(e.into()))?;
    see_other(&format!(
        "/console/integrity/assessments?period={}",
        urlencode(f.period.trim())
    ))
}

#[derive(Deserialize)]
pub(super) struct PublishForm {
    period: String,
}

/// `POST /console/integrity/assessments/publish`: the bulletin on the portal (审核员).
pub(super) async fn publish(
    State(state): State<AppState>,
    CsrfForm { staff, form: f }: CsrfForm<PublishForm>,
) -> Answer {
    super::allow(&staff, Action::ReviewRecords, &staff.account.unit_id)?;
    xyjt_app::integrity::assessment::publish(&state.ctx(), &f.period, &staff.actor())
        .await
        .map_err(|e| err_page(e.into()))?;
    see_other(&format!(
        "/console/integrity/assessments?period={}",
        urlencode(f.period.trim())
    ))
}
