//! 名单管理: proposed name-list entries reviewed by the deciding unit (not by who proposed
//! them), and published entries withdrawn by it (认定单位撤销) with a reason.

use super::{
    Answer, CsrfForm, OrPage, allow, allow_review, event, found, frame, invalid, sees_unit_named,
    show, unit_id_of, write_then,
};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::{Path, State};
use serde::Deserialize;
use xyjt_core::account::Action;
use xyjt_core::ledger::EventPayload;
use xyjt_core::listing::{EndReason, EntryState, EntryStatus};

#[derive(Template)]
#[template(path = "console/lists.html")]
struct ListsPage {
    frame: Frame,
    policy: String,
    items: usize,
    proposed: Vec<Row>,
    entries: Vec<Row>,
}

/// An entry as listed: its list's key, and how it ended (if it did).
struct Row {
    list: String,
    e: EntryState,
    published: bool,
    ended: Option<String>,
}

impl From<EntryState> for Row {
    fn from(e: EntryState) -> Row {
        Row {
            list: xyjt_core::check::list_key(&e.entry.list).to_string(),
            published: e.status == EntryStatus::Published,
            ended: e.ended.map(|(r, on)| format!("{}（{on}）", r.label())),
            e,
        }
    }
}

/// The entries whose 认定单位 is within the staff member's scope (their unit and the units
/// below; a manager's whole bureau).
pub(super) async fn lists_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let entries: Vec<EntryState> = state
        .store
        .list_entries(None)
        .await
        .or_page()?
        .into_iter()
        .filter(|e| sees_unit_named(&staff, &e.entry.deciding_unit))
        .collect();
    let policy = state.store.list_policy(None).await.or_page()?;
    let (proposed, others): (Vec<EntryState>, Vec<EntryState>) = entries
        .into_iter()
        .partition(|e| e.status == EntryStatus::Proposed);
    show(&ListsPage {
        frame: frame(&staff, "名单管理"),
        policy: policy
            .as_ref()
            .map(|p| p.version.to_string())
            .unwrap_or_else(|| "示例政策（未采用）".into()),
        items: policy.as_ref().map_or(0, |p| p.items.len()),
        proposed: proposed.into_iter().map(Row::from).collect(),
        entries: others.into_iter().take(100).map(Row::from).collect(),
    })
}

async fn load(state: &AppState, id: &str) -> Result<EntryState, axum::response::Response> {
    found(state.store.list_entry(id).await, || {
        format!("名单条目 {id} 不存在")
    })
}

#[derive(Deserialize)]
pub(super) struct EndForm {
    #[serde(default)]
    reason: String,
}

/// The deciding unit withdraws a published entry (认定单位撤销): it ends, and stays on record
/// with the reason in the audit trail.
pub(super) async fn end_entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<EndForm>,
) -> Answer {
    let entry = load(&state, &id).await?;
    allow(
        &staff,
        Action::ManageLists,
        &unit_id_of(staff.org(), &entry.entry.deciding_unit),
    )?;
    let reason = f.reason.trim();
    if reason.is_empty() {
        return Err(invalid("请写明移出理由"));
    }
    let ended = event(
        &staff,
        EventPayload::ListEntryEnded {
            entry_id: id,
            reason: EndReason::Withdrawn,
            on: state.today(),
            note: Some(reason.to_string()),
        },
    );
    write_then(&state, vec![ended], "/console/lists").await
}

#[derive(Deserialize)]
pub(super) struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

/// The deciding unit's reviewer approves (and publishes) or rejects a proposed entry.
pub(super) async fn review_entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { staff, form: f }: CsrfForm<ReviewForm>,
) -> Answer {
    let entry = load(&state, &id).await?;
    allow_review(
        &staff,
        Action::ManageLists,
        &unit_id_of(staff.org(), &entry.entry.deciding_unit),
        &entry.proposed_by,
    )?;
    let approved = f.decision == "approve";
    let mut events = vec![event(
        &staff,
        EventPayload::ListEntryReviewed {
            entry_id: id.clone(),
            by: staff.actor(),
            approved,
            comment: f.comment,
        },
    )];
    if approved {
        events.push(event(
            &staff,
            EventPayload::ListEntryPublished {
                entry_id: id,
                on: state.today(),
            },
        ));
    }
    write_then(&state, events, "/console/lists").await
}
