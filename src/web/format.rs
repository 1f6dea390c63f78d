//! How every page writes amounts and times.

use chrono::{DateTime, Utc};

use crate::domain::money::format_minor;

/// `8900, "USD"` → `"89.00 USD"`.
pub fn money(amount: i64, currency: &str) -> String {
    format!("{} {currency}", format_minor(amount, currency))
}

/// `2025-12-08 14:03` (UTC).
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// How long ago `t` was, in the largest whole unit: "just now", "5 minutes ago", "2 hours
/// ago", "3 days ago".
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - t).num_minutes().max(0);
    let (n, unit) = match minutes {
        0 => return "just now".into(),
        1..=59 => (minutes, "minute"),
        60..=1439 => (minutes / 60, "hour"),
        _ => (minutes / 1440, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn ago_takes_the_largest_whole_unit() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - Duration::seconds(61), now), "1 minute ago");
        assert_eq!(ago(now - Duration::minutes(59), now), "59 minutes ago");
        assert_eq!(ago(now - Duration::minutes(150), now), "2 hours ago");
        assert_eq!(ago(now - Duration::days(3), now), "3 days ago");
        // A clock a little behind the database's never says "in the future".
        assert_eq!(ago(now + Duration::minutes(5), now), "just now");
    }

    #[test]
    fn money_in_major_units_with_the_currency() {
        assert_eq!(money(8900, "USD"), "89.00 USD");
    }
}
