//! What paying one of a subscription's invoices does to the subscription, by the invoice's
//! purpose. Called by the settlement cascade (`settlement::settle`) inside its transaction,
//! after the invoice was claimed as paid; each change is a conditional update whose
//! `status IN (…)` is the transition table's (`status::transitions`).

use chrono::{DateTime, Months, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::catalog;
use crate::domain::status::{BillingCycle, InvoicePurpose, Lifecycle, SubscriptionStatus};
use crate::entities::{invoice, payment, plan, subscription};
use crate::error::{Error, Result};

/// What the subscription became.
pub(crate) struct Paid {
    pub subscription: subscription::Model,
    /// The plan whose credits the payment grants, and how many.
    pub plan: plan::Model,
    pub credits: i64,
    /// The plan the account is on from now, when the payment moved it.
    pub account_plan: Option<i64>,
}

/// The end of a period of `plan` that starts at `start`.
pub(crate) fn period_end(plan: &plan::Model, start: DateTime<Utc>) -> DateTime<Utc> {
    let months = if plan.billing_cycle == BillingCycle::Annual.as_str() {
        12
    } else {
        1
    };
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(start)
}

/// - a first invoice (`subscription`): active on its plan for a period from now;
/// - a renewal: active for the period the invoice names, which starts where the last one
///   ended (no gap, no overlap, however late it is paid), its dunning over; a downgrade
///   waiting for that period takes effect once the period has begun;
/// - a plan change (upgrade): the new plan from now, in the same period, with the credits
///   it includes beyond the old plan's.
pub(crate) async fn invoice_paid<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    invoice: &invoice::Model,
    sub_id: i64,
    now: DateTime<Utc>,
) -> Result<Paid> {
    let sub = subscription::Entity::find_by_id(sub_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("subscription {sub_id} missing")))?;
    let plan = catalog::plan_by_id(txn, invoice.plan_id.unwrap_or(sub.plan_id)).await?;
    let external = payment
        .manual_reference
        .clone()
        .or_else(|| payment.provider_ref.clone());
    let active = SubscriptionStatus::Active;
    let update = subscription::Entity::update_many()
        .col_expr(subscription::Column::Status, active.into())
        .col_expr(subscription::Column::ExternalPaymentId, external.into())
        .col_expr(subscription::Column::UpdatedAt, now.into())
        .filter(subscription::Column::Id.eq(sub_id));
    let no_date = Expr::value(Option::<DateTime<Utc>>::None);
    let (update, credits, account_plan) = match invoice.purpose {
        InvoicePurpose::Subscription => (
            update
                .col_expr(subscription::Column::PlanId, plan.id.into())
                .col_expr(subscription::Column::CurrentPeriodStart, Some(now).into())
                .col_expr(
                    subscription::Column::CurrentPeriodEnd,
                    Some(period_end(&plan, now)).into(),
                )
                .filter(subscription::Column::Status.is_in(SubscriptionStatus::sources_of(active))),
            plan.included_credits,
            Some(plan.id),
        ),
        InvoicePurpose::Renewal => {
            let start = invoice
                .period_start
                .or(sub.current_period_end)
                .unwrap_or(now);
            let end = invoice
                .period_end
                .unwrap_or_else(|| period_end(&plan, start));
            (
                update
                    .col_expr(subscription::Column::CurrentPeriodStart, Some(start).into())
                    .col_expr(subscription::Column::CurrentPeriodEnd, Some(end).into())
                    .col_expr(subscription::Column::PastDueSince, no_date.clone())
                    .filter(
                        subscription::Column::Status
                            .is_in([SubscriptionStatus::Active, SubscriptionStatus::PastDue]),
                    ),
                plan.included_credits,
                None,
            )
        }
        InvoicePurpose::PlanChange => {
            let old = catalog::plan_by_id(txn, sub.plan_id).await?;
            (
                update
                    .col_expr(subscription::Column::PlanId, plan.id.into())
                    .col_expr(
                        subscription::Column::ScheduledPlanId,
                        Expr::value(Option::<i64>::None),
                    )
                    .filter(subscription::Column::Status.eq(SubscriptionStatus::Active)),
                (plan.included_credits - old.included_credits).max(0),
                Some(plan.id),
            )
        }
        InvoicePurpose::TopUp => {
            return Err(Error::Internal(anyhow::anyhow!(
                "top-up invoice {} names a subscription",
                invoice.id
            )));
        }
    };
    let subscription = update
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::Conflict(format!(
                "Subscription of payment {} cannot take this payment now",
                payment.id
            ))
        })?;
    let (subscription, switched) =
        super::scheduled::apply_scheduled_plan(txn, subscription, now).await?;
    Ok(Paid {
        subscription,
        plan,
        credits,
        account_plan: account_plan.or(switched),
    })
}
