//! Submissions (报送): what a clerk entered or imported in the console, waiting for a reviewer
//! of the unit to publish it (谁生产、谁审核). The file itself is kept by its SHA-256; on
//! approval it is imported as any 双公示 file, in the same transaction as the approval.

use crate::record::RecordCategory;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A submitted file (a one-row file for a record entered by hand), validated on submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub id: String,
    pub category: RecordCategory,
    /// `entry` (form) or `import` (file).
    pub source: String,
    pub file_name: String,
    pub sha256: String,
    /// The unit it was submitted for (organisation tree id).
    pub unit_id: String,
    /// The clerk's login.
    pub by: String,
    pub submitted_on: NaiveDate,
    pub total: usize,
    pub valid: usize,
    pub rejected: usize,
    /// Row-level validation messages (`第N行 字段：说明`), at most 200.
    pub errors: Vec<String>,
    /// The rejects file (rows with 错误原因), when any row was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejects_file_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// 待审核
    Pending,
    /// 已审核发布
    Published,
    /// 审核退回
    Returned,
}

impl SubmissionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SubmissionStatus::Pending => "待审核",
            SubmissionStatus::Published => "已审核发布",
            SubmissionStatus::Returned => "审核退回",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionState {
    pub submission: Submission,
    pub status: SubmissionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmissionError {
    #[error("报送 {0} 不存在")]
    Missing(String),
    #[error("报送已处理（{0}），不能再审核")]
    NotPending(&'static str),
    #[error("审核须由录入人以外的人员进行（谁生产、谁审核）")]
    SamePerson,
}

/// Applies a review.
pub fn review(
    state: Option<SubmissionState>,
    id: &str,
    approved: bool,
    by: &str,
    comment: &str,
    on: NaiveDate,
) -> Result<SubmissionState, SubmissionError> {
    let mut s = state.ok_or_else(|| SubmissionError::Missing(id.to_string()))?;
    if s.status != SubmissionStatus::Pending {
        return Err(SubmissionError::NotPending(s.status.label()));
    }
    if s.submission.by == by {
        return Err(SubmissionError::SamePerson);
    }
    s.status = if approved {
        SubmissionStatus::Published
    } else {
        SubmissionStatus::Returned
    };
    s.reviewed_by = Some(by.to_string());
    s.review_comment = Some(comment.to_string());
    s.reviewed_on = Some(on);
    Ok(s)
}
