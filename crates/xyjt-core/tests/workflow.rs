//! The workflow engine: working-day clocks across the 2024–2026 holidays (expected dates counted
//! by hand from the State Council notices), suspensions, extensions, deadlines beyond the
//! calendar, status, transitions, corrections and repair eligibility.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::json;
use xyjt_core::calendar::Calendar;
use xyjt_core::cases::DeadlinePolicy;
use xyjt_core::workflow::{
    AppStatus, Applicant, Application, Clock, ClockStatus, Decision, Step, Target, WorkflowError,
    WorkflowKind, apply, check_policy, first_clock, more_clocks, open, patch_body, query_code_hash,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn clock(start: &str, workdays: u32) -> Clock {
    Clock {
        key: "answer".into(),
        label: "核实并书面答复".into(),
        unit: "示范市交通运输局".into(),
        rule: "test".into(),
        start: d(start),
        workdays,
        extensions: vec![],
        suspensions: vec![],
        done_on: None,
    }
}

#[test]
fn objection_answer_across_national_day_2026() {
    // Filed Mon 2026-09-28. Counted: 09-29, 09-30, (10-01..10-07 holiday), 10-08, 10-09,
    // 10-10 (Saturday make-up workday), 10-12..10-16, 10-19..10-23 → the 15th is 10-23.
    let cal = Calendar::builtin();
    let due = clock("2026-09-28", 15).due(&cal, d("2026-09-28"));
    assert_eq!(due.due_on, d("2026-10-23"));
    assert!(!due.provisional);
    assert_eq!(due.make_up_workdays, vec![d("2026-10-10")]);
    let holiday = due.skipped.iter().find(|r| r.kind == "法定节假日").unwrap();
    assert_eq!(
        (holiday.from, holiday.to),
        (d("2026-10-01"), d("2026-10-07"))
    );
    assert!(
        due.explanation
            .contains("自 2026-09-28 起算（当日不计），15个工作日")
    );
    assert!(
        due.explanation
            .contains("2026-10-01 至 2026-10-07（法定节假日）")
    );
    assert!(due.explanation.contains("调休上班日 2026-10-10 计入"));
    assert!(due.explanation.contains("期限为 2026-10-23"));
}

#[test]
fn repair_platform_clock_across_spring_festival_2026() {
    // Filed Fri 2026-02-13: 02-14 (make-up) 1, 02-15..02-23 holiday, 02-24..02-27 2–5,
    // 02-28 (make-up) 6, 03-02..03-05 7–10.
    let cal = Calendar::builtin();
    let due = clock("2026-02-13", 10).due(&cal, d("2026-02-13"));
    assert_eq!(due.due_on, d("2026-03-05"));
    assert_eq!(due.make_up_workdays, vec![d("2026-02-14"), d("2026-02-28")]);
}

#[test]
fn objection_answer_across_labour_day_2024() {
    // Filed Tue 2024-04-30: 05-01..05-05 holiday, 05-06..05-10 1–5, 05-11 (make-up) 6,
    // 05-13..05-17 7–11, 05-20..05-23 12–15.
    let cal = Calendar::builtin();
    let due = clock("2024-04-30", 15).due(&cal, d("2024-04-30"));
    assert_eq!(due.due_on, d("2024-05-23"));
    assert_eq!(due.make_up_workdays, vec![d("2024-05-11")]);
}

#[test]
fn suspension_stops_the_clock_and_extension_adds_to_it() {
    let cal = Calendar::builtin();
    let mut c = clock("2026-09-28", 15);
    // Suspended 10-08, resumed 10-12: 10-09, 10-10 (make-up) and 10-12 do not count.
    c.suspensions.push(xyjt_core::workflow::Suspension {
        from: d("2026-10-08"),
        to: Some(d("2026-10-12")),
        reason: "补正材料".into(),
        max_workdays: None,
    });
    let due = c.due(&cal, d("2026-10-12"));
    assert_eq!(due.suspended_workdays, 3);
    assert_eq!(due.due_on, d("2026-10-28"));
    assert!(due.explanation.contains("中止期间3个工作日不计"));
    c.extensions.push(xyjt_core::workflow::Extension {
        on: d("2026-10-20"),
        workdays: 2,
        reason: "情况复杂".into(),
    });
    assert_eq!(c.due(&cal, d("2026-10-20")).due_on, d("2026-10-30"));
}

#[test]
fn an_open_suspension_counts_up_to_the_view_day() {
    let cal = Calendar::builtin();
    let mut c = clock("2026-09-28", 15);
    c.suspensions.push(xyjt_core::workflow::Suspension {
        from: d("2026-10-12"),
        to: None,
        reason: "等待材料".into(),
        max_workdays: None,
    });
    // Viewed 10-14: 10-13 and 10-14 stood still so far.
    assert_eq!(c.due(&cal, d("2026-10-14")).suspended_workdays, 2);
    assert_eq!(
        c.status(&cal, d("2026-12-01"), 2),
        ClockStatus::Suspended,
        "a suspended clock is never overdue"
    );
}

/// The built-in calendar with a 2027 section: New Year's Day 2027-01-01 a holiday.
fn calendar_with_2027() -> Calendar {
    let text = format!(
        "{}\n[2027]\nholidays = [\"2027-01-01\"]\nworkdays = []\n",
        include_str!("../../../data/cn-calendar.toml")
    );
    Calendar::from_toml(&text).unwrap()
}

#[test]
fn beyond_the_calendar_is_provisional_then_exact_when_the_year_is_loaded() {
    // Filed Tue 2026-12-22; 15 working days run into 2027, which the built-in calendar lacks:
    // 12-23, 12-24, 12-25, 12-28..12-31 (7), then weekdays 2027-01-01, 01-04..01-08,
    // 01-11, 01-12 → 2027-01-12, provisional.
    let c = clock("2026-12-22", 15);
    let due = c.due(&Calendar::builtin(), d("2026-12-22"));
    assert_eq!(due.due_on, d("2027-01-12"));
    assert!(due.provisional);
    assert!(due.explanation.contains("暂定"));
    // The same facts with 2027 loaded: 01-01 is a holiday, so one day later, and exact.
    let due = c.due(&calendar_with_2027(), d("2026-12-22"));
    assert_eq!(due.due_on, d("2027-01-13"));
    assert!(!due.provisional);
    assert!(due.explanation.contains("2027-01-01（法定节假日）"));
}

#[test]
fn clock_status_running_near_due_overdue_done() {
    let cal = Calendar::builtin();
    let mut c = clock("2026-09-28", 15); // due 2026-10-23 (Fri)
    assert_eq!(c.status(&cal, d("2026-10-12"), 2), ClockStatus::Running);
    // 10-21: two working days left (10-22, 10-23).
    assert_eq!(c.status(&cal, d("2026-10-21"), 2), ClockStatus::NearDue);
    assert_eq!(c.status(&cal, d("2026-10-20"), 2), ClockStatus::Running);
    assert_eq!(c.status(&cal, d("2026-10-23"), 2), ClockStatus::NearDue);
    assert_eq!(c.status(&cal, d("2026-10-24"), 2), ClockStatus::Overdue);
    c.done_on = Some(d("2026-10-23"));
    assert_eq!(c.status(&cal, d("2026-11-30"), 2), ClockStatus::DoneOnTime);
    c.done_on = Some(d("2026-10-26"));
    assert_eq!(c.status(&cal, d("2026-11-30"), 2), ClockStatus::DoneLate);
}

fn application(kind: WorkflowKind, filed: &str) -> Application {
    let policy = DeadlinePolicy::builtin();
    let (workdays, rule) = first_clock(kind, policy);
    Application {
        number: format!("{}-TEST", kind.prefix()),
        kind,
        query_code_hash: query_code_hash("ABCD2345"),
        subject_id: Some("s1".into()),
        target: Target {
            result_id: None,
            integrity_id: None,
            record_id: Some("r1".into()),
            entry_id: None,
            field: None,
        },
        applicant: Applicant {
            name: "示范市长风货运有限公司".into(),
            role: "subject".into(),
            contact: None,
            applicant_type: None,
        },
        reason: "罚款金额录入错误".into(),
        claimed: json!({"fine": "0.1"}),
        evidence: vec![],
        declaration: None,
        unit: "示范市交通运输综合行政执法支队".into(),
        filed_on: d(filed),
        channel: "online".into(),
        policy_version: policy.version.clone(),
        workdays,
        rule,
        topic: None,
        more_clocks: more_clocks(kind, DeadlinePolicy::builtin()),
    }
}

fn decide(granted: bool) -> Step {
    Step::decided(
        WorkflowKind::Repair,
        Decision {
            granted,
            reasons: "经核实".into(),
            revoke: false,
            corrected: None,
            outcome: None,
        },
        DeadlinePolicy::builtin(),
    )
}

#[test]
fn policy_defaults_are_the_rules() {
    let p = DeadlinePolicy::builtin();
    assert_eq!(
        (
            p.objection_answer,
            p.objection_sync,
            p.repair_platform,
            p.repair_authority,
            p.repair_downstream
        ),
        (15, 5, 10, 3, 3)
    );
}

#[test]
fn repair_runs_platform_then_authority_then_sync() {
    let cal = Calendar::builtin();
    let policy = DeadlinePolicy::builtin();
    let s = open(application(WorkflowKind::Repair, "2026-09-28"), "portal");
    assert_eq!(s.status, AppStatus::Accepted);
    assert_eq!(s.clocks[0].key, "platform");
    assert_eq!(
        s.clocks[0].due(&cal, d("2026-09-28")).due_on,
        d("2026-10-16")
    );
    // Deciding before the authority has it is refused.
    assert_eq!(
        apply(s.clone(), &decide(true), d("2026-09-29"), "平台").unwrap_err(),
        WorkflowError::NotForwarded
    );
    let s = apply(
        s,
        &Step::forwarded("示范市交通运输综合行政执法支队", policy),
        d("2026-09-30"),
        "平台",
    )
    .unwrap();
    assert_eq!(s.status, AppStatus::Forwarded);
    // Authority: 3 working days from 09-30 → 10-08, 10-09, 10-10 (make-up).
    let auth = s.clock("authority").unwrap();
    assert_eq!(auth.due(&cal, d("2026-09-30")).due_on, d("2026-10-10"));
    let s = apply(s, &decide(true), d("2026-10-09"), "执法支队").unwrap();
    assert_eq!(s.status, AppStatus::Approved);
    assert!(
        s.clocks[..2]
            .iter()
            .all(|c| c.done_on == Some(d("2026-10-09")))
    );
    let sync = s.clock("sync").unwrap();
    assert_eq!(sync.workdays, 3);
    // 10-10 (make-up), 10-12, 10-13: three left on the day of the decision.
    assert_eq!(sync.due(&cal, d("2026-10-09")).due_on, d("2026-10-13"));
    assert_eq!(sync.status(&cal, d("2026-10-09"), 2), ClockStatus::Running);
    assert_eq!(sync.status(&cal, d("2026-10-10"), 2), ClockStatus::NearDue);
    // Closed: only the sync step is still possible, once.
    assert!(matches!(
        apply(s.clone(), &Step::Resumed, d("2026-10-12"), "x").unwrap_err(),
        WorkflowError::Closed(..)
    ));
    let s = apply(
        s,
        &Step::Synced {
            target: "省级平台".into(),
        },
        d("2026-10-12"),
        "exchange",
    )
    .unwrap();
    assert_eq!(s.clock("sync").unwrap().done_on, Some(d("2026-10-12")));
    assert_eq!(
        apply(
            s.clone(),
            &Step::Synced {
                target: "省级平台".into()
            },
            d("2026-10-12"),
            "exchange"
        )
        .unwrap_err(),
        WorkflowError::NothingToSync
    );
    assert_eq!(s.history.len(), 4);
}

#[test]
fn suspension_resumption_extension_and_refusals() {
    let policy = DeadlinePolicy::builtin();
    let s = open(application(WorkflowKind::Objection, "2026-09-28"), "portal");
    assert_eq!(
        apply(s.clone(), &Step::Resumed, d("2026-09-29"), "x").unwrap_err(),
        WorkflowError::NotSuspended
    );
    let s = apply(
        s,
        &Step::Suspended {
            reason: "请补正营业执照".into(),
        },
        d("2026-09-29"),
        "x",
    )
    .unwrap();
    assert_eq!(s.status, AppStatus::Suspended);
    let refused = apply(s.clone(), &decide(true), d("2026-09-30"), "x").unwrap_err();
    assert_eq!(refused, WorkflowError::IsSuspended);
    // Dates never go backwards.
    assert!(matches!(
        apply(s.clone(), &Step::Resumed, d("2026-09-28"), "x").unwrap_err(),
        WorkflowError::BeforeLastStep(..)
    ));
    let s = apply(s, &Step::Resumed, d("2026-10-09"), "x").unwrap();
    assert_eq!(s.status, AppStatus::Accepted);
    let too_long = Step::Extended {
        clock: "answer".into(),
        workdays: policy.max_extension + 1,
        reason: "复杂".into(),
    };
    assert!(matches!(
        check_policy(&s, &too_long, policy).unwrap_err(),
        WorkflowError::ExtensionTooLong { .. }
    ));
    let ok = Step::Extended {
        clock: "answer".into(),
        workdays: 5,
        reason: "需调取执法记录".into(),
    };
    check_policy(&s, &ok, policy).unwrap();
    let s = apply(s, &ok, d("2026-10-12"), "x").unwrap();
    assert_eq!(s.clocks[0].extension_workdays(), 5);
    let no_reason = Step::Decided {
        decision: Decision {
            granted: false,
            reasons: " ".into(),
            revoke: false,
            corrected: None,
            outcome: None,
        },
        sync: None,
    };
    assert_eq!(
        apply(s.clone(), &no_reason, d("2026-10-13"), "x").unwrap_err(),
        WorkflowError::NoReasons
    );
    let s = apply(
        s,
        &Step::decided(
            WorkflowKind::Objection,
            Decision {
                granted: false,
                reasons: "经核实，原处罚信息准确".into(),
                revoke: false,
                corrected: None,
                outcome: None,
            },
            policy,
        ),
        d("2026-10-13"),
        "x",
    )
    .unwrap();
    assert_eq!(s.status, AppStatus::Dismissed);
    assert!(s.clock("sync").is_none(), "nothing to sync when dismissed");
}

#[test]
fn corrections_touch_only_existing_fields_of_the_same_category() {
    let body: xyjt_core::record::RecordBody = serde_json::from_value(json!({
        "category": "penalty",
        "party": {"name": "示范市长风货运有限公司", "category": "法人及非法人组织"},
        "doc_no": "示交罚〔2026〕1号",
        "violation_type": "超限运输",
        "facts": "f",
        "basis": "b",
        "kinds": ["罚款"],
        "content": "罚款2000元",
        "fine": "0.2",
        "decision_date": "2026-09-01",
        "valid_until": "2027-09-01",
        "authority": "示范市交通运输局",
        "authority_code": "11350100MB00000012",
        "source_unit": "示范市交通运输局",
        "source_unit_code": "11350100MB00000012"
    }))
    .unwrap_or_else(|e| panic!("test body: {e}"));
    let fixed = patch_body(&body, &json!({"fine": "0.1", "content": "罚款1000元"})).unwrap();
    let v = serde_json::to_value(&fixed).unwrap();
    assert_eq!(v["fine"], "0.1");
    assert_eq!(v["content"], "罚款1000元");
    assert_eq!(v["doc_no"], "示交罚〔2026〕1号");
    assert!(
        patch_body(&body, &json!({"colour": "red"}))
            .unwrap_err()
            .contains("colour")
    );
    assert!(patch_body(&body, &json!({"category": "license"})).is_err());
    assert!(patch_body(&body, &json!({"fine": "not money"})).is_err());
    assert!(patch_body(&body, &json!([])).is_err());
}

proptest! {
    /// Without suspensions or extensions a clock's due date is the calendar's n-th working day,
    /// and exactly n working days lie between start and due.
    #[test]
    fn due_dates_agree_with_the_calendar(offset in 0i64..1000, n in 0u32..40) {
        let cal = Calendar::builtin();
        let start = d("2024-01-01") + chrono::Duration::days(offset);
        let c = Clock { start, workdays: n, ..clock("2024-01-01", n) };
        let due = c.due(&cal, start);
        prop_assert_eq!(due.due_on, cal.add_workdays(start, n).unwrap());
        prop_assert!(!due.provisional);
        prop_assert_eq!(cal.workdays_between(start, due.due_on).unwrap(), i64::from(n));
        if n > 0 {
            prop_assert!(cal.is_working_day(due.due_on).unwrap());
        }
    }
}

fn decide_kind(kind: WorkflowKind, granted: bool) -> Step {
    Step::decided(
        kind,
        Decision {
            granted,
            reasons: "经核实".into(),
            revoke: false,
            corrected: None,
            outcome: None,
        },
        DeadlinePolicy::builtin(),
    )
}

fn submit(clock: &str) -> Step {
    Step::Submitted {
        clock: clock.into(),
        document: "说明材料".into(),
    }
}

#[test]
fn rectification_runs_explanation_and_report_clocks_across_national_day() {
    let cal = Calendar::builtin();
    let s = open(
        application(WorkflowKind::Rectification, "2026-09-28"),
        "平台",
    );
    let keys: Vec<&str> = s.clocks.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["explanation", "report"]);
    // 10 working days: 09-29, 09-30, (10-01..07 holiday) 10-08, 10-09, 10-10 (make-up), 10-12 … 10-16.
    assert_eq!(
        s.clocks[0].due(&cal, d("2026-09-28")).due_on,
        d("2026-10-16")
    );
    // 30 working days: 20 more after 10-16 → 11-13.
    assert_eq!(
        s.clocks[1].due(&cal, d("2026-09-28")).due_on,
        d("2026-11-13")
    );
    assert!(s.clocks[1].rule.contains("整改报告"));
    // A conclusion needs both documents.
    let granted = decide_kind(WorkflowKind::Rectification, true);
    assert!(matches!(
        apply(s.clone(), &granted, d("2026-10-09"), "办公室").unwrap_err(),
        WorkflowError::SubmissionMissing(_)
    ));
    let s = apply(s, &submit("explanation"), d("2026-10-20"), "部门").unwrap();
    assert_eq!(
        s.clocks[0].status(&cal, d("2026-10-20"), 2),
        ClockStatus::DoneLate
    );
    assert_eq!(
        apply(s.clone(), &submit("explanation"), d("2026-10-21"), "部门").unwrap_err(),
        WorkflowError::AlreadySubmitted("书面说明".into())
    );
    assert!(s.is_overdue(&cal, d("2026-11-16"), 2));
    let s = apply(s, &submit("report"), d("2026-11-10"), "部门").unwrap();
    assert_eq!(
        s.clocks[1].status(&cal, d("2026-11-10"), 2),
        ClockStatus::DoneOnTime
    );
    let s = apply(s, &granted, d("2026-11-12"), "办公室").unwrap();
    assert_eq!(s.status, AppStatus::Rectified);
    // Nothing to send on: no sync clock.
    assert!(s.clock("sync").is_none());
    assert_eq!(s.history.last().unwrap().action, "整改完成");
}

#[test]
fn submissions_belong_to_rectifications_only() {
    let s = open(application(WorkflowKind::Objection, "2026-09-28"), "portal");
    assert_eq!(
        apply(s, &submit("answer"), d("2026-09-29"), "x").unwrap_err(),
        WorkflowError::NotRectification
    );
}

#[test]
fn complaints_are_answered_within_their_reply_period() {
    let cal = Calendar::builtin();
    let s = open(application(WorkflowKind::Complaint, "2026-09-28"), "portal");
    assert_eq!(s.clocks.len(), 1);
    assert_eq!(
        s.clocks[0].workdays,
        DeadlinePolicy::builtin().complaint_reply
    );
    // 15 working days: 10-16 is the 10th, then 10-19 … 10-23.
    assert_eq!(
        s.clocks[0].due(&cal, d("2026-09-28")).due_on,
        d("2026-10-23")
    );
    let s = apply(
        s,
        &decide_kind(WorkflowKind::Complaint, false),
        d("2026-10-22"),
        "部门",
    )
    .unwrap();
    assert_eq!(s.status, AppStatus::Unsubstantiated);
    assert_eq!(
        s.clocks[0].status(&cal, d("2026-10-30"), 2),
        ClockStatus::DoneOnTime
    );
    assert!(WorkflowKind::parse("complaint") == Some(WorkflowKind::Complaint));
    assert!(WorkflowKind::parse("nonsense").is_none());
}

// ---------------------------------------------------------------------------------------------
// 依申请公开 (政府信息公开条例 第三十条、第三十二条、第三十三条): expected dates counted by hand.

fn disclosure(received: &str) -> xyjt_core::workflow::AppState {
    open(application(WorkflowKind::Disclosure, received), "portal")
}

fn answer_due(s: &xyjt_core::workflow::AppState, view: &str) -> NaiveDate {
    s.clock("answer")
        .unwrap()
        .due(&Calendar::builtin(), d(view))
        .due_on
}

/// Checks the calendar rules, then applies the step (as the service does).
fn disclosure_step(
    s: xyjt_core::workflow::AppState,
    step: Step,
    on: &str,
) -> Result<xyjt_core::workflow::AppState, WorkflowError> {
    xyjt_core::workflow::check_calendar(
        &s,
        &step,
        d(on),
        &Calendar::builtin(),
        DeadlinePolicy::builtin(),
    )?;
    apply(s, &step, d(on), "办公室")
}

fn answered(outcome: &str) -> Step {
    Step::decided(
        WorkflowKind::Disclosure,
        Decision {
            granted: true,
            reasons: "经审查".into(),
            revoke: false,
            corrected: None,
            outcome: Some(outcome.into()),
        },
        DeadlinePolicy::builtin(),
    )
}

#[test]
fn a_request_is_answered_within_20_working_days_across_national_day_2024() {
    let s = disclosure("2024-09-27");
    assert_eq!(s.clocks[0].workdays, 20);
    // 09-29 (make-up) and 09-30, 10-08 … 10-11, 10-12 (make-up), then 10-14 … 10-30.
    assert_eq!(answer_due(&s, "2024-09-27"), d("2024-10-30"));
    let explanation = s
        .clock("answer")
        .unwrap()
        .due(&Calendar::builtin(), d("2024-09-27"));
    assert!(
        explanation
            .explanation
            .contains("2024-10-01 至 2024-10-07（法定节假日）")
    );
    assert!(
        explanation
            .explanation
            .contains("调休上班日 2024-09-29、2024-10-12 计入")
    );
}

#[test]
fn a_correction_is_asked_once_within_7_working_days_and_restarts_the_period_2025() {
    let s = disclosure("2025-01-20");
    let ask = || Step::CorrectionRequested {
        reason: "请写明所需信息的文号或名称".into(),
    };
    // 01-21 … 01-24, 01-26 (make-up), 01-27, (Spring Festival) 02-05 is the 7th working day.
    let late = disclosure_step(s.clone(), ask(), "2025-02-06").unwrap_err();
    assert_eq!(
        late,
        WorkflowError::CorrectionTooLate {
            window: 7,
            last: d("2025-02-05"),
            on: d("2025-02-06"),
        }
    );
    assert!(late.to_string().contains("第三十条"));
    let s = disclosure_step(s, ask(), "2025-02-05").unwrap();
    assert_eq!(s.status, AppStatus::Suspended);
    assert_eq!(
        disclosure_step(s.clone(), ask(), "2025-02-06").unwrap_err(),
        WorkflowError::CorrectionTwice
    );
    // The corrected application arrives on Monday 02-10: a full 20 working days from then.
    let s = disclosure_step(s, Step::Corrected, "2025-02-10").unwrap();
    assert_eq!(s.status, AppStatus::Accepted);
    assert_eq!(answer_due(&s, "2025-02-10"), d("2025-03-10"));
    assert!(s.history.last().unwrap().note.contains("2025-02-10"));
    // Still only once, after the restart.
    assert_eq!(
        disclosure_step(s, ask(), "2025-02-11").unwrap_err(),
        WorkflowError::CorrectionTwice
    );
}

#[test]
fn consultation_days_are_not_counted_and_one_extension_adds_20_days_2026() {
    let s = disclosure("2026-04-20");
    // 04-21 … 04-30, (Labour Day) 05-06 … 05-09 (make-up), 05-11 … 05-20.
    assert_eq!(answer_due(&s, "2026-04-20"), d("2026-05-20"));
    let s = disclosure_step(
        s,
        Step::Consulted {
            party: "示范市某运输公司（第三方）".into(),
            max_workdays: 15,
        },
        "2026-04-28",
    )
    .unwrap();
    assert_eq!(s.status, AppStatus::Consulting);
    let s = disclosure_step(s, Step::ConsultReplied, "2026-05-12").unwrap();
    // 04-29, 04-30, 05-06, 05-07, 05-08, 05-09, 05-11, 05-12: 8 days not counted → 06-01.
    assert_eq!(answer_due(&s, "2026-05-12"), d("2026-06-01"));
    let extend = |workdays| Step::Extended {
        clock: "answer".into(),
        workdays,
        reason: "需调取档案".into(),
    };
    let late = disclosure_step(s.clone(), extend(20), "2026-06-02").unwrap_err();
    assert_eq!(
        late,
        WorkflowError::ExtensionTooLate {
            due: d("2026-06-01"),
            on: d("2026-06-02"),
        }
    );
    assert_eq!(
        disclosure_step(s.clone(), extend(15), "2026-05-29").unwrap_err(),
        WorkflowError::ExtensionLength(20)
    );
    let s = disclosure_step(s, extend(20), "2026-05-29").unwrap();
    // 20 more from 06-01, skipping the Dragon Boat holiday 06-19: 06-30.
    assert_eq!(answer_due(&s, "2026-05-29"), d("2026-06-30"));
    assert_eq!(
        disclosure_step(s.clone(), extend(20), "2026-06-03").unwrap_err(),
        WorkflowError::ExtendedTwice
    );
    // An answer needs a result row of the annual report table.
    assert!(matches!(
        disclosure_step(s.clone(), answered("随便"), "2026-06-10").unwrap_err(),
        WorkflowError::NoOutcome(_)
    ));
    let s = disclosure_step(s, answered("部分公开"), "2026-06-10").unwrap();
    assert_eq!(s.status, AppStatus::Answered);
    assert_eq!(
        s.clocks[0].status(&Calendar::builtin(), d("2026-06-10"), 2),
        ClockStatus::DoneOnTime
    );
}

#[test]
fn an_unanswered_consultation_stops_the_clock_for_at_most_15_days_2026() {
    let s = disclosure("2026-09-14");
    // 09-15 … 09-18, 09-20 (make-up), 09-21 … 09-24, (Mid-Autumn) 09-28 … 09-30, (National
    // Day) 10-08, 10-09, 10-10 (make-up), 10-12 … 10-16.
    assert_eq!(answer_due(&s, "2026-09-14"), d("2026-10-16"));
    let s = disclosure_step(
        s,
        Step::Consulted {
            party: "示范市公安局".into(),
            max_workdays: 15,
        },
        "2026-09-15",
    )
    .unwrap();
    // No reply by 11-30: 15 days at most → 35 working days in all → 11-06.
    assert_eq!(answer_due(&s, "2026-11-30"), d("2026-11-06"));
    // Answered without the reply (第三十二条: 逾期未提出意见的，由行政机关依照本条例决定).
    let s = disclosure_step(s, answered("予以公开"), "2026-11-05").unwrap();
    assert_eq!(s.status, AppStatus::Answered);
    assert_eq!(answer_due(&s, "2026-11-30"), d("2026-11-06"));
}

#[test]
fn disclosure_steps_belong_to_disclosure_requests() {
    let s = open(application(WorkflowKind::Objection, "2026-09-28"), "portal");
    assert_eq!(
        apply(s, &Step::Corrected, d("2026-09-29"), "x").unwrap_err(),
        WorkflowError::NotDisclosure("登记补正")
    );
}
