//! Renovate's English schedule forms (the later.js text grammar, as used in practice).
//!
//! Accepted, combined freely within one entry (AND), case-insensitive:
//! `before 5am`, `after 10pm`, `after 9:30am and before 5pm`, `after 10pm and before
//! 5am` (wraps past midnight), `every weekday`, `every weekend`, `every day`,
//! `on monday and tuesday`, `on Monday, Wednesday, Friday`, `every monday`,
//! `on monday through friday`, `on the first day of the month`, `on the 1st and 15th day
//! of the month`, `on the 1st through 7th day of the month`, `on the last day of the
//! month`, `every 3 months`, `every month`, `in january and july`, `of march through may`.
//! Forms that name an instant rather than a window (`at 5pm`) or need week-of-year
//! arithmetic (`every 2 weeks`) are rejected with a message saying what to write instead.

use super::{ALL_DAYS_OF_MONTH, ALL_MONTHS, Entry, normalise};

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];
const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const ORDINAL_WORDS: [&str; 10] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<String>,
    position: usize,
}

/// Parses one English schedule entry.
pub(super) fn parse(text: &str) -> Result<Entry, String> {
    let tokens = tokenize(text);
    if tokens.is_empty() {
        return Err("empty schedule entry (use \"at any time\")".into());
    }
    let mut parser = Parser {
        text,
        tokens,
        position: 0,
    };
    let mut entry = Entry::any_time();
    let (mut after, mut before): (Option<u16>, Option<u16>) = (None, None);
    while let Some(token) = parser.next() {
        match token.as_str() {
            "and" | "," => {}
            "before" => before = Some(parser.time()?),
            "after" => after = Some(parser.time()?),
            "every" => parser.every(&mut entry)?,
            "on" => parser.on(&mut entry)?,
            "in" | "of" => entry.months = parser.months()?,
            "at" => {
                return Err(parser.error(
                    "names an instant, not a window; write e.g. \"after 5pm and before 6pm\"",
                ));
            }
            other if day_index(other).is_some() => {
                parser.position -= 1;
                entry.weekdays = parser.weekdays()?;
            }
            other => return Err(parser.error(&format!("has an unexpected word `{other}`"))),
        }
    }
    entry.minutes = match (after, before) {
        (None, None) => vec![(0, 1440)],
        (Some(after), None) => vec![(after, 1440)],
        (None, Some(before)) => vec![(0, before)],
        (Some(after), Some(before)) if after < before => vec![(after, before)],
        // `after 10pm and before 5am`: the window wraps past midnight.
        (Some(after), Some(before)) => normalise(vec![(0, before), (after, 1440)]),
    };
    if entry.minutes.is_empty() {
        return Err(parser.error("never opens (`before 0am`)"));
    }
    Ok(entry)
}

fn tokenize(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut tokens = Vec::new();
    for word in lower.split_whitespace() {
        let mut rest = word;
        while let Some(i) = rest.find(',') {
            if i > 0 {
                tokens.push(rest[..i].to_string());
            }
            tokens.push(",".to_string());
            rest = &rest[i + 1..];
        }
        if !rest.is_empty() {
            tokens.push(rest.to_string());
        }
    }
    tokens
}

fn day_index(word: &str) -> Option<u8> {
    let word = word
        .strip_suffix('s')
        .filter(|w| w.ends_with("day"))
        .unwrap_or(word);
    DAYS.iter()
        .position(|day| *day == word || (word.len() >= 3 && day.starts_with(word)))
        .map(|i| i as u8)
}

fn month_index(word: &str) -> Option<u8> {
    MONTHS
        .iter()
        .position(|month| *month == word || (word.len() == 3 && month.starts_with(word)))
        .map(|i| i as u8 + 1)
}

/// `1st`, `2nd`, `first`, `15`, `31st` → the number.
fn ordinal(word: &str) -> Option<u8> {
    if let Some(i) = ORDINAL_WORDS.iter().position(|w| *w == word) {
        return Some(i as u8 + 1);
    }
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") {
        return None;
    }
    digits.parse::<u8>().ok().filter(|n| (1..=31).contains(n))
}

impl Parser<'_> {
    fn next(&mut self) -> Option<String> {
        let token = self.tokens.get(self.position).cloned();
        self.position += 1;
        token
    }

    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.position).map(String::as_str)
    }

    fn error(&self, what: &str) -> String {
        format!("schedule `{}` {what}", self.text)
    }

    fn expect(&mut self, word: &str) -> Result<(), String> {
        match self.next() {
            Some(token) if token == word => Ok(()),
            Some(token) => Err(self.error(&format!("expected `{word}`, found `{token}`"))),
            None => Err(self.error(&format!("ends where `{word}` was expected"))),
        }
    }

    /// `5am`, `5 am`, `5:30pm`, `17:00`, `midnight`, `noon` → minute of the day.
    fn time(&mut self) -> Result<u16, String> {
        let token = self
            .next()
            .ok_or_else(|| self.error("ends where a time was expected"))?;
        match token.as_str() {
            "midnight" => return Ok(0),
            "noon" => return Ok(720),
            _ => {}
        }
        let (clock, mut meridiem) = match token
            .strip_suffix("am")
            .or_else(|| token.strip_suffix("a.m."))
        {
            Some(clock) => (clock.to_string(), Some(false)),
            None => match token
                .strip_suffix("pm")
                .or_else(|| token.strip_suffix("p.m."))
            {
                Some(clock) => (clock.to_string(), Some(true)),
                None => (token.clone(), None),
            },
        };
        if meridiem.is_none() {
            match self.peek() {
                Some("am") => meridiem = Some(false),
                Some("pm") => meridiem = Some(true),
                _ => {}
            }
            if meridiem.is_some() {
                self.position += 1;
            }
        }
        let (hour, minute) = match clock.split_once(':') {
            Some((hour, minute)) => (hour.parse::<u16>(), minute.parse::<u16>()),
            None => (clock.parse::<u16>(), Ok(0)),
        };
        let (Ok(mut hour), Ok(minute)) = (hour, minute) else {
            return Err(self.error(&format!(
                "has `{token}` where a time like `5am` or `17:30` was expected"
            )));
        };
        match meridiem {
            Some(_) if !(1..=12).contains(&hour) => {
                return Err(self.error(&format!("has an invalid hour in `{token}`")));
            }
            Some(pm) => hour = hour % 12 + if pm { 12 } else { 0 },
            None if !clock.contains(':') && hour <= 12 => {
                return Err(self.error(&format!(
                    "has `{token}` without am/pm (write `{token}am` or `{token}pm`)"
                )));
            }
            None => {}
        }
        if hour > 24 || minute > 59 || (hour == 24 && minute > 0) {
            return Err(self.error(&format!("has an invalid time `{token}`")));
        }
        Ok(hour * 60 + minute)
    }

    fn every(&mut self, entry: &mut Entry) -> Result<(), String> {
        let token = self
            .next()
            .ok_or_else(|| self.error("ends after `every`"))?;
        match token.as_str() {
            "weekday" | "weekdays" => entry.weekdays = 0b011_1110,
            "weekend" | "weekends" => entry.weekdays = 0b100_0001,
            "day" => {}
            "month" => {}
            "week" => {}
            word if day_index(word).is_some() => {
                self.position -= 1;
                entry.weekdays = self.weekdays()?;
            }
            number => {
                let n: u16 = number.parse().map_err(|_| {
                    self.error(&format!(
                        "has `every {number}`, which upkeep does not understand"
                    ))
                })?;
                let unit = self.next().unwrap_or_default();
                match unit.as_str() {
                    "month" | "months" if (1..=12).contains(&n) => {
                        entry.months = (1..=12u16)
                            .step_by(n as usize)
                            .fold(0, |bits, m| bits | 1 << m);
                    }
                    "month" | "months" => {
                        return Err(self.error("has an interval of months outside 1–12"));
                    }
                    _ => {
                        return Err(self.error(&format!(
                            "repeats `every {n} {unit}`, which has no fixed calendar meaning; \
                             use days of the week or of the month, or a cron expression"
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    fn on(&mut self, entry: &mut Entry) -> Result<(), String> {
        match self.peek() {
            Some("the") => {
                self.position += 1;
                self.days_of_month(entry)
            }
            Some("weekdays") | Some("weekday") => {
                self.position += 1;
                entry.weekdays = 0b011_1110;
                Ok(())
            }
            Some("weekends") | Some("weekend") => {
                self.position += 1;
                entry.weekdays = 0b100_0001;
                Ok(())
            }
            _ => {
                entry.weekdays = self.weekdays()?;
                Ok(())
            }
        }
    }

    /// `monday and tuesday`, `monday, wednesday, friday`, `monday through friday`.
    fn weekdays(&mut self) -> Result<u8, String> {
        let mut bits = 0u8;
        loop {
            let token = self.next().unwrap_or_default();
            let day = day_index(&token).ok_or_else(|| {
                self.error(&format!(
                    "has `{token}` where a day of the week was expected"
                ))
            })?;
            if self.peek() == Some("through") || self.peek() == Some("to") {
                self.position += 1;
                let token = self.next().unwrap_or_default();
                let last = day_index(&token).ok_or_else(|| {
                    self.error(&format!(
                        "has `{token}` where a day of the week was expected"
                    ))
                })?;
                let mut d = day;
                loop {
                    bits |= 1 << d;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            } else {
                bits |= 1 << day;
            }
            if !self.continues_list(|word| day_index(word).is_some()) {
                return Ok(bits);
            }
        }
    }

    /// After a list item: consumes `,` / `and` when a further item follows.
    fn continues_list(&mut self, is_item: impl Fn(&str) -> bool) -> bool {
        let mut look = self.position;
        while let Some(token) = self.tokens.get(look) {
            if token == "," || token == "and" {
                look += 1;
            } else {
                break;
            }
        }
        if look > self.position && self.tokens.get(look).is_some_and(|t| is_item(t)) {
            self.position = look;
            true
        } else {
            false
        }
    }

    /// After `on the`: `first day of the month`, `1st and 15th day of the month`,
    /// `1st through 7th day of the month`, `last day of the month`.
    fn days_of_month(&mut self, entry: &mut Entry) -> Result<(), String> {
        let mut bits = 0u32;
        let mut last = false;
        loop {
            let token = self.next().unwrap_or_default();
            if token == "last" {
                last = true;
            } else {
                let first = ordinal(&token).ok_or_else(|| {
                    self.error(&format!(
                        "has `{token}` where a day of the month was expected"
                    ))
                })?;
                if self.peek() == Some("through") || self.peek() == Some("to") {
                    self.position += 1;
                    let token = self.next().unwrap_or_default();
                    let end = ordinal(&token).ok_or_else(|| {
                        self.error(&format!(
                            "has `{token}` where a day of the month was expected"
                        ))
                    })?;
                    for d in first..=end.max(first) {
                        bits |= 1 << d;
                    }
                } else {
                    bits |= 1 << first;
                }
            }
            if !self.continues_list(|word| word == "last" || ordinal(word).is_some()) {
                break;
            }
        }
        if self.peek().is_some_and(|t| day_index(t).is_some()) {
            return Err(self.error("names a weekday of the month (`the first monday`), which upkeep does not support; use a cron expression"));
        }
        self.expect("day")?;
        if self.peek() == Some("of") {
            self.position += 1;
            if self.peek() == Some("the") {
                self.position += 1;
            }
            self.expect("month")?;
        }
        entry.days_of_month = bits;
        entry.last_day_of_month = last;
        if bits == 0 && !last {
            entry.days_of_month = ALL_DAYS_OF_MONTH;
        }
        Ok(())
    }

    /// `january and july`, `march through may`.
    fn months(&mut self) -> Result<u16, String> {
        let mut bits = 0u16;
        loop {
            let token = self.next().unwrap_or_default();
            let month = month_index(&token)
                .ok_or_else(|| self.error(&format!("has `{token}` where a month was expected")))?;
            if self.peek() == Some("through") || self.peek() == Some("to") {
                self.position += 1;
                let token = self.next().unwrap_or_default();
                let last = month_index(&token).ok_or_else(|| {
                    self.error(&format!("has `{token}` where a month was expected"))
                })?;
                let mut m = month;
                loop {
                    bits |= 1 << m;
                    if m == last {
                        break;
                    }
                    m = m % 12 + 1;
                }
            } else {
                bits |= 1 << month;
            }
            if !self.continues_list(|word| month_index(word).is_some()) {
                break;
            }
        }
        Ok(if bits == 0 { ALL_MONTHS } else { bits })
    }
}
