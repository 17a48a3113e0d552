//! Name-list entries (红名单 / 黑名单 / 重点关注名单 / external lists) and their life:
//! proposed → reviewed (maker-checker: 谁生产、谁审核) → published → ended (expiry, repair,
//! upheld objection). Every step is a ledger event; the state here is folded from them.

use crate::lists::NameList;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A subject's entry on a name list, as proposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    pub id: String,
    pub list: NameList,
    /// The platform subject, when the listed party is one (external lists may name others).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    pub name: String,
    /// USCC or citizen ID as listed, normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The scope item (四张清单) that justified the entry.
    pub item_id: String,
    /// The version of the list policy that item belongs to.
    pub policy_version: u32,
    /// 列入依据: legal basis and facts.
    pub basis: String,
    /// 认定单位.
    pub deciding_unit: String,
    /// 列入日期.
    pub entry_date: NaiveDate,
    /// 有效期至; `None` = until ended by a decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    /// The ledger records the entry rests on (penalties for a rule-based entry).
    #[serde(default)]
    pub source_records: Vec<String>,
    /// Why, in Chinese (the rule that matched, or the unit's decision).
    pub explanation: String,
}

/// Why an entry ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// 有效期届满
    Expired,
    /// 信用修复
    Repaired,
    /// 异议成立
    ObjectionUpheld,
    /// 认定单位撤销
    Withdrawn,
}

impl EndReason {
    pub fn label(self) -> &'static str {
        match self {
            EndReason::Expired => "有效期届满",
            EndReason::Repaired => "信用修复",
            EndReason::ObjectionUpheld => "异议成立",
            EndReason::Withdrawn => "认定单位撤销",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// 待审核
    Proposed,
    /// 审核通过，待发布
    Reviewed,
    /// 审核不通过
    Rejected,
    /// 已发布（生效）
    Published,
    /// 已移出
    Ended,
}

impl EntryStatus {
    pub fn label(self) -> &'static str {
        match self {
            EntryStatus::Proposed => "待审核",
            EntryStatus::Reviewed => "待发布",
            EntryStatus::Rejected => "审核不通过",
            EntryStatus::Published => "已发布",
            EntryStatus::Ended => "已移出",
        }
    }
}

/// An entry with where it stands, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryState {
    pub entry: ListEntry,
    pub status: EntryStatus,
    pub proposed_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<(EndReason, NaiveDate)>,
}

impl EntryState {
    /// In force on `date`: published, not ended, inside its validity.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        self.status == EntryStatus::Published
            && self.entry.entry_date <= date
            && self.entry.valid_until.is_none_or(|u| date <= u)
    }

    /// Was in force on `date`, as the ledger now knows it: published by then, inside its
    /// validity, and not yet ended (an entry ended on a day is out from that day). Unlike
    /// [`EntryState::is_active_on`], this judges a past day (a month end in the statistics).
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.published_on.is_some_and(|p| p <= date)
            && self.entry.entry_date <= date
            && self.entry.valid_until.is_none_or(|u| date <= u)
            && self.ended.is_none_or(|(_, on)| on > date)
    }
}

/// The steps of an entry's life, as carried by ledger events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStep<'a> {
    Proposed {
        entry: &'a ListEntry,
        by: &'a str,
    },
    Reviewed {
        by: &'a str,
        approved: bool,
        comment: &'a str,
    },
    Published {
        on: NaiveDate,
    },
    Ended {
        reason: EndReason,
        on: NaiveDate,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("名单条目不存在 (no such entry)")]
    Missing,
    #[error("名单条目已存在 (entry exists)")]
    Exists,
    #[error("审核人不能是提出人（谁生产、谁审核）(maker and checker must differ)")]
    SameReviewer,
    #[error("条目状态为“{0}”，不能进行此操作 (wrong state)")]
    WrongState(&'static str),
}

/// Applies one step to an entry's state.
pub fn fold_entry(
    state: Option<EntryState>,
    step: &EntryStep<'_>,
) -> Result<EntryState, EntryError> {
    match (state, step) {
        (None, EntryStep::Proposed { entry, by }) => Ok(EntryState {
            entry: (*entry).clone(),
            status: EntryStatus::Proposed,
            proposed_by: by.to_string(),
            reviewed_by: None,
            review_comment: None,
            published_on: None,
            ended: None,
        }),
        (Some(_), EntryStep::Proposed { .. }) => Err(EntryError::Exists),
        (None, _) => Err(EntryError::Missing),
        (
            Some(mut s),
            EntryStep::Reviewed {
                by,
                approved,
                comment,
            },
        ) => {
            if s.status != EntryStatus::Proposed {
                return Err(EntryError::WrongState(s.status.label()));
            }
            if s.proposed_by == *by {
                return Err(EntryError::SameReviewer);
            }
            s.status = if *approved {
                EntryStatus::Reviewed
            } else {
                EntryStatus::Rejected
            };
            s.reviewed_by = Some(by.to_string());
            s.review_comment = Some(comment.to_string());
            Ok(s)
        }
        (Some(mut s), EntryStep::Published { on }) => {
            if s.status != EntryStatus::Reviewed {
                return Err(EntryError::WrongState(s.status.label()));
            }
            s.status = EntryStatus::Published;
            s.published_on = Some(*on);
            Ok(s)
        }
        (Some(mut s), EntryStep::Ended { reason, on }) => {
            if s.status != EntryStatus::Published {
                return Err(EntryError::WrongState(s.status.label()));
            }
            s.status = EntryStatus::Ended;
            s.ended = Some((*reason, *on));
            Ok(s)
        }
    }
}
