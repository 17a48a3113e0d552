//! A subject's public profile: its codes, former names, the records public today and its
//! credit commitments.

use super::shared::RecordRow;
use crate::AppState;
use crate::error::ApiError;
use crate::views::SubjectView;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use xyjt_core::mask::{Audience, subject_display_name};

#[derive(Template)]
#[template(path = "portal/subject.html")]
struct SubjectPage {
    name: String,
    kind: String,
    /// The codes it has: (label, value), masked for the public.
    codes: Vec<(&'static str, String)>,
    /// Former names, joined with 、 (empty: none).
    former_names: String,
    records: Vec<RecordRow>,
    commitments: Vec<CommitmentRow>,
    grades: Vec<GradeRow>,
    /// The subject id, percent-encoded for the credit report link.
    report_link: String,
}

/// A grade in force (信用评价等级): model, version, period, validity.
struct GradeRow {
    model: String,
    version: u32,
    example: bool,
    period: String,
    grade: String,
    published_on: String,
    valid_until: String,
    /// The result id, percent-encoded for the link to its lines.
    link: String,
}

struct CommitmentRow {
    title: String,
    matter: String,
    signed_on: String,
    unit: String,
    status: &'static str,
    dishonest: bool,
}

pub async fn subject_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Html<String>, ApiError> {
    let subject = state
        .public_store
        .subject(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("主体 {id} 不存在")))?;
    if state.hidden_from_public(&id).await? {
        return Err(ApiError::not_found(format!("主体 {id} 不存在")));
    }
    let v = SubjectView::new(&subject, Audience::Public);
    let codes = [
        ("统一社会信用代码", v.uscc),
        ("组织机构代码", v.org_code),
        ("工商注册号", v.reg_no),
        ("身份证号", v.citizen_id),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|value| (label, value)))
    .collect();
    let names = state.public_store.name_history(&id).await?;
    let former_names = names
        .iter()
        .take(names.len().saturating_sub(1))
        .map(|n| subject_display_name(subject.kind, &n.name, Audience::Public))
        .collect::<Vec<_>>()
        .join("、");
    let today = state.today();
    let marks =
        xyjt_app::workflows::objection_marks(state.public_store.as_ref(), Some(&id)).await?;
    let records = state
        .public_store
        .records_of_subject(&id)
        .await?
        .iter()
        .filter(|r| r.is_public_on(today))
        .map(|r| RecordRow::new(r, &marks))
        .collect();
    let commitments = state
        .public_store
        .commitments(Some(&id))
        .await?
        .iter()
        .map(|c| CommitmentRow {
            title: c.commitment.title.clone(),
            matter: c.commitment.matter.clone(),
            signed_on: c.commitment.signed_on.to_string(),
            unit: c.commitment.unit.clone(),
            status: c.status().label(),
            dishonest: c.is_dishonest(),
        })
        .collect();
    let grades = xyjt_app::evaluation::grades_of(state.public_store.as_ref(), &id, today)
        .await?
        .iter()
        .map(|g| GradeRow {
            model: g.result.model_title.clone(),
            version: g.result.model_version,
            example: g.result.example,
            period: g.result.period.clone(),
            grade: g
                .result
                .grade
                .clone()
                .unwrap_or_else(|| "未定级".to_string()),
            published_on: g.published_on.map(|d| d.to_string()).unwrap_or_default(),
            valid_until: g.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            link: super::shared::urlencode(&g.result.id),
        })
        .collect();
    Ok(crate::html::render(&SubjectPage {
        report_link: super::shared::urlencode(&id),
        grades,
        name: v.name,
        kind: v.kind,
        codes,
        former_names,
        records,
        commitments,
    }))
}
