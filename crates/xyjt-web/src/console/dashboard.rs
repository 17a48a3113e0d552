//! The dashboard (工作台): what waits in the unit, and bar charts of 双公示 compliance and
//! timeliness, list sizes and on-time workflow rates. Coordinates are computed here; the
//! template draws them as inline SVG.

use super::{Answer, OrPage, frame, scope_names, sees_unit, show};
use crate::AppState;
use crate::auth::Staff;
use crate::html::Frame;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use xyjt_core::listing::EntryState;
use xyjt_core::workflow::AppState as Workflow;

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    frame: Frame,
    pending: usize,
    open: usize,
    overdue: usize,
    charts: Vec<Chart>,
}

/// A horizontal bar chart: one bar per item, values as fractions of a maximum.
struct Chart {
    title: &'static str,
    height: usize,
    bars: Vec<Bar>,
}

/// One bar, placed: its label and value text, the bar's top and width, the value's x.
struct Bar {
    label: String,
    text_y: usize,
    y: usize,
    width: String,
    value_x: String,
    value: String,
}

impl Chart {
    fn new(title: &'static str, items: &[(String, f64)], max: f64, percent: bool) -> Chart {
        const ROW: usize = 26;
        let bars = items
            .iter()
            .enumerate()
            .map(|(i, (label, value))| {
                let y = 10 + i * ROW;
                let width = if max > 0.0 {
                    (value / max).clamp(0.0, 1.0) * 220.0
                } else {
                    0.0
                };
                Bar {
                    label: label.chars().take(16).collect(),
                    text_y: y + 14,
                    y,
                    width: format!("{width:.1}"),
                    value_x: format!("{:.1}", 195.0 + width),
                    value: if percent {
                        format!("{:.1}%", value * 100.0)
                    } else {
                        format!("{value:.0}")
                    },
                }
            })
            .collect();
        Chart {
            title,
            height: ROW * items.len().max(1) + 30,
            bars,
        }
    }
}

/// (accepted, rejected, late) of 双公示 decisions, summed; the rates are
/// `xyjt_core::stats::IntakeStats`'s, the one definition of 合规率 and 及时率.
type Intake = (i64, i64, i64);

fn rates(&(accepted, rejected, late): &Intake) -> xyjt_core::stats::IntakeStats {
    xyjt_core::stats::IntakeStats::new(accepted, rejected, late)
}

/// 合规率: accepted of received (0 with nothing received).
fn compliance(i: &Intake) -> f64 {
    rates(i).compliance_rate.unwrap_or(0.0)
}

/// 及时率: on time of accepted (0 with nothing accepted).
fn timeliness(i: &Intake) -> f64 {
    rates(i).timeliness_rate.unwrap_or(0.0)
}

/// 双公示 intake by unit (all months) and by month (all units).
async fn intake(state: &AppState) -> Result<[BTreeMap<String, Intake>; 2], Response> {
    let stats = xyjt_app::stats::stats_rows(state.store.as_ref(), None, None)
        .await
        .or_page()?;
    let mut by_unit: BTreeMap<String, Intake> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Intake> = BTreeMap::new();
    for r in &stats {
        for (map, key) in [
            (&mut by_unit, r.unit_name.clone()),
            (&mut by_month, r.month.clone()),
        ] {
            let e = map.entry(key).or_default();
            e.0 += r.accepted;
            e.1 += r.rejected;
            e.2 += r.late;
        }
    }
    Ok([by_unit, by_month])
}

/// List sizes (black, watch, red) at each of the last 12 month ends, `today` for this month.
fn list_sizes(entries: &[EntryState], today: NaiveDate) -> Vec<(String, f64, f64, f64)> {
    let first =
        NaiveDate::from_ymd_opt(today.year(), today.month(), 1).expect("a month's first day");
    (0..12)
        .rev()
        .map(|back| {
            let day = (0..back).fold(first, |d, _| {
                (d - chrono::Duration::days(1)).with_day(1).expect("first")
            });
            let end = if back == 0 {
                today
            } else {
                (day + chrono::Months::new(1)) - chrono::Duration::days(1)
            };
            let active = |list: &str| {
                entries
                    .iter()
                    .filter(|e| xyjt_core::check::list_key(&e.entry.list) == list)
                    .filter(|e| e.in_force_on(end))
                    .count() as f64
            };
            (
                format!("{} 黑/重点/红", end.format("%Y-%m")),
                active("black"),
                active("watch"),
                active("red"),
            )
        })
        .collect()
}

/// The five charts: 合规率 and 及时率 by unit, 及时率 by month, list sizes, on-time workflows.
async fn charts(state: &AppState, apps: &[Workflow]) -> Result<Vec<Chart>, Response> {
    let today = state.today();
    let [by_unit, by_month] = intake(state).await?;
    let per_unit = |rate: fn(&Intake) -> f64| -> Vec<(String, f64)> {
        by_unit.iter().map(|(k, v)| (k.clone(), rate(v))).collect()
    };
    let months: Vec<(String, f64)> = by_month
        .iter()
        .rev()
        .take(12)
        .rev()
        .map(|(k, v)| (k.clone(), timeliness(v)))
        .collect();
    let entries = state.store.list_entries(None).await.or_page()?;
    let sizes = list_sizes(&entries, today);
    let max_size = sizes.iter().map(|s| s.1 + s.2 + s.3).fold(0.0, f64::max);
    let list_bars: Vec<(String, f64)> = sizes
        .iter()
        .map(|(m, b, w, r)| (format!("{m} {b:.0}/{w:.0}/{r:.0}"), b + w + r))
        .collect();
    let near_due = state.policies.deadlines.near_due;
    let wf_bars: Vec<(String, f64)> =
        xyjt_app::workflows::workflow_stats(apps, &state.calendar, today, near_due)
            .iter()
            .filter_map(|r| {
                let kind = if r.kind == "repair" {
                    "修复"
                } else {
                    "异议"
                };
                r.on_time_rate.map(|x| (format!("{}·{kind}", r.unit), x))
            })
            .collect();
    Ok(vec![
        Chart::new(
            "双公示合规率（按数据来源单位）",
            &per_unit(compliance),
            1.0,
            true,
        ),
        Chart::new(
            "双公示及时率（按数据来源单位）",
            &per_unit(timeliness),
            1.0,
            true,
        ),
        Chart::new("双公示及时率（按月）", &months, 1.0, true),
        Chart::new(
            "名单规模（月末在册：黑名单/重点关注/红名单）",
            &list_bars,
            max_size,
            false,
        ),
        Chart::new("异议与修复按期办结率（按单位）", &wf_bars, 1.0, true),
    ])
}

pub(super) async fn dashboard(State(state): State<AppState>, staff: Staff) -> Answer {
    let apps = state
        .store
        .applications(&xyjt_store::AppQuery::default())
        .await
        .or_page()?;
    let charts = charts(&state, &apps).await?;
    let pending = state
        .store
        .submissions(Some("pending"), 500)
        .await
        .or_page()?;
    let scope = scope_names(&staff);
    let open: Vec<_> = apps
        .iter()
        .filter(|a| a.status.is_open() && scope.contains(&a.unit))
        .collect();
    let near_due = state.policies.deadlines.near_due;
    show(&DashboardPage {
        frame: frame(&staff, "工作台"),
        pending: pending
            .iter()
            .filter(|s| sees_unit(&staff, &s.submission.unit_id))
            .count(),
        open: open.len(),
        overdue: open
            .iter()
            .filter(|a| a.is_overdue(&state.calendar, state.today(), near_due))
            .count(),
        charts,
    })
}
