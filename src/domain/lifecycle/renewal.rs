//! Renewal: the next period's invoice, issued `renew_days_before` the period ends, due when
//! it ends, for the plan the next period will be on (a scheduled downgrade's), numbered in
//! the account's month and carrying the account's billing fields of that moment. One per
//! subscription and period: a unique index on open renewals (`m0016`) makes a second
//! issuer's insert fail, whichever server it runs on.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use serde_json::json;

use super::steps::{each_due, page_of};
use crate::db::{Db, is_unique_violation};
use crate::domain::invoices::{self, Bill};
use crate::domain::status::{InvoicePurpose, InvoiceStatus, PaymentStatus, SubscriptionStatus};
use crate::domain::{audit, catalog, found, notify};
use crate::entities::{account, invoice, payment, plan, subscription};
use crate::error::{Error, Result};

/// Issues the renewals due by `now + before`.
pub(super) async fn issue_due(db: &Db, now: DateTime<Utc>, before: Duration) -> Result<u64> {
    let horizon = now + before;
    let due = |after| {
        let issued = invoice_for_period(subscription::Column::CurrentPeriodEnd)
            .and_where(
                Expr::col((invoice::Entity, invoice::Column::Purpose))
                    .eq(InvoicePurpose::Renewal.as_str()),
            )
            .and_where(
                Expr::col((invoice::Entity, invoice::Column::Status))
                    .ne(InvoiceStatus::Void.as_str()),
            )
            .to_owned();
        let query = subscription::Entity::find()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
            .filter(subscription::Column::CancelAtPeriodEnd.eq(false))
            .filter(subscription::Column::CurrentPeriodEnd.lte(horizon))
            .filter(subscription::Column::PlanId.in_subquery(paid_plans()))
            .filter(Expr::exists(issued).not());
        page_of(db, query, subscription::Column::Id, after)
    };
    each_due("renewal", due, |id| issue(db, id, now, horizon)).await
}

/// `SELECT 1 FROM invoices` of the outer query's subscription whose period starts at the
/// subscription's `period` column (its current end: the renewal; its current start: the
/// period it is in), for `EXISTS`; callers add what the invoice must be.
pub(super) fn invoice_for_period(period: subscription::Column) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(invoice::Entity)
        .and_where(
            Expr::col((invoice::Entity, invoice::Column::SubscriptionId))
                .equals((subscription::Entity, subscription::Column::Id)),
        )
        .and_where(
            Expr::col((invoice::Entity, invoice::Column::PeriodStart))
                .equals((subscription::Entity, period)),
        )
        .to_owned()
}

/// The ids of the plans that cost something: only those renew into invoices.
pub(super) fn paid_plans() -> SelectStatement {
    Query::select()
        .column(plan::Column::Id)
        .from(plan::Entity)
        .and_where(Expr::col(plan::Column::Price).gt(0))
        .to_owned()
}

/// Issues one subscription's renewal, if it is still due; false when there was nothing to do
/// (another server issued it a moment ago, or the subscription changed).
async fn issue(db: &Db, id: i64, now: DateTime<Utc>, horizon: DateTime<Utc>) -> Result<bool> {
    let txn = db.begin_write().await?;
    let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
    let Some(start) = sub.current_period_end else {
        return Ok(false);
    };
    if sub.status != SubscriptionStatus::Active || sub.cancel_at_period_end || start > horizon {
        return Ok(false);
    }
    let plan = catalog::plan_by_id(&*txn, sub.scheduled_plan_id.unwrap_or(sub.plan_id)).await?;
    if plan.price <= 0 {
        return Ok(false);
    }
    let account: account::Model = found(&*txn, sub.account_id, "Account").await?;
    let end = super::period_end(&plan, start);
    let bill = Bill {
        purpose: InvoicePurpose::Renewal,
        plan: &plan,
        line: (
            format!(
                "{} plan ({}), {} – {}",
                plan.name,
                plan.billing_cycle,
                start.date_naive(),
                end.date_naive()
            ),
            plan.price,
        ),
        period: Some((start, end)),
        due: start.date_naive(),
    };
    let invoice = match invoices::issue(&*txn, &account, &sub, bill, now).await {
        Ok(invoice) => invoice,
        // Another server's renewal of this period committed first.
        Err(Error::Internal(e)) if e.downcast_ref().is_some_and(is_unique_violation) => {
            return Ok(false);
        }
        Err(e) => return Err(e),
    };
    // An upgrade not paid by now lapses: the renewal bills the plan the subscription is on.
    for open in invoices::open_of_subscription(&*txn, sub.id).await? {
        if open.purpose == InvoicePurpose::PlanChange && !awaiting_payment(&*txn, open.id).await? {
            void(&*txn, &open, now).await?;
        }
    }
    audit::record(
        &*txn,
        audit::Action {
            actor: None,
            action: "subscription.renew",
            object_type: "subscription",
            object_id: sub.id,
            before: json!({"current_period_end": start}),
            after: json!({"invoice": invoice.invoice_number, "invoice_id": invoice.id,
                          "period_start": start, "period_end": end, "plan": plan.slug,
                          "due_date": invoice.due_date}),
            ledger_id: None,
        },
    )
    .await?;
    notify::invoice_issued(&*txn, &invoice).await?;
    txn.commit().await?;
    Ok(true)
}

/// Whether a payment of the invoice is waiting for staff review or for its provider: then the
/// customer did pay, and nothing escalates or voids it.
pub(super) async fn awaiting_payment<C: ConnectionTrait>(
    conn: &C,
    invoice_id: i64,
) -> Result<bool> {
    Ok(payment::Entity::find()
        .filter(payment::Column::InvoiceId.eq(invoice_id))
        .filter(
            payment::Column::Status
                .is_in([PaymentStatus::PendingApproval, PaymentStatus::Processing]),
        )
        .one(conn)
        .await?
        .is_some())
}

/// The subscription's open renewal, if any.
pub(super) async fn open_renewal<C: ConnectionTrait>(
    conn: &C,
    sub_id: i64,
) -> Result<Option<invoice::Model>> {
    Ok(invoices::open_of_subscription(conn, sub_id)
        .await?
        .into_iter()
        .find(|i| i.purpose == InvoicePurpose::Renewal))
}

/// An open invoice nobody will pay any more becomes void (conditionally: it may have been
/// paid a moment ago, and then stays paid).
pub(super) async fn void<C: ConnectionTrait>(
    txn: &C,
    invoice: &invoice::Model,
    now: DateTime<Utc>,
) -> Result<bool> {
    let voided = invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, InvoiceStatus::Void.into())
        .col_expr(invoice::Column::UpdatedAt, now.into())
        .filter(invoice::Column::Id.eq(invoice.id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Pending))
        .exec(txn)
        .await?;
    Ok(voided.rows_affected == 1)
}
