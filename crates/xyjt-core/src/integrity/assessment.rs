//! The half-yearly assessment of departments (政务诚信 每半年考核): an indicator model as
//! versioned policy with explicit weights and an explicit rule for missing values, both shown on
//! every result; the total is a weighted mean of the indicators' values (RULES.md §9: a parent
//! score is a weighted mean, never a sum).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::evaluation::Score;

/// A half year, named `2026H1` / `2026H2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfYear {
    pub year: i32,
    pub half: u32,
}

impl HalfYear {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("“{text}”不是有效的考核周期（应为 2026H1 或 2026H2）");
        let (y, h) = t.split_once('H').ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let half: u32 = h.parse().map_err(|_| bad())?;
        if y.len() != 4 || !(2000..=2099).contains(&year) || !(1..=2).contains(&half) {
            return Err(bad());
        }
        Ok(HalfYear { year, half })
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, if self.half == 1 { 1 } else { 7 }, 1).expect("a date")
    }

    pub fn last_day(self) -> NaiveDate {
        if self.half == 1 {
            NaiveDate::from_ymd_opt(self.year, 6, 30)
        } else {
            NaiveDate::from_ymd_opt(self.year, 12, 31)
        }
        .expect("a date")
    }

    /// `YYYY-MM` of every month in it.
    pub fn months(self) -> Vec<String> {
        let start = if self.half == 1 { 1 } else { 7 };
        (start..start + 6)
            .map(|m| format!("{}-{m:02}", self.year))
            .collect()
    }
}

impl std::fmt::Display for HalfYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}H{}", self.year, self.half)
    }
}

/// Where an indicator's value (0–100) comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Source {
    /// 双公示 合规率 × 100, over the half year's months, of the department as reporting unit.
    ShuanggongshiCompliance,
    /// 双公示 及时率 × 100.
    ShuanggongshiTimeliness,
    /// Objection and repair clocks held by the department (its org unit) closed on time × 100
    /// (rectification and complaint clocks are not counted here).
    WorkflowOnTime,
    /// 100 − `per_record` × dishonesty records in effect during the half year (not below 0).
    DishonestyRecords { per_record: Score },
    /// `per_record` × good records decided in the half year (not above 100).
    GoodRecords { per_record: Score },
    /// Complaints about the department (政务失信投诉) answered on time × 100.
    ComplaintsOnTime,
    /// Commitments (政务承诺) checked in the half year and found kept × 100.
    CommitmentsKept,
    /// 政务公开 items with a publication deadline counting from a day in the half year,
    /// published on time × 100 (the department's org unit as 发布机构).
    DisclosureOnTime,
    /// A score entered by staff (third-party or public evaluation).
    Entered,
}

/// One indicator (not `deny_unknown_fields`: serde cannot combine it with the flattened source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    pub label: String,
    /// Weight in percent.
    pub weight: Score,
    pub basis: String,
    #[serde(default)]
    pub example: bool,
    #[serde(flatten)]
    pub source: Source,
}

/// What a missing value does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// The present indicators' weights are scaled up to 100 %.
    Reweight,
    /// A missing value counts as 0.
    Zero,
    /// A department with a missing value is not ranked.
    Exclude,
}

impl MissingRule {
    pub fn label(self) -> &'static str {
        match self {
            MissingRule::Reweight => "缺项按其余指标权重等比例折算",
            MissingRule::Zero => "缺项按 0 分计",
            MissingRule::Exclude => "有缺项的部门不参加排名",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentModel {
    pub version: u32,
    pub note: String,
    pub missing: MissingRule,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

pub const DEFAULT_ASSESSMENT_TOML: &str =
    include_str!("../../../../data/policy/integrity-assessment.toml");

impl AssessmentModel {
    pub fn builtin() -> &'static AssessmentModel {
        static BUILTIN: std::sync::OnceLock<AssessmentModel> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            AssessmentModel::from_toml(DEFAULT_ASSESSMENT_TOML)
                .expect("data/policy/integrity-assessment.toml is valid (tested)")
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let m: AssessmentModel = toml::from_str(text).map_err(|e| e.to_string())?;
        let total: Score = m.indicators.iter().map(|i| i.weight).sum();
        if total != Score::from_int(100) {
            return Err(format!("考核指标权重之和应为 100，实为 {total}"));
        }
        if m.indicators.iter().any(|i| i.weight <= Score::ZERO) {
            return Err("考核指标权重应大于 0".into());
        }
        Ok(m)
    }
}

/// One indicator of one department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub indicator: String,
    pub label: String,
    /// 0–100; `None` when missing.
    pub value: Option<Score>,
    /// The model's weight, percent.
    pub weight: Score,
    /// The weight applied after the missing rule, percent.
    pub applied_weight: Score,
    /// value × applied weight / 100.
    pub points: Score,
    /// How the value was found.
    pub note: String,
}

/// A department's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentResult {
    pub subject_id: String,
    pub name: String,
    pub code: String,
    /// The weighted mean; `None` when excluded.
    pub total: Option<Score>,
    pub components: Vec<Component>,
    pub rank: Option<u32>,
    pub missing_rule: String,
}

/// Scores one department from its indicator values (in the model's order).
pub fn score(
    model: &AssessmentModel,
    subject_id: &str,
    name: &str,
    code: &str,
    values: &[(Option<Score>, String)],
) -> AssessmentResult {
    let present: Score = model
        .indicators
        .iter()
        .zip(values)
        .filter(|(_, (v, _))| v.is_some())
        .map(|(i, _)| i.weight)
        .sum();
    let any_missing = values.iter().any(|(v, _)| v.is_none());
    let mut components = Vec::new();
    for (i, (value, note)) in model.indicators.iter().zip(values) {
        let applied = match (model.missing, value) {
            (_, None) => Score::ZERO,
            (MissingRule::Reweight, Some(_)) if present > Score::ZERO => {
                Score((i.weight.0 * 10_000 + present.0 / 2) / present.0)
            }
            _ => i.weight,
        };
        let v = value.unwrap_or(Score::ZERO);
        components.push(Component {
            indicator: i.id.clone(),
            label: i.label.clone(),
            value: *value,
            weight: i.weight,
            applied_weight: applied,
            points: Score((v.0 * applied.0 + 5_000) / 10_000),
            note: note.clone(),
        });
    }
    let total = match model.missing {
        MissingRule::Exclude if any_missing => None,
        _ => Some(components.iter().map(|c| c.points).sum()),
    };
    AssessmentResult {
        subject_id: subject_id.to_string(),
        name: name.to_string(),
        code: code.to_string(),
        total,
        components,
        rank: None,
        missing_rule: model.missing.label().to_string(),
    }
}

/// Ranks by total, best first (equal totals share a rank); the excluded are not ranked.
pub fn rank(results: &mut [AssessmentResult]) {
    results.sort_by(|a, b| b.total.cmp(&a.total).then(a.name.cmp(&b.name)));
    let mut last: Option<(Score, u32)> = None;
    for (n, r) in results.iter_mut().enumerate() {
        let Some(t) = r.total else { continue };
        r.rank = Some(match last {
            Some((lt, lr)) if lt == t => lr,
            _ => n as u32 + 1,
        });
        last = Some((t, r.rank.unwrap_or_default()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: i64) -> Option<Score> {
        Some(Score::from_int(x))
    }

    #[test]
    fn the_total_is_the_weighted_mean_and_missing_values_follow_the_rule() {
        let mut m = AssessmentModel::builtin().clone();
        let n = m.indicators.len();
        let full: Vec<(Option<Score>, String)> = (0..n).map(|_| (s(80), String::new())).collect();
        let r = score(&m, "a", "A", "c", &full);
        assert_eq!(
            r.total,
            s(80),
            "a weighted mean of equal values is that value"
        );
        let sum: Score = r.components.iter().map(|c| c.points).sum();
        assert_eq!(r.total, Some(sum));
        // One missing: re-weighted, the total stays the mean of the rest.
        let mut one_missing = full.clone();
        one_missing[0].0 = None;
        let r = score(&m, "a", "A", "c", &one_missing);
        assert_eq!(r.components[0].applied_weight, Score::ZERO);
        let applied: Score = r.components.iter().map(|c| c.applied_weight).sum();
        assert!(
            (applied.0 - 10_000).abs() <= n as i64,
            "weights rescaled to 100: {applied}"
        );
        assert!((r.total.unwrap().0 - 8_000).abs() <= n as i64);
        m.missing = MissingRule::Zero;
        let r = score(&m, "a", "A", "c", &one_missing);
        assert_eq!(
            r.total,
            Some(Score(8_000 - 80 * m.indicators[0].weight.0 / 100))
        );
        m.missing = MissingRule::Exclude;
        assert_eq!(score(&m, "a", "A", "c", &one_missing).total, None);
    }

    #[test]
    fn ranks_share_on_ties_and_skip_the_excluded() {
        let mk = |name: &str, t: Option<i64>| AssessmentResult {
            subject_id: name.into(),
            name: name.into(),
            code: String::new(),
            total: t.map(Score::from_int),
            components: vec![],
            rank: None,
            missing_rule: String::new(),
        };
        let mut v = vec![
            mk("a", Some(80)),
            mk("b", Some(90)),
            mk("c", Some(80)),
            mk("d", None),
        ];
        rank(&mut v);
        let ranks: Vec<(String, Option<u32>)> =
            v.iter().map(|r| (r.name.clone(), r.rank)).collect();
        assert_eq!(
            ranks,
            [
                ("b".into(), Some(1)),
                ("a".into(), Some(2)),
                ("c".into(), Some(2)),
                ("d".into(), None)
            ]
        );
    }

    #[test]
    fn half_years_parse_strictly() {
        let h = HalfYear::parse("2026H1").unwrap();
        assert_eq!(
            (h.first_day().to_string(), h.last_day().to_string()),
            ("2026-01-01".into(), "2026-06-30".into())
        );
        assert_eq!(HalfYear::parse("2026H2").unwrap().months()[5], "2026-12");
        for bad in ["2026H3", "2026-H1", "26H1", "2026h1", ""] {
            assert!(HalfYear::parse(bad).is_err(), "{bad}");
        }
        let bad = DEFAULT_ASSESSMENT_TOML.replacen("weight = 15", "weight = 20", 1);
        assert!(
            AssessmentModel::from_toml(&bad)
                .unwrap_err()
                .contains("100")
        );
    }
}
