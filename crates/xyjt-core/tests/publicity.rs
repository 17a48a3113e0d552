//! Tests of the publicity rules against `data/policy/publicity.toml` and `data/cn-calendar.toml`.
//!
//! Convention under test (module docs of `xyjt_core::publicity`): a period of N months from a
//! decision date ends on the corresponding day N months later (the month's last day when there is
//! none), and that day is still public. Expected dates below are worked out by hand.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use xyjt_core::calendar::{Calendar, CalendarError};
use xyjt_core::ident::Uscc;
use xyjt_core::publicity::{
    DEFAULT_PUBLICITY_POLICY_TOML, LicenseRule, PeriodRule, PolicyError, PublicityDecision,
    PublicityPolicy, Severity, is_late, publication_deadline, publicity_decision,
    publicity_decision_with_hint, publicity_window, severity, severity_with_hint,
};
use xyjt_core::record::{
    LicenseKind, LicenseRecord, Party, PenaltyKind, PenaltyRecord, Record, RecordBody, RecordStatus,
};
use xyjt_core::subject::PartyCategory;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn next_day(date: NaiveDate) -> NaiveDate {
    date + Days::new(1)
}

fn prev_day(date: NaiveDate) -> NaiveDate {
    date - Days::new(1)
}

fn policy() -> PublicityPolicy {
    PublicityPolicy::builtin()
}

fn uscc() -> Uscc {
    Uscc::parse("91350100M000100Y43").expect("known-good USCC")
}

fn party() -> Party {
    Party {
        name: "示范市长风货运有限公司".to_string(),
        category: PartyCategory::LegalPerson,
        uscc: Some(uscc()),
        reg_no: None,
        org_code: None,
        tax_reg_no: None,
        institution_cert_no: None,
        social_org_cert_no: None,
        legal_rep: Some("张三".to_string()),
        legal_rep_id_type: None,
        legal_rep_id_no: None,
        id_type: None,
        id_no: None,
    }
}

fn penalty(decided: &str, kinds: &[PenaltyKind]) -> PenaltyRecord {
    PenaltyRecord {
        party: party(),
        doc_no: "示交执罚〔2025〕1号".to_string(),
        violation_type: "未按规定携带道路运输证".to_string(),
        facts: "营运车辆未随车携带道路运输证".to_string(),
        basis: "《道路运输条例》".to_string(),
        kinds: kinds.to_vec(),
        content: "罚款人民币200元".to_string(),
        fine: None,
        confiscated: None,
        licence_affected: None,
        decision_date: d(decided),
        valid_until: d(decided) + Days::new(365),
        publicity_until: None,
        authority: "示范市交通运输综合行政执法支队".to_string(),
        authority_code: uscc(),
        source_unit: "示范市交通运输综合行政执法支队".to_string(),
        source_unit_code: uscc(),
        remark: None,
    }
}

fn fine_only(decided: &str) -> PenaltyRecord {
    penalty(decided, &[PenaltyKind::Fine])
}

fn license(decided: &str, valid_to: &str) -> LicenseRecord {
    LicenseRecord {
        party: party(),
        doc_name: "道路运输经营许可决定书".to_string(),
        doc_no: "示交运许〔2025〕8号".to_string(),
        kind: LicenseKind::General,
        cert_name: Some("道路运输经营许可证".to_string()),
        licence_no: Some("350100000001".to_string()),
        content: Some("道路普通货物运输".to_string()),
        decision_date: d(decided),
        valid_from: d(decided),
        valid_to: d(valid_to),
        authority: "示范市交通运输局".to_string(),
        authority_code: uscc(),
        status: Some("有效".to_string()),
        source_unit: "示范市交通运输局".to_string(),
        source_unit_code: uscc(),
        remark: None,
    }
}

fn record(body: RecordBody, status: RecordStatus) -> Record {
    Record {
        id: "r1".to_string(),
        subject_id: "s1".to_string(),
        status,
        version: 1,
        body,
        publication: None,
    }
}

fn published(body: &RecordBody, policy: &PublicityPolicy) -> xyjt_core::publicity::PublicityWindow {
    match publicity_decision(body, policy) {
        PublicityDecision::Published(w) => w,
        PublicityDecision::NotPublished { reason } => panic!("expected published, got: {reason}"),
    }
}

fn not_published_reason(body: &RecordBody, policy: &PublicityPolicy) -> String {
    match publicity_decision(body, policy) {
        PublicityDecision::NotPublished { reason } => reason,
        PublicityDecision::Published(w) => panic!("expected not published, got {w:?}"),
    }
}

/// The default policy text with one piece replaced (the piece must be there).
fn edited(from: &str, to: &str) -> String {
    assert!(
        DEFAULT_PUBLICITY_POLICY_TOML.contains(from),
        "policy file lacks {from:?}"
    );
    DEFAULT_PUBLICITY_POLICY_TOML.replacen(from, to, 1)
}

fn invalid_message(text: &str) -> String {
    match PublicityPolicy::from_toml(text) {
        Err(PolicyError::Invalid(msg)) => msg,
        other => panic!("expected an invalid-policy error, got {other:?}"),
    }
}

fn parse_message(text: &str) -> String {
    match PublicityPolicy::from_toml(text) {
        Err(PolicyError::Parse(msg)) => msg,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- the policy file

#[test]
fn builtin_parses_with_the_rules_defaults() {
    let p = PublicityPolicy::from_toml(DEFAULT_PUBLICITY_POLICY_TOML).expect("builtin parses");
    assert_eq!(p, policy());
    assert_eq!(p.version, "2026-04-01");
    assert_eq!(p.effective_from, d("2026-04-01"));
    assert!(p.basis.contains("第36号"));
    assert_eq!(p.report_deadline_workdays, 7);
    assert_eq!(
        p.minor,
        PeriodRule {
            published: false,
            min_months: 0,
            max_months: 3
        }
    );
    assert_eq!(
        p.general,
        PeriodRule {
            published: true,
            min_months: 3,
            max_months: 12
        }
    );
    assert_eq!(
        p.serious,
        PeriodRule {
            published: true,
            min_months: 12,
            max_months: 36
        }
    );
    assert_eq!(
        p.serious_kinds,
        vec![
            PenaltyKind::RevokeLicence,
            PenaltyKind::OrderSuspension,
            PenaltyKind::OrderClosure,
            PenaltyKind::RestrictPractice
        ]
    );
    assert_eq!(p.unpublished_only_kinds, vec![PenaltyKind::Warning]);
    assert!(p.minor_violation_types.is_empty());
    assert_eq!(
        p.license,
        LicenseRule {
            until_valid_to: true
        }
    );
    assert_eq!(p.rule(Severity::Serious), &p.serious);
}

#[test]
fn policy_round_trips_through_toml_and_json() {
    let p = policy();
    let text = toml::to_string(&p).expect("serialises to TOML");
    assert_eq!(PublicityPolicy::from_toml(&text).expect("re-parses"), p);
    let json = serde_json::to_string(&p).expect("serialises to JSON");
    assert!(json.contains("\"吊销许可证件\""), "{json}");
    let back: PublicityPolicy = serde_json::from_str(&json).expect("JSON re-parses");
    assert_eq!(back, p);
}

#[test]
fn effective_from_may_be_a_string() {
    let text = edited(
        "effective_from = 2026-04-01",
        "effective_from = \"2026-04-01\"",
    );
    assert_eq!(
        PublicityPolicy::from_toml(&text).unwrap().effective_from,
        d("2026-04-01")
    );
    let bad = edited(
        "effective_from = 2026-04-01",
        "effective_from = \"2026-02-30\"",
    );
    let msg = parse_message(&bad);
    assert!(
        msg.contains("2026-02-30") && msg.contains("不是有效的日期"),
        "{msg}"
    );
}

#[test]
fn min_greater_than_max_is_an_error() {
    let text = edited(
        "[general]\npublished = true\nmin_months = 3\n",
        "[general]\npublished = true\nmin_months = 13\n",
    );
    let msg = invalid_message(&text);
    assert!(
        msg.contains("general") && msg.contains("min_months = 13") && msg.contains("12"),
        "{msg}"
    );
    let err = PublicityPolicy::from_toml(&text).unwrap_err().to_string();
    assert!(err.starts_with("公示政策无效"), "{err}");
}

#[test]
fn other_malformed_policies_are_errors() {
    // A severer class may not be shorter than a milder one.
    let msg = invalid_message(&edited(
        "min_months = 12\nmax_months = 36",
        "min_months = 3\nmax_months = 11",
    ));
    assert!(msg.contains("一般") && msg.contains("严重"), "{msg}");
    // A published class must last at least a month.
    let msg = invalid_message(&edited(
        "[minor]\npublished = false\nmin_months = 0\nmax_months = 3",
        "[minor]\npublished = true\nmin_months = 0\nmax_months = 0",
    ));
    assert!(msg.contains("minor") && msg.contains("不能为 0"), "{msg}");
    // The reporting deadline must be at least one working day.
    let msg = invalid_message(&edited(
        "report_deadline_workdays = 7",
        "report_deadline_workdays = 0",
    ));
    assert!(msg.contains("report_deadline_workdays"), "{msg}");
    // A kind cannot be both serious and unpublished.
    let msg = invalid_message(&edited(
        "unpublished_only_kinds = [\"警告\"]",
        "unpublished_only_kinds = [\"警告\", \"责令关闭\"]",
    ));
    assert!(msg.contains("责令关闭"), "{msg}");
    // Repeats.
    let msg = invalid_message(&edited(
        "unpublished_only_kinds = [\"警告\"]",
        "unpublished_only_kinds = [\"警告\", \"警告\"]",
    ));
    assert!(msg.contains("重复"), "{msg}");
    let msg = invalid_message(&edited(
        "minor_violation_types = []",
        "minor_violation_types = [\"超载\", \" 超载 \"]",
    ));
    assert!(msg.contains("超载") && msg.contains("重复"), "{msg}");
    // Blank version.
    let msg = invalid_message(&edited("version = \"2026-04-01\"", "version = \" \""));
    assert!(msg.contains("version"), "{msg}");
}

#[test]
fn unreadable_policies_say_where_and_why() {
    let msg = parse_message(&edited(
        "serious_kinds = [\"吊销许可证件\"",
        "serious_kinds = [\"吊销许可证\"",
    ));
    assert!(
        msg.contains("“吊销许可证”不是处罚类别") && msg.contains("吊销许可证件"),
        "{msg}"
    );
    assert!(msg.starts_with('第'), "line number given: {msg}");
    let msg = parse_message(&edited("[license]", "[license]\nuntil_valid = true"));
    assert!(msg.contains("未知的键“until_valid”"), "{msg}");
    let msg = parse_message(&edited("basis = ", "basis_text = "));
    assert!(msg.contains("未知的键“basis_text”"), "{msg}");
    let msg = parse_message(&edited("report_deadline_workdays = 7", ""));
    assert!(msg.contains("缺少键“report_deadline_workdays”"), "{msg}");
    let err = PublicityPolicy::from_toml("version = ")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("公示政策文件格式错误"), "{err}");
}

// ---------------------------------------------------------------- severity

#[test]
fn severity_classes() {
    let p = policy();
    assert_eq!(severity(&fine_only("2025-03-03"), &p), Severity::General);
    let revoke = penalty(
        "2025-03-03",
        &[PenaltyKind::Fine, PenaltyKind::RevokeLicence],
    );
    assert_eq!(severity(&revoke, &p), Severity::Serious);
    for kind in [
        PenaltyKind::OrderSuspension,
        PenaltyKind::OrderClosure,
        PenaltyKind::RestrictPractice,
    ] {
        assert_eq!(
            severity(&penalty("2025-03-03", &[kind]), &p),
            Severity::Serious
        );
    }
    assert_eq!(
        severity_with_hint(&fine_only("2025-03-03"), &p, true),
        Severity::Serious
    );
    assert_eq!(Severity::General.label(), "一般");
    assert_eq!(Severity::Serious.label(), "严重");
    assert_eq!(Severity::Minor.label(), "轻微");
    assert!(Severity::Minor < Severity::General && Severity::General < Severity::Serious);
    assert_eq!(
        serde_json::to_string(&Severity::Serious).unwrap(),
        "\"serious\""
    );
}

#[test]
fn minor_violation_types_are_classed_minor() {
    let mut p = policy();
    p.minor_violation_types = vec!["未按规定携带道路运输证".to_string()];
    p.validate().unwrap();
    let minor = fine_only("2025-03-03");
    assert_eq!(severity(&minor, &p), Severity::Minor);
    // Compared after trimming.
    let mut spaced = minor.clone();
    spaced.violation_type = " 未按规定携带道路运输证 ".to_string();
    assert_eq!(severity(&spaced, &p), Severity::Minor);

    // Minor penalties are not published by default.
    let reason = not_published_reason(&RecordBody::Penalty(minor.clone()), &p);
    assert!(
        reason.contains("轻微")
            && reason.contains("未按规定携带道路运输证")
            && reason.contains("不予公示")
            && reason.contains("2026-04-01"),
        "{reason}"
    );
    assert!(publicity_window(&RecordBody::Penalty(minor.clone()), &p).is_none());

    // A serious kind wins over a minor violation type.
    let mut serious = minor.clone();
    serious.kinds.push(PenaltyKind::RestrictPractice);
    assert_eq!(severity(&serious, &p), Severity::Serious);

    // A policy that publishes minor penalties: at most 3 months, no minimum.
    p.minor.published = true;
    p.validate().unwrap();
    let w = published(&RecordBody::Penalty(minor), &p);
    assert_eq!(w.severity, Some(Severity::Minor));
    assert_eq!(w.min_until, Some(d("2025-03-03")));
    assert_eq!(w.until, Some(d("2025-06-03")));
    assert!(w.explanation.contains("无最短期限"), "{}", w.explanation);
}

// ---------------------------------------------------------------- penalty windows

#[test]
fn fine_only_penalty_is_general_for_twelve_months() {
    let p = policy();
    let body = RecordBody::Penalty(fine_only("2025-03-03"));
    let w = published(&body, &p);
    assert_eq!(w.from, d("2025-03-03"));
    // 2025-03-03 + 12 months = 2026-03-03, public through that day.
    assert_eq!(w.until, Some(d("2026-03-03")));
    // 2025-03-03 + 3 months = 2025-06-03.
    assert_eq!(w.min_until, Some(d("2025-06-03")));
    assert_eq!(w.severity, Some(Severity::General));
    assert_eq!(w.policy_version, "2026-04-01");
    for needle in [
        "示交执罚〔2025〕1号",
        "罚款",
        "一般",
        "3 个月",
        "12 个月",
        "2025-06-03",
        "2026-03-03",
        "第36号",
        "公示政策版本 2026-04-01",
    ] {
        assert!(
            w.explanation.contains(needle),
            "{needle}: {}",
            w.explanation
        );
    }
    assert_eq!(publicity_window(&body, &p), Some(w));
}

#[test]
fn month_ends_fall_back_to_the_last_day_of_the_month() {
    let p = policy();
    // 2025-11-30 + 3 months: no 2026-02-30, so the last day of February.
    let w = published(&RecordBody::Penalty(fine_only("2025-11-30")), &p);
    assert_eq!(w.min_until, Some(d("2026-02-28")));
    assert_eq!(w.until, Some(d("2026-11-30")));
    // 2024-02-29 + 12 months: 2025 has no 29 February.
    let w = published(&RecordBody::Penalty(fine_only("2024-02-29")), &p);
    assert_eq!(w.until, Some(d("2025-02-28")));
    assert_eq!(w.min_until, Some(d("2024-05-29")));
}

#[test]
fn warning_only_is_not_published() {
    let p = policy();
    let body = RecordBody::Penalty(penalty("2025-03-03", &[PenaltyKind::Warning]));
    let reason = not_published_reason(&body, &p);
    assert!(
        reason.contains("警告")
            && reason.contains("不予公示")
            && reason.contains("示交执罚〔2025〕1号")
            && reason.contains("2026-04-01"),
        "{reason}"
    );
    assert_eq!(publicity_window(&body, &p), None);
    let r = record(body, RecordStatus::Active);
    assert!(!is_public_on(&r, d("2025-03-03"), &p));
    assert!(!is_public_on(&r, d("2025-09-01"), &p));
}

#[test]
fn warning_with_fine_is_published_as_general() {
    let p = policy();
    let body = RecordBody::Penalty(penalty(
        "2025-03-03",
        &[PenaltyKind::Warning, PenaltyKind::Fine],
    ));
    let w = published(&body, &p);
    assert_eq!(w.severity, Some(Severity::General));
    assert_eq!(w.until, Some(d("2026-03-03")));
    assert!(w.explanation.contains("警告、罚款"), "{}", w.explanation);
    assert!(w.explanation.contains("最长的公示期"), "{}", w.explanation);
}

#[test]
fn revocation_with_fine_is_serious_for_thirty_six_months() {
    let p = policy();
    let body = RecordBody::Penalty(penalty(
        "2025-03-03",
        &[PenaltyKind::Fine, PenaltyKind::RevokeLicence],
    ));
    let w = published(&body, &p);
    assert_eq!(w.severity, Some(Severity::Serious));
    assert_eq!(w.from, d("2025-03-03"));
    assert_eq!(w.min_until, Some(d("2026-03-03")));
    assert_eq!(w.until, Some(d("2028-03-03")));
    for needle in ["吊销许可证件", "严重", "36 个月（3 年）", "12 个月（1 年）"] {
        assert!(
            w.explanation.contains(needle),
            "{needle}: {}",
            w.explanation
        );
    }
}

#[test]
fn serious_hint_makes_a_penalty_serious() {
    let p = policy();
    let body = RecordBody::Penalty(fine_only("2025-03-03"));
    let w = publicity_decision_with_hint(&body, &p, true)
        .into_window()
        .expect("published");
    assert_eq!(w.severity, Some(Severity::Serious));
    assert_eq!(w.until, Some(d("2028-03-03")));
    assert!(
        w.explanation.contains("严重失信主体名单"),
        "{}",
        w.explanation
    );
    let r = record(body, RecordStatus::Active);
    assert!(!is_public_on(&r, d("2027-01-01"), &p));
    assert!(is_public_on_with_hint(&r, d("2027-01-01"), &p, true));
    // A warning-only decision stays unpublished.
    let warning = RecordBody::Penalty(penalty("2025-03-03", &[PenaltyKind::Warning]));
    assert!(!publicity_decision_with_hint(&warning, &p, true).is_published());
}

#[test]
fn stated_publicity_until_is_clamped_into_the_period() {
    let p = policy();
    let with_stated = |stated: &str| {
        let mut pen = fine_only("2025-03-03");
        pen.publicity_until = Some(d(stated));
        published(&RecordBody::Penalty(pen), &p)
    };
    // Inside [2025-06-03, 2026-03-03]: kept, including both ends.
    let w = with_stated("2025-10-01");
    assert_eq!(w.until, Some(d("2025-10-01")));
    assert_eq!(w.min_until, Some(d("2025-06-03")));
    assert!(
        w.explanation.contains("按决定书载明的公示截止期"),
        "{}",
        w.explanation
    );
    assert_eq!(with_stated("2025-06-03").until, Some(d("2025-06-03")));
    assert_eq!(with_stated("2026-03-03").until, Some(d("2026-03-03")));
    // Before the minimum: raised to it.
    let w = with_stated("2025-06-02");
    assert_eq!(w.until, Some(d("2025-06-03")));
    assert!(
        w.explanation.contains("早于最短公示期届满日"),
        "{}",
        w.explanation
    );
    assert_eq!(with_stated("2024-12-31").until, Some(d("2025-06-03")));
    // After the maximum: cut to it.
    let w = with_stated("2026-03-04");
    assert_eq!(w.until, Some(d("2026-03-03")));
    assert!(
        w.explanation.contains("晚于最长公示期届满日"),
        "{}",
        w.explanation
    );
    assert_eq!(with_stated("2030-01-01").until, Some(d("2026-03-03")));
}

// ---------------------------------------------------------------- licences

#[test]
fn licence_windows() {
    let p = policy();
    let long = RecordBody::License(license("2025-03-03", "2099-12-31"));
    let w = published(&long, &p);
    assert_eq!(w.from, d("2025-03-03"));
    assert_eq!(w.until, None);
    assert_eq!(w.min_until, None);
    assert_eq!(w.severity, None);
    assert!(w.explanation.contains("长期"), "{}", w.explanation);
    assert!(is_public_on(
        &record(long, RecordStatus::Active),
        d("2098-01-01"),
        &p
    ));

    let dated = RecordBody::License(license("2025-03-03", "2029-03-02"));
    let w = published(&dated, &p);
    assert_eq!(w.until, Some(d("2029-03-02")));
    assert!(w.explanation.contains("2029-03-02"), "{}", w.explanation);
    let r = record(dated.clone(), RecordStatus::Active);
    assert!(!is_public_on(&r, d("2025-03-02"), &p));
    assert!(is_public_on(&r, d("2025-03-03"), &p));
    assert!(is_public_on(&r, d("2029-03-02"), &p));
    assert!(!is_public_on(&r, d("2029-03-03"), &p));
    // Marked expired by an event: no longer public even inside the dates.
    assert!(!is_public_on(
        &record(dated.clone(), RecordStatus::Expired),
        d("2026-01-01"),
        &p
    ));

    // A policy that does not end licence publicity at the valid-to.
    let mut open = p.clone();
    open.license.until_valid_to = false;
    assert_eq!(published(&dated, &open).until, None);

    // A valid-to before the decision date is a data error, not a window ending before it starts.
    let reason = not_published_reason(
        &RecordBody::License(license("2025-03-03", "2025-03-01")),
        &p,
    );
    assert!(reason.contains("早于许可决定日期"), "{reason}");
}

// ---------------------------------------------------------------- is_public_on

#[test]
fn is_public_on_around_the_boundaries() {
    let p = policy();
    let r = record(
        RecordBody::Penalty(fine_only("2025-03-03")),
        RecordStatus::Active,
    );
    assert!(!is_public_on(&r, d("2025-03-02"), &p));
    assert!(is_public_on(&r, d("2025-03-03"), &p));
    assert!(is_public_on(&r, d("2025-06-03"), &p));
    assert!(is_public_on(&r, d("2026-03-03"), &p));
    assert!(!is_public_on(&r, d("2026-03-04"), &p));

    let revoked = Record {
        status: RecordStatus::Revoked,
        ..r.clone()
    };
    assert!(!is_public_on(&revoked, d("2025-03-03"), &p));
    assert!(!is_public_on(&revoked, d("2025-09-01"), &p));
    let expired = Record {
        status: RecordStatus::Expired,
        ..r
    };
    assert!(!is_public_on(&expired, d("2025-09-01"), &p));
}

#[test]
fn decision_serialises_with_a_tag() {
    let p = policy();
    let json = serde_json::to_value(publicity_decision(
        &RecordBody::Penalty(fine_only("2025-03-03")),
        &p,
    ))
    .unwrap();
    assert_eq!(json["decision"], "published");
    assert_eq!(json["until"], "2026-03-03");
    assert_eq!(json["severity"], "general");
    let json = serde_json::to_value(publicity_decision(
        &RecordBody::Penalty(penalty("2025-03-03", &[PenaltyKind::Warning])),
        &p,
    ))
    .unwrap();
    assert_eq!(json["decision"], "not_published");
    assert!(json["reason"].as_str().unwrap().contains("警告"));
}

// ---------------------------------------------------------------- timeliness

#[test]
fn deadline_across_the_national_day_holiday() {
    let p = policy();
    let cal = Calendar::builtin();
    // Decision Fri 2025-09-26, not counted. Working days after it, per data/cn-calendar.toml:
    //   09-27 Sat  weekend (skipped)
    //   09-28 Sun  make-up working day ........ 1
    //   09-29 Mon ............................. 2
    //   09-30 Tue ............................. 3
    //   10-01 .. 10-08  holidays (skipped)
    //   10-09 Thu ............................. 4
    //   10-10 Fri ............................. 5
    //   10-11 Sat  make-up working day ........ 6
    //   10-12 Sun  weekend (skipped)
    //   10-13 Mon ............................. 7  => deadline
    let decided = d("2025-09-26");
    assert_eq!(
        publication_deadline(decided, &cal, &p).unwrap(),
        d("2025-10-13")
    );
    assert!(!is_late(decided, d("2025-09-26"), &cal, &p).unwrap());
    assert!(!is_late(decided, d("2025-10-08"), &cal, &p).unwrap());
    assert!(!is_late(decided, d("2025-10-13"), &cal, &p).unwrap());
    assert!(is_late(decided, d("2025-10-14"), &cal, &p).unwrap());
}

#[test]
fn deadline_in_an_ordinary_week_and_outside_the_calendar() {
    let p = policy();
    let cal = Calendar::builtin();
    // Mon 2025-03-03: Tue 4, Wed 5, Thu 6, Fri 7, Mon 10, Tue 11, Wed 12 → 2025-03-12.
    assert_eq!(
        publication_deadline(d("2025-03-03"), &cal, &p).unwrap(),
        d("2025-03-12")
    );
    // The deadline follows the policy.
    let mut five = p.clone();
    five.report_deadline_workdays = 5;
    assert_eq!(
        publication_deadline(d("2025-03-03"), &cal, &five).unwrap(),
        d("2025-03-10")
    );
    // Past the last covered year the calendar says so rather than guess.
    assert!(matches!(
        publication_deadline(d("2026-12-28"), &cal, &p),
        Err(CalendarError::NotCovered { .. })
    ));
    assert!(is_late(d("2026-12-28"), d("2027-01-05"), &cal, &p).is_err());
}

// ---------------------------------------------------------------- properties

proptest! {
    #[test]
    fn fine_only_windows_are_consistent(
        offset in 0u64..(200 * 366),
        stated in proptest::option::of(-400i64..1200),
    ) {
        let p = policy();
        let decided = d("1950-01-01") + Days::new(offset);
        let mut pen = fine_only("2025-03-03");
        pen.decision_date = decided;
        pen.publicity_until = stated.map(|s| {
            if s >= 0 {
                decided + Days::new(s.unsigned_abs())
            } else {
                decided - Days::new(s.unsigned_abs())
            }
        });
        let body = RecordBody::Penalty(pen);
        let w = publicity_window(&body, &p).expect("fine-only penalties are published");
        let until = w.until.expect("penalties end");
        let min_until = w.min_until.expect("penalties have a minimum");
        prop_assert_eq!(w.from, decided);
        prop_assert!(w.from <= min_until);
        prop_assert!(min_until <= until);
        prop_assert!(until <= decided.checked_add_months(chrono::Months::new(12)).unwrap());
        let r = record(body, RecordStatus::Active);
        prop_assert!(is_public_on(&r, w.from, &p));
        prop_assert!(is_public_on(&r, min_until, &p));
        prop_assert!(is_public_on(&r, until, &p));
        prop_assert!(!is_public_on(&r, next_day(until), &p));
        prop_assert!(!is_public_on(&r, prev_day(w.from), &p));
    }
}

/// Whether the policy's window for the record contains `date` (and the record is active): the
/// window rules under test, judged from the policy rather than from a stored publication.
fn is_public_on(record: &Record, date: NaiveDate, policy: &PublicityPolicy) -> bool {
    is_public_on_with_hint(record, date, policy, false)
}

fn is_public_on_with_hint(
    record: &Record,
    date: NaiveDate,
    policy: &PublicityPolicy,
    serious_hint: bool,
) -> bool {
    record.status == xyjt_core::record::RecordStatus::Active
        && xyjt_core::publicity::publicity_decision_with_hint(&record.body, policy, serious_hint)
            .window()
            .is_some_and(|w| w.contains(date))
}
