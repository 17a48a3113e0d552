//! Government integrity (政务诚信, RULES.md §9): archives of departments (机关, 事业单位,
//! 群团组织 — USCC registration-authority code 1) and civil servants, their dishonesty and good
//! records, fault-tolerance findings (容错纠错) that keep an act out of the dishonesty record, and
//! what a record means at a personnel decision point. Categories, who records them, their periods
//! of effect and their effects are policy data (`data/policy/integrity.toml`).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ident::Uscc;
use crate::lists::{DecisionPoint, Effect};

pub const DEFAULT_INTEGRITY_TOML: &str = include_str!("../../../data/policy/integrity.toml");

/// Whose archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveKind {
    /// 部门 (机关 / 事业单位 / 群团组织)
    Department,
    /// 公务人员
    CivilServant,
}

impl ArchiveKind {
    pub fn label(self) -> &'static str {
        match self {
            ArchiveKind::Department => "部门",
            ArchiveKind::CivilServant => "公务人员",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "部门" | "机关" | "单位" | "department" => Some(ArchiveKind::Department),
            "公务人员" | "公务员" | "公职人员" | "civil_servant" => {
                Some(ArchiveKind::CivilServant)
            }
            _ => None,
        }
    }
}

/// 失信 / 守信.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Dishonest,
    Good,
}

impl Nature {
    pub fn label(self) -> &'static str {
        match self {
            Nature::Dishonest => "失信",
            Nature::Good => "守信",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "失信" | "dishonest" => Some(Nature::Dishonest),
            "守信" | "good" => Some(Nature::Good),
            _ => None,
        }
    }
}

/// A government body's USCC: registration-authority code 1 and type 1 (机关), 2 (事业单位) or 3
/// (群团组织). Errors in Chinese.
pub fn check_department_code(code: &Uscc) -> Result<(), String> {
    let prefix = &code.as_str()[..2];
    if matches!(prefix, "11" | "12" | "13") {
        Ok(())
    } else {
        Err(format!(
            "{code} 不是机关、事业单位或群团组织的统一社会信用代码（应以 11、12 或 13 开头，实为 {prefix}）"
        ))
    }
}

/// A sanction with its period of effect (政务处分 警告 6 个月 …); `months = None` is permanent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    pub name: String,
    #[serde(default)]
    pub months: Option<u32>,
}

/// A record category (记录类别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
    pub nature: Nature,
    /// Whose archives it may be in.
    pub applies_to: Vec<ArchiveKind>,
    /// How it reaches the platform: `import` (courts, 纪检监察, audit send lists) or `own_unit`
    /// (a department records it about itself, e.g. its commitments) or `credit_admin`.
    pub recorded_by: Vec<String>,
    /// The period of effect in months from the decision, when no sanction decides it; `None`
    /// with no sanctions: in effect until resolved.
    #[serde(default)]
    pub months: Option<u32>,
    /// Sanctions and their periods (政务处分, 党纪处分, 诫勉 …).
    #[serde(default)]
    pub sanctions: Vec<Sanction>,
    pub basis: String,
}

/// What a dishonesty record in effect does at a decision point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointRule {
    pub id: String,
    pub archive: ArchiveKind,
    /// Categories it applies to; empty = every dishonesty category.
    #[serde(default)]
    pub categories: Vec<String>,
    pub decision_points: Vec<DecisionPoint>,
    pub effect: Effect,
    pub content: String,
    pub legal_basis: String,
}

/// The government-integrity policy, one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrityPolicy {
    pub version: u32,
    pub note: String,
    /// Decision points only tokens that name them may ask (personnel decisions).
    pub personnel_points: Vec<DecisionPoint>,
    /// What the public may complain about (政务失信投诉 channel), shown in the form.
    pub complaint_types: Vec<String>,
    /// Kinds of government commitments (政务承诺) a department records.
    pub commitment_kinds: Vec<String>,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "rule")]
    pub rules: Vec<PointRule>,
}

impl IntegrityPolicy {
    pub fn builtin() -> &'static IntegrityPolicy {
        static BUILTIN: std::sync::OnceLock<IntegrityPolicy> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            IntegrityPolicy::from_toml(DEFAULT_INTEGRITY_TOML)
                .expect("data/policy/integrity.toml is valid (tested)")
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: IntegrityPolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut ids = std::collections::HashSet::new();
        for c in &p.categories {
            if !ids.insert(c.id.as_str()) {
                return Err(format!("记录类别 {} 重复", c.id));
            }
            if c.applies_to.is_empty() {
                return Err(format!("记录类别 {} 没有适用对象", c.id));
            }
        }
        for r in &p.rules {
            for c in &r.categories {
                if p.category(c).is_none() {
                    return Err(format!("规则 {} 引用了不存在的记录类别 {c}", r.id));
                }
            }
        }
        Ok(p)
    }

    /// By id or label.
    pub fn category(&self, key: &str) -> Option<&Category> {
        let k = key.trim();
        self.categories.iter().find(|c| c.id == k || c.label == k)
    }

    pub fn is_personnel_point(&self, point: DecisionPoint) -> bool {
        self.personnel_points.contains(&point)
    }
}

/// A direct registration (主体登记): a government body or civil servant — or any company or
/// person that must exist before a 双公示 import names it (to sign a commitment, to receive a
/// credit report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub id: String,
    pub subject: crate::subject::Subject,
    /// A government archive, when it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<ArchiveKind>,
    /// A civil servant's 所在单位 and 职务.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
    pub proposed_by: String,
}

/// Where a registration stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationState {
    pub registration: Registration,
    /// `proposed`, `approved`, `rejected`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// 容错纠错: why an act is kept out of the dishonesty record, and who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolerance {
    pub reasons: String,
    pub basis: String,
    /// Evidence files (SHA-256) or document numbers.
    #[serde(default)]
    pub evidence: Vec<String>,
    pub proposed_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    /// Approved by a reviewer: the record neither counts nor shows as dishonesty.
    #[serde(default)]
    pub approved: bool,
}

/// A government-integrity record (政务诚信档案), as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityRecord {
    pub id: String,
    pub subject_id: String,
    pub archive: ArchiveKind,
    /// Name, and USCC or citizen ID, as recorded.
    pub name: String,
    pub code: String,
    /// For a civil servant: 所在单位, 职务.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
    pub category: String,
    pub nature: Nature,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanction: Option<String>,
    /// 决定文号
    pub doc_no: String,
    pub decided_on: NaiveDate,
    /// 认定单位
    pub deciding_unit: String,
    pub facts: String,
    pub basis: String,
    /// Where it came from: `import:<file>`, a unit.
    pub source: String,
}

impl IntegrityRecord {
    /// The natural key: one record per deciding unit and document number.
    pub fn key(&self) -> (String, String) {
        (self.deciding_unit.clone(), self.doc_no.clone())
    }
}

/// A record with its 容错 finding, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityState {
    pub record: IntegrityRecord,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance: Option<Tolerance>,
}

impl IntegrityState {
    /// Counts as dishonesty: a dishonesty record without an approved 容错 finding.
    pub fn counts_as_dishonest(&self) -> bool {
        self.record.nature == Nature::Dishonest
            && !self.tolerance.as_ref().is_some_and(|t| t.approved)
    }

    /// The last day it is in effect (`None`: until resolved, or permanent), by the sanction's or
    /// the category's period.
    pub fn effect_until(&self, policy: &IntegrityPolicy) -> Option<NaiveDate> {
        let cat = policy.category(&self.record.category)?;
        let months = match &self.record.sanction {
            Some(s) => cat
                .sanctions
                .iter()
                .find(|x| &x.name == s)
                .and_then(|x| x.months),
            None => cat.months,
        }?;
        self.record
            .decided_on
            .checked_add_months(Months::new(months))
            .and_then(|d| d.pred_opt())
    }

    /// Counts as dishonesty and is in effect on `day`.
    pub fn in_effect_on(&self, policy: &IntegrityPolicy, day: NaiveDate) -> bool {
        self.counts_as_dishonest()
            && self.record.decided_on <= day
            && self.effect_until(policy).is_none_or(|u| day <= u)
    }
}

/// The check reasons a subject's integrity records give at a decision point on `today`.
pub fn reasons(
    states: &[IntegrityState],
    policy: &IntegrityPolicy,
    point: DecisionPoint,
    today: NaiveDate,
) -> Vec<crate::check::CheckReason> {
    let mut out = Vec::new();
    for s in states.iter().filter(|s| s.in_effect_on(policy, today)) {
        let r = &s.record;
        for rule in policy.rules.iter().filter(|rule| {
            rule.archive == r.archive
                && rule.decision_points.contains(&point)
                && (rule.categories.is_empty() || rule.categories.contains(&r.category))
        }) {
            let label = policy
                .category(&r.category)
                .map_or(r.category.as_str(), |c| c.label.as_str());
            out.push(crate::check::CheckReason {
                list: "integrity".into(),
                list_label: format!(
                    "政务诚信档案：{label}{}",
                    r.sanction
                        .as_deref()
                        .map(|s| format!("（{s}）"))
                        .unwrap_or_default()
                ),
                entry_id: r.id.clone(),
                entry_name: r.name.clone(),
                entry_basis: format!(
                    "{}（{}，{}）：{}；依据：{}",
                    r.doc_no, r.decided_on, r.deciding_unit, r.facts, r.basis
                ),
                deciding_unit: r.deciding_unit.clone(),
                valid_from: r.decided_on,
                valid_until: s.effect_until(policy),
                measure_id: rule.id.clone(),
                measure: rule.content.clone(),
                effect: rule.effect,
                legal_basis: rule.legal_basis.clone(),
                acting_unit: String::new(),
                implementing_units: Vec::new(),
                origin: None,
            });
        }
    }
    out
}

pub mod assessment;
pub mod commitment;

#[cfg(test)]
mod tests;
