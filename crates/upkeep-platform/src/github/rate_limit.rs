//! GitHub's rate limits as decisions over plain data.
//!
//! - **Primary** (`x-ratelimit-remaining`/`-reset` per installation or token): before a
//!   request, an exhausted budget either waits for its reset (when that is within the
//!   configured maximum wait) or yields with `RateLimited`, so the caller moves on to
//!   another repository.
//! - **Secondary** (403/429 with `retry-after`, or a 403 whose message names the
//!   secondary rate limit): back off for `retry-after` (a minute when absent), then
//!   retry; GitHub did not perform a request it refused this way.
//! - **Content creation** (POSTs that create pull requests, issues, comments) is paced
//!   per identity to GitHub's documented 80 per minute and 500 per hour by default.

use std::collections::VecDeque;
use std::time::Duration;

use http::HeaderMap;
use jiff::{SignedDuration, Timestamp};

/// The primary budget last seen for an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    /// Requests left.
    pub(crate) remaining: u64,
    /// When the budget is refilled.
    pub(crate) reset: Timestamp,
}

impl Budget {
    /// The budget from a response's `x-ratelimit-*` headers, if it has them.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Budget> {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok())
        };
        Some(Budget {
            remaining: u64::try_from(number("x-ratelimit-remaining")?).ok()?,
            reset: Timestamp::from_second(number("x-ratelimit-reset")?).ok()?,
        })
    }
}

/// What to do before sending a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Send it.
    Go,
    /// Sleep this long (the budget resets within the allowed wait), then send it.
    Wait(Duration),
    /// Do not send it: the budget is exhausted until this instant.
    Yield(Timestamp),
}

/// Whether a request may go out given the last seen budget.
pub(crate) fn gate(budget: Option<Budget>, now: Timestamp, max_wait: Duration) -> Gate {
    match budget {
        Some(b) if b.remaining == 0 && b.reset > now => wait_or_yield(b.reset, now, max_wait),
        _ => Gate::Go,
    }
}

/// Wait until `until` when that is within `max_wait` (plus a second: GitHub's reset
/// has second precision), else yield.
pub(crate) fn wait_or_yield(until: Timestamp, now: Timestamp, max_wait: Duration) -> Gate {
    let wait = until.duration_since(now);
    if wait <= SignedDuration::ZERO {
        return Gate::Go;
    }
    let wait = wait.unsigned_abs() + Duration::from_secs(1);
    if wait <= max_wait + Duration::from_secs(1) {
        Gate::Wait(wait)
    } else {
        Gate::Yield(until)
    }
}

/// Why GitHub refused a request for its rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    /// The primary budget is exhausted until `reset`.
    Primary {
        /// When it comes back.
        reset: Timestamp,
    },
    /// A secondary limit: retry after this long.
    Secondary {
        /// GitHub's `retry-after` (a minute when it gave none).
        retry_after: Duration,
    },
}

/// Whether a response is a rate-limit refusal, and which kind.
pub(crate) fn classify(
    status: u16,
    headers: &HeaderMap,
    message: &str,
    now: Timestamp,
) -> Option<Limited> {
    if status != 403 && status != 429 {
        return None;
    }
    let retry_after = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let lower = message.to_ascii_lowercase();
    if let Some(retry_after) = retry_after {
        return Some(Limited::Secondary { retry_after });
    }
    if lower.contains("secondary rate limit") || lower.contains("abuse") {
        return Some(Limited::Secondary {
            retry_after: Duration::from_secs(60),
        });
    }
    match Budget::from_headers(headers) {
        Some(b) if b.remaining == 0 => Some(Limited::Primary { reset: b.reset }),
        _ if status == 429 || lower.contains("rate limit") => Some(Limited::Primary {
            reset: now + SignedDuration::from_secs(60),
        }),
        _ => None,
    }
}

/// Paces content-creating requests of one identity to at most `per_minute` in any
/// minute and `per_hour` in any hour (sliding windows, as GitHub counts them).
#[derive(Debug, Clone)]
pub(crate) struct Pacer {
    per_minute: usize,
    per_hour: usize,
    sent: VecDeque<Timestamp>,
}

impl Pacer {
    /// A pacer with these limits (0 is treated as 1).
    pub(crate) fn new(per_minute: u32, per_hour: u32) -> Pacer {
        Pacer {
            per_minute: per_minute.max(1) as usize,
            per_hour: per_hour.max(1) as usize,
            sent: VecDeque::new(),
        }
    }

    /// How long to wait at `now` before the next creation may go out.
    pub(crate) fn delay(&self, now: Timestamp) -> Duration {
        let window = |limit: usize, span: SignedDuration| -> Duration {
            let recent: Vec<&Timestamp> = self.sent.iter().filter(|t| **t > now - span).collect();
            if recent.len() < limit {
                return Duration::ZERO;
            }
            // The oldest of the last `limit` must leave the window first.
            let oldest = recent[recent.len() - limit];
            (*oldest + span).duration_since(now).unsigned_abs()
        };
        window(self.per_minute, SignedDuration::from_secs(60))
            .max(window(self.per_hour, SignedDuration::from_secs(3600)))
    }

    /// Records a creation sent at `now`.
    pub(crate) fn record(&mut self, now: Timestamp) {
        let hour_ago = now - SignedDuration::from_secs(3600);
        while self.sent.front().is_some_and(|t| *t <= hour_ago) {
            self.sent.pop_front();
        }
        self.sent.push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + second).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn an_exhausted_budget_waits_when_the_reset_is_near_and_yields_when_it_is_far() {
        let b = Budget {
            remaining: 0,
            reset: at(30),
        };
        let max = Duration::from_secs(60);
        assert_eq!(
            gate(Some(b), at(0), max),
            Gate::Wait(Duration::from_secs(31))
        );
        let far = Budget {
            remaining: 0,
            reset: at(3000),
        };
        assert_eq!(gate(Some(far), at(0), max), Gate::Yield(at(3000)));
        let left = Budget {
            remaining: 5,
            reset: at(3000),
        };
        assert_eq!(gate(Some(left), at(0), max), Gate::Go);
        assert_eq!(gate(Some(far), at(3001), max), Gate::Go);
        assert_eq!(gate(None, at(0), max), Gate::Go);
    }

    #[test]
    fn budget_is_read_from_the_ratelimit_headers() {
        let h = headers(&[
            ("x-ratelimit-remaining", "12"),
            ("x-ratelimit-reset", "1800000100"),
        ]);
        assert_eq!(
            Budget::from_headers(&h),
            Some(Budget {
                remaining: 12,
                reset: at(100)
            })
        );
        assert_eq!(Budget::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn secondary_limits_are_told_apart_from_primary_exhaustion_and_plain_403s() {
        let now = at(0);
        assert_eq!(
            classify(403, &headers(&[("retry-after", "7")]), "", now),
            Some(Limited::Secondary {
                retry_after: Duration::from_secs(7)
            })
        );
        assert_eq!(
            classify(
                403,
                &HeaderMap::new(),
                "You have exceeded a secondary rate limit",
                now
            ),
            Some(Limited::Secondary {
                retry_after: Duration::from_secs(60)
            })
        );
        let exhausted = headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1800000100"),
        ]);
        assert_eq!(
            classify(403, &exhausted, "API rate limit exceeded", now),
            Some(Limited::Primary { reset: at(100) })
        );
        let fine = headers(&[
            ("x-ratelimit-remaining", "10"),
            ("x-ratelimit-reset", "1800000100"),
        ]);
        assert_eq!(
            classify(403, &fine, "Resource not accessible by integration", now),
            None
        );
        assert_eq!(classify(500, &exhausted, "", now), None);
    }

    #[test]
    fn content_creation_is_paced_per_minute_and_per_hour() {
        let mut p = Pacer::new(2, 3);
        assert_eq!(p.delay(at(0)), Duration::ZERO);
        p.record(at(0));
        p.record(at(10));
        // Third within the minute waits until the first leaves the window.
        assert_eq!(p.delay(at(20)), Duration::from_secs(40));
        p.record(at(60));
        // Three in the hour: the next waits for the hour window.
        assert_eq!(p.delay(at(130)), Duration::from_secs(3470));
        assert_eq!(p.delay(at(3600)), Duration::ZERO);
    }
}
