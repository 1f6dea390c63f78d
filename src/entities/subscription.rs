use sea_orm::entity::prelude::*;

use crate::entities::status::SubscriptionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "subscriptions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub account_id: i64,
    pub plan_id: i64,
    pub status: SubscriptionStatus,
    pub current_period_start: Option<DateTimeUtc>,
    pub current_period_end: Option<DateTimeUtc>,
    /// The reference of the payment that activated it.
    pub external_payment_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Ends at `current_period_end` instead of renewing (undone until then).
    pub cancel_at_period_end: bool,
    /// A downgrade that takes effect when the period it was asked in ends.
    pub scheduled_plan_id: Option<i64>,
    /// The due date of the unpaid renewal its dunning counts from, while `past_due`.
    pub past_due_since: Option<DateTimeUtc>,
}

super::no_relations!();
