//! Statistics shared by the API, the pages and the CLI: 双公示 intake per unit and month.

use crate::AppResult;
use serde::Serialize;
use utoipa::ToSchema;
use xyjt_store::Store;

#[derive(Serialize, ToSchema)]
pub struct StatsRow {
    pub unit_code: String,
    pub unit_name: String,
    pub month: String,
    /// `license` | `penalty`
    pub category: String,
    pub received: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub late: i64,
    /// 合规率 = accepted / received
    pub compliance_rate: Option<f64>,
    /// 及时率 = (accepted − late) / accepted
    pub timeliness_rate: Option<f64>,
}

/// The statistics rows, filtered; shared by the API and the CLI.
pub async fn stats_rows(
    store: &dyn Store,
    month: Option<&str>,
    unit: Option<&str>,
) -> AppResult<Vec<StatsRow>> {
    let counts = store.intake_counts().await?;
    Ok(counts
        .into_iter()
        .filter(|c| month.is_none_or(|m| c.month == m))
        .filter(|c| unit.is_none_or(|u| c.unit_code == u.trim()))
        .map(|c| {
            let s = xyjt_core::stats::IntakeStats::new(c.accepted, c.rejected, c.late);
            StatsRow {
                unit_code: c.unit_code,
                unit_name: c.unit_name,
                month: c.month,
                category: c.category,
                received: s.received,
                accepted: s.accepted,
                rejected: s.rejected,
                late: s.late,
                compliance_rate: s.compliance_rate,
                timeliness_rate: s.timeliness_rate,
            }
        })
        .collect())
}
