//! Government commitments (政务承诺): what a department publicly promised — a service quality
//! promise (服务承诺), a time-limit promise (期限承诺), a guarantee (保障承诺) — and the check of
//! whether it was kept (seed 000 守信践诺: 准确记录并客观评价…承诺的履行情况). A commitment found
//! broken becomes a 承诺未履行 dishonesty record of the department.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A commitment as recorded (and published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovCommitment {
    pub id: String,
    /// The department's subject id, name and USCC.
    pub subject_id: String,
    pub department: String,
    pub code: String,
    /// One of the policy's commitment kinds (服务承诺 / 期限承诺 / 保障承诺).
    pub kind: String,
    /// What was promised, as published.
    pub content: String,
    /// Where it was made public (document, page).
    pub published_in: String,
    pub made_on: NaiveDate,
    /// When it must be fulfilled by (期限承诺), if it has a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
}

/// The check of a commitment (履约核查).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentCheck {
    pub on: NaiveDate,
    pub fulfilled: bool,
    /// What was found, in Chinese.
    pub finding: String,
    pub by: String,
    /// The dishonesty record a broken commitment became.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
}

/// A commitment with its check, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovCommitmentState {
    pub commitment: GovCommitment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<CommitmentCheck>,
}

/// Where a commitment stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// 履行中
    Open,
    /// 已到期待核查
    DueForCheck,
    /// 已履行
    Kept,
    /// 未履行
    Broken,
}

impl CommitmentStatus {
    pub fn label(self) -> &'static str {
        match self {
            CommitmentStatus::Open => "履行中",
            CommitmentStatus::DueForCheck => "已到期，待核查",
            CommitmentStatus::Kept => "已履行",
            CommitmentStatus::Broken => "未履行",
        }
    }
}

impl GovCommitmentState {
    pub fn status(&self, today: NaiveDate) -> CommitmentStatus {
        match &self.check {
            Some(c) if c.fulfilled => CommitmentStatus::Kept,
            Some(_) => CommitmentStatus::Broken,
            None if self.commitment.due_on.is_some_and(|d| d < today) => {
                CommitmentStatus::DueForCheck
            }
            None => CommitmentStatus::Open,
        }
    }
}

/// Commitments kept among those checked in `from..=to`, as (kept, checked).
pub fn kept_ratio(states: &[GovCommitmentState], from: NaiveDate, to: NaiveDate) -> (u64, u64) {
    states
        .iter()
        .filter_map(|s| s.check.as_ref())
        .filter(|c| c.on >= from && c.on <= to)
        .fold((0, 0), |(k, n), c| (k + u64::from(c.fulfilled), n + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn state(due: Option<&str>, check: Option<(&str, bool)>) -> GovCommitmentState {
        GovCommitmentState {
            commitment: GovCommitment {
                id: "c".into(),
                subject_id: "s".into(),
                department: "示范市交通运输局".into(),
                code: "11000000000000000X".into(),
                kind: "期限承诺".into(),
                content: "年底前完成".into(),
                published_in: "门户网站".into(),
                made_on: d("2026-01-05"),
                due_on: due.map(d),
            },
            check: check.map(|(on, fulfilled)| CommitmentCheck {
                on: d(on),
                fulfilled,
                finding: "核查".into(),
                by: "x".into(),
                record_id: None,
            }),
        }
    }

    #[test]
    fn status_follows_the_check_and_the_due_date() {
        let today = d("2026-07-01");
        assert_eq!(state(None, None).status(today), CommitmentStatus::Open);
        assert_eq!(
            state(Some("2026-06-30"), None).status(today),
            CommitmentStatus::DueForCheck
        );
        assert_eq!(
            state(Some("2026-07-01"), None).status(today),
            CommitmentStatus::Open
        );
        assert_eq!(
            state(Some("2026-06-30"), Some(("2026-06-30", true))).status(today),
            CommitmentStatus::Kept
        );
        assert_eq!(
            state(None, Some(("2026-06-30", false))).status(today),
            CommitmentStatus::Broken
        );
    }

    #[test]
    fn the_kept_ratio_counts_checks_inside_the_period_only() {
        let all = [
            state(None, Some(("2026-03-01", true))),
            state(None, Some(("2026-05-01", false))),
            state(None, Some(("2026-07-01", true))),
            state(None, None),
        ];
        assert_eq!(kept_ratio(&all, d("2026-01-01"), d("2026-06-30")), (1, 2));
        assert_eq!(kept_ratio(&all, d("2026-07-01"), d("2026-12-31")), (1, 1));
    }
}
