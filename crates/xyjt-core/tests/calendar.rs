//! Tests of the working-day calendar against `data/cn-calendar.toml`.
//!
//! Every expected value below was worked out by hand from the data file and the day of the week;
//! the reasoning is written next to each case.

use chrono::NaiveDate;
use proptest::prelude::*;
use xyjt_core::calendar::{
    Calendar, CalendarError, DEFAULT_CALENDAR_TOML, DayKind, DeadlineExplanation,
};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn cal() -> Calendar {
    Calendar::builtin()
}

fn add(start: &str, n: u32) -> NaiveDate {
    cal().add_workdays(d(start), n).expect("covered")
}

fn not_covered(date: &str) -> CalendarError {
    CalendarError::NotCovered {
        date: d(date),
        first_year: 2024,
        last_year: 2026,
    }
}

fn parse_error(text: &str) -> String {
    match Calendar::from_toml(text) {
        Err(CalendarError::Parse(msg)) => msg,
        other => panic!("expected a parse error, got {other:?}"),
    }
}

// ---------------------------------------------------------------- builtin data

#[test]
fn builtin_parses_and_covers_2024_to_2026() {
    assert!(Calendar::from_toml(DEFAULT_CALENDAR_TOML).is_ok());
    let cal = cal();
    assert_eq!(cal.years(), 2024..=2026);
    assert!(cal.covers(d("2024-01-01")));
    assert!(cal.covers(d("2026-12-31")));
    assert!(!cal.covers(d("2023-12-31")));
    assert!(!cal.covers(d("2027-01-01")));
}

#[test]
fn day_kinds() {
    let cal = cal();
    let kind = |s: &str| cal.day_kind(d(s)).unwrap();
    // 2024-02-18 is a Sunday listed in workdays.
    assert_eq!(kind("2024-02-18"), DayKind::MakeUpWorkday);
    // 2024-02-17 is a Saturday listed in holidays: a holiday, not a mere weekend.
    assert_eq!(kind("2024-02-17"), DayKind::Holiday);
    // 2024-02-12 is a Monday holiday.
    assert_eq!(kind("2024-02-12"), DayKind::Holiday);
    // 2024-02-24 is an ordinary Saturday.
    assert_eq!(kind("2024-02-24"), DayKind::Weekend);
    // 2024-02-19 is an ordinary Monday.
    assert_eq!(kind("2024-02-19"), DayKind::Workday);
    // 2026-01-04 is a Sunday make-up day after the 2026 New Year holiday (1–3 January).
    assert_eq!(kind("2026-01-04"), DayKind::MakeUpWorkday);
    // 2026-01-03 is a Saturday listed in holidays.
    assert_eq!(kind("2026-01-03"), DayKind::Holiday);

    assert!(cal.is_working_day(d("2024-02-04")).unwrap()); // Sunday make-up
    assert!(cal.is_working_day(d("2025-10-11")).unwrap()); // Saturday make-up
    assert!(!cal.is_working_day(d("2025-10-08")).unwrap()); // Wednesday holiday
    assert!(!cal.is_working_day(d("2025-10-12")).unwrap()); // ordinary Sunday
    assert!(cal.is_working_day(d("2026-12-31")).unwrap()); // ordinary Thursday
}

#[test]
fn day_kind_serde_is_snake_case() {
    assert_eq!(
        serde_json::to_string(&DayKind::MakeUpWorkday).unwrap(),
        "\"make_up_workday\""
    );
    assert_eq!(
        serde_json::from_str::<DayKind>("\"holiday\"").unwrap(),
        DayKind::Holiday
    );
}

// ---------------------------------------------------------------- add_workdays

#[test]
fn zero_workdays_returns_start_even_on_a_holiday() {
    assert_eq!(add("2024-02-12", 0), d("2024-02-12"));
    assert_eq!(add("2026-12-31", 0), d("2026-12-31"));
}

#[test]
fn ordinary_next_day() {
    // 2024-02-08 Thursday → 2024-02-09 Friday, not a holiday.
    assert_eq!(add("2024-02-08", 1), d("2024-02-09"));
}

#[test]
fn spring_festival_2024() {
    // 2024-02-09 Friday; 10–17 February are holidays; 18 February (Sunday) is a make-up day.
    assert_eq!(add("2024-02-09", 1), d("2024-02-18"));
    // Then 19 February Monday.
    assert_eq!(add("2024-02-09", 2), d("2024-02-19"));
    // 2024-02-04 (Sunday) is itself a make-up day: from Saturday 3 February it is the first.
    assert_eq!(add("2024-02-03", 1), d("2024-02-04"));
}

#[test]
fn national_day_2024() {
    // 2024-09-30 Monday. 1–7 October holidays. 8 Tue (1), 9 Wed (2), 10 Thu (3), 11 Fri (4),
    // 12 Sat make-up (5), 13 Sun rest, 14 Mon (6), 15 Tue (7).
    assert_eq!(add("2024-09-30", 7), d("2024-10-15"));
    assert_eq!(add("2024-09-30", 5), d("2024-10-12"));
    assert_eq!(add("2024-09-30", 6), d("2024-10-14"));
}

#[test]
fn national_day_2025() {
    // 2025-09-30 Tuesday; 1–8 October holidays; 9 October is a Thursday.
    assert_eq!(add("2025-09-30", 1), d("2025-10-09"));
    // 2025-09-26 Friday; 27 Saturday rest; 28 Sunday make-up.
    assert_eq!(add("2025-09-26", 1), d("2025-09-28"));
    // 28 Sun (1), 29 Mon (2), 30 Tue (3), 9 Oct Thu (4), 10 Fri (5), 11 Sat make-up (6).
    assert_eq!(add("2025-09-26", 6), d("2025-10-11"));
    // Sunday 12 October is an ordinary rest day: the 7th is Monday 13 October.
    assert_eq!(add("2025-09-26", 7), d("2025-10-13"));
}

#[test]
fn spring_festival_2025() {
    // 2025-01-24 Friday; 25 Saturday rest; 26 Sunday make-up (1); 27 Monday (2);
    // 28 January – 4 February holidays; 5 February Wednesday (3).
    assert_eq!(add("2025-01-24", 1), d("2025-01-26"));
    assert_eq!(add("2025-01-24", 2), d("2025-01-27"));
    assert_eq!(add("2025-01-24", 3), d("2025-02-05"));
}

#[test]
fn mid_autumn_and_spring_festival_2026() {
    // 2026-09-24 Thursday; 25–27 September holidays; 28 September Monday.
    assert_eq!(add("2026-09-24", 1), d("2026-09-28"));
    // 2026-02-13 Friday; 14 Saturday make-up (1); 15–23 holidays; 24 Tuesday (2).
    assert_eq!(add("2026-02-13", 1), d("2026-02-14"));
    assert_eq!(add("2026-02-13", 2), d("2026-02-24"));
}

#[test]
fn across_year_boundaries() {
    // 2024-12-31 Tuesday; 2025-01-01 Wednesday holiday; 2 January Thursday.
    assert_eq!(add("2024-12-31", 1), d("2025-01-02"));
    // 2025-12-31 Wednesday; 2026-01-01..03 holidays (Thu–Sat); 4 January Sunday make-up.
    assert_eq!(add("2025-12-31", 1), d("2026-01-04"));
    // 4 Jan Sun (1), 5 Mon (2).
    assert_eq!(add("2025-12-31", 2), d("2026-01-05"));
}

#[test]
fn not_covered_dates() {
    let cal = cal();
    assert_eq!(
        cal.add_workdays(d("2023-12-29"), 1),
        Err(not_covered("2023-12-29"))
    );
    assert_eq!(
        cal.add_workdays(d("2023-12-29"), 0),
        Err(not_covered("2023-12-29"))
    );
    assert_eq!(
        cal.is_working_day(d("2027-01-01")),
        Err(not_covered("2027-01-01"))
    );
    assert_eq!(
        cal.day_kind(d("2023-12-31")),
        Err(not_covered("2023-12-31"))
    );
    assert_eq!(
        cal.workdays_between(d("2026-12-01"), d("2027-01-04")),
        Err(not_covered("2027-01-04"))
    );
    assert_eq!(
        cal.workdays_between(d("2023-12-29"), d("2024-01-04")),
        Err(not_covered("2023-12-29"))
    );
    assert!(
        cal.explain_add_workdays(d("2027-01-04"), 3)
            .unwrap_err()
            .to_string()
            .contains("2027-01-04")
    );
}

#[test]
fn walk_into_uncovered_year_is_an_error() {
    let cal = cal();
    // 2026-12-30 Wednesday; 31 December Thursday is the last working day covered.
    assert_eq!(cal.add_workdays(d("2026-12-30"), 1), Ok(d("2026-12-31")));
    // One more would need 2027: not a guess but an error naming the first uncovered day.
    assert_eq!(
        cal.add_workdays(d("2026-12-31"), 1),
        Err(not_covered("2027-01-01"))
    );
    assert_eq!(
        cal.add_workdays(d("2026-12-25"), 1000),
        Err(not_covered("2027-01-01"))
    );
    assert_eq!(
        cal.add_workdays(d("2024-01-01"), u32::MAX),
        Err(not_covered("2027-01-01"))
    );
}

#[test]
fn not_covered_message() {
    let err = cal().is_working_day(d("2027-01-04")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "日期 2027-01-04 超出节假日日历覆盖范围（2024–2026 年）(outside the calendar's years)"
    );
}

// ---------------------------------------------------------------- explanation

#[test]
fn explain_spring_festival_2024() {
    let e = cal().explain_add_workdays(d("2024-02-09"), 1).unwrap();
    let skipped: Vec<_> = (10..=17)
        .map(|day| {
            (
                NaiveDate::from_ymd_opt(2024, 2, day).unwrap(),
                DayKind::Holiday,
            )
        })
        .collect();
    assert_eq!(
        e,
        DeadlineExplanation {
            start: d("2024-02-09"),
            workdays: 1,
            deadline: d("2024-02-18"),
            skipped,
            make_up_workdays: vec![d("2024-02-18")],
        }
    );
}

#[test]
fn explain_national_day_2024() {
    let e = cal().explain_add_workdays(d("2024-09-30"), 7).unwrap();
    assert_eq!(e.deadline, d("2024-10-15"));
    let mut skipped: Vec<_> = (1..=7)
        .map(|day| {
            (
                NaiveDate::from_ymd_opt(2024, 10, day).unwrap(),
                DayKind::Holiday,
            )
        })
        .collect();
    skipped.push((d("2024-10-13"), DayKind::Weekend));
    assert_eq!(e.skipped, skipped);
    assert_eq!(e.make_up_workdays, vec![d("2024-10-12")]);

    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["deadline"], "2024-10-15");
    assert_eq!(json["skipped"][7][0], "2024-10-13");
    assert_eq!(json["skipped"][7][1], "weekend");
}

#[test]
fn explain_zero_and_plain_days() {
    let e = cal().explain_add_workdays(d("2024-02-12"), 0).unwrap();
    assert_eq!(e.deadline, d("2024-02-12"));
    assert!(e.skipped.is_empty() && e.make_up_workdays.is_empty());
    // Thursday 2024-02-08 → Friday 9th: nothing skipped.
    let e = cal().explain_add_workdays(d("2024-02-08"), 1).unwrap();
    assert_eq!(e.deadline, d("2024-02-09"));
    assert!(e.skipped.is_empty() && e.make_up_workdays.is_empty());
}

// ---------------------------------------------------------------- workdays_between

#[test]
fn workdays_between_national_day_2025() {
    let cal = cal();
    // (Fri 26 Sep, Fri 10 Oct]: Sun 28 make-up, Mon 29, Tue 30, Thu 9 Oct, Fri 10 Oct = 5.
    assert_eq!(
        cal.workdays_between(d("2025-09-26"), d("2025-10-10")),
        Ok(5)
    );
    assert_eq!(
        cal.workdays_between(d("2025-10-10"), d("2025-09-26")),
        Ok(-5)
    );
    // (Tue 30 Sep, Sun 12 Oct]: Thu 9, Fri 10, Sat 11 make-up = 3.
    assert_eq!(
        cal.workdays_between(d("2025-09-30"), d("2025-10-12")),
        Ok(3)
    );
    // Entirely inside the holiday: none.
    assert_eq!(
        cal.workdays_between(d("2025-10-01"), d("2025-10-08")),
        Ok(0)
    );
    assert_eq!(
        cal.workdays_between(d("2025-10-03"), d("2025-10-03")),
        Ok(0)
    );
}

#[test]
fn workdays_between_negative_counts_the_other_half_open_interval() {
    let cal = cal();
    // to < from: -(working days d with to < d <= from).
    // (Thu 2024-02-08, Sun 2024-02-18]: Fri 9 and Sun 18 (make-up) = 2.
    assert_eq!(
        cal.workdays_between(d("2024-02-18"), d("2024-02-08")),
        Ok(-2)
    );
    // (Fri 2024-02-09, Mon 2024-02-19]: Sun 18 and Mon 19 = 2.
    assert_eq!(
        cal.workdays_between(d("2024-02-19"), d("2024-02-09")),
        Ok(-2)
    );
}

#[test]
fn working_days_in_2025() {
    // 2025 starts on a Wednesday and has 365 days: 52 weeks + 1 Wednesday = 261 weekdays.
    // Holidays falling Monday–Friday: 1 Jan; 28–31 Jan, 3–4 Feb (6); 4 Apr; 1–2 May, 5 May (3);
    // 2 Jun; 1–3 Oct, 6–8 Oct (6) = 18. Make-up days (all on weekends): 5.
    // 261 − 18 + 5 = 248.
    assert_eq!(
        cal().workdays_between(d("2024-12-31"), d("2025-12-31")),
        Ok(248)
    );
}

// ---------------------------------------------------------------- from_toml

const EXTRA_2027: &str = "\n[2027]\nholidays = [\"2027-01-01\"]\nworkdays = []\n";

#[test]
fn newer_year_extends_coverage() {
    let text = format!("{DEFAULT_CALENDAR_TOML}{EXTRA_2027}");
    let cal = Calendar::from_toml(&text).unwrap();
    assert_eq!(cal.years(), 2024..=2027);
    // 2026-12-31 Thursday; 2027-01-01 Friday holiday; 2, 3 weekend; 4 January Monday.
    assert_eq!(cal.add_workdays(d("2026-12-31"), 1), Ok(d("2027-01-04")));
    assert_eq!(cal.day_kind(d("2027-01-01")), Ok(DayKind::Holiday));
    assert_eq!(
        cal.is_working_day(d("2028-01-03")),
        Err(CalendarError::NotCovered {
            date: d("2028-01-03"),
            first_year: 2024,
            last_year: 2027,
        })
    );
}

#[test]
fn native_toml_dates_are_accepted() {
    let cal =
        Calendar::from_toml("[2027]\nholidays = [2027-01-01]\nworkdays = [2027-01-02]\n").unwrap();
    assert_eq!(cal.day_kind(d("2027-01-01")), Ok(DayKind::Holiday));
    assert_eq!(cal.day_kind(d("2027-01-02")), Ok(DayKind::MakeUpWorkday));
    assert_eq!(cal.day_kind(d("2027-01-03")), Ok(DayKind::Weekend));
}

#[test]
fn malformed_toml_is_a_parse_error() {
    let msg = parse_error("[2024]\nholidays = [\"2024-01-01\"\n");
    assert!(msg.contains("TOML"), "{msg}");
    let full = Calendar::from_toml("[2024\n").unwrap_err().to_string();
    assert!(full.starts_with("日历文件格式错误："), "{full}");
    assert!(full.ends_with("(calendar file invalid)"), "{full}");
}

#[test]
fn invalid_contents_are_parse_errors() {
    // Empty file: no years.
    parse_error("");
    // Date listed under the wrong year.
    let msg = parse_error("[2024]\nholidays = [\"2025-01-01\"]\nworkdays = []\n");
    assert!(msg.contains("2025-01-01"), "{msg}");
    // Date both a holiday and a make-up working day.
    let msg = parse_error("[2024]\nholidays = [\"2024-02-18\"]\nworkdays = [\"2024-02-18\"]\n");
    assert!(msg.contains("2024-02-18"), "{msg}");
    // Duplicate date.
    let msg = parse_error("[2024]\nholidays = [\"2024-01-01\", \"2024-01-01\"]\nworkdays = []\n");
    assert!(msg.contains("重复"), "{msg}");
    // Gap in the years.
    let msg =
        parse_error("[2024]\nholidays = []\nworkdays = []\n[2026]\nholidays = []\nworkdays = []\n");
    assert!(msg.contains("2025"), "{msg}");
    // Impossible or non-canonical dates.
    parse_error("[2025]\nholidays = [\"2025-02-29\"]\nworkdays = []\n");
    parse_error("[2025]\nholidays = [\"2025-2-3\"]\nworkdays = []\n");
    parse_error("[2025]\nholidays = [20250101]\nworkdays = []\n");
    parse_error("[2025]\nholidays = [2025-01-01T00:00:00]\nworkdays = []\n");
    // A make-up working day on a weekday (2025-01-02 is a Thursday) is a mistake.
    parse_error("[2025]\nholidays = []\nworkdays = [\"2025-01-02\"]\n");
    // Unknown key, missing list, bad table names, non-table entries.
    parse_error("[2025]\nholiday = []\nholidays = []\nworkdays = []\n");
    parse_error("[2025]\nholidays = []\n");
    parse_error("[2025]\nholidays = \"2025-01-01\"\nworkdays = []\n");
    parse_error("[year2025]\nholidays = []\nworkdays = []\n");
    parse_error("[\"+2025\"]\nholidays = []\nworkdays = []\n");
    parse_error("2025 = 1\n");
    // The same year twice is rejected by TOML itself.
    parse_error("[2025]\nholidays = []\nworkdays = []\n[2025]\nholidays = []\nworkdays = []\n");
}

#[test]
fn holidays_may_fall_on_weekends() {
    // 2025-01-04 is a Saturday.
    let cal = Calendar::from_toml("[2025]\nholidays = [\"2025-01-04\"]\nworkdays = []\n").unwrap();
    assert_eq!(cal.day_kind(d("2025-01-04")), Ok(DayKind::Holiday));
}

// ---------------------------------------------------------------- properties

fn covered_date() -> impl Strategy<Value = NaiveDate> {
    // 2024-01-01 plus 0..1096 days spans 2024 (366 days), 2025 and 2026 (365 each).
    (0u64..1096).prop_map(|offset| d("2024-01-01") + chrono::Days::new(offset))
}

proptest! {
    #[test]
    fn add_then_count_round_trips(start in covered_date(), n in 0u32..200) {
        let cal = cal();
        let deadline = match cal.add_workdays(start, n) {
            Ok(deadline) => deadline,
            Err(CalendarError::NotCovered { .. }) => return Ok(()),
            Err(e) => panic!("unexpected error {e}"),
        };
        prop_assert_eq!(cal.workdays_between(start, deadline), Ok(i64::from(n)));
        prop_assert_eq!(cal.workdays_between(deadline, start), Ok(-i64::from(n)));
        if n > 0 {
            prop_assert!(cal.is_working_day(deadline).unwrap());
            prop_assert!(deadline > start);
            // The deadline is the first day reaching n: the day before has only n − 1.
            let before = deadline.pred_opt().unwrap();
            prop_assert_eq!(cal.workdays_between(start, before), Ok(i64::from(n) - 1));
        } else {
            prop_assert_eq!(deadline, start);
        }
        if let Ok(next) = cal.add_workdays(start, n + 1) {
            prop_assert!(next > deadline);
        }
        let e = cal.explain_add_workdays(start, n).unwrap();
        prop_assert_eq!(e.deadline, deadline);
        let walked = usize::try_from((deadline - start).num_days()).unwrap();
        let counted = usize::try_from(n).unwrap();
        let plain = counted - e.make_up_workdays.len();
        prop_assert_eq!(e.skipped.len() + e.make_up_workdays.len() + plain, walked);
        prop_assert!(e.skipped.iter().all(|(_, k)| !k.is_working_day()));
    }

    #[test]
    fn workdays_between_is_additive(a in covered_date(), b in covered_date(), c in covered_date()) {
        let cal = cal();
        let ab = cal.workdays_between(a, b).unwrap();
        let bc = cal.workdays_between(b, c).unwrap();
        let ac = cal.workdays_between(a, c).unwrap();
        prop_assert_eq!(ab + bc, ac);
    }
}

#[test]
fn beyond_the_calendar_deadlines_are_provisional_weekday_counts() {
    let cal = Calendar::builtin();
    // Inside the calendar: exact, not provisional.
    assert_eq!(
        cal.add_workdays_or_provisional(d("2025-09-30"), 1),
        (d("2025-10-09"), false)
    );
    // 2026-12-29 (Tue) + 5: Dec 30, Dec 31 counted from the calendar, then Fri 2027-01-01,
    // Mon 01-04, Tue 01-05 on weekdays only (2027's holidays are not loaded yet).
    assert_eq!(
        cal.add_workdays_or_provisional(d("2026-12-29"), 5),
        (d("2027-01-05"), true)
    );
}
