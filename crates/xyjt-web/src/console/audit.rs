//! 操作审计: the latest ledger events, optionally of one actor.

use super::{Answer, OrPage, frame, show};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use xyjt_core::ledger::StoredEvent;

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    frame: Frame,
    actor: String,
    events: Vec<StoredEvent>,
}

#[derive(Deserialize)]
pub(super) struct AuditQuery {
    actor: Option<String>,
}

pub(super) async fn audit_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Answer {
    let actor = q.actor.filter(|a| !a.trim().is_empty());
    let events = state
        .store
        .recent_events(actor.as_deref(), None, 200)
        .await
        .or_page()?;
    show(&AuditPage {
        frame: frame(&staff, "操作审计"),
        actor: actor.unwrap_or_default(),
        events,
    })
}
