//! Publicity (公示) of 双公示 records: how long a licence or a penalty is public, whether a
//! penalty is published at all, and whether a decision was reported in time (RULES.md §3–4).
//!
//! Every number here is versioned policy ([`PublicityPolicy`], loaded from
//! `data/policy/publicity.toml`), never a constant in code. Every answer carries a Chinese
//! explanation naming the rule, the months, the basis and the policy version.
//!
//! Period convention: a period of N months counted from the decision date ends on the day N
//! months later with the same day of the month, or on that month's last day when it has no such
//! day (what [`NaiveDate::checked_add_months`] computes), and that end day is still public. This
//! follows the Civil Code's rule for periods in months (《民法典》第二百零一条、第二百零二条: the
//! start day is not counted; the corresponding day of the final month is the last day, the
//! month's last day when there is none). So a general penalty decided 2025-03-03 is public from
//! 2025-03-03 through 2026-03-03 and its minimum period ends 2025-06-03.

use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use crate::calendar::{Calendar, CalendarError};
use crate::record::{LicenseRecord, PenaltyKind, PenaltyRecord, RecordBody, is_long_term};

/// The publicity policy shipped with the program (RULES.md defaults).
pub const DEFAULT_PUBLICITY_POLICY_TOML: &str = include_str!("../../../data/policy/publicity.toml");

/// Largest period a policy may set, in months (100 years): anything longer is a typo.
const MAX_PERIOD_MONTHS: u32 = 1200;

/// Largest reporting deadline a policy may set, in working days.
const MAX_REPORT_DEADLINE_WORKDAYS: u32 = 250;

/// Errors of loading or checking a publicity policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The policy file could not be read as a policy.
    #[error("公示政策文件格式错误：{0}")]
    Parse(String),
    /// The policy was read but its values contradict each other or the rules.
    #[error("公示政策无效：{0}")]
    Invalid(String),
}

/// The publicity period of one severity class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodRule {
    /// Whether penalties of this class are published at all.
    pub published: bool,
    /// Minimum period in months: credit repair can end publicity only after it.
    pub min_months: u32,
    /// Maximum period in months: publicity ends automatically after it.
    pub max_months: u32,
}

/// How long licences are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenseRule {
    /// Public until the licence's valid-to (有效期至); otherwise public with no end. A valid-to
    /// of 2099-12-31 (长期) means no end either way.
    pub until_valid_to: bool,
}

/// The versioned publicity policy (RULES.md §3–4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicityPolicy {
    /// Identifies the policy in explanations, e.g. "2026-04-01".
    pub version: String,
    /// First decision date the policy applies to. Choosing the policy for a date is the caller's.
    #[serde(deserialize_with = "de_date")]
    pub effective_from: NaiveDate,
    /// Legal basis text shown in explanations.
    pub basis: String,
    /// A decision is published within this many working days of its decision date.
    pub report_deadline_workdays: u32,
    /// 轻微
    pub minor: PeriodRule,
    /// 一般
    pub general: PeriodRule,
    /// 严重
    pub serious: PeriodRule,
    /// A penalty carrying any of these kinds is serious.
    #[serde(deserialize_with = "de_kinds")]
    pub serious_kinds: Vec<PenaltyKind>,
    /// A penalty whose kinds all belong to this set is not published (警告 only).
    #[serde(deserialize_with = "de_kinds")]
    pub unpublished_only_kinds: Vec<PenaltyKind>,
    /// 违法行为类型 (CF_WFXW) values classed minor, compared after trimming.
    pub minor_violation_types: Vec<String>,
    /// Licences.
    pub license: LicenseRule,
}

/// Accepts a date as `"YYYY-MM-DD"` text (any format) or as a TOML local date.
fn de_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    let text = match toml::Value::deserialize(deserializer)? {
        toml::Value::String(s) => s,
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "{other} 不是日期，应写为 YYYY-MM-DD"
            )));
        }
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| D::Error::custom(format!("“{text}”不是有效的日期，应写为 YYYY-MM-DD")))
}

/// Reads 处罚类别 by their national labels, with a Chinese message for an unknown one.
fn de_kinds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PenaltyKind>, D::Error> {
    use serde::de::Error;
    let labels = Vec::<String>::deserialize(deserializer)?;
    labels
        .iter()
        .map(|label| {
            PenaltyKind::from_label(label).ok_or_else(|| {
                let all = PenaltyKind::ALL.map(PenaltyKind::label).join("、");
                D::Error::custom(format!("“{label}”不是处罚类别，应为以下之一：{all}"))
            })
        })
        .collect()
}

/// Puts serde's two commonest messages about the file's shape into Chinese; others pass as-is.
fn chinese_serde_message(message: &str) -> String {
    let field = |rest: &str| rest.split('`').nth(1).unwrap_or_default().to_string();
    if let Some(rest) = message.strip_prefix("unknown field") {
        format!("未知的键“{}”（{message}）", field(rest))
    } else if let Some(rest) = message.strip_prefix("missing field") {
        format!("缺少键“{}”（{message}）", field(rest))
    } else {
        message.to_string()
    }
}

fn invalid(msg: impl Into<String>) -> PolicyError {
    PolicyError::Invalid(msg.into())
}

fn kind_labels(kinds: &[PenaltyKind]) -> String {
    kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join("、")
}

impl PublicityPolicy {
    /// The policy built from [`DEFAULT_PUBLICITY_POLICY_TOML`].
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<PublicityPolicy> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                PublicityPolicy::from_toml(DEFAULT_PUBLICITY_POLICY_TOML)
                    .expect("the built-in policy data/policy/publicity.toml is valid (tested)")
            })
            .clone()
    }

    /// Parses and [validates](Self::validate) a policy file.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let policy: PublicityPolicy = toml::from_str(text).map_err(|e| {
            let message = chinese_serde_message(e.message().trim_end()).replace('\n', "；");
            match e.span() {
                Some(span) => {
                    let line = text
                        .get(..span.start)
                        .map_or(0, |t| t.matches('\n').count())
                        + 1;
                    PolicyError::Parse(format!("第 {line} 行：{message}"))
                }
                None => PolicyError::Parse(message),
            }
        })?;
        policy.validate()?;
        Ok(policy)
    }

    /// Checks the values: each period has min ≤ max within 100 years, a published class lasts at
    /// least a month, a more severe class is never shorter, the deadline is 1–250 working days,
    /// the kind lists have no repeats and do not overlap, and no text is blank.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if self.version.trim().is_empty() {
            return Err(invalid("version（政策版本）不能为空"));
        }
        if self.basis.trim().is_empty() {
            return Err(invalid("basis（依据）不能为空"));
        }
        if !(1..=MAX_REPORT_DEADLINE_WORKDAYS).contains(&self.report_deadline_workdays) {
            return Err(invalid(format!(
                "report_deadline_workdays（报送时限）为 {}，应在 1–{MAX_REPORT_DEADLINE_WORKDAYS} 个工作日之间",
                self.report_deadline_workdays
            )));
        }
        for severity in Severity::ALL {
            let rule = self.rule(severity);
            let name = severity.key();
            let label = severity.label();
            if rule.min_months > rule.max_months {
                return Err(invalid(format!(
                    "[{name}]（{label}）的最短公示期 min_months = {} 大于最长公示期 max_months = {}",
                    rule.min_months, rule.max_months
                )));
            }
            if rule.max_months > MAX_PERIOD_MONTHS {
                return Err(invalid(format!(
                    "[{name}]（{label}）的最长公示期 max_months = {} 超过 {MAX_PERIOD_MONTHS} 个月",
                    rule.max_months
                )));
            }
            if rule.published && rule.max_months == 0 {
                return Err(invalid(format!(
                    "[{name}]（{label}）设为公示（published = true），最长公示期 max_months 不能为 0"
                )));
            }
        }
        for pair in Severity::ALL.windows(2) {
            let (lower, higher) = (self.rule(pair[0]), self.rule(pair[1]));
            if lower.min_months > higher.min_months || lower.max_months > higher.max_months {
                return Err(invalid(format!(
                    "{}的公示期（{}–{} 个月）不能长于{}的公示期（{}–{} 个月）",
                    pair[0].label(),
                    lower.min_months,
                    lower.max_months,
                    pair[1].label(),
                    higher.min_months,
                    higher.max_months
                )));
            }
        }
        for (key, kinds) in [
            ("serious_kinds", &self.serious_kinds),
            ("unpublished_only_kinds", &self.unpublished_only_kinds),
        ] {
            for (i, k) in kinds.iter().enumerate() {
                if kinds[..i].contains(k) {
                    return Err(invalid(format!("{key} 中“{}”重复出现", k.label())));
                }
            }
        }
        if let Some(k) = self
            .serious_kinds
            .iter()
            .find(|k| self.unpublished_only_kinds.contains(k))
        {
            return Err(invalid(format!(
                "“{}”不能既列为严重处罚类别（serious_kinds）又列为不予公示类别（unpublished_only_kinds）",
                k.label()
            )));
        }
        for (i, t) in self.minor_violation_types.iter().enumerate() {
            if t.trim().is_empty() {
                return Err(invalid("minor_violation_types 中有空白的违法行为类型"));
            }
            if self.minor_violation_types[..i]
                .iter()
                .any(|u| u.trim() == t.trim())
            {
                return Err(invalid(format!(
                    "minor_violation_types 中“{}”重复出现",
                    t.trim()
                )));
            }
        }
        Ok(())
    }

    /// The period rule of a severity class.
    pub fn rule(&self, severity: Severity) -> &PeriodRule {
        match severity {
            Severity::Minor => &self.minor,
            Severity::General => &self.general,
            Severity::Serious => &self.serious,
        }
    }
}

/// Severity of a penalty (违法失信程度), ordered minor < general < serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    General,
    Serious,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Minor, Severity::General, Severity::Serious];

    /// 轻微 / 一般 / 严重
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "轻微",
            Severity::General => "一般",
            Severity::Serious => "严重",
        }
    }

    /// The stable key, as serialised and as the table name in the policy file.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Minor => "minor",
            Severity::General => "general",
            Severity::Serious => "serious",
        }
    }
}

/// The severity of a penalty: serious when any of its kinds is in `serious_kinds`; minor when
/// its 违法行为类型 is in `minor_violation_types`; general otherwise. Serious wins over minor.
/// Same as [`severity_with_hint`] without a hint.
pub fn severity(p: &PenaltyRecord, policy: &PublicityPolicy) -> Severity {
    classify(p, policy, false).0
}

/// [`severity`], with `serious_hint`: a fact the penalty record does not carry that makes it
/// serious — the subject was put on a serious-dishonesty list (严重失信主体名单) for this
/// behaviour (RULES.md §4).
pub fn severity_with_hint(
    p: &PenaltyRecord,
    policy: &PublicityPolicy,
    serious_hint: bool,
) -> Severity {
    classify(p, policy, serious_hint).0
}

/// The severity with the Chinese reason for it.
fn classify(p: &PenaltyRecord, policy: &PublicityPolicy, serious_hint: bool) -> (Severity, String) {
    let serious: Vec<PenaltyKind> = p
        .kinds
        .iter()
        .copied()
        .filter(|k| policy.serious_kinds.contains(k))
        .collect();
    if !serious.is_empty() {
        return (
            Severity::Serious,
            format!(
                "处罚类别含“{}”，属严重违法失信行为",
                serious
                    .iter()
                    .map(|k| k.label())
                    .collect::<Vec<_>>()
                    .join("”“")
            ),
        );
    }
    if serious_hint {
        return (
            Severity::Serious,
            "当事人因该违法行为被列入严重失信主体名单，属严重违法失信行为".to_string(),
        );
    }
    let violation = p.violation_type.trim();
    if policy
        .minor_violation_types
        .iter()
        .any(|t| t.trim() == violation)
    {
        return (
            Severity::Minor,
            format!("违法行为类型“{violation}”列为轻微违法失信行为"),
        );
    }
    (
        Severity::General,
        "处罚类别不含严重处罚类别，违法行为类型未列为轻微，属一般违法失信行为".to_string(),
    )
}

/// When a record is public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicityWindow {
    /// First public day: the decision date (periods count from it, RULES.md §4 default).
    pub from: NaiveDate,
    /// Last public day, included; `None` = no end (long-term licence).
    pub until: Option<NaiveDate>,
    /// Last day of the minimum period, after which credit repair may end publicity; the
    /// decision date when the minimum is 0 months. Penalties only.
    pub min_until: Option<NaiveDate>,
    /// Penalties only.
    pub severity: Option<Severity>,
    /// Chinese: which rule, which kinds, the months, the basis, the policy version.
    pub explanation: String,
    pub policy_version: String,
}

impl PublicityWindow {
    /// Whether `date` is inside the window: `from <= date <= until`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && self.until.is_none_or(|until| date <= until)
    }
}

/// Whether and how a record is published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum PublicityDecision {
    Published(PublicityWindow),
    /// Not published at all; `reason` is Chinese and names the rule and the policy version.
    NotPublished {
        reason: String,
    },
}

impl PublicityDecision {
    pub fn window(&self) -> Option<&PublicityWindow> {
        match self {
            PublicityDecision::Published(w) => Some(w),
            PublicityDecision::NotPublished { .. } => None,
        }
    }

    pub fn into_window(self) -> Option<PublicityWindow> {
        match self {
            PublicityDecision::Published(w) => Some(w),
            PublicityDecision::NotPublished { .. } => None,
        }
    }

    pub fn is_published(&self) -> bool {
        matches!(self, PublicityDecision::Published(_))
    }
}

/// The publicity window of a record; `None` when it is not published at all (warning only, or
/// minor while minor penalties are not published) — [`publicity_decision`] gives the reason.
pub fn publicity_window(body: &RecordBody, policy: &PublicityPolicy) -> Option<PublicityWindow> {
    publicity_decision(body, policy).into_window()
}

/// Whether a record is published, and its window or the reason it is not.
pub fn publicity_decision(body: &RecordBody, policy: &PublicityPolicy) -> PublicityDecision {
    publicity_decision_with_hint(body, policy, false)
}

/// [`publicity_decision`] with the `serious_hint` of [`severity_with_hint`] (ignored for
/// licences).
pub fn publicity_decision_with_hint(
    body: &RecordBody,
    policy: &PublicityPolicy,
    serious_hint: bool,
) -> PublicityDecision {
    match body {
        RecordBody::Penalty(p) => penalty_decision(p, policy, serious_hint),
        RecordBody::License(l) => license_decision(l, policy),
    }
}

/// The day `months` months after `date` (see the module docs); saturates at the last date
/// chrono can hold, which only a policy built without validation can reach.
fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

fn months_text(months: u32) -> String {
    match months {
        0 => "无最短期限".to_string(),
        m if m % 12 == 0 => format!("{m} 个月（{} 年）", m / 12),
        m => format!("{m} 个月"),
    }
}

fn penalty_decision(
    p: &PenaltyRecord,
    policy: &PublicityPolicy,
    serious_hint: bool,
) -> PublicityDecision {
    let version = &policy.version;
    let kinds = kind_labels(&p.kinds);
    if !p.kinds.is_empty()
        && p.kinds
            .iter()
            .all(|k| policy.unpublished_only_kinds.contains(k))
    {
        return PublicityDecision::NotPublished {
            reason: format!(
                "行政处罚（决定书文号 {}）的处罚类别仅为“{kinds}”，按规定不予公示。依据：{}（公示政策版本 {version}）",
                p.doc_no, policy.basis
            ),
        };
    }

    let (severity, why) = classify(p, policy, serious_hint);
    let rule = policy.rule(severity);
    if !rule.published {
        return PublicityDecision::NotPublished {
            reason: format!(
                "行政处罚（决定书文号 {}）：{why}；{}违法失信行为信息按规定不予公示。依据：{}（公示政策版本 {version}）",
                p.doc_no,
                severity.label(),
                policy.basis
            ),
        };
    }

    let from = p.decision_date;
    let min_until = add_months(from, rule.min_months);
    let max_until = add_months(from, rule.max_months);
    let (until, until_text) = match p.publicity_until {
        None => (max_until, format!("公示至 {max_until}（最长公示期届满日）")),
        Some(stated) if stated < min_until => (
            min_until,
            format!(
                "决定书载明的公示截止期 {stated} 早于最短公示期届满日 {min_until}，按 {min_until} 公示"
            ),
        ),
        Some(stated) if stated > max_until => (
            max_until,
            format!(
                "决定书载明的公示截止期 {stated} 晚于最长公示期届满日 {max_until}，按 {max_until} 公示"
            ),
        ),
        Some(stated) => (stated, format!("按决定书载明的公示截止期公示至 {stated}")),
    };

    let mut explanation = format!(
        "行政处罚（决定书文号 {}，处罚类别：{kinds}）：{why}",
        p.doc_no
    );
    if p.kinds.len() > 1 {
        explanation.push_str("；一个决定含多种处罚类别的，按其中最长的公示期");
    }
    let _ = write!(
        explanation,
        "。{}类公示期最短 {}、最长 {}，自处罚决定日期 {from} 起算（期满日为对应日，含当日）；最短公示期至 {min_until}；{until_text}。依据：{}（公示政策版本 {version}）",
        severity.label(),
        months_text(rule.min_months),
        months_text(rule.max_months),
        policy.basis
    );

    PublicityDecision::Published(PublicityWindow {
        from,
        until: Some(until),
        min_until: Some(min_until),
        severity: Some(severity),
        explanation,
        policy_version: version.clone(),
    })
}

fn license_decision(l: &LicenseRecord, policy: &PublicityPolicy) -> PublicityDecision {
    let version = &policy.version;
    let from = l.decision_date;
    let head = format!("行政许可（文书号 {}）", l.doc_no);
    let (until, text) = if is_long_term(l.valid_to) {
        (
            None,
            format!("有效期至为长期（{}），持续公示，不设截止日", l.valid_to),
        )
    } else if !policy.license.until_valid_to {
        (
            None,
            "公示政策未规定许可信息的公示截止日，持续公示".to_string(),
        )
    } else if l.valid_to < from {
        return PublicityDecision::NotPublished {
            reason: format!(
                "{head}的有效期至 {} 早于许可决定日期 {from}，数据有误，请更正后再公示（公示政策版本 {version}）",
                l.valid_to
            ),
        };
    } else {
        (
            Some(l.valid_to),
            format!("公示至有效期届满日 {}（含当日）", l.valid_to),
        )
    };
    PublicityDecision::Published(PublicityWindow {
        from,
        until,
        min_until: None,
        severity: None,
        explanation: format!(
            "{head}：自许可决定日期 {from} 起公示，{text}（公示政策版本 {version}）"
        ),
        policy_version: version.clone(),
    })
}

/// The last day a decision may be published on time: `report_deadline_workdays` working days
/// after the decision date, which itself is not counted (RULES.md §3).
pub fn publication_deadline(
    decision_date: NaiveDate,
    calendar: &Calendar,
    policy: &PublicityPolicy,
) -> Result<NaiveDate, CalendarError> {
    calendar.add_workdays(decision_date, policy.report_deadline_workdays)
}

/// Whether a decision published on `published_on` was reported late (迟报): after its
/// [`publication_deadline`].
pub fn is_late(
    decision_date: NaiveDate,
    published_on: NaiveDate,
    calendar: &Calendar,
    policy: &PublicityPolicy,
) -> Result<bool, CalendarError> {
    Ok(published_on > publication_deadline(decision_date, calendar, policy)?)
}

/// The publication facts of a decision received on `reported_on`: its reporting deadline,
/// whether it is late, and the publicity window (or why it is not published) under `policy`.
/// This is what the publication event records, so later views need not re-derive it. A
/// deadline beyond the loaded calendar is counted on weekdays and marked provisional.
pub fn publication_for(
    body: &RecordBody,
    reported_on: NaiveDate,
    calendar: &Calendar,
    policy: &PublicityPolicy,
) -> crate::record::Publication {
    let (deadline, provisional) =
        calendar.add_workdays_or_provisional(body.decision_date(), policy.report_deadline_workdays);
    let decision = publicity_decision(body, policy);
    match decision {
        PublicityDecision::Published(w) => crate::record::Publication {
            reported_on,
            deadline,
            deadline_provisional: provisional,
            late: reported_on > deadline,
            public_from: Some(w.from),
            public_until: w.until,
            min_until: w.min_until,
            severity: w.severity.map(|s| s.label().to_string()),
            explanation: w.explanation,
            policy_version: w.policy_version,
            repaired_on: None,
            repaired_by: None,
        },
        PublicityDecision::NotPublished { reason } => crate::record::Publication {
            reported_on,
            deadline,
            deadline_provisional: provisional,
            late: reported_on > deadline,
            public_from: None,
            public_until: None,
            min_until: None,
            severity: None,
            explanation: reason,
            policy_version: policy.version.clone(),
            repaired_on: None,
            repaired_by: None,
        },
    }
}
