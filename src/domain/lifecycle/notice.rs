//! Where an account stands in its subscription's lifecycle, as a customer must hear of it on
//! every portal page: a trial about to end or ended, a renewal past due, an account suspended
//! or cancelled for it, a cancellation at the period end. Read from the account, its latest
//! subscription and that subscription's open renewal; the portal only words it.
//!
//! Payments (an open invoice, a payment in review or rejected) are `domain::standing`'s.

use chrono::{DateTime, Duration, Utc};

use super::plans;
use super::renewal::open_renewal;
use crate::db::Db;
use crate::domain::status::{AccountStatus, SubscriptionStatus};
use crate::entities::{account, invoice};
use crate::error::Result;

/// A trial ending this close is announced (the last of the reminder mails' days, by default).
pub const TRIAL_ENDING_WITHIN_DAYS: i64 = 3;

#[derive(Debug)]
pub enum Notice {
    /// A trial ending within [`TRIAL_ENDING_WITHIN_DAYS`].
    TrialEnding { ends_at: DateTime<Utc> },
    /// The trial ended without a paid plan: nothing is usable until one is paid for.
    TrialExpired,
    /// The renewal was not paid by its due date; the account still works, until it is
    /// suspended. The invoice is the renewal to pay (none if it was withdrawn meanwhile).
    PastDue { invoice: Option<invoice::Model> },
    /// Suspended: by dunning, for the renewal to pay; or by staff (no invoice).
    Suspended { invoice: Option<invoice::Model> },
    /// Cancelled at the period end, which is still to come (it may be undone until then).
    Ending { on: DateTime<Utc> },
    /// The subscription and the account were cancelled: a plan must be chosen again.
    Cancelled,
}

/// What the account must hear of its lifecycle now (the billing clock's now), if anything.
pub async fn notice(db: &Db, account: &account::Model) -> Result<Option<Notice>> {
    let now = db.now();
    match account.status {
        AccountStatus::Expired => return Ok(Some(Notice::TrialExpired)),
        AccountStatus::Cancelled => return Ok(Some(Notice::Cancelled)),
        AccountStatus::Trial => {
            let soon = now + Duration::days(TRIAL_ENDING_WITHIN_DAYS);
            let ending = account.trial_ends_at.filter(|t| *t > now && *t <= soon);
            return Ok(ending.map(|ends_at| Notice::TrialEnding { ends_at }));
        }
        AccountStatus::PendingPayment => return Ok(None),
        AccountStatus::Active | AccountStatus::Suspended => {}
    }
    let sub = plans::current(db.conn(), account.id).await?;
    let renewal = match &sub {
        Some(s) if s.status == SubscriptionStatus::PastDue => open_renewal(db.conn(), s.id).await?,
        _ => None,
    };
    if account.status == AccountStatus::Suspended {
        return Ok(Some(Notice::Suspended { invoice: renewal }));
    }
    Ok(sub.and_then(|s| match s.status {
        SubscriptionStatus::PastDue => Some(Notice::PastDue { invoice: renewal }),
        SubscriptionStatus::Active if s.cancel_at_period_end => s
            .current_period_end
            .filter(|end| *end > now)
            .map(|on| Notice::Ending { on }),
        _ => None,
    }))
}
