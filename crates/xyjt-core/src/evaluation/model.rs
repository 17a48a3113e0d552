//! An evaluation model (信用评价模型): who it applies to, the scoring items, the grade bands and
//! the limits. Versioned policy data (RULES.md §7), adopted as ledger events; every result cites
//! the model id and version it was computed with.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::score::Score;
use crate::record::PenaltyKind;
use crate::subject::PartyCategory;

/// One version of one evaluation model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalModel {
    /// Stable id, e.g. `highway-construction`.
    pub id: String,
    /// 1 for the first version, +1 for every change.
    pub version: u32,
    /// 名称, e.g. 公路施工企业信用评价.
    pub title: String,
    /// 评价对象, in words (公路施工企业).
    pub subjects: String,
    /// The rule the model implements (交公路发〔2009〕733号 …).
    pub basis: String,
    /// Example policy (示例): items or numbers the documents do not fix.
    #[serde(default)]
    pub example: bool,
    pub effective_from: NaiveDate,
    pub changed_by: String,
    pub changed_at: String,
    pub note: String,
    pub applies_to: Applicability,
    /// 评价周期: a calendar year, named `2025`.
    #[serde(default = "year")]
    pub period: String,
    /// 基础分 every subject starts from.
    pub base_score: Score,
    /// The lowest and highest score the model defines; a total outside is clamped (and said so),
    /// a grade asked for outside is refused.
    pub min_score: Score,
    pub max_score: Score,
    /// Months a published result stays valid (有效期).
    pub valid_months: u32,
    /// A grade rises at most this many levels above the previous period's (733号: 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rise: Option<u32>,
    /// How a consortium (联合体) is graded; absent when the model does not grade consortia.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consortium: Option<ConsortiumRule>,
    /// What the bands' points condition counts (e.g. 不良行为记分).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_label: Option<String>,
    /// The grades, best first (AA, A, B, C, D).
    pub grades: Vec<GradeInfo>,
    /// The bands: a grade may have more than one (苏交规: B is 60–<80, or 40–<60 with few points).
    pub bands: Vec<GradeBand>,
    pub items: Vec<ScoringItem>,
}

fn year() -> String {
    "year".into()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicability {
    /// 相对人类别 the model grades.
    pub party_kinds: Vec<PartyCategory>,
    /// A subject is in scope when it holds a licence whose document or certificate name or
    /// content contains one of these; empty = every subject of the kinds above.
    #[serde(default)]
    pub licence_keywords: Vec<String>,
    /// …or whose name contains one of these (where the platform holds no qualification data,
    /// e.g. 路桥 for construction firms; 示例).
    #[serde(default)]
    pub name_keywords: Vec<String>,
    /// Only subjects with at least one 双公示 record (licence or penalty, not revoked) by the
    /// end of the period: e.g. practitioners, so that a person registered for another reason (a
    /// civil servant) is not graded as one.
    #[serde(default)]
    pub requires_records: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsortiumRule {
    /// 联合体按成员中最低等级认定.
    Lowest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeInfo {
    pub grade: String,
    /// 含义, e.g. 信用好.
    pub label: String,
}

/// A band: `score_min ≤ score < score_below` (or `≤ score_max`), and optionally a points
/// condition `points_min ≤ points < points_below`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeBand {
    pub grade: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_min: Option<Score>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_below: Option<Score>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_max: Option<Score>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_min: Option<Score>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_below: Option<Score>,
}

impl GradeBand {
    fn needs_points(&self) -> bool {
        self.points_min.is_some() || self.points_below.is_some()
    }

    fn score_fits(&self, s: Score) -> bool {
        self.score_min.is_none_or(|m| s >= m)
            && self.score_below.is_none_or(|b| s < b)
            && self.score_max.is_none_or(|m| s <= m)
    }

    fn points_fit(&self, p: Score) -> bool {
        self.points_min.is_none_or(|m| p >= m) && self.points_below.is_none_or(|b| p < b)
    }

    /// `85 ≤ 分数 < 95`, `40 ≤ 分数 < 60 且 记分 ≥ 20`.
    pub fn describe(&self, points_label: &str) -> String {
        let mut parts = Vec::new();
        let mut score = String::new();
        if let (Some(lo), Some(hi)) = (self.score_min, self.score_max)
            && lo == hi
        {
            score.push_str(&format!("分数 = {lo}"));
            parts.push(std::mem::take(&mut score));
        }
        if parts.is_empty() {
            if let Some(m) = self.score_min {
                score.push_str(&format!("{m} ≤ "));
            }
            score.push_str("分数");
            if let Some(b) = self.score_below {
                score.push_str(&format!(" < {b}"));
            }
            if let Some(m) = self.score_max {
                score.push_str(&format!(" ≤ {m}"));
            }
            parts.push(score);
        }
        if self.needs_points() {
            let mut p = String::new();
            if let Some(m) = self.points_min {
                p.push_str(&format!("{points_label} ≥ {m}"));
            }
            if let Some(b) = self.points_below {
                if !p.is_empty() {
                    p.push_str(" 且 ");
                }
                p.push_str(&format!("{points_label} < {b}"));
            }
            parts.push(p);
        }
        parts.join(" 且 ")
    }
}

/// A scoring item (评价指标): a deduction or an addition per matching fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringItem {
    pub id: String,
    pub title: String,
    /// 依据.
    pub basis: String,
    /// Not fixed by the documents (示例).
    #[serde(default)]
    pub example: bool,
    pub effect: Effect,
    /// Points per matching fact (positive; the effect gives the sign).
    pub points: Score,
    /// At most this many points from the item in one period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Score>,
    /// 不良行为记分 per matching fact (the bands' points condition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_points: Option<Score>,
    pub when: FactRule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// 扣分
    Deduct,
    /// 加分
    Add,
}

/// Which facts of the period an item counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case", deny_unknown_fields)]
pub enum FactRule {
    /// A 行政处罚 decided in the period (not revoked): any of `kinds` (empty = any), and, when
    /// given, a 违法行为类型 containing one of `violation_keywords`.
    Penalty {
        #[serde(default)]
        kinds: Vec<PenaltyKind>,
        #[serde(default)]
        violation_keywords: Vec<String>,
    },
    /// An entry of `list` (`black`, `watch`, `red`, an external list) in force on any day of
    /// the period.
    ListEntry { list: String },
    /// A commitment found unfulfilled or false (违诺) in the period.
    CommitmentBroken,
    /// A commitment found fulfilled (践诺) in the period.
    CommitmentKept,
    /// An inspection (随机抽查) in the period with this outcome.
    Inspection {
        outcome: crate::inspection::InspectionOutcome,
    },
}

/// The grade a score falls in, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeOutcome {
    pub grade: String,
    /// The band, in words.
    pub band: String,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GradeError {
    #[error("分数 {score} 超出模型 {model} 的范围（{min}–{max}），不予评级")]
    ScoreOutOfRange {
        model: String,
        score: Score,
        min: Score,
        max: Score,
    },
    #[error("{label}不能为负数（{points}）")]
    NegativePoints { label: String, points: Score },
    #[error("模型 {model} 在分数 {score} 处按{label}分档，须给出{label}（--points）")]
    PointsNeeded {
        model: String,
        score: Score,
        label: String,
    },
    #[error("模型 {model} 没有覆盖分数 {score}{points} 的档位，不予评级（不作推测）")]
    NotCovered {
        model: String,
        score: Score,
        points: String,
    },
    #[error("“{grade}”不是模型 {model} 的等级（应为 {grades}）")]
    UnknownGrade {
        model: String,
        grade: String,
        grades: String,
    },
    #[error("模型 {0} 未规定联合体评价方法")]
    NoConsortiumRule(String),
    #[error("联合体至少要有一个成员的等级")]
    NoMembers,
}

impl EvalModel {
    pub fn points_label(&self) -> &str {
        self.points_label.as_deref().unwrap_or("记分")
    }

    /// The grade's rank: 0 is the best.
    pub fn rank(&self, grade: &str) -> Result<usize, GradeError> {
        self.grades
            .iter()
            .position(|g| g.grade == grade)
            .ok_or_else(|| GradeError::UnknownGrade {
                model: self.id.clone(),
                grade: grade.to_string(),
                grades: self.grade_names().join("、"),
            })
    }

    pub fn grade_names(&self) -> Vec<&str> {
        self.grades.iter().map(|g| g.grade.as_str()).collect()
    }

    pub fn grade_label(&self, grade: &str) -> &str {
        self.grades
            .iter()
            .find(|g| g.grade == grade)
            .map_or("", |g| g.label.as_str())
    }

    /// The grade of a score (and points, where a band asks), capped by the previous period's
    /// grade when the model limits the rise. Input the model does not define is refused.
    pub fn grade(
        &self,
        score: Score,
        points: Option<Score>,
        previous: Option<&str>,
    ) -> Result<GradeOutcome, GradeError> {
        if score < self.min_score || score > self.max_score {
            return Err(GradeError::ScoreOutOfRange {
                model: self.id.clone(),
                score,
                min: self.min_score,
                max: self.max_score,
            });
        }
        let label = self.points_label().to_string();
        if let Some(p) = points
            && p < Score::ZERO
        {
            return Err(GradeError::NegativePoints { label, points: p });
        }
        let by_score: Vec<&GradeBand> = self.bands.iter().filter(|b| b.score_fits(score)).collect();
        if points.is_none() && by_score.iter().any(|b| b.needs_points()) {
            return Err(GradeError::PointsNeeded {
                model: self.id.clone(),
                score,
                label,
            });
        }
        let band = by_score
            .into_iter()
            .find(|b| !b.needs_points() || points.is_some_and(|p| b.points_fit(p)))
            .ok_or_else(|| GradeError::NotCovered {
                model: self.id.clone(),
                score,
                points: points.map_or(String::new(), |p| format!("、{label} {p}")),
            })?;
        let band_text = band.describe(&label);
        let computed = band.grade.clone();
        let mut explanation = format!(
            "{} 第 {} 版：分数 {score}{}，落在「{band_text}」档，等级 {computed}",
            self.title,
            self.version,
            points.map_or(String::new(), |p| format!("、{label} {p}")),
        );
        let mut grade = computed.clone();
        if let Some(prev) = previous {
            let prev_rank = self.rank(prev)?;
            if let Some(limit) = self.max_rise {
                let best_allowed = prev_rank.saturating_sub(limit as usize);
                if self.rank(&computed)? < best_allowed {
                    grade = self.grades[best_allowed].grade.clone();
                    explanation.push_str(&format!(
                        "；上一周期等级 {prev}，按规则每年至多上升 {limit} 级，认定为 {grade}"
                    ));
                }
            }
        }
        Ok(GradeOutcome {
            grade,
            band: band_text,
            explanation,
        })
    }

    /// A consortium's grade from its members' grades.
    pub fn consortium_grade(&self, members: &[&str]) -> Result<GradeOutcome, GradeError> {
        let rule = self
            .consortium
            .ok_or_else(|| GradeError::NoConsortiumRule(self.id.clone()))?;
        if members.is_empty() {
            return Err(GradeError::NoMembers);
        }
        match rule {
            ConsortiumRule::Lowest => {
                let mut worst = 0;
                for m in members {
                    worst = worst.max(self.rank(m)?);
                }
                let grade = self.grades[worst].grade.clone();
                Ok(GradeOutcome {
                    band: "联合体按成员最低等级认定".into(),
                    explanation: format!(
                        "{} 第 {} 版：联合体成员等级 {}，按最低等级认定为 {grade}",
                        self.title,
                        self.version,
                        members.join("、")
                    ),
                    grade,
                })
            }
        }
    }

    /// Checks what the types cannot: unique ids and grades, bands naming known grades, and —
    /// over every score the model defines, in hundredths, and every points value that matters —
    /// that no two bands overlap. A model may leave input uncovered (it is then refused when
    /// asked), never ambiguous.
    pub fn validate(&self) -> Result<(), String> {
        let m = &self.id;
        if m.trim().is_empty() || self.title.trim().is_empty() {
            return Err("模型缺少 id 或名称".into());
        }
        if self.version == 0 {
            return Err(format!("模型 {m}：版本号从 1 开始"));
        }
        if self.min_score >= self.max_score {
            return Err(format!("模型 {m}：min_score 应小于 max_score"));
        }
        if self.base_score < self.min_score || self.base_score > self.max_score {
            return Err(format!("模型 {m}：基础分不在分数范围内"));
        }
        if self.period != "year" {
            return Err(format!("模型 {m}：评价周期只支持 year（自然年）"));
        }
        if self.valid_months == 0 {
            return Err(format!("模型 {m}：有效期（月）应大于 0"));
        }
        if self.grades.is_empty() {
            return Err(format!("模型 {m}：没有等级"));
        }
        let mut seen = std::collections::HashSet::new();
        for g in &self.grades {
            if !seen.insert(g.grade.as_str()) {
                return Err(format!("模型 {m}：等级 {} 重复", g.grade));
            }
        }
        for b in &self.bands {
            self.rank(&b.grade).map_err(|e| format!("模型 {m}：{e}"))?;
        }
        let mut ids = std::collections::HashSet::new();
        for i in &self.items {
            if !ids.insert(i.id.as_str()) {
                return Err(format!("模型 {m}：评价指标 {} 重复", i.id));
            }
            if i.points < Score::ZERO || i.cap.is_some_and(|c| c < Score::ZERO) {
                return Err(format!("模型 {m}：指标 {} 的分值应为正数", i.id));
            }
            if i.basis.trim().is_empty() {
                return Err(format!("模型 {m}：指标 {} 缺少依据", i.id));
            }
        }
        // Points values that can change which band fits: every threshold, one below, and 0.
        let mut probes = vec![Score::ZERO];
        for b in &self.bands {
            for t in [b.points_min, b.points_below].into_iter().flatten() {
                probes.push(t);
                probes.push(t - Score(1));
            }
        }
        probes.retain(|p| *p >= Score::ZERO);
        for s in self.min_score.0..=self.max_score.0 {
            for p in &probes {
                let fits: Vec<&GradeBand> = self
                    .bands
                    .iter()
                    .filter(|b| b.score_fits(Score(s)) && (!b.needs_points() || b.points_fit(*p)))
                    .collect();
                if fits.len() > 1 {
                    return Err(format!(
                        "模型 {m}：分数 {}、{} {} 同时落在 {} 和 {} 两个档位",
                        Score(s),
                        self.points_label(),
                        p,
                        fits[0].grade,
                        fits[1].grade
                    ));
                }
            }
        }
        Ok(())
    }
}
