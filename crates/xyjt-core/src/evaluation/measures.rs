//! Measures by grade at a decision point (信用分级分类监管, 信易+): a good grade earns
//! facilitation (容缺受理, 绿色通道), a bad one a closer review. Policy data; a check cites the
//! result (model, version, period, grade) and the measure with its legal basis.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::check::CheckReason;
use crate::lists::{DecisionPoint, Effect};

/// One measure by grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeMeasure {
    pub id: String,
    pub model: String,
    pub grades: Vec<String>,
    pub decision_points: Vec<DecisionPoint>,
    pub effect: Effect,
    /// 措施内容
    pub content: String,
    pub legal_basis: String,
    /// 实施主体
    pub acting_unit: String,
    #[serde(default)]
    pub example: bool,
}

/// A published grade as the check index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeFact {
    pub result_id: String,
    pub subject_name: String,
    pub model_id: String,
    pub model_title: String,
    pub model_version: u32,
    pub period: String,
    pub grade: String,
    pub published_on: NaiveDate,
    pub valid_until: NaiveDate,
}

/// The reasons the grades valid on `today` give at `point`.
pub fn grade_reasons(
    grades: &[GradeFact],
    measures: &[GradeMeasure],
    point: DecisionPoint,
    today: NaiveDate,
) -> Vec<CheckReason> {
    let mut out = Vec::new();
    for g in grades
        .iter()
        .filter(|g| g.published_on <= today && today <= g.valid_until)
    {
        for m in measures.iter().filter(|m| {
            m.model == g.model_id
                && m.grades.contains(&g.grade)
                && m.decision_points.contains(&point)
        }) {
            out.push(CheckReason {
                list: "evaluation".into(),
                list_label: format!(
                    "信用评价 {} 级（{} 第 {} 版，{} 年度）",
                    g.grade, g.model_title, g.model_version, g.period
                ),
                entry_id: g.result_id.clone(),
                entry_name: g.subject_name.clone(),
                entry_basis: format!(
                    "{} {} 年度评价结果为 {} 级",
                    g.model_title, g.period, g.grade
                ),
                deciding_unit: g.model_title.clone(),
                valid_from: g.published_on,
                valid_until: Some(g.valid_until),
                measure_id: m.id.clone(),
                measure: m.content.clone(),
                effect: m.effect,
                legal_basis: m.legal_basis.clone(),
                acting_unit: m.acting_unit.clone(),
                implementing_units: Vec::new(),
                origin: None,
            });
        }
    }
    out
}
