//! Durations written the way Renovate users write them: `3 days`, `1 week`, `12h`,
//! `> 6 months` (an age comparison). Parsed once, at validation.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A duration with the text it was written as (kept for messages and round-trips).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Age {
    text: String,
    duration: Duration,
}

impl Age {
    /// Parses `3 days`, `1 week`, `12 hours`, `90 minutes`, `2 months` (30 days),
    /// `1 year` (365.25 days), also the short forms `3d`, `12h`, `1w`, `1y`.
    pub fn parse(text: &str) -> Result<Age, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` has no unit (write e.g. \"3 days\")"))?;
        let (number, unit) = trimmed.split_at(split);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` does not start with a number"))?;
        let seconds_per_unit = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            "mo" | "month" | "months" => 30.0 * 86_400.0,
            "y" | "yr" | "yrs" | "year" | "years" => 365.25 * 86_400.0,
            other => return Err(format!("`{text}` has an unknown unit `{other}`")),
        };
        Ok(Age {
            text: trimmed.to_string(),
            duration: Duration::from_secs_f64(number * seconds_per_unit),
        })
    }

    /// The duration.
    pub fn duration(&self) -> Duration {
        self.duration
    }
}

impl TryFrom<String> for Age {
    type Error = String;
    fn try_from(text: String) -> Result<Age, String> {
        Age::parse(&text)
    }
}

impl From<Age> for String {
    fn from(age: Age) -> String {
        age.text
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A comparison of an age with a duration: `> 3 days`, `<= 1 year`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgeRange {
    text: String,
    operator: Operator,
    age: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl AgeRange {
    /// Parses `< 1 week`, `>= 3 months`, …
    pub fn parse(text: &str) -> Result<AgeRange, String> {
        let trimmed = text.trim();
        let (operator, rest) = if let Some(rest) = trimmed.strip_prefix(">=") {
            (Operator::GreaterOrEqual, rest)
        } else if let Some(rest) = trimmed.strip_prefix("<=") {
            (Operator::LessOrEqual, rest)
        } else if let Some(rest) = trimmed.strip_prefix('>') {
            (Operator::Greater, rest)
        } else if let Some(rest) = trimmed.strip_prefix('<') {
            (Operator::Less, rest)
        } else {
            return Err(format!(
                "`{text}` must start with <, <=, > or >= (e.g. \"> 3 days\")"
            ));
        };
        Ok(AgeRange {
            text: trimmed.to_string(),
            operator,
            age: Age::parse(rest)?.duration(),
        })
    }

    /// Whether `age` satisfies the comparison.
    pub fn matches(&self, age: Duration) -> bool {
        match self.operator {
            Operator::Less => age < self.age,
            Operator::LessOrEqual => age <= self.age,
            Operator::Greater => age > self.age,
            Operator::GreaterOrEqual => age >= self.age,
        }
    }
}

impl TryFrom<String> for AgeRange {
    type Error = String;
    fn try_from(text: String) -> Result<AgeRange, String> {
        AgeRange::parse(&text)
    }
}

impl From<AgeRange> for String {
    fn from(range: AgeRange) -> String {
        range.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (text, seconds) in [
            ("3 days", 259_200),
            ("1 day", 86_400),
            ("12h", 43_200),
            ("1 week", 604_800),
            ("2 months", 5_184_000),
            ("90 minutes", 5_400),
        ] {
            assert_eq!(
                Age::parse(text).unwrap().duration().as_secs(),
                seconds,
                "{text}"
            );
        }
        assert!(Age::parse("3").is_err());
        assert!(Age::parse("three days").is_err());
        assert!(Age::parse("3 fortnights").is_err());
    }

    #[test]
    fn age_ranges() {
        let range = AgeRange::parse("> 3 days").unwrap();
        assert!(range.matches(Duration::from_secs(4 * 86_400)));
        assert!(!range.matches(Duration::from_secs(3 * 86_400)));
        assert!(
            AgeRange::parse("<= 1 year")
                .unwrap()
                .matches(Duration::from_secs(86_400))
        );
        assert!(AgeRange::parse("3 days").is_err());
    }
}
