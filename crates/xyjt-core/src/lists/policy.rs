//! One version of the whole set of four lists: adopting, versioning, validating, citing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::publicity::PublicityPolicy;
use crate::record::Record;

use super::evaluate::{RuleMatch, evaluate_rule};
use super::items::*;
use super::vocab::*;

/// One version of the four lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPolicy {
    /// 1 for the first version, +1 for every change.
    pub version: u32,
    /// The first day the version applies to decisions and list entries.
    pub effective_from: NaiveDate,
    /// Who made the change (a person and unit, or the system for the shipped default).
    pub changed_by: String,
    /// When the change was made, RFC 3339 (e.g. `2024-01-01T00:00:00+08:00`).
    pub changed_at: String,
    /// Why: the change note (修改说明).
    pub note: String,
    /// Example policy (示例政策): true for the shipped default until a unit adopts it.
    #[serde(default)]
    pub example: bool,
    pub items: Vec<PolicyItem>,
}

/// Where a list entry, a check or a measure came from: a version of the policy and one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyCitation {
    pub policy_version: u32,
    pub item_id: String,
    /// The item's title, as it read in that version.
    pub title: String,
    /// The item's legal basis, as it read in that version.
    pub legal_basis: String,
    /// The version was example policy (示例政策).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub example: bool,
}

impl PolicyCitation {
    /// `依据四张清单第 1 版（示例政策）条目 P-BLACK-TENDER「…」，法律依据：…`
    pub fn text(&self) -> String {
        format!(
            "依据四张清单第 {} 版{}条目 {}「{}」，法律依据：{}",
            self.policy_version,
            if self.example {
                "（示例政策）"
            } else {
                ""
            },
            self.item_id,
            self.title,
            self.legal_basis
        )
    }
}

/// The items a new version adds, removes and changes, by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PolicyDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl PolicyDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

pub(crate) fn parse_rfc3339(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// serde_json's messages without the position, with the two commonest in Chinese.
pub(crate) fn json_message(e: &serde_json::Error) -> String {
    let mut message = e.to_string();
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    let field = |rest: &str| rest.split('`').nth(1).unwrap_or_default().to_string();
    let message = if let Some(rest) = message.strip_prefix("unknown field") {
        format!("未知的键“{}”（{message}）", field(rest))
    } else if let Some(rest) = message.strip_prefix("missing field") {
        format!("缺少键“{}”（{message}）", field(rest))
    } else if let Some(rest) = message.strip_prefix("unknown variant") {
        format!("未知的取值“{}”（{message}）", field(rest))
    } else {
        message
    };
    if e.line() > 0 {
        format!("第 {} 行第 {} 列：{message}", e.line(), e.column())
    } else {
        message
    }
}

impl ListPolicy {
    /// The policy built from [`DEFAULT_LIST_POLICY_JSON`] (example policy).
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<ListPolicy> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                ListPolicy::from_json(DEFAULT_LIST_POLICY_JSON)
                    .expect("the built-in policy data/policy/lists.json is valid (tested)")
            })
            .clone()
    }

    /// Parses and [validates](Self::validate) a policy in JSON.
    pub fn from_json(text: &str) -> Result<Self, ListPolicyError> {
        let policy: ListPolicy =
            serde_json::from_str(text).map_err(|e| ListPolicyError::Parse(json_message(&e)))?;
        policy.validate()?;
        Ok(policy)
    }

    /// The policy as pretty-printed JSON (what [`ListPolicy::from_json`] reads), with a final
    /// newline.
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(self).expect("a list policy serialises to JSON");
        text.push('\n');
        text
    }

    /// Checks the version: version ≥ 1, who/when/why given (when as RFC 3339), and the items
    /// (see [`ListPolicy::check_items`]). Returns the first problem.
    pub fn validate(&self) -> Result<(), ListPolicyError> {
        if self.version == 0 {
            return Err(ListPolicyError::Invalid(
                "version（版本号）应从 1 开始".to_string(),
            ));
        }
        if self.changed_by.trim().is_empty() {
            return Err(ListPolicyError::Invalid(
                "changed_by（修改人）不能为空".to_string(),
            ));
        }
        if parse_rfc3339(&self.changed_at).is_none() {
            return Err(ListPolicyError::Invalid(format!(
                "changed_at（修改时间）“{}”不是 RFC 3339 时间，应写为如 2024-01-01T09:00:00+08:00",
                self.changed_at
            )));
        }
        if self.note.trim().is_empty() {
            return Err(ListPolicyError::Invalid(
                "note（修改说明）不能为空".to_string(),
            ));
        }
        match Self::check_items(&self.items).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem of a set of items, in item order, then the problems between items:
    ///
    /// * no blank texts (id, title, acting unit, cause, legal basis, content, evidence, each
    ///   implementing unit); ids unique and without spaces; no repeated values in a field;
    /// * a scope names exactly one list (an honest scope the red list or an external list, a
    ///   dishonest scope the blacklist, the watch list or an external list), has a validity of
    ///   1–1200 months (an external list may leave it to its authority), and no effect;
    /// * a measure has an effect, lists and decision points, and no validity or rule; a reward
    ///   measure never applies to the blacklist or watch list and neither restricts nor reviews;
    ///   a punishment measure never applies to the red list and never facilitates;
    /// * a rule counts at least 1 record in a window of 1–1200 months, filters penalties only
    ///   when its category is 行政处罚, has no blank or separator-holding 违法行为类型 fragment,
    ///   and sits on a scope whose list is not external;
    /// * every list a measure applies to is the list of some scope.
    pub fn check_items(items: &[PolicyItem]) -> Vec<ListPolicyError> {
        let mut errors = Vec::new();
        if items.is_empty() {
            errors.push(ListPolicyError::Invalid(
                "没有任何条目（items 为空）".to_string(),
            ));
            return errors;
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, item) in items.iter().enumerate() {
            check_item(item, item_name(item, Some(index)), &mut errors);
            let id = item.id.trim();
            if id.is_empty() {
                continue;
            }
            if let Some(first) = seen.get(id) {
                errors.push(ListPolicyError::Item {
                    id: id.to_string(),
                    field: "编号（id）",
                    message: format!("重复：第 {} 条与第 {} 条编号相同", first + 1, index + 1),
                });
            } else {
                seen.insert(id, index);
            }
        }
        let scope_lists: HashSet<&NameList> = items
            .iter()
            .filter(|i| i.kind.is_scope())
            .flat_map(|i| i.lists.iter())
            .collect();
        for item in items.iter().filter(|i| i.kind.is_measure()) {
            for list in &item.lists {
                if !scope_lists.contains(list) {
                    errors.push(ListPolicyError::Item {
                        id: item_name(item, None),
                        field: "适用名单（lists）",
                        message: format!(
                            "中的“{}”没有对应的范围条目（诚信典型范围或严重失信行为及主体范围），无法确定谁在该名单上",
                            list.qualified_label()
                        ),
                    });
                }
            }
        }
        errors
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&PolicyItem> {
        let id = id.trim();
        self.items.iter().find(|i| i.id == id)
    }

    /// The reward and punishment measures applying to entries of `list` at `point`, in policy
    /// order.
    pub fn measures_for(&self, list: &NameList, point: DecisionPoint) -> Vec<&PolicyItem> {
        self.items
            .iter()
            .filter(|i| i.applies_to(list, point))
            .collect()
    }

    /// The scope items (诚信典型范围 and 严重失信行为及主体范围), in policy order.
    pub fn scopes(&self) -> impl Iterator<Item = &PolicyItem> {
        self.items.iter().filter(|i| i.kind.is_scope())
    }

    /// The measure items (守信激励措施 and 失信惩戒措施), in policy order.
    pub fn measures(&self) -> impl Iterator<Item = &PolicyItem> {
        self.items.iter().filter(|i| i.kind.is_measure())
    }

    /// The scopes that put entries on `list`.
    pub fn scopes_for(&self, list: &NameList) -> Vec<&PolicyItem> {
        self.scopes()
            .filter(|i| i.target_list() == Some(list))
            .collect()
    }

    /// What a list entry, a check or a measure records as its justification.
    pub fn cite(&self, item_id: &str) -> Option<PolicyCitation> {
        self.item(item_id).map(|item| PolicyCitation {
            policy_version: self.version,
            item_id: item.id.clone(),
            title: item.title.clone(),
            legal_basis: item.legal_basis.clone(),
            example: self.example,
        })
    }

    /// Every scope whose rule `records` (one subject's) satisfy as of `today`, in policy order.
    /// Several may match at once (two overloading penalties put a subject on the watch list,
    /// three on the blacklist too); which entry to make is the caller's decision.
    pub fn evaluate_scopes(
        &self,
        records: &[Record],
        publicity: &PublicityPolicy,
        today: NaiveDate,
    ) -> Vec<RuleMatch> {
        self.scopes()
            .filter_map(|item| evaluate_rule(item, records, publicity, today))
            .collect()
    }

    /// A new version from an edited copy of the items: version + 1, who, when (RFC 3339), why
    /// and from when. The `example` mark carries over (clear it with [`ListPolicy::adopt`]).
    /// The new version is validated; it may not take effect before this one nor be changed
    /// before it. `self` is left as it was.
    pub fn next_version(
        &self,
        edited_items: Vec<PolicyItem>,
        changed_by: &str,
        changed_at: &str,
        note: &str,
        effective_from: NaiveDate,
    ) -> Result<ListPolicy, ListPolicyError> {
        self.successor(
            edited_items,
            changed_by,
            changed_at,
            note,
            effective_from,
            self.example,
        )
    }

    /// A new version with the same items that is no longer example policy: the unit named in
    /// `changed_by` adopts the set as its own (采用为正式政策). Validated like
    /// [`ListPolicy::next_version`].
    pub fn adopt(
        &self,
        changed_by: &str,
        changed_at: &str,
        note: &str,
        effective_from: NaiveDate,
    ) -> Result<ListPolicy, ListPolicyError> {
        self.successor(
            self.items.clone(),
            changed_by,
            changed_at,
            note,
            effective_from,
            false,
        )
    }

    fn successor(
        &self,
        items: Vec<PolicyItem>,
        changed_by: &str,
        changed_at: &str,
        note: &str,
        effective_from: NaiveDate,
        example: bool,
    ) -> Result<ListPolicy, ListPolicyError> {
        let version = self.version.checked_add(1).ok_or_else(|| {
            ListPolicyError::Invalid("版本号已达上限，无法再生成新版本".to_string())
        })?;
        if effective_from < self.effective_from {
            return Err(ListPolicyError::Invalid(format!(
                "新版本的生效日期 {effective_from} 早于当前第 {} 版的生效日期 {}",
                self.version, self.effective_from
            )));
        }
        let next = ListPolicy {
            version,
            effective_from,
            changed_by: changed_by.trim().to_string(),
            changed_at: changed_at.trim().to_string(),
            note: note.trim().to_string(),
            example,
            items,
        };
        next.validate()?;
        if let (Some(new), Some(old)) = (
            parse_rfc3339(&next.changed_at),
            parse_rfc3339(&self.changed_at),
        ) && new < old
        {
            return Err(ListPolicyError::Invalid(format!(
                "修改时间 {} 早于当前第 {} 版的修改时间 {}",
                next.changed_at, self.version, self.changed_at
            )));
        }
        Ok(next)
    }

    /// The items `newer` adds, removes and changes relative to this version, by id.
    pub fn diff(&self, newer: &ListPolicy) -> PolicyDiff {
        let mut diff = PolicyDiff::default();
        for item in &newer.items {
            match self.item(&item.id) {
                None => diff.added.push(item.id.clone()),
                Some(old) if old != item => diff.changed.push(item.id.clone()),
                Some(_) => {}
            }
        }
        for item in &self.items {
            if newer.item(&item.id).is_none() {
                diff.removed.push(item.id.clone());
            }
        }
        diff
    }
}
