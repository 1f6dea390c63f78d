//! Scheduled downgrades: a downgrade asked for in one period (`plans`) takes effect when the
//! next period has begun and its renewal — billed at the new plan — is paid. The settlement
//! cascade applies it when the payment comes after the period began; a tick's step applies
//! it at the period start when the payment came early.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use serde_json::json;

use super::renewal::invoice_for_period;
use super::steps::{each_due, page_of};
use crate::db::Db;
use crate::domain::notify::{self, Step};
use crate::domain::status::{InvoicePurpose, InvoiceStatus, SubscriptionStatus};
use crate::domain::{audit, found};
use crate::entities::{account, invoice, subscription};
use crate::error::Result;

/// A downgrade whose period has begun (its renewal paid) takes effect: the subscription and
/// the account move to the scheduled plan. The row after, and the plan when it moved.
pub(crate) async fn apply_scheduled_plan<C: ConnectionTrait>(
    txn: &C,
    sub: subscription::Model,
    now: DateTime<Utc>,
) -> Result<(subscription::Model, Option<i64>)> {
    let (Some(plan_id), Some(start)) = (sub.scheduled_plan_id, sub.current_period_start) else {
        return Ok((sub, None));
    };
    if sub.status != SubscriptionStatus::Active || start > now {
        return Ok((sub, None));
    }
    let paid_for_it = invoice::Entity::find()
        .filter(invoice::Column::SubscriptionId.eq(sub.id))
        .filter(invoice::Column::Purpose.eq(InvoicePurpose::Renewal))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Paid))
        .filter(invoice::Column::PlanId.eq(plan_id))
        .order_by_desc(invoice::Column::Id)
        .one(txn)
        .await?
        .is_some_and(|i| i.period_start == Some(start));
    if !paid_for_it {
        return Ok((sub, None));
    }
    let Some(moved) = subscription::Entity::update_many()
        .col_expr(subscription::Column::PlanId, plan_id.into())
        .col_expr(
            subscription::Column::ScheduledPlanId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(subscription::Column::UpdatedAt, now.into())
        .filter(subscription::Column::Id.eq(sub.id))
        .filter(subscription::Column::ScheduledPlanId.eq(plan_id))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
    else {
        return Ok((sub, None));
    };
    account::Entity::update_many()
        .col_expr(account::Column::PlanId, plan_id.into())
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(sub.account_id))
        .exec(txn)
        .await?;
    Ok((moved, Some(plan_id)))
}

/// The downgrades whose period began (a tick's step).
pub(super) async fn switch_due(db: &Db, now: DateTime<Utc>) -> Result<u64> {
    let due = |after| {
        let renewed = invoice_for_period(subscription::Column::CurrentPeriodStart)
            .and_where(
                Expr::col((invoice::Entity, invoice::Column::PlanId))
                    .equals((subscription::Entity, subscription::Column::ScheduledPlanId)),
            )
            .and_where(
                Expr::col((invoice::Entity, invoice::Column::Status))
                    .eq(InvoiceStatus::Paid.as_str()),
            )
            .to_owned();
        let query = subscription::Entity::find()
            .filter(subscription::Column::Status.eq(SubscriptionStatus::Active))
            .filter(subscription::Column::ScheduledPlanId.is_not_null())
            .filter(subscription::Column::CurrentPeriodStart.lte(now))
            .filter(Expr::exists(renewed));
        page_of(db, query, subscription::Column::Id, after)
    };
    each_due("plan_switch", due, |id| async move {
        let txn = db.begin_write().await?;
        let sub: subscription::Model = found(&*txn, id, "Subscription").await?;
        let before = sub.plan_id;
        let (moved, Some(plan_id)) = apply_scheduled_plan(&*txn, sub, now).await? else {
            return Ok(false);
        };
        audit::record(
            &*txn,
            audit::Action {
                actor: None,
                action: "subscription.plan_switch",
                object_type: "subscription",
                object_id: id,
                before: json!({"plan_id": before}),
                after: json!({"plan_id": plan_id}),
                ledger_id: None,
            },
        )
        .await?;
        let occurrence = format!(
            "plan:{}",
            moved.current_period_start.map_or(0, |t| t.timestamp())
        );
        notify::subscription_step(&*txn, Step::Updated, &moved, None, &occurrence).await?;
        txn.commit().await?;
        Ok(true)
    })
    .await
}
