//! 5-field cron (`minute hour day-of-month month day-of-week`), Vixie semantics: lists,
//! ranges, steps, month and day names, `7` = Sunday, and when both day fields are
//! restricted a day matching either one matches. Like Renovate, the minute field must be
//! `*`: a schedule is a set of whole-hour windows, not a trigger instant.

use super::{Entry, normalise};

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Whether the entry is in cron form (five fields, the first three numeric-ish).
pub(super) fn looks_like_cron(text: &str) -> bool {
    let fields: Vec<&str> = text.split_whitespace().collect();
    fields.len() == 5
        && fields[..3]
            .iter()
            .all(|f| f.chars().all(|c| c.is_ascii_digit() || "*/,-?".contains(c)))
}

/// Parses a cron entry.
pub(super) fn parse(text: &str) -> Result<Entry, String> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields[0] != "*" {
        return Err(format!(
            "cron schedule `{text}` must use `*` for minutes: a schedule is a window of whole \
             hours (e.g. `* 0-3 * * 1`), not an instant"
        ));
    }
    let error = |field: &str, what: &str| {
        format!("cron schedule `{text}` has an invalid {what} field `{field}`")
    };
    let hours = field(fields[1], 0, 23, &[], 0).map_err(|_| error(fields[1], "hour"))?;
    let days = field(fields[2], 1, 31, &[], 0).map_err(|_| error(fields[2], "day-of-month"))?;
    let months = field(fields[3], 1, 12, &MONTH_NAMES, 1).map_err(|_| error(fields[3], "month"))?;
    let mut weekdays =
        field(fields[4], 0, 7, &DAY_NAMES, 0).map_err(|_| error(fields[4], "day-of-week"))?;
    if weekdays & (1 << 7) != 0 {
        weekdays |= 1;
    }
    let minutes = normalise(
        (0..24u16)
            .filter(|h| hours & (1 << h) != 0)
            .map(|h| (h * 60, h * 60 + 60))
            .collect(),
    );
    // Vixie cron: the two day fields are OR'ed only when neither starts with `*`.
    let either_day = !fields[2].starts_with('*') && !fields[4].starts_with('*');
    Ok(Entry {
        weekdays: (weekdays & 0x7f) as u8,
        days_of_month: days as u32,
        last_day_of_month: false,
        months: months as u16,
        either_day,
        minutes,
    })
}

/// A field as a bit set of allowed values.
fn field(text: &str, min: u8, max: u8, names: &[&str], name_base: u8) -> Result<u64, ()> {
    let mut bits = 0u64;
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((range, step)) => (range, step.parse::<u8>().map_err(|_| ())?),
            None => (item, 1),
        };
        if step == 0 {
            return Err(());
        }
        let (start, end) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, names, name_base)?, value(b, names, name_base)?)
        } else {
            let start = value(range, names, name_base)?;
            (start, if item.contains('/') { max } else { start })
        };
        if start < min || end > max || start > end {
            return Err(());
        }
        for v in (start..=end).step_by(step as usize) {
            bits |= 1 << v;
        }
    }
    Ok(bits)
}

fn value(text: &str, names: &[&str], name_base: u8) -> Result<u8, ()> {
    if let Ok(n) = text.parse() {
        return Ok(n);
    }
    let lower = text.to_ascii_lowercase();
    names
        .iter()
        .position(|n| *n == lower)
        .map(|i| i as u8 + name_base)
        .ok_or(())
}
