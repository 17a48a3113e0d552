//! 核查记录: the latest joint reward-and-punishment checks and bidder screenings, as recorded
//! in the ledger.

use super::{Answer, OrPage, frame, sees_unit_named, show};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::State;
use serde_json::Value;

#[derive(Template)]
#[template(path = "console/checks.html")]
struct ChecksPage {
    frame: Frame,
    checks: Vec<CheckRow>,
    screenings: Vec<ScreeningRow>,
}

/// One check: when, who asked, at which decision point, about whom, the answer, how many
/// reasons.
struct CheckRow {
    at: String,
    asked_by: String,
    point: String,
    subject: String,
    decision: String,
    reasons: usize,
}

struct ScreeningRow {
    at: String,
    asked_by: String,
    point: String,
    bidders: u64,
    hits: usize,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

/// How many recent events are looked through for the ones within the staff member's scope.
const LOOK_BACK: i64 = 2_000;

/// The checks and screenings asked by calling systems within the staff member's scope (a
/// system is named after its unit; one that is no unit of the tree belongs to the root).
pub(super) async fn checks_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let store = state.store.as_ref();
    let mine = |e: &xyjt_core::ledger::StoredEvent, asked_by: &Value| {
        sees_unit_named(&staff, asked_by.as_str().unwrap_or("")).then(|| e.clone())
    };
    let checks: Vec<_> = store
        .recent_events(None, Some("check_answered"), LOOK_BACK)
        .await
        .or_page()?
        .iter()
        .filter_map(|e| mine(e, &e.payload["check"]["asked_by"]))
        .take(100)
        .collect();
    let screenings: Vec<_> = store
        .recent_events(None, Some("screening_answered"), LOOK_BACK)
        .await
        .or_page()?
        .iter()
        .filter_map(|e| mine(e, &e.payload["asked_by"]))
        .take(50)
        .collect();
    show(&ChecksPage {
        frame: frame(&staff, "核查记录"),
        checks: checks
            .iter()
            .map(|e| {
                let c = &e.payload["check"];
                CheckRow {
                    at: e.recorded_at.clone(),
                    asked_by: text(&c["asked_by"]),
                    point: text(&c["decision_point"]),
                    subject: c["identifier"]
                        .as_str()
                        .or(c["name"].as_str())
                        .unwrap_or("")
                        .to_string(),
                    decision: text(&c["decision"]),
                    reasons: c["reasons"].as_array().map_or(0, Vec::len),
                }
            })
            .collect(),
        screenings: screenings
            .iter()
            .map(|e| {
                let p = &e.payload;
                ScreeningRow {
                    at: e.recorded_at.clone(),
                    asked_by: text(&p["asked_by"]),
                    point: text(&p["decision_point"]),
                    bidders: p["bidders"].as_u64().unwrap_or(0),
                    hits: p["hits"].as_array().map_or(0, Vec::len),
                }
            })
            .collect(),
    })
}
