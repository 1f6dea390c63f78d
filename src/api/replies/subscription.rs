//! The account's subscription as the customer sees it, and what a plan change did.

use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::{Plan, Subscription};
use super::billing::InvoiceSummary;
use super::{opt_time, time};
use crate::domain::lifecycle::Standing;
use crate::domain::status::AccountStatus;
use crate::entities::{plan, subscription};

/// A subscription with what is scheduled for its end.
#[derive(Serialize, ToSchema)]
pub struct CurrentSubscription {
    /// Its plan and period (`current_period_end` is the renewal's due date).
    #[serde(flatten)]
    pub subscription: Subscription,
    /// The subscription ends at `current_period_end` instead of renewing.
    pub cancel_at_period_end: bool,
    /// A downgrade from `current_period_end`.
    #[schema(required = true)]
    pub scheduled_plan: Option<Plan>,
    /// The unpaid renewal's due date, while `past_due`.
    #[schema(required = true, format = DateTime)]
    pub past_due_since: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl CurrentSubscription {
    pub fn new(
        s: &subscription::Model,
        plan: &plan::Model,
        scheduled: Option<&plan::Model>,
    ) -> Self {
        CurrentSubscription {
            subscription: Subscription::new(s, plan),
            cancel_at_period_end: s.cancel_at_period_end,
            scheduled_plan: scheduled.map(Plan::from),
            past_due_since: opt_time(s.past_due_since),
            created_at: time(s.created_at),
        }
    }
}

/// The account's standing in the lifecycle.
#[derive(Serialize, ToSchema)]
pub struct SubscriptionState {
    pub account_status: AccountStatus,
    /// The plan the account is on now.
    pub plan: Plan,
    /// When a free trial ends (trial accounts).
    #[schema(required = true, format = DateTime)]
    pub trial_ends_at: Option<String>,
    /// The latest subscription; none for an account that never had one (a trial).
    #[schema(required = true)]
    pub subscription: Option<CurrentSubscription>,
    /// The subscription's invoices waiting for payment.
    pub open_invoices: Vec<InvoiceSummary>,
}

impl From<&Standing> for SubscriptionState {
    fn from(s: &Standing) -> Self {
        SubscriptionState {
            account_status: s.account.status,
            plan: (&s.plan).into(),
            trial_ends_at: opt_time(s.account.trial_ends_at),
            subscription: s.subscription.as_ref().map(|(sub, plan, scheduled)| {
                CurrentSubscription::new(sub, plan, scheduled.as_ref())
            }),
            open_invoices: s.open_invoices.iter().map(InvoiceSummary::from).collect(),
        }
    }
}

/// What a plan change did: an invoice to pay (an upgrade, a new subscription), or the
/// subscription as it is now (a downgrade scheduled or withdrawn).
#[derive(Serialize, ToSchema)]
pub struct PlanChanged {
    /// `upgrade`, `subscribe`, `downgrade` or `keep`.
    #[schema(example = "upgrade")]
    pub change: String,
    /// The invoice to pay for an upgrade or a new subscription; it takes effect once paid.
    #[schema(required = true)]
    pub invoice: Option<InvoiceSummary>,
    pub state: SubscriptionState,
}
