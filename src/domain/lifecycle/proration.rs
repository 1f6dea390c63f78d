//! What an upgrade costs for the rest of a period.

use chrono::{DateTime, Utc};

/// The price difference for what is left of a period, to the cent (half up): `difference ×
/// remaining days ÷ period days`, whole days.
pub fn prorate(difference: i64, remaining_days: i64, period_days: i64) -> i64 {
    if period_days <= 0 || remaining_days <= 0 {
        return 0;
    }
    let remaining = i128::from(Ord::min(remaining_days, period_days));
    let exact = i128::from(difference) * remaining;
    let period = i128::from(period_days);
    i64::try_from((2 * exact + period) / (2 * period)).unwrap_or(i64::MAX)
}

/// What an upgrade dearer by `difference` costs at `now` in the period `start`..`end` (its
/// invoice, and the portal's offer before it): the amount ([`prorate`]), the whole days left
/// and the period's days.
pub fn upgrade_quote(
    difference: i64,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> (i64, i64, i64) {
    let period_days = (end.date_naive() - start.date_naive()).num_days();
    let remaining = (end.date_naive() - now.date_naive()).num_days();
    (
        prorate(difference, remaining, period_days),
        remaining,
        period_days,
    )
}

#[cfg(test)]
mod tests {
    use super::prorate;

    #[test]
    fn proration_to_the_cent() {
        // Starter (89.00) → Growth (139.00) on day 10 of 30: 50.00 × 20/30 = 33.333… → 33.33.
        assert_eq!(prorate(5_000, 20, 30), 3_333);
        // Half a cent rounds up: 0.01 × 1/2.
        assert_eq!(prorate(1, 1, 2), 1);
        assert_eq!(prorate(5_000, 30, 30), 5_000);
        assert_eq!(prorate(5_000, 0, 30), 0);
        assert_eq!(prorate(5_000, 45, 30), 5_000);
        assert_eq!(prorate(13_900, 15, 31), 6_726);
    }
}
