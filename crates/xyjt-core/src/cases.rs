//! Joint punishment cases (联合惩戒案件): an initiating unit opens a case for a listed subject;
//! it is pushed to implementing units across the organisation tree (province → city → county,
//! other regions); each implements and reports back within a working-day deadline; overdue
//! units are visible to the initiator (发起响应、信息推送、执行反馈).

use crate::calendar::Calendar;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub const DEFAULT_DEADLINES_TOML: &str = include_str!("../../../data/policy/deadlines.toml");
pub const DEFAULT_ORG_TREE_TOML: &str = include_str!("../../../data/org-tree.toml");

/// Workflow deadlines as policy data.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DeadlinePolicy {
    pub version: String,
    /// Working days an implementing unit has to report back on a joint case.
    pub joint_case_report: u32,
    /// 异议: written answer (RULES.md §5).
    pub objection_answer: u32,
    /// 异议成立: report the corrected data to the provincial platform.
    pub objection_sync: u32,
    /// 信用修复: the platform's answer.
    pub repair_platform: u32,
    /// 信用修复: the deciding authority's decision after receiving the case.
    pub repair_authority: u32,
    /// 信用修复: results reach downstream systems.
    pub repair_downstream: u32,
    /// Working days left at or below which a clock is 临期 (near due).
    pub near_due: u32,
    /// Longest total extension of one clock, in working days.
    pub max_extension: u32,
    /// 限期整改: a department with a new dishonesty record explains it in writing (书面说明).
    pub rectification_explanation: u32,
    /// 限期整改: and reports its rectification (整改报告).
    pub rectification_report: u32,
    /// 政务失信投诉 / 诉求: the department's reply to the complainant.
    pub complaint_reply: u32,
    /// 依申请公开: the answer (政府信息公开条例 第三十三条).
    pub disclosure_answer: u32,
    /// 依申请公开: the one request for correction is made within this many working days of
    /// receipt (第三十条).
    pub disclosure_correction_window: u32,
    /// 依申请公开: a consulted third party's period; at most this many working days of a
    /// consultation are not counted when no reply comes (第三十二条).
    pub disclosure_consult_max: u32,
    /// 依申请公开: the one extension (第三十三条: 最长不得超过20个工作日).
    pub disclosure_extension: u32,
}

impl DeadlinePolicy {
    /// The built-in policy, parsed once.
    pub fn builtin() -> &'static Self {
        static POLICY: std::sync::LazyLock<DeadlinePolicy> = std::sync::LazyLock::new(|| {
            DeadlinePolicy::from_toml(DEFAULT_DEADLINES_TOML)
                .expect("the built-in deadline policy parses")
        });
        &POLICY
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let p: DeadlinePolicy =
            toml::from_str(text).map_err(|e| format!("期限政策文件格式错误：{e}"))?;
        for (name, days) in [
            ("joint_case_report", p.joint_case_report),
            ("objection_answer", p.objection_answer),
            ("objection_sync", p.objection_sync),
            ("repair_platform", p.repair_platform),
            ("repair_authority", p.repair_authority),
            ("repair_downstream", p.repair_downstream),
            ("rectification_explanation", p.rectification_explanation),
            ("rectification_report", p.rectification_report),
            ("complaint_reply", p.complaint_reply),
            ("disclosure_answer", p.disclosure_answer),
            (
                "disclosure_correction_window",
                p.disclosure_correction_window,
            ),
            ("disclosure_consult_max", p.disclosure_consult_max),
            ("disclosure_extension", p.disclosure_extension),
        ] {
            if days == 0 {
                return Err(format!("{name} 必须大于 0"));
            }
        }
        Ok(p)
    }
}

/// One unit of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    /// `province` | `city` | `county`
    pub level: String,
    #[serde(default)]
    pub parent: Option<String>,
    /// `other` for a unit of another region (跨区域).
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OrgTree {
    #[serde(rename = "unit")]
    pub units: Vec<OrgUnit>,
}

impl OrgTree {
    /// The built-in tree, parsed once.
    pub fn builtin() -> &'static Self {
        static TREE: std::sync::LazyLock<OrgTree> = std::sync::LazyLock::new(|| {
            OrgTree::from_toml(DEFAULT_ORG_TREE_TOML)
                .expect("the built-in organisation tree parses")
        });
        &TREE
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        let tree: OrgTree =
            toml::from_str(text).map_err(|e| format!("组织机构文件格式错误：{e}"))?;
        for u in &tree.units {
            if let Some(p) = &u.parent
                && !tree.units.iter().any(|x| &x.id == p)
            {
                return Err(format!("单位 {} 的上级 {p} 不存在", u.id));
            }
        }
        Ok(tree)
    }

    pub fn by_name(&self, name: &str) -> Option<&OrgUnit> {
        self.units.iter().find(|u| u.name == name)
    }

    /// Every unit below `root` (children, grandchildren, …), in file order.
    pub fn descendants(&self, root: &str) -> Vec<&OrgUnit> {
        let mut out: Vec<&OrgUnit> = Vec::new();
        let mut frontier = vec![root.to_string()];
        while let Some(id) = frontier.pop() {
            for u in self
                .units
                .iter()
                .filter(|u| u.parent.as_deref() == Some(&id))
            {
                out.push(u);
                frontier.push(u.id.clone());
            }
        }
        out.sort_by_key(|u| self.units.iter().position(|x| x.id == u.id));
        out
    }

    /// The transport bureaus of other regions (跨区域联动).
    pub fn other_regions(&self) -> Vec<&OrgUnit> {
        self.units
            .iter()
            .filter(|u| u.region.as_deref() == Some("other") && u.parent.is_none())
            .collect()
    }
}

/// A joint punishment case as opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JointCase {
    pub id: String,
    /// The list entry the case acts on.
    pub entry_id: String,
    pub subject_name: String,
    pub initiating_unit: String,
    /// The measures (四张清单 items) to implement.
    pub measure_ids: Vec<String>,
    pub implementing_units: Vec<String>,
    pub opened_on: NaiveDate,
    pub due_on: NaiveDate,
    /// The deadline ran past the loaded holiday calendar (counted on weekdays).
    #[serde(default)]
    pub due_provisional: bool,
    pub note: String,
}

/// An implementing unit's report (执行反馈).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitReport {
    pub unit: String,
    pub applied: bool,
    pub note: String,
    pub reported_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseState {
    pub case: JointCase,
    pub reports: Vec<UnitReport>,
}

/// Where one implementing unit stands on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    /// 已按期反馈
    Reported,
    /// 逾期后反馈
    ReportedLate,
    /// 待反馈
    Pending,
    /// 逾期未反馈
    Overdue,
}

impl UnitStatus {
    pub fn label(self) -> &'static str {
        match self {
            UnitStatus::Reported => "已按期反馈",
            UnitStatus::ReportedLate => "逾期后反馈",
            UnitStatus::Pending => "待反馈",
            UnitStatus::Overdue => "逾期未反馈",
        }
    }
}

impl CaseState {
    pub fn unit_status(&self, unit: &str, today: NaiveDate) -> UnitStatus {
        match self.reports.iter().find(|r| r.unit == unit) {
            Some(r) if r.reported_on <= self.case.due_on => UnitStatus::Reported,
            Some(_) => UnitStatus::ReportedLate,
            None if today > self.case.due_on => UnitStatus::Overdue,
            None => UnitStatus::Pending,
        }
    }

    /// Any implementing unit past the deadline without a report.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.case
            .implementing_units
            .iter()
            .any(|u| self.unit_status(u, today) == UnitStatus::Overdue)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("“{0}”不是本案的实施单位 (not an implementing unit)")]
    NotImplementing(String),
    #[error("“{0}”已反馈过 (already reported)")]
    AlreadyReported(String),
    #[error("案件不存在 (no such case)")]
    Missing,
}

/// Applies a report to a case.
pub fn add_report(state: Option<CaseState>, report: &UnitReport) -> Result<CaseState, CaseError> {
    let mut s = state.ok_or(CaseError::Missing)?;
    if !s.case.implementing_units.contains(&report.unit) {
        return Err(CaseError::NotImplementing(report.unit.clone()));
    }
    if s.reports.iter().any(|r| r.unit == report.unit) {
        return Err(CaseError::AlreadyReported(report.unit.clone()));
    }
    s.reports.push(report.clone());
    Ok(s)
}

/// The report deadline of a case opened on `opened_on`.
pub fn case_due(
    opened_on: NaiveDate,
    calendar: &Calendar,
    policy: &DeadlinePolicy,
) -> (NaiveDate, bool) {
    calendar.add_workdays_or_provisional(opened_on, policy.joint_case_report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn case() -> CaseState {
        CaseState {
            case: JointCase {
                id: "c1".into(),
                entry_id: "e1".into(),
                subject_name: "某公司".into(),
                initiating_unit: "示范省交通运输厅信用管理处".into(),
                measure_ids: vec!["P-BLACK-TENDER".into()],
                implementing_units: vec!["东湖市交通运输局".into(), "西岭市交通运输局".into()],
                opened_on: d("2025-09-26"),
                due_on: d("2025-10-15"),
                due_provisional: false,
                note: String::new(),
            },
            reports: vec![],
        }
    }

    #[test]
    fn org_tree_cascades_down_and_across() {
        let tree = OrgTree::builtin();
        let below: Vec<&str> = tree
            .descendants("SF")
            .iter()
            .map(|u| u.name.as_str())
            .collect();
        assert!(
            below.contains(&"青山县交通运输局"),
            "grandchildren included"
        );
        assert!(!below.contains(&"邻省交通运输厅"));
        assert_eq!(tree.other_regions()[0].name, "邻省交通运输厅");
        assert!(
            OrgTree::from_toml("[[unit]]\nid=\"a\"\nname=\"x\"\nlevel=\"city\"\nparent=\"zz\"")
                .is_err()
        );
    }

    #[test]
    fn deadline_counts_working_days_across_national_day() {
        // 2025-09-26 (Fri) + 10 working days: 09-28 (make-up Sun), 29, 30, Oct 1–8 off,
        // 9, 10, 11 (make-up Sat), 13, 14, 15, 16 → 10th is 10-16.
        let (due, provisional) = case_due(
            d("2025-09-26"),
            &Calendar::builtin(),
            DeadlinePolicy::builtin(),
        );
        assert_eq!((due, provisional), (d("2025-10-16"), false));
    }

    #[test]
    fn units_are_pending_reported_or_overdue() {
        let mut s = case();
        assert_eq!(
            s.unit_status("东湖市交通运输局", d("2025-10-15")),
            UnitStatus::Pending
        );
        assert!(!s.is_overdue(d("2025-10-15")));
        assert!(s.is_overdue(d("2025-10-16")));
        s = add_report(
            Some(s),
            &UnitReport {
                unit: "东湖市交通运输局".into(),
                applied: true,
                note: "已限制".into(),
                reported_on: d("2025-10-10"),
            },
        )
        .unwrap();
        assert_eq!(
            s.unit_status("东湖市交通运输局", d("2025-12-01")),
            UnitStatus::Reported
        );
        assert_eq!(
            s.unit_status("西岭市交通运输局", d("2025-12-01")),
            UnitStatus::Overdue
        );
        let again = add_report(
            Some(s.clone()),
            &UnitReport {
                unit: "东湖市交通运输局".into(),
                applied: true,
                note: String::new(),
                reported_on: d("2025-10-11"),
            },
        );
        assert_eq!(
            again.unwrap_err(),
            CaseError::AlreadyReported("东湖市交通运输局".into())
        );
        let stranger = add_report(
            Some(s),
            &UnitReport {
                unit: "别的单位".into(),
                applied: true,
                note: String::new(),
                reported_on: d("2025-10-11"),
            },
        );
        assert!(matches!(stranger, Err(CaseError::NotImplementing(_))));
    }
}
