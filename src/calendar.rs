//! Billing's time: the one clock and the terms (in days) the subscription lifecycle counts.
//!
//! Every date the billing domain writes or compares — periods, due dates, dunning, trials,
//! invoice numbers — is read from the [`Clock`] that travels with the database handle
//! (`Db::now`), so tests and `tollgate tick --now` can move it. Sign-in tokens, throttles,
//! idempotency keys and job leases keep the wall clock: they are about the machine's time, not
//! billing's. Neither type knows about storage or HTTP, so every layer may hold them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// The wall clock unless set; once set, it stands still at that moment until set again.
#[derive(Clone, Debug)]
pub struct Clock {
    /// Microseconds since the epoch, or [`WALL`] for the wall clock.
    fixed: Arc<AtomicI64>,
}

const WALL: i64 = i64::MIN;

impl Default for Clock {
    fn default() -> Self {
        Clock {
            fixed: Arc::new(AtomicI64::new(WALL)),
        }
    }
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        match self.fixed.load(Ordering::Relaxed) {
            WALL => Utc::now(),
            micros => DateTime::from_timestamp_micros(micros).unwrap_or_else(Utc::now),
        }
    }

    /// Stops the clock at `at` (every clone of it: the whole server sees the same time).
    pub fn set(&self, at: DateTime<Utc>) {
        self.fixed.store(at.timestamp_micros(), Ordering::Relaxed);
    }

    /// Moves a stopped clock (or the wall clock's present) forward by `by`, and stops it there.
    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }

    /// Back to the wall clock.
    pub fn release(&self) {
        self.fixed.store(WALL, Ordering::Relaxed);
    }
}

/// How long each step of the lifecycle waits, in days (`TOLLGATE_*` settings, see `config.rs`).
/// The defaults follow Kill Bill's overdue states: blocked after a week, cancelled after three.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// A renewal invoice is issued this many days before the period ends.
    pub renew_days_before: i64,
    /// A free trial lasts this long.
    pub trial_days: i64,
    /// Reminder mails go out this many days before a trial ends.
    pub trial_reminder_days: Vec<i64>,
    /// An unpaid renewal suspends the account this many days after its due date.
    pub suspend_after_days: i64,
    /// … and cancels the subscription and the account this many days after it.
    pub cancel_after_days: i64,
}

impl Default for Terms {
    fn default() -> Self {
        Terms {
            renew_days_before: 7,
            trial_days: 14,
            trial_reminder_days: vec![3, 1],
            suspend_after_days: 7,
            cancel_after_days: 21,
        }
    }
}

impl Terms {
    pub fn renew_before(&self) -> chrono::Duration {
        chrono::Duration::days(self.renew_days_before)
    }
    pub fn trial(&self) -> chrono::Duration {
        chrono::Duration::days(self.trial_days)
    }
    pub fn suspend_after(&self) -> chrono::Duration {
        chrono::Duration::days(self.suspend_after_days)
    }
    pub fn cancel_after(&self) -> chrono::Duration {
        chrono::Duration::days(self.cancel_after_days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_stops_every_clone_and_release_restarts() {
        let clock = Clock::default();
        let seen_by_server = clock.clone();
        let at: DateTime<Utc> = "2027-01-15T00:00:00Z".parse().unwrap();
        clock.set(at);
        assert_eq!(seen_by_server.now(), at);
        clock.advance(chrono::Duration::days(30));
        assert_eq!(seen_by_server.now(), at + chrono::Duration::days(30));
        clock.release();
        assert!((Utc::now() - seen_by_server.now()).num_seconds().abs() < 5);
    }
}
