//! 办理进度查询: an application by number and query code, no account needed.

use crate::AppState;
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use xyjt_core::workflow::ClockStatus;

#[derive(Deserialize)]
pub struct ApplicationPageQuery {
    number: Option<String>,
    query_code: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/applications.html")]
struct ApplicationPage {
    number: String,
    /// A number was given (so no progress means a wrong number or code).
    asked: bool,
    progress: Option<Progress>,
}

struct Progress {
    kind: &'static str,
    number: String,
    status: &'static str,
    filed_on: String,
    unit: String,
    clocks: Vec<ClockRow>,
    history: Vec<HistoryRow>,
}

struct ClockRow {
    label: String,
    due_on: String,
    provisional: bool,
    /// `ok`, `warn` or `bad`.
    class: &'static str,
    status: &'static str,
    explanation: String,
}

struct HistoryRow {
    on: String,
    action: String,
    note: String,
}

pub async fn application_page(
    State(state): State<AppState>,
    Query(q): Query<ApplicationPageQuery>,
) -> Result<Html<String>, ApiError> {
    let number = q.number.unwrap_or_default().trim().to_string();
    let code = q.query_code.unwrap_or_default();
    let mut page = ApplicationPage {
        asked: !number.is_empty(),
        number,
        progress: None,
    };
    if !page.asked {
        return Ok(crate::html::render(&page));
    }
    let found = state
        .store
        .application(&page.number)
        .await?
        .filter(|w| xyjt_core::workflow::query_code_hash(&code) == w.app.query_code_hash);
    if let Some(wf) = found {
        let today = state.today();
        let policy = &state.policies.deadlines;
        let clocks = wf
            .clocks
            .iter()
            .map(|c| {
                let due = c.due(&state.calendar, today);
                let status = c.status(&state.calendar, today, policy.near_due);
                ClockRow {
                    label: c.label.clone(),
                    due_on: due.due_on.to_string(),
                    provisional: due.provisional,
                    class: match status {
                        ClockStatus::Overdue | ClockStatus::DoneLate => "bad",
                        ClockStatus::NearDue => "warn",
                        _ => "ok",
                    },
                    status: status.label(),
                    explanation: due.explanation,
                }
            })
            .collect();
        let history = wf
            .history
            .iter()
            .map(|h| HistoryRow {
                on: h.on.to_string(),
                action: h.action.clone(),
                note: h.note.clone(),
            })
            .collect();
        page.progress = Some(Progress {
            kind: wf.app.kind.label(),
            number: wf.app.number.clone(),
            status: wf.status.label(),
            filed_on: wf.app.filed_on.to_string(),
            unit: wf.unit.clone(),
            clocks,
            history,
        });
    }
    Ok(crate::html::render(&page))
}
