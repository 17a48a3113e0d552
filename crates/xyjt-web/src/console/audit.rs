//! 操作审计: the latest ledger events, optionally of one actor.

use super::{Answer, OrPage, frame, sees_unit, sees_unit_named, show};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::collections::HashMap;
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

/// How many recent events are looked through for the ones within the staff member's scope.
const LOOK_BACK: i64 = 5_000;

/// The events whose actor is within the staff member's scope: a console user of a unit in it
/// (`user:LOGIN`), a calling system named after one (`api:NAME`); imports, the demo and system
/// jobs belong to the root, so only a scope over the whole tree sees them.
pub(super) async fn audit_page(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Answer {
    let actor = q.actor.filter(|a| !a.trim().is_empty());
    let units: HashMap<String, String> = state
        .store
        .accounts()
        .await
        .or_page()?
        .into_iter()
        .map(|a| (a.login, a.unit_id))
        .collect();
    let visible = |actor: &str| match actor.split_once(':') {
        Some(("user", login)) => units.get(login).is_some_and(|u| sees_unit(&staff, u)),
        Some(("api", name)) => sees_unit_named(&staff, name),
        _ => sees_unit_named(&staff, ""),
    };
    let events: Vec<StoredEvent> = state
        .store
        .recent_events(actor.as_deref(), None, LOOK_BACK)
        .await
        .or_page()?
        .into_iter()
        .filter(|e| visible(&e.actor))
        .take(200)
        .collect();
    show(&AuditPage {
        frame: frame(&staff, "操作审计"),
        actor: actor.unwrap_or_default(),
        events,
    })
}
