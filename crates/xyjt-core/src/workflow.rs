//! The workflow engine (办理流程): objections (异议), credit repair (信用修复), rectification of
//! government dishonesty (限期整改), complaints about government (政务失信投诉) and requests for
//! government information (依申请公开) as state machines with working-day clocks.
//!
//! An application's facts — when it was filed, each step, each clock's start and length, every
//! extension and suspension — are ledger events. Due dates are *not* stored: they are computed
//! from those facts with the calendar loaded now (`Clock::due`). So a deadline that ran past the
//! calendar's last year is counted on weekdays and marked provisional, and becomes exact, by
//! itself, once that year's holiday notice is loaded — no stale deadlines to fix up.

use crate::calendar::{Calendar, DayKind};
use crate::cases::DeadlinePolicy;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Which workflow an application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkflowKind {
    /// 异议申请
    Objection,
    /// 信用修复申请
    Repair,
    /// 限期整改: opened by the platform when a department gets a dishonesty record.
    Rectification,
    /// 政务失信投诉 (毁约投诉, 政务失信投诉, 12328-style 诉求) about a department.
    Complaint,
    /// 政府信息公开申请 (依申请公开, 政府信息公开条例 第二十七条起).
    Disclosure,
}

impl WorkflowKind {
    pub fn label(self) -> &'static str {
        match self {
            WorkflowKind::Objection => "异议申请",
            WorkflowKind::Repair => "信用修复申请",
            WorkflowKind::Rectification => "政务失信限期整改",
            WorkflowKind::Complaint => "政务失信投诉",
            WorkflowKind::Disclosure => "政府信息公开申请",
        }
    }

    /// Application numbers start with this (异议 YY, 修复 XF, 整改 ZG, 投诉 TS, 公开 GK).
    pub fn prefix(self) -> &'static str {
        match self {
            WorkflowKind::Objection => "YY",
            WorkflowKind::Repair => "XF",
            WorkflowKind::Rectification => "ZG",
            WorkflowKind::Complaint => "TS",
            WorkflowKind::Disclosure => "GK",
        }
    }

    /// Every kind, for filters and statistics.
    pub const ALL: [WorkflowKind; 5] = [
        WorkflowKind::Objection,
        WorkflowKind::Repair,
        WorkflowKind::Rectification,
        WorkflowKind::Complaint,
        WorkflowKind::Disclosure,
    ];

    /// The kind named by its JSON name (`objection`, `repair`, `rectification`, `complaint`).
    pub fn parse(name: &str) -> Option<WorkflowKind> {
        Self::ALL.into_iter().find(|k| {
            serde_json::to_value(k)
                .ok()
                .as_ref()
                .and_then(Value::as_str)
                == Some(name)
        })
    }
}

/// What an application is about: a record, a list entry, or one field of a record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_id: Option<String>,
    /// An evaluation result (信用评价结果) objected to: an upheld objection re-scores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_id: Option<String>,
    /// A government-integrity record (政务诚信档案) a rectification case is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integrity_id: Option<String>,
    /// A single field of the record (its JSON name in the record body), when only it is disputed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// Who applied. The contact is kept for the handling unit and masked in every other view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    /// `subject` (the party itself) or `public` (anyone, about public data).
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// 依申请公开: the applicant's type as the annual report counts it (自然人, 商业企业, 科研机构,
    /// 社会公益组织, 法律服务机构, 其他).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub applicant_type: Option<String>,
}

/// An evidence file: its content is kept outside the ledger, addressed by this hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
}

/// Repair applicants' declarations, checked by the eligibility rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RepairDeclaration {
    /// 失信行为已纠正
    pub corrected: bool,
    /// 法定义务已履行 (fine paid, …)
    pub obligations_met: bool,
    /// The signed 信用修复承诺书 (its commitment id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment_id: Option<String>,
}

/// An application as filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Application {
    pub number: String,
    pub kind: WorkflowKind,
    /// SHA-256 of the query code given to the applicant (the code itself is never stored).
    pub query_code_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
    pub target: Target,
    pub applicant: Applicant,
    pub reason: String,
    /// The values the applicant says are right, by field (异议); empty for repair.
    #[serde(default)]
    pub claimed: Value,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declaration: Option<RepairDeclaration>,
    /// The unit the application is routed to (the unit that produced the data).
    pub unit: String,
    /// The day the application was received; clocks start here (not counted).
    pub filed_on: NaiveDate,
    /// `online` or `paper` (entered later by staff).
    pub channel: String,
    /// The deadline policy version its clocks were started under.
    pub policy_version: String,
    /// The first clock's working days and rule under that policy (carried here, so replaying
    /// the ledger needs no policy file).
    pub workdays: u32,
    pub rule: String,
    /// Complaints: 毁约投诉 / 政务失信投诉 / 诉求; rectification: the record's category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Further clocks started on the filing day (rectification: the report), with their rule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub more_clocks: Vec<ClockSpec>,
}

/// A clock an application starts with besides the first (carried in the application, so replay
/// needs no policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSpec {
    pub key: String,
    pub label: String,
    pub workdays: u32,
    pub rule: String,
}

/// The clocks after the first that an application of `kind` starts with under `policy`.
pub fn more_clocks(kind: WorkflowKind, policy: &DeadlinePolicy) -> Vec<ClockSpec> {
    match kind {
        WorkflowKind::Rectification => vec![ClockSpec {
            key: "report".into(),
            label: "提交整改报告".into(),
            workdays: policy.rectification_report,
            rule: format!(
                "存在政务失信记录的部门应限期整改，自记录之日起{}个工作日内提交整改报告（国发〔2016〕76号；期限政策 {}）",
                policy.rectification_report, policy.version
            ),
        }],
        _ => vec![],
    }
}

/// The first clock's length and rule for an application of `kind` under `policy`.
pub fn first_clock(kind: WorkflowKind, policy: &DeadlinePolicy) -> (u32, String) {
    match kind {
        WorkflowKind::Objection => (
            policy.objection_answer,
            format!(
                "异议申请应自受理之日起{}个工作日内核实并书面答复（期限政策 {}）",
                policy.objection_answer, policy.version
            ),
        ),
        WorkflowKind::Repair => (
            policy.repair_platform,
            format!(
                "信用平台应自收到修复申请之日起{}个工作日内办结（国办发〔2025〕22号；期限政策 {}）",
                policy.repair_platform, policy.version
            ),
        ),
        WorkflowKind::Rectification => (
            policy.rectification_explanation,
            format!(
                "存在政务失信记录的部门应对失信情况书面说明原因，自记录之日起{}个工作日内提交（国发〔2016〕76号；期限政策 {}）",
                policy.rectification_explanation, policy.version
            ),
        ),
        WorkflowKind::Complaint => (
            policy.complaint_reply,
            format!(
                "被投诉部门应自受理之日起{}个工作日内核实办理并答复投诉人（期限政策 {}）",
                policy.complaint_reply, policy.version
            ),
        ),
        WorkflowKind::Disclosure => (
            policy.disclosure_answer,
            format!(
                "行政机关不能当场答复的，应当自收到申请之日起{}个工作日内予以答复（《政府信息公开条例》第三十三条；期限政策 {}）",
                policy.disclosure_answer, policy.version
            ),
        ),
    }
}

/// An extension (延期) of a clock, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub on: NaiveDate,
    pub workdays: u32,
    pub reason: String,
}

/// A suspension (中止, e.g. waiting for materials): the clock does not run from `from` (not
/// counted) to `to` (counted as suspended); `to = None` while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    pub reason: String,
    /// The most working days it may stop the clock (征求第三方意见: the third party's 15
    /// working days when no reply comes); no limit when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_workdays: Option<u32>,
}

/// One working-day clock of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clock {
    /// Stable key: `answer`, `platform`, `authority`, `sync`.
    pub key: String,
    /// What must happen by the due date, in Chinese.
    pub label: String,
    /// Who must act.
    pub unit: String,
    /// The rule, in Chinese, with its policy version.
    pub rule: String,
    pub start: NaiveDate,
    pub workdays: u32,
    #[serde(default)]
    pub extensions: Vec<Extension>,
    #[serde(default)]
    pub suspensions: Vec<Suspension>,
    /// When what the clock asks for was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_on: Option<NaiveDate>,
}

/// A run of consecutive non-working days skipped by a deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRun {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// 周末 / 法定节假日 / 周末（日历外按周一至周五计）
    pub kind: String,
}

/// A due date with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Due {
    pub due_on: NaiveDate,
    /// Part of the count ran past the loaded calendar and was counted Monday–Friday.
    pub provisional: bool,
    pub start: NaiveDate,
    pub workdays: u32,
    pub extension_workdays: u32,
    /// Working days the clock stood still (suspensions; an open one up to the view day).
    pub suspended_workdays: u32,
    pub skipped: Vec<SkippedRun>,
    pub make_up_workdays: Vec<NaiveDate>,
    /// The whole explanation in one Chinese sentence.
    pub explanation: String,
}

/// Where a clock stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// 办理中
    Running,
    /// 临期
    NearDue,
    /// 已逾期
    Overdue,
    /// 中止中
    Suspended,
    /// 按期办结
    DoneOnTime,
    /// 逾期办结
    DoneLate,
}

impl ClockStatus {
    pub fn label(self) -> &'static str {
        match self {
            ClockStatus::Running => "办理中",
            ClockStatus::NearDue => "临期",
            ClockStatus::Overdue => "已逾期",
            ClockStatus::Suspended => "中止中",
            ClockStatus::DoneOnTime => "按期办结",
            ClockStatus::DoneLate => "逾期办结",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            ClockStatus::Running
                | ClockStatus::NearDue
                | ClockStatus::Overdue
                | ClockStatus::Suspended
        )
    }
}

fn is_working(cal: &Calendar, day: NaiveDate) -> (bool, Option<DayKind>) {
    match cal.day_kind(day) {
        Ok(kind) => (kind.is_working_day(), Some(kind)),
        Err(_) => (!matches!(day.weekday(), Weekday::Sat | Weekday::Sun), None),
    }
}

/// Working days d with from < d <= to, on the calendar where it covers them and Monday–Friday
/// beyond; `true` when any day was beyond.
pub fn workdays_in(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> (u32, bool) {
    let (mut n, mut provisional) = (0, false);
    let mut day = from;
    while day < to {
        day = day.succ_opt().expect("dates far from the end of time");
        let (working, kind) = is_working(cal, day);
        provisional |= kind.is_none();
        if working {
            n += 1;
        }
    }
    (n, provisional)
}

impl Clock {
    pub fn extension_workdays(&self) -> u32 {
        self.extensions.iter().map(|e| e.workdays).sum()
    }

    /// The open suspension, if any.
    pub fn open_suspension(&self) -> Option<&Suspension> {
        self.suspensions.iter().find(|s| s.to.is_none())
    }

    /// The due date on `view_day`'s knowledge (an open suspension counts up to that day).
    pub fn due(&self, cal: &Calendar, view_day: NaiveDate) -> Due {
        let mut suspended = 0;
        let mut provisional = false;
        for s in &self.suspensions {
            let to = s.to.unwrap_or(view_day.max(s.from));
            let (n, p) = workdays_in(cal, s.from, to);
            suspended += n.min(s.max_workdays.unwrap_or(u32::MAX));
            provisional |= p;
        }
        let total = self.workdays + self.extension_workdays() + suspended;
        // Walk day by day: at most a few dozen working days, and it collects the explanation.
        let mut day = self.start;
        let mut left = total;
        let mut skipped: Vec<SkippedRun> = Vec::new();
        let mut make_up = Vec::new();
        while left > 0 {
            day = day.succ_opt().expect("dates far from the end of time");
            let (working, kind) = is_working(cal, day);
            provisional |= kind.is_none();
            if working {
                left -= 1;
                if kind == Some(DayKind::MakeUpWorkday) {
                    make_up.push(day);
                }
                continue;
            }
            let label = match kind {
                Some(DayKind::Holiday) => "法定节假日",
                Some(_) => "周末",
                None => "周末（日历外，按周一至周五计）",
            };
            match skipped.last_mut() {
                Some(run) if run.kind == label && run.to.succ_opt() == Some(day) => run.to = day,
                _ => skipped.push(SkippedRun {
                    from: day,
                    to: day,
                    kind: label.to_string(),
                }),
            }
        }
        let mut text = format!(
            "自 {} 起算（当日不计），{}个工作日",
            self.start, self.workdays
        );
        if self.extension_workdays() > 0 {
            text.push_str(&format!("，延期{}个工作日", self.extension_workdays()));
        }
        if suspended > 0 {
            text.push_str(&format!("，中止期间{suspended}个工作日不计"));
        }
        let holidays: Vec<String> = skipped
            .iter()
            .filter(|r| r.kind != "周末")
            .map(|r| {
                if r.from == r.to {
                    format!("{}（{}）", r.from, r.kind)
                } else {
                    format!("{} 至 {}（{}）", r.from, r.to, r.kind)
                }
            })
            .collect();
        let weekends = skipped.iter().filter(|r| r.kind == "周末").count();
        text.push_str(&format!("；跳过周末{weekends}处"));
        if !holidays.is_empty() {
            text.push_str(&format!("、{}", holidays.join("、")));
        }
        if !make_up.is_empty() {
            let days: Vec<String> = make_up.iter().map(|d| d.to_string()).collect();
            text.push_str(&format!("；调休上班日 {} 计入", days.join("、")));
        }
        text.push_str(&format!("；期限为 {day}"));
        if provisional {
            text.push_str(&format!(
                "（暂定：超出已加载的 {}–{} 年节假日安排，按周一至周五计算，加载新年度日历后自动重算）",
                cal.years().start(),
                cal.years().end()
            ));
        }
        text.push('。');
        Due {
            due_on: day,
            provisional,
            start: self.start,
            workdays: self.workdays,
            extension_workdays: self.extension_workdays(),
            suspended_workdays: suspended,
            skipped,
            make_up_workdays: make_up,
            explanation: text,
        }
    }

    pub fn status(&self, cal: &Calendar, today: NaiveDate, near_due: u32) -> ClockStatus {
        let due = self.due(cal, today).due_on;
        if let Some(done) = self.done_on {
            return if done <= due {
                ClockStatus::DoneOnTime
            } else {
                ClockStatus::DoneLate
            };
        }
        if self.open_suspension().is_some() {
            return ClockStatus::Suspended;
        }
        if today > due {
            return ClockStatus::Overdue;
        }
        let (left, _) = workdays_in(cal, today, due);
        if left <= near_due {
            ClockStatus::NearDue
        } else {
            ClockStatus::Running
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    /// 已受理，办理中
    Accepted,
    /// 中止（待补正材料等）
    Suspended,
    /// 已转认定单位核实 (repair)
    Forwarded,
    /// 异议成立
    Upheld,
    /// 异议不成立
    Dismissed,
    /// 准予修复
    Approved,
    /// 不予修复
    Refused,
    /// 申请人撤回
    Withdrawn,
    /// 整改完成 (rectification accepted)
    Rectified,
    /// 整改不到位
    NotRectified,
    /// 投诉属实，已答复
    Substantiated,
    /// 投诉不属实，已答复
    Unsubstantiated,
    /// 征求第三方或其他机关意见中 (the clock does not run, up to its limit)
    Consulting,
    /// 已答复 (依申请公开: the outcome is in the decision)
    Answered,
}

impl AppStatus {
    pub fn label(self) -> &'static str {
        match self {
            AppStatus::Accepted => "已受理，办理中",
            AppStatus::Suspended => "中止（待补正材料）",
            AppStatus::Forwarded => "已转认定单位核实",
            AppStatus::Upheld => "异议成立，已更正",
            AppStatus::Dismissed => "异议不成立",
            AppStatus::Approved => "准予修复",
            AppStatus::Refused => "不予修复",
            AppStatus::Withdrawn => "申请人已撤回",
            AppStatus::Rectified => "整改完成",
            AppStatus::NotRectified => "整改不到位",
            AppStatus::Substantiated => "投诉属实，已答复",
            AppStatus::Unsubstantiated => "投诉不属实，已答复",
            AppStatus::Consulting => "征求第三方意见中",
            AppStatus::Answered => "已答复",
        }
    }

    pub fn is_open(self) -> bool {
        matches!(
            self,
            AppStatus::Accepted
                | AppStatus::Suspended
                | AppStatus::Forwarded
                | AppStatus::Consulting
        )
    }
}

/// The decision on an application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Upheld (异议成立) or approved (准予修复).
    pub granted: bool,
    /// The written answer: reasons in Chinese (required either way).
    pub reasons: String,
    /// Objection upheld: revoke the record rather than correct it.
    #[serde(default)]
    pub revoke: bool,
    /// Objection upheld: the corrected field values (defaults to what was claimed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrected: Option<Value>,
    /// 依申请公开: the result, as a result row of part 3 of the annual report table names it
    /// (予以公开, 部分公开, 属于国家秘密, 本机关不掌握相关政府信息 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// One step of an application, as a ledger event carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Routed to another unit (the clocks keep running).
    Assigned {
        unit: String,
    },
    /// The clocks stop (e.g. materials requested).
    Suspended {
        reason: String,
    },
    Resumed,
    /// A clock gets more working days.
    Extended {
        clock: String,
        workdays: u32,
        reason: String,
    },
    /// Repair: the platform passes the case to the deciding authority; its clock starts with
    /// the working days and rule in force (carried here, so replay needs no policy).
    Forwarded {
        unit: String,
        workdays: u32,
        rule: String,
    },
    /// The written answer. A granted decision starts the sync clock described here.
    Decided {
        decision: Decision,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sync: Option<SyncClock>,
    },
    /// The result reached the provincial platform / downstream systems.
    Synced {
        target: String,
    },
    Withdrawn {
        reason: String,
    },
    /// Rectification: the department handed in what a clock asks for (书面说明, 整改报告);
    /// `document` summarises it (the file itself, when any, is evidence kept by hash).
    Submitted {
        clock: String,
        document: String,
    },
    /// 依申请公开: the one request to correct or complete the application (条例第三十条); the
    /// answer clock stops.
    CorrectionRequested {
        reason: String,
    },
    /// 依申请公开: the corrected application arrived; the answer clock restarts from this day,
    /// a full period (条例第三十条: 答复期限自收到补正的申请之日起计算).
    Corrected,
    /// 依申请公开: a third party or another agency is consulted (条例第三十二条); the days until
    /// its reply are not counted, at most `max_workdays` (the third party's period).
    Consulted {
        party: String,
        max_workdays: u32,
    },
    /// 依申请公开: the consulted party replied (this day still not counted).
    ConsultReplied,
}

/// The clock a granted decision starts: results reach the provincial platform / downstream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncClock {
    pub label: String,
    pub workdays: u32,
    pub rule: String,
}

impl Step {
    /// Forwarding to the deciding authority under `policy`.
    pub fn forwarded(unit: &str, policy: &DeadlinePolicy) -> Step {
        Step::Forwarded {
            unit: unit.to_string(),
            workdays: policy.repair_authority,
            rule: format!(
                "认定单位应自收到之日起{}个工作日内作出决定（国办发〔2025〕22号；期限政策 {}）",
                policy.repair_authority, policy.version
            ),
        }
    }

    /// A decision under `policy`: granted ones start the sync clock.
    pub fn decided(kind: WorkflowKind, decision: Decision, policy: &DeadlinePolicy) -> Step {
        let sync = decision
            .granted
            .then_some(kind)
            .and_then(|kind| match kind {
                WorkflowKind::Objection => Some(SyncClock {
                    label: "报送省级平台".into(),
                    workdays: policy.objection_sync,
                    rule: format!(
                        "更正或撤销的信息应在{}个工作日内报送省级平台（期限政策 {}）",
                        policy.objection_sync, policy.version
                    ),
                }),
                WorkflowKind::Repair => Some(SyncClock {
                    label: "修复结果同步下游系统".into(),
                    workdays: policy.repair_downstream,
                    rule: format!(
                        "修复结果应在{}个工作日内同步至相关系统（国办发〔2025〕22号；期限政策 {}）",
                        policy.repair_downstream, policy.version
                    ),
                }),
                // Nothing to send on: the result is published where the case is.
                WorkflowKind::Rectification
                | WorkflowKind::Complaint
                | WorkflowKind::Disclosure => None,
            });
        Step::Decided { decision, sync }
    }
}

/// Checks a step against the limits of `policy` that the fold does not know (extension caps).
pub fn check_policy(
    s: &AppState,
    step: &Step,
    policy: &DeadlinePolicy,
) -> Result<(), WorkflowError> {
    if let Step::Extended {
        clock, workdays, ..
    } = step
        // 依申请公开 has its own rule (once, a fixed length): `check_calendar`.
        && s.app.kind != WorkflowKind::Disclosure
    {
        let c = s
            .clocks
            .iter()
            .find(|c| &c.key == clock && c.done_on.is_none())
            .ok_or_else(|| WorkflowError::NoClock(clock.clone()))?;
        let used = c.extension_workdays();
        if used + workdays > policy.max_extension {
            return Err(WorkflowError::ExtensionTooLong {
                max: policy.max_extension,
                used,
            });
        }
    }
    Ok(())
}

/// The rules of 依申请公开 that need the calendar (the fold does not have it): the correction
/// request within `disclosure_correction_window` working days of receipt; one extension, of
/// `disclosure_extension` working days, decided before the deadline in force.
pub fn check_calendar(
    s: &AppState,
    step: &Step,
    on: NaiveDate,
    cal: &Calendar,
    policy: &DeadlinePolicy,
) -> Result<(), WorkflowError> {
    if s.app.kind != WorkflowKind::Disclosure {
        return Ok(());
    }
    match step {
        Step::CorrectionRequested { .. } => {
            if s.correction_requested {
                return Err(WorkflowError::CorrectionTwice);
            }
            let window = policy.disclosure_correction_window;
            let (used, _) = workdays_in(cal, s.app.filed_on, on);
            if used > window {
                let last = Clock {
                    key: String::new(),
                    label: String::new(),
                    unit: String::new(),
                    rule: String::new(),
                    start: s.app.filed_on,
                    workdays: window,
                    extensions: vec![],
                    suspensions: vec![],
                    done_on: None,
                }
                .due(cal, on)
                .due_on;
                return Err(WorkflowError::CorrectionTooLate { window, last, on });
            }
        }
        Step::Extended {
            clock, workdays, ..
        } => {
            let c = s
                .clocks
                .iter()
                .find(|c| &c.key == clock && c.done_on.is_none())
                .ok_or_else(|| WorkflowError::NoClock(clock.clone()))?;
            if !c.extensions.is_empty() {
                return Err(WorkflowError::ExtendedTwice);
            }
            if *workdays != policy.disclosure_extension {
                return Err(WorkflowError::ExtensionLength(policy.disclosure_extension));
            }
            let due = c.due(cal, on).due_on;
            if on > due {
                return Err(WorkflowError::ExtensionTooLate { due, on });
            }
        }
        _ => {}
    }
    Ok(())
}

/// One line of an application's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub on: NaiveDate,
    pub by: String,
    /// 提交申请 / 中止 / … in Chinese.
    pub action: String,
    pub note: String,
}

/// An application and everything that happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppState {
    pub app: Application,
    pub status: AppStatus,
    /// The unit now handling it.
    pub unit: String,
    pub clocks: Vec<Clock>,
    pub history: Vec<HistoryItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    /// 依申请公开: the one correction request was made (条例第三十条 allows one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub correction_requested: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("申请 {0} 不存在 (no such application)")]
    Missing(String),
    #[error("申请已办结（{0}），不能再{1} (application closed)")]
    Closed(&'static str, &'static str),
    #[error("申请未中止，不能恢复 (not suspended)")]
    NotSuspended,
    #[error("申请已中止，请先恢复办理 (suspended)")]
    IsSuspended,
    #[error("没有名为 {0} 的期限 (no such clock)")]
    NoClock(String),
    #[error("延期合计不得超过 {max} 个工作日（已延期 {used}）(extension too long)")]
    ExtensionTooLong { max: u32, used: u32 },
    #[error("只有信用修复申请需要转认定单位 (only repair applications are forwarded)")]
    NotRepair,
    #[error("信用修复申请须先转认定单位核实，再作决定 (forward before deciding)")]
    NotForwarded,
    #[error("没有待报送的结果 (nothing to sync)")]
    NothingToSync,
    #[error("书面答复必须写明理由 (reasons required)")]
    NoReasons,
    #[error("日期 {0} 早于申请的上一步 {1} (date before the last step)")]
    BeforeLastStep(NaiveDate, NaiveDate),
    #[error("只有限期整改案件提交书面说明或整改报告 (only rectification cases take submissions)")]
    NotRectification,
    #[error("{0}已提交 (already submitted)")]
    AlreadySubmitted(String),
    #[error("尚未提交{0}，不能作出整改结论 (submission missing)")]
    SubmissionMissing(String),
    #[error("只有政府信息公开申请可以{0} (disclosure requests only)")]
    NotDisclosure(&'static str),
    #[error(
        "补正只能要求一次（《政府信息公开条例》第三十条：一次性告知申请人作出补正）(correction already requested)"
    )]
    CorrectionTwice,
    #[error(
        "补正须在收到申请之日起{window}个工作日内一次性告知（最后一日 {last}，{on} 已超过）（《政府信息公开条例》第三十条）(correction too late)"
    )]
    CorrectionTooLate {
        window: u32,
        last: NaiveDate,
        on: NaiveDate,
    },
    #[error("没有待补正的申请 (no correction pending)")]
    NoCorrectionPending,
    #[error("没有正在征求的意见 (no consultation pending)")]
    NoConsultation,
    #[error("答复期限只能延长一次（《政府信息公开条例》第三十三条）(extended before)")]
    ExtendedTwice,
    #[error(
        "延长答复期限须在期限届满前决定（现行期限 {due}，{on} 已超过）（《政府信息公开条例》第三十三条）(extension too late)"
    )]
    ExtensionTooLate { due: NaiveDate, on: NaiveDate },
    #[error(
        "延长的期限为 {0} 个工作日（《政府信息公开条例》第三十三条：最长不得超过20个工作日；期限政策）(extension length)"
    )]
    ExtensionLength(u32),
    #[error(
        "政府信息公开申请的答复须写明办理结果（outcome），为年度报告表格第三部分的一项，如：{0} (outcome required)"
    )]
    NoOutcome(String),
}

/// Opens an application: its first clock starts on the day it was filed.
pub fn open(app: Application, by: &str) -> AppState {
    let (key, label, unit) = match app.kind {
        WorkflowKind::Objection => ("answer", "核实并书面答复", app.unit.clone()),
        WorkflowKind::Repair => ("platform", "平台办结修复申请", "信用交通平台".to_string()),
        WorkflowKind::Rectification => ("explanation", "提交书面说明", app.unit.clone()),
        WorkflowKind::Complaint => ("answer", "核实办理并答复投诉人", app.unit.clone()),
        WorkflowKind::Disclosure => ("answer", "作出答复", app.unit.clone()),
    };
    let mut clocks = vec![Clock {
        key: key.into(),
        label: label.into(),
        unit,
        rule: app.rule.clone(),
        start: app.filed_on,
        workdays: app.workdays,
        extensions: vec![],
        suspensions: vec![],
        done_on: None,
    }];
    clocks.extend(app.more_clocks.iter().map(|c| Clock {
        key: c.key.clone(),
        label: c.label.clone(),
        unit: app.unit.clone(),
        rule: c.rule.clone(),
        start: app.filed_on,
        workdays: c.workdays,
        extensions: vec![],
        suspensions: vec![],
        done_on: None,
    }));
    let opened = match app.kind {
        WorkflowKind::Rectification => "立案整改",
        WorkflowKind::Complaint => "受理投诉",
        WorkflowKind::Disclosure => "收到申请",
        WorkflowKind::Objection | WorkflowKind::Repair => "提交申请",
    };
    let history = vec![HistoryItem {
        on: app.filed_on,
        by: by.to_string(),
        action: opened.into(),
        note: format!("{}，分送{}办理", app.kind.label(), app.unit),
    }];
    AppState {
        unit: app.unit.clone(),
        status: AppStatus::Accepted,
        clocks,
        history,
        decision: None,
        decided_on: None,
        correction_requested: false,
        app,
    }
}

impl AppState {
    pub fn clock(&self, key: &str) -> Option<&Clock> {
        self.clocks.iter().find(|c| c.key == key)
    }

    fn last_day(&self) -> NaiveDate {
        self.history
            .last()
            .map(|h| h.on)
            .unwrap_or(self.app.filed_on)
    }

    /// The clock that matters now: the first open one, else the last.
    pub fn current_clock(&self) -> Option<&Clock> {
        self.clocks
            .iter()
            .find(|c| c.done_on.is_none())
            .or(self.clocks.last())
    }

    /// Whether any clock is past due without being done.
    pub fn is_overdue(&self, cal: &Calendar, today: NaiveDate, near_due: u32) -> bool {
        self.clocks
            .iter()
            .any(|c| c.status(cal, today, near_due) == ClockStatus::Overdue)
    }
}

/// Applies one step. Dates may not go backwards; closed applications take only `Synced`.
pub fn apply(
    mut s: AppState,
    step: &Step,
    on: NaiveDate,
    by: &str,
) -> Result<AppState, WorkflowError> {
    let last = s.last_day();
    if on < last {
        return Err(WorkflowError::BeforeLastStep(on, last));
    }
    let closed = !s.status.is_open();
    let verb = match step {
        Step::Assigned { .. } => "改派",
        Step::Suspended { .. } => "中止",
        Step::Resumed => "恢复",
        Step::Extended { .. } => "延期",
        Step::Forwarded { .. } => "转办",
        Step::Decided { .. } => "决定",
        Step::Withdrawn { .. } => "撤回",
        Step::Synced { .. } => "报送",
        Step::Submitted { .. } => "提交",
        Step::CorrectionRequested { .. } => "要求补正",
        Step::Corrected => "补正",
        Step::Consulted { .. } => "征求意见",
        Step::ConsultReplied => "收到意见",
    };
    let disclosure_only = |what: &'static str| {
        if s.app.kind == WorkflowKind::Disclosure {
            Ok(())
        } else {
            Err(WorkflowError::NotDisclosure(what))
        }
    };
    if closed && !matches!(step, Step::Synced { .. }) {
        return Err(WorkflowError::Closed(s.status.label(), verb));
    }
    let (action, note) = match step {
        Step::Assigned { unit } => {
            s.unit = unit.clone();
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.unit = unit.clone();
            }
            ("改派".to_string(), format!("改由{unit}办理"))
        }
        Step::Suspended { reason } => {
            if s.status == AppStatus::Suspended {
                return Err(WorkflowError::IsSuspended);
            }
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.suspensions.push(Suspension {
                    from: on,
                    to: None,
                    reason: reason.clone(),
                    max_workdays: None,
                });
            }
            s.status = AppStatus::Suspended;
            ("中止办理".to_string(), reason.clone())
        }
        Step::Resumed => {
            if s.status != AppStatus::Suspended {
                return Err(WorkflowError::NotSuspended);
            }
            for c in s.clocks.iter_mut() {
                for susp in c.suspensions.iter_mut().filter(|x| x.to.is_none()) {
                    susp.to = Some(on);
                }
            }
            s.status = if s.clock("authority").is_some() {
                AppStatus::Forwarded
            } else {
                AppStatus::Accepted
            };
            ("恢复办理".to_string(), String::new())
        }
        Step::Extended {
            clock,
            workdays,
            reason,
        } => {
            let c = s
                .clocks
                .iter_mut()
                .find(|c| &c.key == clock && c.done_on.is_none())
                .ok_or_else(|| WorkflowError::NoClock(clock.clone()))?;
            c.extensions.push(Extension {
                on,
                workdays: *workdays,
                reason: reason.clone(),
            });
            (
                "延期".to_string(),
                format!("{}延期{}个工作日：{}", c.label, workdays, reason),
            )
        }
        Step::Forwarded {
            unit,
            workdays,
            rule,
        } => {
            if s.app.kind != WorkflowKind::Repair {
                return Err(WorkflowError::NotRepair);
            }
            if s.status == AppStatus::Suspended {
                return Err(WorkflowError::IsSuspended);
            }
            s.clocks.push(Clock {
                key: "authority".into(),
                label: "认定单位核实决定".into(),
                unit: unit.clone(),
                rule: rule.clone(),
                start: on,
                workdays: *workdays,
                extensions: vec![],
                suspensions: vec![],
                done_on: None,
            });
            s.status = AppStatus::Forwarded;
            ("转认定单位".to_string(), format!("转{unit}核实"))
        }
        Step::Decided { decision, sync } => {
            if decision.reasons.trim().is_empty() {
                return Err(WorkflowError::NoReasons);
            }
            // A request may be answered while awaiting its correction (逾期不补正) or a consulted
            // party's view (逾期未提出意见): the pause ends that day.
            if s.status == AppStatus::Suspended && s.app.kind != WorkflowKind::Disclosure {
                return Err(WorkflowError::IsSuspended);
            }
            if s.app.kind == WorkflowKind::Repair && s.status != AppStatus::Forwarded {
                return Err(WorkflowError::NotForwarded);
            }
            if s.app.kind == WorkflowKind::Disclosure {
                let known = decision
                    .outcome
                    .as_deref()
                    .and_then(crate::disclosure::annual::result_row);
                if known.is_none() {
                    return Err(WorkflowError::NoOutcome(
                        "予以公开、部分公开、属于国家秘密、本机关不掌握相关政府信息、重复申请"
                            .into(),
                    ));
                }
                for c in s.clocks.iter_mut() {
                    for p in c.suspensions.iter_mut().filter(|p| p.to.is_none()) {
                        p.to = Some(on);
                    }
                }
            }
            // A rectification is judged on what the department handed in: every clock done.
            if s.app.kind == WorkflowKind::Rectification
                && let Some(c) = s.clocks.iter().find(|c| c.done_on.is_none())
            {
                return Err(WorkflowError::SubmissionMissing(
                    c.label.trim_start_matches("提交").to_string(),
                ));
            }
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.done_on = Some(on);
            }
            s.status = match (s.app.kind, decision.granted) {
                (WorkflowKind::Objection, true) => AppStatus::Upheld,
                (WorkflowKind::Objection, false) => AppStatus::Dismissed,
                (WorkflowKind::Repair, true) => AppStatus::Approved,
                (WorkflowKind::Repair, false) => AppStatus::Refused,
                (WorkflowKind::Rectification, true) => AppStatus::Rectified,
                (WorkflowKind::Rectification, false) => AppStatus::NotRectified,
                (WorkflowKind::Complaint, true) => AppStatus::Substantiated,
                (WorkflowKind::Complaint, false) => AppStatus::Unsubstantiated,
                (WorkflowKind::Disclosure, _) => AppStatus::Answered,
            };
            if let Some(sync) = sync.as_ref().filter(|_| decision.granted) {
                s.clocks.push(Clock {
                    key: "sync".into(),
                    label: sync.label.clone(),
                    unit: s.unit.clone(),
                    rule: sync.rule.clone(),
                    start: on,
                    workdays: sync.workdays,
                    extensions: vec![],
                    suspensions: vec![],
                    done_on: None,
                });
            }
            s.decision = Some(decision.clone());
            s.decided_on = Some(on);
            (s.status.label().to_string(), decision.reasons.clone())
        }
        Step::Synced { target } => {
            let c = s
                .clocks
                .iter_mut()
                .find(|c| c.key == "sync" && c.done_on.is_none())
                .ok_or(WorkflowError::NothingToSync)?;
            c.done_on = Some(on);
            ("已报送".to_string(), format!("结果已送达{target}"))
        }
        Step::Withdrawn { reason } => {
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.done_on = Some(on);
            }
            s.status = AppStatus::Withdrawn;
            ("撤回申请".to_string(), reason.clone())
        }
        Step::Submitted { clock, document } => {
            if s.app.kind != WorkflowKind::Rectification {
                return Err(WorkflowError::NotRectification);
            }
            if s.status == AppStatus::Suspended {
                return Err(WorkflowError::IsSuspended);
            }
            let c = s
                .clocks
                .iter_mut()
                .find(|c| &c.key == clock)
                .ok_or_else(|| WorkflowError::NoClock(clock.clone()))?;
            let what = c.label.trim_start_matches("提交").to_string();
            if c.done_on.is_some() {
                return Err(WorkflowError::AlreadySubmitted(what));
            }
            c.done_on = Some(on);
            (format!("提交{what}"), document.clone())
        }
        Step::CorrectionRequested { reason } => {
            disclosure_only("要求补正")?;
            if s.correction_requested {
                return Err(WorkflowError::CorrectionTwice);
            }
            if s.status != AppStatus::Accepted {
                return Err(WorkflowError::IsSuspended);
            }
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.suspensions.push(Suspension {
                    from: on,
                    to: None,
                    reason: format!("要求申请人补正：{reason}"),
                    max_workdays: None,
                });
            }
            s.correction_requested = true;
            s.status = AppStatus::Suspended;
            ("要求补正".to_string(), reason.clone())
        }
        Step::Corrected => {
            disclosure_only("登记补正")?;
            if !(s.correction_requested && s.status == AppStatus::Suspended) {
                return Err(WorkflowError::NoCorrectionPending);
            }
            let mut restarted = 0;
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                // 答复期限自收到补正的申请之日起计算: a full period from this day.
                c.start = on;
                c.suspensions.clear();
                c.extensions.clear();
                restarted = c.workdays;
            }
            s.status = AppStatus::Accepted;
            (
                "收到补正".to_string(),
                format!("申请人已补正，答复期限自 {on} 起重新计算{restarted}个工作日"),
            )
        }
        Step::Consulted {
            party,
            max_workdays,
        } => {
            disclosure_only("征求意见")?;
            if s.status != AppStatus::Accepted {
                return Err(WorkflowError::IsSuspended);
            }
            for c in s.clocks.iter_mut().filter(|c| c.done_on.is_none()) {
                c.suspensions.push(Suspension {
                    from: on,
                    to: None,
                    reason: format!("征求{party}意见"),
                    max_workdays: Some(*max_workdays),
                });
            }
            s.status = AppStatus::Consulting;
            (
                "征求意见".to_string(),
                format!(
                    "书面征求{party}意见；所需时间不计入答复期限（最长{max_workdays}个工作日）"
                ),
            )
        }
        Step::ConsultReplied => {
            disclosure_only("登记意见")?;
            if s.status != AppStatus::Consulting {
                return Err(WorkflowError::NoConsultation);
            }
            for c in s.clocks.iter_mut() {
                for p in c.suspensions.iter_mut().filter(|p| p.to.is_none()) {
                    p.to = Some(on);
                }
            }
            s.status = AppStatus::Accepted;
            ("收到意见".to_string(), String::new())
        }
    };
    s.history.push(HistoryItem {
        on,
        by: by.to_string(),
        action,
        note,
    });
    Ok(s)
}

/// A new application number: prefix, filing date and six random characters (YY-20261122-7KQ3M9).
pub fn new_number(kind: WorkflowKind, filed_on: NaiveDate) -> String {
    format!(
        "{}-{}-{}",
        kind.prefix(),
        filed_on.format("%Y%m%d"),
        random_code(6)
    )
}

/// A random code of `len` characters from an alphabet without look-alikes (no 0/O, 1/I/L).
pub fn random_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in uuid::Uuid::new_v4().as_bytes() {
            // 248 = 8 × 31: rejection sampling keeps every character equally likely.
            if *b < 248 && out.len() < len {
                out.push(ALPHABET[usize::from(*b) % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The SHA-256 (hex) under which a query code is kept.
pub fn query_code_hash(code: &str) -> String {
    crate::canonical::sha256_hex(code.trim().to_uppercase().as_bytes())
}

/// The internal key of a field named by a caller (see [`crate::fields::Field::named`]: key,
/// national code or Chinese label) in a record of `category`; `party` (the whole party) stays
/// as it is. `category` is refused: a correction cannot change it.
pub fn field_key(
    category: crate::record::RecordCategory,
    name: &str,
) -> Result<&'static str, String> {
    match name.trim() {
        "category" => Err("更正不能改变记录类别".into()),
        "party" => Ok("party"),
        other => crate::fields::Field::named(category, other)
            .map(|f| f.key())
            .map_err(|e| e.to_string()),
    }
}

/// The Chinese label of an internal key, for messages (`罚款金额（万元）`; `行政相对人` for
/// `party`); the key itself when it names no field.
pub fn field_label(category: crate::record::RecordCategory, key: &str) -> String {
    if key == "party" {
        return "行政相对人".into();
    }
    crate::fields::Field::named(category, key)
        .map(|f| f.label(category).to_string())
        .unwrap_or_else(|_| key.to_string())
}

/// Claimed or corrected values with every field named by its internal key (`fine`), whatever
/// name the caller gave (`CF_NR_FK`, `罚款金额`); a field named twice is refused.
pub fn normalize_fields(
    category: crate::record::RecordCategory,
    fields: &Value,
) -> Result<serde_json::Map<String, Value>, String> {
    let Some(fields) = fields.as_object() else {
        return Err("应为“字段: 值”的对象".into());
    };
    let mut out = serde_json::Map::new();
    for (name, v) in fields {
        let key = field_key(category, name)?;
        if out.insert(key.to_string(), v.clone()).is_some() {
            return Err(format!("“{}”写了不止一次", field_label(category, key)));
        }
    }
    Ok(out)
}

/// Sets `fields` (internal keys) into a body's JSON; party keys (`party.name`) inside `party`.
fn set_fields(json: &mut Value, fields: &serde_json::Map<String, Value>) {
    // RecordBody serialises internally tagged: {"category": …, "party": …, …}.
    let target = json
        .as_object_mut()
        .expect("record bodies serialise as objects");
    for (k, v) in fields {
        match k.strip_prefix("party.") {
            Some(inner) => {
                if let Some(party) = target.get_mut("party").and_then(Value::as_object_mut) {
                    party.insert(inner.to_string(), v.clone());
                }
            }
            None => {
                target.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Applies the corrected field values to a record body (异议成立: 更正). Fields are named by
/// internal key, national code or Chinese label; any field of the record's layout may be set,
/// and each must keep the field's type (a refusal names the field in Chinese).
pub fn patch_body(
    body: &crate::record::RecordBody,
    fields: &Value,
) -> Result<crate::record::RecordBody, String> {
    let category = body.category();
    if !fields.is_object() {
        return Err("更正内容应为“字段: 值”的对象".into());
    }
    let fields = normalize_fields(category, fields)?;
    if fields.is_empty() {
        return Err("没有给出更正后的字段值".into());
    }
    let original = serde_json::to_value(body).map_err(|e| e.to_string())?;
    let mut json = original.clone();
    set_fields(&mut json, &fields);
    serde_json::from_value(json).map_err(|e| {
        // Name the first field whose value alone makes the record invalid.
        let culprit = fields.iter().find(|(k, v)| {
            let mut one = original.clone();
            let single = serde_json::Map::from_iter([((*k).clone(), (*v).clone())]);
            set_fields(&mut one, &single);
            serde_json::from_value::<crate::record::RecordBody>(one).is_err()
        });
        match culprit {
            Some((k, v)) => format!("“{}”的值 {v} 不合规（{e}）", field_label(category, k)),
            None => format!("更正后的记录不合规：{e}"),
        }
    })
}
