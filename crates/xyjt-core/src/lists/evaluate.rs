//! Which of a subject's records satisfy a scope's rule as of a day.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::publicity::PublicityPolicy;
use crate::record::{Record, RecordStatus};

use super::items::*;

// ---------------------------------------------------------------------------------------------
// Rule evaluation
// ---------------------------------------------------------------------------------------------

/// A scope's rule satisfied by a subject's records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleMatch {
    pub item_id: String,
    /// The records counted, by decision date then id.
    pub matched_record_ids: Vec<String>,
    /// Chinese: the window, what was counted, how many, which records, the threshold and the
    /// list, e.g. `12 个月内（2024-06-30 之后至 2025-06-30）违法行为类型含“超限”的行政处罚 2 次
    /// （记录 …），达到 2 次的列入条件，应列入重点关注名单（条目 …）`.
    pub explanation: String,
}

/// Which of `records` (one subject's) satisfy `item`'s rule as of `today`; `None` when the item
/// has no rule or too few records match. Only [`RecordStatus::Active`] records count, and only
/// those decided in `(today − window_months, today]` (see the module docs); severity is
/// [`crate::publicity::severity`] under `policy`. Pure.
pub fn evaluate_rule(
    item: &PolicyItem,
    records: &[Record],
    policy: &PublicityPolicy,
    today: NaiveDate,
) -> Option<RuleMatch> {
    let rule = item.rule.as_ref()?;
    let after = today
        .checked_sub_months(Months::new(rule.window_months))
        .unwrap_or(NaiveDate::MIN);
    let mut hits: Vec<&Record> = records
        .iter()
        .filter(|r| {
            let decided = r.body.decision_date();
            r.status == RecordStatus::Active
                && after < decided
                && decided <= today
                && rule.matches(&r.body, policy)
        })
        .collect();
    if hits.len() < rule.min_count.max(1) as usize {
        return None;
    }
    hits.sort_by(|a, b| (a.body.decision_date(), &a.id).cmp(&(b.body.decision_date(), &b.id)));
    let cited: Vec<String> = hits
        .iter()
        .map(|r| {
            format!(
                "{}〔文书号 {}，{}〕",
                r.id,
                r.body.doc_no().trim(),
                r.body.decision_date()
            )
        })
        .collect();
    let list = item
        .target_list()
        .map_or_else(|| "名单".to_string(), |l| l.label().to_string());
    let validity = item
        .validity_months
        .map(|m| format!("，有效期 {m} 个月"))
        .unwrap_or_default();
    let explanation = format!(
        "{} 个月内（{after} 之后至 {today}）{} {} 次（记录 {}），达到 {} 次的列入条件，应列入{list}（条目 {}「{}」{validity}）",
        rule.window_months,
        rule.describe(),
        hits.len(),
        cited.join("、"),
        rule.min_count.max(1),
        item.id,
        item.title,
    );
    Some(RuleMatch {
        item_id: item.id.clone(),
        matched_record_ids: hits.iter().map(|r| r.id.clone()).collect(),
        explanation,
    })
}
