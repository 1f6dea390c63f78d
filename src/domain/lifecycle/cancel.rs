//! Cancelling at the period end, and undoing it before then. Cancelling withdraws what was
//! billed for the next period (a renewal already issued), unless a payment of it is being
//! reviewed; the subscription and the account end when the period does (`dunning::
//! end_cancelled`).

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::plans::{By, current, past_due, record};
use super::renewal::{awaiting_payment, void};
use crate::db::Db;
use crate::domain::accounts;
use crate::domain::invoices;
use crate::domain::notify::{self, Step};
use crate::domain::status::SubscriptionStatus;
use crate::entities::subscription;
use crate::error::{Error, Result};

fn conflict(message: impl Into<String>) -> Error {
    Error::Conflict(message.into())
}

/// Cancels the account's subscription at its period end (`true`), or undoes that (`false`).
/// Cancelling withdraws a renewal already issued.
pub async fn set_cancel(
    db: &Db,
    by: By<'_>,
    account_id: i64,
    cancel: bool,
) -> Result<subscription::Model> {
    by.ensure_may_change()?;
    let now = db.now();
    let txn = db.begin_write().await?;
    accounts::lock(&*txn, account_id, now).await?;
    let sub = current(&*txn, account_id)
        .await?
        .ok_or_else(|| conflict("The account has no subscription; choose a plan first."))?;
    match sub.status {
        SubscriptionStatus::Active => {}
        SubscriptionStatus::PastDue => return Err(past_due()),
        other => {
            return Err(conflict(format!(
                "The subscription is {other}; only an active one can be cancelled or resumed."
            )));
        }
    }
    let end = sub.current_period_end.unwrap_or(now);
    if sub.cancel_at_period_end == cancel {
        return Err(conflict(match cancel {
            true => format!("The subscription already ends on {}.", end.date_naive()),
            false => "The subscription is not cancelled.".to_owned(),
        }));
    }
    let mut voided = Vec::new();
    if cancel {
        for invoice in invoices::open_of_subscription(&*txn, sub.id).await? {
            if awaiting_payment(&*txn, invoice.id).await? {
                return Err(conflict(format!(
                    "A payment of invoice {} is being reviewed; cancel once it is.",
                    invoice.invoice_number
                )));
            }
            void(&*txn, &invoice, now).await?;
            voided.push(invoice.invoice_number);
        }
    }
    let updated = subscription::Entity::update_many()
        .col_expr(subscription::Column::CancelAtPeriodEnd, cancel.into())
        .col_expr(subscription::Column::UpdatedAt, now.into())
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
        .filter(subscription::Column::CancelAtPeriodEnd.eq(!cancel))
        .exec_with_returning(&*txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| conflict("The subscription changed meanwhile; try again."))?;
    let action = if cancel {
        "subscription.cancel_at_period_end"
    } else {
        "subscription.resume"
    };
    let after = json!({"cancel_at_period_end": cancel, "ends": end, "voided": voided});
    record(
        &*txn,
        by,
        action,
        sub.id,
        json!({"cancel_at_period_end": !cancel}),
        after,
    )
    .await?;
    let occurrence = format!("updated:{}", now.timestamp_micros());
    notify::subscription_step(&*txn, Step::Updated, &updated, None, &occurrence).await?;
    txn.commit().await?;
    Ok(updated)
}
