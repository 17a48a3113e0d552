//! The vocabulary of the four lists: decision points, item kinds, name lists, effects.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::publicity::Severity;
use crate::record::RecordCategory;

/// The list policy shipped with the program: example policy for transport.
pub const DEFAULT_LIST_POLICY_JSON: &str = include_str!("../../../../data/policy/lists.json");

/// The name of the court's list of dishonest judgment debtors, the commonest external list.
pub const JUDGMENT_DEBTORS: &str = "失信被执行人";

/// Largest validity or window a policy may set, in months (100 years): anything longer is a typo.
pub(crate) const MAX_MONTHS: u32 = 1200;

/// Prefix of an external list in cells and labels meant to be read back: `外部名单：失信被执行人`.
pub const EXTERNAL_PREFIX: &str = "外部名单：";

/// Characters an implementing unit's name may not contain: they separate units in a cell.
pub(crate) const UNIT_SEPARATORS: [char; 7] = ['、', '，', ',', '；', ';', '\n', '|'];

/// Characters a 违法行为类型 fragment of a rule may not contain: they separate the rule text.
pub(crate) const RULE_TEXT_RESERVED: [char; 7] = [';', '；', '、', '|', '=', '＝', '\n'];

// ---------------------------------------------------------------------------------------------
// Decision points, item kinds, name lists, effects
// ---------------------------------------------------------------------------------------------

/// A decision at which subjects are checked against the name lists (联合奖惩的应用环节).
/// Serialised as the Chinese label; reading accepts the aliases of [`DecisionPoint::from_label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DecisionPoint {
    /// 招标投标
    Tendering,
    /// 行政许可
    Licensing,
    /// 财政资金/补贴申请
    Funding,
    /// 评优评先
    Honours,
    /// 公务员录用/干部任用
    Hiring,
    /// 日常检查频次
    InspectionFrequency,
    /// 从业资格
    PractitionerQualification,
    /// 政府采购
    GovernmentProcurement,
    /// 行政处罚裁量 (首违不罚、轻微免罚)
    PenaltyDiscretion,
    /// 职务晋升 (civil servants)
    Promotion,
}

impl DecisionPoint {
    pub const ALL: [DecisionPoint; 10] = [
        DecisionPoint::Tendering,
        DecisionPoint::Licensing,
        DecisionPoint::Funding,
        DecisionPoint::Honours,
        DecisionPoint::Hiring,
        DecisionPoint::InspectionFrequency,
        DecisionPoint::PractitionerQualification,
        DecisionPoint::GovernmentProcurement,
        DecisionPoint::PenaltyDiscretion,
        DecisionPoint::Promotion,
    ];

    /// The Chinese label, as serialised.
    pub fn label(self) -> &'static str {
        match self {
            DecisionPoint::Tendering => "招标投标",
            DecisionPoint::Licensing => "行政许可",
            DecisionPoint::Funding => "财政资金/补贴申请",
            DecisionPoint::Honours => "评优评先",
            DecisionPoint::Hiring => "公务员录用/干部任用",
            DecisionPoint::InspectionFrequency => "日常检查频次",
            DecisionPoint::PractitionerQualification => "从业资格",
            DecisionPoint::GovernmentProcurement => "政府采购",
            DecisionPoint::PenaltyDiscretion => "行政处罚裁量",
            DecisionPoint::Promotion => "职务晋升",
        }
    }

    /// A stable ASCII key (for URLs and query parameters).
    pub fn key(self) -> &'static str {
        match self {
            DecisionPoint::Tendering => "tendering",
            DecisionPoint::Licensing => "licensing",
            DecisionPoint::Funding => "funding",
            DecisionPoint::Honours => "honours",
            DecisionPoint::Hiring => "hiring",
            DecisionPoint::InspectionFrequency => "inspection_frequency",
            DecisionPoint::PractitionerQualification => "practitioner_qualification",
            DecisionPoint::GovernmentProcurement => "government_procurement",
            DecisionPoint::PenaltyDiscretion => "penalty_discretion",
            DecisionPoint::Promotion => "promotion",
        }
    }

    /// The label, the key, or one of the names the policy documents use for the same decision
    /// (招投标, 行政审批, 奖补资金申请, 评先评优, 干部选拔任用, 日常监管, 从业资格认定, …).
    /// Whitespace is ignored and a full-width slash reads as `/`.
    pub fn from_label(s: &str) -> Option<Self> {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == '／' { '/' } else { c })
            .collect();
        if let Some(p) = Self::ALL
            .into_iter()
            .find(|p| p.label() == s || p.key() == s)
        {
            return Some(p);
        }
        let point = match s.as_str() {
            "职级晋升" | "晋升" | "职务职级晋升" => DecisionPoint::Promotion,
            "处罚裁量" | "行政处罚" | "首违不罚" | "轻微违法免罚" => {
                DecisionPoint::PenaltyDiscretion
            }
            "招投标" | "工程招投标" | "工程建设项目招标投标" | "招标" | "投标" => {
                DecisionPoint::Tendering
            }
            "行政审批" | "许可审批" | "审批" => DecisionPoint::Licensing,
            "财政资金" | "补贴申请" | "财政资金申请" | "补贴资金申请" | "奖补资金申请"
            | "专项资金申请" | "投资补助资金" | "财政补贴" => {
                DecisionPoint::Funding
            }
            "评先评优" | "评优" | "评先" | "评优评先表彰" | "表彰评优" => {
                DecisionPoint::Honours
            }
            "公务员录用"
            | "公务员招录"
            | "干部任用"
            | "干部选拔任用"
            | "人员招录"
            | "公务员录用、干部任用" => DecisionPoint::Hiring,
            "检查频次" | "日常检查" | "日常监管" | "监督检查频次" | "抽查频次" => {
                DecisionPoint::InspectionFrequency
            }
            "从业资格认定" | "从业资格审核" | "从业资格考试" => {
                DecisionPoint::PractitionerQualification
            }
            "采购" => DecisionPoint::GovernmentProcurement,
            _ => return None,
        };
        Some(point)
    }

    /// All labels joined with 、, for error messages.
    pub fn all_labels() -> String {
        Self::ALL.map(Self::label).join("、")
    }
}

impl fmt::Display for DecisionPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for DecisionPoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl<'de> Deserialize<'de> for DecisionPoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let text = String::deserialize(deserializer)?;
        DecisionPoint::from_label(&text).ok_or_else(|| {
            D::Error::custom(format!(
                "“{text}”不是适用环节，应为以下之一：{}",
                DecisionPoint::all_labels()
            ))
        })
    }
}

/// Which of the four lists an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 诚信典型范围: who goes on the red list.
    HonestScope,
    /// 严重失信行为及主体范围: who goes on the blacklist or watch list.
    DishonestScope,
    /// 守信激励措施
    RewardMeasure,
    /// 失信惩戒措施
    PunishmentMeasure,
}

impl ItemKind {
    pub const ALL: [ItemKind; 4] = [
        ItemKind::HonestScope,
        ItemKind::DishonestScope,
        ItemKind::RewardMeasure,
        ItemKind::PunishmentMeasure,
    ];

    /// 诚信典型范围 / 严重失信行为及主体范围 / 守信激励措施 / 失信惩戒措施
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::HonestScope => "诚信典型范围",
            ItemKind::DishonestScope => "严重失信行为及主体范围",
            ItemKind::RewardMeasure => "守信激励措施",
            ItemKind::PunishmentMeasure => "失信惩戒措施",
        }
    }

    /// The stable key, as serialised.
    pub fn key(self) -> &'static str {
        match self {
            ItemKind::HonestScope => "honest_scope",
            ItemKind::DishonestScope => "dishonest_scope",
            ItemKind::RewardMeasure => "reward_measure",
            ItemKind::PunishmentMeasure => "punishment_measure",
        }
    }

    /// The label, the key, the document's long names (诚信典型范围清单, 守信激励政策措施清单, …)
    /// or a short form (诚信典型, 严重失信, 守信激励, 失信惩戒).
    pub fn from_label(s: &str) -> Option<Self> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        let s = s.trim_end_matches("清单");
        if let Some(k) = Self::ALL
            .into_iter()
            .find(|k| k.label() == s || k.key() == s)
        {
            return Some(k);
        }
        let kind = match s {
            "诚信典型" | "诚信典型名单范围" => ItemKind::HonestScope,
            "严重失信" | "严重失信行为及主体" | "严重失信行为及主体名单范围" | "失信范围" => {
                ItemKind::DishonestScope
            }
            "守信激励" | "守信激励政策措施" | "激励措施" => ItemKind::RewardMeasure,
            "失信惩戒" | "失信惩戒政策措施" | "惩戒措施" => {
                ItemKind::PunishmentMeasure
            }
            _ => return None,
        };
        Some(kind)
    }

    /// A scope (范围) item: it says who goes on a list.
    pub fn is_scope(self) -> bool {
        matches!(self, ItemKind::HonestScope | ItemKind::DishonestScope)
    }

    /// A measure (措施) item: it says what happens to a list's entries at a decision point.
    pub fn is_measure(self) -> bool {
        !self.is_scope()
    }

    /// All labels joined with 、, for error messages.
    pub fn all_labels() -> String {
        Self::ALL.map(Self::label).join("、")
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A name list a subject can be on. Serialised as `"red"`, `"black"`, `"watch"`, or, for a list
/// another authority supplies (e.g. the court's 失信被执行人), its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameList {
    /// 红名单 (守信激励对象)
    Red,
    /// 黑名单 (严重失信主体名单)
    Black,
    /// 重点关注名单
    Watch,
    /// A list supplied by another authority, by its name, e.g. [`JUDGMENT_DEBTORS`].
    External(String),
}

impl NameList {
    /// The serialised form: `red` / `black` / `watch` / the external list's name.
    pub fn key(&self) -> &str {
        match self {
            NameList::Red => "red",
            NameList::Black => "black",
            NameList::Watch => "watch",
            NameList::External(name) => name,
        }
    }

    /// 红名单 / 黑名单（严重失信主体名单）/ 重点关注名单 / the external list's name.
    pub fn label(&self) -> &str {
        match self {
            NameList::Red => "红名单",
            NameList::Black => "黑名单（严重失信主体名单）",
            NameList::Watch => "重点关注名单",
            NameList::External(name) => name,
        }
    }

    /// The label that reads back unambiguously with [`NameList::from_label`]: an external list
    /// is written `外部名单：NAME`.
    pub fn qualified_label(&self) -> String {
        match self {
            NameList::External(name) => format!("{EXTERNAL_PREFIX}{name}"),
            other => other.label().to_string(),
        }
    }

    /// From the serialised form: `red` / `black` / `watch`, any other non-blank text is an
    /// external list of that name (trimmed). `None` for blank text.
    pub fn from_key(s: &str) -> Option<Self> {
        let s = s.trim();
        match s {
            "" => None,
            "red" => Some(NameList::Red),
            "black" => Some(NameList::Black),
            "watch" => Some(NameList::Watch),
            name => Some(NameList::External(name.to_string())),
        }
    }

    /// From a label typed by a person (a spreadsheet cell): the labels and keys of the three
    /// platform lists and their common names (守信激励对象, 严重失信主体名单, 黑名单, …), an
    /// external list as `外部名单：NAME` (or `外部名单:NAME`), or [`JUDGMENT_DEBTORS`] by itself.
    /// Any other text is not a list (`None`), so a typo is reported rather than becoming a new
    /// external list.
    pub fn from_label(s: &str) -> Option<Self> {
        let s = s.trim();
        for prefix in [EXTERNAL_PREFIX, "外部名单:"] {
            if let Some(name) = s.strip_prefix(prefix) {
                let name = name.trim();
                return (!name.is_empty()).then(|| NameList::External(name.to_string()));
            }
        }
        let compact: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '(' => '（',
                ')' => '）',
                c => c,
            })
            .collect();
        let list = match compact.as_str() {
            "red" | "红名单" | "守信激励对象" | "诚信典型名单" | "守信红名单" => {
                NameList::Red
            }
            "black"
            | "黑名单"
            | "黑名单（严重失信主体名单）"
            | "严重失信主体名单"
            | "严重失信名单" => NameList::Black,
            "watch" | "重点关注名单" | "重点关注对象名单" | "重点关注" => {
                NameList::Watch
            }
            JUDGMENT_DEBTORS | "失信被执行人名单" => {
                NameList::External(JUDGMENT_DEBTORS.to_string())
            }
            _ => return None,
        };
        Some(list)
    }

    pub fn is_external(&self) -> bool {
        matches!(self, NameList::External(_))
    }
}

impl fmt::Display for NameList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for NameList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for NameList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let text = String::deserialize(deserializer)?;
        NameList::from_key(&text).ok_or_else(|| {
            D::Error::custom("名单不能为空，应为 red、black、watch 或外部名单的名称")
        })
    }
}

/// What a measure does to a listed subject at a decision point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// 限制: the decision is refused or the subject excluded (e.g. from bidding).
    Restrict,
    /// 重点审查: a person must review the case (人工审查、从严审核) before deciding.
    Review,
    /// 激励: 容缺受理、绿色通道、简化程序、同等条件下优先.
    Facilitate,
    /// 提示: shown to the official (e.g. a changed inspection frequency), decides nothing.
    Inform,
}

impl Effect {
    pub const ALL: [Effect; 4] = [
        Effect::Restrict,
        Effect::Review,
        Effect::Facilitate,
        Effect::Inform,
    ];

    /// 限制 / 重点审查 / 激励 / 提示
    pub fn label(self) -> &'static str {
        match self {
            Effect::Restrict => "限制",
            Effect::Review => "重点审查",
            Effect::Facilitate => "激励",
            Effect::Inform => "提示",
        }
    }

    /// The stable key, as serialised.
    pub fn key(self) -> &'static str {
        match self {
            Effect::Restrict => "restrict",
            Effect::Review => "review",
            Effect::Facilitate => "facilitate",
            Effect::Inform => "inform",
        }
    }

    /// The label, the key, or a common synonym (禁止, 审查, 人工审查, 从严审核, 便利, 优先, 提醒, …).
    pub fn from_label(s: &str) -> Option<Self> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some(e) = Self::ALL
            .into_iter()
            .find(|e| e.label() == s || e.key() == s)
        {
            return Some(e);
        }
        let effect = match s.as_str() {
            "禁止" | "限制参与" | "拦截" => Effect::Restrict,
            "审查" | "人工审查" | "从严审核" | "从严审查" | "重点审核" => {
                Effect::Review
            }
            "便利" | "优先" | "容缺受理" | "绿色通道" | "简化程序" | "守信激励" => {
                Effect::Facilitate
            }
            "提醒" | "信息提示" => Effect::Inform,
            _ => return None,
        };
        Some(effect)
    }

    /// All labels joined with 、, for error messages.
    pub fn all_labels() -> String {
        Self::ALL.map(Self::label).join("、")
    }
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// 轻微 / 一般 / 严重 or the keys `minor` / `general` / `serious`.
pub fn severity_from_label(s: &str) -> Option<Severity> {
    let s = s.trim();
    Severity::ALL
        .into_iter()
        .find(|v| v.label() == s || v.key() == s)
}

pub(crate) fn category_from_label(s: &str) -> Option<RecordCategory> {
    match s.trim() {
        "行政处罚" | "处罚" | "penalty" => Some(RecordCategory::Penalty),
        "行政许可" | "许可" | "license" => Some(RecordCategory::License),
        _ => None,
    }
}
