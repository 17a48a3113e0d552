//! One item of the four lists, its automatic entry rule, and the checks of an item.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::publicity::{PublicityPolicy, Severity, severity};
use crate::record::{PenaltyKind, RecordBody, RecordCategory};

use super::vocab::*;

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

/// How an item is named in an error: its id, or its position when the id is blank.
pub(crate) fn item_name(item: &PolicyItem, index: Option<usize>) -> String {
    let id = item.id.trim();
    match index {
        _ if !id.is_empty() => id.to_string(),
        Some(index) => format!("（第 {} 条，编号为空）", index + 1),
        None => "（编号为空）".to_string(),
    }
}

pub(crate) fn check_item(item: &PolicyItem, id: String, errors: &mut Vec<ListPolicyError>) {
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

pub(crate) fn check_rule(rule: &EntryRule, push: &mut impl FnMut(&'static str, String)) {
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
