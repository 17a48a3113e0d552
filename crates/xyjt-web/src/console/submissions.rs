//! 审核发布: submissions of the unit (and the units below it), their row-by-row report, the
//! reviewer's decision (approval publishes the valid rows with the review, in one transaction),
//! and the files behind them.

use super::{
    Answer, CsrfForm, OrPage, allow_review, err_page, event, found, frame, invalid, scope_names,
    see_other, sees_unit, show, unit_name,
};
use crate::AppState;
use crate::auth::{Staff, forbidden, urlencode};
use crate::error::ApiError;
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use serde::Deserialize;
use xyjt_core::account::Action;
use xyjt_core::ledger::EventPayload;
use xyjt_core::submission::{SubmissionState, SubmissionStatus};

/// How a submission came in, for people.
fn source_label(source: &str) -> &'static str {
    if source == "entry" {
        "录入"
    } else {
        "导入"
    }
}

#[derive(Template)]
#[template(path = "console/submissions.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
}

struct Row {
    pending: bool,
    state: SubmissionState,
    unit: String,
    source: &'static str,
}

pub(super) async fn list_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let all = state.store.submissions(None, 200).await.or_page()?;
    let rows = all
        .into_iter()
        .filter(|s| sees_unit(&staff, &s.submission.unit_id))
        .map(|s| Row {
            pending: s.status == SubmissionStatus::Pending,
            unit: unit_name(staff.org(), &s.submission.unit_id),
            source: source_label(&s.submission.source),
            state: s,
        })
        .collect();
    show(&ListPage {
        frame: frame(&staff, "审核发布"),
        rows,
    })
}

#[derive(Template)]
#[template(path = "console/submission.html")]
struct DetailPage {
    frame: Frame,
    s: SubmissionState,
    unit: String,
    source: &'static str,
    pending: bool,
}

async fn load(state: &AppState, id: &str) -> Result<SubmissionState, axum::response::Response> {
    found(state.store.submission(id).await, || {
        format!("报送 {id} 不存在")
    })
}

pub(super) async fn detail_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Answer {
    let s = load(&state, &id).await?;
    if !sees_unit(&staff, &s.submission.unit_id) {
        return Err(forbidden("只能查看本单位及下级单位的报送"));
    }
    show(&DetailPage {
        frame: frame(&staff, "报送详情"),
        unit: unit_name(staff.org(), &s.submission.unit_id),
        source: source_label(&s.submission.source),
        pending: s.status == SubmissionStatus::Pending,
        s,
    })
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// The unit's reviewer (not the one who entered it) returns a submission or publishes its
/// valid rows; the review is written with the records it publishes.
pub(super) async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ReviewForm>,
) -> Answer {
    let s = load(&state, &id).await?;
    let sub = s.submission;
    allow_review(&staff, Action::ReviewRecords, &sub.unit_id, &sub.by)?;
    if s.status != SubmissionStatus::Pending {
        return Err(invalid(format!("报送已处理（{}）", s.status.label())));
    }
    let approved = f.decision == "approve";
    let review = event(
        &staff,
        EventPayload::SubmissionReviewed {
            submission_id: id.clone(),
            approved,
            by: staff.account.login.clone(),
            comment: f.comment,
            on: state.today(),
        },
    );
    if !approved {
        state.store.append(vec![review]).await.or_page()?;
        return see_other(&format!("/console/submissions/{id}"));
    }
    super::intake::publish(&state, &staff, &sub, review).await
}

/// Whether `staff` may see the submission or application that file `sha` belongs to: the
/// submitting unit, the unit handling the application (or one that handled a step of it), or
/// a unit above them. A file that belongs to nothing they may see does not exist for them.
async fn may_see_file(
    state: &AppState,
    staff: &Staff,
    sha: &str,
) -> Result<bool, axum::response::Response> {
    let submissions = state.store.submissions(None, i64::MAX).await.or_page()?;
    if submissions.iter().any(|s| {
        (s.submission.sha256 == sha || s.submission.rejects_sha256.as_deref() == Some(sha))
            && sees_unit(staff, &s.submission.unit_id)
    }) {
        return Ok(true);
    }
    let scope = scope_names(staff);
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .or_page()?;
    Ok(apps.iter().any(|a| {
        a.app.evidence.iter().any(|e| e.sha256 == sha)
            && (scope.contains(&a.unit) || a.clocks.iter().any(|c| scope.contains(&c.unit)))
    }))
}

/// A submission's file or an application's evidence, to staff who may see what it belongs to.
pub(super) async fn download(
    State(state): State<AppState>,
    staff: Staff,
    Path(sha): Path<String>,
) -> Answer {
    let missing = || "文件不存在".to_string();
    if !may_see_file(&state, &staff, &sha).await? {
        return Err(err_page(ApiError::not_found(missing())));
    }
    let (name, bytes) = found(state.store.attachment(&sha).await, missing)?;
    let ascii: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        if ascii.is_empty() { "file" } else { &ascii },
        urlencode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
