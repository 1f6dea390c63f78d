//! When a failed delivery is tried again: at once, then after 5 s, 5 min, 30 min, 2 h, 5 h,
//! 10 h and 10 h (the schedule Svix, the authors of Standard Webhooks, use), pushed later by
//! a receiver's `Retry-After`.

use std::time::Duration;

use chrono::{DateTime, Utc};

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;

/// The wait after each failed attempt: after the first, 5 s; after the seventh, 10 h. The
/// eighth attempt is the last.
pub const AFTER_ATTEMPT: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(10 * HOUR),
];

/// A receiver's `Retry-After` is followed up to a day.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * HOUR);

/// The wait after failed attempt number `attempt` (1 for the first), at least `retry_after`.
pub fn delay(attempt: i32, retry_after: Option<Duration>) -> Duration {
    let index = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
    let scheduled = AFTER_ATTEMPT[index.min(AFTER_ATTEMPT.len() - 1)];
    scheduled.max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
}

/// A `Retry-After` value: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&Utc) - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_schedule_then_stays_at_its_end() {
        let secs = |a| delay(a, None).as_secs();
        assert_eq!(secs(1), 5);
        assert_eq!(secs(2), 300);
        assert_eq!(secs(3), 1800);
        assert_eq!(secs(4), 7200);
        assert_eq!(secs(7), 36000);
        assert_eq!(secs(9), 36000);
    }

    #[test]
    fn retry_after_only_pushes_later() {
        let longer = Some(Duration::from_secs(120));
        assert_eq!(delay(1, longer), Duration::from_secs(120));
        assert_eq!(delay(2, longer), Duration::from_secs(300));
        let huge = Some(Duration::from_secs(10 * 24 * HOUR));
        assert_eq!(delay(1, huge), MAX_RETRY_AFTER);
    }

    #[test]
    fn reads_seconds_and_dates() {
        let now = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
