//! 5-field cron expressions, as in crontab(5) and Kubernetes CronJobs:
//! `minute hour day-of-month month day-of-week`, evaluated in UTC.
//!
//! Each field takes `*`, a number, a range `a-b`, a step `*/n`, `a-b/n` or `a/n`, and
//! comma-separated lists of these; months and weekdays also take names (`jan`, `mon`),
//! and Sunday is 0 or 7. `@hourly`, `@daily` (`@midnight`), `@weekly`, `@monthly` and
//! `@yearly` (`@annually`) are shorthands. As in Vixie cron, when both day fields are
//! restricted a day matches if either does (`0 0 1 * mon` is the 1st and every Monday).
//! Non-goals: seconds, `L`/`W`/`#`, and time zones other than UTC.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::Error;

/// A parsed cron expression.
#[derive(Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    day_of_month_restricted: bool,
    day_of_week_restricted: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The search for the next match gives up after this many days (an expression such as
/// `0 0 30 feb *` never matches).
const SEARCH_DAYS: i64 = 366 * 5;

struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
};
const DAY_OF_WEEK: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &WEEKDAYS,
};

impl Cron {
    /// Whether `time` (any second of that minute) matches.
    pub fn matches(&self, time: Timestamp) -> bool {
        let time = TimeZone::UTC.to_datetime(time);
        self.matches_day(time.date())
            && bit(self.hours, time.hour())
            && bit(self.minutes, time.minute())
    }

    /// The first matching minute strictly after `after`.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = TimeZone::UTC.to_datetime(after);
        let start_minute = DateTime::from(start.date()).checked_add(
            i64::from(start.hour())
                .hours()
                .minutes(i64::from(start.minute()) + 1),
        );
        let mut time = start_minute.ok()?;
        let limit = start.date().checked_add(SEARCH_DAYS.days()).ok()?;
        while time.date() <= limit {
            if !self.matches_day(time.date()) {
                time = DateTime::from(time.date().tomorrow().ok()?);
            } else if !bit(self.hours, time.hour()) {
                time = time
                    .date()
                    .at(time.hour(), 0, 0, 0)
                    .checked_add(1.hour())
                    .ok()?;
            } else if !bit(self.minutes, time.minute()) {
                time = time.checked_add(1.minute()).ok()?;
            } else {
                return TimeZone::UTC.to_timestamp(time).ok();
            }
        }
        None
    }

    fn matches_day(&self, date: Date) -> bool {
        if !bit(self.months, date.month()) {
            return false;
        }
        let by_month_day = bit(self.days_of_month, date.day());
        let weekday = date.weekday().to_sunday_zero_offset();
        let by_weekday = bit(self.days_of_week, weekday);
        if self.day_of_month_restricted && self.day_of_week_restricted {
            by_month_day || by_weekday
        } else {
            by_month_day && by_weekday
        }
    }
}

fn bit(mask: u64, value: impl Into<i64>) -> bool {
    let value = value.into();
    (0..64).contains(&value) && mask & (1 << value) != 0
}

impl FromStr for Cron {
    type Err = Error;

    fn from_str(text: &str) -> Result<Cron, Error> {
        let error = |reason: String| Error::Cron {
            expression: text.to_owned(),
            reason,
        };
        let expanded = match text.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            other if other.starts_with('@') => return Err(error(format!("unknown `{other}`"))),
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = fields[..] else {
            return Err(error(format!(
                "{} fields; cron needs 5: minute hour day-of-month month day-of-week",
                fields.len()
            )));
        };
        let mut days_of_week = parse_field(day_of_week, &DAY_OF_WEEK).map_err(&error)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week | 1) & !(1 << 7);
        }
        Ok(Cron {
            text: text.trim().to_owned(),
            minutes: parse_field(minute, &MINUTE).map_err(&error)?,
            hours: parse_field(hour, &HOUR).map_err(&error)?,
            days_of_month: parse_field(day_of_month, &DAY_OF_MONTH).map_err(&error)?,
            months: parse_field(month, &MONTH).map_err(&error)?,
            days_of_week,
            day_of_month_restricted: !day_of_month.starts_with('*'),
            day_of_week_restricted: !day_of_week.starts_with('*'),
        })
    }
}

/// One field as a bit mask of the values it allows.
fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    let mut mask = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or_else(|| format!("{}: bad step in `{part}`", field.name))?;
                (range, step)
            }
            None => (part, 1),
        };
        let (low, high) = if range == "*" {
            (field.min, field.max)
        } else if let Some((low, high)) = range.split_once('-') {
            (value(low, field)?, value(high, field)?)
        } else {
            let low = value(range, field)?;
            // `a/n` runs from a to the end of the field.
            (low, if part.contains('/') { field.max } else { low })
        };
        if low > high {
            return Err(format!("{}: `{part}` runs backwards", field.name));
        }
        for value in (low..=high).step_by(step as usize) {
            mask |= 1 << value;
        }
    }
    Ok(mask)
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    let named = field
        .names
        .iter()
        .position(|name| *name == lower)
        .map(|index| index as u32 + if field.min == 1 { 1 } else { 0 });
    let number = named
        .or_else(|| text.parse().ok())
        .ok_or_else(|| format!("{}: `{text}` is not a number", field.name))?;
    if number < field.min || number > field.max {
        return Err(format!(
            "{}: {number} is outside {}-{}",
            field.name, field.min, field.max
        ));
    }
    Ok(number)
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn next(expression: &str, after: &str) -> String {
        let cron: Cron = expression.parse().unwrap();
        cron.next_after(at(after)).unwrap().to_string()
    }

    #[test]
    fn every_minute_is_the_next_minute() {
        assert_eq!(
            next("* * * * *", "2026-03-01T10:15:42Z"),
            "2026-03-01T10:16:00Z"
        );
    }

    #[test]
    fn steps_ranges_and_lists() {
        assert_eq!(
            next("*/15 * * * *", "2026-03-01T10:15:00Z"),
            "2026-03-01T10:30:00Z"
        );
        assert_eq!(
            next("0 9-17/4 * * *", "2026-03-01T13:00:00Z"),
            "2026-03-01T17:00:00Z"
        );
        assert_eq!(
            next("5,35 2 * * *", "2026-03-01T02:35:00Z"),
            "2026-03-02T02:05:00Z"
        );
        assert_eq!(
            next("30/10 * * * *", "2026-03-01T10:55:00Z"),
            "2026-03-01T11:30:00Z"
        );
    }

    #[test]
    fn names_and_sunday_as_seven() {
        // 2026-03-01 is a Sunday.
        assert_eq!(
            next("0 6 * * mon-fri", "2026-03-01T00:00:00Z"),
            "2026-03-02T06:00:00Z"
        );
        assert_eq!(
            next("0 6 * * 7", "2026-03-02T00:00:00Z"),
            "2026-03-08T06:00:00Z"
        );
        assert_eq!(
            next("0 0 1 JUL *", "2026-03-01T00:00:00Z"),
            "2026-07-01T00:00:00Z"
        );
    }

    #[test]
    fn restricted_day_fields_match_either() {
        // The 1st or any Monday: Monday 2 March comes before 1 April.
        assert_eq!(
            next("0 0 1 * mon", "2026-03-01T00:00:00Z"),
            "2026-03-02T00:00:00Z"
        );
        // Only the day of month restricted: the 13th, whatever the weekday.
        assert_eq!(
            next("0 0 13 * *", "2026-03-01T00:00:00Z"),
            "2026-03-13T00:00:00Z"
        );
    }

    #[test]
    fn shorthands_and_leap_days() {
        assert_eq!(
            next("@daily", "2026-12-31T23:59:59Z"),
            "2027-01-01T00:00:00Z"
        );
        assert_eq!(
            next("@hourly", "2026-03-01T10:00:00Z"),
            "2026-03-01T11:00:00Z"
        );
        assert_eq!(
            next("0 12 29 2 *", "2026-03-01T00:00:00Z"),
            "2028-02-29T12:00:00Z"
        );
    }

    #[test]
    fn impossible_dates_never_match() {
        let cron: Cron = "0 0 30 feb *".parse().unwrap();
        assert_eq!(cron.next_after(at("2026-01-01T00:00:00Z")), None);
    }

    #[test]
    fn matches_checks_the_minute() {
        let cron: Cron = "30 4 * * *".parse().unwrap();
        assert!(cron.matches(at("2026-05-05T04:30:59Z")));
        assert!(!cron.matches(at("2026-05-05T04:31:00Z")));
    }

    #[test]
    fn bad_expressions_say_which_field() {
        for (expression, needle) in [
            ("* * * *", "4 fields"),
            ("60 * * * *", "minute: 60 is outside 0-59"),
            ("* 24 * * *", "hour"),
            ("* * 0 * *", "day of month"),
            ("* * * foo *", "month: `foo`"),
            ("*/0 * * * *", "bad step"),
            ("* * * * 5-1", "runs backwards"),
            ("0 0 0 0 0 0", "6 fields"),
            ("@sometimes", "unknown `@sometimes`"),
        ] {
            let error = expression.parse::<Cron>().unwrap_err().to_string();
            assert!(error.contains(needle), "{expression}: {error}");
            assert!(error.contains(&format!("`{expression}`")), "{error}");
        }
    }
}
