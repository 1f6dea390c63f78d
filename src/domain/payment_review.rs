//! Staff review of manual payments: approve or reject, one or many, all or none, in one
//! transaction. The JSON API and the admin panel both call these.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;

use crate::db::Db;
use crate::domain::idempotency::Seal;
use crate::domain::settlement::{Settled, Settler, settle};
use crate::domain::staff::StaffActor;
use crate::domain::status::PaymentStatus;
use crate::domain::{audit, notify, retry_contended};
use crate::entities::{account, invoice, payment, subscription, user};
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
    let done = retry_contended(|| async {
        let txn = db.begin_write().await?;
        let done = approve_in(&*txn, staff, ids, admin_notes.clone(), db.now()).await?;
        seal.write(&*txn, &done).await?;
        txn.commit().await?;
        Ok(done)
    })
    .await?;
    count_approved(&done);
    Ok(done)
}

/// Counts committed approvals for `/metrics`: each payment, and the credits it granted. For
/// the callers of [`approve_in`], after their commit.
pub(crate) fn count_approved(done: &[Reviewed]) {
    crate::telemetry::counters::payments_approved(done.len());
    crate::telemetry::counters::credits_granted(done.iter().map(|r| r.credits_added).sum());
}

/// The approval of [`approve`] inside a transaction the caller holds, for a caller that
/// changes more in the same commit (reconciliation links each statement line to its payment).
/// Locks the payments in id order; all or none.
pub(crate) async fn approve_in<C: ConnectionTrait>(
    txn: &C,
    staff: &StaffActor,
    ids: &[i64],
    admin_notes: Option<String>,
    now: DateTime<Utc>,
) -> Result<Vec<Reviewed>> {
    let sorted = sorted_ids(ids);
    lock_in_order(txn, &sorted).await?;
    let mut done = Vec::new();
    let mut refused = Refused::default();
    for &id in &sorted {
        match approve_one(txn, staff, id, admin_notes.clone(), now).await {
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

    let settled = settle(txn, &payment, Settler::Staff(staff), now).await?;
    let Settled {
        invoice,
        account,
        subscription,
        credits_added,
    } = settled;
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
    let done = retry_contended(|| reject_all(db, &sorted, &review)).await?;
    crate::telemetry::counters::payments_rejected(done.len());
    Ok(done)
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
    let now = db.now();
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
