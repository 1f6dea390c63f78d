//! Staff review of manual payments: approve or reject, one or many, all or none, in one
//! transaction. The JSON API and the admin panel both call these.

use chrono::{DateTime, Months, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::db::Db;
use crate::domain::idempotency::Seal;
use crate::domain::staff::StaffActor;
use crate::domain::status::{
    AccountStatus, BillingCycle, CreditTransactionType, InvoiceStatus, Lifecycle, PaymentStatus,
    SubscriptionStatus,
};
use crate::domain::{audit, catalog, credits, notify, retry_contended};
use crate::entities::{account, invoice, payment, plan, subscription, user};
use crate::error::{Error, Result};

mod guard;
use guard::{Refused, claim_pending, lock_in_order, review_text, sorted_ids};

/// The outcome of a staff review, for one payment.
#[derive(Debug)]
pub struct Reviewed {
    pub payment: payment::Model,
    pub invoice: invoice::Model,
    pub account: account::Model,
    pub subscription: Option<subscription::Model>,
    pub credits_added: i64,
    pub reviewer: user::Model,
}

/// Approves payments, all or none, in one transaction. For each: payment → succeeded,
/// invoice → paid, subscription → active for a new period, account → active on the plan, and
/// the plan's credits granted with a `subscription` ledger row.
pub async fn approve(
    db: &Db,
    staff: &StaffActor,
    ids: &[i64],
    admin_notes: Option<String>,
    seal: &Seal<'_, Vec<Reviewed>>,
) -> Result<Vec<Reviewed>> {
    let admin_notes = review_text(admin_notes, "admin_notes", 2000)?;
    retry_contended(|| async {
        let txn = db.begin_write().await?;
        let done = approve_in(&*txn, staff, ids, admin_notes.clone()).await?;
        seal.write(&*txn, &done).await?;
        txn.commit().await?;
        Ok(done)
    })
    .await
}

/// The approval of [`approve`] inside a transaction the caller holds, for a caller that
/// changes more in the same commit (reconciliation links each statement line to its payment).
/// Locks the payments in id order; all or none.
pub(crate) async fn approve_in<C: ConnectionTrait>(
    txn: &C,
    staff: &StaffActor,
    ids: &[i64],
    admin_notes: Option<String>,
) -> Result<Vec<Reviewed>> {
    let sorted = sorted_ids(ids);
    lock_in_order(txn, &sorted).await?;
    let mut done = Vec::new();
    let mut refused = Refused::default();
    for &id in &sorted {
        match approve_one(txn, staff, id, admin_notes.clone(), Utc::now()).await {
            Ok(reviewed) => done.push(reviewed),
            Err(e) => refused.note(id, e)?,
        }
    }
    refused.into_result(ids.len())?;
    Ok(done)
}

async fn approve_one<C: ConnectionTrait>(
    txn: &C,
    staff: &StaffActor,
    id: i64,
    admin_notes: Option<String>,
    now: DateTime<Utc>,
) -> Result<Reviewed> {
    let update = payment::Entity::update_many()
        .col_expr(payment::Column::ApprovedById, staff.id.into())
        .col_expr(payment::Column::ApprovedAt, now.into())
        .col_expr(payment::Column::AdminNotes, admin_notes.into())
        .col_expr(payment::Column::UpdatedAt, now.into());
    let payment = claim_pending(txn, id, PaymentStatus::Succeeded, update).await?;

    let paid = InvoiceStatus::Paid;
    let invoice = invoice::Entity::update_many()
        .col_expr(invoice::Column::Status, paid.into())
        .col_expr(invoice::Column::PaidAt, now.into())
        .col_expr(invoice::Column::UpdatedAt, now.into())
        .filter(invoice::Column::Id.eq(payment.invoice_id))
        .filter(invoice::Column::Status.is_in(InvoiceStatus::sources_of(paid)))
        .exec_with_returning(txn)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::Conflict(format!("Invoice of payment {id} is not pending")))?;

    let mut subscription = None;
    let mut plan: Option<plan::Model> = None;
    if let Some(sub_id) = invoice.subscription_id {
        let sub = subscription::Entity::find_by_id(sub_id)
            .one(txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("subscription {sub_id} missing")))?;
        let sub_plan = catalog::plan_by_id(txn, sub.plan_id).await?;
        let months = if sub_plan.billing_cycle == BillingCycle::Annual.as_str() {
            12
        } else {
            1
        };
        let active = SubscriptionStatus::Active;
        let activated = subscription::Entity::update_many()
            .col_expr(subscription::Column::Status, active.into())
            .col_expr(subscription::Column::CurrentPeriodStart, Some(now).into())
            .col_expr(
                subscription::Column::CurrentPeriodEnd,
                now.checked_add_months(Months::new(months)).into(),
            )
            .col_expr(
                subscription::Column::ExternalPaymentId,
                payment.manual_reference.clone().into(),
            )
            .col_expr(subscription::Column::UpdatedAt, now.into())
            .filter(subscription::Column::Id.eq(sub.id))
            .filter(subscription::Column::Status.is_in(SubscriptionStatus::sources_of(active)))
            .exec_with_returning(txn)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::Conflict(format!("Subscription of payment {id} cannot become active"))
            })?;
        subscription = Some(activated);
        plan = Some(sub_plan);
    }

    let active = AccountStatus::Active;
    let mut activate = account::Entity::update_many()
        .col_expr(account::Column::Status, active.into())
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(payment.account_id))
        .filter(account::Column::Status.is_in(AccountStatus::sources_of(active)));
    if let Some(plan) = &plan {
        activate = activate.col_expr(account::Column::PlanId, plan.id.into());
    }
    if activate.exec(txn).await?.rows_affected == 0 {
        return Err(Error::Conflict(format!(
            "Account of payment {id} cannot become active"
        )));
    }

    let credits_added = plan.as_ref().map_or(0, |p| p.included_credits);
    let mut ledger_id = None;
    if credits_added > 0 {
        let plan_name = plan.as_ref().map_or("", |p| p.name.as_str());
        let granted = credits::grant(
            txn,
            payment.account_id,
            credits_added,
            CreditTransactionType::Subscription,
            format!("{plan_name} plan credits ({})", invoice.invoice_number),
            Some(format!("payment:{}", payment.id)),
        )
        .await?;
        ledger_id = Some(granted.id);
    }
    let account = account::Entity::find_by_id(payment.account_id)
        .one(txn)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("account missing")))?;
    audit::record(
        txn,
        audit::Action {
            actor: Some(staff.id()),
            action: "payment.approve",
            object_type: "payment",
            object_id: payment.id,
            before: json!({"status": PaymentStatus::PendingApproval,
                           "invoice_status": InvoiceStatus::Pending,
                           "credits": account.credits - credits_added}),
            after: json!({"status": payment.status, "invoice_status": invoice.status,
                          "account_status": account.status, "credits": account.credits,
                          "admin_notes": payment.admin_notes}),
            ledger_id,
        },
    )
    .await?;
    notify::payment_approved(
        txn,
        &payment,
        &invoice,
        subscription.as_ref(),
        credits_added,
    )
    .await?;
    Ok(Reviewed {
        payment,
        invoice,
        account,
        subscription,
        credits_added,
        reviewer: staff.user().clone(),
    })
}

pub const DEFAULT_FAILURE_REASON: &str = "Payment could not be verified";

/// Rejects payments, all or none, in one transaction: each payment → failed with its reason.
/// The invoice stays pending and the account unchanged, so the customer may confirm again.
/// `approved_by`/`approved_at` record the reviewer either way.
pub async fn reject(
    db: &Db,
    staff: &StaffActor,
    ids: &[i64],
    admin_notes: Option<String>,
    failure_reason: Option<String>,
    seal: &Seal<'_, Vec<Reviewed>>,
) -> Result<Vec<Reviewed>> {
    let admin_notes = review_text(admin_notes, "admin_notes", 2000)?;
    let reason = review_text(failure_reason, "failure_reason", 255)?
        .unwrap_or_else(|| DEFAULT_FAILURE_REASON.into());
    let sorted = sorted_ids(ids);
    let review = Review {
        staff,
        requested: ids.len(),
        admin_notes: &admin_notes,
        reason: &reason,
        seal,
    };
    retry_contended(|| reject_all(db, &sorted, &review)).await
}

/// What a rejection applies to each payment.
struct Review<'a, 's> {
    staff: &'a StaffActor,
    requested: usize,
    admin_notes: &'a Option<String>,
    reason: &'a str,
    seal: &'a Seal<'s, Vec<Reviewed>>,
}

async fn reject_all(db: &Db, sorted: &[i64], review: &Review<'_, '_>) -> Result<Vec<Reviewed>> {
    let Review {
        staff,
        requested,
        admin_notes,
        reason,
        seal,
    } = *review;
    let now = Utc::now();
    let txn = db.begin_write().await?;
    lock_in_order(&*txn, sorted).await?;
    let mut done = Vec::new();
    let mut refused = Refused::default();
    for &id in sorted {
        let update = payment::Entity::update_many()
            .col_expr(payment::Column::FailureReason, reason.into())
            .col_expr(payment::Column::AdminNotes, admin_notes.clone().into())
            .col_expr(payment::Column::ApprovedById, staff.id.into())
            .col_expr(payment::Column::ApprovedAt, now.into())
            .col_expr(payment::Column::UpdatedAt, now.into());
        let payment = match claim_pending(&*txn, id, PaymentStatus::Failed, update).await {
            Ok(p) => p,
            Err(e) => {
                refused.note(id, e)?;
                continue;
            }
        };
        let invoice = invoice::Entity::find_by_id(payment.invoice_id)
            .one(&*txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("invoice missing")))?;
        let account = account::Entity::find_by_id(payment.account_id)
            .one(&*txn)
            .await?
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("account missing")))?;
        let subscription = match invoice.subscription_id {
            Some(sid) => subscription::Entity::find_by_id(sid).one(&*txn).await?,
            None => None,
        };
        audit::record(
            &*txn,
            audit::Action {
                actor: Some(staff.id()),
                action: "payment.reject",
                object_type: "payment",
                object_id: payment.id,
                before: json!({"status": PaymentStatus::PendingApproval}),
                after: json!({"status": payment.status, "failure_reason": payment.failure_reason,
                              "admin_notes": payment.admin_notes}),
                ledger_id: None,
            },
        )
        .await?;
        notify::payment_rejected(&*txn, &payment, &invoice).await?;
        done.push(Reviewed {
            payment,
            invoice,
            account,
            subscription,
            credits_added: 0,
            reviewer: staff.user().clone(),
        });
    }
    refused.into_result(requested)?;
    seal.write(&*txn, &done).await?;
    txn.commit().await?;
    Ok(done)
}
