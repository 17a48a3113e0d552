//! Government information disclosure (政务公开, RULES.md §8; seed 004): the catalogue of
//! actively disclosed information (主动公开目录) with 索引号 and the metadata bureau sites show,
//! the confidentiality review (保密审查) that signs every item off before it is public, the
//! negative list (负面清单) that blocks publication, publication deadlines explained like the
//! workflow clocks, the register of 规范性文件 with 清理 decisions, 重大决策预公开 (a draft open
//! for comment and the published adoption summary), and the annual report's arithmetic
//! (`annual`). Categories, codes, the negative list and the deadlines are policy data
//! (`data/policy/disclosure.toml`).

pub mod annual;
pub mod requests;

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::stats::ClockTally;
use crate::workflow::{Clock, ClockStatus, Due};

pub const DEFAULT_DISCLOSURE_TOML: &str = include_str!("../../../../data/policy/disclosure.toml");

// ---------------------------------------------------------------------------------------------
// Policy

/// A sub-column (栏目) of a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub id: String,
    pub label: String,
    /// Items here are 规范性文件 (the register: validity and 清理 decisions).
    #[serde(default)]
    pub normative: bool,
    /// Items here are drafts of major decisions open for comment (重大决策预公开).
    #[serde(default)]
    pub consultation: bool,
}

/// A category of the 五公开 (决策、执行、管理、服务、结果).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub label: String,
    pub columns: Vec<Column>,
}

/// A publication deadline: `workdays` working days after the day named by `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRule {
    pub column: String,
    pub workdays: u32,
    /// The day the count starts from, in Chinese (所解读文件公开之日 …).
    pub from: String,
    pub basis: String,
}

/// A line of the negative list: terms, or a built-in detector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NegativeItem {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub terms: Vec<String>,
    /// `citizen_id` or `mobile`.
    #[serde(default)]
    pub detect: Option<String>,
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosurePolicy {
    pub version: u32,
    #[serde(default)]
    pub note: String,
    #[serde(default = "one")]
    pub near_due: u32,
    #[serde(default)]
    pub index_codes: BTreeMap<String, String>,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(default, rename = "deadline")]
    pub deadlines: Vec<DeadlineRule>,
    #[serde(default, rename = "negative")]
    pub negative: Vec<NegativeItem>,
    /// 依申请公开: channels, 告知书 texts, fees.
    pub requests: requests::RequestPolicy,
}

fn one() -> u32 {
    1
}

const DETECTORS: [&str; 2] = ["citizen_id", "mobile"];

impl DisclosurePolicy {
    pub fn builtin() -> &'static DisclosurePolicy {
        static BUILTIN: std::sync::OnceLock<DisclosurePolicy> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            DisclosurePolicy::from_toml(DEFAULT_DISCLOSURE_TOML)
                .expect("data/policy/disclosure.toml is valid (tested)")
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: DisclosurePolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut ids = HashSet::new();
        for c in &p.categories {
            if !ids.insert(c.id.as_str()) {
                return Err(format!("分类 {} 重复", c.id));
            }
            for col in &c.columns {
                if !ids.insert(col.id.as_str()) {
                    return Err(format!("栏目 {} 重复", col.id));
                }
            }
        }
        p.requests.check()?;
        for d in &p.deadlines {
            if p.column(&d.column).is_none() {
                return Err(format!("公开期限所指栏目 {} 不存在", d.column));
            }
            if d.workdays == 0 {
                return Err(format!("栏目 {} 的公开期限须至少1个工作日", d.column));
            }
        }
        for n in &p.negative {
            match &n.detect {
                Some(d) if !DETECTORS.contains(&d.as_str()) => {
                    return Err(format!(
                        "负面清单 {} 的识别方式 {d} 无效，应为 {}",
                        n.id,
                        DETECTORS.join(" 或 ")
                    ));
                }
                None if n.terms.iter().all(|t| t.trim().is_empty()) => {
                    return Err(format!("负面清单 {} 没有关键词也没有识别方式", n.id));
                }
                _ => {}
            }
        }
        for (unit, code) in &p.index_codes {
            if code.is_empty() || code.contains('/') || code.chars().any(char::is_whitespace) {
                return Err(format!("单位 {unit} 的索引号代码“{code}”无效"));
            }
        }
        Ok(p)
    }

    /// The column and its category.
    pub fn column(&self, id: &str) -> Option<(&Category, &Column)> {
        self.categories.iter().find_map(|c| {
            c.columns
                .iter()
                .find(|col| col.id == id)
                .map(|col| (c, col))
        })
    }

    /// A column by id or by its label (forms and the CLI accept either).
    pub fn column_named(&self, s: &str) -> Option<(&Category, &Column)> {
        let s = s.trim();
        self.column(s).or_else(|| {
            self.categories.iter().find_map(|c| {
                c.columns
                    .iter()
                    .find(|col| col.label == s)
                    .map(|col| (c, col))
            })
        })
    }

    pub fn deadline(&self, column: &str) -> Option<&DeadlineRule> {
        self.deadlines.iter().find(|d| d.column == column)
    }

    /// The code a unit's index numbers start with.
    pub fn index_code(&self, unit: &str) -> String {
        self.index_codes
            .get(unit)
            .cloned()
            .unwrap_or_else(|| unit.to_string())
    }

    /// The negative-list lines that `texts` hit, each with what matched (a detector's match is
    /// shown masked: the reason must not repeat the personal data it found).
    pub fn negative_hits(&self, texts: &[&str]) -> Vec<NegativeHit> {
        let mut out = Vec::new();
        for n in &self.negative {
            let mut matched: Vec<String> = Vec::new();
            for t in &n.terms {
                let t = t.trim();
                if !t.is_empty() && texts.iter().any(|x| x.contains(t)) {
                    matched.push(t.to_string());
                }
            }
            if let Some(d) = &n.detect {
                for x in texts {
                    if let Some(m) = detect(d, x) {
                        matched.push(m);
                        break;
                    }
                }
            }
            if !matched.is_empty() {
                out.push(NegativeHit {
                    id: n.id.clone(),
                    label: n.label.clone(),
                    matched,
                    basis: n.basis.clone(),
                });
            }
        }
        out
    }
}

/// A negative-list line hit, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeHit {
    pub id: String,
    pub label: String,
    /// What matched (terms as written, personal data masked).
    pub matched: Vec<String>,
    pub basis: String,
}

impl NegativeHit {
    /// The reason, in one Chinese sentence.
    pub fn reason(&self) -> String {
        format!(
            "命中负面清单“{}”（{}），依据：{}",
            self.label,
            self.matched.join("、"),
            self.basis
        )
    }
}

/// The first match of a detector in `text`, masked.
fn detect(detector: &str, text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let runs = digit_runs(&chars);
    match detector {
        "citizen_id" => runs.into_iter().find_map(|run| {
            (run.len() == 18).then_some(())?;
            let s: String = run.iter().collect();
            crate::ident::CitizenId::parse(&s)
                .ok()
                .map(|c| format!("公民身份号码 {}", c.masked()))
        }),
        "mobile" => runs.into_iter().find_map(|run| {
            let s: String = run.iter().collect();
            (s.len() == 11
                && s.starts_with('1')
                && matches!(&s[1..2], "3" | "4" | "5" | "6" | "7" | "8" | "9"))
            .then(|| format!("手机号码 {}****{}", &s[..3], &s[7..]))
        }),
        _ => None,
    }
}

/// Maximal runs of ASCII digits (with a trailing X/x kept, for citizen IDs).
fn digit_runs(chars: &[char]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    let mut cur: Vec<char> = Vec::new();
    for &c in chars {
        if c.is_ascii_digit() || ((c == 'X' || c == 'x') && cur.len() == 17) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Index numbers (索引号)

/// `单位代码/年份-五位流水号`, e.g. `14252524/2026-00150`: per unit and year, numbered in order
/// of publication.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexNo {
    pub code: String,
    pub year: i32,
    pub seq: u32,
}

impl IndexNo {
    pub fn parse(s: &str) -> Result<IndexNo, String> {
        let bad =
            || format!("索引号“{s}”格式应为 单位代码/年份-五位流水号（如 14252524/2026-00150）");
        let (code, rest) = s.trim().split_once('/').ok_or_else(bad)?;
        let (year, seq) = rest.split_once('-').ok_or_else(bad)?;
        if code.is_empty()
            || code.chars().any(char::is_whitespace)
            || year.len() != 4
            || seq.len() != 5
            || !year.bytes().all(|b| b.is_ascii_digit())
            || !seq.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let seq: u32 = seq.parse().map_err(|_| bad())?;
        if seq == 0 {
            return Err(bad());
        }
        Ok(IndexNo {
            code: code.to_string(),
            year: year.parse().map_err(|_| bad())?,
            seq,
        })
    }

    /// The number after `last` (the unit's highest this year, if any).
    pub fn next(code: &str, year: i32, last: Option<u32>) -> Result<IndexNo, String> {
        let seq = last.unwrap_or(0) + 1;
        if seq > 99_999 {
            return Err(format!(
                "{code} 在 {year} 年的索引号已用完（最多 99999 个）"
            ));
        }
        Ok(IndexNo {
            code: code.to_string(),
            year,
            seq,
        })
    }
}

impl fmt::Display for IndexNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:04}-{:05}", self.code, self.year, self.seq)
    }
}

impl Serialize for IndexNo {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IndexNo {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IndexNo::parse(&s).map_err(serde::de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// Items

/// 公开属性.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Openness {
    /// 主动公开
    Active,
    /// 依申请公开
    OnRequest,
    /// 不予公开
    Withheld,
}

impl Openness {
    pub fn label(self) -> &'static str {
        match self {
            Openness::Active => "主动公开",
            Openness::OnRequest => "依申请公开",
            Openness::Withheld => "不予公开",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "主动公开" | "active" => Some(Openness::Active),
            "依申请公开" | "on_request" => Some(Openness::OnRequest),
            "不予公开" | "withheld" => Some(Openness::Withheld),
            _ => None,
        }
    }
}

/// 时效.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Validity {
    /// 有效
    Valid,
    /// 失效
    Expired,
    /// 废止
    Repealed,
}

impl Validity {
    pub fn label(self) -> &'static str {
        match self {
            Validity::Valid => "有效",
            Validity::Expired => "失效",
            Validity::Repealed => "废止",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "有效" | "valid" => Some(Validity::Valid),
            "失效" | "expired" => Some(Validity::Expired),
            "废止" | "repealed" => Some(Validity::Repealed),
            _ => None,
        }
    }
}

/// An attachment, stored content-addressed (the store's `attachments` by SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub sha256: String,
    pub file_name: String,
    pub size: u64,
}

/// The deadline rule in force when the item was drafted, copied into the item (policy enters
/// as facts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineFact {
    pub workdays: u32,
    /// The day it counts from, e.g. the interpreted document's publication.
    pub from_on: NaiveDate,
    /// The rule, in Chinese, with the policy version.
    pub rule: String,
}

/// An item as drafted by a unit (信息名称, 成文日期, 文号, 主题词, 内容概览 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisclosureItem {
    pub id: String,
    /// The publishing unit (发布机构), an id of the organisation tree.
    pub unit: String,
    /// The category's id, as the policy had it at drafting.
    pub category: String,
    /// The sub-column's id.
    pub column: String,
    /// 信息名称
    pub title: String,
    /// 文号
    #[serde(default)]
    pub doc_no: String,
    /// 成文日期
    pub written_on: NaiveDate,
    /// 主题词
    #[serde(default)]
    pub keywords: Vec<String>,
    /// 内容概览
    pub summary: String,
    /// 正文
    #[serde(default)]
    pub body: String,
    pub openness: Openness,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineFact>,
    /// 重大决策预公开: the last day comments are received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_until: Option<NaiveDate>,
    pub drafted_by: String,
    pub drafted_on: NaiveDate,
    /// The disclosure policy version the draft was checked against.
    pub policy_version: u32,
}

impl DisclosureItem {
    /// Every text the negative list is checked over.
    pub fn texts(&self) -> Vec<&str> {
        let mut t: Vec<&str> = vec![&self.title, &self.doc_no, &self.summary, &self.body];
        t.extend(self.keywords.iter().map(String::as_str));
        t.extend(self.attachments.iter().map(|a| a.file_name.as_str()));
        t
    }
}

/// 待审查 / 退回修改 / 已公开.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Draft,
    Returned,
    Published,
}

impl ItemStatus {
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Draft => "待保密审查",
            ItemStatus::Returned => "退回修改",
            ItemStatus::Published => "已公开",
        }
    }

    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "draft" | "待保密审查" => Some(ItemStatus::Draft),
            "returned" | "退回修改" => Some(ItemStatus::Returned),
            "published" | "已公开" => Some(ItemStatus::Published),
            _ => None,
        }
    }
}

/// The office's confidentiality review and sign-off (保密审查、签字确认).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOff {
    pub by: String,
    pub on: NaiveDate,
    pub approved: bool,
    /// 审查结论
    pub conclusion: String,
    /// Negative-list hits found at review (an approval has none).
    #[serde(default)]
    pub hits: Vec<NegativeHit>,
}

/// A 清理 decision on a 规范性文件 (保留、修改、废止、宣布失效), published with the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cleanup {
    /// 保留 / 修改 / 废止 / 宣布失效
    pub decision: String,
    pub validity: Validity,
    pub reason: String,
    pub on: NaiveDate,
    pub by: String,
}

/// A comment received on a draft decision (the commenter is not kept: only the text, day and
/// channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub received_on: NaiveDate,
    /// 网站 / 信函 / 座谈会 …
    pub channel: String,
    pub text: String,
}

/// The published summary of what was adopted and why the rest was not (意见采纳情况).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    pub adopted: String,
    pub not_adopted: String,
    pub on: NaiveDate,
    pub by: String,
}

/// An item's state, folded from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemState {
    pub item: DisclosureItem,
    pub status: ItemStatus,
    /// Every review, the last one deciding.
    #[serde(default)]
    pub reviews: Vec<SignOff>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_no: Option<IndexNo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_on: Option<NaiveDate>,
    pub validity: Validity,
    #[serde(default)]
    pub cleanups: Vec<Cleanup>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption: Option<Adoption>,
}

impl ItemState {
    /// Shown on the public catalogue: published, 主动公开.
    pub fn is_public(&self) -> bool {
        self.status == ItemStatus::Published && self.item.openness == Openness::Active
    }

    /// The publication clock, when the column has a deadline.
    pub fn clock(&self) -> Option<Clock> {
        let d = self.item.deadline.as_ref()?;
        Some(Clock {
            key: "publish".into(),
            label: "公开".into(),
            unit: self.item.unit.clone(),
            rule: d.rule.clone(),
            start: d.from_on,
            workdays: d.workdays,
            extensions: Vec::new(),
            suspensions: Vec::new(),
            done_on: self.published_on,
        })
    }

    /// The due date with its explanation (as the workflow clocks explain theirs).
    pub fn due(&self, cal: &Calendar, today: NaiveDate) -> Option<Due> {
        self.clock().map(|c| c.due(cal, today))
    }

    /// 按期公开 / 逾期公开 / 临期 / 已逾期 / 办理中.
    pub fn clock_status(
        &self,
        cal: &Calendar,
        today: NaiveDate,
        near_due: u32,
    ) -> Option<ClockStatus> {
        self.clock().map(|c| c.status(cal, today, near_due))
    }

    /// Comments are open on `day`: a published draft decision before its comment deadline
    /// and with no adoption summary yet.
    pub fn open_for_comment(&self, day: NaiveDate) -> bool {
        self.status == ItemStatus::Published
            && self.adoption.is_none()
            && self.item.comment_until.is_some_and(|u| day <= u)
            && self.published_on.is_some_and(|p| day >= p)
    }
}

/// One step of an item, as the events carry it.
#[derive(Debug, Clone, Copy)]
pub enum ItemStep<'a> {
    Drafted(&'a DisclosureItem),
    SignedOff {
        sign_off: &'a SignOff,
        index_no: Option<&'a IndexNo>,
    },
    Cleaned(&'a Cleanup),
    Commented(&'a Comment),
    Adopted(&'a Adoption),
}

/// Applies a step. The rules the ledger itself guarantees: no sign-off without a draft awaiting
/// review; an approval carries an index number and no negative-list hit; a rejection carries no
/// index number; 清理 only on a published 规范性文件 (the draft must be of a column the caller
/// marks normative — checked by the service), comments only while open, one adoption summary.
pub fn apply(state: Option<ItemState>, step: ItemStep<'_>) -> Result<ItemState, String> {
    match (state, step) {
        (None, ItemStep::Drafted(item)) => Ok(ItemState {
            item: item.clone(),
            status: ItemStatus::Draft,
            reviews: Vec::new(),
            index_no: None,
            published_on: None,
            validity: Validity::Valid,
            cleanups: Vec::new(),
            comments: Vec::new(),
            adoption: None,
        }),
        (Some(mut s), ItemStep::Drafted(item)) => {
            if s.status != ItemStatus::Returned {
                return Err(format!("信息 {} 不在退回修改状态，不能重新起草", item.id));
            }
            if s.item.unit != item.unit {
                return Err(format!("信息 {} 不能改由其他单位起草", item.id));
            }
            s.item = item.clone();
            s.status = ItemStatus::Draft;
            Ok(s)
        }
        (None, _) => Err("信息不存在".into()),
        (Some(mut s), ItemStep::SignedOff { sign_off, index_no }) => {
            if s.status != ItemStatus::Draft {
                return Err(format!(
                    "信息 {} 状态为{}，不能审查",
                    s.item.id,
                    s.status.label()
                ));
            }
            if sign_off.by == s.item.drafted_by {
                return Err("保密审查须由起草人以外的人员进行".into());
            }
            match (sign_off.approved, index_no) {
                (true, Some(n)) => {
                    if !sign_off.hits.is_empty() {
                        return Err("命中负面清单的信息不能公开".into());
                    }
                    s.status = ItemStatus::Published;
                    s.index_no = Some(n.clone());
                    s.published_on = Some(sign_off.on);
                }
                (true, None) => return Err("同意公开须编制索引号".into()),
                (false, None) => s.status = ItemStatus::Returned,
                (false, Some(_)) => return Err("未同意公开的信息不编索引号".into()),
            }
            s.reviews.push(sign_off.clone());
            Ok(s)
        }
        (Some(mut s), ItemStep::Cleaned(c)) => {
            if s.status != ItemStatus::Published {
                return Err(format!("信息 {} 尚未公开，不能作清理决定", s.item.id));
            }
            if s.validity != Validity::Valid {
                return Err(format!(
                    "信息 {} 已{}，不能再作清理决定",
                    s.item.id,
                    s.validity.label()
                ));
            }
            s.validity = c.validity;
            s.cleanups.push(c.clone());
            Ok(s)
        }
        (Some(mut s), ItemStep::Commented(c)) => {
            if !s.open_for_comment(c.received_on) {
                return Err(format!(
                    "信息 {} 在 {} 不在征求意见期内",
                    s.item.id, c.received_on
                ));
            }
            s.comments.push(c.clone());
            Ok(s)
        }
        (Some(mut s), ItemStep::Adopted(a)) => {
            if s.item.comment_until.is_none() || s.status != ItemStatus::Published {
                return Err(format!("信息 {} 不是已公开的征求意见稿", s.item.id));
            }
            if s.adoption.is_some() {
                return Err(format!("信息 {} 已公布意见采纳情况", s.item.id));
            }
            if s.item.comment_until.is_some_and(|u| a.on <= u) {
                return Err("征求意见期结束后才能公布采纳情况".into());
            }
            s.adoption = Some(a.clone());
            Ok(s)
        }
    }
}

/// The deadline fact for a draft of `column`, when the column has a rule: `from_on` is the
/// day it counts from (required then).
pub fn deadline_for(
    policy: &DisclosurePolicy,
    column: &str,
    from_on: Option<NaiveDate>,
) -> Result<Option<DeadlineFact>, String> {
    let Some(rule) = policy.deadline(column) else {
        return Ok(None);
    };
    let from_on = from_on.ok_or_else(|| {
        format!(
            "该栏目有公开期限（{}后{}个工作日内），须填写“{}”",
            rule.from, rule.workdays, rule.from
        )
    })?;
    Ok(Some(DeadlineFact {
        workdays: rule.workdays,
        from_on,
        rule: format!(
            "{}后{}个工作日内公开（{}；政务公开政策第{}版）",
            rule.from, rule.workdays, rule.basis, policy.version
        ),
    }))
}

/// On-time publication per unit (only items with a deadline count): the same tally as the
/// workflow clocks (`kind` = `disclosure`).
pub fn on_time_rates(
    items: &[ItemState],
    cal: &Calendar,
    today: NaiveDate,
    near_due: u32,
) -> Vec<ClockTally> {
    let mut rows: BTreeMap<String, ClockTally> = BTreeMap::new();
    for s in items {
        let Some(status) = s.clock_status(cal, today, near_due) else {
            continue;
        };
        if s.status == ItemStatus::Published && s.item.openness != Openness::Active {
            continue;
        }
        let row = rows
            .entry(s.item.unit.clone())
            .or_insert_with(|| ClockTally {
                unit: s.item.unit.clone(),
                kind: "disclosure".into(),
                ..ClockTally::default()
            });
        row.clocks += 1;
        match status {
            ClockStatus::DoneOnTime => row.done_on_time += 1,
            ClockStatus::DoneLate => row.done_late += 1,
            ClockStatus::Overdue => {
                row.open += 1;
                row.overdue += 1;
            }
            _ => row.open += 1,
        }
    }
    rows.into_values()
        .map(|mut r| {
            let due = r.done_on_time + r.done_late + r.overdue;
            r.on_time_rate = (due > 0).then(|| r.done_on_time as f64 / due as f64);
            r
        })
        .collect()
}

/// Catalogue search: every word of `q` appears in the title, index number, document number,
/// keywords or overview (case-insensitive for Latin letters).
pub fn matches(s: &ItemState, q: &str) -> bool {
    let hay = format!(
        "{} {} {} {} {}",
        s.item.title,
        s.index_no
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default(),
        s.item.doc_no,
        s.item.keywords.join(" "),
        s.item.summary
    )
    .to_lowercase();
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

/// The year of a day, for index numbers.
pub fn year_of(day: NaiveDate) -> i32 {
    day.year()
}

#[cfg(test)]
mod tests;
