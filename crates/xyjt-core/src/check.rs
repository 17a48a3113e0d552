//! The credit check at a decision point (自动比对、自动拦截): given the list entries in force for
//! a subject and the list policy, which measures apply at this decision point, and so may the
//! subject go ahead. Pure; the caller records every answer in the ledger.

use crate::listing::EntryState;
use crate::lists::{DecisionPoint, Effect, ListPolicy};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The answer to "may this subject do this?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckDecision {
    /// No restriction applies (reward or information measures may still be listed).
    Allow,
    /// A punishment measure restricts the subject here: intercept.
    Restrict,
    /// A measure asks for a closer, human review before deciding.
    Review,
}

/// One measure that applies, with everything needed to act on it and to justify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReason {
    /// The name list: `red`, `black`, `watch` or an external list's name.
    pub list: String,
    pub list_label: String,
    pub entry_id: String,
    pub entry_name: String,
    /// 列入依据 of the entry.
    pub entry_basis: String,
    pub deciding_unit: String,
    pub valid_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The measure (四张清单 item) and what it does.
    pub measure_id: String,
    pub measure: String,
    pub effect: Effect,
    pub legal_basis: String,
    pub acting_unit: String,
    pub implementing_units: Vec<String>,
    /// The node the entry was received from over the exchange, with its sequence number there
    /// (`SF#123`); absent for entries made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// Decides from the entries in force on `today`: any restriction → `Restrict`; else any review
/// → `Review`; else `Allow`. Reasons list every applicable measure, strongest first.
pub fn decide(
    entries: &[EntryState],
    policy: &ListPolicy,
    point: DecisionPoint,
    today: NaiveDate,
) -> (CheckDecision, Vec<CheckReason>) {
    let mut reasons = Vec::new();
    for e in entries.iter().filter(|e| e.is_active_on(today)) {
        for m in policy.measures_for(&e.entry.list, point) {
            let Some(effect) = m.effect else { continue };
            reasons.push(CheckReason {
                list: list_key(&e.entry.list),
                list_label: e.entry.list.label().to_string(),
                entry_id: e.entry.id.clone(),
                entry_name: e.entry.name.clone(),
                entry_basis: e.entry.basis.clone(),
                deciding_unit: e.entry.deciding_unit.clone(),
                valid_from: e.entry.entry_date,
                valid_until: e.entry.valid_until,
                measure_id: m.id.clone(),
                measure: m.content.clone(),
                effect,
                legal_basis: m.legal_basis.clone(),
                acting_unit: m.acting_unit.clone(),
                implementing_units: m.implementing_units.clone(),
                origin: None,
            });
        }
    }
    let decision = decision_of(&mut reasons);
    (decision, reasons)
}

/// Orders reasons strongest first and decides: any restriction → `Restrict`; else any review →
/// `Review`; else `Allow`.
pub fn decision_of(reasons: &mut [CheckReason]) -> CheckDecision {
    let rank = |e: Effect| match e {
        Effect::Restrict => 0,
        Effect::Review => 1,
        Effect::Facilitate => 2,
        Effect::Inform => 3,
    };
    reasons.sort_by_key(|r| rank(r.effect));
    if reasons.iter().any(|r| r.effect == Effect::Restrict) {
        CheckDecision::Restrict
    } else if reasons.iter().any(|r| r.effect == Effect::Review) {
        CheckDecision::Review
    } else {
        CheckDecision::Allow
    }
}

/// The stable key of a name list (`red`, `black`, `watch`, or the external list's name).
pub fn list_key(list: &crate::lists::NameList) -> String {
    match serde_json::to_value(list) {
        Ok(serde_json::Value::String(s)) => s,
        _ => list.label().to_string(),
    }
}
