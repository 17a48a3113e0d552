//! 核查记录: the latest joint reward-and-punishment checks and bidder screenings, as recorded
//! in the ledger.

use super::{Answer, OrPage, frame, show};
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

pub(super) async fn checks_page(State(state): State<AppState>, staff: Staff) -> Answer {
    let store = state.store.as_ref();
    let checks = store
        .recent_events(None, Some("check_answered"), 100)
        .await
        .or_page()?;
    let screenings = store
        .recent_events(None, Some("screening_answered"), 50)
        .await
        .or_page()?;
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
