//! Plan changes, asked for by the customer (API, portal) or by staff (admin), with the same
//! rules through every entry point:
//!
//! - **upgrade** (a dearer plan): an invoice for the price difference over the rest of the
//!   period ([`prorate`]); the new plan and its extra credits once it is paid;
//! - **downgrade** (a cheaper paid plan): from the period end, refused while the account has
//!   more sites than the plan allows (naming them); the renewal bills the new plan;
//! - **cancel** at the period end, and **undo** it until then;
//! - **subscribe**: an account without a running subscription (a trial, an expired trial, a
//!   cancelled one) takes a paid plan with a first invoice, active once it is paid.
//!
//! None of them while the subscription is past due: the unpaid renewal comes first.

use chrono::{DateTime, Days, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

pub use super::cancel::set_cancel;
pub use super::proration::{prorate, upgrade_quote};
use super::renewal::{awaiting_payment, void};
use crate::db::Db;
use crate::domain::invoices::{self, Bill, DUE_DAYS};
use crate::domain::money::format_minor;
use crate::domain::notify::{self, Step};
use crate::domain::staff::StaffActor;
use crate::domain::status::{InvoicePurpose, SubscriptionStatus};
use crate::domain::{Member, audit, catalog};
use crate::entities::{account, invoice, plan, site, subscription};
use crate::error::{Error, Result};

/// Who asks.
#[derive(Clone, Copy)]
pub enum By<'a> {
    Member(&'a Member),
    Staff(&'a StaffActor),
}

impl By<'_> {
    fn actor(self) -> i64 {
        match self {
            By::Member(m) => m.user.id,
            By::Staff(s) => s.id(),
        }
    }

    pub(super) fn ensure_may_change(self) -> Result<()> {
        match self {
            By::Member(m) => m.ensure_can_write(),
            By::Staff(_) => Ok(()),
        }
    }
}

/// What a plan change did.
#[derive(Debug)]
pub enum Changed {
    /// An upgrade: it takes effect when this invoice is paid.
    Upgrade(invoice::Model),
    /// A new subscription: active once this invoice is paid.
    Subscribed(invoice::Model),
    /// A downgrade, from the subscription's period end.
    Scheduled(subscription::Model),
    /// A scheduled downgrade withdrawn (the current plan chosen again).
    Unscheduled(subscription::Model),
}

/// The account's latest subscription, if it ever had one.
pub async fn current<C: ConnectionTrait>(
    conn: &C,
    account_id: i64,
) -> Result<Option<subscription::Model>> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::AccountId.eq(account_id))
        .order_by_desc(subscription::Column::Id)
        .one(conn)
        .await?)
}

/// The account's row, locked for the rest of the transaction (on PostgreSQL; SQLite's writes
/// are one at a time anyway), so that two changes of one account's subscription run one after
/// the other: two sign-ups to a plan cannot both see "no subscription" and make two.
pub(crate) async fn lock_account<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    now: DateTime<Utc>,
) -> Result<account::Model> {
    account::Entity::update_many()
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(account_id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound("Account not found".into()))
}

fn conflict(message: impl Into<String>) -> Error {
    Error::Conflict(message.into())
}

/// Moves the account to the plan `slug` names, as the module's rules say.
pub async fn change_plan(
    db: &Db,
    by: By<'_>,
    account_id: i64,
    slug: Option<&str>,
) -> Result<Changed> {
    by.ensure_may_change()?;
    let slug = slug.map(str::trim).unwrap_or_default();
    if slug.is_empty() {
        return Err(Error::field("plan_slug", "This field is required."));
    }
    let staff = matches!(by, By::Staff(_));
    let target = catalog::plan_by_slug(db, slug)
        .await?
        .filter(|p| p.is_active && (p.is_public || staff))
        .ok_or_else(|| Error::field("plan_slug", "Unknown or unavailable plan."))?;
    let now = db.now();
    let txn = db.begin_write().await?;
    let account = lock_account(&*txn, account_id, now).await?;
    let changed = match current(&*txn, account_id).await? {
        None => subscribe(&*txn, by, &account, &target, now).await?,
        Some(sub) => match sub.status {
            SubscriptionStatus::Cancelled | SubscriptionStatus::Expired => {
                subscribe(&*txn, by, &account, &target, now).await?
            }
            SubscriptionStatus::PendingPayment => {
                return Err(conflict(
                    "The subscription's first invoice is waiting for payment; plans can be changed once it is paid.",
                ));
            }
            SubscriptionStatus::PastDue => return Err(past_due()),
            SubscriptionStatus::Active => {
                change_active(&*txn, by, &account, sub, &target, now).await?
            }
        },
    };
    txn.commit().await?;
    Ok(changed)
}

pub(super) fn past_due() -> Error {
    conflict(
        "The subscription is past due: pay its renewal invoice first; plans can be changed again once it is paid.",
    )
}

/// A new subscription on a paid plan, with its first invoice.
async fn subscribe<C: ConnectionTrait>(
    txn: &C,
    by: By<'_>,
    account: &account::Model,
    plan: &plan::Model,
    now: DateTime<Utc>,
) -> Result<Changed> {
    if plan.price <= 0 {
        return Err(Error::field(
            "plan_slug",
            "Choose a paid plan; a free plan needs no subscription.",
        ));
    }
    let sub = subscription::ActiveModel {
        account_id: Set(account.id),
        plan_id: Set(plan.id),
        status: Set(SubscriptionStatus::PendingPayment),
        created_at: Set(now),
        updated_at: Set(now),
        cancel_at_period_end: Set(false),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let invoice = invoices::issue(txn, account, &sub, Bill::first_period(plan, now), now).await?;
    let after = json!({"plan": plan.slug, "invoice": invoice.invoice_number});
    record(txn, by, "subscription.create", sub.id, json!(null), after).await?;
    notify::invoice_issued(txn, &invoice).await?;
    Ok(Changed::Subscribed(invoice))
}

pub(super) async fn record<C: ConnectionTrait>(
    txn: &C,
    by: By<'_>,
    action: &str,
    sub_id: i64,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<()> {
    audit::record(
        txn,
        audit::Action {
            actor: Some(by.actor()),
            action,
            object_type: "subscription",
            object_id: sub_id,
            before,
            after,
            ledger_id: None,
        },
    )
    .await
}

async fn change_active<C: ConnectionTrait>(
    txn: &C,
    by: By<'_>,
    account: &account::Model,
    sub: subscription::Model,
    target: &plan::Model,
    now: DateTime<Utc>,
) -> Result<Changed> {
    let (Some(start), Some(end)) = (sub.current_period_start, sub.current_period_end) else {
        return Err(Error::Internal(anyhow::anyhow!(
            "active subscription without a period"
        )));
    };
    if sub.cancel_at_period_end {
        return Err(conflict(format!(
            "The subscription ends on {}; undo the cancellation before changing plans.",
            end.date_naive()
        )));
    }
    let current = catalog::plan_by_id(txn, sub.plan_id).await?;
    if target.id == current.id {
        if sub.scheduled_plan_id.is_none() {
            return Err(conflict(format!(
                "The account is on the {} plan already.",
                current.name
            )));
        }
        let sub = schedule(txn, &sub, None, now).await?;
        let before = json!({"scheduled_plan_id": sub.scheduled_plan_id});
        record(
            txn,
            by,
            "subscription.unschedule",
            sub.id,
            before,
            json!({"scheduled_plan_id": null}),
        )
        .await?;
        let occurrence = format!("updated:{}", now.timestamp_micros());
        notify::subscription_step(txn, Step::Updated, &sub, None, &occurrence).await?;
        return Ok(Changed::Unscheduled(sub));
    }
    if target.currency != current.currency || target.billing_cycle != current.billing_cycle {
        return Err(Error::field(
            "plan_slug",
            format!(
                "The {} plan is billed in {} {}; only plans billed like the current one ({} {}) can be switched to.",
                target.name,
                target.currency,
                target.billing_cycle,
                current.currency,
                current.billing_cycle
            ),
        ));
    }
    if target.price <= 0 {
        return Err(Error::field(
            "plan_slug",
            "Choose a paid plan; to stop paying, cancel at the period end.",
        ));
    }
    let open = invoices::open_of_subscription(txn, sub.id).await?;
    if target.price > current.price {
        if let Some(open) = open.first() {
            return Err(conflict(format!(
                "Invoice {} is open; pay it before changing plans.",
                open.invoice_number
            )));
        }
        let (amount, remaining, period_days) =
            upgrade_quote(target.price - current.price, (start, end), now);
        if amount <= 0 {
            return Err(conflict(
                "The period ends today; change plans once it has renewed.",
            ));
        }
        let line = format!(
            "Upgrade from {} to {}: {} of {} days, until {} ({} × {remaining}/{period_days})",
            current.name,
            target.name,
            remaining,
            period_days,
            end.date_naive(),
            format_minor(target.price - current.price, &target.currency),
        );
        let bill = Bill {
            purpose: InvoicePurpose::PlanChange,
            plan: target,
            line: (line, amount),
            period: Some((now, end)),
            due: now.date_naive() + Days::new(DUE_DAYS),
        };
        let invoice = invoices::issue(txn, account, &sub, bill, now).await?;
        let after = json!({"plan": target.slug, "invoice": invoice.invoice_number,
                           "amount": format_minor(amount, &target.currency)});
        record(
            txn,
            by,
            "subscription.upgrade",
            sub.id,
            json!({"plan": current.slug}),
            after,
        )
        .await?;
        notify::invoice_issued(txn, &invoice).await?;
        return Ok(Changed::Upgrade(invoice));
    }
    if sub.scheduled_plan_id == Some(target.id) {
        return Err(conflict(format!(
            "The {} plan is already scheduled from {}.",
            target.name,
            end.date_naive()
        )));
    }
    ensure_sites_fit(txn, account.id, target).await?;
    // What was billed for the old plan is withdrawn; the renewal is issued again for the new.
    for invoice in &open {
        if awaiting_payment(txn, invoice.id).await? {
            return Err(conflict(format!(
                "A payment of invoice {} is being reviewed; change plans once it is.",
                invoice.invoice_number
            )));
        }
        void(txn, invoice, now).await?;
    }
    let sub = schedule(txn, &sub, Some(target.id), now).await?;
    let after = json!({"scheduled_plan": target.slug, "from": end,
                       "voided": open.iter().map(|i| &i.invoice_number).collect::<Vec<_>>()});
    record(
        txn,
        by,
        "subscription.downgrade",
        sub.id,
        json!({"plan": current.slug}),
        after,
    )
    .await?;
    let occurrence = format!("updated:{}", now.timestamp_micros());
    notify::subscription_step(txn, Step::Updated, &sub, None, &occurrence).await?;
    Ok(Changed::Scheduled(sub))
}

/// Refuses a plan with fewer sites than the account has, naming them.
async fn ensure_sites_fit<C: ConnectionTrait>(
    txn: &C,
    account_id: i64,
    plan: &plan::Model,
) -> Result<()> {
    let names: Vec<String> = site::Entity::find()
        .select_only()
        .column(site::Column::Name)
        .filter(site::Column::AccountId.eq(account_id))
        .order_by_asc(site::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    let allowed = usize::try_from(plan.max_sites).unwrap_or(0);
    if names.len() <= allowed {
        return Ok(());
    }
    Err(conflict(format!(
        "The {} plan allows {} site(s) and the account has {}: {}. Remove {} of them first.",
        plan.name,
        plan.max_sites,
        names.len(),
        names.join(", "),
        names.len() - allowed
    )))
}

/// Sets (or clears) the downgrade, if the subscription is still active and unchanged.
async fn schedule<C: ConnectionTrait>(
    txn: &C,
    sub: &subscription::Model,
    plan_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<subscription::Model> {
    subscription::Entity::update_many()
        .col_expr(subscription::Column::ScheduledPlanId, plan_id.into())
        .col_expr(subscription::Column::UpdatedAt, now.into())
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
        .filter(subscription::Column::PlanId.eq(sub.plan_id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| conflict("The subscription changed meanwhile; try again."))
}
