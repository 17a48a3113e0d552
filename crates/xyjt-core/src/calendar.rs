//! The working-day calendar of mainland China (工作日日历).
//!
//! Deadlines in administrative procedure are counted in working days: official public holidays
//! (放假) are rest days even on weekdays, and weekend make-up working days (调休上班) are working
//! days even on Saturday or Sunday. The data comes from `data/cn-calendar.toml`, one table per
//! year; only the years listed there are covered, and any question about a date outside them is
//! answered with [`CalendarError::NotCovered`] rather than a guess.
//!
//! Internally the calendar keeps one [`DayKind`] per day of the covered span and a prefix count of
//! working days, so [`Calendar::workdays_between`] is O(1) and [`Calendar::add_workdays`] is a
//! binary search.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// The calendar shipped with the program.
pub const DEFAULT_CALENDAR_TOML: &str = include_str!("../../../data/cn-calendar.toml");

/// Smallest year accepted in a calendar file.
const MIN_YEAR: i32 = 1000;
/// Largest year accepted in a calendar file.
const MAX_YEAR: i32 = 9999;

/// Errors of the working-day calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The calendar file could not be read as a calendar.
    #[error("日历文件格式错误：{0} (calendar file invalid)")]
    Parse(String),
    /// A date outside the years the calendar covers was needed.
    #[error(
        "日期 {date} 超出节假日日历覆盖范围（{first_year}–{last_year} 年）(outside the calendar's years)"
    )]
    NotCovered {
        date: NaiveDate,
        first_year: i32,
        last_year: i32,
    },
}

/// What kind of day a date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An ordinary working day, Monday to Friday.
    Workday,
    /// An ordinary Saturday or Sunday.
    Weekend,
    /// An official public holiday (放假), whatever the day of the week.
    Holiday,
    /// A Saturday or Sunday declared a working day (调休上班).
    MakeUpWorkday,
}

impl DayKind {
    /// Whether people work on a day of this kind.
    pub fn is_working_day(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday)
    }
}

/// How a deadline of a number of working days was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineExplanation {
    /// The day counting starts from (not itself counted).
    pub start: NaiveDate,
    /// The number of working days counted.
    pub workdays: u32,
    /// The last day of the period: the `workdays`-th working day after `start`.
    pub deadline: NaiveDate,
    /// Every non-working day passed over between `start` and `deadline`, with its kind.
    pub skipped: Vec<(NaiveDate, DayKind)>,
    /// The make-up working days (调休上班) that were counted.
    pub make_up_workdays: Vec<NaiveDate>,
}

/// The working-day calendar over a contiguous range of covered years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    first_year: i32,
    last_year: i32,
    /// 1 January of `first_year`: the day with index 0.
    base: NaiveDate,
    /// The kind of every day of the covered span, by index.
    kinds: Vec<DayKind>,
    /// `prefix[i]` is the number of working days among the days with index `< i`;
    /// `prefix.len() == kinds.len() + 1`.
    prefix: Vec<u32>,
}

fn parse_err(msg: impl Into<String>) -> CalendarError {
    CalendarError::Parse(msg.into())
}

/// Reads one date of a year table: a `"YYYY-MM-DD"` string or a TOML local date.
fn parse_date(value: &toml::Value, year_key: &str, list: &str) -> Result<NaiveDate, CalendarError> {
    match value {
        toml::Value::String(s) => {
            let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().filter(|d| {
                // Reject lenient forms such as "2024-2-4": the text must be canonical.
                d.format("%Y-%m-%d").to_string() == *s
            });
            date.ok_or_else(|| {
                parse_err(format!(
                    "[{year_key}] 的 {list} 中“{s}”不是有效的日期，应为 YYYY-MM-DD 格式"
                ))
            })
        }
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| {
                        parse_err(format!("[{year_key}] 的 {list} 中 {dt} 不是有效的日期"))
                    })
            }
            _ => Err(parse_err(format!(
                "[{year_key}] 的 {list} 中 {dt} 应为日期，不能带时间或时区"
            ))),
        },
        other => Err(parse_err(format!(
            "[{year_key}] 的 {list} 中的元素 {other} 不是日期"
        ))),
    }
}

/// Reads the list `key` of a year table, checking every date belongs to `year` and none repeats.
fn parse_list(
    table: &toml::Table,
    year: i32,
    year_key: &str,
    key: &str,
) -> Result<BTreeSet<NaiveDate>, CalendarError> {
    let Some(value) = table.get(key) else {
        return Err(parse_err(format!(
            "[{year_key}] 缺少 {key} 列表（没有时请写 {key} = []）"
        )));
    };
    let Some(items) = value.as_array() else {
        return Err(parse_err(format!("[{year_key}] 的 {key} 应为日期数组")));
    };
    let mut dates = BTreeSet::new();
    for item in items {
        let date = parse_date(item, year_key, key)?;
        if date.year() != year {
            return Err(parse_err(format!(
                "[{year_key}] 的 {key} 中的 {date} 不属于 {year} 年"
            )));
        }
        if !dates.insert(date) {
            return Err(parse_err(format!(
                "[{year_key}] 的 {key} 中 {date} 重复出现"
            )));
        }
    }
    Ok(dates)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Parses a calendar file: one table per year, named by the year, each with a `holidays` and a
    /// `workdays` array of dates. The years must be contiguous; no date may be listed twice, in
    /// both lists, or under another year; make-up working days must fall on a weekend.
    pub fn from_toml(text: &str) -> Result<Self, CalendarError> {
        let root: toml::Table = toml::from_str(text).map_err(|e| {
            let message = e.message().trim_end().replace('\n', "；");
            match e.span() {
                Some(span) => {
                    let line = text
                        .get(..span.start)
                        .map_or(0, |t| t.matches('\n').count())
                        + 1;
                    parse_err(format!("第 {line} 行无法解析为 TOML：{message}"))
                }
                None => parse_err(format!("无法解析为 TOML：{message}")),
            }
        })?;

        let mut years: BTreeMap<i32, (BTreeSet<NaiveDate>, BTreeSet<NaiveDate>)> = BTreeMap::new();
        for (key, value) in &root {
            let year = key
                .parse::<i32>()
                .ok()
                .filter(|y| (MIN_YEAR..=MAX_YEAR).contains(y) && y.to_string() == *key)
                .ok_or_else(|| {
                    parse_err(format!(
                        "表名“{key}”不是 {MIN_YEAR}–{MAX_YEAR} 之间的四位年份"
                    ))
                })?;
            let Some(table) = value.as_table() else {
                return Err(parse_err(format!(
                    "[{key}] 应为表，包含 holidays 和 workdays 两个数组"
                )));
            };
            if let Some(unknown) = table
                .keys()
                .find(|k| k.as_str() != "holidays" && k.as_str() != "workdays")
            {
                return Err(parse_err(format!(
                    "[{key}] 中有未知的键“{unknown}”（只允许 holidays 和 workdays）"
                )));
            }
            let holidays = parse_list(table, year, key, "holidays")?;
            let workdays = parse_list(table, year, key, "workdays")?;
            if let Some(both) = holidays.intersection(&workdays).next() {
                return Err(parse_err(format!(
                    "{both} 同时列在 [{key}] 的 holidays 和 workdays 中"
                )));
            }
            if let Some(weekday) = workdays.iter().find(|d| !is_weekend(**d)) {
                return Err(parse_err(format!(
                    "[{key}] 的 workdays 中 {weekday} 不是周六或周日，调休上班日只能在周末"
                )));
            }
            years.insert(year, (holidays, workdays));
        }

        let (Some(&first_year), Some(&last_year)) = (years.keys().next(), years.keys().next_back())
        else {
            return Err(parse_err("文件中没有任何年份"));
        };
        if let Some(missing) = (first_year..=last_year).find(|y| !years.contains_key(y)) {
            return Err(parse_err(format!(
                "年份不连续：有 {first_year} 年和 {last_year} 年，但缺少 {missing} 年"
            )));
        }

        let base = NaiveDate::from_ymd_opt(first_year, 1, 1)
            .ok_or_else(|| parse_err(format!("年份 {first_year} 超出支持范围")))?;
        let mut kinds = Vec::new();
        for (year, (holidays, workdays)) in &years {
            let days_in_year = if NaiveDate::from_ymd_opt(*year, 2, 29).is_some() {
                366
            } else {
                365
            };
            let jan1 = NaiveDate::from_ymd_opt(*year, 1, 1)
                .ok_or_else(|| parse_err(format!("年份 {year} 超出支持范围")))?;
            kinds.extend(jan1.iter_days().take(days_in_year).map(|date| {
                if holidays.contains(&date) {
                    DayKind::Holiday
                } else if workdays.contains(&date) {
                    DayKind::MakeUpWorkday
                } else if is_weekend(date) {
                    DayKind::Weekend
                } else {
                    DayKind::Workday
                }
            }));
        }

        let mut prefix = Vec::with_capacity(kinds.len() + 1);
        let mut count = 0u32;
        prefix.push(count);
        for kind in &kinds {
            count += u32::from(kind.is_working_day());
            prefix.push(count);
        }

        Ok(Self {
            first_year,
            last_year,
            base,
            kinds,
            prefix,
        })
    }

    /// The calendar built from [`DEFAULT_CALENDAR_TOML`].
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<Calendar> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                Calendar::from_toml(DEFAULT_CALENDAR_TOML)
                    .expect("the built-in calendar data/cn-calendar.toml is valid (tested)")
            })
            .clone()
    }

    /// The covered years, first to last.
    pub fn years(&self) -> RangeInclusive<i32> {
        self.first_year..=self.last_year
    }

    /// Whether `date` falls in a covered year.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.years().contains(&date.year())
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.day_kind(date)?.is_working_day())
    }

    /// The kind of day `date` is.
    pub fn day_kind(&self, date: NaiveDate) -> Result<DayKind, CalendarError> {
        Ok(self.kinds[self.index(date)?])
    }

    /// Chinese rule: the start day is not counted; the n-th working day after `start` is the
    /// deadline. n = 0 returns start.
    pub fn add_workdays(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let s = self.index(start)?;
        if n == 0 {
            return Ok(start);
        }
        // Working days up to and including `start`, plus the n to count.
        let target = u64::from(self.prefix[s + 1]) + u64::from(n);
        let total = u64::from(self.prefix[self.kinds.len()]);
        if target > total {
            return Err(self.not_covered(self.date_at(self.kinds.len())));
        }
        // Smallest k with prefix[k] >= target; the day with index k - 1 is the deadline.
        let k = self.prefix.partition_point(|&c| u64::from(c) < target);
        Ok(self.date_at(k - 1))
    }

    /// Like `add_workdays`, but where the count runs past the calendar's last year (or starts
    /// outside it) the days beyond are counted Monday–Friday only and the result is marked
    /// provisional (`true`): recompute it when that year's holiday notice is loaded.
    pub fn add_workdays_or_provisional(&self, start: NaiveDate, n: u32) -> (NaiveDate, bool) {
        if let Ok(d) = self.add_workdays(start, n) {
            return (d, false);
        }
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().expect("dates far from the end of time");
            let working = match self.is_working_day(day) {
                Ok(w) => w,
                Err(_) => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
            };
            if working {
                left -= 1;
            }
        }
        (day, true)
    }

    /// Same, with an explanation: the deadline, the days skipped as (date, DayKind) for each
    /// non-working day passed over, and the make-up workdays counted.
    pub fn explain_add_workdays(
        &self,
        start: NaiveDate,
        n: u32,
    ) -> Result<DeadlineExplanation, CalendarError> {
        let deadline = self.add_workdays(start, n)?;
        let (s, e) = (self.index(start)?, self.index(deadline)?);
        let mut skipped = Vec::new();
        let mut make_up_workdays = Vec::new();
        for i in s + 1..=e {
            let date = self.date_at(i);
            match self.kinds[i] {
                DayKind::Workday => {}
                DayKind::MakeUpWorkday => make_up_workdays.push(date),
                kind @ (DayKind::Weekend | DayKind::Holiday) => skipped.push((date, kind)),
            }
        }
        Ok(DeadlineExplanation {
            start,
            workdays: n,
            deadline,
            skipped,
            make_up_workdays,
        })
    }

    /// Number of working days d with from < d <= to. If to < from the result is negative:
    /// -(working days d with to < d <= from).
    pub fn workdays_between(&self, from: NaiveDate, to: NaiveDate) -> Result<i64, CalendarError> {
        let (f, t) = (self.index(from)?, self.index(to)?);
        Ok(i64::from(self.prefix[t + 1]) - i64::from(self.prefix[f + 1]))
    }

    /// The index of a covered date in `kinds`.
    fn index(&self, date: NaiveDate) -> Result<usize, CalendarError> {
        if !self.covers(date) {
            return Err(self.not_covered(date));
        }
        let offset = (date - self.base).num_days();
        usize::try_from(offset).map_err(|_| self.not_covered(date))
    }

    /// The date with index `i` (which may be one past the covered span).
    fn date_at(&self, i: usize) -> NaiveDate {
        // `i` is at most the number of days of the covered years, so this cannot overflow.
        self.base + Days::new(i as u64)
    }

    fn not_covered(&self, date: NaiveDate) -> CalendarError {
        CalendarError::NotCovered {
            date,
            first_year: self.first_year,
            last_year: self.last_year,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matches_kinds() {
        let cal = Calendar::builtin();
        assert_eq!(cal.prefix.len(), cal.kinds.len() + 1);
        assert_eq!(cal.kinds.len(), 366 + 365 + 365);
        let working = cal.kinds.iter().filter(|k| k.is_working_day()).count();
        assert_eq!(cal.prefix[cal.kinds.len()] as usize, working);
    }
}
