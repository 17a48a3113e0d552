//! Credit commitments (信用承诺): templates per matter type (policy data), signing, publication,
//! and fulfilment checks (践诺核查) on a working-day clock. A breach is a dishonesty fact on the
//! subject's archive and proposes a watch-list entry; a false commitment revokes what it obtained.

use crate::calendar::Calendar;
use crate::workflow::{Clock, ClockStatus};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const DEFAULT_COMMITMENTS_TOML: &str = include_str!("../../../data/policy/commitments.toml");

/// The watch-list item a breach of commitment falls under (四张清单, data/policy/lists.json).
pub const BREACH_LIST_ITEM: &str = "S-WATCH-FALSE-COMMITMENT";

/// One commitment template (承诺书模板).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    /// 审批告知承诺 / 信用修复承诺 / 主动型承诺 / 采购人承诺 …
    pub matter_type: String,
    pub title: String,
    /// The commitment list (承诺事项).
    pub items: Vec<String>,
    /// Fulfilment is checked within this many working days of signing.
    pub check_workdays: u32,
    /// What a breach leads to.
    pub breach: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSet {
    pub version: String,
    #[serde(rename = "template")]
    pub templates: Vec<Template>,
}

impl TemplateSet {
    /// The built-in templates, parsed once.
    pub fn builtin() -> &'static Self {
        static SET: std::sync::LazyLock<TemplateSet> = std::sync::LazyLock::new(|| {
            TemplateSet::from_toml(DEFAULT_COMMITMENTS_TOML)
                .expect("the built-in commitment templates parse")
        });
        &SET
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let set: TemplateSet =
            toml::from_str(text).map_err(|e| format!("承诺书模板文件格式错误：{e}"))?;
        for t in &set.templates {
            if t.items.is_empty() {
                return Err(format!("模板 {} 没有承诺事项", t.id));
            }
            if t.check_workdays == 0 {
                return Err(format!("模板 {} 的 check_workdays 必须大于 0", t.id));
            }
        }
        Ok(set)
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// The template of a matter type (the first one).
    pub fn for_matter(&self, matter_type: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.matter_type == matter_type)
    }
}

/// A signed commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commitment {
    pub id: String,
    pub template_id: String,
    pub template_version: String,
    pub matter_type: String,
    pub title: String,
    pub items: Vec<String>,
    pub subject_id: String,
    pub subject_name: String,
    /// The matter it was given for (e.g. the licence applied for, the repair application).
    pub matter: String,
    /// The unit that accepted it and checks fulfilment.
    pub unit: String,
    pub signed_on: NaiveDate,
    /// 践诺核查 clock.
    pub check: Clock,
    /// A record obtained on the strength of the commitment (告知承诺 licence): revoked when
    /// the commitment proves false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obtained_record: Option<String>,
    pub breach_consequence: String,
}

/// The outcome of a fulfilment check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfilmentCheck {
    pub on: NaiveDate,
    pub fulfilled: bool,
    /// The commitment was untrue from the start (虚假承诺), not merely unfulfilled.
    #[serde(default)]
    pub false_commitment: bool,
    pub note: String,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommitmentStatus {
    /// 履诺中（待核查）
    Pending,
    /// 已践诺
    Fulfilled,
    /// 未践诺（违诺）
    Breached,
    /// 虚假承诺
    False,
}

impl CommitmentStatus {
    pub fn label(self) -> &'static str {
        match self {
            CommitmentStatus::Pending => "履诺中，待核查",
            CommitmentStatus::Fulfilled => "已践诺",
            CommitmentStatus::Breached => "未践诺（违诺）",
            CommitmentStatus::False => "虚假承诺",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentState {
    pub commitment: Commitment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<FulfilmentCheck>,
}

impl CommitmentState {
    pub fn status(&self) -> CommitmentStatus {
        match &self.check {
            None => CommitmentStatus::Pending,
            Some(c) if c.fulfilled => CommitmentStatus::Fulfilled,
            Some(c) if c.false_commitment => CommitmentStatus::False,
            Some(_) => CommitmentStatus::Breached,
        }
    }

    /// Where the 践诺核查 stands.
    pub fn check_status(&self, cal: &Calendar, today: NaiveDate, near_due: u32) -> ClockStatus {
        let mut clock = self.commitment.check.clone();
        clock.done_on = self.check.as_ref().map(|c| c.on);
        clock.status(cal, today, near_due)
    }

    /// A breach or false commitment is a dishonesty fact (失信信息).
    pub fn is_dishonest(&self) -> bool {
        matches!(
            self.status(),
            CommitmentStatus::Breached | CommitmentStatus::False
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitmentError {
    #[error("承诺 {0} 不存在 (no such commitment)")]
    Missing(String),
    #[error("承诺已核查过（{0}）(already checked)")]
    AlreadyChecked(&'static str),
    #[error("核查日期 {0} 早于签署日期 {1}")]
    BeforeSigning(NaiveDate, NaiveDate),
    #[error("虚假承诺即未践诺：fulfilled 与 false_commitment 不能同时为真")]
    Contradiction,
}

/// A commitment signed now, from a template; its fulfilment clock starts on the signing day.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    id: String,
    template: &Template,
    template_version: &str,
    subject_id: &str,
    subject_name: &str,
    matter: &str,
    unit: &str,
    signed_on: NaiveDate,
    obtained_record: Option<String>,
) -> Commitment {
    Commitment {
        id,
        template_id: template.id.clone(),
        template_version: template_version.to_string(),
        matter_type: template.matter_type.clone(),
        title: template.title.clone(),
        items: template.items.clone(),
        subject_id: subject_id.to_string(),
        subject_name: subject_name.to_string(),
        matter: matter.to_string(),
        unit: unit.to_string(),
        signed_on,
        check: Clock {
            key: "fulfilment".into(),
            label: "践诺核查".into(),
            unit: unit.to_string(),
            rule: format!(
                "《{}》签署后{}个工作日内核查践诺情况（承诺书模板 {} 版本 {}）",
                template.title, template.check_workdays, template.id, template_version
            ),
            start: signed_on,
            workdays: template.check_workdays,
            extensions: vec![],
            suspensions: vec![],
            done_on: None,
        },
        obtained_record,
        breach_consequence: template.breach.clone(),
    }
}

/// Records a fulfilment check.
pub fn record_check(
    state: Option<CommitmentState>,
    id: &str,
    check: &FulfilmentCheck,
) -> Result<CommitmentState, CommitmentError> {
    let mut s = state.ok_or_else(|| CommitmentError::Missing(id.to_string()))?;
    if s.check.is_some() {
        return Err(CommitmentError::AlreadyChecked(s.status().label()));
    }
    if check.on < s.commitment.signed_on {
        return Err(CommitmentError::BeforeSigning(
            check.on,
            s.commitment.signed_on,
        ));
    }
    if check.fulfilled && check.false_commitment {
        return Err(CommitmentError::Contradiction);
    }
    s.check = Some(check.clone());
    Ok(s)
}
