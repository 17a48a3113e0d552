//! Dates as they appear in bureau files.
//!
//! Accepted: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYY年M月D日`, `YYYYMMDD`, single-digit
//! months and days, an optional time after a space or `T` (`2024-01-05 00:00:00`,
//! `2024-01-05T08:30`), and Excel serial numbers in the 1900 date system.
//!
//! Excel serials: a purely numeric text whose integer part has at most 6 digits (so that an
//! 8-digit text is always `YYYYMMDD`), optionally with a fraction (the time of day, ignored).
//! Serial 1 is 1900-01-01; serial 60 is the 1900-02-29 that Excel invents (1900 was not a leap
//! year) and is rejected; from 61 (1900-03-01) on, serial n is 1899-12-30 + n days. The
//! 6-digit bound makes 999999 (4637-11-25) the largest serial accepted, far below Excel's own
//! limit of 2958465 (9999-12-31).

use chrono::{Duration, NaiveDate, NaiveTime};

/// Why a date text was rejected. The messages start with the quoted input, so a caller can
/// prefix the column label: `处罚决定日期“2023-02-29”不是存在的日期`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("为空")]
    Empty,
    /// Not one of the accepted forms.
    #[error(
        "“{input}”格式无法识别，应为 YYYY-MM-DD、YYYY/MM/DD、YYYY.MM.DD、YYYY年M月D日、YYYYMMDD 或 Excel 日期序号"
    )]
    Format { input: String },
    /// The form is right but the date does not exist (2023-02-29, month 13, day 0 …).
    #[error("“{input}”不是存在的日期")]
    Impossible { input: String },
    /// Excel serial 0 (or a serial below 1).
    #[error("“{input}”不是有效的 Excel 日期序号（应从 1 开始，1 即 1900-01-01）")]
    SerialOutOfRange { input: String },
    /// Excel serial 60, the fictitious 1900-02-29.
    #[error("“{input}”是 Excel 虚构的日期 1900-02-29，不是存在的日期")]
    ExcelLeapDay { input: String },
}

/// The largest serial Excel itself supports (9999-12-31).
pub const EXCEL_MAX_SERIAL: u32 = 2_958_465;

/// Parses a date in any accepted form (see the module documentation).
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    let input = s.trim();
    if input.is_empty() {
        return Err(DateError::Empty);
    }
    let format_error = || DateError::Format {
        input: input.to_string(),
    };
    let impossible = || DateError::Impossible {
        input: input.to_string(),
    };

    // Excel serial: digits with an optional fraction, integer part of at most 6 digits.
    if let Some(serial) = excel_serial_text(input) {
        return excel_serial(serial).map_err(|e| match e {
            SerialError::Zero => DateError::SerialOutOfRange {
                input: input.to_string(),
            },
            SerialError::LeapDay => DateError::ExcelLeapDay {
                input: input.to_string(),
            },
        });
    }

    // YYYYMMDD
    if input.len() == 8 && input.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m, d) = (&input[..4], &input[4..6], &input[6..]);
        return ymd(y, m, d).ok_or_else(impossible);
    }

    let (date, time) = split_time(input);
    if let Some(time) = time
        && !valid_time(time)
    {
        return Err(format_error());
    }
    let parts: Option<(&str, &str, &str)> = if let Some(rest) = date.strip_suffix('日') {
        rest.split_once('年')
            .and_then(|(y, md)| md.split_once('月').map(|(m, d)| (y, m, d)))
    } else {
        ['-', '/', '.'].iter().find_map(|&sep| {
            let mut it = date.split(sep);
            match (it.next(), it.next(), it.next(), it.next()) {
                (Some(y), Some(m), Some(d), None) => Some((y, m, d)),
                _ => None,
            }
        })
    };
    let (y, m, d) = parts.ok_or_else(format_error)?;
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2)) {
        return Err(format_error());
    }
    ymd(y, m, d).ok_or_else(impossible)
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// The integer part of an Excel serial text, when `s` is one.
fn excel_serial_text(s: &str) -> Option<u32> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 6 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    int.parse().ok()
}

enum SerialError {
    Zero,
    LeapDay,
}

/// The date of an Excel serial day number (1900 date system).
fn excel_serial(serial: u32) -> Result<NaiveDate, SerialError> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    match serial {
        0 => Err(SerialError::Zero),
        60 => Err(SerialError::LeapDay),
        1..=59 => Ok(base + Duration::days(i64::from(serial) + 1)),
        _ => Ok(base + Duration::days(i64::from(serial))),
    }
}

/// Splits `2024-01-05 08:00:00` / `2024-01-05T08:00` into the date and the time.
fn split_time(s: &str) -> (&str, Option<&str>) {
    if let Some((date, time)) = s.split_once(|c: char| c.is_whitespace()) {
        return (date, Some(time.trim()));
    }
    if let Some(i) = s.find('T')
        && s[i + 1..].starts_with(|c: char| c.is_ascii_digit())
    {
        return (&s[..i], Some(&s[i + 1..]));
    }
    (s, None)
}

fn valid_time(t: &str) -> bool {
    let t = t.strip_suffix('Z').unwrap_or(t);
    ["%H:%M:%S%.f", "%H:%M:%S", "%H:%M"]
        .iter()
        .any(|f| NaiveTime::parse_from_str(t, f).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn textual_forms() {
        for s in [
            "2024-01-05",
            "2024/1/5",
            "2024.01.05",
            "2024年1月5日",
            "2024年01月05日",
            "20240105",
            "2024-01-05 00:00:00",
            "2024-01-05T00:00:00",
            "2024/1/5 8:30",
            " 2024-01-05 ",
            "2024-01-05T08:30:00.000Z",
        ] {
            assert_eq!(parse_date(s), Ok(d(2024, 1, 5)), "{s}");
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(parse_date("1"), Ok(d(1900, 1, 1)));
        assert_eq!(parse_date("59"), Ok(d(1900, 2, 28)));
        assert!(matches!(
            parse_date("60"),
            Err(DateError::ExcelLeapDay { .. })
        ));
        assert_eq!(parse_date("61"), Ok(d(1900, 3, 1)));
        assert_eq!(parse_date("45296"), Ok(d(2024, 1, 5)));
        assert_eq!(parse_date("45296.75"), Ok(d(2024, 1, 5)));
        assert!(matches!(
            parse_date("0"),
            Err(DateError::SerialOutOfRange { .. })
        ));
        assert!(matches!(
            parse_date("1234567"),
            Err(DateError::Format { .. })
        ));
    }

    #[test]
    fn rejections_name_the_problem() {
        assert!(matches!(
            parse_date("2023-02-29"),
            Err(DateError::Impossible { .. })
        ));
        assert!(matches!(
            parse_date("20231301"),
            Err(DateError::Impossible { .. })
        ));
        assert!(matches!(
            parse_date("2023年2月30日"),
            Err(DateError::Impossible { .. })
        ));
        assert!(matches!(
            parse_date("05/01/2024"),
            Err(DateError::Format { .. })
        ));
        assert!(matches!(
            parse_date("2024-01-05 25:00"),
            Err(DateError::Format { .. })
        ));
        assert!(matches!(parse_date("长期"), Err(DateError::Format { .. })));
        assert!(matches!(
            parse_date("2024-1-5-1"),
            Err(DateError::Format { .. })
        ));
        assert_eq!(parse_date("  "), Err(DateError::Empty));
    }
}
