//! Renovate schedules: when branches may be created (`schedule`) or merged
//! (`automergeSchedule`).
//!
//! A schedule is a list of entries, OR'ed; each entry is either one of Renovate's
//! English forms (`before 5am on monday`, `every 3 months on the first day of the month`)
//! or a 5-field cron expression whose minute field is `*`. Both compile to the same
//! shape — a filter on local calendar days plus a set of minute ranges within the day —
//! so one evaluator answers "is this instant inside?" and "when does the next window
//! open?", in the repository's IANA `timezone`, DST transitions included. No crate parses
//! the English forms the way Renovate's users expect, hence the `text` module.

mod cron;
mod text;

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// A parsed schedule (entries OR'ed); empty or `at any time` means always.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Schedule {
    sources: Vec<String>,
    entries: Vec<Entry>,
    always: bool,
}

/// One entry: a day filter and minute ranges within matching days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Bit `n` set: weekday `n` (0 = Sunday) allowed.
    weekdays: u8,
    /// Bit `d` set: day of month `d` (1–31) allowed.
    days_of_month: u32,
    /// The last day of the month is allowed (whatever its number).
    last_day_of_month: bool,
    /// Bit `m` set: month `m` (1–12) allowed.
    months: u16,
    /// Cron semantics: when both weekdays and days of month are restricted, either may match.
    either_day: bool,
    /// Half-open `[start, end)` minute-of-day ranges, sorted and disjoint.
    minutes: Vec<(u16, u16)>,
}

pub(crate) const ALL_WEEKDAYS: u8 = 0x7f;
pub(crate) const ALL_DAYS_OF_MONTH: u32 = !1;
pub(crate) const ALL_MONTHS: u16 = 0x1ffe;

impl Entry {
    pub(crate) fn any_time() -> Entry {
        Entry {
            weekdays: ALL_WEEKDAYS,
            days_of_month: ALL_DAYS_OF_MONTH,
            last_day_of_month: false,
            months: ALL_MONTHS,
            either_day: false,
            minutes: vec![(0, 1440)],
        }
    }

    fn matches_day(&self, date: Date) -> bool {
        if self.months & (1 << date.month()) == 0 {
            return false;
        }
        let weekday_ok = self.weekdays & (1 << date.weekday().to_sunday_zero_offset()) != 0;
        let day_ok = self.days_of_month & (1 << date.day()) != 0
            || (self.last_day_of_month && date.day() == date.days_in_month());
        let weekdays_restricted = self.weekdays != ALL_WEEKDAYS;
        let days_restricted = self.days_of_month != ALL_DAYS_OF_MONTH || self.last_day_of_month;
        if self.either_day && weekdays_restricted && days_restricted {
            weekday_ok || day_ok
        } else {
            weekday_ok && day_ok
        }
    }

    fn contains(&self, local: DateTime) -> bool {
        let minute = local.hour() as u16 * 60 + local.minute() as u16;
        self.matches_day(local.date())
            && self
                .minutes
                .iter()
                .any(|&(start, end)| start <= minute && minute < end)
    }

    /// The earliest instant at or after `from` inside this entry.
    fn next_open(&self, from: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let local = from.to_zoned_datetime(tz.clone()).datetime();
        let now_minute = local.hour() as u16 * 60 + local.minute() as u16;
        let mut date = local.date();
        // Five years covers every repeating form (quarterly, "31st of February" never opens).
        for offset in 0..(5 * 366) {
            if self.matches_day(date) {
                for &(start, end) in &self.minutes {
                    let first = if offset == 0 {
                        start.max(now_minute)
                    } else {
                        start
                    };
                    for minute in first..end {
                        let civil = date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
                        let Ok(zoned) = tz.to_ambiguous_zoned_datetime(civil).compatible() else {
                            continue;
                        };
                        let candidate = zoned.timestamp().max(from);
                        if self.contains(candidate.to_zoned_datetime(tz.clone()).datetime()) {
                            return Some(candidate);
                        }
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

impl Schedule {
    /// The schedule that is always open.
    pub fn always() -> Schedule {
        Schedule {
            sources: vec!["at any time".into()],
            entries: Vec::new(),
            always: true,
        }
    }

    /// Parses a list of entries; the error gives the index of the bad entry and why.
    pub fn parse(entries: &[String]) -> Result<Schedule, (usize, String)> {
        let mut schedule = Schedule {
            sources: entries.to_vec(),
            entries: Vec::new(),
            always: entries.is_empty(),
        };
        for (index, text) in entries.iter().enumerate() {
            match parse_entry(text).map_err(|message| (index, message))? {
                Some(entry) => schedule.entries.push(entry),
                None => schedule.always = true,
            }
        }
        Ok(schedule)
    }

    /// Whether the schedule is always open.
    pub fn is_always(&self) -> bool {
        self.always
    }

    /// The entries as written.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// Whether `instant` falls inside the schedule, read in `tz`.
    pub fn contains(&self, instant: Timestamp, tz: &TimeZone) -> bool {
        if self.always {
            return true;
        }
        let local = instant.to_zoned_datetime(tz.clone()).datetime();
        self.entries.iter().any(|entry| entry.contains(local))
    }

    /// The earliest instant at or after `from` inside the schedule (`from` itself when it
    /// is inside); `None` when no window opens in the next five years.
    pub fn next_open(&self, from: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        if self.contains(from, tz) {
            return Some(from);
        }
        self.entries
            .iter()
            .filter_map(|entry| entry.next_open(from, tz))
            .min()
    }
}

/// Parses one entry; `Ok(None)` means "at any time".
fn parse_entry(text: &str) -> Result<Option<Entry>, String> {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("at any time") {
        return Ok(None);
    }
    if cron::looks_like_cron(trimmed) {
        return cron::parse(trimmed).map(Some);
    }
    text::parse(trimmed).map(Some)
}

impl TryFrom<Vec<String>> for Schedule {
    type Error = String;
    fn try_from(entries: Vec<String>) -> Result<Schedule, String> {
        Schedule::parse(&entries).map_err(|(_, message)| message)
    }
}

impl From<Schedule> for Vec<String> {
    fn from(schedule: Schedule) -> Vec<String> {
        schedule.sources
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Schedule").field(&self.sources).finish()
    }
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule::always()
    }
}

/// Normalises minute ranges: sorted, merged, empty ones dropped.
pub(crate) fn normalise(mut ranges: Vec<(u16, u16)>) -> Vec<(u16, u16)> {
    ranges.retain(|(start, end)| start < end);
    ranges.sort_unstable();
    let mut out: Vec<(u16, u16)> = Vec::new();
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

#[cfg(test)]
mod tests;
