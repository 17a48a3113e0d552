//! Graded, randomised supervision (分级分类监管, 双随机一公开): the inspection item list
//! (随机抽查事项清单) as policy data, replayable draws, inspection results. RULES.md §7.

mod draw;

pub use draw::*;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::evaluation::Score;

/// The shipped item list (version 1).
pub const DEFAULT_INSPECTION_TOML: &str = include_str!("../../../../data/policy/inspection.toml");

/// What an inspection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionOutcome {
    /// 未发现问题
    NoProblem,
    /// 发现问题，责令整改
    ProblemsFound,
    /// 发现违法行为，已立案
    CaseOpened,
}

impl InspectionOutcome {
    pub const ALL: [InspectionOutcome; 3] = [
        InspectionOutcome::NoProblem,
        InspectionOutcome::ProblemsFound,
        InspectionOutcome::CaseOpened,
    ];

    pub fn label(self) -> &'static str {
        match self {
            InspectionOutcome::NoProblem => "未发现问题",
            InspectionOutcome::ProblemsFound => "发现问题，责令整改",
            InspectionOutcome::CaseOpened => "发现违法行为，已立案查处",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            InspectionOutcome::NoProblem => "no_problem",
            InspectionOutcome::ProblemsFound => "problems_found",
            InspectionOutcome::CaseOpened => "case_opened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.key() == s || o.label() == s)
    }
}

/// A recorded inspection (检查结果), of a drawn task or of a subject in the quarter's plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionResult {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_no: Option<u32>,
    pub subject_id: String,
    pub subject_name: String,
    pub item_id: String,
    pub outcome: InspectionOutcome,
    /// 检查情况 / 整改要求 / 立案号, in the inspector's words.
    pub note: String,
    /// The inspecting unit.
    pub unit: String,
    pub inspectors: Vec<String>,
    pub on: NaiveDate,
}

/// A calendar quarter, named `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    pub q: u32,
}

impl Quarter {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let bad = || format!("“{text}”不是有效的季度（应为 2026-Q4 这样的写法）");
        let (y, q) = t.split_once("-Q").ok_or_else(bad)?;
        let year: i32 = y.parse().map_err(|_| bad())?;
        let q: u32 = q.parse().map_err(|_| bad())?;
        if y.len() != 4 || !(2000..=2099).contains(&year) || !(1..=4).contains(&q) {
            return Err(bad());
        }
        Ok(Quarter { year, q })
    }

    pub fn of(date: NaiveDate) -> Self {
        Quarter {
            year: date.year(),
            q: (date.month() - 1) / 3 + 1,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).expect("a valid quarter")
    }

    pub fn last_day(self) -> NaiveDate {
        let next = if self.q == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.q * 3 + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).expect("a valid quarter")
    }

    pub fn contains(self, d: NaiveDate) -> bool {
        self.first_day() <= d && d <= self.last_day()
    }
}

impl std::fmt::Display for Quarter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

/// The 随机抽查事项清单 and the rules of graded supervision, one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionPolicy {
    pub version: u32,
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub example: bool,
    pub note: String,
    /// Inspectors per task (双随机: at least two law-enforcement officers).
    pub inspectors_per_task: u32,
    pub serious: SeriousRule,
    #[serde(rename = "item")]
    pub items: Vec<InspectionItem>,
}

/// Every subject on `list` during a quarter is inspected at least once in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriousRule {
    pub list: String,
    /// The item a seriously dishonest subject is inspected under when no graded item drew it.
    pub item_id: String,
    pub basis: String,
}

/// One item of the 随机抽查事项清单.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectionItem {
    pub id: String,
    /// 抽查事项
    pub title: String,
    /// 抽查依据
    pub basis: String,
    /// 实施主体
    pub unit: String,
    /// 抽查对象
    pub subject_type: String,
    /// 抽查内容
    pub content: String,
    /// 抽查方式
    pub method: String,
    /// 抽查频次, in words.
    pub frequency: String,
    /// The evaluation model whose grades weight the draw; absent for an item that only takes
    /// the seriously dishonest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Draws a year the yearly ratios are spread over (4: one a quarter).
    pub draws_per_year: u32,
    /// 抽查比例 per grade, percent a year.
    #[serde(default)]
    pub ratios: Vec<GradeRatio>,
    #[serde(default)]
    pub example: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeRatio {
    pub grade: String,
    /// Percent of the grade's subjects a year.
    pub percent: Score,
}

impl InspectionItem {
    pub fn ratio(&self, grade: &str) -> Option<Score> {
        self.ratios
            .iter()
            .find(|r| r.grade == grade)
            .map(|r| r.percent)
    }

    /// How many of `n` subjects of a grade one draw takes: ⌈n × percent / 100 / draws a year⌉.
    pub fn sample_size(&self, n: usize, percent: Score) -> usize {
        let num = n as i64 * percent.0;
        let den = 10_000 * i64::from(self.draws_per_year.max(1));
        (((num + den - 1) / den) as usize).min(n)
    }
}

impl InspectionPolicy {
    pub fn builtin() -> &'static InspectionPolicy {
        static BUILTIN: std::sync::OnceLock<InspectionPolicy> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            InspectionPolicy::from_toml(DEFAULT_INSPECTION_TOML)
                .expect("data/policy/inspection.toml is valid (tested)")
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: InspectionPolicy = toml::from_str(text).map_err(|e| e.to_string())?;
        p.validate()?;
        Ok(p)
    }

    pub fn item(&self, id: &str) -> Option<&InspectionItem> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.inspectors_per_task == 0 {
            return Err("inspectors_per_task 至少为 1".into());
        }
        let mut ids = std::collections::HashSet::new();
        for i in &self.items {
            if !ids.insert(i.id.as_str()) {
                return Err(format!("抽查事项 {} 重复", i.id));
            }
            if i.draws_per_year == 0 {
                return Err(format!("抽查事项 {}：draws_per_year 应大于 0", i.id));
            }
            for r in &i.ratios {
                if r.percent < Score::ZERO || r.percent > Score::from_int(100) {
                    return Err(format!("抽查事项 {}：比例应在 0–100 之间", i.id));
                }
            }
            if i.model.is_none() && !i.ratios.is_empty() {
                return Err(format!("抽查事项 {}：按等级设比例须指明评价模型", i.id));
            }
        }
        if self.item(&self.serious.item_id).is_none() {
            return Err(format!(
                "serious.item_id {} 不是清单中的事项",
                self.serious.item_id
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
