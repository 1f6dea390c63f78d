//! What paying an invoice does, whoever says it was paid: staff approving a confirmed transfer
//! (`payment_review`) or a provider's signed event for a card or PayPal payment
//! (`providers::events`). One cascade, run inside the caller's transaction after it claimed
//! the payment: invoice → paid, the subscription moved as the invoice's purpose says
//! (`lifecycle::invoice_paid`: a first period, the next period, or a new plan), account →
//! active on its plan, the plan's credits granted with a `subscription` ledger row (a top-up's
//! with a `purchase` row, the account's standing unchanged), the audit entry, and the receipt mail and outgoing webhooks in the outbox.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};
use serde_json::json;

use crate::domain::staff::StaffActor;
use crate::domain::status::{
    AccountStatus, CreditTransactionType, InvoicePurpose, InvoiceStatus, Lifecycle, PaymentMethod,
};
use crate::domain::{audit, credits, found, lifecycle, notify};
use crate::entities::{account, invoice, payment, subscription};
use crate::error::{Error, Result};

/// Who settled a payment, for the audit log.
#[derive(Clone, Copy)]
pub enum Settler<'a> {
    Staff(&'a StaffActor),
    /// The provider's event, by its id: no user acted.
    Provider {
        method: PaymentMethod,
        event_id: &'a str,
    },
}

/// What settling changed besides the payment.
#[derive(Debug)]
pub struct Settled {
    pub invoice: invoice::Model,
    pub account: account::Model,
    pub subscription: Option<subscription::Model>,
    pub credits_added: i64,
}

/// Settles the invoice of `payment`, which the caller has just claimed (its status set to
/// `succeeded` by a conditional update). Every change is itself conditional: an invoice that
/// is no longer pending (paid another way a moment ago) is a conflict, and the caller's
/// transaction must then be rolled back.
pub(crate) async fn settle<C: ConnectionTrait>(
    txn: &C,
    payment: &payment::Model,
    by: Settler<'_>,
    now: DateTime<Utc>,
) -> Result<Settled> {
    let id = payment.id;
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
    // What the payment grants: a plan's credits (`subscription` row) or a top-up's
    // (`purchase` row, the package's credits as copied onto the invoice).
    let mut credited: Option<(CreditTransactionType, String, i64)> = None;
    let mut account_plan = None;
    if let Some(sub_id) = invoice.subscription_id {
        let paid = lifecycle::invoice_paid(txn, payment, &invoice, sub_id, now).await?;
        subscription = Some(paid.subscription);
        account_plan = paid.account_plan;
        let why = format!(
            "{} plan credits ({})",
            paid.plan.name, invoice.invoice_number
        );
        credited = Some((CreditTransactionType::Subscription, why, paid.credits));
    } else if invoice.purpose == InvoicePurpose::TopUp {
        let why = format!("Credit top-up ({})", invoice.invoice_number);
        let credits = invoice.credits.unwrap_or(0);
        credited = Some((CreditTransactionType::Purchase, why, credits));
    }

    // Buying credits leaves the account's standing as it is (a trial stays a trial); paying
    // for a plan makes it active on that plan. The activation and the grant are one
    // conditional update of the account row, which returns the account as it now is.
    let activation = (invoice.purpose != InvoicePurpose::TopUp)
        .then(|| activation(payment.account_id, account_plan, now));
    let cannot_activate = || {
        Error::Conflict(format!(
            "Account of payment {} cannot become active",
            payment.id
        ))
    };
    let activated = activation.is_some();
    let credits_added = credited.as_ref().map_or(0, |(_, _, n)| *n);
    let (account, ledger_id) = match credited.filter(|(_, _, n)| *n > 0) {
        Some((kind, description, amount)) => {
            let grant = credits::Grant {
                account_id: payment.account_id,
                amount,
                kind,
                description,
                reference: Some(format!("payment:{}", payment.id)),
            };
            let also = activation.unwrap_or_else(account::Entity::update_many);
            let Some((account, entry)) = credits::grant_with(txn, also, grant).await? else {
                return Err(match activated {
                    true => cannot_activate(),
                    false => Error::Internal(anyhow::anyhow!("account missing")),
                });
            };
            (account, Some(entry.id))
        }
        None => {
            let account = match activation {
                Some(update) => update.exec_with_returning(txn).await?.into_iter().next(),
                None => None,
            };
            let account = match (account, activated) {
                (Some(account), _) => account,
                (None, true) => return Err(cannot_activate()),
                (None, false) => found(txn, payment.account_id, "Account").await?,
            };
            (account, None)
        }
    };
    let mut after = json!({"status": payment.status, "invoice_status": invoice.status,
                           "account_status": account.status, "credits": account.credits,
                           "admin_notes": payment.admin_notes});
    let (actor, action) = match by {
        Settler::Staff(staff) => (Some(staff.id()), "payment.approve"),
        Settler::Provider { method, event_id } => {
            after["provider"] = json!(method);
            after["event_id"] = json!(event_id);
            after["provider_ref"] = json!(payment.provider_ref);
            (None, "payment.settle")
        }
    };
    audit::record(
        txn,
        audit::Action {
            actor,
            action,
            object_type: "payment",
            object_id: payment.id,
            before: json!({"status": before_status(by),
                           "invoice_status": InvoiceStatus::Pending,
                           "credits": account.credits - credits_added}),
            after,
            ledger_id,
        },
    )
    .await?;
    notify::payment_approved(txn, payment, &invoice, subscription.as_ref(), credits_added).await?;
    Ok(Settled {
        invoice,
        account,
        subscription,
        credits_added,
    })
}

/// The update that makes the account active (on the plan the payment moved it to, if any),
/// from a state that may become active.
fn activation(
    account_id: i64,
    plan_id: Option<i64>,
    now: DateTime<Utc>,
) -> UpdateMany<account::Entity> {
    let active = AccountStatus::Active;
    let activate = account::Entity::update_many()
        .col_expr(account::Column::Status, active.into())
        .col_expr(account::Column::UpdatedAt, now.into())
        .filter(account::Column::Id.eq(account_id))
        .filter(account::Column::Status.is_in(AccountStatus::sources_of(active)));
    match plan_id {
        Some(plan_id) => activate.col_expr(account::Column::PlanId, plan_id.into()),
        None => activate,
    }
}

fn before_status(by: Settler<'_>) -> &'static str {
    match by {
        Settler::Staff(_) => "pending_approval",
        Settler::Provider { .. } => "processing",
    }
}
