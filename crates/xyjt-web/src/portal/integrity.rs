//! 政务诚信 on the portal: the registered departments (部门) with their dishonesty records in
//! effect, a department's published records (dishonesty under 容错 excluded, and good records),
//! and the 政务失信公示 of every department's dishonesty records in effect. Civil servants'
//! archives are internal: nothing here reads one (only department registrations and department
//! records are loaded), so no page can show a civil servant's name, ID number or records.

use super::shared::Missing;
use super::shared::urlencode;
use crate::AppState;
use crate::api::integrity::{DepartmentSummary, departments};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use xyjt_core::integrity::{IntegrityPolicy, IntegrityState, Nature};
use xyjt_core::workflow::WorkflowKind;

/// A department in the list.
struct DeptRow {
    name: String,
    code: String,
    link: String,
    in_effect: usize,
    dishonest: usize,
    good: usize,
}

impl DeptRow {
    fn new(d: &DepartmentSummary) -> Self {
        DeptRow {
            name: d.name.clone(),
            code: d.code.clone(),
            link: urlencode(&d.code),
            in_effect: d.in_effect,
            dishonest: d.dishonest,
            good: d.good,
        }
    }
}

/// A department's record as the public sees it.
struct RecordRow {
    /// The department's name and link (the publicity page names it).
    department: String,
    department_link: String,
    category: String,
    doc_no: String,
    decided_on: String,
    deciding_unit: String,
    facts: String,
    basis: String,
    /// 影响期: from the decision to its end, or 长期（至问题解决）.
    period: String,
    in_effect: bool,
}

fn record_row(s: &IntegrityState, policy: &IntegrityPolicy, today: chrono::NaiveDate) -> RecordRow {
    let r = &s.record;
    let category = policy
        .category(&r.category)
        .map_or_else(|| r.category.clone(), |c| c.label.clone());
    let period = match (r.nature, s.effect_until(policy)) {
        (Nature::Good, _) => String::new(),
        (_, Some(until)) => format!("{} 至 {until}", r.decided_on),
        (_, None) => format!("{} 起，至问题解决", r.decided_on),
    };
    RecordRow {
        department: r.name.clone(),
        department_link: urlencode(&r.code),
        category,
        doc_no: r.doc_no.clone(),
        decided_on: r.decided_on.to_string(),
        deciding_unit: r.deciding_unit.clone(),
        facts: r.facts.clone(),
        basis: r.basis.clone(),
        period,
        in_effect: s.in_effect_on(policy, today),
    }
}

#[derive(Template)]
#[template(path = "portal/integrity.html")]
struct DepartmentsPage {
    departments: Vec<DeptRow>,
    in_effect: usize,
}

/// `/integrity`: every registered department and its count of dishonesty records in effect.
pub async fn departments_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (list, _) = departments(&state).await?;
    let page = DepartmentsPage {
        in_effect: list.iter().map(|d| d.in_effect).sum(),
        departments: list.iter().map(DeptRow::new).collect(),
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/integrity_department.html")]
struct DepartmentPage {
    name: String,
    code: String,
    link: String,
    in_effect: usize,
    dishonest: Vec<RecordRow>,
    good: Vec<RecordRow>,
    rectifications: Vec<CaseRow>,
    complaints: Vec<CaseRow>,
    commitments: Vec<CommitmentRow>,
}

/// A rectification case or an answered complaint as the public sees it.
struct CaseRow {
    number: String,
    topic: String,
    filed_on: String,
    status: String,
    overdue: bool,
    /// Each clock: what, due date, status.
    clocks: Vec<String>,
    reply: String,
    decided_on: String,
}

impl CaseRow {
    fn new(wf: &xyjt_core::workflow::AppState, state: &AppState) -> Self {
        let (cal, today, near) = (
            &state.policies.calendar,
            state.today(),
            state.policies.deadlines.near_due,
        );
        CaseRow {
            number: wf.app.number.clone(),
            topic: wf.app.topic.clone().unwrap_or_default(),
            filed_on: wf.app.filed_on.to_string(),
            status: wf.status.label().to_string(),
            overdue: wf.is_overdue(cal, today, near),
            clocks: wf
                .clocks
                .iter()
                .map(|c| {
                    let done = c.done_on.map(|d| format!("，{d} 完成")).unwrap_or_default();
                    format!(
                        "{}：期限 {}{}（{}）",
                        c.label,
                        c.due(cal, today).due_on,
                        done,
                        c.status(cal, today, near).label()
                    )
                })
                .collect(),
            reply: wf
                .decision
                .as_ref()
                .map(|d| d.reasons.clone())
                .unwrap_or_default(),
            decided_on: wf.decided_on.map(|d| d.to_string()).unwrap_or_default(),
        }
    }
}

/// A government commitment as published.
struct CommitmentRow {
    kind: String,
    content: String,
    published_in: String,
    made_on: String,
    due_on: String,
    status: String,
    kept: Option<bool>,
    finding: String,
}

/// `/integrity/departments/{code}`: a department's published dishonesty records (those under
/// an approved 容错 finding excluded) and its good records. Anything but a registered
/// department's USCC is 404, the same page whatever the code names.
pub async fn department_page(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    let (list, records) = departments(&state).await?;
    let code = code.trim().to_uppercase();
    let Some(d) = list.iter().find(|d| d.code == code) else {
        return Ok(Missing {
            title: "部门不存在",
            message: "没有找到该统一社会信用代码的已登记部门。".into(),
            back: "/integrity",
            back_label: "返回政务诚信",
        }
        .respond());
    };
    let policy = &state.policies.integrity;
    let today = state.today();
    let mine: Vec<&IntegrityState> = records
        .iter()
        .filter(|s| s.record.subject_id == d.subject_id)
        .collect();
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery {
            subject_id: Some(d.subject_id.clone()),
            ..Default::default()
        })
        .await?;
    let of_kind = |kind: WorkflowKind| {
        apps.iter()
            .filter(move |a| a.app.kind == kind)
            .filter(|a| a.status != xyjt_core::workflow::AppStatus::Withdrawn)
    };
    let commitments = state
        .store
        .gov_commitments(Some(&d.subject_id))
        .await?
        .into_iter()
        .map(|c| CommitmentRow {
            kind: c.commitment.kind.clone(),
            content: c.commitment.content.clone(),
            published_in: c.commitment.published_in.clone(),
            made_on: c.commitment.made_on.to_string(),
            due_on: c
                .commitment
                .due_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            status: c.status(today).label().to_string(),
            kept: c.check.as_ref().map(|k| k.fulfilled),
            finding: c.check.map(|k| k.finding).unwrap_or_default(),
        })
        .collect();
    let page = DepartmentPage {
        name: d.name.clone(),
        code: d.code.clone(),
        link: urlencode(&d.code),
        in_effect: d.in_effect,
        rectifications: of_kind(WorkflowKind::Rectification)
            .map(|a| CaseRow::new(a, &state))
            .collect(),
        // Only answered complaints, without the complainant or the complaint's text.
        complaints: of_kind(WorkflowKind::Complaint)
            .filter(|a| a.decision.is_some())
            .map(|a| CaseRow::new(a, &state))
            .collect(),
        commitments,
        dishonest: mine
            .iter()
            .filter(|s| s.counts_as_dishonest())
            .map(|s| record_row(s, policy, today))
            .collect(),
        good: mine
            .iter()
            .filter(|s| s.record.nature == Nature::Good)
            .map(|s| record_row(s, policy, today))
            .collect(),
    };
    Ok(crate::html::render(&page).into_response())
}

#[derive(Template)]
#[template(path = "portal/integrity_publicity.html")]
struct PublicityPage {
    rows: Vec<RecordRow>,
    today: String,
}

/// `/integrity/publicity`: 政务失信公示, every registered department's dishonesty records in
/// effect today (容错 ones excluded), newest decision first.
pub async fn publicity_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let (list, records) = departments(&state).await?;
    let policy = &state.policies.integrity;
    let today = state.today();
    let rows = records
        .iter()
        .filter(|s| list.iter().any(|d| d.subject_id == s.record.subject_id))
        .filter(|s| s.in_effect_on(policy, today))
        .map(|s| record_row(s, policy, today))
        .collect();
    let page = PublicityPage {
        rows,
        today: today.to_string(),
    };
    Ok(crate::html::render(&page).into_response())
}

/// One component of a department's assessment, for display.
struct ComponentRow {
    label: String,
    value: String,
    weight: String,
    applied_weight: String,
    points: String,
    note: String,
}

/// A department's line of the bulletin.
struct BulletinRow {
    rank: String,
    name: String,
    total: String,
    components: Vec<ComponentRow>,
}

#[derive(Template)]
#[template(path = "portal/integrity_assessment.html")]
struct BulletinPage {
    period: String,
    published_on: String,
    model_version: String,
    missing_rule: String,
    rows: Vec<BulletinRow>,
}

#[derive(serde::Deserialize)]
pub struct BulletinQuery {
    pub period: Option<String>,
}

/// `/integrity/assessments?period=2026H1`: the half-year's published assessment bulletin (通报):
/// per department the rank, the total and every component with its weight.
pub async fn assessment_page(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<BulletinQuery>,
) -> Result<Response, ApiError> {
    let ctx = state.ctx();
    // Default: the latest half year with a bulletin, looking back two years.
    let period = match q.period {
        Some(p) => Some(p),
        None => {
            let today = state.today();
            let mut found = None;
            for back in 0..4 {
                let year = chrono::Datelike::year(&today) - back / 2;
                for half in [2, 1] {
                    let p = format!("{year}H{half}");
                    if found.is_none() && state.store.assessment(&p).await?.is_some() {
                        found = Some(p);
                    }
                }
            }
            found
        }
    };
    let missing = |message: String| {
        Missing {
            title: "政务诚信考核通报",
            message,
            back: "/integrity",
            back_label: "返回政务诚信",
        }
        .respond()
    };
    let Some(period) = period else {
        return Ok(missing("尚未发布政务诚信考核通报".into()));
    };
    let bulletin = match xyjt_app::integrity::assessment::bulletin(&ctx, &period).await {
        Ok(b) => b,
        Err(e) => return Ok(missing(e.message)),
    };
    let results: Vec<xyjt_core::integrity::assessment::AssessmentResult> =
        serde_json::from_value(bulletin["results"].clone()).unwrap_or_default();
    let text = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let page = BulletinPage {
        period: text(&bulletin["period"]),
        published_on: text(&bulletin["on"]),
        model_version: text(&bulletin["model_version"]),
        missing_rule: results
            .first()
            .map(|r| r.missing_rule.clone())
            .unwrap_or_default(),
        rows: results
            .iter()
            .map(|r| BulletinRow {
                rank: r.rank.map_or("不排名".into(), |n| n.to_string()),
                name: r.name.clone(),
                total: r.total.map_or("—".into(), |t| t.to_string()),
                components: r
                    .components
                    .iter()
                    .map(|c| ComponentRow {
                        label: c.label.clone(),
                        value: c.value.map_or("缺项".into(), |v| v.to_string()),
                        weight: c.weight.to_string(),
                        applied_weight: c.applied_weight.to_string(),
                        points: c.points.to_string(),
                        note: c.note.clone(),
                    })
                    .collect(),
            })
            .collect(),
    };
    Ok(crate::html::render(&page).into_response())
}
