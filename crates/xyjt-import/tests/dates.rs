//! Date parsing: every textual form and Excel serials round-trip for random real dates.

use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;
use xyjt_import::{DateError, parse_date};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Dates from 1900-03-01 (the first date whose serial is days since 1899-12-30) to 9999-12-31.
fn any_date() -> impl Strategy<Value = NaiveDate> {
    let start = day(1900, 3, 1);
    let days = (day(9999, 12, 31) - start).num_days();
    (0..=days).prop_map(move |n| start + Duration::days(n))
}

/// Dates whose serial has at most 6 digits (up to 1899-12-30 + 999999 days).
fn serial_date() -> impl Strategy<Value = NaiveDate> {
    let start = day(1900, 3, 1);
    let last = day(1899, 12, 30) + Duration::days(999_999);
    (0..=(last - start).num_days()).prop_map(move |n| start + Duration::days(n))
}

/// The serial computed independently: days since 1899-12-30.
fn expected_serial(d: NaiveDate) -> i64 {
    (d - day(1899, 12, 30)).num_days()
}

fn forms(d: NaiveDate) -> Vec<String> {
    let (y, m, dd) = (d.year(), d.month(), d.day());
    vec![
        d.format("%Y-%m-%d").to_string(),
        d.format("%Y/%m/%d").to_string(),
        d.format("%Y.%m.%d").to_string(),
        d.format("%Y%m%d").to_string(),
        format!("{y}年{m}月{dd}日"),
        format!("{y}年{m:02}月{dd:02}日"),
        format!("{y}-{m}-{dd}"),
        format!("{y}/{m}/{dd}"),
        format!("{y}.{m}.{dd}"),
        d.format("%Y-%m-%d 00:00:00").to_string(),
        d.format("%Y-%m-%dT23:59:59").to_string(),
        format!("{y}/{m}/{dd} 8:05"),
        format!("  {}  ", d.format("%Y-%m-%d")),
    ]
}

proptest! {
    #[test]
    fn textual_forms_round_trip(d in any_date()) {
        for text in forms(d) {
            prop_assert_eq!(parse_date(&text), Ok(d), "{}", text);
        }
    }

    #[test]
    fn excel_serials_round_trip(d in serial_date(), frac in 0u32..1000) {
        let serial = expected_serial(d);
        prop_assert_eq!(parse_date(&serial.to_string()), Ok(d));
        prop_assert_eq!(parse_date(&format!("{serial}.{frac:03}")), Ok(d));
    }

    #[test]
    fn impossible_days_are_named(y in 1900i32..=9999, m in 1u32..=12) {
        // The day after the month's last day does not exist.
        let next = if m == 12 { day(y + 1, 1, 1) } else { day(y, m + 1, 1) };
        let last = (next - Duration::days(1)).day();
        let text = format!("{y}-{m:02}-{:02}", last + 1);
        prop_assert_eq!(parse_date(&text), Err(DateError::Impossible { input: text.clone() }));
    }
}

#[test]
fn serials_before_the_phantom_leap_day() {
    // 1..=59 count from 1900-01-01; 60 is Excel's invented 1900-02-29; 61 is 1900-03-01.
    for n in 1..=59i64 {
        assert_eq!(
            parse_date(&n.to_string()),
            Ok(day(1900, 1, 1) + Duration::days(n - 1))
        );
    }
    assert_eq!(
        parse_date("60"),
        Err(DateError::ExcelLeapDay { input: "60".into() })
    );
    assert_eq!(parse_date("61"), Ok(day(1900, 3, 1)));
    assert_eq!(
        parse_date("0"),
        Err(DateError::SerialOutOfRange { input: "0".into() })
    );
}

#[test]
fn eight_digits_are_yyyymmdd_and_seven_are_neither() {
    assert_eq!(parse_date("20240105"), Ok(day(2024, 1, 5)));
    assert_eq!(
        parse_date("999999"),
        Ok(day(1899, 12, 30) + Duration::days(999_999))
    );
    assert!(matches!(
        parse_date("2958465"),
        Err(DateError::Format { .. })
    ));
    assert!(matches!(
        parse_date("20230229"),
        Err(DateError::Impossible { .. })
    ));
}

#[test]
fn messages_say_what_is_wrong() {
    assert_eq!(
        parse_date("2023-02-29").unwrap_err().to_string(),
        "“2023-02-29”不是存在的日期"
    );
    assert!(
        parse_date("2024年1月")
            .unwrap_err()
            .to_string()
            .contains("格式无法识别")
    );
    assert!(
        parse_date("60")
            .unwrap_err()
            .to_string()
            .contains("1900-02-29")
    );
}
