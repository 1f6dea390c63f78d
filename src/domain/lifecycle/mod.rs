//! The subscription lifecycle, one state machine in one place.
//!
//! ```text
//!   trial ──(trial ends)──▶ expired
//!     │                        │
//!     └──(first invoice paid)──┴──▶ active ◀──(renewal paid)── past_due
//!                                  │  ▲                          │  │
//!          (renewal issued N days  │  └── upgrade paid           │  └─(+7 d) account suspended
//!           before the period end) │                             │
//!                                  └──(unpaid at the due date)───┘──(+21 d)──▶ cancelled
//! ```
//!
//! The allowed status changes are the tables of `status::transitions`; every change is one
//! function here, one transaction with its audit entry and its outbox jobs (mail, webhook
//! event), guarded by a conditional update so that a step done by another server, or twice,
//! changes nothing. Time is the database handle's clock (`Db::now`).
//!
//! - [`tick`] runs every step that is due at a moment, once: `tollgate tick --now`, and each
//!   server's scheduler through a job on the runner (`lifecycle.tick`), one per minute for all
//!   servers together.
//! - [`plans`]: what a customer or staff asks for — upgrade, downgrade, cancel, undo.
//! - [`standing`] (the API's and the pages' view of an account) and [`notice`] (what the
//!   portal's banner tells of it).
//! - [`standing`]: what the customer must hear of it on every portal page.
//! - [`invoice_paid`]: what paying an invoice does to its subscription (the settlement
//!   cascade calls it).

mod cancel;
mod dunning;
pub mod notice;
mod paid;
pub mod plans;
mod proration;
mod renewal;
mod scheduled;
mod state;
mod steps;
mod trials;

use chrono::{DateTime, Utc};

use crate::db::Db;
use crate::error::Result;
pub(crate) use paid::{invoice_paid, period_end};
pub use state::{Standing, standing};

/// The job kind of a scheduled tick (`jobs` runs it, `TOLLGATE_TICK_SECS` apart).
pub const TICK_JOB: &str = "lifecycle.tick";

/// What one tick did, step by step.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ticked {
    pub plans_switched: u64,
    pub ended_at_period_end: u64,
    pub renewals_issued: u64,
    pub past_due: u64,
    pub suspended: u64,
    pub cancelled: u64,
    pub trial_reminders: u64,
    pub trials_expired: u64,
}

impl Ticked {
    pub fn total(&self) -> u64 {
        self.plans_switched
            + self.ended_at_period_end
            + self.renewals_issued
            + self.past_due
            + self.suspended
            + self.cancelled
            + self.trial_reminders
            + self.trials_expired
    }
}

/// Runs every step due at `now`, in the order time makes them due: a scheduled downgrade
/// whose period began, a cancellation whose period ended, the renewals to issue, then the
/// dunning of unpaid renewals (past due, suspended, cancelled), then trials. A tick far
/// ahead does each step once, as of `now`. Running it again for the same moment finds
/// nothing due and changes nothing.
pub async fn tick(db: &Db, now: DateTime<Utc>) -> Result<Ticked> {
    let terms = db.terms().clone();
    Ok(Ticked {
        plans_switched: scheduled::switch_due(db, now).await?,
        ended_at_period_end: dunning::end_cancelled(db, now).await?,
        renewals_issued: renewal::issue_due(db, now, terms.renew_before()).await?,
        past_due: dunning::mark_past_due(db, now).await?,
        suspended: dunning::suspend(db, now, terms.suspend_after()).await?,
        cancelled: dunning::cancel_unpaid(db, now, terms.cancel_after()).await?,
        trial_reminders: trials::remind(db, now, &terms.trial_reminder_days).await?,
        trials_expired: trials::expire(db, now).await?,
    })
}
