//! The four lists (四张清单) of joint reward and punishment (联合奖惩) as versioned policy
//! (RULES.md §6).
//!
//! * [`ItemKind`] — the four lists: scope of exemplary honest subjects (诚信典型范围), scope of
//!   serious dishonest behaviour and subjects (严重失信行为及主体范围), reward measures (守信激励
//!   措施) and punishment measures (失信惩戒措施);
//! * [`PolicyItem`] — one item: acting unit, cause, legal basis, implementing units, measure
//!   content, evidence, the [`DecisionPoint`]s it applies to and the [`NameList`]s it concerns;
//!   a scope item may carry an automatic [`EntryRule`] over ledger records;
//! * [`ListPolicy`] — one version of the whole set, with who changed it and when. A change is
//!   always a new version ([`ListPolicy::next_version`]); a version is never edited, and every
//!   list entry cites the version and item that justified it ([`PolicyCitation`]);
//! * [`evaluate_rule`] — which of a subject's records satisfy a scope's rule as of a day.
//!
//! The shipped default (`data/policy/lists.json`, [`ListPolicy::builtin`]) is **example policy**
//! (示例政策, `example: true`): a realistic set for transport, to be reviewed and adopted
//! ([`ListPolicy::adopt`]) by the credit office before it is relied on.
//!
//! Windows: a rule's window of N months as of `today` holds the decision dates in
//! `(today − N months, today]`, where `today − N months` is the corresponding day N months
//! earlier (the month's last day when there is none, what [`NaiveDate::checked_sub_months`]
//! computes) — the same month arithmetic as the publicity periods (see [`crate::publicity`]).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use chrono::{DateTime, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::publicity::{PublicityPolicy, Severity, severity};
use crate::record::{PenaltyKind, Record, RecordBody, RecordCategory, RecordStatus};

/// The list policy shipped with the program: example policy for transport.
pub const DEFAULT_LIST_POLICY_JSON: &str = include_str!("../../../data/policy/lists.json");

/// The name of the court's list of dishonest judgment debtors, the commonest external list.
pub const JUDGMENT_DEBTORS: &str = "失信被执行人";

/// Largest validity or window a policy may set, in months (100 years): anything longer is a typo.
const MAX_MONTHS: u32 = 1200;

/// Prefix of an external list in cells and labels meant to be read back: `外部名单：失信被执行人`.
pub const EXTERNAL_PREFIX: &str = "外部名单：";

/// Characters an implementing unit's name may not contain: they separate units in a cell.
const UNIT_SEPARATORS: [char; 7] = ['、', '，', ',', '；', ';', '\n', '|'];

/// Characters a 违法行为类型 fragment of a rule may not contain: they separate the rule text.
const RULE_TEXT_RESERVED: [char; 7] = [';', '；', '、', '|', '=', '＝', '\n'];

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
}

impl DecisionPoint {
    pub const ALL: [DecisionPoint; 8] = [
        DecisionPoint::Tendering,
        DecisionPoint::Licensing,
        DecisionPoint::Funding,
        DecisionPoint::Honours,
        DecisionPoint::Hiring,
        DecisionPoint::InspectionFrequency,
        DecisionPoint::PractitionerQualification,
        DecisionPoint::GovernmentProcurement,
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

fn category_from_label(s: &str) -> Option<RecordCategory> {
    match s.trim() {
        "行政处罚" | "处罚" | "penalty" => Some(RecordCategory::Penalty),
        "行政许可" | "许可" | "license" => Some(RecordCategory::License),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Items and rules
// ---------------------------------------------------------------------------------------------

/// One item of the four lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyItem {
    /// Stable identifier, e.g. `P-BLACK-TENDER`; list entries and checks cite it.
    pub id: String,
    pub kind: ItemKind,
    /// 名称
    pub title: String,
    /// 实施主体 / 发起单位
    pub acting_unit: String,
    /// 实施事由
    pub cause: String,
    /// 法律依据
    pub legal_basis: String,
    /// 联合奖惩实施单位
    pub implementing_units: Vec<String>,
    /// 措施内容 (for a scope: what being listed means)
    pub content: String,
    /// 所需证据 / 证据材料
    pub evidence: String,
    /// 适用环节. Required for measures; scopes usually leave it empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decision_points: Vec<DecisionPoint>,
    /// For a measure: the name lists whose entries it applies to. For a scope: the one list an
    /// entry goes on.
    pub lists: Vec<NameList>,
    /// Measures only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<Effect>,
    /// Scopes only: how long an entry lasts, in months. May be absent for an external list (its
    /// authority decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validity_months: Option<u32>,
    /// Scopes only: the automatic entry criteria over ledger records; `None` = entered by a
    /// unit's decision (manual) or supplied from outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<EntryRule>,
}

impl PolicyItem {
    /// The list an entry of this scope goes on (the first of `lists`; exactly one when valid).
    pub fn target_list(&self) -> Option<&NameList> {
        if self.kind.is_scope() {
            self.lists.first()
        } else {
            None
        }
    }

    /// Every problem of this item by itself (see [`ListPolicy::check_items`], which adds the
    /// problems between items).
    pub fn check(&self) -> Vec<ListPolicyError> {
        let mut errors = Vec::new();
        check_item(self, item_name(self, None), &mut errors);
        errors
    }

    /// Whether this measure applies to entries of `list` at `point`.
    pub fn applies_to(&self, list: &NameList, point: DecisionPoint) -> bool {
        self.kind.is_measure() && self.lists.contains(list) && self.decision_points.contains(&point)
    }
}

/// Automatic entry criteria of a scope: at least `min_count` active records of `category`
/// matching every given filter, decided within the last `window_months` months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRule {
    pub category: RecordCategory,
    /// Penalties only: the least severity ([`crate::publicity::severity`]) that counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_severity: Option<Severity>,
    /// Penalties only: the 违法行为类型 must contain one of these (substring); empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violation_types: Vec<String>,
    /// Penalties only: the 处罚类别 must include one of these; empty = any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub penalty_kinds: Vec<PenaltyKind>,
    /// At least this many matching records (≥ 1).
    pub min_count: u32,
    /// Within this many months before the day of evaluation (≥ 1).
    pub window_months: u32,
}

/// A rule text that cannot be read (see [`EntryRule::parse_text`]); the message is Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleTextError(pub String);

impl EntryRule {
    /// The compact text form used in spreadsheets, clauses joined with `;`:
    /// `类别=行政处罚;违法行为类型含=超限;处罚类别=罚款、吊销许可证件;次数>=2;期间=12个月;严重程度>=一般`.
    /// Empty filters are left out. Several 违法行为类型 fragments or 处罚类别 are joined with 、.
    pub fn to_text(&self) -> String {
        let mut clauses = vec![format!("类别={}", self.category.label())];
        if !self.violation_types.is_empty() {
            clauses.push(format!(
                "违法行为类型含={}",
                self.violation_types.join("、")
            ));
        }
        if !self.penalty_kinds.is_empty() {
            let kinds: Vec<&str> = self.penalty_kinds.iter().map(|k| k.label()).collect();
            clauses.push(format!("处罚类别={}", kinds.join("、")));
        }
        clauses.push(format!("次数>={}", self.min_count));
        clauses.push(format!("期间={}个月", self.window_months));
        if let Some(s) = self.min_severity {
            clauses.push(format!("严重程度>={}", s.label()));
        }
        clauses.join(";")
    }

    /// Reads the text of [`EntryRule::to_text`]. Clauses are separated by `;` or `；`, in any
    /// order, with spaces allowed; `≥` may stand for `>=`; lists are separated by `、` or `|`;
    /// `期间` takes `12个月` or `12`. Required: `类别`, `次数>=`, `期间`. Sanity (counts ≥ 1,
    /// penalty filters only on penalties) is [`ListPolicy::validate`]'s.
    pub fn parse_text(text: &str) -> Result<EntryRule, RuleTextError> {
        let err = |m: String| Err(RuleTextError(m));
        let mut category = None;
        let mut min_severity = None;
        let mut violation_types: Option<Vec<String>> = None;
        let mut penalty_kinds: Option<Vec<PenaltyKind>> = None;
        let mut min_count = None;
        let mut window_months = None;
        let mut seen: Vec<String> = Vec::new();
        let split_list = |v: &str| -> Vec<String> {
            v.split(['、', '|'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        for clause in text.split([';', '；']).map(str::trim) {
            if clause.is_empty() {
                continue;
            }
            let clause = clause
                .replace('≥', ">=")
                .replace('＝', "=")
                .replace('＞', ">");
            let Some(op_at) = clause.find(['>', '=']) else {
                return err(format!("“{clause}”缺少“=”或“>=”，应写为如“次数>=2”的形式"));
            };
            let key = clause[..op_at].trim().to_string();
            let rest = &clause[op_at..];
            let (ge, value) = match rest.strip_prefix(">=") {
                Some(v) => (true, v.trim()),
                None => match rest.strip_prefix('=') {
                    Some(v) => (false, v.trim()),
                    None => {
                        return err(format!("“{clause}”的比较符应为“=”或“>=”"));
                    }
                },
            };
            if seen.contains(&key) {
                return err(format!("“{key}”出现多次"));
            }
            seen.push(key.clone());
            if value.is_empty() {
                return err(format!("“{key}”没有取值"));
            }
            match key.as_str() {
                "类别" => {
                    if ge {
                        return err("类别应写为“类别=行政处罚”或“类别=行政许可”".to_string());
                    }
                    category = Some(category_from_label(value).ok_or_else(|| {
                        RuleTextError(format!("类别“{value}”应为“行政处罚”或“行政许可”"))
                    })?);
                }
                "违法行为类型含" | "违法行为类型" => {
                    if ge {
                        return err("违法行为类型应写为“违法行为类型含=超限”".to_string());
                    }
                    violation_types = Some(split_list(value));
                }
                "处罚类别" | "处罚类别含" => {
                    if ge {
                        return err("处罚类别应写为“处罚类别=罚款、吊销许可证件”".to_string());
                    }
                    let mut kinds = Vec::new();
                    for label in split_list(value) {
                        let kind = PenaltyKind::from_label(&label).ok_or_else(|| {
                            RuleTextError(format!(
                                "“{label}”不是处罚类别，应为以下之一：{}",
                                PenaltyKind::ALL.map(PenaltyKind::label).join("、")
                            ))
                        })?;
                        kinds.push(kind);
                    }
                    penalty_kinds = Some(kinds);
                }
                "次数" => {
                    if !ge {
                        return err(format!("次数应写为“次数>={value}”"));
                    }
                    let n = value.trim_end_matches('次').trim();
                    min_count = Some(
                        n.parse::<u32>()
                            .map_err(|_| RuleTextError(format!("次数“{value}”不是非负整数")))?,
                    );
                }
                "期间" | "时间范围" => {
                    if ge {
                        return err(format!("期间应写为“期间={value}”"));
                    }
                    let n = value.trim_end_matches("个月").trim_end_matches('月').trim();
                    window_months = Some(n.parse::<u32>().map_err(|_| {
                        RuleTextError(format!("期间“{value}”应为月数，如“12个月”"))
                    })?);
                }
                "严重程度" => {
                    if !ge {
                        return err(format!(
                            "严重程度应写为“严重程度>={value}”（表示不低于该程度）"
                        ));
                    }
                    min_severity = Some(severity_from_label(value).ok_or_else(|| {
                        RuleTextError(format!("严重程度“{value}”应为轻微、一般或严重"))
                    })?);
                }
                other => {
                    return err(format!(
                        "未知的条件“{other}”，可用的条件为：类别、违法行为类型含、处罚类别、次数、期间、严重程度"
                    ));
                }
            }
        }
        let Some(category) = category else {
            return err("缺少“类别=行政处罚”或“类别=行政许可”".to_string());
        };
        let Some(min_count) = min_count else {
            return err("缺少次数条件，如“次数>=2”".to_string());
        };
        let Some(window_months) = window_months else {
            return err("缺少期间条件，如“期间=12个月”".to_string());
        };
        Ok(EntryRule {
            category,
            min_severity,
            violation_types: violation_types.unwrap_or_default(),
            penalty_kinds: penalty_kinds.unwrap_or_default(),
            min_count,
            window_months,
        })
    }

    /// The records counted, in Chinese: `违法行为类型含“超限”、严重程度不低于一般的行政处罚`.
    pub fn describe(&self) -> String {
        let mut filters = Vec::new();
        if !self.violation_types.is_empty() {
            filters.push(format!(
                "违法行为类型含“{}”",
                self.violation_types.join("”或“")
            ));
        }
        if !self.penalty_kinds.is_empty() {
            let kinds: Vec<&str> = self.penalty_kinds.iter().map(|k| k.label()).collect();
            filters.push(format!("处罚类别含“{}”", kinds.join("”或“")));
        }
        match self.min_severity {
            Some(Severity::Serious) => filters.push("属严重违法失信行为".to_string()),
            Some(s) => filters.push(format!("严重程度不低于{}", s.label())),
            None => {}
        }
        if filters.is_empty() {
            self.category.label().to_string()
        } else {
            format!("{}的{}", filters.join("、"), self.category.label())
        }
    }

    /// Whether one record body passes the rule's filters (not the status, window or count).
    pub fn matches(&self, body: &RecordBody, policy: &PublicityPolicy) -> bool {
        if body.category() != self.category {
            return false;
        }
        match body {
            RecordBody::License(_) => {
                self.violation_types.is_empty()
                    && self.penalty_kinds.is_empty()
                    && self.min_severity.is_none()
            }
            RecordBody::Penalty(p) => {
                let violation = p.violation_type.trim();
                (self.violation_types.is_empty()
                    || self
                        .violation_types
                        .iter()
                        .any(|t| violation.contains(t.trim())))
                    && (self.penalty_kinds.is_empty()
                        || p.kinds.iter().any(|k| self.penalty_kinds.contains(k)))
                    && self
                        .min_severity
                        .is_none_or(|min| severity(p, policy) >= min)
            }
        }
    }
}

impl fmt::Display for EntryRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl FromStr for EntryRule {
    type Err = RuleTextError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntryRule::parse_text(s)
    }
}

// ---------------------------------------------------------------------------------------------
// The policy
// ---------------------------------------------------------------------------------------------

/// Errors of loading, checking or changing a list policy. Chinese, naming the item and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListPolicyError {
    /// The text is not a list policy (bad JSON, unknown keys, unknown values).
    #[error("四张清单政策文件格式错误：{0}")]
    Parse(String),
    /// The version as a whole is invalid (its header, or a change that would go backwards).
    #[error("四张清单政策无效：{0}")]
    Invalid(String),
    /// One item is invalid. `field` is the Chinese field name with the JSON key in brackets,
    /// e.g. `措施内容（content）`; `message` completes the sentence.
    #[error("四张清单条目 {id} 的“{field}”{message}")]
    Item {
        id: String,
        field: &'static str,
        message: String,
    },
}

impl ListPolicyError {
    /// The item the error is about, if any.
    pub fn item_id(&self) -> Option<&str> {
        match self {
            ListPolicyError::Item { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The Chinese field name without the JSON key (`措施内容`), for item errors.
    pub fn field_label(&self) -> Option<&'static str> {
        match self {
            ListPolicyError::Item { field, .. } => field.split('（').next(),
            _ => None,
        }
    }
}

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

fn parse_rfc3339(text: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(text.trim()).ok()
}

/// serde_json's messages without the position, with the two commonest in Chinese.
fn json_message(e: &serde_json::Error) -> String {
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

/// How an item is named in an error: its id, or its position when the id is blank.
fn item_name(item: &PolicyItem, index: Option<usize>) -> String {
    let id = item.id.trim();
    match index {
        _ if !id.is_empty() => id.to_string(),
        Some(index) => format!("（第 {} 条，编号为空）", index + 1),
        None => "（编号为空）".to_string(),
    }
}

fn check_item(item: &PolicyItem, id: String, errors: &mut Vec<ListPolicyError>) {
    let mut push = |field: &'static str, message: String| {
        errors.push(ListPolicyError::Item {
            id: id.clone(),
            field,
            message,
        });
    };
    if item.id.trim().is_empty() {
        push("编号（id）", "不能为空".to_string());
    } else if item.id.chars().any(char::is_whitespace) {
        push("编号（id）", "不能含空格".to_string());
    }
    for (field, text) in [
        ("名称（title）", &item.title),
        ("实施主体（acting_unit）", &item.acting_unit),
        ("实施事由（cause）", &item.cause),
        ("法律依据（legal_basis）", &item.legal_basis),
        ("措施内容（content）", &item.content),
        ("所需证据（evidence）", &item.evidence),
    ] {
        if text.trim().is_empty() {
            push(field, "不能为空".to_string());
        }
    }
    if item.implementing_units.is_empty() {
        push("实施单位（implementing_units）", "至少应有一个".to_string());
    }
    check_texts(
        &item.implementing_units,
        TextList {
            field: "实施单位（implementing_units）",
            what: "单位",
            separators: &UNIT_SEPARATORS,
            shown: "、，, ；;",
        },
        &mut push,
    );
    for (i, point) in item.decision_points.iter().enumerate() {
        if item.decision_points[..i].contains(point) {
            push(
                "适用环节（decision_points）",
                format!("中“{}”重复出现", point.label()),
            );
        }
    }
    for (i, list) in item.lists.iter().enumerate() {
        if let NameList::External(name) = list
            && name.trim().is_empty()
        {
            push("适用名单（lists）", "中有空白的外部名单名称".to_string());
        }
        if item.lists[..i].contains(list) {
            push(
                "适用名单（lists）",
                format!("中“{}”重复出现", list.qualified_label()),
            );
        }
    }

    if item.kind.is_scope() {
        if item.lists.len() != 1 {
            push(
                "适用名单（lists）",
                format!(
                    "应恰好为一个名单（{}条目列入的名单），现有 {} 个",
                    item.kind.label(),
                    item.lists.len()
                ),
            );
        }
        if let Some(list) = item.lists.first() {
            let fits = match item.kind {
                ItemKind::HonestScope => matches!(list, NameList::Red | NameList::External(_)),
                _ => !matches!(list, NameList::Red),
            };
            if !fits {
                push(
                    "适用名单（lists）",
                    format!(
                        "为“{}”，与清单类别“{}”不符",
                        list.label(),
                        item.kind.label()
                    ),
                );
            }
        }
        if let Some(effect) = item.effect {
            push(
                "效果（effect）",
                format!(
                    "为“{}”，范围条目不设效果（效果属于激励或惩戒措施）",
                    effect.label()
                ),
            );
        }
        let external = item.lists.first().is_some_and(NameList::is_external);
        match item.validity_months {
            None if !external => push(
                "有效期（validity_months）",
                "未设置：列入名单的有效期（月）为必填".to_string(),
            ),
            Some(m) if !(1..=MAX_MONTHS).contains(&m) => push(
                "有效期（validity_months）",
                format!("为 {m} 个月，应在 1–{MAX_MONTHS} 个月之间"),
            ),
            _ => {}
        }
        if let Some(rule) = &item.rule {
            if external {
                push(
                    "自动列入规则（rule）",
                    "不适用于外部名单：外部名单由其提供单位认定".to_string(),
                );
            }
            check_rule(rule, &mut push);
        }
    } else {
        match item.effect {
            None => push(
                "效果（effect）",
                format!("未设置：措施应为{}之一", Effect::all_labels()),
            ),
            Some(effect) => {
                let fits = match item.kind {
                    ItemKind::RewardMeasure => {
                        matches!(effect, Effect::Facilitate | Effect::Inform)
                    }
                    _ => !matches!(effect, Effect::Facilitate),
                };
                if !fits {
                    push(
                        "效果（effect）",
                        format!(
                            "为“{}”，与清单类别“{}”不符",
                            effect.label(),
                            item.kind.label()
                        ),
                    );
                }
            }
        }
        if item.lists.is_empty() {
            push(
                "适用名单（lists）",
                "未设置：措施应至少适用于一个名单".to_string(),
            );
        }
        for list in &item.lists {
            let fits = match item.kind {
                ItemKind::RewardMeasure => !matches!(list, NameList::Black | NameList::Watch),
                _ => !matches!(list, NameList::Red),
            };
            if !fits {
                push(
                    "适用名单（lists）",
                    format!(
                        "中的“{}”与清单类别“{}”不符",
                        list.label(),
                        item.kind.label()
                    ),
                );
            }
        }
        if item.decision_points.is_empty() {
            push(
                "适用环节（decision_points）",
                format!(
                    "未设置：措施应至少适用于一个环节（{}）",
                    DecisionPoint::all_labels()
                ),
            );
        }
        if let Some(m) = item.validity_months {
            push(
                "有效期（validity_months）",
                format!("为 {m} 个月，措施条目不设有效期（有效期属于范围条目）"),
            );
        }
        if item.rule.is_some() {
            push(
                "自动列入规则（rule）",
                "只能设在范围条目上，措施条目不设列入规则".to_string(),
            );
        }
    }
}

/// How a list of short texts in one field is checked.
struct TextList {
    field: &'static str,
    /// What one text is, for messages (单位, 违法行为类型).
    what: &'static str,
    /// Characters a text may not contain (they separate texts in spreadsheet cells).
    separators: &'static [char],
    /// The separators as shown to the user.
    shown: &'static str,
}

/// Blank texts, texts containing a separator, and repeated texts, each reported once.
fn check_texts(texts: &[String], list: TextList, push: &mut impl FnMut(&'static str, String)) {
    for (i, t) in texts.iter().enumerate() {
        if t.trim().is_empty() {
            push(list.field, format!("中有空白的{}", list.what));
        } else if t.contains(list.separators) {
            push(
                list.field,
                format!(
                    "中“{t}”含分隔符（{}），请拆分为多个{}",
                    list.shown, list.what
                ),
            );
        } else if texts[..i].iter().any(|u| u.trim() == t.trim()) {
            push(list.field, format!("中“{}”重复出现", t.trim()));
        }
    }
}

fn check_rule(rule: &EntryRule, push: &mut impl FnMut(&'static str, String)) {
    if rule.min_count == 0 {
        push(
            "自动列入规则（rule.min_count）",
            "次数为 0，应至少为 1".to_string(),
        );
    }
    if !(1..=MAX_MONTHS).contains(&rule.window_months) {
        push(
            "自动列入规则（rule.window_months）",
            format!(
                "期间为 {} 个月，应在 1–{MAX_MONTHS} 个月之间",
                rule.window_months
            ),
        );
    }
    if rule.category == RecordCategory::License
        && (rule.min_severity.is_some()
            || !rule.violation_types.is_empty()
            || !rule.penalty_kinds.is_empty())
    {
        push(
            "自动列入规则（rule.category）",
            "为行政许可，不能按严重程度、违法行为类型或处罚类别筛选".to_string(),
        );
    }
    check_texts(
        &rule.violation_types,
        TextList {
            field: "自动列入规则（rule.violation_types）",
            what: "违法行为类型",
            separators: &RULE_TEXT_RESERVED,
            shown: "; ； 、 | =",
        },
        push,
    );
    for (i, k) in rule.penalty_kinds.iter().enumerate() {
        if rule.penalty_kinds[..i].contains(k) {
            push(
                "自动列入规则（rule.penalty_kinds）",
                format!("中“{}”重复出现", k.label()),
            );
        }
    }
}

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
