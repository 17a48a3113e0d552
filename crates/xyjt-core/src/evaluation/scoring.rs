//! Scoring one subject for one period from its ledger facts: every deduction and addition is a
//! line naming the item, its basis and the record, entry, commitment or inspection it rests on.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::model::{Effect, EvalModel, FactRule, ScoringItem};
use super::score::Score;
use crate::commitment::CommitmentState;
use crate::inspection::InspectionResult;
use crate::listing::EntryState;
use crate::record::{Record, RecordBody, RecordStatus};
use crate::subject::Subject;

/// An evaluation period: a calendar year, named `2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
}

impl Period {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        match t.parse::<i32>() {
            Ok(year) if t.len() == 4 && (2000..=2099).contains(&year) => Ok(Period { year }),
            _ => Err(format!("“{text}”不是有效的评价周期（应为年份，如 2025）")),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).expect("a valid year")
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).expect("a valid year")
    }

    pub fn previous(self) -> Period {
        Period {
            year: self.year - 1,
        }
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        d.year() == self.year
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.year)
    }
}

/// What the ledger knows about one subject, as the scoring needs it.
#[derive(Debug, Clone, Default)]
pub struct SubjectFacts {
    pub records: Vec<Record>,
    pub entries: Vec<EntryState>,
    pub commitments: Vec<CommitmentState>,
    pub inspections: Vec<InspectionResult>,
    /// The subject's published grade under the same model for the previous period.
    pub previous_grade: Option<String>,
}

/// One deduction or addition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub item_id: String,
    pub title: String,
    pub basis: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub example: bool,
    /// Signed: negative for a deduction. Zero once the item's cap is reached (said in `note`).
    pub points: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_points: Option<Score>,
    /// `record`, `entry`, `commitment`, `inspection`.
    pub fact_kind: String,
    pub fact_id: String,
    /// The fact in words (document number and date, list and entry date …).
    pub fact: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A subject's result under one model for one period, as proposed for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalResult {
    /// `{run id}/{subject id}`.
    pub id: String,
    pub run_id: String,
    pub model_id: String,
    pub model_version: u32,
    pub model_title: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub example: bool,
    pub period: String,
    pub subject_id: String,
    pub subject_name: String,
    /// A natural person (practitioner): name and citizen ID are masked in public views.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub natural_person: bool,
    /// USCC or citizen ID (masked in public views).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_code: Option<String>,
    pub base_score: Score,
    pub score: Score,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Score>,
    /// `None` when the model's bands do not cover the score (the reviewer decides; never a guess).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    pub band: String,
    pub explanation: String,
    pub lines: Vec<ScoreLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_grade: Option<String>,
    /// The last day of facts taken into account.
    pub as_of: NaiveDate,
}

impl EvalResult {
    /// The last day a result published on `published_on` is valid.
    pub fn valid_until(model_valid_months: u32, published_on: NaiveDate) -> NaiveDate {
        published_on
            .checked_add_months(Months::new(model_valid_months))
            .and_then(|d| d.pred_opt())
            .unwrap_or(published_on)
    }
}

fn licence_matches(model: &EvalModel, body: &RecordBody) -> bool {
    let RecordBody::License(l) = body else {
        return false;
    };
    model.applies_to.licence_keywords.iter().any(|k| {
        l.doc_name.contains(k.as_str())
            || l.cert_name
                .as_deref()
                .is_some_and(|c| c.contains(k.as_str()))
            || l.content.as_deref().is_some_and(|c| c.contains(k.as_str()))
    })
}

/// Whether the model grades this subject for the period: its kind, and (when the model names
/// licences or name keywords) a licence held by the end of the period and not revoked, or a
/// name with one of the keywords.
pub fn applies(model: &EvalModel, subject: &Subject, records: &[Record], period: Period) -> bool {
    if !model.applies_to.party_kinds.contains(&subject.kind) {
        return false;
    }
    let a = &model.applies_to;
    if a.requires_records
        && !records.iter().any(|r| {
            r.status != RecordStatus::Revoked && r.body.decision_date() <= period.last_day()
        })
    {
        return false;
    }
    if a.licence_keywords.is_empty() && a.name_keywords.is_empty() {
        return true;
    }
    a.name_keywords
        .iter()
        .any(|k| subject.name.contains(k.as_str()))
        || records.iter().any(|r| {
            r.status != RecordStatus::Revoked
                && r.body.decision_date() <= period.last_day()
                && licence_matches(model, &r.body)
        })
}

fn entry_overlaps(e: &EntryState, period: Period) -> bool {
    let (from, to) = (period.first_day(), period.last_day());
    e.published_on.is_some_and(|p| p <= to)
        && e.entry.entry_date <= to
        && e.entry.valid_until.is_none_or(|u| u >= from)
        && e.ended.is_none_or(|(_, on)| on > from)
}

/// The facts an item counts, as (kind, id, words), in a fixed order.
fn matching_facts(
    item: &ScoringItem,
    facts: &SubjectFacts,
    period: Period,
    as_of: NaiveDate,
) -> Vec<(&'static str, String, String)> {
    let in_period = |d: NaiveDate| period.contains(d) && d <= as_of;
    let mut out = Vec::new();
    match &item.when {
        FactRule::Penalty {
            kinds,
            violation_keywords,
        } => {
            for r in &facts.records {
                let RecordBody::Penalty(p) = &r.body else {
                    continue;
                };
                if r.status == RecordStatus::Revoked || !in_period(p.decision_date) {
                    continue;
                }
                let kind_ok = kinds.is_empty() || p.kinds.iter().any(|k| kinds.contains(k));
                let violation_ok = violation_keywords.is_empty()
                    || violation_keywords
                        .iter()
                        .any(|k| p.violation_type.contains(k.as_str()));
                if kind_ok && violation_ok {
                    out.push((
                        "record",
                        r.id.clone(),
                        format!(
                            "{} {}（{}，{}）",
                            p.decision_date, p.doc_no, p.violation_type, p.authority
                        ),
                    ));
                }
            }
        }
        FactRule::ListEntry { list } => {
            for e in &facts.entries {
                if e.entry.list.key() == list && entry_overlaps(e, period) {
                    out.push((
                        "entry",
                        e.entry.id.clone(),
                        format!(
                            "{} 列入{}（{}）",
                            e.entry.entry_date,
                            e.entry.list.label(),
                            e.entry.deciding_unit
                        ),
                    ));
                }
            }
        }
        FactRule::CommitmentBroken | FactRule::CommitmentKept => {
            let want_kept = matches!(item.when, FactRule::CommitmentKept);
            for c in &facts.commitments {
                if let Some(check) = &c.check
                    && check.fulfilled == want_kept
                    && in_period(check.on)
                {
                    out.push((
                        "commitment",
                        c.commitment.id.clone(),
                        format!(
                            "{} 核查{}：{}",
                            check.on,
                            if check.fulfilled {
                                "已践诺"
                            } else {
                                "未践诺"
                            },
                            c.commitment.title
                        ),
                    ));
                }
            }
        }
        FactRule::Inspection { outcome } => {
            for i in &facts.inspections {
                if i.outcome == *outcome && in_period(i.on) {
                    out.push((
                        "inspection",
                        i.id.clone(),
                        format!("{} 随机抽查：{}", i.on, i.outcome.label()),
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

/// Scores a subject the model applies to. The result's grade is `None` (with the reason in the
/// explanation) when the bands do not cover the score.
pub fn score_subject(
    model: &EvalModel,
    run_id: &str,
    period: Period,
    as_of: NaiveDate,
    subject: &Subject,
    facts: &SubjectFacts,
) -> EvalResult {
    let mut lines = Vec::new();
    for item in &model.items {
        let mut taken = Score::ZERO;
        for (kind, id, words) in matching_facts(item, facts, period, as_of) {
            let room = item
                .cap
                .map_or(item.points, |c| (c - taken).max(Score::ZERO));
            let counted = item.points.min(room);
            taken = taken + counted;
            let signed = match item.effect {
                Effect::Deduct => -counted,
                Effect::Add => counted,
            };
            lines.push(ScoreLine {
                item_id: item.id.clone(),
                title: item.title.clone(),
                basis: item.basis.clone(),
                example: item.example,
                points: signed,
                bad_points: item.bad_points,
                fact_kind: kind.to_string(),
                fact_id: id,
                fact: words,
                note: (counted < item.points).then(|| {
                    format!(
                        "本项每周期最多计 {} 分，已达上限",
                        item.cap.unwrap_or_default()
                    )
                }),
            });
        }
    }
    let raw = model.base_score + lines.iter().map(|l| l.points).sum();
    let score = raw.clamp(model.min_score, model.max_score);
    let uses_points = model
        .bands
        .iter()
        .any(|b| b.points_min.is_some() || b.points_below.is_some());
    let points = uses_points.then(|| lines.iter().filter_map(|l| l.bad_points).sum());
    let deducted: Score = lines
        .iter()
        .filter(|l| l.points < Score::ZERO)
        .map(|l| l.points)
        .sum();
    let added: Score = lines
        .iter()
        .filter(|l| l.points > Score::ZERO)
        .map(|l| l.points)
        .sum();
    let mut explanation = format!(
        "基础分 {}，扣 {}，加 {}",
        model.base_score,
        deducted.abs(),
        added
    );
    if raw != score {
        explanation.push_str(&format!("，合计 {raw} 超出范围，按 {score} 计"));
    } else {
        explanation.push_str(&format!("，得分 {score}"));
    }
    let (grade, band) = match model.grade(score, points, facts.previous_grade.as_deref()) {
        Ok(g) => {
            explanation.push_str(&format!("。{}", g.explanation));
            (Some(g.grade), g.band)
        }
        Err(e) => {
            explanation.push_str(&format!("。{e}，须由审核人认定"));
            (None, String::new())
        }
    };
    EvalResult {
        id: format!("{run_id}/{}", subject.id),
        run_id: run_id.to_string(),
        model_id: model.id.clone(),
        model_version: model.version,
        model_title: model.title.clone(),
        example: model.example,
        period: period.to_string(),
        subject_id: subject.id.clone(),
        subject_name: subject.name.clone(),
        natural_person: subject.kind == crate::subject::PartyCategory::NaturalPerson,
        subject_code: subject
            .uscc
            .as_ref()
            .map(|u| u.to_string())
            .or_else(|| subject.citizen_id.as_ref().map(|c| c.to_string())),
        base_score: model.base_score,
        score,
        points,
        grade,
        band,
        explanation,
        lines,
        previous_grade: facts.previous_grade.clone(),
        as_of,
    }
}

/// An evaluation run: one model, one period, every subject in scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvalRun {
    pub id: String,
    pub model_id: String,
    pub model_version: u32,
    pub model_title: String,
    pub period: String,
    pub as_of: NaiveDate,
    /// The unit that made it (and publishes it).
    pub unit: String,
    /// Months a published result stays valid (from the model).
    pub valid_months: u32,
    pub subjects: u64,
    /// How many results the bands left without a grade.
    pub ungraded: u64,
}
