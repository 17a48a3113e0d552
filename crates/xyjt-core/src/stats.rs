//! Statistics rules, defined once: 双公示 合规率 (accepted / received) and 及时率 (on time /
//! accepted), and the workflows' on-time rate per handling unit.

use crate::calendar::Calendar;
use crate::workflow::{AppState as Workflow, AppStatus, ClockStatus};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts and rates of one reporting unit in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeStats {
    /// Rows received: accepted + rejected.
    pub received: i64,
    pub accepted: i64,
    pub rejected: i64,
    /// Accepted but received after the reporting deadline (迟报).
    pub late: i64,
    /// 合规率 = accepted / received; `None` when nothing was received.
    pub compliance_rate: Option<f64>,
    /// 及时率 = (accepted − late) / accepted; `None` when nothing was accepted.
    pub timeliness_rate: Option<f64>,
}

impl IntakeStats {
    pub fn new(accepted: i64, rejected: i64, late: i64) -> Self {
        let received = accepted + rejected;
        IntakeStats {
            received,
            accepted,
            rejected,
            late,
            compliance_rate: ratio(accepted, received),
            timeliness_rate: ratio(accepted - late, accepted),
        }
    }
}

/// Clocks of one handling unit and workflow kind: how many closed on time, late, and are open
/// or overdue.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ClockTally {
    pub unit: String,
    /// `objection` | `repair`
    pub kind: String,
    pub clocks: u64,
    pub done_on_time: u64,
    pub done_late: u64,
    pub open: u64,
    pub overdue: u64,
    /// done_on_time / (done_on_time + done_late + overdue); `None` with nothing due yet. An
    /// overdue open clock counts against the rate; one still in time does not count yet.
    pub on_time_rate: Option<f64>,
}

/// On-time rates per unit and kind, over every clock of every application (each clock counts
/// for the unit that held it). Withdrawn applications are left out.
pub fn on_time_rates(
    apps: &[Workflow],
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Vec<ClockTally> {
    let mut rows: BTreeMap<(String, String), ClockTally> = BTreeMap::new();
    for wf in apps {
        if wf.status == AppStatus::Withdrawn {
            continue;
        }
        let kind = serde_json::to_value(wf.app.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        for c in &wf.clocks {
            let row = rows
                .entry((c.unit.clone(), kind.clone()))
                .or_insert_with(|| ClockTally {
                    unit: c.unit.clone(),
                    kind: kind.clone(),
                    ..ClockTally::default()
                });
            row.clocks += 1;
            match c.status(cal, today, near_due) {
                ClockStatus::DoneOnTime => row.done_on_time += 1,
                ClockStatus::DoneLate => row.done_late += 1,
                ClockStatus::Overdue => {
                    row.open += 1;
                    row.overdue += 1;
                }
                _ => row.open += 1,
            }
        }
    }
    rows.into_values()
        .map(|mut r| {
            let judged = r.done_on_time + r.done_late + r.overdue;
            r.on_time_rate = (judged > 0).then(|| r.done_on_time as f64 / judged as f64);
            r
        })
        .collect()
}

/// A rate rounded to four decimals (0.9375 = 93.75 %).
fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        let s = IntakeStats::new(15, 1, 3);
        assert_eq!(s.received, 16);
        assert_eq!(s.compliance_rate, Some(0.9375));
        assert_eq!(s.timeliness_rate, Some(0.8));
        let none = IntakeStats::new(0, 0, 0);
        assert_eq!((none.compliance_rate, none.timeliness_rate), (None, None));
        assert_eq!(IntakeStats::new(0, 2, 0).compliance_rate, Some(0.0));
    }
}
