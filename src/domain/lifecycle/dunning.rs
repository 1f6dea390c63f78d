//! Dunning: an unpaid renewal makes the subscription `past_due` at its due date (the account
//! keeps working), suspends the account `suspend_after` later, and cancels both
//! `cancel_after` later, voiding the renewal. A payment of the renewal waiting for review (or
//! for its provider) pauses it: the customer did pay; staff are behind. When a pause ends
//! with a rejection, the steps whose day has passed happen at the next tick.
//!
//! A cancellation asked for (`plans::cancel`) ends the subscription and the account here too,
//! when the period ends.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use serde_json::json;

use super::renewal::{awaiting_payment, open_renewal, paid_plans, void};
use super::steps::{each_due, page_of};
use crate::db::Db;
use crate::domain::notify::{self, Step};
use crate::domain::status::{AccountStatus, Lifecycle, SubscriptionStatus};
use crate::domain::{audit, found};
use crate::entities::{account, invoice, subscription};
use crate::error::Result;

/// Subscriptions in `status` whose `column` is at or before `until`, a page after `after`.
async fn due_ids(
    db: &Db,
    status: SubscriptionStatus,
    column: subscription::Column,
    until: DateTime<Utc>,
    after: i64,
) -> Result<Vec<i64>> {
    let query = subscription::Entity::find()
        .filter(subscription::Column::Status.eq(status))
        .filter(column.lte(until))
        .filter(subscription::Column::PlanId.in_subquery(paid_plans()));
    page_of(db, query, subscription::Column::Id, after).await
}

/// Moves the subscription from `from` to `to` if it is still in `from`; the row after.
async fn move_subscription<C: ConnectionTrait>(
    txn: &C,
    sub: &subscription::Model,
    to: SubscriptionStatus,
    now: DateTime<Utc>,
    past_due_since: Option<DateTime<Utc>>,
) -> Result<Option<subscription::Model>> {
    debug_assert!(sub.status.can_become(to));
    Ok(subscription::Entity::update_many()
        .col_expr(subscription::Column::Status, to.into())
        .col_expr(subscription::Column::PastDueSince, past_due_since.into())
        .col_expr(subscription::Column::UpdatedAt, now.into())
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::Status.eq(sub.status))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next())
}

/// Moves the account to `to` from whichever of its sources it is in; whether it moved.
async fn move_account<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    to: AccountStatus,
    now: DateTime<Utc>,
) -> Result<bool> {
    let moved = account::Entity::update_many()
        .col_expr(account::Column::Status, to.into())
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(account_id))
        .filter(account::Column::Status.is_in(AccountStatus::sources_of(to)))
        .exec(txn)
        .await?;
    Ok(moved.rows_affected == 1)
}

/// The open renewal the dunning is about, unless a payment of it is waiting (the pause).
async fn unpaid_renewal<C: ConnectionTrait>(
    txn: &C,
    sub: &subscription::Model,
) -> Result<Option<invoice::Model>> {
    match open_renewal(txn, sub.id).await? {
        Some(invoice) if !awaiting_payment(txn, invoice.id).await? => Ok(Some(invoice)),
        _ => Ok(None),
    }
}

fn record<'a>(
    action: &'a str,
    object_type: &'a str,
    object_id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> audit::Action<'a> {
    audit::Action {
        actor: None,
        action,
        object_type,
        object_id,
        before,
        after,
        ledger_id: None,
    }
}

/// Active subscriptions whose period ended with their renewal unpaid become `past_due`.
pub(super) async fn mark_past_due(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let due = |after| {
        due_ids(
            db,
            SubscriptionStatus::Active,
            subscription::Column::CurrentPeriodEnd,
            now,
            after,
        )
    };
    each_due("past_due", due, |id| async move {
        let txn = db.begin_write().await?;
        let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
        let Some(due_at) = sub.current_period_end.filter(|end| *end <= now) else {
            return Ok(false);
        };
        if sub.status != SubscriptionStatus::Active || sub.cancel_at_period_end {
            return Ok(false);
        }
        let Some(invoice) = unpaid_renewal(&*txn, &sub).await? else {
            return Ok(false);
        };
        let past_due = SubscriptionStatus::PastDue;
        let Some(moved) = move_subscription(&*txn, &sub, past_due, now, Some(due_at)).await? else {
            return Ok(false);
        };
        let after = json!({"status": past_due, "invoice": invoice.invoice_number,
                           "due": due_at});
        let before = json!({"status": sub.status});
        audit::record(
            &*txn,
            record("subscription.past_due", "subscription", id, before, after),
        )
        .await?;
        let occurrence = format!("past_due:{}", due_at.timestamp());
        notify::subscription_step(&*txn, Step::PastDue, &moved, Some(&invoice), &occurrence)
            .await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// Past-due subscriptions unpaid `after` their due date suspend their (active) account.
pub(super) async fn suspend(db: &Db, now: DateTime<Utc>, after: Duration) -> Result<u64> {
    // Only those whose account is still active: a suspended one is not visited every tick.
    let due = |from| {
        let active = Query::select()
            .column(account::Column::Id)
            .from(account::Entity)
            .and_where(Expr::col(account::Column::Status).eq(AccountStatus::Active.as_str()))
            .to_owned();
        let query = subscription::Entity::find()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::PastDue))
            .filter(subscription::Column::PastDueSince.lte(now - after))
            .filter(subscription::Column::AccountId.in_subquery(active));
        page_of(db, query, subscription::Column::Id, from)
    };
    each_due("suspend", due, |id| async move {
        let txn = db.begin_write().await?;
        let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
        let Some(since) = sub.past_due_since.filter(|s| *s + after <= now) else {
            return Ok(false);
        };
        if sub.status != SubscriptionStatus::PastDue {
            return Ok(false);
        }
        let Some(invoice) = unpaid_renewal(&*txn, &sub).await? else {
            return Ok(false);
        };
        if !move_account(&*txn, sub.account_id, AccountStatus::Suspended, now).await? {
            return Ok(false);
        }
        let before = json!({"status": AccountStatus::Active});
        let after = json!({"status": AccountStatus::Suspended, "invoice": invoice.invoice_number,
                           "subscription_id": id});
        audit::record(
            &*txn,
            record("account.suspend", "account", sub.account_id, before, after),
        )
        .await?;
        let occurrence = format!("suspended:{}", since.timestamp());
        notify::subscription_step(&*txn, Step::Suspended, &sub, Some(&invoice), &occurrence)
            .await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// Past-due subscriptions unpaid `after` their due date are cancelled with their account,
/// and their renewal is void.
pub(super) async fn cancel_unpaid(db: &Db, now: DateTime<Utc>, after: Duration) -> Result<u64> {
    let due = |from| {
        let column = subscription::Column::PastDueSince;
        due_ids(db, SubscriptionStatus::PastDue, column, now - after, from)
    };
    each_due("cancel", due, |id| async move {
        let txn = db.begin_write().await?;
        let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
        if sub.status != SubscriptionStatus::PastDue
            || sub.past_due_since.is_none_or(|s| s + after > now)
        {
            return Ok(false);
        }
        let Some(invoice) = unpaid_renewal(&*txn, &sub).await? else {
            return Ok(false);
        };
        let Some(ended) = end(&*txn, &sub, now, Some(&invoice), "unpaid").await? else {
            return Ok(false);
        };
        notify::subscription_step(&*txn, Step::Cancelled, &ended, Some(&invoice), "cancelled")
            .await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// Subscriptions cancelled at their period end, whose period has ended.
pub(super) async fn end_cancelled(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let due = |after| {
        let query = subscription::Entity::find()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
            .filter(subscription::Column::CancelAtPeriodEnd.eq(true))
            .filter(subscription::Column::CurrentPeriodEnd.lte(now));
        page_of(db, query, subscription::Column::Id, after)
    };
    each_due("end_cancelled", due, |id| async move {
        let txn = db.begin_write().await?;
        let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
        let ended_period = sub.current_period_end.is_some_and(|end| end <= now);
        if sub.status != SubscriptionStatus::Active || !sub.cancel_at_period_end || !ended_period {
            return Ok(false);
        }
        let Some(ended) = end(&*txn, &sub, now, None, "asked").await? else {
            return Ok(false);
        };
        notify::subscription_step(&*txn, Step::Cancelled, &ended, None, "cancelled").await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}

/// Cancels the subscription and its account, voiding what is left open; the row after, or
/// none when it had already changed.
async fn end<C: ConnectionTrait>(
    txn: &C,
    sub: &subscription::Model,
    now: DateTime<Utc>,
    unpaid: Option<&invoice::Model>,
    why: &str,
) -> Result<Option<subscription::Model>> {
    let cancelled = SubscriptionStatus::Cancelled;
    let Some(ended) = move_subscription(txn, sub, cancelled, now, sub.past_due_since).await? else {
        return Ok(None);
    };
    if let Some(invoice) = unpaid {
        void(txn, invoice, now).await?;
    }
    move_account(txn, sub.account_id, AccountStatus::Cancelled, now).await?;
    let before = json!({"status": sub.status});
    let after = json!({"status": cancelled, "reason": why,
                       "voided": unpaid.map(|i| i.invoice_number.clone())});
    audit::record(
        txn,
        record("subscription.cancel", "subscription", sub.id, before, after),
    )
    .await?;
    Ok(Some(ended))
}
