//! Where an evaluation run and its results stand, folded from their events: proposed →
//! reviewed by another person (approved or rejected) → published; a published result may later
//! be superseded by a re-scored one (an upheld objection) or a later run of the same period.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::scoring::{EvalResult, EvalRun};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// 待审核
    Proposed,
    /// 审核通过，待发布
    Approved,
    /// 审核不通过
    Rejected,
    /// 已发布
    Published,
}

impl RunStatus {
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Proposed => "待审核",
            RunStatus::Approved => "审核通过，待发布",
            RunStatus::Rejected => "审核不通过",
            RunStatus::Published => "已发布",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RunStatus::Proposed => "proposed",
            RunStatus::Approved => "approved",
            RunStatus::Rejected => "rejected",
            RunStatus::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            RunStatus::Proposed,
            RunStatus::Approved,
            RunStatus::Rejected,
            RunStatus::Published,
        ]
        .into_iter()
        .find(|r| r.key() == s)
    }
}

/// A run with its review and publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalRunState {
    pub run: EvalRun,
    pub status: RunStatus,
    pub proposed_by: String,
    pub proposed_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    /// The day the result was determined (审核通过): the 5-day clock starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<NaiveDate>,
    /// Publication and the copies to the supervising and sharing units are due by this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
}

impl EvalRunState {
    /// Published after its due day.
    pub fn published_late(&self) -> bool {
        matches!((self.published_on, self.due), (Some(p), Some(d)) if p > d)
    }

    /// Approved but not yet published, and past due on `today`.
    pub fn overdue_on(&self, today: NaiveDate) -> bool {
        self.status == RunStatus::Approved && self.due.is_some_and(|d| today > d)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Proposed,
    Rejected,
    Published,
    /// Replaced by a re-scored result or a later run of the same period.
    Superseded,
}

impl ResultStatus {
    pub fn key(self) -> &'static str {
        match self {
            ResultStatus::Proposed => "proposed",
            ResultStatus::Rejected => "rejected",
            ResultStatus::Published => "published",
            ResultStatus::Superseded => "superseded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ResultStatus::Proposed => "待审核",
            ResultStatus::Rejected => "审核不通过",
            ResultStatus::Published => "已发布",
            ResultStatus::Superseded => "已被更正结果取代",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            ResultStatus::Proposed,
            ResultStatus::Rejected,
            ResultStatus::Published,
            ResultStatus::Superseded,
        ]
        .into_iter()
        .find(|r| r.key() == s)
    }
}

/// A result with where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalResultState {
    pub result: EvalResult,
    pub status: ResultStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// Why it was re-scored (the objection's number and decision), for a revised result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

impl EvalResultState {
    /// Published and inside its validity on `day`.
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.status == ResultStatus::Published
            && self.published_on.is_some_and(|p| p <= day)
            && self.valid_until.is_none_or(|u| day <= u)
    }
}
