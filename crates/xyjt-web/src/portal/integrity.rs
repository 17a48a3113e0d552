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
    in_effect: usize,
    dishonest: Vec<RecordRow>,
    good: Vec<RecordRow>,
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
    let page = DepartmentPage {
        name: d.name.clone(),
        code: d.code.clone(),
        in_effect: d.in_effect,
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
